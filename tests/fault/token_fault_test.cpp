// Randomized fault-injection runs: terminals (core/sync Outbox + SyncEngine in their own
// processes) post queue tokens through fault proxies to a real centre server, under a schedule
// of kill -9, partitions, delays, cuts and full disks drawn from a seed; then heal and check
// the sync guarantees (docs/testing.md).
//
//   GUICHET_SOAK=N [GUICHET_SOAK_FIRST=S]  runs seeds S … S+N-1 (default S = 1)
//   GUICHET_FAULT_SEED=S                   replays one seed
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "guichet/crash/crash_point.hpp"
#include "harness/runner.hpp"
#include "harness/seeds.hpp"

namespace {

using guichet::fault::Fault;
using guichet::fault::FaultKind;
using guichet::fault::RunOptions;
using guichet::fault::RunResult;

RunOptions ci_options(std::uint64_t seed) {
  RunOptions o;
  o.seed = seed;
  o.terminals = 3;
  o.schedule.duration_ms = 4000;
  o.schedule.terminals = 3;
  o.schedule.faults = 12;
  return o;
}

const guichet::fault::SeedRuns& seeds() {
  static const guichet::fault::SeedRuns runs{GUICHET_FAULT_TEST_PROGRAM, "FaultTokens.Replay", [](std::uint64_t seed) {
                                               return guichet::fault::run_token_scenario(
                                                   guichet::fault::built_programs(), ci_options(seed));
                                             }};
  return runs;
}

std::string report(const RunResult& r) { return guichet::fault::report(r, seeds()); }

RunResult run_seed(std::uint64_t seed) { return guichet::fault::run_seed(seeds(), seed); }

TEST(FaultTokens, FixedSeeds) {
  for (std::uint64_t seed : {11u, 23u, 37u}) {
    auto r = run_seed(seed);
    EXPECT_TRUE(r.ok()) << report(r);
    EXPECT_GT(r.entries, 0);
  }
}

TEST(FaultTokens, FullDiskRefusesNewWorkKeepsWhatItWroteAndDrainsWhenSpaceReturns) {
  RunOptions o = ci_options(5);
  o.terminals = 1;
  Fault f;
  f.kind = FaultKind::DiskFull;
  f.at_ms = 600;
  f.duration_ms = 1200;
  Fault stall;  // entries pile up in the outbox while the disk fills, and after
  stall.kind = FaultKind::PartitionStall;
  stall.at_ms = 300;
  stall.duration_ms = 2500;
  o.faults = std::vector<Fault>{stall, f};
  o.schedule.duration_ms = 2800;
  auto r = guichet::fault::run_token_scenario(guichet::fault::built_programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_GT(r.refused, 0) << "the full disk never refused new work";
  EXPECT_GT(r.entries, 10);
  // Where this process may mount one, the disk is a small filesystem that really filled up.
  EXPECT_TRUE(r.small_disks == 1 || !r.no_small_disk.empty());
  // Once the room was back, the terminal took new work again (1 s at one entry every ~40 ms).
  ASSERT_EQ(r.written_when_room_returned.count(0), 1u);
  ASSERT_EQ(r.written.size(), 1u);
  EXPECT_GT(r.written[0], r.written_when_room_returned.at(0) + 5)
      << "written when the room came back: " << r.written_when_room_returned.at(0) << ", at the end: " << r.written[0];
}

// A kill -9 where a terminal's batch is stored at the centre server but not recorded in its
// outbox, and where the server's commit is durable but unanswered: nothing lost, nothing doubled.
TEST(FaultTokens, AKillAtEachCrashPointLosesAndDoublesNothing) {
  RunOptions o = ci_options(5);
  auto crash = [](FaultKind kind, const char* point, int at_ms, int target) {
    return guichet::fault::crash_fault(kind, point, at_ms, target, 2, 300);
  };
  o.faults = std::vector<Fault>{
      crash(FaultKind::CrashTerminal, guichet::crash::kTerminalAnswered, 400, 0),
      crash(FaultKind::CrashServer, guichet::crash::kServerStored, 1200, 0),
      crash(FaultKind::CrashTerminal, guichet::crash::kTerminalAnswered, 2000, 2),
  };
  o.schedule.duration_ms = 3000;
  auto r = guichet::fault::run_token_scenario(guichet::fault::built_programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_EQ(r.crash_points_fired, 3) << "a point was not reached before heal: its window went untested";
  EXPECT_EQ(r.terminal_restarts, 2);
  EXPECT_EQ(r.server_restarts, 1);
}

TEST(FaultTokens, Soak) {
  auto soak = guichet::fault::soak_from_environment(seeds());
  if (!soak) GTEST_SKIP() << "set GUICHET_SOAK=N to run N seeds";
  EXPECT_TRUE(soak->failed.empty()) << soak->text;
}

TEST(FaultTokens, Replay) {
  auto r = guichet::fault::replay_from_environment(seeds());
  if (!r) GTEST_SKIP() << "set GUICHET_FAULT_SEED=S to replay seed S";
  EXPECT_TRUE(r->ok()) << report(*r);
}

}  // namespace
