#include "runner.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "guichet/fault/fault_proxy.hpp"
#include "guichet/store/sqlite.hpp"
#include "runner_internal.hpp"

namespace guichet::fault {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ManagedProcess::ManagedProcess(std::string name, fs::path program, Args args, fs::path log_dir, bool piped)
    : name_(std::move(name)),
      program_(std::move(program)),
      args_(std::move(args)),
      log_dir_(std::move(log_dir)),
      piped_(piped) {}

void ManagedProcess::start() {
  testing::ProcessOptions o;
  o.args = args_(starts_);
  o.log_dir = log_dir_;
  o.pipe_stdin = piped_;
  o.pipe_stdout = piped_;
  o.env["GUICHET_CRASH_FILE"] = crash_file().string();
  ++starts_;
  unanswered_ = 0;
  process_ = std::make_unique<testing::Process>(name_ + "-" + std::to_string(starts_), program_, o);
}

void ManagedProcess::kill9() {
  if (process_) process_->kill9();
}

int ManagedProcess::stop(std::chrono::milliseconds grace) {
  int status = process_ ? process_->stop(grace) : -1;
  return status;
}

bool ManagedProcess::running() { return process_ && process_->running(); }

void ManagedProcess::arm_crash(const std::string& point, int pass) {
  // Written beside and renamed: the process never reads half a file.
  const fs::path file = crash_file();
  const fs::path next = file.string() + ".next";
  std::ofstream(next) << point << " " << pass << "\n";
  fs::rename(next, file);
  armed_at_start_ = starts_;
}

bool ManagedProcess::disarm_crash() {
  // The process fires by renaming the file to .fired: exactly one of the two renames wins.
  std::error_code ec;
  if (fs::remove(crash_file(), ec)) return false;
  const fs::path fired = crash_file().string() + ".fired";
  if (!fs::exists(fired)) return false;
  if (process_) process_->wait(5s);  // between its rename and its SIGKILL
  fs::remove(fired, ec);
  return true;
}

bool ManagedProcess::crashed() {
  const fs::path fired = crash_file().string() + ".fired";
  if (!fs::exists(fired)) return false;
  if (running() && starts_ == armed_at_start_) return false;  // not dead yet
  std::error_code ec;
  fs::remove(fired, ec);
  return true;
}

std::optional<std::string> ManagedProcess::ask(const std::string& line, std::chrono::milliseconds timeout) {
  if (!running()) return std::nullopt;
  process_->write_line(line);
  const auto end = Clock::now() + timeout;
  // Bounded: each turn reads one line or ends at `end`.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    auto answer = left.count() > 0 ? process_->read_line(left) : std::nullopt;
    if (!answer) {
      ++unanswered_;  // its answer, if it comes, is not the next question's
      return std::nullopt;
    }
    if (unanswered_ == 0) return answer;
    --unanswered_;  // the late answer to an earlier question
  }
}

