#include "draft_store.hpp"

#include <algorithm>
#include <chrono>

#include "guichet/store/file_check.hpp"
#include "guichet/sync/attachments.hpp"

namespace guichet::counter {

namespace {

const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE pages (
  sha256     TEXT PRIMARY KEY,
  media_type TEXT NOT NULL,
  width      INTEGER NOT NULL,
  height     INTEGER NOT NULL,
  content    BLOB NOT NULL,
  stored_ms  INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The SHA-256 of every page a draft's text names (none when it cannot be read).
std::vector<std::string> named_pages(const std::string& text) {
  std::vector<std::string> out;
  const sync::json j = sync::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return out;
  const auto pages = j.find("pages");
  if (pages == j.end() || !pages->is_object()) return out;
  for (const auto& [document, list] : pages->items()) {
    if (!list.is_array()) continue;
    for (const auto& p : list) {
      if (p.is_object() && p.contains("sha256") && p["sha256"].is_string()) out.push_back(p["sha256"]);
    }
  }
  return out;
}

}  // namespace

DraftStore::DraftStore(const std::string& pages_path, sync::Outbox& outbox) : outbox_(outbox) {
  store::check_sqlite_header(pages_path, "form in progress");
  db_ = std::make_unique<store::Db>(pages_path);
  // Pages removed are overwritten with zeros in the file, not only unlinked: citizens' papers.
  db_->exec("PRAGMA secure_delete = ON");
  db_->migrate(kMigrations);
  expire_aside(wall_ms());
}

std::optional<DraftStore::Kept> DraftStore::load() {
  auto text = outbox_.get_meta(kDraftName);
  if (!text) return std::nullopt;
  Kept kept;
  kept.text = std::move(*text);
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT sha256, media_type, width, height, content FROM pages");
  while (st.step()) {
    ScannedPage p;
    p.file.sha256 = st.text(0);
    p.file.media_type = st.text(1);
    p.width = st.int32(2);
    p.height = st.int32(3);
    const auto bytes = st.blob(4);
    p.png.assign(bytes.begin(), bytes.end());
    p.file.bytes = static_cast<std::int64_t>(p.png.size());
    // A page whose bytes are not those it was kept under is not restored (scanned again).
    if (sync::sha256_hex(p.png) != p.file.sha256) continue;
    kept.pages.emplace(p.file.sha256, std::move(p));
  }
  return kept;
}

void DraftStore::keep_page(const ScannedPage& page) {
  std::lock_guard lock(mu_);
  db_->prepare(
         "INSERT INTO pages (sha256, media_type, width, height, content, stored_ms) VALUES (?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (sha256) DO NOTHING")
      .bind(1, page.file.sha256)
      .bind(2, page.file.media_type)
      .bind(3, page.width)
      .bind(4, page.height)
      .bind_blob(5, page.png.data(), page.png.size())
      .bind(6, wall_ms())
      .run();
}

void DraftStore::save(const std::string& text, const std::vector<std::string>& page_ids) {
  if (text.empty()) {
    clear();
    return;
  }
  outbox_.set_meta(kDraftName, text);
  std::lock_guard lock(mu_);
  drop_pages_except(page_ids);
}

void DraftStore::clear() {
  outbox_.remove_meta(kDraftName);
  std::lock_guard lock(mu_);
  drop_pages_except({});
}

void DraftStore::drop_unnamed_pages() {
  const auto text = outbox_.get_meta(kDraftName);
  std::lock_guard lock(mu_);
  drop_pages_except(text ? named_pages(*text) : std::vector<std::string>{});
}

void DraftStore::set_aside(const std::string& why) {
  const auto text = outbox_.get_meta(kDraftName);
  if (!text) return;
  sync::json aside = {{"why", why}, {"text", *text}, {"at_ms", wall_ms()}};
  outbox_.set_meta(kUnreadableName, aside.dump(-1, ' ', false, sync::json::error_handler_t::replace));
  outbox_.remove_meta(kDraftName);
}

bool DraftStore::expire_aside(std::int64_t now_ms) {
  const auto text = outbox_.get_meta(kUnreadableName);
  if (!text) return false;
  sync::json aside = sync::json::parse(*text, nullptr, false);
  if (!aside.is_object() || !aside.contains("at_ms") || !aside["at_ms"].is_number_integer()) {
    // Kept as it is, with a date from which it expires.
    aside = {{"why", "the record of the set-aside form could not be read"}, {"text", *text}, {"at_ms", now_ms}};
    outbox_.set_meta(kUnreadableName, aside.dump(-1, ' ', false, sync::json::error_handler_t::replace));
    return false;
  }
  constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
  if (now_ms - aside["at_ms"].get<std::int64_t>() <= kAsideDays * kDayMs) return false;
  outbox_.remove_meta(kUnreadableName);
  return true;
}

std::int64_t DraftStore::page_count() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT count(*) FROM pages");
  st.step();
  return st.int64(0);
}

void DraftStore::drop_pages_except(const std::vector<std::string>& page_ids) {
  std::vector<std::string> drop;
  {
    auto st = db_->prepare("SELECT sha256 FROM pages");
    while (st.step()) {
      std::string sha = st.text(0);
      if (std::find(page_ids.begin(), page_ids.end(), sha) == page_ids.end()) drop.push_back(std::move(sha));
    }
  }
  if (drop.empty()) return;
  {
    store::Transaction tx(*db_);
    auto st = db_->prepare("DELETE FROM pages WHERE sha256 = ?");
    for (const auto& sha : drop) {
      st.bind(1, sha).run();
      st.reset();
    }
    tx.commit();
  }
  // The pages' frames are still in the write-ahead log: checkpointed into the file (where
  // secure_delete zeroed them) and emptied.
  db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace guichet::counter
