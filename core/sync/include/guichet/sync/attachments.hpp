// Scanned files on a terminal (docs/sync.md, "Attachments"): the terminal's own SQLite file of
// them (`attachments.sqlite`, next to its outbox), each file kept once by its SHA-256 and written
// durably before any filing that names it goes to the outbox; and an uploader that PUTs every file
// not yet sent to the centre node (PUT /api/v1/attachments/{sha256}) on its own thread, in the
// order the files were stored, with capped exponential backoff, as the sync engine drains the
// outbox.
#pragma once

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
#include <vector>

#include "guichet/store/sqlite.hpp"
#include "guichet/sync/client.hpp"

namespace guichet::sync {

// The largest file the centre takes (8 MiB), and the media types it takes.
inline constexpr std::int64_t kMaxAttachmentBytes = 8 * 1024 * 1024;
bool valid_attachment_media_type(std::string_view media_type);
// 64 lower-case hex digits.
bool valid_sha256_hex(std::string_view text);
// The SHA-256 of `bytes`, 64 lower-case hex digits.
std::string sha256_hex(const void* bytes, std::size_t size);
inline std::string sha256_hex(const std::vector<std::uint8_t>& bytes) { return sha256_hex(bytes.data(), bytes.size()); }

enum class AttachmentState {
  Pending,  // waiting to be sent (never sent, or no final answer yet)
  Sent,     // the centre node has the bytes (201 new, 200 already)
  Refused,  // the centre refused them (4xx other than a refusal of the device): kept, not sent again
};
const char* to_string(AttachmentState state);

struct AttachmentInfo {
  std::int64_t seq = 0;  // order stored
  std::string sha256;
  std::string media_type;
  std::int64_t bytes = 0;
  std::int64_t stored_ms = 0;
  AttachmentState state = AttachmentState::Pending;
  int attempts = 0;
  int response_status = 0;   // the final answer's status (Sent, Refused), else 0
  std::string message;       // Refused: the server's words; Pending: why the last attempt failed
  bool content_kept = true;  // false once the bytes of a sent file were dropped (drop_sent_content)
};

struct AttachmentStoreOptions {
  store::Durability durability = store::Durability::Full;
};

// The terminal's attachments in their SQLite file (WAL, synchronous FULL by default). Thread-safe.
class AttachmentStore {
 public:
  // Opens or creates the file. Throws store::DbError naming the file when it is damaged (its
  // header checked before SQLite opens it, then SQLite's quick check): never started afresh.
  explicit AttachmentStore(const std::string& db_path, const AttachmentStoreOptions& options = {});
  const std::string& path() const { return path_; }

  // Keeps the file, durably (committed before it returns), once: the same bytes stored again are
  // the row already there, whatever its state. A media type the centre does not take, or an
  // empty file or one over kMaxAttachmentBytes, throws std::invalid_argument and nothing is
  // written; a failure of the file throws store::DbError.
  AttachmentInfo put(const std::string& media_type, const std::vector<std::uint8_t>& bytes, std::int64_t now_ms);
  std::optional<AttachmentInfo> get(const std::string& sha256);
  std::optional<std::vector<std::uint8_t>> content(const std::string& sha256);
  // Files waiting to be sent, in the order stored, from after `after_seq`.
  std::vector<AttachmentInfo> pending(int limit = 16, std::int64_t after_seq = 0);
  std::int64_t pending_count();
  // Files the centre refused, newest first.
  std::vector<AttachmentInfo> refused(int limit = 100);

  // The attempt counted; the file stays as it is.
  void record_attempt(const std::string& sha256);
  // No final answer (transport, 5xx, a refusal of the device): stays pending, with why.
  void record_error(const std::string& sha256, const std::string& error);
  // 200/201: sent. Any other 4xx: refused with the server's message. Only a pending file changes.
  void mark_sent(const std::string& sha256, int status, std::int64_t now_ms);
  void mark_refused(const std::string& sha256, int status, const std::string& message, std::int64_t now_ms);
  // The bytes of files the centre answered as stored before `answered_before_ms` are dropped
  // (overwritten with zeros in the file, and the write-ahead log emptied); each row stays, so the same page stored
  // again is known as sent. Pending and refused files keep their bytes. Returns how many were dropped.
  int drop_sent_content(std::int64_t answered_before_ms);

