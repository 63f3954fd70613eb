// The centre's queue authority: the in-memory Queue of the business day under one lock, persisted
// by group commit before anything is answered; device and operator authentication; PIN
// throttling; idempotency keys; the live feed; enrollment of terminals with one-time codes.
//
// Why one lock: every queue operation reads and changes shared state (who is next, which counter
// holds whom). Applying them one at a time is what guarantees that two counters calling at the
// same instant never receive the same token. The lock is held only for the in-memory step (a few
// microseconds); the slow part, making the result durable, happens outside it, many operations
// per fsync.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "guichet/domain/hlc.hpp"
#include "guichet/domain/queue.hpp"
#include "guichet/server/attachments.hpp"
#include "guichet/server/clock.hpp"
#include "guichet/server/device_activity.hpp"
#include "guichet/server/enrollment.hpp"
#include "guichet/server/event_feed.hpp"
#include "guichet/server/group_commit.hpp"
#include "guichet/server/message.hpp"
#include "guichet/server/storage.hpp"
#include "guichet/server/throttle.hpp"
#include "guichet/sync/protocol.hpp"

namespace guichet::server {

// Centre: a service centre's node (queue authority, terminals' server, relay to central).
// Central: every centre's applications, filed with their departments; no queue.
enum class NodeRole { Centre, Central };
inline constexpr const char* kCentralNode = "central";

struct CentreOptions {
  NodeRole role = NodeRole::Centre;
  // Central: every centre's catalogue by centre id (catalogue may then be left empty).
  std::map<std::string, std::shared_ptr<const domain::Catalogue>> centres;
  // Centre: applications stored are queued for central in the same transaction (relay_outbox).
  bool relay = false;
  std::string db_path;
  // The file of scanned files (docs/server.md, "Attachments"); empty: attachments.sqlite in the
  // directory of db_path.
  std::string attachments_path;
  std::shared_ptr<const domain::Catalogue> catalogue;
  std::shared_ptr<const Clock> clock;        // queue time; the real clock when empty
  std::function<std::int64_t()> wall_clock;  // real ms for throttling and sessions; wall_ms when empty
  ThrottlePolicy throttle;
  ThrottlePolicy enroll_throttle = EnrollThrottle::default_policy();  // wrong enrollment codes, per address
  store::Durability durability = store::Durability::Full;
  std::chrono::milliseconds session_lifetime{std::chrono::hours(12)};
};

struct AuthDevice {
  std::string id;
  DeviceKind kind = DeviceKind::Kiosk;
};

struct AuthSession {
  std::string token_hash;
  std::string operator_id;
  std::string name;
  Role role = Role::Operator;
  std::string device_id;
  std::string counter;
  std::int64_t expires_ms = 0;
  std::string department;  // officers
};

// What a write changes, collected under the queue lock and persisted by the writer thread.
struct Mutation {
  std::vector<std::pair<domain::Token, std::string>> tokens;  // token and the queue day holding it
  std::vector<domain::CounterState> counters;
  std::vector<domain::NumberLease> leases;  // number blocks leased with this write
  bool replace_counters = false;            // counters is the complete set
  std::vector<sync::WireEvent> events;      // seq is assigned by Centre::mutate
  std::optional<SessionRecord> open_session;
  std::optional<std::string> close_session;  // token hash
  std::optional<std::string> new_business_day;
  std::optional<PinFailures> pin_failures;
  std::optional<std::string> clear_pin_failures;         // operator id
  std::optional<std::int64_t> prune_idempotency_before;  // real ms
  std::optional<EnrollmentCodeRecord> new_enrollment_code;
  // A terminal enrolled with a code: a new device (and the code marked used), or, for a retry of
  // the same enrollment, a fresh secret for the device the code created.
  struct Enrollment {
    DeviceRecord device;
    bool new_device = true;
    std::string code_hash;
    std::string nonce_hash;
    std::int64_t at_ms = 0;
  };
  std::optional<Enrollment> enrollment;
  // An application filed (its row and the first entry of its history).
  struct ApplicationFiling {
    ApplicationRecord record;
    ApplicationHistoryEntry first;
    std::vector<ApplicationHistoryEntry> more;  // further history (central: forwarded, with_department)
    std::optional<RelayEntry> relay;            // centre node: queued for central with it
  };
  // An application's status moved (its row, public status and the history entries added).
  struct StatusUpdate {
    std::string receipt;
    std::string status;
    std::int64_t updated_ms = 0;
    std::string public_json;
    std::vector<ApplicationHistoryEntry> added;
    int first_n = 0;  // the history number of added[0] (the entries before it are stored)
  };
  std::vector<StatusUpdate> status_updates;
  struct RelayMark {
    std::int64_t seq = 0;
    std::string state;  // sent, refused
    int status = 0;
    std::string answer;
  };
  std::vector<RelayMark> relay_marks;
  std::vector<std::pair<std::string, std::string>> meta;  // named values set with the write
  std::vector<std::string> touched_apps;                  // receipts staged in Centre's in-flight view
  std::optional<ApplicationFiling> application;
  // Rows of the change log; their seq is assigned by the writer, in commit order.
  std::vector<ChangeRecord> changes;
  // The business day whose queue the events belong to (set by record()); the queue's row of the
  // change log is written once per committed batch.
  std::optional<std::string> queue_day;
  // A device's upload progress (protocol v1).
  std::optional<SyncDeviceRecord> sync_progress;
  std::optional<std::string> server_hlc;  // the server clock's last time, kept in meta 'hlc'
  // Kept alive until the write is answered (e.g. a receipt reserved while in flight).
  std::shared_ptr<void> hold;
  // Builds the answer from the events' JSON (before commit, on a network thread or the writer).
  std::function<Response(const std::vector<std::string>& event_json)> respond;
  // Runs on the writer thread once the batch is durable.
  std::function<void()> after_commit;

