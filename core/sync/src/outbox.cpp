#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "guichet/store/file_check.hpp"
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
    // 2: what each entry does, and the device's hybrid logical clock time when it was written
    // (text form, which sorts like the times). Entries from before get theirs when the file is
    // opened (see backfill); the last time the clock gave is kept in outbox_meta under 'hlc'.
    R"sql(
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN hlc TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr const char* kColumns =
    "seq, method, path, body, bearer, created_ms, state, attempts, response_status, response_body, last_error, "
    "kind, hlc";

bool kind_word_char(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; }

// "/api/v1/counters/C1/call-next" → {"api", "v1", "counters", "C1", "call-next"}.
std::vector<std::string_view> path_parts(std::string_view path) {
  path = path.substr(0, path.find('?'));
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// "call-next" → "call_next"; "" if the result would not be a kind word.
std::string kind_word(std::string_view text) {
  std::string w(text);
  std::replace(w.begin(), w.end(), '-', '_');
  if (w.empty() || w[0] < 'a' || w[0] > 'z' || !std::all_of(w.begin(), w.end(), kind_word_char)) return {};
  return w;
}

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
  e.kind = st.text(11);
  std::string error;
  if (!domain::parse_hlc(st.text(12), e.hlc, error)) e.hlc = {};  // left empty rather than lose the entry
  return e;
}

// The statements of the sending path, prepared once per outbox (Outbox::reuse).
enum Slot : std::size_t { kPendingSlot, kAttemptsSlot, kCompleteSlot, kErrorSlot, kHlcSlot };

constexpr const char* kCompleteSql =
    "UPDATE outbox SET state = ?, response_status = ?, response_body = ?, bearer = '', completed_ms = ?, "
    "last_error = '' WHERE seq = ? AND state = 'pending'";
constexpr const char* kErrorSql = "UPDATE outbox SET last_error = ? WHERE seq = ? AND state = 'pending'";
constexpr const char* kSaveHlcSql =
    "INSERT INTO outbox_meta (key, value) VALUES ('hlc', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

std::string meta(store::Db& db, const char* key) {
  auto st = db.prepare("SELECT value FROM outbox_meta WHERE key = ?");
  st.bind(1, key);
  return st.step() ? st.text(0) : std::string();
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string default_outbox_kind(std::string_view method, std::string_view path) {
  const auto p = path_parts(path);
  const bool api = p.size() >= 3 && p[0] == "api" && p[1] == "v1";
  if (api && method == "POST") {
    if (p.size() == 3 && p[2] == "tokens") return "token.issue";
    if (p.size() == 5 && p[2] == "tokens" && p[4] == "cancel") return "token.cancel";
    if (p.size() == 5 && p[2] == "counters") {
      const std::string action = kind_word(p[4]);
      if (!action.empty()) return "counter." + action;
    }
    if (p.size() == 3 && p[2] == "sessions") return "session.open";
    if (p.size() == 4 && p[2] == "admin") {
      const std::string action = kind_word(p[3]);
      if (!action.empty()) return "admin." + action;
    }
  }
  if (api && method == "DELETE" && p.size() == 4 && p[2] == "sessions") return "session.close";
  return "request";
}

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
  if (!domain::valid_hlc_node(device_id_)) {
    throw store::DbError(SQLITE_MISUSE, "outbox " + db_path + ": device id '" + device_id_ +
                                            "' is not usable as a clock node (letters, digits, '.', '_', '-'; "
                                            "up to 64)");
  }
  clock_ = options.wall_clock ? options.wall_clock : domain::Hlc::PhysicalClock(now_unix_ms);
  hlc_ = std::make_unique<domain::Hlc>(device_id_, clock_, options.hlc);
  store::check_sqlite_header(db_path, "outbox");
  store::OpenOptions open;
  open.durability = options.durability;
  open.check_integrity = true;  // quick_check: a damaged file is refused, never started afresh
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
    std::int64_t first = options.first_seq > 0 ? options.first_seq : clock_();
    db_->prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").bind(1, first - 1).run();
  }

  // The clock continues after the last time it gave, whatever the wall clock says now.
  if (const std::string last = meta(*db_, "hlc"); !last.empty()) {
    domain::HlcTime t;
    std::string error;
    if (!domain::parse_hlc(last, t, error)) {
      throw store::DbError(SQLITE_CORRUPT, "outbox " + db_path + ": the stored clock time is damaged: " + error);
    }
    hlc_->restore(t);
  }
  // Entries written before kinds and clock times (schema 1): the kind of their request, and clock
  // times in sequence order, from their creation times.
  struct Old {
    std::int64_t seq, created_ms;
    std::string kind;
  };
  std::vector<Old> old;
  auto st = db_->prepare("SELECT seq, method, path, created_ms, kind FROM outbox WHERE hlc = '' ORDER BY seq");
  while (st.step()) {
    old.push_back(
        {st.int64(0), st.int64(3), st.text(4).empty() ? default_outbox_kind(st.text(1), st.text(2)) : st.text(4)});
  }
  for (const Old& e : old) {
    db_->prepare("UPDATE outbox SET kind = ?, hlc = ? WHERE seq = ?")
        .bind(1, e.kind)
        .bind(2, domain::format_hlc(hlc_->now_at(e.created_ms)))
        .bind(3, e.seq)
        .run();
  }
  if (!old.empty()) save_hlc();
  tx.commit();
}

