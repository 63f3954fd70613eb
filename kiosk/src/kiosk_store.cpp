#include "kiosk_store.hpp"

namespace guichet::kiosk {

namespace {

const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE catalogue_cache (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  json TEXT NOT NULL,
  fetched_ms INTEGER NOT NULL
);
CREATE TABLE issue_log (
  seq INTEGER PRIMARY KEY,
  token_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('issued', 'abandoned', 'delivered', 'cancel_queued', 'cancelled',
                                       'cancel_refused')),
  updated_ms INTEGER NOT NULL
);
CREATE INDEX issue_log_by_state ON issue_log (state);
)sql",
};

IssueLogState parse_state(const std::string& s) {
  if (s == "abandoned") return IssueLogState::Abandoned;
  if (s == "delivered") return IssueLogState::Delivered;
  if (s == "cancel_queued") return IssueLogState::CancelQueued;
  if (s == "cancelled") return IssueLogState::Cancelled;
  if (s == "cancel_refused") return IssueLogState::CancelRefused;
  return IssueLogState::Issued;
}

IssueLogRow read_row(const store::Statement& st) {
  return IssueLogRow{st.int64(0), st.text(1), parse_state(st.text(2)), st.int64(3)};
}

}  // namespace

const char* to_string(IssueLogState s) {
  switch (s) {
    case IssueLogState::Issued:
      return "issued";
    case IssueLogState::Abandoned:
      return "abandoned";
    case IssueLogState::Delivered:
      return "delivered";
    case IssueLogState::CancelQueued:
      return "cancel_queued";
    case IssueLogState::Cancelled:
      return "cancelled";
    case IssueLogState::CancelRefused:
      return "cancel_refused";
  }
  return "issued";
}

KioskStore::KioskStore(const std::string& path) : db_(path) { db_.migrate(kMigrations); }

void KioskStore::save_catalogue(const std::string& json_text, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "INSERT INTO catalogue_cache (id, json, fetched_ms) VALUES (1, ?, ?) "
         "ON CONFLICT (id) DO UPDATE SET json = excluded.json, fetched_ms = excluded.fetched_ms")
      .bind(1, json_text)
      .bind(2, now_ms)
      .run();
}

std::optional<std::string> KioskStore::load_catalogue() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT json FROM catalogue_cache WHERE id = 1");
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void KioskStore::record_token(std::int64_t seq, const std::string& token_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "INSERT INTO issue_log (seq, token_id, state, updated_ms) VALUES (?, ?, 'issued', ?) "
         "ON CONFLICT (seq) DO UPDATE SET token_id = excluded.token_id, updated_ms = excluded.updated_ms")
      .bind(1, seq)
      .bind(2, token_id)
      .bind(3, now_ms)
      .run();
}

void KioskStore::set_state(std::int64_t seq, const std::string& token_id, IssueLogState state, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "INSERT INTO issue_log (seq, token_id, state, updated_ms) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (seq) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms, "
         "token_id = CASE WHEN excluded.token_id = '' THEN issue_log.token_id ELSE excluded.token_id END")
      .bind(1, seq)
      .bind(2, token_id)
      .bind(3, to_string(state))
      .bind(4, now_ms)
      .run();
}

void KioskStore::set_state_by_token(const std::string& token_id, IssueLogState state, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE issue_log SET state = ?, updated_ms = ? WHERE token_id = ?")
      .bind(1, to_string(state))
      .bind(2, now_ms)
      .bind(3, token_id)
      .run();
}

std::optional<IssueLogRow> KioskStore::get(std::int64_t seq) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT seq, token_id, state, updated_ms FROM issue_log WHERE seq = ?");
  st.bind(1, seq);
  if (!st.step()) return std::nullopt;
  return read_row(st);
}

std::vector<IssueLogRow> KioskStore::undelivered() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT seq, token_id, state, updated_ms FROM issue_log "
      "WHERE token_id <> '' AND state IN ('issued', 'abandoned') ORDER BY seq");
  std::vector<IssueLogRow> out;
  while (st.step()) out.push_back(read_row(st));
  return out;
}

std::int64_t KioskStore::max_seq() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT COALESCE(MAX(seq), 0) FROM issue_log");
  st.step();
  return st.int64(0);
}

std::vector<IssueLogRow> KioskStore::all() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT seq, token_id, state, updated_ms FROM issue_log ORDER BY seq");
  std::vector<IssueLogRow> out;
  while (st.step()) out.push_back(read_row(st));
  return out;
}

}  // namespace guichet::kiosk
