#include "guichet/server/attachments.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "guichet/crash/crash_point.hpp"
#include "guichet/server/log.hpp"
#include "guichet/store/file_check.hpp"

namespace guichet::server {

namespace {

// Files waiting for the store's thread (each up to 8 MiB in memory): more are answered 503.
constexpr std::size_t kMaxWaiting = 8;

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> list = {
      R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE attachments (
  sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  media_type TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'application/pdf')),
  bytes INTEGER NOT NULL CHECK (bytes BETWEEN 1 AND 8388608),
  content BLOB NOT NULL,
  received_ms INTEGER NOT NULL,
  device TEXT NOT NULL
);
CREATE TABLE attachment_relay (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256 TEXT NOT NULL UNIQUE REFERENCES attachments(sha256),
  queued_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
  answer_status INTEGER,
  answer TEXT,
  done_ms INTEGER
);
CREATE INDEX attachment_relay_by_state ON attachment_relay(state, seq);
)sql",
  };
  return list;
}

store::Db open_file(const std::string& path, store::Durability durability) {
  store::check_sqlite_header(path, "attachments file");
  store::OpenOptions options;
  options.durability = durability;
  store::Db db(path, options);
  db.migrate(migrations());
  return db;
}

std::string prefix12(const std::string& hex) { return hex.substr(0, 12); }

}  // namespace