store::Statement& Outbox::reuse(std::size_t slot, const char* sql) {
  std::optional<store::Statement>& st = statements_.at(slot);
  if (st) {
    st->reset();
  } else {
    st.emplace(db_->prepare(sql));
  }
  return *st;
}

void Outbox::save_hlc() { reuse(kHlcSlot, kSaveHlcSql).bind(1, domain::format_hlc(hlc_->last())).run(); }

domain::HlcTime Outbox::last_hlc() {
  std::lock_guard lock(mu_);
  return hlc_->last();
}

domain::HlcReceive Outbox::observe(const domain::HlcTime& remote, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  domain::HlcReceive r = hlc_->update_at(remote, now_ms);
  store::Transaction tx(*db_);
  save_hlc();
  tx.commit();
  return r;
}

OutboxEntry Outbox::append(const std::string& method, const std::string& path, const std::string& body,
                           const std::string& bearer, std::int64_t now_ms, const std::string& kind) {
  return append(method, path, body, bearer, now_ms, kind, {});
}

OutboxEntry Outbox::append(const std::string& method, const std::string& path, const std::string& body,
                           const std::string& bearer, std::int64_t now_ms, const std::string& kind,
                           const MetaChanges& meta) {
  const std::string k = kind.empty() ? default_outbox_kind(method, path) : kind;
  if (!valid_outbox_kind(k)) {
    throw std::invalid_argument("outbox entry kind '" + k +
                                "' is not lower-case dotted words (like \"token.issue\" or \"application.file\")");
  }
  std::lock_guard lock(mu_);
  const domain::HlcTime time = hlc_->now_at(now_ms);
  // The entry and the clock's last time in one transaction: one commit, and after a crash the
  // clock restarts after every time an entry carries.
  store::Transaction tx(*db_);
  db_->prepare(
         "INSERT INTO outbox (method, path, body, bearer, created_ms, state, kind, hlc) "
         "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)")
      .bind(1, method)
      .bind(2, path)
      .bind(3, body)
      .bind(4, bearer)
      .bind(5, now_ms)
      .bind(6, k)
      .bind(7, domain::format_hlc(time))
      .run();
  OutboxEntry e;
  e.seq = db_->last_insert_rowid();
  save_hlc();
  for (const auto& [name, value] : meta) write_meta(name, value);
  tx.commit();
  e.kind = k;
  e.hlc = time;
  e.method = method;
  e.path = path;
  e.body = body;
  e.bearer = bearer;
  e.created_ms = now_ms;
  return e;
}

