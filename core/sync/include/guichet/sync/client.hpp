// Terminal side of the protocol: an HTTP client for the centre server (Boost.Beast), the terminal's
// outbox (every write goes to local SQLite first, with an idempotency key), a sync engine that
// drains the outbox in the background with backoff, and a live-feed (SSE) reader.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "guichet/domain/hlc.hpp"
#include "guichet/store/sqlite.hpp"
#include "guichet/sync/protocol.hpp"

namespace guichet::sync {

// What a terminal last found of its receipt printer, set by the thread that talks to the printer
// and read by every request to the centre (its X-Guichet-Printer header). Thread-safe.
class PrinterReporter {
 public:
  using Clock = std::chrono::steady_clock;
  // A state of sync::valid_printer_state, found at `checked`; any other word is not kept. True
  // when it is news: the first state found, or another than the last (worth saying at once).
  bool found(std::string_view state, Clock::time_point checked = Clock::now());
  // The last state found and how long ago, or nullopt before the first look.
  std::optional<PrinterReport> report(Clock::time_point now = Clock::now()) const;

 private:
  mutable std::mutex mu_;
  std::string state_;
  Clock::time_point checked_{};
};

struct ServerEndpoint {
  std::string base_url;  // "http://127.0.0.1:8080"
  std::string device_id;
  std::string device_secret;
  // The terminal's data folder, when set: each request says the disk space left there (its
  // X-Guichet-Disk header, read from the file system as the request is made).
  std::string storage_dir{};
  // The terminal's printer, when it has one: each request says its last state (X-Guichet-Printer).
  std::shared_ptr<const PrinterReporter> printer{};
};

// The X-Guichet-Disk value for the endpoint's storage_dir ("free-mib=20480"), or "" when it names
// none or the file system cannot say.
std::string disk_report_of(const ServerEndpoint& endpoint);
// The X-Guichet-Printer value for the endpoint's printer ("state=ready, checked-age=12"), or ""
// without a printer or before the terminal first looked at it.
std::string printer_report_of(const ServerEndpoint& endpoint);

struct HttpResponse {
  int status = 0;  // 0 = no response (connection refused, timeout, …)
  std::string body;
  std::string transport_error;  // set when status == 0
  int retry_after_seconds = 0;  // the server's Retry-After header (429), 0 if absent
  // No answer because no connection carried the request: one could not be made (refused,
  // unreachable, timed out), or one made for it was closed or reset before a byte of the answer
  // (a link or a proxy that turns connections away, a server going down). Not set for a timeout
  // on a connection that took the request, nor for a cancel.
  bool unreachable = false;
  bool ok() const { return status >= 200 && status < 300; }
  // The server's error message from {"error":{"message":…}}, or a transport description.
  std::string error_message() const;
  // The server's error code from {"error":{"code":…}} ("nothing_waiting", …), or "" if none.
  std::string error_code() const;
  // For a log line: "no answer: <transport error>" or "status 503" with ", <code>" when the
  // server gave one. Never the server's message, which may quote what a citizen typed.
  std::string outcome() const;
  // 4xx: the server refused the request for good; sending it again cannot succeed.
  bool refused() const { return status >= 400 && status < 500 && status != 408; }
  // No answer, a timeout or a server-side failure: the same request may succeed later.
  bool transient() const { return status == 0 || status == 408 || status >= 500; }
};

struct RequestOptions {
  std::string idempotency_key;  // "device:seq" for writes
  std::string bearer;           // operator session
  std::chrono::milliseconds timeout{3000};
  // When set and it becomes true, a request in progress is abandoned (as a transport error).
  const std::atomic<bool>* cancel = nullptr;
  // More request headers, "Name: value" (e.g. "X-Guichet-Protocol: 1").
  std::vector<std::string> headers;
};

// What a client's connections do, as it happens, for another thread to read while a request is
// out: a watch (StallWatch) tells by it a slow transfer that moves from a dead connection, and a
// connection whose path died from a server slow to answer.
struct ConnectionActivity {
  // Bytes sent and received so far, over every connection.
  std::atomic<std::uint64_t> bytes{0};
  // When `bytes` last grew (std::chrono::steady_clock, its count since its epoch).
  std::atomic<std::int64_t> moved_at{0};
  // While an answer is awaited under a cancel flag: how many retransmission timeouts in a row the
  // connection's oldest unacknowledged bytes have met (TCP_INFO, read every 20 ms; 0 when all it
  // sent was acknowledged, or it is closed). A server slow to answer still acknowledges.
  std::atomic<std::uint32_t> unacked_resends{0};
};

// One blocking HTTP/1.1 client (keeps its connection alive). Not thread-safe: one per thread.
class ApiClient {
 public:
  explicit ApiClient(ServerEndpoint endpoint);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  HttpResponse get(const std::string& path, const RequestOptions& options = {});
  HttpResponse post(const std::string& path, const json& body, const RequestOptions& options = {});
  HttpResponse del(const std::string& path, const RequestOptions& options = {});
  // Any method with a body given as text (an outbox entry is replayed byte for byte).
  HttpResponse send(const std::string& method, const std::string& path, const std::string& body,
                    const RequestOptions& options = {});
  const ServerEndpoint& endpoint() const { return endpoint_; }