namespace detail {

std::int64_t seq_of(const std::string& key) {
  auto colon = key.rfind(':');
  return std::stoll(colon == std::string::npos ? key : key.substr(colon + 1));
}

store::Db open_read_only(const fs::path& path) {
  store::OpenOptions o;
  o.read_only = true;
  o.check_integrity = true;
  return store::Db(path.string(), o);
}

std::vector<OutboxRow> outbox_rows(const fs::path& dir) {
  auto db = open_read_only(dir / "outbox.sqlite");
  auto st = db.prepare("SELECT seq, state, response_status, hlc, response_body FROM outbox ORDER BY seq");
  std::vector<OutboxRow> rows;
  while (st.step()) rows.push_back({st.int64(0), st.text(1), st.int32(2), st.text(3), st.text(4)});
  return rows;
}

// The server's idempotency log for one device, in the order the server stored it.
std::vector<std::pair<std::int64_t, int>> server_keys(store::Db& db, const std::string& device) {
  auto st = db.prepare("SELECT key, status FROM idempotency WHERE device = ?1 ORDER BY id");
  st.bind(1, device);
  std::vector<std::pair<std::int64_t, int>> keys;
  while (st.step()) keys.emplace_back(seq_of(st.text(0)), st.int32(1));
  return keys;
}

std::unique_ptr<SmallDisk> small_disk_for(int index, const std::vector<Fault>& faults, const fs::path& dir,
                                          RunResult& result) {
  const bool fills = std::any_of(faults.begin(), faults.end(), [index](const Fault& f) {
    return f.kind == FaultKind::DiskFull && f.target == index;
  });
  if (!fills) return nullptr;
  std::string why;
  if (!SmallDisk::available(why)) {
    result.no_small_disk = why;
    return nullptr;
  }
  constexpr std::uint64_t kBytes = 32 << 20;  // a run writes a few MB; the filler takes the rest
  auto disk = std::make_unique<SmallDisk>(dir, kBytes);
  ++result.small_disks;
  return disk;
}

std::vector<Action> plan(const std::vector<Fault>& faults, Targets& t, RunResult& result) {
  std::vector<Action> actions;
  for (const auto& f : faults) {
    const int end = f.at_ms + f.duration_ms;
    switch (f.kind) {
      case FaultKind::KillServer:
        actions.push_back({f.at_ms, [&t, &result] {
                             if (t.server->running()) {
                               t.server->kill9();
                               ++result.server_restarts;
                             }
                           }});
        actions.push_back({end, [&t, &result] {
                             if (!t.server->running() && !t.start_server())
                               result.problems.push_back("the centre server did not restart");
                           }});
        break;
      case FaultKind::KillCentral:
        if (!t.central) break;
        actions.push_back({f.at_ms, [&t, &result] {
                             if (t.central->running()) {
                               t.central->kill9();
                               ++result.central_restarts;
                             }
                           }});
        actions.push_back({end, [&t, &result] {
                             if (!t.central->running() && !t.start_central())
                               result.problems.push_back("the central server did not restart");
                           }});
        break;
      case FaultKind::KillTerminal: {
        auto& term = *t.terminals[static_cast<std::size_t>(f.target)];
        actions.push_back({f.at_ms, [&term, &result] {
                             if (term.running()) {
                               term.kill9();
                               ++result.terminal_restarts;
                             }
                           }});
        actions.push_back({end, [&term] {
                             if (!term.running()) term.start();
                           }});
        break;
      }
      case FaultKind::DiskFull: {
        const auto i = static_cast<std::size_t>(f.target);
        auto& term = *t.terminals[i];
        // What the terminal had written when the room came back (it must take new work again).
        auto written_now = [&term, &result, target = f.target] {
          const auto status = term.ask("status", 5s);
          const auto at = status ? status->find("written=") : std::string::npos;
          if (at != std::string::npos) result.written_when_room_returned[target] = std::stoll(status->substr(at + 8));
        };
        if (i < t.disks.size() && t.disks[i] != nullptr) {
          // The terminal is not told: it finds out as a kiosk would, and finds the room again.
          SmallDisk* disk = t.disks[i];
          actions.push_back({f.at_ms, [disk] { disk->fill(); }});
          actions.push_back({end, [disk, written_now] {
                               disk->empty();
                               written_now();
                             }});
          break;
        }
        actions.push_back({f.at_ms, [&term] { term.ask("disk-full", 5s); }});
        actions.push_back({end, [&term, written_now] {
                             term.ask("disk-ok", 5s);
                             written_now();
                           }});
        break;
      }
      case FaultKind::PartitionStall:
      case FaultKind::PartitionDrop:
      case FaultKind::PartitionLose:
      case FaultKind::WanPartitionStall:
      case FaultKind::WanPartitionDrop:
      case FaultKind::WanPartitionLose: {
        const bool wan = f.kind == FaultKind::WanPartitionStall || f.kind == FaultKind::WanPartitionDrop ||
                         f.kind == FaultKind::WanPartitionLose;
        if (wan && !t.wan) break;
        auto& proxy = wan ? *t.wan : *t.links[static_cast<std::size_t>(f.target)];
        auto mode = f.kind == FaultKind::PartitionStall || f.kind == FaultKind::WanPartitionStall ? Partition::Stall
                    : f.kind == FaultKind::PartitionLose || f.kind == FaultKind::WanPartitionLose ? Partition::Lose
                                                                                                  : Partition::Drop;
        actions.push_back({f.at_ms, [&proxy, mode] { proxy.partition(mode); }});
        actions.push_back({end, [&proxy] { proxy.partition(Partition::None); }});
        break;
      }
      case FaultKind::Delay:
      case FaultKind::WanDelay: {
        if (f.kind == FaultKind::WanDelay && !t.wan) break;
        auto& proxy = f.kind == FaultKind::WanDelay ? *t.wan : *t.links[static_cast<std::size_t>(f.target)];
        actions.push_back({f.at_ms, [&proxy, f] {
                             proxy.delay(Direction::Up, f.a, f.b);
                             proxy.delay(Direction::Down, f.a, f.b);
                           }});
        actions.push_back({end, [&proxy] {
                             proxy.delay(Direction::Up, 0, 0);
                             proxy.delay(Direction::Down, 0, 0);
                           }});
        break;
      }
      case FaultKind::Cut:
      case FaultKind::WanCut: {
        if (f.kind == FaultKind::WanCut && !t.wan) break;
        auto& proxy = f.kind == FaultKind::WanCut ? *t.wan : *t.links[static_cast<std::size_t>(f.target)];
        actions.push_back({f.at_ms, [&proxy] { proxy.cut(); }});
        break;
      }
      case FaultKind::CutMidRequest:
      case FaultKind::WanCutMidRequest: {
        if (f.kind == FaultKind::WanCutMidRequest && !t.wan) break;
        auto& proxy = f.kind == FaultKind::WanCutMidRequest ? *t.wan : *t.links[static_cast<std::size_t>(f.target)];
        actions.push_back({f.at_ms, [&proxy, f] { proxy.cut_after(Direction::Up, f.a); }});
        break;
      }
      case FaultKind::CutMidAnswer:
      case FaultKind::WanCutMidAnswer: {
        if (f.kind == FaultKind::WanCutMidAnswer && !t.wan) break;
        auto& proxy = f.kind == FaultKind::WanCutMidAnswer ? *t.wan : *t.links[static_cast<std::size_t>(f.target)];
        actions.push_back({f.at_ms, [&proxy, f] { proxy.cut_after(Direction::Down, f.a); }});
        break;
      }
      case FaultKind::Bandwidth:
      case FaultKind::WanBandwidth: {
        if (f.kind == FaultKind::WanBandwidth && !t.wan) break;
        auto& proxy = f.kind == FaultKind::WanBandwidth ? *t.wan : *t.links[static_cast<std::size_t>(f.target)];
        actions.push_back({f.at_ms, [&proxy, f] { proxy.bandwidth(Direction::Down, f.a); }});
        actions.push_back({end, [&proxy] { proxy.bandwidth(Direction::Down, 0); }});
        break;
      }
      case FaultKind::CrashTerminal:
      case FaultKind::CrashServer:
      case FaultKind::CrashCentral: {
        Targets::Armed armed;
        if (f.kind == FaultKind::CrashTerminal) {
          auto* term = t.terminals[static_cast<std::size_t>(f.target)];
          armed.process = term;
          armed.restart = [term] {
            term->start();
            return true;
          };
          armed.restarts = &result.terminal_restarts;
          armed.what = "terminal " + term->name();
        } else if (f.kind == FaultKind::CrashServer) {
          armed.process = t.server;
          armed.restart = [&t] { return t.start_server(); };
          armed.restarts = &result.server_restarts;
          armed.what = "the centre server";
        } else {
          if (!t.central) break;
          armed.process = t.central;
          armed.restart = [&t] { return t.start_central(); };
          armed.restarts = &result.central_restarts;
          armed.what = "the central server";
        }
        armed.down = std::chrono::milliseconds(f.duration_ms);
        actions.push_back(
            {f.at_ms, [&t, &result, armed, f] {
               // A later arming of the same process replaces one that has not fired.
               std::erase_if(t.armed, [&](const Targets::Armed& a) { return a.process == armed.process && !a.died; });
               armed.process->arm_crash(f.point, f.a);
               t.armed.push_back(armed);
               ++result.crash_points_armed;
             }});
        // The heal disarms what has not fired: the run lasts at least a second more, for the
        // point to be reached, and for the process's time down.
        actions.push_back({f.at_ms + 1000 + f.duration_ms, [] {}});
        break;
      }
    }
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& x, const Action& y) { return x.at_ms < y.at_ms; });
  return actions;
}

