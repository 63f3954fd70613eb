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

#include "harness/runner.hpp"

namespace {

using namespace std::chrono_literals;
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
         " --gtest_filter=FaultTokens.Replay";
}

std::string report(const RunResult& r) {
  std::string out = "seed " + std::to_string(r.seed) + ": " + std::to_string(r.entries) + " entries, " +
                    std::to_string(r.server_restarts) + " server kills, " + std::to_string(r.terminal_restarts) +
                    " terminal kills, " + std::to_string(r.refused) + " refused on a full disk, drain ms:";
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
  o.schedule.duration_ms = 4000;
  o.schedule.terminals = 3;
  o.schedule.faults = 12;
  return o;
}

RunResult run_seed(std::uint64_t seed) {
  auto r = guichet::fault::run_token_scenario(programs(), ci_options(seed));
  std::cout << report(r) << std::endl;
  return r;
}

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
  f.duration_ms = 1500;
  Fault stall;  // entries pile up in the outbox while the disk fills
  stall.kind = FaultKind::PartitionStall;
  stall.at_ms = 300;
  stall.duration_ms = 2000;
  o.faults = std::vector<Fault>{stall, f};
  o.schedule.duration_ms = 2500;
  auto r = guichet::fault::run_token_scenario(programs(), o);
  std::cout << report(r) << std::endl;
  EXPECT_TRUE(r.ok()) << report(r);
  EXPECT_GT(r.refused, 0) << "the full disk never refused new work";
  EXPECT_GT(r.entries, 10);
}

TEST(FaultTokens, Soak) {
  const char* n = std::getenv("GUICHET_SOAK");
  if (!n) GTEST_SKIP() << "set GUICHET_SOAK=N to run N seeds";
  const char* first_text = std::getenv("GUICHET_SOAK_FIRST");
  const std::uint64_t first = first_text ? std::strtoull(first_text, nullptr, 10) : 1;
  const std::uint64_t count = std::strtoull(n, nullptr, 10);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int64_t> drains;
  std::vector<std::uint64_t> failed;
  std::int64_t entries = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    auto r = run_seed(seed);
    entries += r.entries;
    drains.insert(drains.end(), r.drain_ms.begin(), r.drain_ms.end());
    if (!r.ok()) failed.push_back(seed);
  }
  std::sort(drains.begin(), drains.end());
  const auto seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count() / 1000.0;
  std::cout << "soak: " << count << " seeds from " << first << " in " << seconds << " s, " << entries
            << " entries; drain ms median " << (drains.empty() ? 0 : drains[drains.size() / 2]) << ", max "
            << (drains.empty() ? 0 : drains.back()) << "; " << failed.size() << " failed" << std::endl;
  for (auto seed : failed) std::cout << "failed seed " << seed << ": rerun with " << rerun_command(seed) << std::endl;
  EXPECT_TRUE(failed.empty());
}

TEST(FaultTokens, Replay) {
  const char* seed = std::getenv("GUICHET_FAULT_SEED");
  if (!seed) GTEST_SKIP() << "set GUICHET_FAULT_SEED=S to replay seed S";
  auto r = run_seed(std::strtoull(seed, nullptr, 10));
  EXPECT_TRUE(r.ok()) << report(r);
}

}  // namespace