  // Pipelining (HTTP/1.1): requests sent one behind another on the kept connection without
  // waiting for the answers, which are read back in the order the requests were sent. begin()
  // starts sending and returns at once (the writes go on while receive() reads); receive()
  // returns the oldest begun request's answer. The body's text must stay alive until its answer
  // has been received (or the request abandoned). When the connection fails, the request being
  // answered fails with the reason and every one begun behind it fails too (status 0): the
  // caller sends them again. The send, get, post and del calls give up any begun request first.
  void begin(const std::string& method, const std::string& path, const std::string& body,
             const RequestOptions& options = {});
  HttpResponse receive();
  std::size_t outstanding() const;  // begun and not yet received
  void abandon();                   // every begun request given up, and the connection closed
  // What its connections do, for a watch on another thread while a request is out (StallWatch).
  const ConnectionActivity& activity() const;

 private:
  HttpResponse perform(const std::string& method, const std::string& path, const std::string* body,
                       const RequestOptions& options);
  void start(const std::string& method, const std::string& path, const std::string* body,
             const RequestOptions& options);
  ServerEndpoint endpoint_;
  struct Impl;  // the connection (http_connection.hpp)
  std::unique_ptr<Impl> impl_;
};

enum class OutboxState { Pending, Done, Failed };

// valid_outbox_kind (the kinds of outbox entries) is in protocol.hpp: the server checks them too.
// The kind of an entry appended without one, from its request: "token.issue" (POST
// /api/v1/tokens), "token.cancel", "counter.call_next" and the other counter actions,
// "session.open", "session.close", "admin.day_close"; "request" for anything else.
std::string default_outbox_kind(std::string_view method, std::string_view path);

struct OutboxEntry {
  std::int64_t seq = 0;  // per-device sequence; idempotency key is "device:seq"
  std::string kind;      // "token.issue" (see valid_outbox_kind)
  domain::HlcTime hlc;   // the device's hybrid logical clock when the entry was written
  std::string method;    // "POST"
  std::string path;      // "/api/v1/tokens"
  std::string body;      // JSON text
  std::string bearer;    // operator session at the time of the action (may be empty)
  std::int64_t created_ms = 0;
  OutboxState state = OutboxState::Pending;
  int attempts = 0;
  int response_status = 0;
  std::string response_body;
  std::string last_error;  // why the last attempt got no final answer (transport error or 5xx)

  // The server's answer as an HttpResponse (status 0 while still pending).
  HttpResponse response() const;
};

const char* to_string(OutboxState);

struct OutboxOptions {
  // First sequence number of a new outbox file; 0 = the clock's Unix milliseconds at creation.
  // Seeding from the clock keeps keys unique for a device whose data directory was wiped and
  // recreated: the server answers a reused key with its first response, so a restart from 1
  // would silently turn new actions into replays of old ones.
  std::int64_t first_seq = 0;
  store::Durability durability = store::Durability::Full;
  // The outbox's hybrid logical clock (its node is the device id).
  domain::HlcOptions hlc;
  // The terminal's wall clock, Unix milliseconds (null: the system's): the clock's physical part
  // and the times rows are written at.
  domain::Hlc::PhysicalClock wall_clock;
};

// The terminal's outbox in its SQLite file. Entries are durable before they are sent; they leave
// the Pending state only when the server answered (2xx → Done, 4xx → Failed: refused for good).
//
// Every entry carries a kind and a time from the outbox's hybrid logical clock. The last time the
// clock gave is stored in the same transaction as the entry, so the clock never goes backwards,
// across restarts too, even when the terminal's wall clock does. Files from before kinds and
// clock times are upgraded in place when opened: their entries get the kind of their request and
// clock times in sequence order from their creation times.
class Outbox {
 public:
  // Opens or creates the outbox in `db_path`. Throws store::DbError if the file cannot be opened,
  // is damaged, or belongs to another device (its keys would collide with that device's). The
  // device id must also be a clock node id (letters, digits, '.', '_', '-'; up to 64).
  Outbox(const std::string& db_path, std::string device_id);
  Outbox(const std::string& db_path, std::string device_id, const OutboxOptions& options);
  const std::string& device_id() const { return device_id_; }
  std::string idempotency_key(std::int64_t seq) const { return device_id_ + ":" + std::to_string(seq); }