void play(std::vector<Action>& actions, Clock::time_point t0, Targets& targets, RunResult& result) {
  for (auto& a : actions) {
    const auto at = t0 + std::chrono::milliseconds(a.at_ms);  // the schedule's clock
    // Bounded: the schedule's last action is at most its window (plus a fault's length) away.
    while (Clock::now() < at) {
      supervise(targets, result);
      std::this_thread::sleep_until(std::min(at, Clock::now() + 20ms));
    }
    a.run();
  }
  supervise(targets, result);
}

void supervise(Targets& t, RunResult& result) {
  const auto now = Clock::now();
  for (auto& a : t.armed) {
    if (a.done) continue;
    if (!a.died) {
      if (a.process->crashed()) {
        a.died = now;
        ++result.crash_points_fired;
        ++*a.restarts;
      }
      continue;
    }
    if (now < *a.died + a.down) continue;
    a.done = true;
    if (!a.process->running() && !a.restart())
      result.problems.push_back(a.what + " did not start again after it died at its crash point");
  }
}

void disarm_crashes(Targets& t, RunResult& result) {
  auto disarm = [&](ManagedProcess* p, std::int64_t& restarts) {
    if (p == nullptr || !p->disarm_crash()) return;
    ++result.crash_points_fired;
    ++restarts;
  };
  disarm(t.server, result.server_restarts);
  disarm(t.central, result.central_restarts);
  for (auto* term : t.terminals) disarm(term, result.terminal_restarts);
  // What fired before is noticed here; every process that is down is started by the heal.
  supervise(t, result);
  t.armed.clear();
}

