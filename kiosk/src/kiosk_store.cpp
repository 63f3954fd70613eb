#include "kiosk_store.hpp"

#include <chrono>

#include "guichet/store/file_check.hpp"

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
    R"sql(
CREATE TABLE number_block (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  service TEXT NOT NULL,
  prefix TEXT NOT NULL,
  centre TEXT NOT NULL,
  business_day TEXT NOT NULL,
  first INTEGER NOT NULL CHECK (first >= 1),
  count INTEGER NOT NULL CHECK (count >= 1),
  next INTEGER NOT NULL,
  clock_offset_ms INTEGER NOT NULL,
  utc_offset_minutes INTEGER NOT NULL,
  leased_ms INTEGER NOT NULL,
  CHECK (next >= first AND next <= first + count),
  UNIQUE (prefix, business_day, first)
);
CREATE INDEX number_block_by_day ON number_block (service, business_day);
CREATE TABLE leased_issue (
  prefix TEXT NOT NULL,
  business_day TEXT NOT NULL,
  number INTEGER NOT NULL,
  service TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('taken', 'delivered', 'reported', 'uploaded', 'refused', 'void')),
  report TEXT NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (prefix, business_day, number)
);
CREATE INDEX leased_issue_by_state ON leased_issue (state);
CREATE INDEX leased_issue_by_seq ON leased_issue (seq);
CREATE TABLE lease_request (
  key TEXT PRIMARY KEY,
  service TEXT NOT NULL UNIQUE,
  count INTEGER NOT NULL
);
CREATE TABLE kiosk_meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql",
    // The 'withdrawn' state: an abandoned request the server answered with its withdrawal (it
    // issued nothing). SQLite cannot change a CHECK: the table is copied into a new one.
    R"sql(
CREATE TABLE issue_log_v3 (
  seq INTEGER PRIMARY KEY,
  token_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('issued', 'abandoned', 'withdrawn', 'delivered', 'cancel_queued',
                                       'cancelled', 'cancel_refused')),
  updated_ms INTEGER NOT NULL
);
INSERT INTO issue_log_v3 (seq, token_id, state, updated_ms) SELECT seq, token_id, state, updated_ms FROM issue_log;
DROP TABLE issue_log;
ALTER TABLE issue_log_v3 RENAME TO issue_log;
CREATE INDEX issue_log_by_state ON issue_log (state);
)sql",
};

IssueLogState parse_state(const std::string& s) {
  if (s == "abandoned") return IssueLogState::Abandoned;
  if (s == "withdrawn") return IssueLogState::Withdrawn;
  if (s == "delivered") return IssueLogState::Delivered;
  if (s == "cancel_queued") return IssueLogState::CancelQueued;
  if (s == "cancelled") return IssueLogState::Cancelled;
  if (s == "cancel_refused") return IssueLogState::CancelRefused;
  return IssueLogState::Issued;
}

IssueLogRow read_row(const store::Statement& st) {
  return IssueLogRow{st.int64(0), st.text(1), parse_state(st.text(2)), st.int64(3)};
}

LeasedState parse_leased(const std::string& s) {
  if (s == "delivered") return LeasedState::Delivered;
  if (s == "reported") return LeasedState::Reported;
  if (s == "uploaded") return LeasedState::Uploaded;
  if (s == "refused") return LeasedState::Refused;
  if (s == "void") return LeasedState::Void;
  return LeasedState::Taken;
}

constexpr const char* kBlockColumns =
    "id, service, prefix, centre, business_day, first, count, next, clock_offset_ms, utc_offset_minutes, leased_ms";

NumberBlock read_block(const store::Statement& st) {
  NumberBlock b;
  b.id = st.int64(0);
  b.service = st.text(1);
  b.prefix = st.text(2);
  b.centre = st.text(3);
  b.business_day = st.text(4);
  b.first = st.int32(5);
  b.count = st.int32(6);
  b.next = st.int32(7);
  b.clock_offset_ms = st.int64(8);
  b.utc_offset_minutes = st.int32(9);
  b.leased_ms = st.int64(10);
  return b;
}

constexpr const char* kLeasedColumns = "prefix, business_day, number, service, state, report, seq, updated_ms";

LeasedIssueRow read_leased(const store::Statement& st) {
  LeasedIssueRow r;
  r.prefix = st.text(0);
  r.business_day = st.text(1);
  r.number = st.int32(2);
  r.service = st.text(3);
  r.state = parse_leased(st.text(4));
  r.report = st.text(5);
  r.seq = st.int64(6);
  r.updated_ms = st.int64(7);
  return r;
}

}  // namespace

