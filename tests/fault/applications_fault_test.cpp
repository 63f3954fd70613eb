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

#include "harness/runner.hpp"

namespace {

using guichet::fault::Fault;
using guichet::fault::FaultKind;
using guichet::fault::RunOptions;
using guichet::fault::RunResult;

guichet::fault::Programs programs() {
  return {GUICHET_BINARY_DIR "/sync-server/guichet-server", GUICHET_FAULT_TERMINAL_PROGRAM,
          GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml"};
}

std::string rerun_command(std::uint64_t seed) {
  return "GUICHET_FAULT_SEED=" + std::to_string(seed) + " " GUICHET_FAULT_TEST_PROGRAM +
         " --gtest_filter=FaultApplications.Replay";
}

std::string ms(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("-"); }

std::string report(const RunResult& r) {
  std::string out = "seed " + std::to_string(r.seed) + ": " + std::to_string(r.entries) + " applications, " +
                    std::to_string(r.status_changes) + " status changes at central, " +
                    std::to_string(r.server_restarts) + " centre kills, " + std::to_string(r.central_restarts) +
                    " central kills, " + std::to_string(r.terminal_restarts) + " terminal kills, " +
                    std::to_string(r.refused) + " refused on a full disk; after heal: relay drained at " +
                    ms(r.relay_ms) + " ms, statuses everywhere at " + ms(r.statuses_ms) + " ms; drain ms:";
  for (auto d : r.drain_ms) out += " " + std::to_string(d);
  if (!r.ok()) {
    out += "\nFAILED. Rerun: " + rerun_command(r.seed) + "\nschedule:\n";
    for (const auto& s : r.schedule) out += "  " + s + "\n";
    out += "problems:\n";
    for (std::size_t i = 0; i < r.problems.size() && i < 40; ++i) out += "  " + r.problems[i] + "\n";
    if (r.problems.size() > 40) out += "  … and " + std::to_string(r.problems.size() - 40) + " more\n";
    out += "files: " + r.dir + " (kept with GUICHET_KEEP_TEST_DIRS=1)";
  }
  return out;
}

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

RunResult run_seed(std::uint64_t seed) {
  auto r = guichet::fault::run_application_scenario(programs(), ci_options(seed));
  std::cout << report(r) << std::endl;
  return r;
}

TEST(FaultApplications, FixedSeeds) {
  for (std::uint64_t seed : {7u, 19u, 41u}) {
    auto r = run_seed(seed);
    EXPECT_TRUE(r.ok()) << report(r);
    EXPECT_GT(r.entries, 0);
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
  auto r = guichet::fault::run_application_scenario(programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_EQ(r.central_restarts, 1);
  EXPECT_GT(r.entries, 30);
}

TEST(FaultApplications, Soak) {
  const char* n = std::getenv("GUICHET_SOAK");
  if (!n) GTEST_SKIP() << "set GUICHET_SOAK=N to run N seeds";
  const char* first_text = std::getenv("GUICHET_SOAK_FIRST");
  const std::uint64_t first = first_text ? std::strtoull(first_text, nullptr, 10) : 1;
  const std::uint64_t count = std::strtoull(n, nullptr, 10);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int64_t> drains, relays, statuses;
  std::vector<std::uint64_t> failed;
  std::int64_t entries = 0, changes = 0, kills = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    auto r = run_seed(seed);
    entries += r.entries;
    changes += r.status_changes;
    kills += r.server_restarts + r.central_restarts + r.terminal_restarts;
    drains.insert(drains.end(), r.drain_ms.begin(), r.drain_ms.end());
    if (r.relay_ms) relays.push_back(*r.relay_ms);
    if (r.statuses_ms) statuses.push_back(*r.statuses_ms);
    if (!r.ok()) failed.push_back(seed);
  }
  auto median_max = [](std::vector<std::int64_t>& v) {
    std::sort(v.begin(), v.end());
    return "median " + std::to_string(v.empty() ? 0 : v[v.size() / 2]) + ", max " +
           std::to_string(v.empty() ? 0 : v.back());
  };
  const auto seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count() / 1000.0;
  std::cout << "soak: " << count << " seeds from " << first << " in " << seconds << " s, " << entries
            << " applications, " << changes << " status changes, " << kills << " kills; outbox drain ms "
            << median_max(drains) << "; relay drained ms " << median_max(relays) << "; statuses everywhere ms "
            << median_max(statuses) << "; " << failed.size() << " failed" << std::endl;
  for (auto seed : failed) std::cout << "failed seed " << seed << ": rerun with " << rerun_command(seed) << std::endl;
  EXPECT_TRUE(failed.empty());
}

TEST(FaultApplications, Replay) {
  const char* seed = std::getenv("GUICHET_FAULT_SEED");
  if (!seed) GTEST_SKIP() << "set GUICHET_FAULT_SEED=S to replay seed S";
  auto r = run_seed(std::strtoull(seed, nullptr, 10));
  EXPECT_TRUE(r.ok()) << report(r);
}

}  // namespace