fs::path terminal_log_dir(const TerminalEvidence& terminal) {
  fs::path dir = terminal.data_dir.parent_path() / (terminal.device + "-logs");
  fs::create_directories(dir);
  return dir;
}

std::unique_ptr<ManagedProcess> start_terminal(const Programs& programs, const RunOptions& options,
                                               const TerminalEvidence& terminal, std::uint16_t proxy_port, int index,
                                               std::mt19937_64& rng, std::vector<std::string> extra_args) {
  const std::string url = "http://127.0.0.1:" + std::to_string(proxy_port);
  const std::int64_t max_skew_ms = options.max_skew_ms;
  const std::uint64_t seed = options.seed;
  const int interval_ms = options.interval_ms;
  auto process = std::make_unique<ManagedProcess>(
      terminal.device, programs.terminal,
      [&rng, terminal, url, index, max_skew_ms, seed, interval_ms, extra_args](int start) {
        const auto skew = std::uniform_int_distribution<std::int64_t>(-max_skew_ms, max_skew_ms)(rng);
        std::vector<std::string> args{
            "--data-dir",
            terminal.data_dir.string(),
            "--device",
            terminal.device,
            "--secret-file",
            (terminal.data_dir / "device.secret").string(),
            "--server",
            url,
            "--seed",
            std::to_string(seed * 1000 + static_cast<std::uint64_t>(index) * 100 + static_cast<std::uint64_t>(start)),
            "--interval-ms",
            std::to_string(interval_ms),
            "--skew-ms",
            std::to_string(skew)};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        return args;
      },
      terminal_log_dir(terminal), true);
  process->start();
  return process;
}

std::string describe_no_drain(ManagedProcess& terminal, const std::optional<std::string>& answer) {
  if (answer) return "it answered \"" + answer->substr(0, 100) + "\"";
  return terminal.running() ? "it gave no answer, still running" : "it gave no answer and is not running";
}

