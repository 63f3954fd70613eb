// The centre server's SQLite schema and the statements that read and write it. Bound parameters
// only; prepared statements are cached per connection because the hot path runs thousands of
// times a second.
//
// Tables (see docs/server.md): meta, devices, operators, sessions, tokens, counter_states, events,
// idempotency, pin_failures, enrollment_codes, applications, application_history, changes,
// sync_devices.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "guichet/domain/queue.hpp"
#include "guichet/server/throttle.hpp"
#include "guichet/store/sqlite.hpp"

namespace guichet::server {

// Numbered migrations; index i (0-based) brings the file to schema version i + 1.
const std::vector<std::string>& schema_migrations();

// Opens the file (creating it), applies pending migrations and returns the connection.
store::Db open_database(const std::string& path, store::Durability durability = store::Durability::Full,
                        bool check_integrity = true);

// Centre: a centre node, as a device of the central server (its id is the centre id).
enum class DeviceKind { Kiosk, Counter, Display, Centre };
const char* to_string(DeviceKind);
std::optional<DeviceKind> parse_device_kind(const std::string&);

// Officer: a department's officer at central (OperatorRecord::department says which).
enum class Role { Operator, Manager, Admin, Officer };
const char* to_string(Role);
std::optional<Role> parse_role(const std::string&);

struct DeviceRecord {
  std::string id;
  DeviceKind kind = DeviceKind::Kiosk;
  std::string secret_hash;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> revoked_ms;
  std::string name;  // given at enrollment; may be empty
};

// A one-time enrollment code (the code itself is never stored).
struct EnrollmentCodeRecord {
  std::string code_hash;
  DeviceKind kind = DeviceKind::Kiosk;
  std::string chosen_id;   // the device id the admin chose, or empty: the server picks one
  std::string name;        // the device's name, or empty
  std::string created_by;  // "command line" or the admin operator's id
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
  std::optional<std::int64_t> used_ms;
  std::string device_id;                     // the device it created, once used
  std::string nonce_hash;                    // hash of the terminal's nonce for that enrollment
  std::optional<std::int64_t> cancelled_ms;  // when an administrator cancelled it (then never used)
};

struct OperatorRecord {
  std::string id;
  std::string name;
  Role role = Role::Operator;
  std::string pin_hash;
  std::int64_t created_ms = 0;
  std::string department;  // officers only
};

struct SessionRecord {
  std::string token_hash;  // the bearer token itself is never stored
  std::string operator_id;
  std::string device_id;
  std::string counter;  // empty when logged in without a counter
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
};

struct EventRecord {
  std::uint64_t seq = 0;
  std::string type;
  std::string token_id;
  std::string counter;
  std::string actor;   // operator id or device id
  std::string device;  // device the request came from
  std::int64_t at_ms = 0;
  std::string body;  // the event's wire JSON
};

struct IdempotencyRecord {
  std::string device;
  std::string key;
  std::string fingerprint;  // method, path and body hash of the first request
  int status = 0;
  std::string body;
  std::int64_t created_ms = 0;
  // A filing's answer is {"application": <its public status>}: stored as the receipt alone, it is
  // read back with the application's public status as it stands then (body is filled in).
  std::string receipt;
};

// An application as filed (docs/server.md, "Applications"). fields_json and documents_json hold
// the citizen's data; public_json is the public status (no personal data).
struct ApplicationRecord {
  std::string receipt;
  std::string service;
  std::string language;
  std::string channel;  // "kiosk" or "counter"
  std::string token;    // the queue token it came from, or empty
  std::string device;
  std::string operator_id;  // the operator who took it at a counter (named in the filing, or the session's), or empty
  std::string filed_on;     // YYYY-MM-DD
  std::string due_on;
  std::string fields_json;
  std::string documents_json;
  std::int64_t fee_minor = 0;
  std::string status;  // "received", …
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::string idempotency_key;
  std::string public_json;
  std::string centre;      // central: the centre it was filed at
  std::string department;  // central: the department it is filed with
};

struct ApplicationHistoryEntry {
  std::string status;
  std::int64_t at_ms = 0;
  std::string note;   // public note, may be empty
  std::string actor;  // device or operator id (not public)
};

// One row of the change log: the latest change of one key.
struct ChangeRecord {
  std::string key;  // "catalogue", "application:<receipt>", "queue:<day>"
  std::int64_t seq = 0;
  std::string type;  // "catalogue", "application.status", "queue"
  // The change as served, JSON text. Stored empty for an application's status, whose change is
  // the application's public status (applications.public_json, written in the same transaction):
  // the reads fill it in, so the status is stored once instead of twice.
  std::string body;
  std::string scope;  // who reads it: "" everyone; at central, the centre whose application it is
};

// The change of an application's status: its body is read from the application's row.
// One history of the change log: the server started on `first_seq` as its last change and named
// what it writes from there `id` (16 hex digits, random). A cursor carries the history it was given
// in; it holds for the changes up to the next history's first_seq, the ones every later history
// shares. A database restored from a backup lacks the histories begun after the backup, and starts
// a new one from the backup's last change.
struct ChangeEpoch {
  std::string id;
  std::int64_t first_seq = 0;
};

ChangeRecord application_status_change(const std::string& receipt, std::string scope);

// An answer about one application: {"application": <public status>}. A filing's stored answer is
// rebuilt with it from the application's row, so a replay has the first answer's form.
std::string application_answer(const std::string& public_json);

// Centre node: an application waiting to go (or gone) to central.
struct RelayEntry {
  std::int64_t seq = 0;  // the relay's own sequence, in the order applications were stored
  std::string receipt;
  std::string origin;  // the terminal that filed it
  std::string hlc;     // the centre's clock time when it was stored
  std::int64_t received_ms = 0;
  std::string body;               // the filing as the terminal sent it
  std::string state = "pending";  // pending, sent, refused
  int answer_status = 0;          // central's answer (refused: its 4xx)
  std::string answer;             // central's message (refused) — never the form's values
};

struct RelayCounts {
  std::int64_t pending = 0;
  std::int64_t sent = 0;
  std::int64_t refused = 0;
};

struct SyncDeviceRecord {
  std::string device;
  std::int64_t applied_seq = 0;
  std::string hlc;
  std::int64_t updated_ms = 0;
};

// A filing's body (POST /api/v1/applications) written from what the centre stored of it: keys in
// order, the form and documents as stored (the checked, normalised values), the token and the
// counter's operator when there are. What the relay sends central for the filings it queued
// without a copy. Reads receipt, service, language, channel, token, operator_id, the dates, the
// fee, fields_json and documents_json.
std::string relay_filing_body(const ApplicationRecord& a);

// Statements over one connection. Not thread-safe: one per connection, one thread at a time.
class Repository {
 public:
  explicit Repository(store::Db& db) : db_(db) {}
  store::Db& db() { return db_; }

