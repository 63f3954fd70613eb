// Randomized fault-injection runs of applications: terminals (core/sync Outbox + SyncEngine +
// ChangeFeed in their own processes) file applications through fault proxies to a real centre
// node, which relays them through another fault proxy (the WAN link) to a real central server,
// where a department officer changes statuses. The schedule from a seed kills -9 terminals, the
// centre node and central, and partitions, delays and cuts the links and the WAN; then heal and
// check (docs/testing.md).
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
  o.interval_ms = 60;
  o.schedule.duration_ms = 5000;
  o.schedule.terminals = 3;
  o.schedule.faults = 14;
  return o;
}

const guichet::fault::SeedRuns& seeds() {
  static const guichet::fault::SeedRuns runs{
      GUICHET_FAULT_TEST_PROGRAM, "FaultApplications.Replay", [](std::uint64_t seed) {
        return guichet::fault::run_application_scenario(guichet::fault::built_programs(), ci_options(seed));
      }};
  return runs;
}

std::string report(const RunResult& r) { return guichet::fault::report(r, seeds()); }

// A kill at the first pass through `point` from `at_ms` on, the process started again 200 ms later.
Fault crash(FaultKind kind, const char* point, int at_ms, int target) {
  return guichet::fault::crash_fault(kind, point, at_ms, target, 1, 200);
}

RunResult run_seed(std::uint64_t seed) { return guichet::fault::run_seed(seeds(), seed); }

TEST(FaultApplications, FixedSeeds) {
  for (std::uint64_t seed : {7u, 19u, 53u}) {
    auto r = run_seed(seed);
    EXPECT_TRUE(r.ok()) << report(r);
    EXPECT_GT(r.entries, 0);
    EXPECT_GT(r.counter_entries, 0) << "no filing at a counter: the checkers proved nothing for counters";
    EXPECT_GE(r.status_changes, 3) << "the officer changed too few statuses: little to carry back down";
  }
}

// A WAN outage over the whole run, with central killed inside it: the centre node keeps taking
// applications, and everything (up and down) flows once the link returns.
TEST(FaultApplications, LongWanOutageIsNormalOperation) {
  RunOptions o = ci_options(3);
  Fault outage;
  outage.kind = FaultKind::WanPartitionDrop;
  outage.at_ms = 200;
  outage.duration_ms = 3500;
  Fault kill;
  kill.kind = FaultKind::KillCentral;
  kill.at_ms = 1500;
  kill.duration_ms = 800;
  Fault centre;
  centre.kind = FaultKind::KillServer;
  centre.at_ms = 2500;
  centre.duration_ms = 300;
  o.faults = std::vector<Fault>{outage, kill, centre};
  o.schedule.duration_ms = 4000;
  auto r = guichet::fault::run_application_scenario(guichet::fault::built_programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_EQ(r.central_restarts, 1);
  EXPECT_GT(r.entries, 30);
}

// A kill -9 at each point of the protocol where one side holds what the other does not know of
// yet: a terminal's batch stored at the centre but not recorded in its outbox; the centre node's
// commit durable but unanswered; its relay with central's answers, or central's status changes,
// not yet stored; central's commit unanswered. Each process is started again after it died.
TEST(FaultApplications, AKillAtEachCrashPointLosesAndDoublesNothing) {
  RunOptions o = ci_options(5);
  namespace crash_point = guichet::crash;
  o.faults = std::vector<Fault>{
      crash(FaultKind::CrashTerminal, crash_point::kTerminalAnswered, 300, 0),
      crash(FaultKind::CrashServer, crash_point::kServerStored, 900, 0),
      crash(FaultKind::CrashServer, crash_point::kRelayAnswered, 1600, 0),
      crash(FaultKind::CrashServer, crash_point::kRelayPulled, 2300, 0),
      crash(FaultKind::CrashCentral, crash_point::kServerStored, 3000, 0),
      crash(FaultKind::CrashTerminal, crash_point::kTerminalAnswered, 3600, 2),  // the counter
  };
  o.schedule.duration_ms = 4000;
  auto r = guichet::fault::run_application_scenario(guichet::fault::built_programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_EQ(r.crash_points_armed, 6);
  EXPECT_EQ(r.crash_points_fired, 6) << "a point was not reached before heal: its window went untested";
  EXPECT_EQ(r.terminal_restarts, 2);
  EXPECT_EQ(r.server_restarts, 3);
  EXPECT_EQ(r.central_restarts, 1);
}

// The same for the counters' scanned pages, sent one file a request: a page stored at the centre
// node but not recorded at the counter; a file durable at the centre node, or at central, but not
// answered; the centre's file queue with central's answer not yet stored. Every page is then at
// both servers, byte for byte, and each filing at central names its page (the checker "every
// scanned page …").
TEST(FaultApplications, AKillAtEachScannedFileCrashPointLosesAndDoublesNothing) {
  RunOptions o = ci_options(11);
  namespace crash_point = guichet::crash;
  o.faults = std::vector<Fault>{
      crash(FaultKind::CrashTerminal, crash_point::kTerminalFileAnswered, 300, 2),  // the counter
      crash(FaultKind::CrashServer, crash_point::kServerFileStored, 1000, 0),
      crash(FaultKind::CrashServer, crash_point::kRelayFileAnswered, 1700, 0),
      crash(FaultKind::CrashCentral, crash_point::kServerFileStored, 2400, 0),
  };
  o.schedule.duration_ms = 3000;
  auto r = guichet::fault::run_application_scenario(guichet::fault::built_programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_GT(r.counter_entries, 10);
  EXPECT_EQ(r.crash_points_armed, 4);
  EXPECT_EQ(r.crash_points_fired, 4) << "a point was not reached before heal: its window went untested";
  EXPECT_EQ(r.terminal_restarts, 1);
  EXPECT_EQ(r.server_restarts, 2);
  EXPECT_EQ(r.central_restarts, 1);
}

TEST(FaultApplications, Soak) {
  auto soak = guichet::fault::soak_from_environment(seeds());
  if (!soak) GTEST_SKIP() << "set GUICHET_SOAK=N to run N seeds";
  EXPECT_TRUE(soak->failed.empty()) << soak->text;
}

TEST(FaultApplications, Replay) {
  auto r = guichet::fault::replay_from_environment(seeds());
  if (!r) GTEST_SKIP() << "set GUICHET_FAULT_SEED=S to replay seed S";
  EXPECT_TRUE(r->ok()) << report(*r);
}

}  // namespace