  // Records a queue event with the token and counter state it touched.
  void record(const domain::QueueEvent& e, const domain::Queue& q, const std::string& queue_day);
};

struct IdempotencyKey {
  std::string key;
  std::string fingerprint;  // method + target + body hash
};

struct WriteContext {
  std::string device;  // the requesting device, recorded with every event
  std::optional<IdempotencyKey> idempotency;
};

class Centre {
 public:
  explicit Centre(CentreOptions options);
  ~Centre();
  Centre(const Centre&) = delete;
  Centre& operator=(const Centre&) = delete;

  const domain::Catalogue& catalogue() const { return *catalogue_; }
  int utc_offset() const { return catalogue_->centre.utc_offset_minutes; }
  domain::Instant now() const { return clock_->now(); }
  std::int64_t wall_now() const { return wall_(); }
  const std::string& catalogue_json() const { return catalogue_json_; }
  std::string business_day() const;

  // Device credentials from X-Guichet-Device / X-Guichet-Secret: 401 when missing or wrong, 403
  // when the device was revoked.
  domain::Result<AuthDevice, Response> authenticate_device(const Request& request);
  // Drops the cached record of a device, e.g. one just revoked: its next request is checked
  // against storage.
  void forget_device(const std::string& id);
  // The operator session from Authorization: Bearer, opened on the same device.
  domain::Result<AuthSession, Response> authenticate_operator(const Request& request, const AuthDevice& device);
  // Whether `operator_id` is one of this centre's operators (the one a counter's filing names).
  // Operators are never removed, so one found is remembered and asked of storage once.
  bool operator_known(const std::string& operator_id);

  // Checks the PIN off the network threads (argon2id is deliberately slow), throttling per
  // operator; on success opens a session (and the counter, when given).
  void login(const AuthDevice& device, const std::string& operator_id, const std::string& pin,
             const std::string& counter, Respond done);
  // Closes the session (and the counter it opened).
  void logout(const WriteContext& context, const AuthSession& session, Respond done);

