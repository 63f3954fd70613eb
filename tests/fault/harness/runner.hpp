// The fault-injection runner: real processes under a supervisor, links through fault proxies, a
// schedule of faults from a seed, then heal, drain and check (docs/testing.md).
//
// A scenario is a set of process kinds and a list of checkers over what the run left on disk
// (Evidence). The token scenario (terminals posting queue tokens to a centre server) is the first;
// later scenarios add their processes (a central server, application filing terminals) and their
// checkers, and reuse the supervisor, the proxies and the schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "guichet/testing/process.hpp"
#include "schedule.hpp"

namespace guichet::fault {

// A process the supervisor can start, kill -9 and start again with fresh arguments (each start
// asks `args` for them: a restarted server has a new port, a restarted terminal a new clock skew).
class ManagedProcess {
 public:
  using Args = std::function<std::vector<std::string>(int start)>;
  ManagedProcess(std::string name, std::filesystem::path program, Args args, std::filesystem::path log_dir, bool piped);
  void start();
  void kill9();
  int stop(std::chrono::milliseconds grace);
  bool running();
  int starts() const { return starts_; }
  // One command line in, one answer line out (piped processes); nullopt if none came in time.
  // An answer that comes after its question timed out is skipped, not taken for the next one's.
  std::optional<std::string> ask(const std::string& line, std::chrono::milliseconds timeout);
  testing::Process* process() { return process_.get(); }
  const std::string& name() const { return name_; }

  // Crash points (guichet/crash/crash_point.hpp): every start gets GUICHET_CRASH_FILE. Arming
  // makes the process die at the `pass`-th pass through `point` from now on.
  std::filesystem::path crash_file() const { return log_dir_ / (name_ + ".crash"); }
  void arm_crash(const std::string& point, int pass);
  // Takes the arming back. True if the point had fired (the process is then dead, or about to be:
  // it is waited for).
  bool disarm_crash();
  // Whether the armed point fired and the process died of it (or was started again since); true
  // once per firing.
  bool crashed();

 private:
  std::string name_;
  std::filesystem::path program_;
  Args args_;
  std::filesystem::path log_dir_;
  bool piped_;
  int starts_ = 0;
  int armed_at_start_ = 0;  // starts_ when the crash point was armed
  int unanswered_ = 0;      // questions of this start whose answers did not come in time
  std::unique_ptr<testing::Process> process_;
};

struct TerminalEvidence {
  std::string device;
  std::filesystem::path data_dir;        // outbox.sqlite, journal (its logs: terminal_log_dir)
  std::optional<std::int64_t> drain_ms;  // from heal to an empty outbox; nullopt: not within the bound
  std::string drain_answer;              // the terminal's answer to "drain" when it did not drain
  std::int64_t refused = 0;              // new work refused (disk full)
  std::string stderr_text;               // every run's standard error
  // The application scenario: how this terminal files (a counter: its operator, the fee collected).
  std::string channel = "kiosk";
  std::string operator_id;
  std::int64_t fee_minor = 0;
};

struct Evidence {
  std::filesystem::path server_db;  // the centre node's
  std::vector<TerminalEvidence> terminals;
  std::int64_t drain_bound_ms = 0;
  // The application scenario: central's database, and the statuses its officers set there (the
  // last one each application was confirmed with, 200), which must be central's and every
  // terminal's at the end.
  std::filesystem::path central_db;
  std::map<std::string, std::string> officer_statuses;
};

// A checker reads the evidence and adds one sentence per problem it finds.
struct Checker {
  std::string name;
  std::function<void(const Evidence&, std::vector<std::string>& problems)> check;
};
std::vector<Checker> token_checkers();
// Applications filed by terminals, relayed by the centre node to central; statuses set at central.
std::vector<Checker> application_checkers();

struct RunOptions {
  std::uint64_t seed = 1;
  int terminals = 3;
  ScheduleOptions schedule;
  std::int64_t drain_bound_ms = 20000;       // stated bound: every outbox drains within this after heal
  std::int64_t max_skew_ms = 3600000;        // terminal clocks are off by up to this, either way
  int interval_ms = 40;                      // a terminal writes new work about this often
  std::optional<std::vector<Fault>> faults;  // instead of the seed's schedule (focused tests)
  // The application scenario: after the outboxes drained, the centre node's relay to central
  // drains within this, and then every officer's status change reaches every terminal within this.
  std::int64_t relay_bound_ms = 20000;
  std::int64_t status_bound_ms = 20000;
  int officer_interval_ms = 150;  // an officer at central changes a status about this often
  // The application scenario: the last `counters` of the terminals are counters (devices C1, C2,
  // …): an operator logged in at counter C1, C2, … files each application there, channel
  // "counter", with the service's fee collected. The others are kiosks (K1, K2, …).
  int counters = 1;
};

struct RunResult {
  std::uint64_t seed = 0;
  bool applications = false;          // the application scenario's run (else the token one's)
  std::vector<std::string> schedule;  // the faults, described
  std::vector<std::string> problems;  // empty: every checker passed
  std::vector<std::int64_t> drain_ms;
  std::int64_t entries = 0;          // outbox entries over all terminals
  std::int64_t counter_entries = 0;  // of which filed at counters (application scenario)
  std::int64_t refused = 0;          // new work refused while a disk was full
  std::int64_t server_restarts = 0;
  std::int64_t terminal_restarts = 0;
  std::int64_t central_restarts = 0;  // application scenario
  std::vector<std::int64_t> written;  // per terminal: the entries it journaled over the run
  // Per terminal whose disk was full: what it had journaled when the room came back.
  std::map<int, std::int64_t> written_when_room_returned;
  int small_disks = 0;                      // terminals whose disk really filled (a small filesystem)
  std::string no_small_disk;                // why a full disk was a file size limit instead
  std::string no_private_network;           // why a `lose` only discarded at the proxies
  std::int64_t crash_points_armed = 0;      // kills at crash points the schedule armed
  std::int64_t crash_points_fired = 0;      // of which the process reached (the others: disarmed at heal)
  std::int64_t status_changes = 0;          // confirmed by central (application scenario)
  std::optional<std::int64_t> relay_ms;     // heal to an empty relay outbox at the centre
  std::optional<std::int64_t> statuses_ms;  // heal to every status at every terminal
  std::string dir;                          // kept with GUICHET_KEEP_TEST_DIRS=1
  bool ok() const { return problems.empty(); }
};

struct Programs {
  std::filesystem::path server;
  std::filesystem::path terminal;
  std::filesystem::path catalogue;
};

// Terminals posting queue tokens through fault proxies to a centre server, under the seed's
// schedule; then heal, drain, stop everything and run token_checkers().
RunResult run_token_scenario(const Programs& programs, const RunOptions& options);

// Terminals (--work applications) filing applications through fault proxies to a centre node,
// which relays them through a fault proxy (the WAN link) to a central server, where an officer
// changes statuses while the schedule (options.schedule.central) kills and cuts all of it; then
// heal, wait for the outboxes, the relay and the statuses, stop everything and run
// application_checkers().
RunResult run_application_scenario(const Programs& programs, const RunOptions& options);

}  // namespace guichet::fault
