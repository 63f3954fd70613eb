#include "guichet/server/storage.hpp"

#include <unordered_map>
#include <utility>

#include "guichet/server/wire_json.hpp"

namespace guichet::server {
namespace {

// Resets a cached statement when the caller is done with it: a statement left mid-result would
// hold a read transaction open and stop WAL checkpoints.
class Use {
 public:
  explicit Use(store::Statement& st) : st_(st) { st_.reset(); }
  ~Use() { st_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  store::Statement* operator->() { return &st_; }
  store::Statement& operator*() { return st_; }

 private:
  store::Statement& st_;
};

std::optional<std::int64_t> opt_int(store::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return st.int64(col);
}

std::optional<domain::Instant> opt_instant(store::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return domain::from_unix_ms(st.int64(col));
}

std::optional<std::int64_t> opt_ms(const std::optional<domain::Instant>& t) {
  if (!t) return std::nullopt;
  return domain::to_unix_ms(*t);
}

constexpr const char* kTokenColumns =
    "id, business_day, service, prefix, number, priority, language, issued_ms, state, counter, target_counter, "
    "recalls, called_ms, started_ms, finished_ms, carried_over, issued_by";

domain::Token read_token(store::Statement& st) {
  domain::Token t;
  t.id = st.text(0);
  t.business_day = st.text(1);
  t.service = st.text(2);
  t.prefix = st.text(3);
  t.number = st.int32(4);
  t.priority = st.text(5);
  t.language = st.text(6);
  t.issued_at = domain::from_unix_ms(st.int64(7));
  std::string state = st.text(8);
  if (!domain::parse_token_state(state, t.state)) {
    throw store::DbError(SQLITE_CORRUPT, "token " + t.id + " has unknown state '" + state + "'");
  }
  t.counter = st.text(9);
  t.target_counter = st.text(10);
  t.recalls = st.int32(11);
  t.called_at = opt_instant(st, 12);
  t.started_at = opt_instant(st, 13);
  t.finished_at = opt_instant(st, 14);
  t.carried_over = st.int64(15) != 0;
  t.issued_by = st.text(16);
  return t;
}

EventRecord read_event(store::Statement& st) {
  EventRecord e;
  e.seq = static_cast<std::uint64_t>(st.int64(0));
  e.type = st.text(1);
  e.token_id = st.text(2);
  e.counter = st.text(3);
  e.actor = st.text(4);
  e.device = st.text(5);
  e.at_ms = st.int64(6);
  e.body = st.text(7);
  return e;
}

}  // namespace

const std::vector<std::string>& schema_migrations() {
  static const std::vector<std::string> migrations = {
      // 1: the queue authority of one centre.
      R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('kiosk', 'counter', 'display')),
  secret_hash TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  revoked_ms  INTEGER
);

CREATE TABLE operators (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('operator', 'manager', 'admin')),
  pin_hash   TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  operator_id TEXT NOT NULL REFERENCES operators(id),
  device_id   TEXT NOT NULL REFERENCES devices(id),
  counter     TEXT NOT NULL DEFAULT '',
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER NOT NULL,
  closed_ms   INTEGER
);

CREATE TABLE tokens (
  id             TEXT PRIMARY KEY,
  queue_day      TEXT NOT NULL,
  business_day   TEXT NOT NULL,
  service        TEXT NOT NULL,
  prefix         TEXT NOT NULL,
  number         INTEGER NOT NULL,
  priority       TEXT NOT NULL DEFAULT '',
  language       TEXT NOT NULL DEFAULT '',
  issued_ms      INTEGER NOT NULL,
  state          TEXT NOT NULL,
  counter        TEXT NOT NULL DEFAULT '',
  target_counter TEXT NOT NULL DEFAULT '',
  recalls        INTEGER NOT NULL DEFAULT 0,
  called_ms      INTEGER,
  started_ms     INTEGER,
  finished_ms    INTEGER,
  carried_over   INTEGER NOT NULL DEFAULT 0,
  issued_by      TEXT NOT NULL CHECK (issued_by <> '')
);
CREATE INDEX tokens_by_queue_day ON tokens(queue_day);

CREATE TABLE counter_states (
  counter               TEXT PRIMARY KEY,
  operator_id           TEXT NOT NULL DEFAULT '',
  current_token         TEXT NOT NULL DEFAULT '',
  normal_since_priority INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE events (
  seq      INTEGER PRIMARY KEY,
  type     TEXT NOT NULL,
  token_id TEXT NOT NULL DEFAULT '',
  counter  TEXT NOT NULL DEFAULT '',
  actor    TEXT NOT NULL CHECK (actor <> ''),
  device   TEXT NOT NULL CHECK (device <> ''),
  at_ms    INTEGER NOT NULL,
  body     TEXT NOT NULL
);

-- Append-only: the server keeps the (device, key) index in memory (rebuilt at start), so
-- recording a key adds to the last page instead of dirtying one page per device at every commit.
CREATE TABLE idempotency (
  id          INTEGER PRIMARY KEY,
  device      TEXT NOT NULL,
  key         TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status      INTEGER NOT NULL,
  body        TEXT NOT NULL,
  created_ms  INTEGER NOT NULL
);

CREATE TABLE pin_failures (
  operator_id     TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL,
  last_failure_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
      // 2: enrollment with one-time codes; devices get an optional name.
      R"sql(
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- A code is stored only as its hash. It is used once: `used_ms` and `device_id` are set in the
-- same transaction that creates the device. `nonce_hash` is the hash of the terminal's nonce for
-- that enrollment, so a retry after a lost answer gets the same device back (docs/server.md).
CREATE TABLE enrollment_codes (
  code_hash    TEXT PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('kiosk', 'counter', 'display')),
  chosen_id    TEXT NOT NULL DEFAULT '',
  name         TEXT NOT NULL DEFAULT '',
  created_by   TEXT NOT NULL CHECK (created_by <> ''),
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  used_ms      INTEGER,
  device_id    TEXT NOT NULL DEFAULT '',
  nonce_hash   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
)sql",
      // 3: applications, the change log terminals download (protocol v1), and what each device
      // has uploaded.
      R"sql(
-- One row per application. `fields` and `documents` hold what the citizen gave (personal data:
-- never logged, never in the public status); `public_json` is the public status as served.
CREATE TABLE applications (
  receipt         TEXT PRIMARY KEY,
  service         TEXT NOT NULL,
  language        TEXT NOT NULL,
  channel         TEXT NOT NULL CHECK (channel IN ('kiosk', 'counter')),
  token_id        TEXT NOT NULL DEFAULT '',
  device          TEXT NOT NULL CHECK (device <> ''),
  operator_id     TEXT NOT NULL DEFAULT '',
  filed_on        TEXT NOT NULL,
  due_on          TEXT NOT NULL,
  fields          TEXT NOT NULL,
  documents       TEXT NOT NULL,
  fee_minor       INTEGER NOT NULL,
  status          TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL DEFAULT '',
  public_json     TEXT NOT NULL
);

CREATE TABLE application_history (
  receipt TEXT NOT NULL,
  n       INTEGER NOT NULL,
  status  TEXT NOT NULL,
  at_ms   INTEGER NOT NULL,
  note    TEXT NOT NULL DEFAULT '',
  actor   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (receipt, n)
) WITHOUT ROWID;

-- The change log: one row per key ('catalogue', 'application:<receipt>', 'queue:<day>') with the
-- sequence number of its latest change, so reading after 0 is a compacted snapshot.
CREATE TABLE changes (
  key  TEXT PRIMARY KEY,
  seq  INTEGER NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX changes_by_seq ON changes(seq);

-- Per device: the highest outbox sequence number applied through /api/v1/sync/upload and the
-- device's clock time with it (bounded by the server's clock).
CREATE TABLE sync_devices (
  device      TEXT PRIMARY KEY,
  applied_seq INTEGER NOT NULL,
  hlc         TEXT NOT NULL,
  updated_ms  INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
      // 4: the central role and the relay between a centre node and central. Device kind 'centre'
      // (a centre node at central) and operator role 'officer' with a department: the two tables
      // are rebuilt (their CHECKs change) with foreign keys deferred to the commit.
      R"sql(
PRAGMA defer_foreign_keys = ON;

CREATE TABLE devices_v4 (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('kiosk', 'counter', 'display', 'centre')),
  secret_hash TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  revoked_ms  INTEGER,
  name        TEXT NOT NULL DEFAULT ''
);
INSERT INTO devices_v4(id, kind, secret_hash, created_ms, revoked_ms, name)
  SELECT id, kind, secret_hash, created_ms, revoked_ms, name FROM devices;
DROP TABLE devices;
ALTER TABLE devices_v4 RENAME TO devices;

CREATE TABLE operators_v4 (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('operator', 'manager', 'admin', 'officer')),
  pin_hash   TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  department TEXT NOT NULL DEFAULT '',
  CHECK ((role = 'officer') = (department <> ''))
);
INSERT INTO operators_v4(id, name, role, pin_hash, created_ms)
  SELECT id, name, role, pin_hash, created_ms FROM operators;
DROP TABLE operators;
ALTER TABLE operators_v4 RENAME TO operators;

-- Central: the centre an application came from and the department it is filed with.
ALTER TABLE applications ADD COLUMN centre TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN department TEXT NOT NULL DEFAULT '';

-- Who may read a change: '' everyone; at central, the centre whose application it is.
ALTER TABLE changes ADD COLUMN scope TEXT NOT NULL DEFAULT '';
CREATE INDEX changes_by_scope ON changes(scope, seq);

-- Centre node: applications waiting to go upstream, queued in the transaction that stores them.
CREATE TABLE relay_outbox (
  seq           INTEGER PRIMARY KEY,
  receipt       TEXT NOT NULL UNIQUE,
  origin        TEXT NOT NULL,
  hlc           TEXT NOT NULL,
  received_ms   INTEGER NOT NULL,
  body          TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
  answer_status INTEGER NOT NULL DEFAULT 0,
  answer        TEXT NOT NULL DEFAULT '',
  done_ms       INTEGER
);
CREATE INDEX relay_outbox_pending ON relay_outbox(state, seq);
)sql",
      // 5: number blocks leased to kiosks (issued from while the node is unreachable, reported
      // later). Restored with the queue of their business day: a leased number is never issued
      // again that day.
      R"sql(