  // Creates a one-time enrollment code for an admin (POST /api/v1/enrollment-codes).
  void create_enrollment_code(const AuthDevice& device, const AuthSession& admin, const std::string& kind,
                              const std::string& chosen_id, const std::string& name, std::chrono::milliseconds lifetime,
                              Respond done);
  struct EnrollRequest {
    std::string source;  // the client's network address, for throttling wrong codes
    std::string code;    // as typed
    std::string kind;
    std::string name;
    std::string nonce;  // the terminal's random nonce for this enrollment (may be empty: no retry)
  };
  // POST /api/v1/enroll: checks the code and creates the device (docs/server.md, "Enrollment").
  void enroll(const EnrollRequest& request, Respond done);

  // Runs `op` on the queue under the lock. `op` either fills the mutation (and its respond) or
  // returns a refusal. The answer is given only once everything is durable. With an idempotency
  // key a repeat gets the first answer and changes nothing.
  using Op = std::function<std::optional<Response>(domain::Queue& q, domain::Instant now, Mutation& m)>;
  void mutate(const WriteContext& context, Op op, Respond done);

  // How long answers stay replayable under their idempotency key (pruned at day close).
  static std::int64_t idempotency_keep_ms();

  // Runs `f` with the queue under the lock, for reads.
  template <class F>
  auto with_queue(F&& f) {
    std::lock_guard lock(mu_);
    return f(static_cast<const domain::Queue&>(*queue_), clock_->now());
  }

  // Fills a wire event (counter number) from a queue event.
  sync::WireEvent wire_event(const domain::QueueEvent& e) const;

  // POST /api/v1/applications, once the filing is checked (check_filing): refused with 409
  // receipt_taken when the receipt is stored or in flight under another request; otherwise stored
  // with its first status ("received") and its row in the change log, answered 201 when durable.
  // What the terminal sent is not kept as text: the relay writes the filing for central from the
  // stored row (Repository::relay_filing_body).
  void file_application(const WriteContext& context, ApplicationRecord record, Respond done);

  // Many filings at once (a sync upload's applications). At the centre each as file_application
  // would file it; at central (an application relayed by centre node record.centre, checked
  // against that centre's catalogue, record.department set) stored with history received (at
  // received_ms, the centre's time), forwarded and with_department, status with_department, its
  // change scoped to the centre. Each is answered with the same bytes under the same keys, but
  // staged under one lock and written by ONE job of the writer (one pass over the rows, the
  // writer's cached statements reused for every row), answered once that job is durable.
  // Replays and keys in flight are answered per filing, as mutate() does.
  struct Filing {
    WriteContext context;
    ApplicationRecord record;
    std::int64_t received_ms = 0;     // central: when the centre node stored it
    std::optional<Response> refusal;  // central: refused by its check, answered (and kept) under the key
    Respond done;
  };
  void file_applications(std::vector<Filing> filings);
  // Central: an officer moves an application of their department along the allowed transitions
  // (application_transitions()); 404 unknown, 403 other department, 409 transition_not_allowed.
  void set_application_status(const WriteContext& context, const AuthSession& officer, const std::string& receipt,
                              const std::string& status, const std::string& note, Respond done);