void stop_terminals(std::vector<std::unique_ptr<ManagedProcess>>& terminals, Evidence& evidence, RunResult& result) {
  for (auto& t : terminals) {
    t->ask("exit", 5s);
    if (t->process() && !t->process()->wait(10s)) t->stop(1s);
  }
  for (std::size_t i = 0; i < terminals.size(); ++i) {
    auto& t = evidence.terminals[i];
    result.refused += t.refused;
    std::ifstream journal(t.data_dir / "journal");
    std::int64_t lines = 0;
    for (std::string line; std::getline(journal, line);) lines += line.empty() ? 0 : 1;
    result.written.push_back(lines);
    for (const auto& entry : fs::directory_iterator(terminal_log_dir(t)))
      if (entry.path().extension() == ".err") t.stderr_text += testing::read_file(entry.path());
  }
}

std::vector<std::string> centre_args(const Programs& programs, const fs::path& db, const fs::path& port_file,
                                     std::vector<std::string> extra) {
  std::vector<std::string> args{"serve",
                                "--role",
                                "centre",
                                "--db",
                                db.string(),
                                "--catalogue",
                                programs.catalogue.string(),
                                "--listen",
                                "127.0.0.1:0",
                                "--port-file",
                                port_file.string(),
                                "--time-origin",
                                kTimeOrigin,
                                "--threads",
                                "1"};
  for (auto& a : extra) args.push_back(std::move(a));
  return args;
}

std::unique_ptr<testing::PrivateNetwork> private_network(RunResult& result) {
  try {
    return std::make_unique<testing::PrivateNetwork>();
  } catch (const std::exception& e) {
    result.no_private_network = e.what();
    return nullptr;
  }
}

void cut_lost_paths(ProxyOptions& options, testing::PrivateNetwork* net) {
  if (!net) return;
  options.lose_paths = [net](std::uint16_t port, const std::vector<std::uint16_t>& clients) {
    net->cut(port, clients);
  };
}

std::vector<std::unique_ptr<FaultProxy>> terminal_links(const RunOptions& options, testing::PrivateNetwork* net) {
  std::vector<std::unique_ptr<FaultProxy>> links;
  for (int i = 0; i < options.terminals; ++i) {
    ProxyOptions po;
    po.upstream_port = 1;  // set once the centre listens
    po.seed = options.seed * 101 + static_cast<std::uint64_t>(i);
    cut_lost_paths(po, net);
    links.push_back(std::make_unique<FaultProxy>(po));
  }
  return links;
}

std::optional<int> start_centre(ManagedProcess& server, const fs::path& port_file,
                                std::vector<std::unique_ptr<FaultProxy>>& links) {
  fs::remove(port_file);
  server.start();
  auto text = testing::wait_for_file(port_file, 20s);
  if (!text) return std::nullopt;
  const int port = std::stoi(*text);
  for (auto& p : links) p->set_upstream_port(static_cast<std::uint16_t>(port));
  return port;
}

void heal_terminals(std::vector<std::unique_ptr<ManagedProcess>>& terminals) {
  for (auto& t : terminals) {
    if (!t->running()) t->start();
    t->ask("disk-ok", 5s);
    t->ask("quiesce", 5s);
  }
}

void drain_terminals(std::vector<std::unique_ptr<ManagedProcess>>& terminals, Evidence& evidence,
                     const RunOptions& options, Clock::time_point healed, RunResult& result) {
  auto since_heal = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - healed).count();
  };
  for (std::size_t i = 0; i < terminals.size(); ++i) {
    auto& t = evidence.terminals[i];
    const auto left = std::max<std::int64_t>(options.drain_bound_ms - since_heal(), 0);
    auto answer =
        terminals[i]->ask("drain " + std::to_string(left), std::chrono::milliseconds(left) + std::chrono::seconds(5));
    if (answer && answer->rfind("drained ", 0) == 0) {
      t.drain_ms = since_heal();
      result.drain_ms.push_back(*t.drain_ms);
    } else {
      t.drain_answer = describe_no_drain(*terminals[i], answer);
    }
    if (auto status = terminals[i]->ask("status", 5s)) {
      auto at = status->find("refused=");
      if (at != std::string::npos) t.refused = std::stoll(status->substr(at + 8));
    }
  }
}

