// The runner's parts shared by its scenarios (runner.cpp, applications.cpp): what faults act on,
// the schedule played as timed actions, and readers of what a run left on disk.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "guichet/fault/fault_proxy.hpp"
#include "guichet/store/sqlite.hpp"
#include "guichet/testing/private_network.hpp"
#include "runner.hpp"
#include "small_disk.hpp"

namespace guichet::fault::detail {

// The servers' clock origin in every scenario (a working morning in the centre's time zone).
inline constexpr const char* kTimeOrigin = "2026-11-23T09:30:00+05:30";

// What the schedule's faults act on. The WAN link and central exist in the application scenario only.
struct Targets {
  ManagedProcess* server = nullptr;
  std::function<bool()> start_server;
  std::vector<FaultProxy*> links;  // terminal i's link to the centre
  std::vector<ManagedProcess*> terminals;
  std::vector<SmallDisk*> disks;  // terminal i's small disk, or null (its full disk is then a file size limit)
  ManagedProcess* central = nullptr;
  std::function<bool()> start_central;
  FaultProxy* wan = nullptr;  // the centre node's link to central

  // Processes armed at a crash point: each is started again `down` after it died there, as its
  // service manager would (supervise()).
  struct Armed {
    ManagedProcess* process = nullptr;
    std::function<bool()> restart;
    std::chrono::milliseconds down{0};
    std::int64_t* restarts = nullptr;  // the run's count for its kind
    std::string what;
    std::optional<std::chrono::steady_clock::time_point> died;
    bool done = false;
  };
  std::vector<Armed> armed;
};

// The schedule, as timed actions: each fault starts, and those with a duration end.
struct Action {
  int at_ms;
  std::function<void()> run;
};

struct OutboxRow {
  std::int64_t seq;
  std::string state;
  int status;
  std::string hlc;
  std::string body;
};

std::int64_t seq_of(const std::string& key);  // "K1:42" -> 42
store::Db open_read_only(const std::filesystem::path& path);
std::vector<OutboxRow> outbox_rows(const std::filesystem::path& dir);
// The server's idempotency log for one device (seq, status), in the order the server stored it.
std::vector<std::pair<std::int64_t, int>> server_keys(store::Db& db, const std::string& device);
// Terminal `index`'s small disk when the schedule fills its disk and this process may mount one
// (else null: the terminal is told to limit its file sizes instead, and the result says why).
// Called before anything is written in `dir`.
std::unique_ptr<SmallDisk> small_disk_for(int index, const std::vector<Fault>& faults, const std::filesystem::path& dir,
                                          RunResult& result);
std::vector<Action> plan(const std::vector<Fault>& faults, Targets& targets, RunResult& result);
// Starts guichet-fault-terminal number `index` (its data directory and device from `terminal`),
// speaking to the centre through the proxy on `proxy_port`. Each start draws a new clock skew
// from `rng` (kept by reference: it must outlive the process) and a new writer seed; the scenario
// adds its own arguments (`extra_args`: --work applications …).
std::unique_ptr<ManagedProcess> start_terminal(const Programs& programs, const RunOptions& options,
                                               const TerminalEvidence& terminal, std::uint16_t proxy_port, int index,
                                               std::mt19937_64& rng, std::vector<std::string> extra_args = {});
// Where terminal's standard output and error, and its crash-point file, are: beside its data
// directory, not in it (a full disk there does not silence it, as a kiosk's logs are kept apart).
std::filesystem::path terminal_log_dir(const TerminalEvidence& terminal);
// Why a terminal did not drain, for the checker's sentence.
std::string describe_no_drain(ManagedProcess& terminal, const std::optional<std::string>& answer);
// Plays the actions at their times; meanwhile, every 20 ms, supervise().
void play(std::vector<Action>& actions, std::chrono::steady_clock::time_point t0, Targets& targets, RunResult& result);
// Notices the processes that died at their crash point and starts them again once their time
// down is over.
void supervise(Targets& targets, RunResult& result);
// At heal: no point armed any more (a point that fired at the last moment is counted, and its
// process waited for: the heal starts it again).
void disarm_crashes(Targets& targets, RunResult& result);
// Asks every terminal to exit (stopping one that does not) and gathers each one's refusals and
// standard error into the evidence.
void stop_terminals(std::vector<std::unique_ptr<ManagedProcess>>& terminals, Evidence& evidence, RunResult& result);
// The centre node's command line: `serve --role centre` on a free loopback port written to
// `port_file`, one thread, the scenarios' clock origin; `extra` adds the relay's arguments.
std::vector<std::string> centre_args(const Programs& programs, const std::filesystem::path& db,
                                     const std::filesystem::path& port_file, std::vector<std::string> extra = {});
// The run's own network (testing::PrivateNetwork), made before its proxies and processes, so that
// a `lose` partition drops its lost connections' packets as a real link does (lose_paths) and a
// request on one is not acknowledged. Null, with the reason in result.no_private_network, where
// the test may not make one: a `lose` then only discards at the proxy.
std::unique_ptr<testing::PrivateNetwork> private_network(RunResult& result);
// A proxy's options whose `lose` partitions cut their connections' paths in `net` (when not null).
void cut_lost_paths(ProxyOptions& options, testing::PrivateNetwork* net);
// One fault proxy per terminal's link to the centre, pointed at the centre once it listens.
std::vector<std::unique_ptr<FaultProxy>> terminal_links(const RunOptions& options, testing::PrivateNetwork* net);
// Starts (or restarts) the centre node, waits for its port file and points every terminal's link
// at it. Its port, or nothing when it did not start.
std::optional<int> start_centre(ManagedProcess& server, const std::filesystem::path& port_file,
                                std::vector<std::unique_ptr<FaultProxy>>& links);
// At heal: restarts every terminal that is down, gives back disk room and stops new work.
void heal_terminals(std::vector<std::unique_ptr<ManagedProcess>>& terminals);
// Asks each terminal to drain within what is left of the drain bound since `healed`, and records
// when it did (or why not) and how much work it refused.
void drain_terminals(std::vector<std::unique_ptr<ManagedProcess>>& terminals, Evidence& evidence,
                     const RunOptions& options, std::chrono::steady_clock::time_point healed, RunResult& result);
// Runs every checker over the evidence (one that cannot read it is a problem too), then counts the
// outbox entries the terminals wrote, and those written at counters.
void check(const std::vector<Checker>& checkers, const Evidence& evidence, RunResult& result);

}  // namespace guichet::fault::detail
