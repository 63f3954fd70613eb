// Group commit: jobs from many threads are committed in batches, in submission order, and only
// then reported done; a failing job fails its whole batch.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "guichet/server/group_commit.hpp"
#include "guichet/testing/process.hpp"

// Every fdatasync of a write-ahead log in this process is counted (entered and returned), so the
// tests can prove an answer came only after a sync that began after the job's work was done.
namespace {
std::atomic<std::uint64_t> wal_syncs_entered{0};
std::atomic<std::uint64_t> wal_syncs_returned{0};

// A test may hold every WAL sync until it lets them go, to act while one is in progress.
std::mutex hold_mu;
std::condition_variable hold_cv;
bool hold_syncs = false;
std::uint64_t syncs_waiting = 0;

bool is_wal(int fd) {
  char target[4096];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
  if (n <= 4) return false;
  return std::string(target, static_cast<std::size_t>(n)).ends_with("-wal");
}
}  // namespace

extern "C" int fdatasync(int fd) {
  using Fn = int (*)(int);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fdatasync"));
  const bool wal = is_wal(fd);
  if (wal) {
    wal_syncs_entered++;
    std::unique_lock lock(hold_mu);
    ++syncs_waiting;
    hold_cv.notify_all();
    hold_cv.wait(lock, [] { return !hold_syncs; });
    --syncs_waiting;
  }
  int rc = real(fd);
  if (wal) wal_syncs_returned++;
  return rc;
}

namespace guichet::server {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  std::int64_t rows() {
    store::Db db = open_database(path);
    auto st = db.prepare("SELECT COUNT(*) FROM meta");
    st.step();
    return st.int64(0);
  }
  testing::TempDir dir{"guichet-group-commit"};
  std::string path = (dir / "g.db").string();
};

TEST_F(GroupCommitTest, ManyThreadsShareCommitsAndEveryJobIsDurableWhenDone) {
  std::atomic<int> after_batches{0};
  GroupCommitter::Hooks hooks;
  hooks.seal = [&] { return [&] { after_batches++; }; };
  GroupCommitter committer(path, store::Durability::Full, hooks);
  constexpr int kThreads = 8, kPerThread = 100;
  std::atomic<int> done_ok{0};
  std::atomic<int> not_durable{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::promise<void> finished;
        std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        committer.submit([key](Repository& repo) { repo.set_meta(key, "v"); },
                         [&, key](bool ok, const std::string&) {
                           if (ok) done_ok++;
                           // Done means committed: another connection sees it.
                           store::Db check(path, store::OpenOptions{store::Durability::Normal, false, 5000, false});
                           if (!Repository(check).meta(key)) not_durable++;
                           finished.set_value();
                         });
        finished.get_future().wait();
      }
    });
  }
  for (auto& t : threads) t.join();
  committer.stop();
  EXPECT_EQ(done_ok.load(), kThreads * kPerThread);
  EXPECT_EQ(not_durable.load(), 0);
  EXPECT_EQ(rows(), kThreads * kPerThread);
  auto stats = committer.stats();
  EXPECT_EQ(stats.jobs, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.batches, stats.jobs);  // some commits carried several jobs
  EXPECT_GT(stats.largest_batch, 1u);
  EXPECT_EQ(static_cast<std::uint64_t>(after_batches.load()), stats.batches);
}

TEST_F(GroupCommitTest, FullDurabilityAnswersOnlyAfterTheWalIsSynced) {
  GroupCommitter committer(path, store::Durability::Full, {});
  constexpr int kThreads = 6, kPerThread = 60;
  std::atomic<int> early{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::promise<void> finished;
        auto entered_before = std::make_shared<std::uint64_t>(0);
        committer.submit(
            [&, t, i, entered_before](Repository& repo) {
              repo.set_meta("d" + std::to_string(t) + "-" + std::to_string(i), "v");
              *entered_before = wal_syncs_entered.load();
            },
            [&, entered_before](bool ok, const std::string&) {
              // A sync that started after this job's work must have returned.
              if (wal_syncs_returned.load() < *entered_before + 1) early++;
              if (ok) answered++;
              finished.set_value();
            });
        finished.get_future().wait();
      }
    });
  }
  for (auto& t : threads) t.join();
  committer.stop();
  EXPECT_EQ(answered.load(), kThreads * kPerThread);
  EXPECT_EQ(early.load(), 0);
  auto stats = committer.stats();
  EXPECT_GT(stats.syncs, 0u);
  EXPECT_LE(stats.syncs, stats.batches);  // one sync may cover several commits, never the reverse
  EXPECT_EQ(rows(), kThreads * kPerThread);
}

