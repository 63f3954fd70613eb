#include "guichet/sync/attachments.hpp"

#include <sodium.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "guichet/crash/crash_point.hpp"
#include "guichet/store/file_check.hpp"
#include "guichet/sync/stall_watch.hpp"

namespace guichet::sync {
namespace {

const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE attachments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256 TEXT NOT NULL UNIQUE,
  media_type TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  content BLOB NOT NULL,
  stored_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'refused')),
  attempts INTEGER NOT NULL DEFAULT 0,
  response_status INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '',
  answered_ms INTEGER
);
CREATE INDEX attachments_by_state ON attachments (state, seq);
)sql",
};

constexpr const char* kColumns =
    "seq, sha256, media_type, bytes, stored_ms, state, attempts, response_status, message, length(content) > 0";

AttachmentState parse_state(const std::string& s) {
  if (s == "sent") return AttachmentState::Sent;
  if (s == "refused") return AttachmentState::Refused;
  return AttachmentState::Pending;
}

AttachmentInfo read_info(const store::Statement& st) {
  AttachmentInfo a;
  a.seq = st.int64(0);
  a.sha256 = st.text(1);
  a.media_type = st.text(2);
  a.bytes = st.int64(3);
  a.stored_ms = st.int64(4);
  a.state = parse_state(st.text(5));
  a.attempts = st.int32(6);
  a.response_status = st.int32(7);
  a.message = st.text(8);
  a.content_kept = st.int64(9) != 0;
  return a;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool valid_attachment_media_type(std::string_view media_type) {
  return media_type == "image/png" || media_type == "image/jpeg" || media_type == "application/pdf";
}

bool valid_sha256_hex(std::string_view text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string sha256_hex(const void* bytes, std::size_t size) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("the hashing library could not be initialised");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, static_cast<const unsigned char*>(bytes), size);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

const char* to_string(AttachmentState state) {
  switch (state) {
    case AttachmentState::Pending:
      return "pending";
    case AttachmentState::Sent:
      return "sent";
    case AttachmentState::Refused:
      return "refused";
  }
  return "pending";
}

// ---- the store --------------------------------------------------------------------------------

AttachmentStore::AttachmentStore(const std::string& db_path, const AttachmentStoreOptions& options) : path_(db_path) {
  store::check_sqlite_header(db_path, "attachments");
  store::OpenOptions open;
  open.durability = options.durability;
  open.check_integrity = true;  // quick_check: a damaged file is refused, never started afresh
  db_ = std::make_unique<store::Db>(db_path, open);
  // Pages dropped once the centre has them are overwritten with zeros in the file, not only
  // unlinked: they are citizens' papers.
  db_->exec("PRAGMA secure_delete = ON");
  db_->migrate(kMigrations);
}

AttachmentInfo AttachmentStore::put(const std::string& media_type, const std::vector<std::uint8_t>& bytes,
                                    std::int64_t now_ms) {
  if (!valid_attachment_media_type(media_type)) {
    throw std::invalid_argument("attachment media type '" + media_type +
                                "' is not one of image/png, image/jpeg, application/pdf");
  }
  if (bytes.empty() || static_cast<std::int64_t>(bytes.size()) > kMaxAttachmentBytes) {
    throw std::invalid_argument("an attachment has 1 to " + std::to_string(kMaxAttachmentBytes) + " bytes, not " +
                                std::to_string(bytes.size()));
  }
  const std::string sha = sha256_hex(bytes);
  std::lock_guard lock(mu_);
  store::Transaction tx(*db_);
  db_->prepare(
         "INSERT INTO attachments (sha256, media_type, bytes, content, stored_ms, state) VALUES (?, ?, ?, ?, ?, "
         "'pending') ON CONFLICT (sha256) DO NOTHING")
      .bind(1, sha)
      .bind(2, media_type)
      .bind(3, static_cast<std::int64_t>(bytes.size()))
      .bind_blob(4, bytes.data(), bytes.size())
      .bind(5, now_ms)
      .run();
  auto st = db_->prepare(std::string("SELECT ") + kColumns + " FROM attachments WHERE sha256 = ?");
  st.bind(1, sha);
  if (!st.step()) throw store::DbError(SQLITE_INTERNAL, "attachments " + path_ + ": a file just stored is missing");
  AttachmentInfo info = read_info(st);
  tx.commit();  // synchronous FULL: on the disk when this returns
  return info;
}

std::optional<AttachmentInfo> AttachmentStore::get(const std::string& sha256) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(std::string("SELECT ") + kColumns + " FROM attachments WHERE sha256 = ?");
  st.bind(1, sha256);
  if (!st.step()) return std::nullopt;
  return read_info(st);
}