const char* to_string(LeasedState s) {
  switch (s) {
    case LeasedState::Taken:
      return "taken";
    case LeasedState::Delivered:
      return "delivered";
    case LeasedState::Reported:
      return "reported";
    case LeasedState::Uploaded:
      return "uploaded";
    case LeasedState::Refused:
      return "refused";
    case LeasedState::Void:
      return "void";
  }
  return "taken";
}

const char* to_string(IssueLogState s) {
  switch (s) {
    case IssueLogState::Issued:
      return "issued";
    case IssueLogState::Abandoned:
      return "abandoned";
    case IssueLogState::Withdrawn:
      return "withdrawn";
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

namespace {
// The path, once its header is checked: a damaged file is refused with its name before SQLite
// opens it (SQLite would take a file cut down to its first byte for a new, empty database, and the
// kiosk would start without its issue log and leased numbers).
const std::string& checked(const std::string& path) {
  store::check_sqlite_header(path, "kiosk file");
  return path;
}
}  // namespace

KioskStore::KioskStore(const std::string& path) : db_(checked(path)) { db_.migrate(kMigrations); }

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

std::vector<IssueLogRow> KioskStore::abandoned_unanswered() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT seq, token_id, state, updated_ms FROM issue_log WHERE token_id = '' AND state = 'abandoned' ORDER BY "
      "seq");
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

void KioskStore::add_block(const NumberBlock& b) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "INSERT OR IGNORE INTO number_block (service, prefix, centre, business_day, first, count, next, "
         "clock_offset_ms, utc_offset_minutes, leased_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, b.service)
      .bind(2, b.prefix)
      .bind(3, b.centre)
      .bind(4, b.business_day)
      .bind(5, b.first)
      .bind(6, b.count)
      .bind(7, b.next < b.first ? b.first : b.next)
      .bind(8, b.clock_offset_ms)
      .bind(9, b.utc_offset_minutes)
      .bind(10, b.leased_ms)
      .run();
}

std::vector<NumberBlock> KioskStore::blocks(const std::string& service, const std::string& business_day) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kBlockColumns +
                        " FROM number_block WHERE service = ? AND business_day = ? ORDER BY first, id");
  st.bind(1, service).bind(2, business_day);
  std::vector<NumberBlock> out;
  while (st.step()) out.push_back(read_block(st));
  return out;
}

int KioskStore::numbers_left(const std::string& service, const std::string& business_day) {
  int left = 0;
  for (const auto& b : blocks(service, business_day)) left += b.left();
  return left;
}

std::optional<NumberBlock> KioskStore::latest_block() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kBlockColumns + " FROM number_block ORDER BY id DESC LIMIT 1");
  if (!st.step()) return std::nullopt;
  return read_block(st);
}

std::optional<TakenNumber> KioskStore::take_number(const std::string& service, const std::string& business_day,
                                                   const std::function<std::string(const TakenNumber&)>& report,
                                                   std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  store::Transaction tx(db_);
  auto st = db_.prepare(std::string("SELECT ") + kBlockColumns +
                        " FROM number_block WHERE service = ? AND business_day = ? AND next < first + count "
                        "ORDER BY first, id LIMIT 1");
  st.bind(1, service).bind(2, business_day);
  if (!st.step()) return std::nullopt;
  TakenNumber taken{read_block(st), 0};
  taken.number = taken.block.next;
  db_.prepare("UPDATE number_block SET next = next + 1 WHERE id = ?").bind(1, taken.block.id).run();
  taken.block.next += 1;
  db_.prepare(
         "INSERT INTO leased_issue (prefix, business_day, number, service, state, report, seq, updated_ms) "
         "VALUES (?, ?, ?, ?, 'taken', ?, 0, ?)")
      .bind(1, taken.block.prefix)
      .bind(2, taken.block.business_day)
      .bind(3, taken.number)
      .bind(4, service)
      .bind(5, report(taken))
      .bind(6, now_ms)
      .run();
  tx.commit();
  return taken;
}

void KioskStore::set_leased_state(const std::string& prefix, const std::string& business_day, int number,
                                  LeasedState state, std::int64_t seq, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "UPDATE leased_issue SET state = ?, seq = CASE WHEN ? = 0 THEN seq ELSE ? END, updated_ms = ? "
         "WHERE prefix = ? AND business_day = ? AND number = ?")
      .bind(1, to_string(state))
      .bind(2, seq)
      .bind(3, seq)
      .bind(4, now_ms)
      .bind(5, prefix)
      .bind(6, business_day)
      .bind(7, number)
      .run();
}