void check(const std::vector<Checker>& checkers, const Evidence& evidence, RunResult& result) {
  for (const auto& checker : checkers) {
    try {
      checker.check(evidence, result.problems);
    } catch (const std::exception& e) {
      result.problems.push_back(checker.name + ": could not check: " + e.what());
    }
  }
  for (const auto& t : evidence.terminals) {
    try {
      const auto n = static_cast<std::int64_t>(outbox_rows(t.data_dir).size());
      result.entries += n;
      if (t.channel == "counter") result.counter_entries += n;
    } catch (const std::exception&) {
    }
  }
}

}  // namespace detail

using namespace detail;

std::vector<Checker> token_checkers() {
  std::vector<Checker> c;
  c.push_back({"outboxes drain within the bound", [](const Evidence& e, std::vector<std::string>& p) {
                 for (const auto& t : e.terminals)
                   if (!t.drain_ms)
                     p.push_back(t.device + ": outbox not drained within " + std::to_string(e.drain_bound_ms) +
                                 " ms after heal" + (t.drain_answer.empty() ? "" : " (" + t.drain_answer + ")"));
               }});
  c.push_back({"nothing written is lost on the terminal", [](const Evidence& e, std::vector<std::string>& p) {
                 for (const auto& t : e.terminals) {
                   std::set<std::int64_t> seqs;
                   for (const auto& r : outbox_rows(t.data_dir)) seqs.insert(r.seq);
                   std::ifstream journal(t.data_dir / "journal");
                   std::string line;
                   while (std::getline(journal, line))
                     if (!line.empty() && !seqs.count(std::stoll(line)))
                       p.push_back(t.device + ": entry " + line + " was stored but is missing from the outbox");
                 }
               }});
  c.push_back({"every entry answered 201, none pending", [](const Evidence& e, std::vector<std::string>& p) {
                 for (const auto& t : e.terminals)
                   for (const auto& r : outbox_rows(t.data_dir))
                     if (r.state != "done" || r.status != 201)
                       p.push_back(t.device + ": entry " + std::to_string(r.seq) + " is " + r.state + " (" +
                                   std::to_string(r.status) + " " + r.body.substr(0, 200) + ")");
               }});
  c.push_back({"clock times follow the sequence", [](const Evidence& e, std::vector<std::string>& p) {
                 for (const auto& t : e.terminals) {
                   std::string last;
                   for (const auto& r : outbox_rows(t.data_dir)) {
                     if (!last.empty() && !(last < r.hlc))
                       p.push_back(t.device + ": entry " + std::to_string(r.seq) + " has clock time " + r.hlc +
                                   ", not after " + last);
                     last = r.hlc;
                   }
                 }
               }});
  c.push_back({"every key on the server exactly once, nothing lost, nothing extra, in device order",
               [](const Evidence& e, std::vector<std::string>& p) {
                 auto db = open_read_only(e.server_db);
                 for (const auto& t : e.terminals) {
                   std::map<std::int64_t, int> seen;
                   std::int64_t previous = -1;
                   for (auto [seq, status] : server_keys(db, t.device)) {
                     if (++seen[seq] == 2)
                       p.push_back(t.device + ":" + std::to_string(seq) + " is on the server twice");
                     if (seq <= previous)
                       p.push_back(t.device + ":" + std::to_string(seq) + " was stored after " + t.device + ":" +
                                   std::to_string(previous));
                     previous = std::max(previous, seq);
                     (void)status;
                   }
                   std::set<std::int64_t> local;
                   for (const auto& r : outbox_rows(t.data_dir)) {
                     local.insert(r.seq);
                     if (!seen.count(r.seq))
                       p.push_back(t.device + ":" + std::to_string(r.seq) + " never reached the server");
                   }
                   for (const auto& [seq, n] : seen)
                     if (!local.count(seq))
                       p.push_back(t.device + ":" + std::to_string(seq) + " is on the server but in no outbox");
                   auto st = db.prepare("SELECT count(*) FROM tokens WHERE issued_by = ?1");
                   st.bind(1, t.device);
                   st.step();
                   if (st.int64(0) != static_cast<std::int64_t>(seen.size()))
                     p.push_back(t.device + ": " + std::to_string(st.int64(0)) + " tokens on the server for " +
                                 std::to_string(seen.size()) + " keys");
                 }
               }});
  c.push_back({"token numbers unique per centre per day", [](const Evidence& e, std::vector<std::string>& p) {
                 auto db = open_read_only(e.server_db);
                 auto st = db.prepare(
                     "SELECT business_day, prefix, number, count(*) FROM tokens GROUP BY business_day, prefix, number "
                     "HAVING count(*) > 1");
                 while (st.step())
                   p.push_back("token " + st.text(1) + std::to_string(st.int64(2)) + " of " + st.text(0) +
                               " was issued " + std::to_string(st.int64(3)) + " times");
               }});
  c.push_back({"a full disk is said plainly", [](const Evidence& e, std::vector<std::string>& p) {
                 for (const auto& t : e.terminals)
                   if (t.refused > 0 &&
                       t.stderr_text.find("new work refused: the terminal's storage is full") == std::string::npos)
                     p.push_back(t.device + ": refused new work without saying why");
               }});
  return c;
}