  // Writes one entry, durably, with the next clock time (`now_ms` is the physical reading). An
  // empty `kind` is default_outbox_kind(method, path); any other must be valid_outbox_kind, or
  // std::invalid_argument is thrown and nothing is written.
  OutboxEntry append(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& bearer, std::int64_t now_ms, const std::string& kind = {});
  // Named values (see set_meta) set, or removed when nullopt, in the transaction that writes the
  // entry: both are written or neither. A terminal drops the draft it files this way, so that after
  // a crash it finds either the draft or the filing, never both.
  using MetaChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;
  OutboxEntry append(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& bearer, std::int64_t now_ms, const std::string& kind, const MetaChanges& meta);
  std::vector<OutboxEntry> pending(int limit = 100);
  // The newest pending entry of `kind` whose body is a JSON object holding the string `value` under
  // its top-level key `field` (a filing by its receipt number), however many entries are pending
  // before or after it; nullopt when there is none. A body that is not JSON never matches. A
  // `field` with a '"' or '\\' throws std::invalid_argument.
  std::optional<OutboxEntry> find_pending(const std::string& kind, const std::string& field, const std::string& value);
  std::optional<OutboxEntry> get(std::int64_t seq);
  // The entries from `first_seq` to `last_seq` (both included), in order, in one read.
  std::vector<OutboxEntry> entries(std::int64_t first_seq, std::int64_t last_seq);
  void complete(std::int64_t seq, int status, const std::string& body);  // Done or Failed by status
  // Rewrites a pending entry in place, durably: same seq (so the same idempotency key), clock time
  // and place in the order; a new body and kind (empty: kept). This is how a terminal withdraws an
  // action it gave up on before the server answered (the kiosk's token request: the server is then
  // told not to issue it). False, and nothing changes, when the entry is no longer pending
  // (answered meanwhile) or unknown. An engine may be sending the old body at that very moment:
  // the server then answers that one, under the same key. A kind that is not valid_outbox_kind
  // throws std::invalid_argument, nothing written.
  bool rewrite_pending(std::int64_t seq, const std::string& body, const std::string& kind = {});
  // Several answers in one transaction (one commit for a whole uploaded batch). A transient status
  // (0, 408, 5xx) leaves its entry pending with the error, as complete() does.
  struct Answer {
    std::int64_t seq = 0;
    int status = 0;
    std::string body;
  };
  void complete_many(const std::vector<Answer>& answers);
  // The end of one upload of a batch, all in one transaction (one commit, one WAL sync): the
  // attempt counted for every pending entry from `first_seq` to `last_seq` (the leading run of
  // pending entries that went up); `answers` recorded as complete_many does (final answers only,
  // in order); `error` (when not empty) kept on `error_seq`, which stays pending; and
  // `server_hlc` (when set) merged into the clock as observe() does. Nothing is written when it
  // throws.
  struct UploadResult {
    std::int64_t first_seq = 0;
    std::int64_t last_seq = 0;
    std::vector<Answer> answers;
    std::int64_t error_seq = 0;
    std::string error;
    std::optional<domain::HlcTime> server_hlc;
    std::int64_t now_ms = 0;  // the physical clock reading for server_hlc
  };
  void record_upload(const UploadResult& result);
  void record_attempts(const std::vector<std::int64_t>& seqs);  // one transaction
  void record_attempt(std::int64_t seq);
  // Keeps why the last attempt failed (transport error, 5xx); the entry stays Pending.
  void record_error(std::int64_t seq, const std::string& error);
  std::int64_t pending_count();
  // What the terminal tells the centre with each upload (X-Guichet-Outbox): the entries pending
  // and the age of the oldest, by this outbox's wall clock.
  OutboxReport report();
  // Entries refused by the server (kept with its message), newest first.
  std::vector<OutboxEntry> failed(int limit = 100);
  // Small named values kept in the same file, durably (e.g. the live feed's last event id, so a
  // restarted terminal resumes the feed where it stopped).
  std::optional<std::string> get_meta(const std::string& name);
  void set_meta(const std::string& name, const std::string& value);
  void remove_meta(const std::string& name);

