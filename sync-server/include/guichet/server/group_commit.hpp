// Group commit: one writer thread owns the write connection. Callers submit jobs; the writer takes
// every job waiting, runs them all in one transaction, commits once (one fsync for the lot) and
// only then reports each job done. With many terminals waiting at once this turns thousands of
// durable commits per second into thousands of durable operations per commit.
//
// Jobs run in the order they were submitted, and batches commit in that order, so a job never
// becomes durable before one submitted ahead of it. WAL checkpoints run on a separate connection
// and thread, off the commit path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "guichet/server/storage.hpp"

namespace guichet::server {

class GroupCommitter {
 public:
  // Runs on the writer thread inside the batch's transaction. Throwing fails the whole batch.
  using Work = std::function<void(Repository&)>;
  // Runs on the writer thread after the batch committed (ok) or rolled back (error set).
  using Done = std::function<void(bool ok, const std::string& error)>;

  struct Job {
    Work work;
    Done done;
  };

  struct Hooks {
    // After every committed batch, before its jobs are told (e.g. to publish its events, so an
    // event is in the live feed no later than its answer).
    std::function<void()> after_commit;
    // After a failed batch, before its jobs are told. The state that built those jobs is no longer
    // true; the owner resynchronises (and may fail the jobs still pending with fail_pending()).
    std::function<void(const std::string& error)> after_failure;
    // Around the answers of one batch (committed or failed), so they can be handed on together.
    std::function<void()> answers_begin;
    std::function<void()> answers_end;
  };

  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t jobs = 0;
    std::uint64_t largest_batch = 0;
    std::uint64_t failed_batches = 0;
    std::uint64_t write_us = 0;   // time spent running jobs inside transactions
    std::uint64_t commit_us = 0;  // time spent in COMMIT (the fsync)
    std::uint64_t longest_commit_us = 0;
    std::uint64_t pages_written = 0;  // database pages written to the WAL
  };

  GroupCommitter(std::string db_path, store::Durability durability, Hooks hooks);
  ~GroupCommitter();  // stops: pending jobs are committed first
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void submit(Work work, Done done);
  // Fails every job not yet taken by the writer, with `error`. Their Done runs on this thread.
  void fail_pending(const std::string& error);
  void stop();
  Stats stats() const;

 private:
  void run();
  void run_checkpoints(const std::string& db_path);
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);

  std::unique_ptr<store::Db> db_;
  std::unique_ptr<Repository> repo_;
  Hooks hooks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> pending_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;

  // Checkpoints copy the WAL back into the database from their own connection, so a commit never
  // waits for one (SQLite would otherwise run them inside the commit that crosses the threshold).
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;
  std::thread checkpoint_thread_;
};

}  // namespace guichet::server