std::vector<OutboxEntry> Outbox::pending(int limit) {
  std::lock_guard lock(mu_);
  static const std::string sql =
      std::string("SELECT ") + kColumns + " FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?";
  store::Statement& st = reuse(kPendingSlot, sql.c_str());
  st.bind(1, limit);
  std::vector<OutboxEntry> out;
  while (st.step()) out.push_back(read_entry(st));
  st.reset();  // a statement read to its end holds nothing, but say so
  return out;
}

std::optional<OutboxEntry> Outbox::find_pending(const std::string& kind, const std::string& field,
                                                const std::string& value) {
  if (field.find_first_of("\"\\") != std::string::npos) {
    throw std::invalid_argument("outbox: '" + field + "' cannot be looked up in an entry's body");
  }
  std::lock_guard lock(mu_);
  // Newest first along the (state, seq) index; json_extract only on bodies that are JSON (it
  // fails the statement on any other).
  auto st = db_->prepare(std::string("SELECT ") + kColumns +
                         " FROM outbox WHERE state = 'pending' AND kind = ? AND "
                         "CASE WHEN json_valid(body) THEN json_extract(body, ?) END = ? ORDER BY seq DESC LIMIT 1");
  st.bind(1, kind).bind(2, "$.\"" + field + "\"").bind(3, value);
  if (!st.step()) return std::nullopt;
  return read_entry(st);
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

std::vector<OutboxEntry> Outbox::entries(std::int64_t first_seq, std::int64_t last_seq) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(std::string("SELECT ") + kColumns + " FROM outbox WHERE seq BETWEEN ? AND ? ORDER BY seq");
  st.bind(1, first_seq).bind(2, last_seq);
  std::vector<OutboxEntry> out;
  while (st.step()) out.push_back(read_entry(st));
  return out;
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
      .bind(4, clock_())
      .bind(5, seq)
      .run();
}

bool Outbox::rewrite_pending(std::int64_t seq, const std::string& body, const std::string& kind) {
  if (!kind.empty() && !valid_outbox_kind(kind)) {
    throw std::invalid_argument("outbox entry kind '" + kind +
                                "' is not lower-case dotted words (like \"token.issue\" or \"application.file\")");
  }
  std::lock_guard lock(mu_);
  db_->prepare(
         "UPDATE outbox SET body = ?, kind = CASE WHEN ? = '' THEN kind ELSE ? END WHERE seq = ? AND state = "
         "'pending'")
      .bind(1, body)
      .bind(2, kind)
      .bind(3, kind)
      .bind(4, seq)
      .run();
  return db_->changes() > 0;
}

void Outbox::write_answers(const std::vector<Answer>& answers, std::int64_t now_ms) {
  for (const Answer& a : answers) {
    HttpResponse answer;
    answer.status = a.status;
    if (answer.transient()) {
      reuse(kErrorSlot, kErrorSql)
          .bind(1, a.status == 0 ? std::string("no response") : "the server answered HTTP " + std::to_string(a.status))
          .bind(2, a.seq)
          .run();
      continue;
    }
    reuse(kCompleteSlot, kCompleteSql)
        .bind(1, answer.ok() ? "done" : "failed")
        .bind(2, a.status)
        .bind(3, a.body)
        .bind(4, now_ms)
        .bind(5, a.seq)
        .run();
  }
}

void Outbox::complete_many(const std::vector<Answer>& answers) {
  std::lock_guard lock(mu_);
  store::Transaction tx(*db_);
  write_answers(answers, clock_());
  tx.commit();
}