CREATE TABLE number_leases (
  id           INTEGER PRIMARY KEY,
  business_day TEXT NOT NULL,
  device       TEXT NOT NULL,
  service      TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  first        INTEGER NOT NULL CHECK (first >= 1),
  count        INTEGER NOT NULL CHECK (count >= 1),
  leased_ms    INTEGER NOT NULL
);
CREATE INDEX number_leases_by_day ON number_leases(business_day, id);
)sql",
      // 6: a cancelled enrollment code gets its own column. Until now a cancellation was stored as
      // a use by no device (used_ms set, device_id empty); such codes move to cancelled_ms.
      R"sql(
ALTER TABLE enrollment_codes ADD COLUMN cancelled_ms INTEGER;
UPDATE enrollment_codes SET cancelled_ms = used_ms, used_ms = NULL WHERE used_ms IS NOT NULL AND device_id = '';
)sql",
      // 7: the relay outbox split in two. Until now one row per application held the filing and its
      // state; marking it sent rewrote the whole row (the filing again) and two index entries (the
      // UNIQUE receipt and (state, seq)). Now relay_queue holds the filings still to send (no index
      // but the seq), and an answered one moves to relay_done, a short row appended at its end; the
      // filing is deleted with its queue row. The receipt stays unique through applications (the
      // filing and its queue row are one transaction). relay_outbox remains as a view of both. The
      // change log's scope index keeps only scoped rows (central's).
      R"sql(
CREATE TABLE relay_queue (
  seq         INTEGER PRIMARY KEY,
  receipt     TEXT NOT NULL,
  origin      TEXT NOT NULL,
  hlc         TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  body        TEXT NOT NULL
);
CREATE TABLE relay_done (
  seq           INTEGER PRIMARY KEY,
  receipt       TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('sent', 'refused')),
  answer_status INTEGER NOT NULL,
  answer        TEXT NOT NULL DEFAULT '',
  done_ms       INTEGER
);
INSERT INTO relay_queue(seq, receipt, origin, hlc, received_ms, body)
  SELECT seq, receipt, origin, hlc, received_ms, body FROM relay_outbox WHERE state = 'pending';
INSERT INTO relay_done(seq, receipt, state, answer_status, answer, done_ms)
  SELECT seq, receipt, state, answer_status, answer, done_ms FROM relay_outbox WHERE state <> 'pending';
DROP TABLE relay_outbox;
CREATE VIEW relay_outbox(seq, receipt, origin, hlc, received_ms, body, state, answer_status, answer, done_ms) AS
  SELECT seq, receipt, origin, hlc, received_ms, body, 'pending', 0, '', NULL FROM relay_queue
  UNION ALL
  SELECT seq, receipt, '', '', 0, '', state, answer_status, answer, done_ms FROM relay_done;

