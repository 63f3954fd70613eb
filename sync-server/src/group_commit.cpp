#include "guichet/server/group_commit.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

namespace guichet::server {
namespace {

constexpr std::size_t kLingerFromBatch = 4;
constexpr std::chrono::microseconds kMaxLinger{1000};

}  // namespace

GroupCommitter::GroupCommitter(std::string db_path, store::Durability durability, Hooks hooks)
    : hooks_(std::move(hooks)) {
  db_ = std::make_unique<store::Db>(open_database(db_path, durability, false));
  repo_ = std::make_unique<Repository>(*db_);
  // Replaces SQLite's automatic checkpoint (which runs inside a commit) with a signal to ours.
  sqlite3_wal_hook(db_->handle(), &GroupCommitter::on_wal_commit, this);
  checkpoint_thread_ = std::thread([this, db_path] { run_checkpoints(db_path); });
  thread_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() { stop(); }

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
  {
    std::lock_guard lock(mu_);
    pending_.push_back(Job{std::move(work), std::move(done)});
  }
  cv_.notify_one();
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
  std::vector<Job> batch;
  std::size_t last_batch = 0;
  std::chrono::steady_clock::duration last_commit{};
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left
      // Many writers at once (the last batch was large) but few waiting yet: the rest are usually
      // a moment away. Waiting a fraction of a commit for them fills the next fsync instead of
      // spending one on a handful. A lone writer never waits.
      if (last_batch >= kLingerFromBatch && pending_.size() < last_batch) {
        auto linger = std::min<std::chrono::steady_clock::duration>(last_commit / 2, kMaxLinger);
        cv_.wait_for(lock, linger, [&] { return stopping_ || pending_.size() >= last_batch; });
      }
      batch.swap(pending_);
    }
    bool ok = true;
    std::string error;
    auto started = std::chrono::steady_clock::now();
    auto committing = started;
    try {
      store::Transaction tx(*db_);
      for (auto& job : batch) job.work(*repo_);
      committing = std::chrono::steady_clock::now();
      tx.commit();
    } catch (const std::exception& e) {
      ok = false;
      error = e.what();
    }
    auto finished = std::chrono::steady_clock::now();
    last_batch = batch.size();
    last_commit = finished - committing;
    {
      using std::chrono::duration_cast;
      using std::chrono::microseconds;
      std::lock_guard lock(mu_);
      stats_.batches += 1;
      stats_.jobs += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
      if (!ok) stats_.failed_batches += 1;
      auto commit = static_cast<std::uint64_t>(duration_cast<microseconds>(finished - committing).count());
      stats_.write_us += static_cast<std::uint64_t>(duration_cast<microseconds>(committing - started).count());
      stats_.commit_us += commit;
      stats_.longest_commit_us = std::max(stats_.longest_commit_us, commit);
      int current = 0, highest = 0;
      if (sqlite3_db_status(db_->handle(), SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 1) == SQLITE_OK) {
        stats_.pages_written += static_cast<std::uint64_t>(current);
      }
    }
    if (ok) {
      if (hooks_.after_commit) hooks_.after_commit();
    } else if (hooks_.after_failure) {
      // The owner resynchronises before anyone hears of the failure, so a client that retries at
      // once already meets the state that is really stored.
      hooks_.after_failure(error);
    }
    if (hooks_.answers_begin) hooks_.answers_begin();
    for (auto& job : batch) job.done(ok, error);
    if (hooks_.answers_end) hooks_.answers_end();
    batch.clear();
  }
}

}  // namespace guichet::server