  // Centre node, relay: central's answers to relayed entries. Sent ones still "received" become
  // "forwarded" (history and change log); refused ones keep central's answer. When central's
  // answer carries the application as central holds it (central_status, central_history: its
  // status "with_department" and the history the pull would bring), that is applied with the
  // forwarded entry in the same write, as apply_upstream would apply it: one status, one public
  // status and one change per application instead of two, and the pull later finds it current.
  // The states are read for the whole set at once (those not being changed in memory).
  struct RelayAnswer {
    std::int64_t seq = 0;
    std::string receipt;
    bool sent = true;
    int status = 0;
    std::string answer;
    std::string central_status;                            // empty: the answer carried no application
    std::vector<ApplicationHistoryEntry> central_history;  // at central's times, actor "central"
  };
  void relay_answered(std::vector<RelayAnswer> answers, Respond done);
  // Centre node, puller: central's statuses (history as central has it) applied to the centre's
  // applications, stored with the cursor they were read up to (meta 'upstream_cursor'). The
  // states are read for the whole page at once; an application already as central has it (the
  // relay applied central's answer) is not written again.
  struct UpstreamStatus {
    std::string receipt;
    std::string status;
    std::vector<ApplicationHistoryEntry> history;
  };
  void apply_upstream(std::vector<UpstreamStatus> statuses, std::string cursor, Respond done);
  void set_relay_wakeup(std::function<void()> wake);

  NodeRole role() const { return role_; }
  bool relaying() const { return relay_; }
  std::string node_id() const;  // the centre id, or "central"
  // Central: the catalogue of centre `id`, or null.
  const domain::Catalogue* centre_catalogue(const std::string& id) const;
  const std::map<std::string, std::shared_ptr<const domain::Catalogue>>& centres() const { return centres_; }

  // The server's hybrid logical clock (node: the centre id; drift 0, Clamp: a device clock ahead
  // never drags it past the server's wall clock). observe() merges a device's time.
  domain::HlcReceive observe_hlc(const domain::HlcTime& remote);
  domain::HlcTime hlc_now();
  // Records durably how far a device's uploads have been applied (only moves forward) and the
  // server clock's time `server_hlc`, then answers `response`.
  void record_upload(const std::string& device, std::int64_t applied_seq, const std::string& hlc,
                     const std::string& server_hlc, Response response, Respond done);

  // The change log's highest sequence number whose batch is durable: downloads never show more,
  // so a cursor never points past something a crash could take back.
  std::int64_t durable_change_seq() const { return durable_change_.load(); }
  // A cursor of the change log for `seq`: "<seq>.<history>", the history this start of the server
  // opened (ChangeEpoch). Terminals keep it as it is and send it back.
  std::string change_cursor(std::int64_t seq) const;
  // The last sequence number a cursor given in history `id` may hold and still mean what this
  // database holds (the next history's first change; no limit for the current one), or nothing
  // when this database never had that history: restored from a backup taken before it began, or
  // another server's.
  std::optional<std::int64_t> change_history_end(std::string_view id) const;

  // The relay outbox's rows by state, as durably stored: counted once at start and kept up to date
  // by each batch once it is durable, so a health answer costs no scan of the outbox.
  RelayCounts relay_counts() const {
    return RelayCounts{relay_pending_.load(), relay_sent_.load(), relay_refused_.load()};
  }

  // When each terminal was last heard from and what its outbox holds, by its reports (in memory;
  // authenticate_device records every request); the relay's view of central.
  DeviceActivity& activity() { return activity_; }
  UpstreamLink& upstream_link() { return upstream_link_; }

  EventFeed& feed() { return feed_; }
  ReadPool& reads() { return reads_; }
  // The scanned files: their own file, connection and thread (not the group-commit writer's).
  AttachmentStore& attachments() { return *attachments_; }
  GroupCommitter::Stats commit_stats() const { return committer_->stats(); }

  // Lets the transport gather the answers of one committed batch and hand them to its threads
  // together (one wake-up per batch instead of one per answer). Both run on the writer thread,
  // around the answers of each batch.
  void set_answer_hooks(std::function<void()> begin, std::function<void()> end);

  // Stops taking writes and waits until everything submitted is durable.
  void shutdown();