-- Only central reads the change log by scope (a centre's applications), and only central's rows
-- have one: a centre node no longer keeps an index entry of every change it writes.
DROP INDEX changes_by_scope;
CREATE INDEX changes_by_scope ON changes(scope, seq) WHERE scope <> '';
)sql",
      // 8: the stored answer to a filing names its application instead of holding a copy of its
      // public status (an empty body and the receipt: served from applications.public_json).
      R"sql(
ALTER TABLE idempotency ADD COLUMN receipt TEXT NOT NULL DEFAULT '';
)sql",
      // 9: the change log's histories. Each start of the server opens one, with a random id and the
      // last sequence number it found; a cursor names the history it was given in, so that one
      // given by a database since restored from a backup (or replaced) is known as such even once
      // the restored server has written more changes than the cursor counts.
      R"sql(
CREATE TABLE change_epochs (
  n          INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  first_seq  INTEGER NOT NULL,
  started_ms INTEGER NOT NULL
);
)sql",
  };
  return migrations;
}

store::Db open_database(const std::string& path, store::Durability durability, bool check_integrity) {
  store::OpenOptions options;
  options.durability = durability;
  options.check_integrity = check_integrity;
  store::Db db(path, options);
  db.migrate(schema_migrations());
  return db;
}

const char* to_string(DeviceKind k) {
  switch (k) {
    case DeviceKind::Kiosk:
      return "kiosk";
    case DeviceKind::Counter:
      return "counter";
    case DeviceKind::Display:
      return "display";
    case DeviceKind::Centre:
      return "centre";
  }
  return "kiosk";
}

std::optional<DeviceKind> parse_device_kind(const std::string& s) {
  if (s == "kiosk") return DeviceKind::Kiosk;
  if (s == "counter") return DeviceKind::Counter;
  if (s == "display") return DeviceKind::Display;
  if (s == "centre") return DeviceKind::Centre;
  return std::nullopt;
}

const char* to_string(Role r) {
  switch (r) {
    case Role::Operator:
      return "operator";
    case Role::Manager:
      return "manager";
    case Role::Admin:
      return "admin";
    case Role::Officer:
      return "officer";
  }
  return "operator";
}

std::optional<Role> parse_role(const std::string& s) {
  if (s == "operator") return Role::Operator;
  if (s == "manager") return Role::Manager;
  if (s == "admin") return Role::Admin;
  if (s == "officer") return Role::Officer;
  return std::nullopt;
}

store::Statement& Repository::stmt(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, db_.prepare(sql)).first;
  return it->second;
}

std::optional<std::string> Repository::meta(const std::string& key) {
  Use st(stmt("SELECT value FROM meta WHERE key = ?1"));
  st->bind(1, key);
  if (!st->step()) return std::nullopt;
  return st->text(0);
}