  // The next application receipt number of this device, "<centre>-<device>-<n>" (n zero-padded
  // to 6 digits, more when needed: "LDH01-K1-000042"). The counter is kept in this file (named
  // value "application_no") and moved forward durably before the number is returned, so a number
  // is never given twice, across crashes too (one lost before its entry was written leaves a
  // gap, never a duplicate). The centre id must be 1 to 32 letters, digits, '_' or '-', or
  // std::invalid_argument is thrown and nothing changes; a damaged stored counter is a
  // store::DbError.
  std::string next_application_receipt(const std::string& centre_id);

  // The outbox's clock. observe() merges a time received from the server (a receive event), so
  // that the entries written after it are ordered after it; the result is stored durably.
  domain::HlcTime last_hlc();
  domain::HlcReceive observe(const domain::HlcTime& remote, std::int64_t now_ms);

 private:
  void save_hlc();                                                                    // under mu_, inside a transaction
  void write_meta(const std::string& name, const std::optional<std::string>& value);  // under mu_
  // Final answers recorded, transient ones' errors kept (under mu_, inside a transaction).
  void write_answers(const std::vector<Answer>& answers, std::int64_t now_ms);
  // A statement of the sending path, prepared on first use and reused after (under mu_).
  store::Statement& reuse(std::size_t slot, const char* sql);
  std::unique_ptr<store::Db> db_;
  std::array<std::optional<store::Statement>, 5> statements_;  // destroyed before db_
  std::string device_id_;
  std::mutex mu_;
  domain::Hlc::PhysicalClock clock_;  // the terminal's wall clock (OutboxOptions::wall_clock)
  std::unique_ptr<domain::Hlc> hlc_;
};

struct SyncOptions {
  std::chrono::milliseconds request_timeout{3000};
  // Protocol v1: batchable entries (sync::batchable_write) go up in batches through
  // POST /api/v1/sync/upload, up to this many per round trip (at most kMaxUploadEntries), each
  // batch with its own timeout. A server without the endpoint (404/405) gets one request per
  // entry, as do entries that are not batchable.
  bool batch_upload = true;
  std::size_t batch_entries = 200;
  std::chrono::milliseconds upload_timeout{15000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{2000};  // a healed network is noticed within this
  // A request with no answer after stall_probe_after is watched (StallWatch, stall_watch.hpp): the
  // server's health is asked every link_probe on a fresh connection. A request out while the link
  // went and came back (its connection may be dead without a reset: an access point or a switch
  // that restarted) is given up and sent again at once on a new connection, as is one whose bytes
  // met two retransmission timeouts unacknowledged while a probe is answered (its connection's
  // path died while the link lives: about a second on the centre's network), and one still
  // without an answer after unanswered_limit while the server answers probes; the server answers
  // the copy from its idempotency records. Zero stall_probe_after: not watched (a request waits out its
  // timeout, up to upload_timeout).
  std::chrono::milliseconds stall_probe_after{750};
  std::chrono::milliseconds link_probe{250};
  std::chrono::milliseconds unanswered_limit{4000};
  // The cap of the backoff while the server refuses the device's credentials (401): such a
  // refusal may last (credentials being rotated, a database restored from a backup), so the
  // engine asks less often than after a network failure. A new write still wakes it at once.
  std::chrono::milliseconds refused_backoff_max{30000};
  // The terminal's wall clock, Unix milliseconds (null: the system's), as the outbox's: the time of
  // what submit() writes and of the server's answers the outbox's clock observes.
  domain::Hlc::PhysicalClock wall_clock;
};

// Why the centre server refuses the device itself, whatever it sends (SyncEngine::device_refusal).
enum class DeviceRefusal {
  None,
  // 401: the server does not recognise the device's credentials. It may be a mistake on the
  // server's side (a database restored from a backup, credentials being rotated): the entries are
  // kept and sent again with backoff.
  Unauthenticated,
  // 403 device_revoked: the device was revoked. Nothing is sent until the engine is started anew
  // (a restart of the terminal, new credentials); the entries are kept.
  Revoked,
};

// The rules by which an answer refuses the device itself rather than one request, shared by the
// sync engine and the attachment uploader: 403 `device_revoked` is Revoked; a 401 is
// Unauthenticated when `any_401` (a request that carries no operator session: an upload batch, a
// file) or when its code is `unauthenticated` (an entry's own 401 may be about its operator
// session, `no_session`: that one is the entry's). None otherwise.
DeviceRefusal device_refusal_of(const HttpResponse& response, bool any_401);
// The sentence for people: what happened, what is kept (`kept`: "action", "scanned file") and
// whom to ask. `said` is the server's message.
std::string device_refusal_sentence(DeviceRefusal kind, const std::string& said, const std::string& kept);

class StallWatch;

// Drains the outbox on its own thread: sends pending entries in order with their idempotency keys
// (in protocol v1 batches where it can), retries transport failures and 5xx with exponential
// backoff (capped), never waits for a new local write. A server that refuses the protocol version
// (400 unsupported_protocol) stops the engine's sending, with the reason in protocol_refusal():
// retrying cannot help, a software update is needed. A server that refuses the device itself (401
// for its credentials, 403 device_revoked) is told apart from a refusal of one entry: every entry
// stays pending, the reason is in device_refusal(), and the engine sends again with backoff (401)
// or stops sending until it is started anew (revoked).
class SyncEngine {
 public:
  using Completion = std::function<void(const OutboxEntry&)>;  // called on the engine's thread