 private:
  struct InFlight {
    std::string fingerprint;
    std::vector<Respond> waiters;
  };
  enum class Begin { Proceed, Handled };
  Begin begin_idempotent(const std::string& device, const IdempotencyKey& key, const Respond& done);
  // `recorded_as` is the id of the stored record when the answer was stored.
  void finish_idempotent(const std::string& device, const IdempotencyKey& key, const Response& response,
                         std::optional<std::int64_t> recorded_as);
  void after_failure(const std::string& error);
  // The device's record, from a one-second cache or the database (throws store::DbError).
  std::optional<DeviceRecord> device_record(const std::string& id);
  void restore(Repository& repo);
  void run_auth_worker();
  void stop_threads();
  std::string next_device_id(Repository& repo, DeviceKind kind);  // under enroll_mu_
  // Applications being changed: their latest state, in memory until the writes are durable, so
  // a second change of the same application builds on the first. Under mu_. `record` is the whole
  // row (app_state) or what status changes use (app_states: receipt, service, dates, status, times,
  // centre, department): a status change never needs the citizen's form read back.
  struct AppState {
    ApplicationRecord record;
    std::vector<ApplicationHistoryEntry> history;
    int pending = 0;  // writes not yet answered
  };
  std::optional<AppState> app_state(const std::string& receipt);  // under mu_
  // The states of `receipts`: from memory when being changed, the others read from the database
  // in one pass over the set. Unknown receipts are absent.
  std::unordered_map<std::string, AppState> app_states(const std::vector<std::string>& receipts);  // under mu_
  // Central's status and history applied to `state` as the centre takes them: the entries past
  // the centre's own, central's status, updated at the last entry. False when nothing changes.
  static bool apply_central(AppState& state, const std::string& status,
                            const std::vector<ApplicationHistoryEntry>& history,
                            std::vector<ApplicationHistoryEntry>& added);
  void stage_app(AppState state, Mutation& m);  // under mu_
  void release_apps(const std::vector<std::string>& receipts);
  // `stored`: the receipts of a batch found stored, read once for the batch under the same hold
  // of mu_ (null: this receipt is looked up alone).
  std::optional<Response> reserve_receipt(const std::string& receipt, Mutation& m,
                                          const std::unordered_set<std::string>* stored);  // under mu_
  // The filing's rows and answer, staged in `m` (the op of file_application, and of each relayed filing in
  // file_applications).
  std::optional<Response> stage_filing(const ApplicationRecord& record, domain::Instant now, Mutation& m,
                                       const std::unordered_set<std::string>* stored = nullptr);  // under mu_
  // Central: takes the record (left as it was when the receipt is refused).
  std::optional<Response> stage_relayed(ApplicationRecord&& record, std::int64_t received_ms, domain::Instant now,
                                        Mutation& m,
                                        const std::unordered_set<std::string>* stored = nullptr);  // under mu_
  void wake_relay();
  void check_pin(AuthDevice device, std::string operator_id, std::string pin, std::string counter, Respond done);

  std::shared_ptr<const domain::Catalogue> catalogue_;
  std::shared_ptr<const Clock> clock_;
  std::function<std::int64_t()> wall_;
  ThrottlePolicy throttle_;
  std::chrono::milliseconds session_lifetime_;
  std::string catalogue_json_;
  ReadPool reads_;
  EventFeed feed_;
  DeviceActivity activity_;
  UpstreamLink upstream_link_;
  NodeRole role_ = NodeRole::Centre;
  std::map<std::string, std::shared_ptr<const domain::Catalogue>> centres_;
  bool relay_ = false;
  std::mutex relay_wake_mu_;
  std::function<void()> relay_wake_;

  // Queue state: guarded by mu_.
  mutable std::mutex mu_;
  std::optional<domain::Queue> queue_;
  std::uint64_t next_seq_ = 0;
  std::unordered_map<std::string, AppState> apps_;
  // Centre node: applications whose central status a relay answer applied, with that status and
  // the length of the history it left, until the pull reads them from central: the pull finds
  // them current without reading their state back. Dropped when the pull changes them or a batch
  // fails; emptied when it grows past kCentralCurrentMax (the pull then reads, as before).
  std::unordered_map<std::string, std::pair<std::string, std::size_t>> central_current_;
  static constexpr std::size_t kCentralCurrentMax = 100000;

