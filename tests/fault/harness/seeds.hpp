// Running a scenario seed by seed from a test program (docs/testing.md): the programs of this
// build, one report line per seed (the schedule, the problems and the command that replays it
// when it failed), the soak over many seeds (GUICHET_SOAK=N, GUICHET_SOAK_FIRST=S) and the replay
// of one (GUICHET_FAULT_SEED=S). Both fault test programs use these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runner.hpp"

namespace guichet::fault {

// The server, the fault terminal and the demo catalogue of this build.
Programs built_programs();

struct SeedRuns {
  std::filesystem::path program;  // the test program, for the command that replays a seed
  std::string replay_test;        // its replay test ("FaultTokens.Replay")
  std::function<RunResult(std::uint64_t seed)> run;
};

// "GUICHET_FAULT_SEED=S PROGRAM --gtest_filter=REPLAY_TEST"
std::string rerun_command(const SeedRuns& runs, std::uint64_t seed);
// One line (counts, kills, drain times; for applications also the relay's and the statuses'
// times); when the run failed, its schedule, its problems (up to 40), the rerun command and where
// its files are.
std::string report(const RunResult& result, const SeedRuns& runs);
// Runs one seed and prints its report.
RunResult run_seed(const SeedRuns& runs, std::uint64_t seed);

struct SoakSummary {
  std::string text;  // the last line: seeds, counts, medians and maxima, failures
  std::vector<std::uint64_t> failed;
};
// With GUICHET_SOAK=N: runs seeds GUICHET_SOAK_FIRST (default 1) … +N-1, prints each seed's
// report, the summary and the rerun command of every failed seed. nullopt without GUICHET_SOAK.
std::optional<SoakSummary> soak_from_environment(const SeedRuns& runs);
// With GUICHET_FAULT_SEED=S: runs seed S, prints its report and its schedule (whatever the
// result: a replay is for looking at what happened). nullopt without GUICHET_FAULT_SEED.
std::optional<RunResult> replay_from_environment(const SeedRuns& runs);

}  // namespace guichet::fault