  // meta
  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  // devices
  void insert_device(const DeviceRecord& d);
  bool revoke_device(const std::string& id, std::int64_t at_ms);  // false if unknown
  std::optional<DeviceRecord> device(const std::string& id);
  bool set_device_secret(const std::string& id, const std::string& secret_hash);  // false if unknown or revoked
  std::vector<std::string> device_ids_with_prefix(const std::string& prefix);
  // Ids of every revoked device (a short list, read by the live feed's revocation check).
  std::vector<std::string> revoked_device_ids();

  // enrollment codes
  void insert_enrollment_code(const EnrollmentCodeRecord& c);
  std::optional<EnrollmentCodeRecord> enrollment_code(const std::string& code_hash);
  // Marks an unused code used; false when it was already used or cancelled.
  bool use_enrollment_code(const std::string& code_hash, std::int64_t at_ms, const std::string& device_id,
                           const std::string& nonce_hash);
  // An unused, unexpired code was made for this device id.
  bool enrollment_id_reserved(const std::string& device_id, std::int64_t now_ms);

  // operators
  void insert_operator(const OperatorRecord& o);
  std::optional<OperatorRecord> operator_record(const std::string& id);

  // sessions
  void insert_session(const SessionRecord& s);
  void close_session(const std::string& token_hash, std::int64_t at_ms);
  std::vector<SessionRecord> open_sessions(std::int64_t now_ms);

  // tokens and counters; queue_day is the business day of the queue holding the token
  void upsert_token(const domain::Token& t, const std::string& queue_day);
  std::vector<domain::Token> tokens_of_day(const std::string& queue_day);
  std::optional<domain::Token> token(const std::string& id);
  void upsert_counter(const domain::CounterState& c);
  void delete_counters();
  std::vector<domain::CounterState> counters();

  // number blocks leased to kiosks, in the order they were made
  void insert_lease(const domain::NumberLease& l);
  std::vector<domain::NumberLease> leases_of_day(const std::string& business_day);

  // events
  void insert_event(const EventRecord& e);
  std::uint64_t last_event_seq();
  std::vector<EventRecord> events_after(std::uint64_t seq, int limit);
  std::vector<EventRecord> last_calls(int limit);  // called and recalled, newest first
  std::int64_t event_count();

  // idempotency: an append-only log; the server indexes (device, key) in memory
  std::int64_t insert_idempotency(const IdempotencyRecord& r);  // returns the record's id
  std::optional<IdempotencyRecord> idempotency_at(std::int64_t id);
  // By scanning the table: for tests and for the rare hash collision.
  std::optional<IdempotencyRecord> idempotency(const std::string& device, const std::string& key);
  void each_idempotency_key(
      const std::function<void(std::int64_t id, const std::string& device, const std::string& key)>& f);
  int prune_idempotency(std::int64_t before_ms);  // records created before; returns how many

