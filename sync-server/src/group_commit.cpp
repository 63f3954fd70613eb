#include "guichet/server/group_commit.hpp"

#include <algorithm>
#include <exception>

namespace guichet::server {

GroupCommitter::GroupCommitter(std::string db_path, store::Durability durability, Hooks hooks)
    : hooks_(std::move(hooks)) {
  db_ = std::make_unique<store::Db>(open_database(db_path, durability, false));
  repo_ = std::make_unique<Repository>(*db_);
  thread_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() { stop(); }

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
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommitter::run() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left
      batch.swap(pending_);
    }
    bool ok = true;
    std::string error;
    try {
      store::Transaction tx(*db_);
      for (auto& job : batch) job.work(*repo_);
      tx.commit();
    } catch (const std::exception& e) {
      ok = false;
      error = e.what();
    }
    {
      std::lock_guard lock(mu_);
      stats_.batches += 1;
      stats_.jobs += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
      if (!ok) stats_.failed_batches += 1;
    }
    if (ok) {
      for (auto& job : batch) job.done(true, error);
      if (hooks_.after_batch) hooks_.after_batch();
    } else {
      // The owner resynchronises before anyone hears of the failure, so a client that retries at
      // once already meets the state that is really stored.
      if (hooks_.after_failure) hooks_.after_failure(error);
      for (auto& job : batch) job.done(false, error);
    }
    batch.clear();
  }
}

}  // namespace guichet::server