std::optional<std::vector<std::uint8_t>> AttachmentStore::content(const std::string& sha256) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT content FROM attachments WHERE sha256 = ?");
  st.bind(1, sha256);
  if (!st.step()) return std::nullopt;
  auto blob = st.blob(0);
  return std::vector<std::uint8_t>(blob.begin(), blob.end());
}

std::vector<AttachmentInfo> AttachmentStore::pending(int limit, std::int64_t after_seq) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(std::string("SELECT ") + kColumns +
                         " FROM attachments WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?");
  st.bind(1, after_seq).bind(2, limit);
  std::vector<AttachmentInfo> out;
  while (st.step()) out.push_back(read_info(st));
  return out;
}

std::int64_t AttachmentStore::pending_count() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT COUNT(*) FROM attachments WHERE state = 'pending'");
  return st.step() ? st.int64(0) : 0;
}

std::vector<AttachmentInfo> AttachmentStore::refused(int limit) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(std::string("SELECT ") + kColumns +
                         " FROM attachments WHERE state = 'refused' ORDER BY seq DESC LIMIT ?");
  st.bind(1, limit);
  std::vector<AttachmentInfo> out;
  while (st.step()) out.push_back(read_info(st));
  return out;
}

void AttachmentStore::record_attempt(const std::string& sha256) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE attachments SET attempts = attempts + 1 WHERE sha256 = ?").bind(1, sha256).run();
}

void AttachmentStore::record_error(const std::string& sha256, const std::string& error) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE attachments SET message = ? WHERE sha256 = ? AND state = 'pending'")
      .bind(1, error)
      .bind(2, sha256)
      .run();
}

void AttachmentStore::mark_sent(const std::string& sha256, int status, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_->prepare(
         "UPDATE attachments SET state = 'sent', response_status = ?, message = '', answered_ms = ? WHERE sha256 = ? "
         "AND state = 'pending'")
      .bind(1, status)
      .bind(2, now_ms)
      .bind(3, sha256)
      .run();
}

int AttachmentStore::drop_sent_content(std::int64_t answered_before_ms) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE attachments SET content = x'' WHERE state = 'sent' AND answered_ms < ? AND length(content) > 0")
      .bind(1, answered_before_ms)
      .run();
  const int dropped = db_->changes();
  // The pages' frames are still in the write-ahead log: it is checkpointed into the file (where
  // secure_delete zeroed them) and emptied. Busy readers only delay this until the next drop.
  if (dropped > 0) db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return dropped;
}

void AttachmentStore::mark_refused(const std::string& sha256, int status, const std::string& message,
                                   std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_->prepare(
         "UPDATE attachments SET state = 'refused', response_status = ?, message = ?, answered_ms = ? WHERE sha256 "
         "= ? AND state = 'pending'")
      .bind(1, status)
      .bind(2, message)
      .bind(3, now_ms)
      .bind(4, sha256)
      .run();
}

// ---- the uploader -----------------------------------------------------------------------------

AttachmentUploader::AttachmentUploader(AttachmentStore& store, ServerEndpoint endpoint,
                                       const AttachmentUploaderOptions& options)
    : store_(store), endpoint_(std::move(endpoint)), options_(options) {
  if (options_.stall_probe_after.count() > 0) {
    watch_ = std::make_unique<StallWatch>(
        endpoint_,
        StallWatchOptions::for_sender(options_.stall_probe_after, options_.link_probe, options_.request_timeout,
                                      options_.unanswered_limit, "the centre server"),
        1);
  }
}

std::uint64_t AttachmentUploader::resent_after_stall() const { return watch_ ? watch_->given_up() : 0; }

AttachmentUploader::~AttachmentUploader() { stop(); }

void AttachmentUploader::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  abort_ = false;
  wake_ = true;  // send whatever an earlier run left
  {
    // Started anew (a restart, new credentials): a refusal of the device is asked again.
    std::lock_guard refusal(refusal_mu_);
    refusal_kind_ = DeviceRefusal::None;
    refusal_.clear();
  }
  if (watch_) watch_->start();
  thread_ = std::thread(&AttachmentUploader::run, this);
}

void AttachmentUploader::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    abort_ = true;
  }
  if (watch_) watch_->stop();  // gives up the file out
  cv_.notify_all();
  done_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AttachmentUploader::wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void AttachmentUploader::on_change(Listener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

std::string AttachmentUploader::device_refusal() const {
  std::lock_guard lock(refusal_mu_);
  return refusal_;
}

DeviceRefusal AttachmentUploader::device_refusal_kind() const {
  std::lock_guard lock(refusal_mu_);
  return refusal_kind_;
}

bool AttachmentUploader::halted() const { return device_refusal_kind() == DeviceRefusal::Revoked; }

bool AttachmentUploader::wait_drained(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    const std::uint64_t generation = generation_;
    lock.unlock();
    const bool drained = store_.pending_count() == 0;
    lock.lock();
    if (drained && !draining_) return true;
    if (!done_cv_.wait_until(lock, deadline, [&] { return generation_ != generation || stop_; })) return false;
    if (stop_) return store_.pending_count() == 0;
  }
}

