// Scanned files attached to an application's documents (docs/server.md, "Attachments"): the
// checks of a file's name (its SHA-256), media type and first bytes, and the server's own SQLite
// file of them, `attachments.sqlite`, with its own connection and thread so that storing 8 MiB
// never holds up the group-commit writer. At a relaying centre node every file stored is queued
// for central in the same transaction; the relay's file sender (attachment_relay.hpp) drains it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "guichet/server/message.hpp"
#include "guichet/store/sqlite.hpp"

namespace guichet::server {

inline constexpr std::size_t kMaxAttachmentBytes = 8 * 1024 * 1024;

// Exactly 64 lower-case hex digits.
bool valid_sha256_hex(std::string_view s);
// image/png, image/jpeg or application/pdf (exactly, as a filing names them).
bool attachment_media_type(std::string_view s);
// The media type of a Content-Type header: its parameters and blanks dropped, lower case.
std::string media_type_of(std::string_view content_type);
// Whether `bytes` begin as files of `media_type` do: the PNG signature, JPEG's FF D8 FF, "%PDF-".
bool looks_like(std::string_view media_type, std::string_view bytes);
// The SHA-256 of `bytes`, 64 lower-case hex digits (libsodium).
std::string sha256_hex(std::string_view bytes);

// {"attachment":{"sha256","media_type","bytes","stored":"new"|"already"}}, keys in that order.
std::string attachment_answer(const std::string& sha256, const std::string& media_type, std::int64_t bytes,
                              bool is_new);

struct AttachmentContent {
  std::string media_type;
  std::string bytes;
};

// A file queued for central (centre node).
struct QueuedAttachment {
  std::int64_t seq = 0;
  std::string sha256;
  std::string media_type;
  std::string bytes;
};

struct AttachmentRelayCounts {
  std::int64_t pending = 0;
  std::int64_t sent = 0;
  std::int64_t refused = 0;
};

// The SQLite file of attachments (WAL, synchronous as given: FULL by default). Tables: meta (the
// node it belongs to), attachments (sha256, media type, size, the bytes, when received, which
// device sent them), attachment_relay (centre node: the files queued for central, in order, and
// central's answers). Thread-safe.
class AttachmentStore {
 public:
  // Opens or creates `path`; its header is checked first (a damaged file is refused, never taken
  // for a new one) and so is the node it belongs to (`owner`: the centre id or "central").
  // `queue_for_central`: every file stored is queued for central in the same transaction.
  AttachmentStore(const std::string& path, const std::string& owner, bool queue_for_central,
                  store::Durability durability = store::Durability::Full);
  ~AttachmentStore();  // finishes the files being stored
  AttachmentStore(const AttachmentStore&) = delete;
  AttachmentStore& operator=(const AttachmentStore&) = delete;

  const std::string& path() const { return path_; }

  // Stores a file whose name, media type and first bytes the caller checked: on the store's
  // thread, the bytes' hash is checked against `sha256` (422 attachment_hash_mismatch), then the
  // file is stored and answered 201 once durable, or 200 when it was stored before (nothing
  // written). 503 busy when too many files wait to be stored.
  void put(std::string sha256, std::string media_type, std::string bytes, std::string device, std::int64_t now_ms,
           Respond done);
  // Stops taking files, after storing (and answering) those already taken.
  void stop();

  std::optional<AttachmentContent> content(const std::string& sha256);
  // Those of `sha256s` whose bytes are stored.
  std::set<std::string> stored(const std::vector<std::string>& sha256s);
  std::int64_t count();

  // Centre node: the oldest file queued for central and not yet answered.
  std::optional<QueuedAttachment> next_queued();
  // Central's final answer to a queued file: sent (2xx) or refused (4xx, with its message).
  void mark_queued(std::int64_t seq, bool sent, int status, const std::string& answer, std::int64_t now_ms);
  AttachmentRelayCounts relay_counts();
  // Called (on the store's thread) after a file is queued.
  void set_queued_hook(std::function<void()> hook);

 private:
  struct Job {
    std::string sha256, media_type, bytes, device;
    std::int64_t now_ms = 0;
    Respond done;
  };
  void run();
  Response store_file(const Job& job);

  std::string path_;
  bool queue_;
  std::mutex write_mu_;  // the writing connection: the store's thread, and mark_queued
  store::Db write_db_;
  std::mutex read_mu_;
  store::Db read_db_;

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::mutex hook_mu_;
  std::function<void()> queued_hook_;
  std::thread thread_;
};

}  // namespace guichet::server