void Outbox::record_upload(const UploadResult& result) {
  std::lock_guard lock(mu_);
  store::Transaction tx(*db_);
  // The entries of a batch are the leading run of pending entries, so every pending entry in its
  // range of seqs is one that went up (later appends get higher seqs).
  reuse(kAttemptsSlot, "UPDATE outbox SET attempts = attempts + 1 WHERE seq BETWEEN ? AND ? AND state = 'pending'")
      .bind(1, result.first_seq)
      .bind(2, result.last_seq)
      .run();
  write_answers(result.answers, clock_());
  if (!result.error.empty()) reuse(kErrorSlot, kErrorSql).bind(1, result.error).bind(2, result.error_seq).run();
  // As in observe(), the clock may move on in memory even if the commit then fails: it never goes
  // backwards, and no entry carries the unsaved time.
  if (result.server_hlc) {
    hlc_->update_at(*result.server_hlc, result.now_ms);
    save_hlc();
  }
  tx.commit();
}

void Outbox::record_attempts(const std::vector<std::int64_t>& seqs) {
  std::lock_guard lock(mu_);
  store::Transaction tx(*db_);
  auto st = db_->prepare("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?");
  for (std::int64_t seq : seqs) {
    st.reset();
    st.bind(1, seq).run();
  }
  tx.commit();
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
  write_meta(name, value);
}

void Outbox::remove_meta(const std::string& name) {
  std::lock_guard lock(mu_);
  write_meta(name, std::nullopt);
}

void Outbox::write_meta(const std::string& name, const std::optional<std::string>& value) {
  if (!value) {
    db_->prepare("DELETE FROM outbox_meta WHERE key = ?").bind(1, "app." + name).run();
    return;
  }
  db_->prepare(
         "INSERT INTO outbox_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .bind(1, "app." + name)
      .bind(2, *value)
      .run();
}

std::string Outbox::next_application_receipt(const std::string& centre_id) {
  const bool centre_ok =
      !centre_id.empty() && centre_id.size() <= 32 && std::all_of(centre_id.begin(), centre_id.end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-';
      });
  if (!centre_ok) {
    throw std::invalid_argument("application receipt: centre id '" + centre_id +
                                "' is not 1 to 32 letters, digits, '_' or '-'");
  }
  std::lock_guard lock(mu_);
  store::Transaction tx(*db_);
  std::int64_t last = 0;
  auto st = db_->prepare("SELECT value FROM outbox_meta WHERE key = 'app.application_no'");
  if (st.step()) {
    const std::string text = st.text(0);
    const bool digits = !text.empty() && text.size() <= 18 &&
                        std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits) {
      throw store::DbError(SQLITE_CORRUPT, "outbox " + db_->path() +
                                               ": the stored application number counter is damaged ('" + text + "')");
    }
    last = std::stoll(text);
  }
  const std::int64_t next = last + 1;
  db_->prepare(
         "INSERT INTO outbox_meta (key, value) VALUES ('app.application_no', ?) ON CONFLICT (key) DO UPDATE SET "
         "value = excluded.value")
      .bind(1, std::to_string(next))
      .run();
  tx.commit();
  std::string n = std::to_string(next);
  if (n.size() < 6) n.insert(0, 6 - n.size(), '0');
  return centre_id + "-" + device_id_ + "-" + n;
}

std::int64_t Outbox::pending_count() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT count(*) FROM outbox WHERE state = 'pending'");
  st.step();
  return st.int64(0);
}

OutboxReport Outbox::report() {
  std::lock_guard lock(mu_);
  // One read: the count over the (state, seq) index and the first pending entry's time.
  auto st = db_->prepare(
      "SELECT count(*), (SELECT created_ms FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1) "
      "FROM outbox WHERE state = 'pending'");
  st.step();
  OutboxReport r;
  r.pending = st.int64(0);
  // The clock may have been set back since the entry was written: an age is never negative.
  if (r.pending > 0) r.oldest_age_s = std::max<std::int64_t>(0, (clock_() - st.int64(1)) / 1000);
  return r;
}

}  // namespace guichet::sync