void Repository::set_meta(const std::string& key, const std::string& value) {
  Use st(stmt("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->bind(1, key).bind(2, value).run();
}

void Repository::insert_device(const DeviceRecord& d) {
  Use st(
      stmt("INSERT INTO devices(id, kind, secret_hash, created_ms, revoked_ms, name) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st->bind(1, d.id).bind(2, to_string(d.kind)).bind(3, d.secret_hash).bind(4, d.created_ms).bind(5, d.revoked_ms);
  st->bind(6, d.name).run();
}

bool Repository::set_device_secret(const std::string& id, const std::string& secret_hash) {
  Use st(stmt("UPDATE devices SET secret_hash = ?2 WHERE id = ?1 AND revoked_ms IS NULL"));
  st->bind(1, id).bind(2, secret_hash).run();
  return db_.changes() > 0;
}

std::vector<std::string> Repository::device_ids_with_prefix(const std::string& prefix) {
  Use st(stmt("SELECT id FROM devices WHERE substr(id, 1, length(?1)) = ?1"));
  st->bind(1, prefix);
  std::vector<std::string> out;
  while (st->step()) out.push_back(st->text(0));
  return out;
}

std::vector<std::string> Repository::revoked_device_ids() {
  Use st(stmt("SELECT id FROM devices WHERE revoked_ms IS NOT NULL"));
  std::vector<std::string> out;
  while (st->step()) out.push_back(st->text(0));
  return out;
}

bool Repository::revoke_device(const std::string& id, std::int64_t at_ms) {
  Use st(stmt("UPDATE devices SET revoked_ms = COALESCE(revoked_ms, ?2) WHERE id = ?1"));
  st->bind(1, id).bind(2, at_ms).run();
  return db_.changes() > 0;
}

std::optional<DeviceRecord> Repository::device(const std::string& id) {
  Use st(stmt("SELECT id, kind, secret_hash, created_ms, revoked_ms, name FROM devices WHERE id = ?1"));
  st->bind(1, id);
  if (!st->step()) return std::nullopt;
  DeviceRecord d;
  d.id = st->text(0);
  auto kind = parse_device_kind(st->text(1));
  if (!kind) throw store::DbError(SQLITE_CORRUPT, "device " + d.id + " has an unknown kind");
  d.kind = *kind;
  d.secret_hash = st->text(2);
  d.created_ms = st->int64(3);
  d.revoked_ms = opt_int(*st, 4);
  d.name = st->text(5);
  return d;
}

void Repository::insert_enrollment_code(const EnrollmentCodeRecord& c) {
  Use st(
      stmt("INSERT INTO enrollment_codes(code_hash, kind, chosen_id, name, created_by, created_ms, expires_ms) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  st->bind(1, c.code_hash).bind(2, to_string(c.kind)).bind(3, c.chosen_id).bind(4, c.name).bind(5, c.created_by);
  st->bind(6, c.created_ms).bind(7, c.expires_ms).run();
}

std::optional<EnrollmentCodeRecord> Repository::enrollment_code(const std::string& code_hash) {
  Use st(
      stmt("SELECT code_hash, kind, chosen_id, name, created_by, created_ms, expires_ms, used_ms, device_id, "
           "nonce_hash, cancelled_ms FROM enrollment_codes WHERE code_hash = ?1"));
  st->bind(1, code_hash);
  if (!st->step()) return std::nullopt;
  EnrollmentCodeRecord c;
  c.code_hash = st->text(0);
  auto kind = parse_device_kind(st->text(1));
  if (!kind) throw store::DbError(SQLITE_CORRUPT, "an enrollment code has an unknown device kind");
  c.kind = *kind;
  c.chosen_id = st->text(2);
  c.name = st->text(3);
  c.created_by = st->text(4);
  c.created_ms = st->int64(5);
  c.expires_ms = st->int64(6);
  c.used_ms = opt_int(*st, 7);
  c.device_id = st->text(8);
  c.nonce_hash = st->text(9);
  c.cancelled_ms = opt_int(*st, 10);
  return c;
}

bool Repository::use_enrollment_code(const std::string& code_hash, std::int64_t at_ms, const std::string& device_id,
                                     const std::string& nonce_hash) {
  Use st(
      stmt("UPDATE enrollment_codes SET used_ms = ?2, device_id = ?3, nonce_hash = ?4 "
           "WHERE code_hash = ?1 AND used_ms IS NULL AND cancelled_ms IS NULL"));
  st->bind(1, code_hash).bind(2, at_ms).bind(3, device_id).bind(4, nonce_hash).run();
  return db_.changes() > 0;
}

bool Repository::enrollment_id_reserved(const std::string& device_id, std::int64_t now_ms) {
  Use st(
      stmt("SELECT 1 FROM enrollment_codes WHERE chosen_id = ?1 AND used_ms IS NULL AND cancelled_ms IS NULL "
           "AND expires_ms > ?2 LIMIT 1"));
  st->bind(1, device_id).bind(2, now_ms);
  return st->step();
}

void Repository::insert_operator(const OperatorRecord& o) {
  Use st(
      stmt("INSERT INTO operators(id, name, role, pin_hash, created_ms, department) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st->bind(1, o.id).bind(2, o.name).bind(3, to_string(o.role)).bind(4, o.pin_hash).bind(5, o.created_ms);
  st->bind(6, o.department).run();
}

std::optional<OperatorRecord> Repository::operator_record(const std::string& id) {
  Use st(stmt("SELECT id, name, role, pin_hash, created_ms, department FROM operators WHERE id = ?1"));
  st->bind(1, id);
  if (!st->step()) return std::nullopt;
  OperatorRecord o;
  o.id = st->text(0);
  o.name = st->text(1);
  auto role = parse_role(st->text(2));
  if (!role) throw store::DbError(SQLITE_CORRUPT, "operator " + o.id + " has an unknown role");
  o.role = *role;
  o.pin_hash = st->text(3);
  o.created_ms = st->int64(4);
  o.department = st->text(5);
  return o;
}

void Repository::insert_session(const SessionRecord& s) {
  Use st(
      stmt("INSERT INTO sessions(token_hash, operator_id, device_id, counter, created_ms, expires_ms) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st->bind(1, s.token_hash).bind(2, s.operator_id).bind(3, s.device_id).bind(4, s.counter);
  st->bind(5, s.created_ms).bind(6, s.expires_ms).run();
}

void Repository::close_session(const std::string& token_hash, std::int64_t at_ms) {
  Use st(stmt("UPDATE sessions SET closed_ms = ?2 WHERE token_hash = ?1 AND closed_ms IS NULL"));
  st->bind(1, token_hash).bind(2, at_ms).run();
}

std::vector<SessionRecord> Repository::open_sessions(std::int64_t now_ms) {
  Use st(
      stmt("SELECT token_hash, operator_id, device_id, counter, created_ms, expires_ms FROM sessions "
           "WHERE closed_ms IS NULL AND expires_ms > ?1"));
  st->bind(1, now_ms);
  std::vector<SessionRecord> out;
  while (st->step()) {
    SessionRecord s;
    s.token_hash = st->text(0);
    s.operator_id = st->text(1);
    s.device_id = st->text(2);
    s.counter = st->text(3);
    s.created_ms = st->int64(4);
    s.expires_ms = st->int64(5);
    out.push_back(std::move(s));
  }
  return out;
}

void Repository::upsert_token(const domain::Token& t, const std::string& queue_day) {
  Use st(
      stmt("INSERT INTO tokens(id, queue_day, business_day, service, prefix, number, priority, language, issued_ms, "
           "state, counter, target_counter, recalls, called_ms, started_ms, finished_ms, carried_over, issued_by) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) "
           "ON CONFLICT(id) DO UPDATE SET queue_day = excluded.queue_day, business_day = excluded.business_day, "
           "service = excluded.service, prefix = excluded.prefix, number = excluded.number, "
           "priority = excluded.priority, language = excluded.language, issued_ms = excluded.issued_ms, "
           "state = excluded.state, counter = excluded.counter, target_counter = excluded.target_counter, "
           "recalls = excluded.recalls, called_ms = excluded.called_ms, started_ms = excluded.started_ms, "
           "finished_ms = excluded.finished_ms, carried_over = excluded.carried_over, issued_by = excluded.issued_by"));
  st->bind(1, t.id).bind(2, queue_day).bind(3, t.business_day).bind(4, t.service).bind(5, t.prefix);
  st->bind(6, t.number).bind(7, t.priority).bind(8, t.language).bind(9, domain::to_unix_ms(t.issued_at));
  st->bind(10, domain::to_string(t.state)).bind(11, t.counter).bind(12, t.target_counter).bind(13, t.recalls);
  st->bind(14, opt_ms(t.called_at)).bind(15, opt_ms(t.started_at)).bind(16, opt_ms(t.finished_at));
  st->bind(17, t.carried_over ? 1 : 0).bind(18, t.issued_by);
  st->run();
}

std::vector<domain::Token> Repository::tokens_of_day(const std::string& queue_day) {
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE queue_day = ?1 ORDER BY rowid";
  Use st(stmt(sql.c_str()));
  st->bind(1, queue_day);
  std::vector<domain::Token> out;
  while (st->step()) out.push_back(read_token(*st));
  return out;
}

std::optional<domain::Token> Repository::token(const std::string& id) {
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE id = ?1";
  Use st(stmt(sql.c_str()));
  st->bind(1, id);
  if (!st->step()) return std::nullopt;
  return read_token(*st);
}

void Repository::upsert_counter(const domain::CounterState& c) {
  Use st(
      stmt("INSERT INTO counter_states(counter, operator_id, current_token, normal_since_priority) "
           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(counter) DO UPDATE SET operator_id = excluded.operator_id, "
           "current_token = excluded.current_token, normal_since_priority = excluded.normal_since_priority"));
  st->bind(1, c.counter).bind(2, c.operator_id).bind(3, c.current_token).bind(4, c.normal_since_priority).run();
}

void Repository::delete_counters() {
  Use st(stmt("DELETE FROM counter_states"));
  st->run();
}

std::vector<domain::CounterState> Repository::counters() {
  Use st(stmt("SELECT counter, operator_id, current_token, normal_since_priority FROM counter_states"));
  std::vector<domain::CounterState> out;
  while (st->step()) {
    domain::CounterState c;
    c.counter = st->text(0);
    c.operator_id = st->text(1);
    c.current_token = st->text(2);
    c.normal_since_priority = st->int32(3);
    out.push_back(std::move(c));
  }
  return out;
}

void Repository::insert_event(const EventRecord& e) {
  Use st(
      stmt("INSERT INTO events(seq, type, token_id, counter, actor, device, at_ms, body) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  st->bind(1, static_cast<std::int64_t>(e.seq)).bind(2, e.type).bind(3, e.token_id).bind(4, e.counter);
  st->bind(5, e.actor).bind(6, e.device).bind(7, e.at_ms).bind(8, e.body).run();
}

std::uint64_t Repository::last_event_seq() {
  Use st(stmt("SELECT COALESCE(MAX(seq), 0) FROM events"));
  st->step();
  return static_cast<std::uint64_t>(st->int64(0));
}

std::vector<EventRecord> Repository::events_after(std::uint64_t seq, int limit) {
  Use st(
      stmt("SELECT seq, type, token_id, counter, actor, device, at_ms, body FROM events WHERE seq > ?1 "
           "ORDER BY seq LIMIT ?2"));
  st->bind(1, static_cast<std::int64_t>(seq)).bind(2, limit);
  std::vector<EventRecord> out;
  while (st->step()) out.push_back(read_event(*st));
  return out;
}

std::vector<EventRecord> Repository::last_calls(int limit) {
  Use st(
      stmt("SELECT seq, type, token_id, counter, actor, device, at_ms, body FROM events "
           "WHERE type IN ('called', 'recalled') ORDER BY seq DESC LIMIT ?1"));
  st->bind(1, limit);
  std::vector<EventRecord> out;
  while (st->step()) out.push_back(read_event(*st));
  return out;
}

std::int64_t Repository::event_count() {
  Use st(stmt("SELECT COUNT(*) FROM events"));
  st->step();
  return st->int64(0);
}

std::int64_t Repository::insert_idempotency(const IdempotencyRecord& r) {
  Use st(
      stmt("INSERT INTO idempotency(device, key, fingerprint, status, body, created_ms, receipt) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  st->bind(1, r.device).bind(2, r.key).bind(3, r.fingerprint).bind(4, r.status);
  st->bind(5, r.receipt.empty() ? std::string_view(r.body) : std::string_view(""));
  st->bind(6, r.created_ms).bind(7, r.receipt).run();
  return db_.last_insert_rowid();
}

namespace {
// An object's text around a stored JSON value: `head` opens it and names the member, the value
// closes it (an application's public status served as a change or as a filing's answer).
std::string json_around(std::string_view head, const std::string& value) {
  std::string out;
  out.reserve(head.size() + value.size() + 1);
  out += head;
  out += value;
  out += '}';
  return out;
}

// Columns: device, key, fingerprint, status, body, created_ms, receipt, and the public status of
// the application named by receipt (NULL without one).
IdempotencyRecord read_idempotency(store::Statement& st) {
  IdempotencyRecord r;
  r.device = st.text(0);
  r.key = st.text(1);
  r.fingerprint = st.text(2);
  r.status = st.int32(3);
  r.body = st.text(4);
  r.created_ms = st.int64(5);
  r.receipt = st.text(6);
  if (!r.receipt.empty()) {
    if (st.is_null(7)) {
      throw store::DbError(SQLITE_CORRUPT, "the stored answer to key " + r.key + " names application " + r.receipt +
                                               ", which is not stored");
    }
    r.body = application_answer(st.text(7));
  }
  return r;
}
}  // namespace

std::optional<IdempotencyRecord> Repository::idempotency_at(std::int64_t id) {
  Use st(
      stmt("SELECT i.device, i.key, i.fingerprint, i.status, i.body, i.created_ms, i.receipt, a.public_json "
           "FROM idempotency i LEFT JOIN applications a ON i.receipt <> '' AND a.receipt = i.receipt WHERE i.id = ?1"));
  st->bind(1, id);
  if (!st->step()) return std::nullopt;
  return read_idempotency(*st);
}

std::optional<IdempotencyRecord> Repository::idempotency(const std::string& device, const std::string& key) {
  Use st(
      stmt("SELECT i.device, i.key, i.fingerprint, i.status, i.body, i.created_ms, i.receipt, a.public_json "
           "FROM idempotency i LEFT JOIN applications a ON i.receipt <> '' AND a.receipt = i.receipt "
           "WHERE i.device = ?1 AND i.key = ?2 ORDER BY i.id LIMIT 1"));
  st->bind(1, device).bind(2, key);
  if (!st->step()) return std::nullopt;
  return read_idempotency(*st);
}

void Repository::each_idempotency_key(
    const std::function<void(std::int64_t id, const std::string& device, const std::string& key)>& f) {
  Use st(stmt("SELECT id, device, key FROM idempotency"));
  while (st->step()) f(st->int64(0), st->text(1), st->text(2));
}

int Repository::prune_idempotency(std::int64_t before_ms) {
  Use st(stmt("DELETE FROM idempotency WHERE created_ms < ?1"));
  st->bind(1, before_ms).run();
  return db_.changes();
}

void Repository::put_pin_failures(const PinFailures& f) {
  Use st(
      stmt("INSERT INTO pin_failures(operator_id, failures, locked_until_ms, last_failure_ms) VALUES (?1, ?2, ?3, ?4) "
           "ON CONFLICT(operator_id) DO UPDATE SET failures = excluded.failures, "
           "locked_until_ms = excluded.locked_until_ms, last_failure_ms = excluded.last_failure_ms"));
  st->bind(1, f.operator_id).bind(2, f.failures).bind(3, f.locked_until_ms).bind(4, f.last_failure_ms).run();
}

void Repository::clear_pin_failures(const std::string& operator_id) {
  Use st(stmt("DELETE FROM pin_failures WHERE operator_id = ?1"));
  st->bind(1, operator_id).run();
}

std::vector<PinFailures> Repository::all_pin_failures() {
  Use st(stmt("SELECT operator_id, failures, locked_until_ms, last_failure_ms FROM pin_failures"));
  std::vector<PinFailures> out;
  while (st->step()) {
    PinFailures f;
    f.operator_id = st->text(0);
    f.failures = st->int32(1);
    f.locked_until_ms = st->int64(2);
    f.last_failure_ms = st->int64(3);
    out.push_back(std::move(f));
  }
  return out;
}

void Repository::insert_application(const ApplicationRecord& a) {
  Use st(stmt(
      "INSERT INTO applications(receipt, service, language, channel, token_id, device, operator_id, filed_on, due_on, "
      "fields, documents, fee_minor, status, created_ms, updated_ms, idempotency_key, public_json, centre, department) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"));
  st->bind(1, a.receipt).bind(2, a.service).bind(3, a.language).bind(4, a.channel).bind(5, a.token);
  st->bind(6, a.device).bind(7, a.operator_id).bind(8, a.filed_on).bind(9, a.due_on).bind(10, a.fields_json);
  st->bind(11, a.documents_json).bind(12, a.fee_minor).bind(13, a.status).bind(14, a.created_ms);
  st->bind(15, a.updated_ms).bind(16, a.idempotency_key).bind(17, a.public_json).bind(18, a.centre);
  st->bind(19, a.department).run();
}

void Repository::add_application_history(const std::string& receipt, int n, const ApplicationHistoryEntry& h) {
  Use st(
      stmt("INSERT INTO application_history(receipt, n, status, at_ms, note, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st->bind(1, receipt).bind(2, n).bind(3, h.status).bind(4, h.at_ms).bind(5, h.note).bind(6, h.actor).run();
}

void Repository::add_application_history(const std::string& receipt, const ApplicationHistoryEntry& h) {
  Use st(
      stmt("INSERT INTO application_history(receipt, n, status, at_ms, note, actor) "
           "VALUES (?1, (SELECT COUNT(*) + 1 FROM application_history WHERE receipt = ?1), ?2, ?3, ?4, ?5)"));
  st->bind(1, receipt).bind(2, h.status).bind(3, h.at_ms).bind(4, h.note).bind(5, h.actor).run();
}

std::optional<ApplicationRecord> Repository::application(const std::string& receipt) {
  Use st(stmt(
      "SELECT receipt, service, language, channel, token_id, device, operator_id, filed_on, due_on, fields, documents, "
      "fee_minor, status, created_ms, updated_ms, idempotency_key, public_json, centre, department FROM applications "
      "WHERE receipt = ?1"));
  st->bind(1, receipt);
  if (!st->step()) return std::nullopt;
  ApplicationRecord a;
  a.receipt = st->text(0);
  a.service = st->text(1);
  a.language = st->text(2);
  a.channel = st->text(3);
  a.token = st->text(4);
  a.device = st->text(5);
  a.operator_id = st->text(6);
  a.filed_on = st->text(7);
  a.due_on = st->text(8);
  a.fields_json = st->text(9);
  a.documents_json = st->text(10);
  a.fee_minor = st->int64(11);
  a.status = st->text(12);
  a.created_ms = st->int64(13);
  a.updated_ms = st->int64(14);
  a.idempotency_key = st->text(15);
  a.public_json = st->text(16);
  a.centre = st->text(17);
  a.department = st->text(18);
  return a;
}

bool Repository::department_names_file(const std::string& department, const std::string& sha256) {
  // The stored documents are normalised text: a file is named exactly as "sha256":"<hex>".
  Use st(stmt("SELECT 1 FROM applications WHERE department = ?1 AND instr(documents, ?2) > 0 LIMIT 1"));
  st->bind(1, department);
  st->bind(2, "\"sha256\":\"" + sha256 + "\"");
  return st->step();
}

bool Repository::application_exists(const std::string& receipt) {
  Use st(stmt("SELECT 1 FROM applications WHERE receipt = ?1"));
  st->bind(1, receipt);
  return st->step();
}

namespace {
// A set of receipts as one JSON array of strings, bound once and read with json_each(): the same
// cached statement for any number of them.
std::string json_text_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
  return out;
}
}  // namespace

std::vector<std::string> Repository::stored_receipts(const std::vector<std::string>& receipts) {
  std::vector<std::string> out;
  if (receipts.empty()) return out;
  const std::string set = json_text_array(receipts);
  Use st(stmt("SELECT receipt FROM applications WHERE receipt IN (SELECT value FROM json_each(?1))"));
  st->bind(1, set);
  while (st->step()) out.push_back(st->text(0));
  return out;
}

std::vector<ApplicationHistoryEntry> Repository::application_history(const std::string& receipt) {
  Use st(stmt("SELECT status, at_ms, note, actor FROM application_history WHERE receipt = ?1 ORDER BY n"));
  st->bind(1, receipt);
  std::vector<ApplicationHistoryEntry> out;
  while (st->step()) out.push_back(ApplicationHistoryEntry{st->text(0), st->int64(1), st->text(2), st->text(3)});
  return out;
}

std::vector<Repository::ApplicationState> Repository::application_states(const std::vector<std::string>& receipts) {
  std::vector<ApplicationState> out;
  if (receipts.empty()) return out;
  // The set bound once: the same two cached statements for any number.
  const std::string set = json_text_array(receipts);
  std::unordered_map<std::string, std::size_t> at;
  {
    Use st(
        stmt("SELECT receipt, service, filed_on, due_on, status, created_ms, updated_ms, centre, department "
             "FROM applications WHERE receipt IN (SELECT value FROM json_each(?1))"));
    st->bind(1, set);
    while (st->step()) {
      ApplicationState a;
      a.record.receipt = st->text(0);
      a.record.service = st->text(1);
      a.record.filed_on = st->text(2);
      a.record.due_on = st->text(3);
      a.record.status = st->text(4);
      a.record.created_ms = st->int64(5);
      a.record.updated_ms = st->int64(6);
      a.record.centre = st->text(7);
      a.record.department = st->text(8);
      at.emplace(a.record.receipt, out.size());
      out.push_back(std::move(a));
    }
  }
  Use st(
      stmt("SELECT receipt, status, at_ms, note, actor FROM application_history "
           "WHERE receipt IN (SELECT value FROM json_each(?1)) ORDER BY receipt, n"));
  st->bind(1, set);
  while (st->step()) {
    auto it = at.find(st->text(0));
    if (it == at.end()) continue;
    out[it->second].history.push_back(ApplicationHistoryEntry{st->text(1), st->int64(2), st->text(3), st->text(4)});
  }
  return out;
}

std::int64_t Repository::application_count() {
  Use st(stmt("SELECT COUNT(*) FROM applications"));
  st->step();
  return st->int64(0);
}

namespace {
constexpr std::string_view kApplicationKeyPrefix = "application:";  // substr(key, 13) in SQL: the receipt

// A row of the change log read with its application's public status (column 4, NULL unless the
// change is stored without a body: see ChangeRecord::body).
ChangeRecord read_change(store::Statement& st, std::string scope) {
  ChangeRecord c{st.text(0), st.int64(1), st.text(2), st.text(3), std::move(scope)};
  if (c.body.empty()) {
    if (c.type != "application.status" || st.is_null(4)) {
      throw store::DbError(SQLITE_CORRUPT, "change '" + c.key + "' (" + c.type +
                                               ") has no body and no stored application to serve it from");
    }
    c.body = json_around("{\"type\":\"application.status\",\"application\":", st.text(4));
  }
  return c;
}
}  // namespace

std::string application_answer(const std::string& public_json) { return json_around("{\"application\":", public_json); }

ChangeRecord application_status_change(const std::string& receipt, std::string scope) {
  std::string key;
  key.reserve(kApplicationKeyPrefix.size() + receipt.size());
  key += kApplicationKeyPrefix;
  key += receipt;
  return ChangeRecord{std::move(key), 0, "application.status", "", std::move(scope)};
}

void Repository::update_application_status(const std::string& receipt, const std::string& status,
                                           std::int64_t updated_ms, const std::string& public_json) {
  Use st(stmt("UPDATE applications SET status = ?2, updated_ms = ?3, public_json = ?4 WHERE receipt = ?1"));
  st->bind(1, receipt).bind(2, status).bind(3, updated_ms).bind(4, public_json).run();
  if (db_.changes() != 1) throw store::DbError(SQLITE_CONSTRAINT, "application " + receipt + " is not stored");
}

void Repository::upsert_change(const ChangeRecord& c) {
  Use st(
      stmt("INSERT INTO changes(key, seq, type, body, scope) VALUES (?1, ?2, ?3, ?4, ?5) "
           "ON CONFLICT(key) DO UPDATE SET seq = excluded.seq, type = excluded.type, body = excluded.body, "
           "scope = excluded.scope"));
  st->bind(1, c.key).bind(2, c.seq).bind(3, c.type).bind(4, c.body).bind(5, c.scope).run();
}

std::vector<ChangeRecord> Repository::scoped_changes_after(const std::string& scope, std::int64_t after,
                                                           std::int64_t through, int limit) {
  Use st(
      stmt("SELECT c.key, c.seq, c.type, c.body, a.public_json, c.scope FROM changes c "
           "LEFT JOIN applications a ON c.body = '' AND a.receipt = substr(c.key, 13) WHERE c.scope = ?1 AND c.scope "
           "<> '' AND c.seq > ?2 AND c.seq <= ?3 ORDER BY c.seq LIMIT ?4"));
  st->bind(1, scope).bind(2, after).bind(3, through).bind(4, limit);
  std::vector<ChangeRecord> out;
  while (st->step()) out.push_back(read_change(*st, st->text(5)));
  return out;
}

void Repository::insert_relay(const RelayEntry& r) {
  // The next seq after every one given, sent or not: a seq is central's idempotency key, never
  // reused (both maxima are one step down the right edge of their tables).
  Use st(
      stmt("INSERT INTO relay_queue(seq, receipt, origin, hlc, received_ms, body) VALUES ("
           "MAX(COALESCE((SELECT MAX(seq) FROM relay_queue), 0), COALESCE((SELECT MAX(seq) FROM relay_done), 0)) + 1, "
           "?1, ?2, ?3, ?4, ?5)"));
  st->bind(1, r.receipt).bind(2, r.origin).bind(3, r.hlc).bind(4, r.received_ms).bind(5, r.body).run();
}

std::string relay_filing_body(const ApplicationRecord& a) {
  std::string out;
  out.reserve(180 + a.receipt.size() + a.service.size() + a.fields_json.size() + a.documents_json.size());
  out += "{\"channel\":";
  append_json_string(out, a.channel);
  out += ",\"documents\":";
  out += a.documents_json;
  out += ",\"due_on\":";
  append_json_string(out, a.due_on);
  out += ",\"fee_minor\":";
  out += std::to_string(a.fee_minor);
  out += ",\"fields\":";
  out += a.fields_json;
  out += ",\"filed_on\":";
  append_json_string(out, a.filed_on);
  out += ",\"language\":";
  append_json_string(out, a.language);
  if (!a.operator_id.empty()) {
    out += ",\"operator_id\":";
    append_json_string(out, a.operator_id);
  }
  out += ",\"receipt\":";
  append_json_string(out, a.receipt);
  out += ",\"service\":";
  append_json_string(out, a.service);
  if (!a.token.empty()) {
    out += ",\"token\":";
    append_json_string(out, a.token);
  }
  out += '}';
  return out;
}

std::vector<RelayEntry> Repository::relay_pending(int limit, std::int64_t after_seq) {
  // A queued filing without its own body (every one since migration 7) is sent as the centre
  // stored it: written from its applications row, the same text at every send.
  Use st(
      stmt("SELECT q.seq, q.receipt, q.origin, q.hlc, q.received_ms, q.body, a.receipt, a.service, a.language, "
           "a.channel, a.token_id, a.filed_on, a.due_on, a.fee_minor, a.fields, a.documents, a.operator_id "
           "FROM relay_queue q LEFT JOIN applications a ON a.receipt = q.receipt WHERE q.seq > ?2 ORDER BY q.seq "
           "LIMIT ?1"));
  st->bind(1, limit);
  st->bind(2, after_seq);
  std::vector<RelayEntry> out;
  while (st->step()) {
    RelayEntry e{st->int64(0), st->text(1), st->text(2), st->text(3), st->int64(4), st->text(5), "pending", 0, ""};
    if (e.body.empty()) {
      if (st->is_null(6)) {
        throw store::DbError(SQLITE_CORRUPT, "relay entry " + std::to_string(e.seq) + " (" + e.receipt +
                                                 ") has no body and its application is not stored");
      }
      ApplicationRecord a;
      a.receipt = e.receipt;
      a.service = st->text(7);
      a.language = st->text(8);
      a.channel = st->text(9);
      a.token = st->text(10);
      a.filed_on = st->text(11);
      a.due_on = st->text(12);
      a.fee_minor = st->int64(13);
      a.fields_json = st->text(14);
      a.documents_json = st->text(15);
      a.operator_id = st->text(16);
      e.body = relay_filing_body(a);
    }
    out.push_back(std::move(e));
  }
  return out;
}

int Repository::mark_relay(const std::vector<std::int64_t>& seqs, const std::string& state, int answer_status,
                           const std::string& answer, std::int64_t at_ms) {
  if (seqs.empty()) return 0;
  std::string set = "[";
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (i > 0) set += ',';
    set += std::to_string(seqs[i]);
  }
  set += ']';
  // Both statements or neither (a savepoint nests in the writer's transaction).
  db_.exec("SAVEPOINT mark_relay");
  try {
    {
      Use st(
          stmt("INSERT INTO relay_done(seq, receipt, state, answer_status, answer, done_ms) "
               "SELECT seq, receipt, ?2, ?3, ?4, ?5 FROM relay_queue WHERE seq IN (SELECT value FROM json_each(?1)) "
               "ORDER BY seq"));
      st->bind(1, set).bind(2, state).bind(3, answer_status).bind(4, answer).bind(5, at_ms).run();
    }
    Use st(stmt("DELETE FROM relay_queue WHERE seq IN (SELECT value FROM json_each(?1))"));
    st->bind(1, set).run();
    const int moved = db_.changes();
    db_.exec("RELEASE mark_relay");
    return moved;
  } catch (...) {
    db_.exec("ROLLBACK TO mark_relay");
    db_.exec("RELEASE mark_relay");
    throw;
  }
}

void Repository::insert_lease(const domain::NumberLease& l) {
  Use st(
      stmt("INSERT INTO number_leases(business_day, device, service, prefix, first, count, leased_ms) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  st->bind(1, l.business_day).bind(2, l.device).bind(3, l.service).bind(4, l.prefix).bind(5, l.first);
  st->bind(6, l.count).bind(7, domain::to_unix_ms(l.leased_at)).run();
}

std::vector<domain::NumberLease> Repository::leases_of_day(const std::string& business_day) {
  Use st(
      stmt("SELECT device, service, prefix, first, count, leased_ms FROM number_leases WHERE business_day = ?1 "
           "ORDER BY id"));
  st->bind(1, business_day);
  std::vector<domain::NumberLease> out;
  while (st->step()) {
    domain::NumberLease l;
    l.device = st->text(0);
    l.service = st->text(1);
    l.prefix = st->text(2);
    l.business_day = business_day;
    l.first = static_cast<int>(st->int64(3));
    l.count = static_cast<int>(st->int64(4));
    l.leased_at = domain::from_unix_ms(st->int64(5));
    out.push_back(std::move(l));
  }
  return out;
}

RelayCounts Repository::relay_counts() {
  Use st(stmt(
      "SELECT 'pending', COUNT(*) FROM relay_queue UNION ALL SELECT state, COUNT(*) FROM relay_done GROUP BY state"));
  RelayCounts c;
  while (st->step()) {
    const std::string state = st->text(0);
    if (state == "pending") c.pending = st->int64(1);
    if (state == "sent") c.sent = st->int64(1);
    if (state == "refused") c.refused = st->int64(1);
  }
  return c;
}

std::vector<ChangeRecord> Repository::changes_after(std::int64_t after, std::int64_t through, int limit) {
  Use st(
      stmt("SELECT c.key, c.seq, c.type, c.body, a.public_json FROM changes c "
           "LEFT JOIN applications a ON c.body = '' AND a.receipt = substr(c.key, 13) WHERE c.seq > ?1 AND c.seq <= ?2 "
           "ORDER BY c.seq LIMIT ?3"));
  st->bind(1, after).bind(2, through).bind(3, limit);
  std::vector<ChangeRecord> out;
  while (st->step()) out.push_back(read_change(*st, ""));
  return out;
}

std::optional<ChangeRecord> Repository::change(const std::string& key) {
  Use st(
      stmt("SELECT c.key, c.seq, c.type, c.body, a.public_json FROM changes c "
           "LEFT JOIN applications a ON c.body = '' AND a.receipt = substr(c.key, 13) WHERE c.key = ?1"));
  st->bind(1, key);
  if (!st->step()) return std::nullopt;
  return read_change(*st, "");
}

std::int64_t Repository::last_change_seq() {
  Use st(stmt("SELECT COALESCE(MAX(seq), 0) FROM changes"));
  st->step();
  return st->int64(0);
}

std::vector<ChangeEpoch> Repository::change_epochs() {
  Use st(stmt("SELECT id, first_seq FROM change_epochs ORDER BY n"));
  std::vector<ChangeEpoch> out;
  while (st->step()) out.push_back(ChangeEpoch{st->text(0), st->int64(1)});
  return out;
}

void Repository::add_change_epoch(const std::string& id, std::int64_t first_seq, std::int64_t started_ms, int keep) {
  Use add(stmt("INSERT INTO change_epochs(id, first_seq, started_ms) VALUES (?1, ?2, ?3)"));
  add->bind(1, id).bind(2, first_seq).bind(3, started_ms);
  add->step();
  Use trim(stmt("DELETE FROM change_epochs WHERE n <= (SELECT MAX(n) FROM change_epochs) - ?1"));
  trim->bind(1, static_cast<std::int64_t>(keep));
  trim->step();
}

void Repository::put_sync_device(const SyncDeviceRecord& r) {
  Use st(
      stmt("INSERT INTO sync_devices(device, applied_seq, hlc, updated_ms) VALUES (?1, ?2, ?3, ?4) "
           "ON CONFLICT(device) DO UPDATE SET applied_seq = MAX(applied_seq, excluded.applied_seq), "
           "hlc = CASE WHEN excluded.hlc > hlc THEN excluded.hlc ELSE hlc END, updated_ms = excluded.updated_ms"));
  st->bind(1, r.device).bind(2, r.applied_seq).bind(3, r.hlc).bind(4, r.updated_ms).run();
}

std::optional<SyncDeviceRecord> Repository::sync_device(const std::string& device) {
  Use st(stmt("SELECT device, applied_seq, hlc, updated_ms FROM sync_devices WHERE device = ?1"));
  st->bind(1, device);
  if (!st->step()) return std::nullopt;
  return SyncDeviceRecord{st->text(0), st->int64(1), st->text(2), st->int64(3)};
}

std::vector<SyncDeviceRecord> Repository::sync_devices() {
  Use st(stmt("SELECT device, applied_seq, hlc, updated_ms FROM sync_devices ORDER BY device"));
  std::vector<SyncDeviceRecord> out;
  while (st->step()) out.push_back(SyncDeviceRecord{st->text(0), st->int64(1), st->text(2), st->int64(3)});
  return out;
}

std::optional<std::int64_t> Repository::oldest_relay_received_ms() {
  // The queue's first row: the oldest filing still to go (received in seq order).
  Use st(stmt("SELECT received_ms FROM relay_queue ORDER BY seq LIMIT 1"));
  if (!st->step()) return std::nullopt;
  return st->int64(0);
}

ReadPool::Conn::Conn(const std::string& path)
    : db(path, store::OpenOptions{store::Durability::Normal, false, 5000, false}), repo(db) {}

ReadPool::Lease::~Lease() {
  if (!conn_) return;
  std::lock_guard lock(pool_->mu_);
  pool_->idle_.push_back(std::move(conn_));
}

ReadPool::Lease ReadPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
  }
  return Lease(*this, std::make_unique<Conn>(path_));
}

}  // namespace guichet::server