void KioskStore::set_leased_state_by_seq(std::int64_t seq, LeasedState state, std::int64_t now_ms) {
  if (seq == 0) return;
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE leased_issue SET state = ?, updated_ms = ? WHERE seq = ?")
      .bind(1, to_string(state))
      .bind(2, now_ms)
      .bind(3, seq)
      .run();
}

std::optional<LeasedIssueRow> KioskStore::leased(const std::string& prefix, const std::string& business_day,
                                                 int number) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kLeasedColumns +
                        " FROM leased_issue WHERE prefix = ? AND business_day = ? AND number = ?");
  st.bind(1, prefix).bind(2, business_day).bind(3, number);
  if (!st.step()) return std::nullopt;
  return read_leased(st);
}

std::vector<LeasedIssueRow> KioskStore::leased_unsettled() {
  std::lock_guard lock(mu_);
  auto st =
      db_.prepare(std::string("SELECT ") + kLeasedColumns +
                  " FROM leased_issue WHERE state IN ('taken', 'delivered') ORDER BY business_day, prefix, number");
  std::vector<LeasedIssueRow> out;
  while (st.step()) out.push_back(read_leased(st));
  return out;
}

std::vector<LeasedIssueRow> KioskStore::leased_all() {
  std::lock_guard lock(mu_);
  auto st =
      db_.prepare(std::string("SELECT ") + kLeasedColumns + " FROM leased_issue ORDER BY business_day, prefix, number");
  std::vector<LeasedIssueRow> out;
  while (st.step()) out.push_back(read_leased(st));
  return out;
}

int KioskStore::drop_blocks_before(const std::string& business_day) {
  std::lock_guard lock(mu_);
  store::Transaction tx(db_);
  db_.prepare("DELETE FROM number_block WHERE business_day < ?").bind(1, business_day).run();
  const int dropped = db_.changes();
  // Numbers still on their way to the server are kept until they are settled.
  db_.prepare("DELETE FROM leased_issue WHERE business_day < ? AND state IN ('uploaded', 'refused', 'void')")
      .bind(1, business_day)
      .run();
  tx.commit();
  return dropped;
}

LeaseRequest KioskStore::lease_request(const std::string& service, int count, const std::string& device) {
  std::lock_guard lock(mu_);
  store::Transaction tx(db_);
  auto st = db_.prepare("SELECT key, service, count FROM lease_request WHERE service = ?");
  st.bind(1, service);
  if (st.step()) return LeaseRequest{st.text(0), st.text(1), st.int32(2)};
  auto meta = db_.prepare("SELECT value FROM kiosk_meta WHERE name = 'lease_no'");
  std::int64_t n = meta.step() ? meta.int64(0) + 1 : 1;
  db_.prepare(
         "INSERT INTO kiosk_meta (name, value) VALUES ('lease_no', ?) ON CONFLICT (name) DO UPDATE SET value = "
         "excluded.value")
      .bind(1, n)
      .run();
  // The kiosk file's creation time keeps keys of a wiped and recreated data directory apart.
  auto created = db_.prepare("SELECT value FROM kiosk_meta WHERE name = 'created_ms'");
  std::int64_t created_ms = 0;
  if (created.step()) {
    created_ms = created.int64(0);
  } else {
    created_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    db_.prepare("INSERT INTO kiosk_meta (name, value) VALUES ('created_ms', ?)").bind(1, created_ms).run();
  }
  LeaseRequest r{device + ":lease:" + std::to_string(created_ms) + ":" + std::to_string(n), service, count};
  db_.prepare("INSERT INTO lease_request (key, service, count) VALUES (?, ?, ?)")
      .bind(1, r.key)
      .bind(2, r.service)
      .bind(3, r.count)
      .run();
  tx.commit();
  return r;
}

void KioskStore::finish_lease_request(const std::string& key, const std::optional<NumberBlock>& block) {
  {
    std::lock_guard lock(mu_);
    store::Transaction tx(db_);
    db_.prepare("DELETE FROM lease_request WHERE key = ?").bind(1, key).run();
    if (block) {
      // The same block answered twice (a replayed key) is kept once.
      db_.prepare(
             "INSERT OR IGNORE INTO number_block (service, prefix, centre, business_day, first, count, next, "
             "clock_offset_ms, utc_offset_minutes, leased_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, block->service)
          .bind(2, block->prefix)
          .bind(3, block->centre)
          .bind(4, block->business_day)
          .bind(5, block->first)
          .bind(6, block->count)
          .bind(7, block->first)
          .bind(8, block->clock_offset_ms)
          .bind(9, block->utc_offset_minutes)
          .bind(10, block->leased_ms)
          .run();
    }
    tx.commit();
  }
}

}  // namespace guichet::kiosk