  // Sessions: guarded by sessions_mu_.
  mutable std::mutex sessions_mu_;
  std::unordered_map<std::string, AuthSession> sessions_;
  std::unordered_set<std::string> known_operators_;  // operator_known's finds, under sessions_mu_

  // PIN throttling: guarded by throttle_mu_.
  std::mutex throttle_mu_;
  std::unordered_map<std::string, PinFailures> failures_;
  std::set<std::string> checking_;  // operators with a PIN check running

  // Enrollment: guarded by enroll_mu_. A code being used is in enrolling_ until its answer is
  // durable, so two requests with one code are never both accepted; an id being given out is in
  // reserved_ids_ so that two enrollments never pick the same one.
  EnrollThrottle enroll_throttle_;
  std::mutex enroll_mu_;
  std::set<std::string> enrolling_;
  std::set<std::string> reserved_ids_;

  // Idempotency: guarded by idem_mu_.
  std::mutex idem_mu_;
  std::unordered_map<std::string, InFlight> in_flight_;
  std::unordered_multimap<std::uint64_t, std::int64_t> key_index_;  // hash of device+key → record id

  // Device records, re-read after kDeviceCacheTime so a revocation takes effect within it.
  struct CachedDevice {
    DeviceRecord record;
    std::chrono::steady_clock::time_point fetched;
  };
  static constexpr std::chrono::seconds kDeviceCacheTime{1};
  std::mutex devices_mu_;
  std::unordered_map<std::string, CachedDevice> devices_;

  // Writer-thread only: events of the batch being committed, published after it.
  std::shared_ptr<FeedBatch> feed_batch_;
  // Writer-thread only: the change log's last sequence number given, the highest of the batch
  // being built, and the queue days whose row the batch moves (to their last event).
  std::int64_t change_seq_ = 0;
  std::int64_t batch_change_max_ = 0;
  std::map<std::string, std::uint64_t> batch_queue_days_;
  std::atomic<std::int64_t> durable_change_{0};
  // The change log's histories, oldest first, and this start's own (set before serving, then read
  // only). At most kKeptChangeEpochs are kept: a cursor older than that is read again from 0.
  static constexpr int kKeptChangeEpochs = 1000;
  std::string change_epoch_;
  std::vector<ChangeEpoch> change_epochs_;
  // Relay outbox totals (see relay_counts()): changed only by the answering thread, in commit order.
  std::atomic<std::int64_t> relay_pending_{0};
  std::atomic<std::int64_t> relay_sent_{0};
  std::atomic<std::int64_t> relay_refused_{0};

  // Receipts being filed (in flight, not yet durable): guarded by receipts_mu_.
  std::mutex receipts_mu_;
  std::set<std::string> receipts_in_flight_;

  std::mutex hlc_mu_;
  std::unique_ptr<domain::Hlc> hlc_;

  std::mutex answer_hooks_mu_;
  std::function<void()> answers_begin_, answers_end_;
  std::function<void()> batch_answers_end_;  // writer thread: the end hook of the batch being answered

  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<AttachmentStore> attachments_;

  // PIN checks run here, one at a time, so argon2id's memory stays bounded.
  std::mutex auth_mu_;
  std::condition_variable auth_cv_;
  std::deque<std::function<void()>> auth_jobs_;
  bool auth_stop_ = false;
  std::thread auth_thread_;
  std::once_flag shutdown_once_;
};

// Allowed status changes at central: from → the statuses it may become.
const std::map<std::string, std::vector<std::string>>& application_transitions();

// The HTTP status and error body for a refused queue operation (404 for unknown ids, 409 for rules).
Response queue_error_response(const domain::QueueError& error);

}  // namespace guichet::server
