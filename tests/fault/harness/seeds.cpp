#include "seeds.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace guichet::fault {

namespace {

std::string ms(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("-"); }

std::string median_max(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return "median " + std::to_string(v.empty() ? 0 : v[v.size() / 2]) + ", max " +
         std::to_string(v.empty() ? 0 : v.back());
}

}  // namespace

Programs built_programs() {
  return {GUICHET_BINARY_DIR "/sync-server/guichet-server", GUICHET_FAULT_TERMINAL_PROGRAM,
          GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml"};
}

std::string rerun_command(const SeedRuns& runs, std::uint64_t seed) {
  return "GUICHET_FAULT_SEED=" + std::to_string(seed) + " " + runs.program.string() +
         " --gtest_filter=" + runs.replay_test;
}

// How the full disks of a run were full.
std::string full_disks(const RunResult& r) {
  if (r.small_disks > 0) return " (" + std::to_string(r.small_disks) + " small filesystem filled up)";
  if (!r.no_small_disk.empty()) return " (a file size limit: " + r.no_small_disk + ")";
  return "";
}

std::string report(const RunResult& r, const SeedRuns& runs) {
  std::string out = "seed " + std::to_string(r.seed) + ": ";
  if (r.applications) {
    out += std::to_string(r.entries) + " applications (" + std::to_string(r.counter_entries) + " at counters), " +
           std::to_string(r.status_changes) + " status changes at central, " + std::to_string(r.server_restarts) +
           " centre kills, " + std::to_string(r.central_restarts) + " central kills, " +
           std::to_string(r.terminal_restarts) + " terminal kills (" + std::to_string(r.crash_points_fired) + " of " +
           std::to_string(r.crash_points_armed) + " armed crash points reached), " + std::to_string(r.refused) +
           " refused on a full disk" + full_disks(r) + "; after heal: relay drained at " + ms(r.relay_ms) +
           " ms, statuses everywhere at " + ms(r.statuses_ms) + " ms; drain ms:";
  } else {
    out += std::to_string(r.entries) + " entries, " + std::to_string(r.server_restarts) + " server kills, " +
           std::to_string(r.terminal_restarts) + " terminal kills (" + std::to_string(r.crash_points_fired) + " of " +
           std::to_string(r.crash_points_armed) + " armed crash points reached), " + std::to_string(r.refused) +
           " refused on a full disk" + full_disks(r) + ", drain ms:";
  }
  for (auto d : r.drain_ms) out += " " + std::to_string(d);
  if (!r.no_private_network.empty()) out += " (lose partitions at the proxies only: " + r.no_private_network + ")";
  if (!r.ok()) {
    out += "\nFAILED. Rerun: " + rerun_command(runs, r.seed) + "\nschedule:\n";
    for (const auto& s : r.schedule) out += "  " + s + "\n";
    out += "problems:\n";
    for (std::size_t i = 0; i < r.problems.size() && i < 40; ++i) out += "  " + r.problems[i] + "\n";
    if (r.problems.size() > 40) out += "  … and " + std::to_string(r.problems.size() - 40) + " more\n";
    out += "files: " + r.dir + " (kept with GUICHET_KEEP_TEST_DIRS=1)";
  }
  return out;
}

RunResult run_seed(const SeedRuns& runs, std::uint64_t seed) {
  auto r = runs.run(seed);
  std::cout << report(r, runs) << std::endl;
  return r;
}

std::optional<SoakSummary> soak_from_environment(const SeedRuns& runs) {
  const char* n = std::getenv("GUICHET_SOAK");
  if (!n) return std::nullopt;
  const char* first_text = std::getenv("GUICHET_SOAK_FIRST");
  const std::uint64_t first = first_text ? std::strtoull(first_text, nullptr, 10) : 1;
  const std::uint64_t count = std::strtoull(n, nullptr, 10);
  const auto t0 = std::chrono::steady_clock::now();
  SoakSummary summary;
  std::vector<std::int64_t> drains, relays, statuses;
  std::int64_t entries = 0, changes = 0, kills = 0, crashes = 0;
  bool applications = false;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    auto r = run_seed(runs, seed);
    applications = applications || r.applications;
    entries += r.entries;
    changes += r.status_changes;
    kills += r.server_restarts + r.central_restarts + r.terminal_restarts;
    crashes += r.crash_points_fired;
    drains.insert(drains.end(), r.drain_ms.begin(), r.drain_ms.end());
    if (r.relay_ms) relays.push_back(*r.relay_ms);
    if (r.statuses_ms) statuses.push_back(*r.statuses_ms);
    if (!r.ok()) summary.failed.push_back(seed);
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count() / 1000.0;
  std::ostringstream took;
  took << seconds;
  summary.text =
      "soak: " + std::to_string(count) + " seeds from " + std::to_string(first) + " in " + took.str() + " s, ";
  if (applications) {
    summary.text += std::to_string(entries) + " applications, " + std::to_string(changes) + " status changes, " +
                    std::to_string(kills) + " kills (" + std::to_string(crashes) +
                    " at crash points); outbox drain ms " + median_max(drains) + "; relay drained ms " +
                    median_max(relays) + "; statuses everywhere ms " + median_max(statuses);
  } else {
    summary.text += std::to_string(entries) + " entries, " + std::to_string(kills) + " kills (" +
                    std::to_string(crashes) + " at crash points); drain ms " + median_max(drains);
  }
  summary.text += "; " + std::to_string(summary.failed.size()) + " failed";
  std::cout << summary.text << std::endl;
  for (auto seed : summary.failed)
    std::cout << "failed seed " << seed << ": rerun with " << rerun_command(runs, seed) << std::endl;
  return summary;
}

std::optional<RunResult> replay_from_environment(const SeedRuns& runs) {
  const char* seed = std::getenv("GUICHET_FAULT_SEED");
  if (!seed) return std::nullopt;
  RunResult r = run_seed(runs, std::strtoull(seed, nullptr, 10));
  if (r.ok()) {  // a failed run's report already holds it
    std::cout << "schedule:\n";
    for (const auto& s : r.schedule) std::cout << "  " << s << "\n";
    std::cout << std::flush;
  }
  return r;
}

}  // namespace guichet::fault