  SyncEngine(Outbox& outbox, ServerEndpoint endpoint);
  SyncEngine(Outbox& outbox, ServerEndpoint endpoint, const SyncOptions& options);
  ~SyncEngine();
  void start();
  void stop();

  // Writes the action to the outbox (durable), wakes the engine, returns the entry. `kind` as in
  // Outbox::append (empty: from the request).
  OutboxEntry submit(const std::string& method, const std::string& path, const json& body,
                     const std::string& bearer = {}, const std::string& kind = {});
  // Like submit, then waits up to `timeout` for the server's answer. If the server is not
  // reachable in time the entry stays in the outbox and is sent later; the result says so.
  OutboxEntry submit_and_wait(const std::string& method, const std::string& path, const json& body,
                              const std::string& bearer, std::chrono::milliseconds timeout,
                              const std::string& kind = {});

  // Sends now what was appended to the outbox directly (not through submit), and ends a retry
  // backoff early (the network is known to be back). Never stops a round in progress.
  void wake();
  void on_complete(Completion callback);
  bool online() const { return online_.load(); }
  // The server and credentials it sends to (for requests that do not go through the outbox).
  const ServerEndpoint& endpoint() const { return endpoint_; }
  // Why the engine stopped sending (the server speaks another protocol version), or empty.
  std::string protocol_refusal() const;
  // Why the centre server refuses this device (for people: what happened and whom to ask), or
  // empty. Set by a 401 to an upload or an entry's 401 `unauthenticated` (the entries are kept and
  // sent again with backoff, up to refused_backoff_max; cleared by the next answer that is not
  // such a refusal) and by a 403 `device_revoked` (nothing is sent until the engine is started
  // anew; the entries are kept).
  std::string device_refusal() const;
  DeviceRefusal device_refusal_kind() const;
  // Round trips to POST /api/v1/sync/upload so far (for tests and diagnostics).
  std::uint64_t uploads() const { return uploads_.load(); }
  // Requests given up while out because the link came back under them (see stall_probe_after).
  std::uint64_t resent_after_stall() const;
  std::int64_t backlog() { return outbox_.pending_count(); }
  // Waits until the outbox has nothing pending and the completion callbacks of what was answered
  // have run; false if `timeout` passed first. Not from a completion callback.
  bool wait_drained(std::chrono::milliseconds timeout);