bool valid_sha256_hex(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool attachment_media_type(std::string_view s) {
  return s == "image/png" || s == "image/jpeg" || s == "application/pdf";
}

std::string media_type_of(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::string out(t);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool looks_like(std::string_view media_type, std::string_view bytes) {
  if (media_type == "image/png") return bytes.starts_with(std::string_view("\x89PNG\r\n\x1a\n", 8));
  if (media_type == "image/jpeg") return bytes.starts_with("\xff\xd8\xff");
  if (media_type == "application/pdf") return bytes.starts_with("%PDF-");
  return false;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

std::string attachment_answer(const std::string& sha256, const std::string& media_type, std::int64_t bytes,
                              bool is_new) {
  // The hash and the media type were checked: nothing in them to escape.
  return "{\"attachment\":{\"sha256\":\"" + sha256 + "\",\"media_type\":\"" + media_type +
         "\",\"bytes\":" + std::to_string(bytes) + ",\"stored\":\"" + (is_new ? "new" : "already") + "\"}}";
}

AttachmentStore::AttachmentStore(const std::string& path, const std::string& owner, bool queue_for_central,
                                 store::Durability durability)
    : path_(path),
      queue_(queue_for_central),
      write_db_(open_file(path, durability)),
      read_db_(path, store::OpenOptions{durability, false, 5000, false}) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  {
    auto st = write_db_.prepare("SELECT value FROM meta WHERE key = 'owner'");
    if (st.step()) {
      const std::string found = st.text(0);
      if (found != owner) {
        throw std::runtime_error("attachments file " + path + " belongs to " + found + ", but this server runs " +
                                 owner);
      }
    } else {
      st.reset();
      write_db_.prepare("INSERT INTO meta (key, value) VALUES ('owner', ?)").bind(1, owner).run();
    }
  }
  thread_ = std::thread([this] { run(); });
}

AttachmentStore::~AttachmentStore() { stop(); }

void AttachmentStore::stop() {
  {
    std::lock_guard lock(jobs_mu_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AttachmentStore::set_queued_hook(std::function<void()> hook) {
  std::lock_guard lock(hook_mu_);
  queued_hook_ = std::move(hook);
}

void AttachmentStore::put(std::string sha256, std::string media_type, std::string bytes, std::string device,
                          std::int64_t now_ms, Respond done) {
  {
    std::lock_guard lock(jobs_mu_);
    if (stopping_) {
      return done(Response::error(503, "shutting_down", "the server is stopping; send the file again later"));
    }
    if (jobs_.size() >= kMaxWaiting) {
      Response busy = Response::error(503, "busy", "too many files are being stored; send this one again shortly");
      busy.headers.emplace_back("Retry-After", "1");
      return done(std::move(busy));
    }
    jobs_.push_back(
        Job{std::move(sha256), std::move(media_type), std::move(bytes), std::move(device), now_ms, std::move(done)});
  }
  jobs_cv_.notify_one();
}

void AttachmentStore::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(jobs_mu_);
      jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, everything taken answered
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Response answer;
    try {
      answer = store_file(job);
    } catch (const std::exception& e) {
      log_error(std::string("attachments: storing a file failed: ") + e.what());
      answer = Response::error(503, "storage_failed", "the server could not store the file; send it again later");
    }
    // A new file is durable here, the sender not yet told: it sends the file again, and is
    // answered "already".
    if (answer.status == 201) crash::point(crash::kServerFileStored);
    const bool queued = answer.status == 201 && queue_;
    job.done(std::move(answer));
    if (queued) {
      std::lock_guard lock(hook_mu_);
      if (queued_hook_) queued_hook_();
    }
  }
}

Response AttachmentStore::store_file(const Job& job) {
  const std::string actual = sha256_hex(job.bytes);
  if (actual != job.sha256) {
    return Response::error(422, "attachment_hash_mismatch",
                           "the bytes' SHA-256 begins " + prefix12(actual) + ", not " + prefix12(job.sha256) +
                               " as the path says: the file was changed or cut short on the way; send it again");
  }
  std::lock_guard lock(write_mu_);
  store::Transaction tx(write_db_);
  {
    auto found = write_db_.prepare("SELECT media_type, bytes FROM attachments WHERE sha256 = ?");
    found.bind(1, job.sha256);
    if (found.step()) {
      // Stored before: nothing is written (the transaction rolls back, empty).
      return Response::json_text(200, attachment_answer(job.sha256, found.text(0), found.int64(1), false));
    }
  }
  write_db_
      .prepare(
          "INSERT INTO attachments (sha256, media_type, bytes, content, received_ms, device) VALUES (?, ?, ?, ?, "
          "?, ?)")
      .bind(1, job.sha256)
      .bind(2, job.media_type)
      .bind(3, static_cast<std::int64_t>(job.bytes.size()))
      .bind_blob(4, job.bytes.data(), job.bytes.size())
      .bind(5, job.now_ms)
      .bind(6, job.device)
      .run();
  if (queue_) {
    write_db_.prepare("INSERT INTO attachment_relay (sha256, queued_ms) VALUES (?, ?)")
        .bind(1, job.sha256)
        .bind(2, job.now_ms)
        .run();
  }
  tx.commit();  // synchronous=FULL: durable once this returns
  return Response::json_text(
      201, attachment_answer(job.sha256, job.media_type, static_cast<std::int64_t>(job.bytes.size()), true));
}

std::optional<AttachmentContent> AttachmentStore::content(const std::string& sha256) {
  std::lock_guard lock(read_mu_);
  auto st = read_db_.prepare("SELECT media_type, content FROM attachments WHERE sha256 = ?");
  st.bind(1, sha256);
  if (!st.step()) return std::nullopt;
  auto blob = st.blob(1);
  return AttachmentContent{st.text(0), std::string(blob.begin(), blob.end())};
}

std::set<std::string> AttachmentStore::stored(const std::vector<std::string>& sha256s) {
  std::set<std::string> out;
  std::lock_guard lock(read_mu_);
  auto st = read_db_.prepare("SELECT 1 FROM attachments WHERE sha256 = ?");
  for (const auto& s : sha256s) {
    st.reset();
    st.bind(1, s);
    if (st.step()) out.insert(s);
  }
  st.reset();
  return out;
}

std::int64_t AttachmentStore::count() {
  std::lock_guard lock(read_mu_);
  auto st = read_db_.prepare("SELECT COUNT(*) FROM attachments");
  st.step();
  return st.int64(0);
}

std::optional<QueuedAttachment> AttachmentStore::next_queued() {
  std::lock_guard lock(read_mu_);
  auto st = read_db_.prepare(
      "SELECT q.seq, q.sha256, a.media_type, a.content FROM attachment_relay q JOIN attachments a ON a.sha256 = "
      "q.sha256 WHERE q.state = 'pending' ORDER BY q.seq LIMIT 1");
  if (!st.step()) return std::nullopt;
  auto blob = st.blob(3);
  return QueuedAttachment{st.int64(0), st.text(1), st.text(2), std::string(blob.begin(), blob.end())};
}

void AttachmentStore::mark_queued(std::int64_t seq, bool sent, int status, const std::string& answer,
                                  std::int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  write_db_
      .prepare(
          "UPDATE attachment_relay SET state = ?, answer_status = ?, answer = ?, done_ms = ? WHERE seq = ? AND state = "
          "'pending'")
      .bind(1, sent ? "sent" : "refused")
      .bind(2, status)
      .bind(3, answer)
      .bind(4, now_ms)
      .bind(5, seq)
      .run();
}

AttachmentRelayCounts AttachmentStore::relay_counts() {
  AttachmentRelayCounts c;
  std::lock_guard lock(read_mu_);
  auto st = read_db_.prepare("SELECT state, COUNT(*) FROM attachment_relay GROUP BY state");
  while (st.step()) {
    const std::string state = st.text(0);
    (state == "pending" ? c.pending : state == "sent" ? c.sent : c.refused) = st.int64(1);
  }
  return c;
}

}  // namespace guichet::server