  // applications
  void insert_application(const ApplicationRecord& a);
  // Appended after the receipt's last entry (counted), or as entry `n` (1 for the first) when the
  // caller knows the history: no count, and a second writer of the same n fails on the key.
  void add_application_history(const std::string& receipt, const ApplicationHistoryEntry& h);
  void add_application_history(const std::string& receipt, int n, const ApplicationHistoryEntry& h);
  std::optional<ApplicationRecord> application(const std::string& receipt);
  bool application_exists(const std::string& receipt);  // from the receipt's index alone
  // Those of `receipts` that are stored, in one statement over the set.
  std::vector<std::string> stored_receipts(const std::vector<std::string>& receipts);
  std::vector<ApplicationHistoryEntry> application_history(const std::string& receipt);
  // The status fields of the applications in `receipts` (receipt, service, filed_on, due_on,
  // status, created_ms, updated_ms, centre, department; not the form) with their history, read in
  // two statements over the whole set. Unknown receipts are absent.
  struct ApplicationState {
    ApplicationRecord record;
    std::vector<ApplicationHistoryEntry> history;
  };
  std::vector<ApplicationState> application_states(const std::vector<std::string>& receipts);
  std::int64_t application_count();
  // Central: whether an application of `department` names the scanned file `sha256` in its
  // documents (a scan of that department's applications: an officer's click, not a hot path).
  bool department_names_file(const std::string& department, const std::string& sha256);
  // Throws when the receipt is not stored.
  void update_application_status(const std::string& receipt, const std::string& status, std::int64_t updated_ms,
                                 const std::string& public_json);

  // change log (protocol v1 downloads)
  void upsert_change(const ChangeRecord& c);
  // Changes with after < seq <= through, in seq order.
  std::vector<ChangeRecord> changes_after(std::int64_t after, std::int64_t through, int limit);
  std::optional<ChangeRecord> change(const std::string& key);
  std::int64_t last_change_seq();
  // The change log's histories, oldest first (see ChangeEpoch); a new one keeps the `keep` newest.
  std::vector<ChangeEpoch> change_epochs();
  void add_change_epoch(const std::string& id, std::int64_t first_seq, std::int64_t started_ms, int keep);
  // Changes of one scope (central: one centre's applications; never the empty scope) with
  // after < seq <= through.
  std::vector<ChangeRecord> scoped_changes_after(const std::string& scope, std::int64_t after, std::int64_t through,
                                                 int limit);

  // relay outbox (centre node): relay_queue holds what is to send, relay_done what central answered.
  // r.seq is ignored: the next seq after every one ever given. An empty r.body (the centre's
  // filings) stores no copy of the filing: relay_pending writes it from the applications row
  // (relay_filing_body); a body given (rows of older files) is sent as it is.
  void insert_relay(const RelayEntry& r);
  // The first `limit` queued filings after seq `after_seq`, in seq order (the relay reads the next
  // batch after the one it has out).
  std::vector<RelayEntry> relay_pending(int limit, std::int64_t after_seq = 0);
  // Moves the pending entries `seqs` to `state` (sent or refused) with central's answer, in two
  // statements over the set (one savepoint). Returns how many moved: entries not pending (already
  // marked) are left.
  int mark_relay(const std::vector<std::int64_t>& seqs, const std::string& state, int answer_status,
                 const std::string& answer, std::int64_t at_ms);
  RelayCounts relay_counts();
  // When the oldest filing still waiting to go to central was received; nullopt when none waits.
  std::optional<std::int64_t> oldest_relay_received_ms();

  // per-device upload progress (only moves forward)
  void put_sync_device(const SyncDeviceRecord& r);
  std::optional<SyncDeviceRecord> sync_device(const std::string& device);
  std::vector<SyncDeviceRecord> sync_devices();  // every device that uploaded, by id

  // PIN failures
  void put_pin_failures(const PinFailures& f);
  void clear_pin_failures(const std::string& operator_id);
  std::vector<PinFailures> all_pin_failures();

 private:
  store::Statement& stmt(const char* sql);
  store::Db& db_;
  std::map<const char*, store::Statement> cache_;
};

// Connections for reads from any thread (WAL lets them run beside the writer). acquire() hands
// out an idle connection, opening one when all are busy.
class ReadPool {
 public:
  explicit ReadPool(std::string path) : path_(std::move(path)) {}

  struct Conn {
    explicit Conn(const std::string& path);
    store::Db db;
    Repository repo;
  };
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Conn> conn) : pool_(&pool), conn_(std::move(conn)) {}
    ~Lease();
    Lease(Lease&&) = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    Repository& operator*() { return conn_->repo; }
    Repository* operator->() { return &conn_->repo; }

   private:
    ReadPool* pool_;
    std::unique_ptr<Conn> conn_;
  };
  Lease acquire();

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace guichet::server