 private:
  void run();
  // Sends pending entries in order; false when one got no final answer (stop and back off).
  bool drain(ApiClient& client, std::chrono::milliseconds& backoff);
  // One entry on its own; false when it got no final answer.
  bool send_one(ApiClient& client, const OutboxEntry& entry, std::chrono::milliseconds& backoff);
  enum class Upload { Progress, NoAnswer, SendFirstAlone, Unsupported, Refused, DeviceRefused };
  Upload upload(ApiClient& client, const std::vector<OutboxEntry>& entries, std::chrono::milliseconds& backoff);
  void notify_done(const OutboxEntry& entry);
  // Whether `response` refuses the device rather than the request (`upload`: the answer to a whole
  // batch, where any 401 is about the device). When it does, the refusal is kept for
  // device_refusal() and its sentence returned; otherwise an earlier 401 is forgotten (the
  // credentials were accepted) and "" returned.
  std::string note_device_refusal(const HttpResponse& response, bool upload);
  // Sending cannot go on until the engine is started anew (protocol refused, device revoked).
  bool halted() const;
  // One request, under the stall watch when there is one; `given_up` says why the watch gave it up.
  HttpResponse send(ApiClient& client, const std::string& method, const std::string& path, const std::string& body,
                    RequestOptions request, std::string& given_up);
  // The answered entries of an upload, from `first_seq` to `last_seq`: one wake-up for waiters,
  // then the completion callbacks of each in order (read back from the outbox in one read).
  void notify_answered(std::int64_t first_seq, std::int64_t last_seq);
  Outbox& outbox_;
  ServerEndpoint endpoint_;
  SyncOptions options_;
  // The terminal's wall clock (SyncOptions::wall_clock, else the system's), Unix milliseconds.
  std::int64_t wall_ms() const;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::atomic<bool> online_{false};
  std::vector<Completion> callbacks_;
  std::condition_variable done_cv_;
  std::uint64_t done_generation_ = 0;  // bumped on every answered entry and every failed round
  // A round of sending is under way: entries it answered may not have had their callbacks yet.
  bool draining_ = false;
  std::uint64_t failed_rounds_ = 0;    // rounds that ended without an answer (offline, 5xx)
  std::atomic<bool> abort_{false};     // set by stop(): abandons a request in flight
  std::unique_ptr<StallWatch> watch_;  // null when stall_probe_after is zero
  bool resend_now_ = false;            // engine thread: a request was given up by the watch
  bool batches_unsupported_ = false;   // engine thread: the server has no upload endpoint
  mutable std::mutex refusal_mu_;
  std::string protocol_refusal_;
  DeviceRefusal device_refusal_kind_ = DeviceRefusal::None;
  std::string device_refusal_;
  std::atomic<std::uint64_t> uploads_{0};
};

// One server-sent event, as framed on the wire.
struct SseMessage {
  std::string id;     // the `id:` field ("" if the event had none)
  std::string event;  // the `event:` field ("message" if absent)
  std::string data;   // `data:` lines joined with "\n"
};

// Incremental parser of a text/event-stream body (WHATWG HTML, server-sent events): bytes may
// arrive split anywhere; lines end in LF, CRLF or CR; comment lines (":…") are ignored.
class SseParser {
 public:
  using Sink = std::function<void(const SseMessage&)>;
  explicit SseParser(Sink sink) : sink_(std::move(sink)) {}
  void feed(std::string_view bytes);
  void reset();  // a new connection: drops a half-received event
  // The reconnection delay the server asked for with `retry:`, 0 if none.
  int retry_ms() const { return retry_ms_; }

 private:
  void line(std::string_view l);
  void dispatch();
  Sink sink_;
  std::string buf_;
  bool last_was_cr_ = false;
  std::string id_, event_, data_;
  bool has_data_ = false;
  int retry_ms_ = 0;
};

struct EventStreamOptions {
  std::string path = "/api/v1/events";
  // The server sends a keep-alive comment every 15 s; silence this long means a dead connection.
  std::chrono::milliseconds idle_timeout{45000};
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds reconnect_initial{200};
  std::chrono::milliseconds reconnect_max{3000};
};

// Reads the server's live feed (GET /api/v1/events) on its own thread and reconnects with
// Last-Event-ID after any failure, so no event is missed.
class EventStream {
 public:
  using Handler = std::function<void(const WireEvent&)>;  // called on the stream's thread
  // Connection changes: connected, or disconnected with the reason. On the stream's thread.
  using StatusHandler = std::function<void(bool connected, const std::string& detail)>;
  EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id = 0);
  EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id, const EventStreamOptions& options);
  void on_status(StatusHandler handler);  // before start()
  ~EventStream();
  void start();
  void stop();
  bool connected() const { return connected_.load(); }
  std::uint64_t last_event_id() const { return last_id_.load(); }
  int connections() const { return connections_.load(); }  // successful connects so far

 private:
  void run();
  // One connection; returns why it ended.
  std::string connect_once();
  void set_connected(bool connected, const std::string& detail);
  ServerEndpoint endpoint_;
  Handler handler_;
  EventStreamOptions options_;
  StatusHandler status_;
  struct Io;  // the stream thread's I/O (event_stream.cpp)
  std::unique_ptr<Io> io_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> last_id_{0};
  std::atomic<int> connections_{0};
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
};

}  // namespace guichet::sync