void AttachmentUploader::changed() {
  Listener listener;
  {
    std::lock_guard lock(mu_);
    ++generation_;
    listener = listener_;
  }
  done_cv_.notify_all();
  if (listener) listener();
}

AttachmentUploader::Round AttachmentUploader::drain(ApiClient& client, std::chrono::milliseconds& backoff) {
  int sent = 0;
  std::int64_t after = 0;  // files refused or answered this round are not read again
  while (sent < options_.files_per_round) {
    if (abort_ || halted()) return Round::Done;
    const std::vector<AttachmentInfo> files = store_.pending(16, after);
    if (files.empty()) return Round::Done;
    for (const AttachmentInfo& file : files) {
      if (abort_) return Round::Done;
      after = file.seq;
      ++sent;
      const auto bytes = store_.content(file.sha256);
      if (!bytes) continue;  // cannot happen: rows are never deleted
      store_.record_attempt(file.sha256);
      RequestOptions request;
      request.timeout = options_.request_timeout;
      request.cancel = &abort_;
      request.headers.push_back("Content-Type: " + file.media_type);
      ++requests_;
      const std::string path = "/api/v1/attachments/" + file.sha256;
      const std::string body(reinterpret_cast<const char*>(bytes->data()), bytes->size());
      std::string given_up;
      const HttpResponse response = watch_ ? watch_->send(0, client, "PUT", path, body, request, given_up)
                                           : client.send("PUT", path, body, request);
      if (abort_) return Round::Done;
      if (!given_up.empty()) {
        // The link came back under it: the same file again at once, on a new connection (the
        // centre answers a file it already has with 200).
        store_.record_error(file.sha256, given_up);
        changed();
        after = file.seq - 1;
        break;
      }
      if (response.transient()) {
        // In order: nothing behind this file goes before it.
        online_ = response.status != 0;
        store_.record_error(file.sha256, response.error_message());
        changed();
        return Round::Failed;
      }
      online_ = true;
      const DeviceRefusal refusal = device_refusal_of(response, true);
      {
        std::lock_guard lock(refusal_mu_);
        refusal_kind_ = refusal;
        refusal_ = device_refusal_sentence(refusal, response.error_message(), "scanned file");
      }
      if (refusal != DeviceRefusal::None) {
        // The device is refused, not this file: it stays pending, and so does everything behind it.
        store_.record_error(file.sha256, device_refusal());
        changed();
        return Round::Failed;
      }
      backoff = options_.backoff_initial;
      if (response.ok()) {
        crash::point(crash::kTerminalFileAnswered);  // the centre has the file, this store not yet marked
        store_.mark_sent(file.sha256, response.status, now_unix_ms());
      } else {
        store_.mark_refused(file.sha256, response.status, response.error_message(), now_unix_ms());
      }
      changed();
      if (sent >= options_.files_per_round) break;
    }
  }
  return Round::More;
}

void AttachmentUploader::run() {
  ApiClient client(endpoint_);
  std::minstd_rand rng(std::random_device{}());
  auto backoff = options_.backoff_initial;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      wake_ = false;
      draining_ = true;
    }
    bool failed = false;
    bool more = false;
    if (!halted()) {
      try {
        const Round round = drain(client, backoff);
        failed = round == Round::Failed;
        more = round == Round::More;
      } catch (const std::exception&) {
        // The store's file failed (disk, I/O): nothing is lost, the files stay pending.
        failed = true;
      }
    }
    {
      std::lock_guard lock(mu_);
      draining_ = false;
      ++generation_;
    }
    done_cv_.notify_all();

    std::unique_lock lock(mu_);
    if (stop_) return;
    if (halted()) {
      // Revoked: nothing is sent until the uploader is started anew; the files stay pending.
      cv_.wait(lock, [&] { return stop_; });
      return;
    }
    if (failed) {
      std::uniform_real_distribution<double> jitter(0.8, 1.2);
      const auto wait =
          std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(backoff.count()) * jitter(rng)));
      const auto cap = device_refusal_kind() == DeviceRefusal::Unauthenticated
                           ? std::max(options_.backoff_max, options_.refused_backoff_max)
                           : options_.backoff_max;
      backoff = std::min(backoff * 2, cap);
      cv_.wait_for(lock, wait, [&] { return stop_ || wake_; });
    } else if (!more) {
      cv_.wait_for(lock, options_.idle_poll, [&] { return stop_ || wake_; });
    }  // a round that stopped at files_per_round goes on at once
  }
}

}  // namespace guichet::sync