 private:
  std::string path_;
  std::unique_ptr<store::Db> db_;
  std::mutex mu_;
};

struct AttachmentUploaderOptions {
  // One file of up to 8 MiB per request, on the centre's network.
  std::chrono::milliseconds request_timeout{20000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{2000};
  // While the centre refuses the device's credentials (401), as SyncOptions::refused_backoff_max.
  std::chrono::milliseconds refused_backoff_max{30000};
  // While idle the uploader is woken by wake(); this slow poll covers files stored by another
  // program.
  std::chrono::milliseconds idle_poll{10000};
  // Files sent per round at most before the uploader looks at stop() and the store again.
  int files_per_round = 256;
  // The watch over a file out on a connection the link may have killed (StallWatch, as
  // SyncOptions' for uploads): watched once its connection moved nothing for stall_probe_after
  // (0: no watch), the centre's health asked every link_probe on a fresh connection, and sent again
  // on a new connection once the link came back under it, once what it sent met two
  // retransmission timeouts unacknowledged while a probe is answered (its connection's path died),
  // or once it went unanswered for unanswered_limit while every probe is answered. A transfer
  // that moves is never given up.
  std::chrono::milliseconds stall_probe_after{750};
  std::chrono::milliseconds link_probe{250};
  std::chrono::milliseconds unanswered_limit{4000};
};

// PUTs pending files to the centre node on its own thread, one at a time, in the order stored,
// with the device's credentials. 200/201: sent. A refusal of the device itself (401, 403
// device_revoked: SyncEngine's rules, device_refusal_of()) keeps every file pending: sent again
// with backoff (401) or not until the uploader is started anew (revoked). Any other 4xx: the file
// is kept, marked refused with the server's message, and the next one goes. No answer, 408 or 5xx:
// the round stops (nothing behind the file overtakes it) and is tried again after the backoff.
class AttachmentUploader {
 public:
  using Listener = std::function<void()>;  // on the uploader's thread, after each answer or failed round

  AttachmentUploader(AttachmentStore& store, ServerEndpoint endpoint, const AttachmentUploaderOptions& options = {});
  ~AttachmentUploader();
  AttachmentUploader(const AttachmentUploader&) = delete;
  AttachmentUploader& operator=(const AttachmentUploader&) = delete;

  void start();
  // Abandons a request in flight promptly and joins the thread. start() may be called again.
  void stop();
  // A new file was stored: send now (also ends a retry backoff early).
  void wake();
  void on_change(Listener listener);  // before start()

  // How many files wait to be sent (the screens' status).
  std::int64_t waiting() { return store_.pending_count(); }
  bool online() const { return online_.load(); }
  std::string device_refusal() const;
  DeviceRefusal device_refusal_kind() const;
  std::uint64_t requests() const { return requests_.load(); }  // PUTs made so far
  // Files given up while out because the link came back under them (see stall_probe_after).
  std::uint64_t resent_after_stall() const;
  // Waits until nothing is pending and no round is under way; false if `timeout` passed first.
  bool wait_drained(std::chrono::milliseconds timeout);

 private:
  void run();
  // One round, of at most files_per_round files: Failed when a file got no final answer (back
  // off), More when it stopped at the limit with files perhaps still pending.
  enum class Round { Done, More, Failed };
  Round drain(ApiClient& client, std::chrono::milliseconds& backoff);
  bool halted() const;
  void changed();

  AttachmentStore& store_;
  ServerEndpoint endpoint_;
  AttachmentUploaderOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  bool stop_ = false;
  bool wake_ = false;
  bool draining_ = false;
  std::uint64_t generation_ = 0;
  std::atomic<bool> abort_{false};
  std::atomic<bool> online_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::unique_ptr<StallWatch> watch_;  // null when options_.stall_probe_after is 0
  Listener listener_;
  mutable std::mutex refusal_mu_;
  DeviceRefusal refusal_kind_ = DeviceRefusal::None;
  std::string refusal_;
};

}  // namespace guichet::sync
