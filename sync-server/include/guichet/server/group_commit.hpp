// Group commit: one writer thread owns the write connection. Callers submit jobs; the writer takes
// every job waiting, runs them all in one transaction and commits once. Only when the batch is
// durable is each job reported done. With many terminals waiting at once this turns thousands of
// durable commits per second into thousands of durable operations per commit.
//
// With Durability::Full the fsync is pipelined: the writer commits a batch into the WAL without
// waiting for the disk and goes on with the next batch, while a second thread makes the WAL durable
// (fdatasync) and only then answers. One fsync covers every batch committed before it started, so
// while the disk is busy the next batches gather behind it instead of waiting their turn.
//
// Jobs run in the order they were submitted and batches are answered in that order, so a job is
// never reported before one submitted ahead of it. WAL checkpoints run on a separate connection
// (synchronous=FULL, so the database file is synced before the WAL is reused) and thread, off the
// commit path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
    // Writer thread, inside the batch's transaction after all its jobs ran and before COMMIT: for
    // writes made once per batch (e.g. the queue's row in the change log). Throwing fails the batch.
    std::function<void(Repository&)> before_commit;
    // Writer thread, right after a batch committed: returns what to run once that batch is durable,
    // before its jobs are told (e.g. publishing its events, so an event is in the live feed no
    // later than its answer). Runs on the answering thread, batches in commit order.
    std::function<std::function<void()>()> seal;
    // After a failed batch, before its jobs are told. The state that built those jobs is no longer
    // true; the owner resynchronises (and may fail the jobs still pending with fail_pending()).
    std::function<void(const std::string& error)> after_failure;
    // Around the answers of the batches one fsync made durable (or that failed), on the answering
    // thread, so they can be handed on together.
    std::function<void()> answers_begin;
    std::function<void()> answers_end;
    // The disk refused to make committed batches durable (fdatasync failed). What the page cache
    // held may be lost, so nothing more can be promised: the owner stops the process (a restart
    // recovers from what really is on disk, and clients retry with their idempotency keys). The
    // jobs of those batches have been told they failed.
    std::function<void(const std::string& error)> durability_lost;
  };

  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t jobs = 0;
    std::uint64_t largest_batch = 0;
    std::uint64_t failed_batches = 0;
    std::uint64_t write_us = 0;   // time spent running jobs inside transactions
    std::uint64_t commit_us = 0;  // time spent in COMMIT (with Durability::Full: WAL write only)
    std::uint64_t longest_commit_us = 0;
    std::uint64_t syncs = 0;    // fdatasync calls of the pipelined WAL (Durability::Full)
    std::uint64_t sync_us = 0;  // time spent in them
    std::uint64_t longest_sync_us = 0;
    std::uint64_t pages_written = 0;  // database pages written to the WAL
    std::uint64_t gathers = 0;        // times the writer woke and took jobs to write
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
  // A batch that has committed (or failed) and waits for the fsync that makes it durable.
  struct Sealed {
    std::vector<Job> jobs;
    bool ok = true;
    std::string error;
    std::function<void()> on_durable;
  };

  // Jobs gathered while an fsync runs before the writer is woken to write them.
  static constexpr std::size_t kGather = 4;
  bool writer_should_wake() const;  // under mu_
  void run();
  void run_answers();
  void run_checkpoints(const std::string& db_path);
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);

  std::unique_ptr<store::Db> db_;
  std::unique_ptr<Repository> repo_;
  Hooks hooks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> pending_;
  bool stopping_ = false;
  bool sync_busy_ = false;           // a commit is waiting for its fsync (pipelined only)
  std::optional<std::string> lost_;  // an fsync failed: every later batch fails with this
  Stats stats_;
  std::thread thread_;

  // Committed batches on their way to the answering thread, which syncs the WAL (when pipelined)
  // and answers them.
  bool pipelined_ = false;
  int wal_fd_ = -1;
  std::mutex sealed_mu_;
  std::condition_variable sealed_cv_;
  std::vector<Sealed> sealed_;
  bool writer_done_ = false;
  std::thread answer_thread_;

  // Checkpoints copy the WAL back into the database from their own connection, so a commit never
  // waits for one (SQLite would otherwise run them inside the commit that crosses the threshold).
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;
  std::thread checkpoint_thread_;
};

}  // namespace guichet::server
