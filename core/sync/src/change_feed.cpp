#include "guichet/sync/change_feed.hpp"

#include <algorithm>

#include "guichet/store/file_check.hpp"

namespace guichet::sync {
namespace {

const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE feed_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE application_status (
  receipt TEXT PRIMARY KEY,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE queue_days (
  day TEXT PRIMARY KEY,
  last_event INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 2: a full snapshot read again from cursor 0 (the server refused the cursor as ahead of its
    // changes) is staged here while the tables above keep answering; its last page replaces them.
    R"sql(
CREATE TABLE snapshot_status (
  receipt TEXT PRIMARY KEY,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE snapshot_queue_days (
  day TEXT PRIMARY KEY,
  last_event INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

std::optional<std::string> meta(store::Db& db, const char* key) {
  auto st = db.prepare("SELECT value FROM feed_meta WHERE key = ?");
  st.bind(1, key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void set_meta(store::Db& db, const char* key, const std::string& value) {
  db.prepare("INSERT INTO feed_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .bind(1, key)
      .bind(2, value)
      .run();
}

std::string encode(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.' || c == '~';
    if (plain) {
      out += c;
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[(static_cast<unsigned char>(c) >> 4) & 15];
      out += hex[static_cast<unsigned char>(c) & 15];
    }
  }
  return out;
}

}  // namespace

ChangeFeed::ChangeFeed(const std::string& db_path, ServerEndpoint endpoint, const ChangeFeedOptions& options)
    : endpoint_(std::move(endpoint)), options_(options) {
  store::check_sqlite_header(db_path, "change feed");
  store::OpenOptions open;
  open.durability = options.durability;
  open.check_integrity = true;
  db_ = std::make_unique<store::Db>(db_path, open);
  db_->migrate(kMigrations);
}

ChangeFeed::~ChangeFeed() { stop(); }

void ChangeFeed::on_catalogue(CatalogueHandler handler) { on_catalogue_ = std::move(handler); }

void ChangeFeed::on_pulled(std::function<void(const Pull&)> handler) { on_pulled_ = std::move(handler); }

std::string ChangeFeed::cursor() {
  std::lock_guard lock(db_mu_);
  return meta(*db_, "cursor").value_or("0");
}

std::optional<json> ChangeFeed::local_status(const std::string& receipt) {
  std::lock_guard lock(db_mu_);
  auto st = db_->prepare("SELECT body FROM application_status WHERE receipt = ?");
  st.bind(1, receipt);
  if (!st.step()) return std::nullopt;
  json j = json::parse(st.text(0), nullptr, false);
  if (j.is_discarded()) {
    throw store::DbError(SQLITE_CORRUPT,
                         "change feed " + db_->path() + ": the stored status of " + receipt + " is not JSON");
  }
  return j;
}

std::optional<std::pair<std::string, json>> ChangeFeed::catalogue() {
  std::lock_guard lock(db_mu_);
  auto version = meta(*db_, "catalogue_version");
  auto body = meta(*db_, "catalogue");
  if (!version || !body) return std::nullopt;
  json j = json::parse(*body, nullptr, false);
  if (j.is_discarded()) {
    throw store::DbError(SQLITE_CORRUPT, "change feed " + db_->path() + ": the stored catalogue is not JSON");
  }
  return std::make_pair(*version, std::move(j));
}

std::optional<std::uint64_t> ChangeFeed::queue_last_event(const std::string& day) {
  std::lock_guard lock(db_mu_);
  auto st = db_->prepare("SELECT last_event FROM queue_days WHERE day = ?");
  st.bind(1, day);
  if (!st.step()) return std::nullopt;
  return static_cast<std::uint64_t>(st.int64(0));
}

// One page: every change and the cursor after them, in one transaction. While a snapshot is read
// again from 0, statuses and queue days go to its staging tables, and its last page replaces the
// kept ones with them in the same transaction.
void ChangeFeed::store_page(const json& changes, const std::string& cursor, bool last) {
  std::lock_guard lock(db_mu_);
  store::Transaction tx(*db_);
  const bool snapshot = meta(*db_, "snapshot").has_value();
  const std::string statuses = snapshot ? "snapshot_status" : "application_status";
  const std::string days = snapshot ? "snapshot_queue_days" : "queue_days";
  for (const json& c : changes) {
    const std::string type = c.value("type", "");
    if (type == "application.status" && c.contains("application") && c["application"].is_object()) {
      const json& a = c["application"];
      db_->prepare("INSERT INTO " + statuses +
                   " (receipt, body) VALUES (?, ?) ON CONFLICT (receipt) DO UPDATE SET body = excluded.body")
          .bind(1, a.value("receipt", ""))
          .bind(2, a.dump())
          .run();
    } else if (type == "catalogue" && c.contains("catalogue")) {
      set_meta(*db_, "catalogue_version", c.value("version", ""));
      set_meta(*db_, "catalogue", c["catalogue"].dump());
    } else if (type == "queue") {
      db_->prepare("INSERT INTO " + days +
                   " (day, last_event) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET last_event = excluded.last_event")
          .bind(1, c.value("day", ""))
          .bind(2, c.value("last_event", std::int64_t{0}))
          .run();
    }
    // Other types come from a newer server: skipped, the cursor still moves past them.
  }
  if (snapshot && last) {
    // The server's whole state is in: it replaces what was kept (statuses the server no longer has
    // go with it).
    db_->exec(
        "DELETE FROM application_status; "
        "INSERT INTO application_status (receipt, body) SELECT receipt, body FROM snapshot_status; "
        "DELETE FROM snapshot_status; "
        "DELETE FROM queue_days; "
        "INSERT INTO queue_days (day, last_event) SELECT day, last_event FROM snapshot_queue_days; "
        "DELETE FROM snapshot_queue_days; "
        "DELETE FROM feed_meta WHERE key = 'snapshot';");
  }
  set_meta(*db_, "cursor", cursor);
  tx.commit();
}

void ChangeFeed::start_snapshot() {
  std::lock_guard lock(db_mu_);
  store::Transaction tx(*db_);
  db_->exec("DELETE FROM snapshot_status; DELETE FROM snapshot_queue_days;");
  set_meta(*db_, "snapshot", "1");
  set_meta(*db_, "cursor", "0");
  tx.commit();
}

bool ChangeFeed::reading_snapshot() {
  std::lock_guard lock(db_mu_);
  return meta(*db_, "snapshot").has_value();
}

ChangeFeed::Pull ChangeFeed::pull() {
  std::lock_guard pulling(pull_mu_);
  Pull result;
  ApiClient client(endpoint_);
  for (int pages = 0; pages < 100000; ++pages) {
    if (abort_) {
      result.error = "stopped";
      return result;
    }
    RequestOptions request;
    request.timeout = options_.request_timeout;
    request.cancel = &abort_;
    request.headers.push_back("X-Guichet-Protocol: " + std::to_string(kProtocolVersion));
    HttpResponse r = client.get("/api/v1/sync/changes?since=" + encode(cursor()) +
                                    "&limit=" + std::to_string(std::clamp(options_.page, 1, 5000)),
                                request);
    if (r.status != 0) result.reached = true;
    if (r.status == 400 && (r.error_code() == "cursor_ahead" || r.error_code() == "cursor_unknown") &&
        !result.restarted) {
      // The server's database no longer has what this feed has read (restored from a backup, say):
      // asking again with the same cursor would be refused for ever. Read its whole state again
      // from 0, keeping what is here until that snapshot is complete.
      start_snapshot();
      result.restarted = true;
      continue;
    }
    if (!r.ok()) {
      result.error = r.error_message();
      result.refused = r.status == 400 && r.error_code() == "unsupported_protocol";
      return result;
    }
    json page = json::parse(r.body, nullptr, false);
    if (page.is_discarded() || !page.is_object() || !page.contains("cursor") || !page["cursor"].is_string() ||
        !page.contains("changes") || !page["changes"].is_array()) {
      result.error = "the server's list of changes was not understood";
      return result;
    }
    const bool more = page.value("more", false);
    store_page(page["changes"], page["cursor"].get<std::string>(), !more);
    result.changes += static_cast<int>(page["changes"].size());
    if (on_catalogue_) {
      for (const json& c : page["changes"]) {
        if (c.value("type", "") == "catalogue" && c.contains("catalogue"))
          on_catalogue_(c.value("version", ""), c["catalogue"]);
      }
    }
    if (!more) {
      result.ok = true;
      return result;
    }
  }
  result.error = "too many pages";
  return result;
}

void ChangeFeed::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  abort_ = false;
  wake_ = options_.first_pull_delay.count() <= 0;
  thread_ = std::thread(&ChangeFeed::run, this);
}

void ChangeFeed::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    abort_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChangeFeed::wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void ChangeFeed::run() {
  if (options_.first_pull_delay.count() > 0) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.first_pull_delay, [&] { return stop_ || wake_; });
  }
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      wake_ = false;
    }
    Pull p;
    bool answered = true;  // pull() returned: its outcome says whether the server answered
    try {
      p = pull();
    } catch (const std::exception& e) {
      p.error = e.what();
      answered = false;  // the terminal's own file failed: nothing learnt about the server
    }
    if (answered && !abort_ && on_pulled_) on_pulled_(p);
    std::unique_lock lock(mu_);
    if (stop_ || p.refused) {
      cv_.wait(lock, [&] { return stop_; });
      return;
    }
    cv_.wait_for(lock, options_.poll_interval, [&] { return stop_ || wake_; });
  }
}

}  // namespace guichet::sync