TEST_F(GroupCommitTest, WhileAWalSyncRunsTheWriterWritesJobsInGroupsAndNoneMissesTheNextCommit) {
  GroupCommitter committer(path, store::Durability::Full, {});
  {
    std::lock_guard lock(hold_mu);
    hold_syncs = true;
  }
  auto let_syncs_go = [] {
    {
      std::lock_guard lock(hold_mu);
      hold_syncs = false;
    }
    hold_cv.notify_all();
  };
  struct Release {
    std::function<void()> go;
    ~Release() { go(); }
  } release_on_exit{let_syncs_go};  // declared after the committer: a failed assertion must not leave it stuck
  std::atomic<int> answered{0};
  auto count = [&](bool ok, const std::string&) { answered += ok ? 1 : 0; };
  committer.submit([](Repository& repo) { repo.set_meta("first", "v"); }, count);
  {
    // The first job's commit is now waiting for its sync.
    std::unique_lock lock(hold_mu);
    ASSERT_TRUE(hold_cv.wait_for(lock, std::chrono::seconds(10), [] { return syncs_waiting == 1; }));
  }
  const auto before = committer.stats();
  EXPECT_EQ(before.batches, 1u);
  // The first of a group waits for the whole group to be submitted: a writer woken for it alone
  // would write it in a round of its own.
  std::promise<void> all_submitted;
  auto submitted = all_submitted.get_future().share();
  std::promise<void> last_written;
  for (std::size_t i = 0; i < 4; ++i) {
    committer.submit(
        [&, i, submitted](Repository& repo) {
          if (i == 0) submitted.wait();
          repo.set_meta("group" + std::to_string(i), "v");
          if (i == 3) last_written.set_value();
        },
        count);
  }
  all_submitted.set_value();
  // A group is written while the sync still runs.
  ASSERT_EQ(last_written.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(committer.stats().gathers - before.gathers, 1u);
  EXPECT_EQ(answered.load(), 0);  // nothing is answered before its sync
  // Fewer than a group: written once the sync ends, in the commit that follows it.
  std::promise<void> straggler_done;
  committer.submit([](Repository& repo) { repo.set_meta("straggler", "v"); },
                   [&](bool ok, const std::string&) {
                     answered += ok ? 1 : 0;
                     straggler_done.set_value();
                   });
  let_syncs_go();
  ASSERT_EQ(straggler_done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  committer.stop();
  EXPECT_EQ(answered.load(), 6);
  EXPECT_EQ(committer.stats().batches, 2u);  // the group and the straggler shared the second commit
  EXPECT_EQ(rows(), 6);
}

TEST_F(GroupCommitTest, NormalDurabilityLeavesSyncingToCheckpoints) {
  GroupCommitter committer(path, store::Durability::Normal, {});
  std::promise<void> done;
  committer.submit([](Repository& repo) { repo.set_meta("n", "v"); },
                   [&](bool, const std::string&) { done.set_value(); });
  done.get_future().wait();
  committer.stop();
  EXPECT_EQ(committer.stats().syncs, 0u);
  EXPECT_EQ(rows(), 1);
}

TEST_F(GroupCommitTest, JobsCompleteInSubmissionOrder) {
  GroupCommitter committer(path, store::Durability::Normal, {});
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> last;
  for (int i = 0; i < 500; ++i) {
    committer.submit([i](Repository& repo) { repo.set_meta("n" + std::to_string(i), std::to_string(i)); },
                     [&, i](bool, const std::string&) {
                       std::lock_guard lock(mu);
                       order.push_back(i);
                       if (i == 499) last.set_value();
                     });
  }
  last.get_future().wait();
  ASSERT_EQ(order.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST_F(GroupCommitTest, AFailingJobRollsBackItsBatchAndReportsTheFailure) {
  std::promise<std::string> failure;
  GroupCommitter::Hooks hooks;
  hooks.after_failure = [&](const std::string& e) { failure.set_value(e); };
  GroupCommitter committer(path, store::Durability::Normal, hooks);
  // Hold the writer on a first batch so the next three land in one batch together.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> first_done;
  committer.submit([released](Repository&) { released.wait(); },
                   [&](bool, const std::string&) { first_done.set_value(); });
  std::atomic<int> failed{0};
  std::promise<void> all_told;
  auto count_failure = [&](bool ok, const std::string&) {
    if (!ok && ++failed == 3) all_told.set_value();
  };
  committer.submit([](Repository& repo) { repo.set_meta("a", "1"); }, count_failure);
  committer.submit([](Repository& repo) { repo.db().exec("INSERT INTO no_such_table VALUES (1)"); }, count_failure);
  committer.submit([](Repository& repo) { repo.set_meta("b", "1"); }, count_failure);
  release.set_value();
  first_done.get_future().wait();
  auto error = failure.get_future();
  ASSERT_EQ(error.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_NE(error.get().find("no_such_table"), std::string::npos);
  ASSERT_EQ(all_told.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(failed.load(), 3);
  EXPECT_EQ(rows(), 0);  // nothing of the failed batch was kept
  EXPECT_EQ(committer.stats().failed_batches, 1u);
}

TEST_F(GroupCommitTest, StopCommitsWhatIsPending) {
  std::atomic<int> done{0};
  {
    GroupCommitter committer(path, store::Durability::Normal, {});
    for (int i = 0; i < 200; ++i) {
      committer.submit([i](Repository& repo) { repo.set_meta("s" + std::to_string(i), "v"); },
                       [&](bool ok, const std::string&) { done += ok ? 1 : 0; });
    }
  }
  EXPECT_EQ(done.load(), 200);
  EXPECT_EQ(rows(), 200);
}

}  // namespace
}  // namespace guichet::server
