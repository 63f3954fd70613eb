#include "guichet/server/group_commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "guichet/crash/crash_point.hpp"

namespace guichet::server {
namespace {

std::uint64_t micros(std::chrono::steady_clock::duration d) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

// Makes the directory entry of a file created in `dir` durable.
void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some file systems do not open directories
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

GroupCommitter::GroupCommitter(std::string db_path, store::Durability durability, Hooks hooks)
    : hooks_(std::move(hooks)), pipelined_(durability == store::Durability::Full) {
  // Pipelined: the write connection commits without syncing (WAL + synchronous=NORMAL) and the
  // answering thread syncs the WAL before anyone hears of the commit, which is what
  // synchronous=FULL would have done inside the commit.
  db_ = std::make_unique<store::Db>(open_database(db_path, pipelined_ ? store::Durability::Normal : durability, false));
  repo_ = std::make_unique<Repository>(*db_);
  if (pipelined_) {
    const std::string wal = db_path + "-wal";
    wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) {
      throw std::runtime_error("cannot open the write-ahead log " + wal + ": " + std::strerror(errno));
    }
    sync_directory(std::filesystem::path(db_path).parent_path());
  }
  // Replaces SQLite's automatic checkpoint (which runs inside a commit) with a signal to ours.
  sqlite3_wal_hook(db_->handle(), &GroupCommitter::on_wal_commit, this);
  checkpoint_thread_ = std::thread([this, db_path] { run_checkpoints(db_path); });
  answer_thread_ = std::thread([this] { run_answers(); });
  thread_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() {
  stop();
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

int GroupCommitter::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
  constexpr int kCheckpointPages = 1000;
  if (pages >= kCheckpointPages) {
    auto* g = static_cast<GroupCommitter*>(self);
    {
      std::lock_guard lock(g->checkpoint_mu_);
      g->checkpoint_wanted_ = true;
    }
    g->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void GroupCommitter::run_checkpoints(const std::string& db_path) {
  store::Db db(db_path, store::OpenOptions{store::Durability::Full, false, 5000, false});
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return checkpoint_wanted_ || checkpoint_stop_; });
      if (checkpoint_stop_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE never blocks the writer; what it cannot copy now it copies next time.
    sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

void GroupCommitter::submit(Work work, Done done) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    pending_.push_back(Job{std::move(work), std::move(done)});
    wake = writer_should_wake();
  }
  if (wake) cv_.notify_one();
}

// Under mu_. While an fsync runs the writer is woken for every kGather jobs rather than for each:
// under load a wake-up per operation cost more (two context switches and a futex call) than
// the operation's own rows. The jobs left over are written right after the fsync, before the
// commit, so none misses the batch it would have joined.
bool GroupCommitter::writer_should_wake() const {
  if (pending_.empty()) return false;
  return !sync_busy_ || stopping_ || pending_.size() >= kGather;
}

void GroupCommitter::fail_pending(const std::string& error) {
  std::vector<Job> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(pending_);
  }
  for (auto& job : jobs) job.done(false, error);
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(sealed_mu_);
    writer_done_ = true;
  }
  sealed_cv_.notify_one();
  if (answer_thread_.joinable()) answer_thread_.join();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_one();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommitter::run() {
  // The batch being built: jobs whose work already ran inside the open transaction.
  std::vector<Job> batch;
  std::optional<store::Transaction> tx;
  std::optional<std::string> failure;  // a job's work threw: the batch will be rolled back
  std::chrono::steady_clock::duration write_time{};
  bool commit_now = false;
  for (;;) {
    std::vector<Job> incoming;
    {
      std::unique_lock lock(mu_);
      // Commit as soon as the previous commit is durable: while its fsync runs, newcomers join the
      // open transaction, so the next fsync carries all of them and none waits longer than it
      // would have for its own.
      cv_.wait(lock,
               [&] { return writer_should_wake() || (!batch.empty() && !sync_busy_) || (stopping_ && batch.empty()); });
      if (batch.empty() || sync_busy_) {
        if (pending_.empty()) return;  // stopping, nothing left
        incoming.swap(pending_);
      } else {
        // Commit now, with the jobs that gathered since the writer last woke.
        commit_now = true;
        incoming.swap(pending_);
        if (pipelined_) sync_busy_ = true;  // this commit goes to the answering thread; the next waits for its sync
      }
      if (!incoming.empty()) stats_.gathers += 1;
    }
    if (!incoming.empty()) {
      auto started = std::chrono::steady_clock::now();
      for (auto& job : incoming) {
        if (!failure) {
          try {
            if (!tx) tx.emplace(*db_);
            job.work(*repo_);
          } catch (const std::exception& e) {
            failure = e.what();
          }
        }
        batch.push_back(std::move(job));
      }
      write_time += std::chrono::steady_clock::now() - started;
    }
    if (!commit_now) continue;
    commit_now = false;
    // Commit (or roll back) the batch and hand it to the answering thread.
    Sealed sealed;
    auto committing = std::chrono::steady_clock::now();
    if (!failure) {
      std::lock_guard lock(mu_);
      if (lost_) failure = *lost_;  // nothing can be promised durable any more
    }
    if (!failure && tx) {
      try {
        if (hooks_.before_commit) hooks_.before_commit(*repo_);
        tx->commit();
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
    tx.reset();  // rolls back what did not commit
    auto finished = std::chrono::steady_clock::now();
    sealed.ok = !failure;
    if (failure) sealed.error = *failure;
    {
      std::lock_guard lock(mu_);
      stats_.batches += 1;
      stats_.jobs += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
      if (!sealed.ok) stats_.failed_batches += 1;
      stats_.write_us += micros(write_time);
      stats_.commit_us += micros(finished - committing);
      stats_.longest_commit_us = std::max(stats_.longest_commit_us, micros(finished - committing));
      int current = 0, highest = 0;
      if (sqlite3_db_status(db_->handle(), SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 1) == SQLITE_OK) {
        stats_.pages_written += static_cast<std::uint64_t>(current);
      }
      if (!sealed.ok) sync_busy_ = false;  // nothing to sync
    }
    write_time = {};
    if (sealed.ok) {
      if (hooks_.seal) sealed.on_durable = hooks_.seal();
    } else if (hooks_.after_failure) {
      // The owner resynchronises before the next batch runs and before anyone hears of the
      // failure, so a client that retries at once already meets the state that is really stored.
      hooks_.after_failure(sealed.error);
    }
    failure.reset();
    sealed.jobs.swap(batch);
    batch.clear();
    {
      std::lock_guard lock(sealed_mu_);
      sealed_.push_back(std::move(sealed));
    }
    sealed_cv_.notify_one();
  }
}

void GroupCommitter::run_answers() {
  std::vector<Sealed> round;
  for (;;) {
    {
      std::unique_lock lock(sealed_mu_);
      sealed_cv_.wait(lock, [this] { return writer_done_ || !sealed_.empty(); });
      if (sealed_.empty()) return;  // the writer has stopped and everything is answered
      round.swap(sealed_);
    }
    // One fsync makes every batch committed so far durable, however many gathered meanwhile.
    bool durable = true;
    std::string sync_error;
    if (pipelined_ && std::any_of(round.begin(), round.end(), [](const Sealed& s) { return s.ok; })) {
      auto started = std::chrono::steady_clock::now();
      int rc = 0;
      do {
        rc = ::fdatasync(wal_fd_);
      } while (rc != 0 && errno == EINTR);
      if (rc != 0) {
        durable = false;
        sync_error = std::string("the disk did not make the write-ahead log durable: ") + std::strerror(errno);
      }
      auto took = micros(std::chrono::steady_clock::now() - started);
      {
        std::lock_guard lock(mu_);
        stats_.syncs += 1;
        stats_.sync_us += took;
        stats_.longest_sync_us = std::max(stats_.longest_sync_us, took);
        sync_busy_ = false;  // the writer may commit the batch it has gathered
        if (!durable) lost_ = sync_error;
      }
      cv_.notify_one();
    }
    if (durable) {
      for (auto& s : round) {
        if (s.ok && s.on_durable) s.on_durable();
      }
      // Stored and durable, and nobody told yet: a client that hears nothing sends it again.
      if (std::any_of(round.begin(), round.end(), [](const Sealed& s) { return s.ok; }))
        crash::point(crash::kServerStored);
    }
    if (hooks_.answers_begin) hooks_.answers_begin();
    for (auto& s : round) {
      const bool ok = s.ok && durable;
      const std::string& error = s.ok ? sync_error : s.error;
      for (auto& job : s.jobs) job.done(ok, error);
    }
    if (hooks_.answers_end) hooks_.answers_end();
    round.clear();
    if (!durable && hooks_.durability_lost) hooks_.durability_lost(sync_error);
  }
}

}  // namespace guichet::server