RunResult run_token_scenario(const Programs& programs, const RunOptions& options) {
  RunResult result;
  result.seed = options.seed;
  testing::TempDir dir("guichet-fault-" + std::to_string(options.seed));
  result.dir = dir.path().string();
  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  const auto net = private_network(result);  // before any proxy or process: they live in it

  const auto faults = options.faults ? *options.faults : make_schedule(options.seed, options.schedule);
  for (const auto& f : faults) result.schedule.push_back(describe(f));
  std::vector<std::unique_ptr<SmallDisk>> disks;  // unmounted after the checks, before the folder goes

  // The centre server and its devices.
  const fs::path db = dir / "centre.sqlite";
  Evidence evidence;
  evidence.server_db = db;
  evidence.drain_bound_ms = options.drain_bound_ms;
  for (int i = 0; i < options.terminals; ++i) {
    TerminalEvidence t;
    t.device = "K" + std::to_string(i + 1);
    t.data_dir = dir / t.device;
    fs::create_directories(t.data_dir);
    disks.push_back(small_disk_for(i, faults, t.data_dir, result));
    auto r = testing::run(programs.server, {"add-device", "--db", db.string(), "--id", t.device, "--kind", "kiosk",
                                            "--secret-file", (t.data_dir / "device.secret").string()});
    if (r.status != 0) {
      result.problems.push_back("add-device " + t.device + " failed: " + r.err);
      return result;
    }
    evidence.terminals.push_back(t);
  }
  const fs::path port_file = dir / "server.port";
  ManagedProcess server(
      "guichet-server", programs.server, [&](int) { return centre_args(programs, db, port_file); }, dir.path(), false);
  auto proxies = terminal_links(options, net.get());
  auto start_server = [&]() -> bool { return start_centre(server, port_file, proxies).has_value(); };
  if (!start_server()) {
    result.problems.push_back("the centre server did not start: " + server.process()->stderr_text());
    return result;
  }

  std::vector<std::unique_ptr<ManagedProcess>> terminals;
  for (int i = 0; i < options.terminals; ++i)
    terminals.push_back(start_terminal(programs, options, evidence.terminals[static_cast<std::size_t>(i)],
                                       proxies[static_cast<std::size_t>(i)]->port(), i, rng));

  Targets targets;
  targets.server = &server;
  targets.start_server = start_server;
  for (auto& p : proxies) targets.links.push_back(p.get());
  for (auto& t : terminals) targets.terminals.push_back(t.get());
  for (auto& d : disks) targets.disks.push_back(d.get());
  auto actions = plan(faults, targets, result);
  play(actions, Clock::now(), targets, result);

  // Heal: a clean network, no crash point armed, every process up, every disk with room; no new work.
  for (auto& d : disks)
    if (d) d->empty();
  for (auto& p : proxies) p->pass();
  disarm_crashes(targets, result);
  if (!server.running() && !start_server()) result.problems.push_back("the centre server did not restart at heal");
  heal_terminals(terminals);
  drain_terminals(terminals, evidence, options, Clock::now(), result);
  stop_terminals(terminals, evidence, result);
  if (server.stop(10s) != 0) result.problems.push_back("the centre server did not stop cleanly");
  check(token_checkers(), evidence, result);
  return result;
}

}  // namespace guichet::fault
