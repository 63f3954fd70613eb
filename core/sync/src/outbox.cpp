#include <chrono>

#include "guichet/sync/client.hpp"

namespace guichet::sync {
namespace {

// AUTOINCREMENT, not a plain rowid: a sequence number is never handed out twice, even after
// old entries are pruned, because the server keys its memory of answers on it.
const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE outbox_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  bearer TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  response_status INTEGER NOT NULL DEFAULT 0,
  response_body TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  completed_ms INTEGER
);
CREATE INDEX outbox_by_state ON outbox (state, seq);
)sql",
};

constexpr const char* kColumns =
    "seq, method, path, body, bearer, created_ms, state, attempts, response_status, response_body, last_error";

OutboxState parse_state(const std::string& s) {
  if (s == "done") return OutboxState::Done;
  if (s == "failed") return OutboxState::Failed;
  return OutboxState::Pending;
}

OutboxEntry read_entry(const store::Statement& st) {
  OutboxEntry e;
  e.seq = st.int64(0);
  e.method = st.text(1);
  e.path = st.text(2);
  e.body = st.text(3);
  e.bearer = st.text(4);
  e.created_ms = st.int64(5);
  e.state = parse_state(st.text(6));
  e.attempts = st.int32(7);
  e.response_status = st.int32(8);
  e.response_body = st.text(9);
  e.last_error = st.text(10);
  return e;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const char* to_string(OutboxState s) {
  switch (s) {
    case OutboxState::Pending:
      return "pending";
    case OutboxState::Done:
      return "done";
    case OutboxState::Failed:
      return "failed";
  }
  return "pending";
}

HttpResponse OutboxEntry::response() const {
  HttpResponse r;
  r.status = state == OutboxState::Pending ? 0 : response_status;
  r.body = response_body;
  if (state == OutboxState::Pending) r.transport_error = last_error;
  return r;
}

Outbox::Outbox(const std::string& db_path, std::string device_id) : Outbox(db_path, std::move(device_id), {}) {}

Outbox::Outbox(const std::string& db_path, std::string device_id, const OutboxOptions& options)
    : device_id_(std::move(device_id)) {
  if (device_id_.empty() || device_id_.find(':') != std::string::npos) {
    throw store::DbError(SQLITE_MISUSE, "outbox " + db_path + ": device id '" + device_id_ +
                                            "' is not usable in idempotency keys (empty or contains ':')");
  }
  store::OpenOptions open;
  open.durability = options.durability;
  db_ = std::make_unique<store::Db>(db_path, open);
  db_->migrate(kMigrations);

  store::Transaction tx(*db_);
  auto get_device = db_->prepare("SELECT value FROM outbox_meta WHERE key = 'device'");
  if (get_device.step()) {
    std::string owner = get_device.text(0);
    if (owner != device_id_) {
      throw store::DbError(SQLITE_MISUSE, "outbox " + db_path + " belongs to device '" + owner + "', not '" +
                                              device_id_ + "': its sequence numbers would collide");
    }
  } else {
    db_->prepare("INSERT INTO outbox_meta (key, value) VALUES ('device', ?)").bind(1, device_id_).run();
  }
  auto seeded = db_->prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
  if (!seeded.step()) {
    std::int64_t first = options.first_seq > 0 ? options.first_seq : now_unix_ms();
    db_->prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").bind(1, first - 1).run();
  }
  tx.commit();
}

OutboxEntry Outbox::append(const std::string& method, const std::string& path, const std::string& body,
                           const std::string& bearer, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_->prepare("INSERT INTO outbox (method, path, body, bearer, created_ms, state) VALUES (?, ?, ?, ?, ?, 'pending')")
      .bind(1, method)
      .bind(2, path)
      .bind(3, body)
      .bind(4, bearer)
      .bind(5, now_ms)
      .run();
  OutboxEntry e;
  e.seq = db_->last_insert_rowid();
  e.method = method;
  e.path = path;
  e.body = body;
  e.bearer = bearer;
  e.created_ms = now_ms;
  return e;
}

std::vector<OutboxEntry> Outbox::pending(int limit) {
  std::lock_guard lock(mu_);
  auto st =
      db_->prepare(std::string("SELECT ") + kColumns + " FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?");
  st.bind(1, limit);
  std::vector<OutboxEntry> out;
  while (st.step()) out.push_back(read_entry(st));
  return out;
}

std::vector<OutboxEntry> Outbox::failed(int limit) {
  std::lock_guard lock(mu_);
  auto st =
      db_->prepare(std::string("SELECT ") + kColumns + " FROM outbox WHERE state = 'failed' ORDER BY seq DESC LIMIT ?");
  st.bind(1, limit);
  std::vector<OutboxEntry> out;
  while (st.step()) out.push_back(read_entry(st));
  return out;
}

std::optional<OutboxEntry> Outbox::get(std::int64_t seq) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(std::string("SELECT ") + kColumns + " FROM outbox WHERE seq = ?");
  st.bind(1, seq);
  if (!st.step()) return std::nullopt;
  return read_entry(st);
}

void Outbox::complete(std::int64_t seq, int status, const std::string& body) {
  HttpResponse answer;
  answer.status = status;
  if (answer.transient()) {
    // No final answer: the entry must stay queued, or an action would be lost.
    record_error(seq, status == 0 ? "no response" : "the server answered HTTP " + std::to_string(status));
    return;
  }
  std::lock_guard lock(mu_);
  // The session token is only needed to send the entry; it does not stay in the file after.
  db_->prepare(
         "UPDATE outbox SET state = ?, response_status = ?, response_body = ?, bearer = '', completed_ms = ?, "
         "last_error = '' WHERE seq = ? AND state = 'pending'")
      .bind(1, answer.ok() ? "done" : "failed")
      .bind(2, status)
      .bind(3, body)
      .bind(4, now_unix_ms())
      .bind(5, seq)
      .run();
}

void Outbox::record_attempt(std::int64_t seq) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?").bind(1, seq).run();
}

void Outbox::record_error(std::int64_t seq, const std::string& error) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE outbox SET last_error = ? WHERE seq = ? AND state = 'pending'")
      .bind(1, error)
      .bind(2, seq)
      .run();
}

// Stored under "app." so that no name can overwrite the outbox's own record of its device.
std::optional<std::string> Outbox::get_meta(const std::string& name) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT value FROM outbox_meta WHERE key = ?");
  st.bind(1, "app." + name);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void Outbox::set_meta(const std::string& name, const std::string& value) {
  std::lock_guard lock(mu_);
  db_->prepare(
         "INSERT INTO outbox_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .bind(1, "app." + name)
      .bind(2, value)
      .run();
}

std::int64_t Outbox::pending_count() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT count(*) FROM outbox WHERE state = 'pending'");
  st.step();
  return st.int64(0);
}

}  // namespace guichet::sync
