#include "schedule.hpp"

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

#include "guichet/crash/crash_point.hpp"

namespace guichet::fault {

Fault crash_fault(FaultKind kind, const char* point, int at_ms, int target, int pass, int down_ms) {
  Fault f;
  f.kind = kind;
  f.point = point;
  f.at_ms = at_ms;
  f.target = target;
  f.a = pass;
  f.duration_ms = down_ms;
  return f;
}

std::vector<Fault> make_schedule(std::uint64_t seed, const ScheduleOptions& o) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<FaultKind> kinds = {
      FaultKind::KillTerminal, FaultKind::PartitionStall, FaultKind::PartitionDrop, FaultKind::Delay,
      FaultKind::Cut,          FaultKind::CutMidRequest,  FaultKind::CutMidAnswer,  FaultKind::Bandwidth};
  kinds.push_back(FaultKind::PartitionLose);
  if (o.kill_server) kinds.push_back(FaultKind::KillServer);
  if (o.disk_full) kinds.push_back(FaultKind::DiskFull);
  if (o.central)
    kinds.insert(kinds.end(), {FaultKind::KillCentral, FaultKind::WanPartitionStall, FaultKind::WanPartitionDrop,
                               FaultKind::WanDelay, FaultKind::WanCut, FaultKind::WanPartitionLose,
                               FaultKind::WanCutMidRequest, FaultKind::WanCutMidAnswer, FaultKind::WanBandwidth});
  std::vector<Fault> out;
  for (int i = 0; i < o.faults; ++i) {
    Fault f;
    f.kind = kinds[static_cast<std::size_t>(uniform(0, static_cast<int>(kinds.size()) - 1))];
    f.at_ms = uniform(0, o.duration_ms);
    f.target = uniform(0, o.terminals - 1);
    switch (f.kind) {
      case FaultKind::KillServer:
        f.duration_ms = uniform(0, 800);
        break;
      case FaultKind::KillTerminal:
        f.duration_ms = uniform(0, 500);
        break;
      case FaultKind::PartitionStall:
      case FaultKind::PartitionDrop:
      case FaultKind::PartitionLose:
        f.duration_ms = uniform(200, 2000);
        break;
      case FaultKind::Delay:
        f.duration_ms = uniform(300, 2000);
        f.a = uniform(10, 400);
        f.b = uniform(0, 200);
        break;
      case FaultKind::Cut:
        break;
      case FaultKind::CutMidRequest:
        f.a = uniform(1, 300);  // requests here are about 350 bytes
        break;
      case FaultKind::CutMidAnswer:
        f.a = uniform(1, 900);  // answers about 1 kB
        break;
      case FaultKind::Bandwidth:
        f.duration_ms = uniform(300, 2000);
        f.a = uniform(500, 20000);
        break;
      case FaultKind::DiskFull:
        f.duration_ms = uniform(300, 1500);
        break;
      case FaultKind::KillCentral:
        f.duration_ms = uniform(0, 1500);
        break;
      case FaultKind::WanPartitionStall:
      case FaultKind::WanPartitionDrop:
      case FaultKind::WanPartitionLose:
        f.duration_ms = uniform(500, o.duration_ms);  // up to the whole run
        break;
      case FaultKind::WanDelay:
        f.duration_ms = uniform(300, 2000);
        f.a = uniform(10, 400);
        f.b = uniform(0, 200);
        break;
      case FaultKind::WanCut:
        break;
      case FaultKind::WanCutMidRequest:
        f.a = uniform(1, 200000);
        break;
      case FaultKind::WanCutMidAnswer:
        f.a = uniform(1, 100000);
        break;
      case FaultKind::WanBandwidth:
        f.duration_ms = uniform(300, 2000);
        f.a = uniform(20000, 400000);
        break;
      case FaultKind::CrashTerminal:
      case FaultKind::CrashServer:
      case FaultKind::CrashCentral:
        break;  // drawn below, from their own stream
    }
    out.push_back(f);
  }
  // Crash points: where a process holds what another side does not know of yet.
  std::mt19937_64 crash_rng(seed ^ 0x6c8e9cf570932bd5ULL);
  auto crash_uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(crash_rng); };
  struct Choice {
    FaultKind kind;
    const char* point;
  };
  std::vector<Choice> choices = {{FaultKind::CrashTerminal, crash::kTerminalAnswered},
                                 {FaultKind::CrashServer, crash::kServerStored}};
  if (o.central)
    choices.insert(choices.end(), {{FaultKind::CrashServer, crash::kRelayAnswered},
                                   {FaultKind::CrashServer, crash::kRelayPulled},
                                   {FaultKind::CrashCentral, crash::kServerStored},
                                   // The counters' scanned pages (a kiosk passes no file point).
                                   {FaultKind::CrashTerminal, crash::kTerminalFileAnswered},
                                   {FaultKind::CrashServer, crash::kServerFileStored},
                                   {FaultKind::CrashServer, crash::kRelayFileAnswered},
                                   {FaultKind::CrashCentral, crash::kServerFileStored}});
  for (int i = 0; i < o.crashes; ++i) {
    const Choice& c = choices[static_cast<std::size_t>(crash_uniform(0, static_cast<int>(choices.size()) - 1))];
    // Drawn one by one, in this order (the order of a call's arguments is not fixed).
    const int at_ms = crash_uniform(0, o.duration_ms);
    int target = crash_uniform(0, o.terminals - 1);
    // Only counters scan pages: the point is put on one of them (the last `counters` terminals).
    if (c.point == std::string_view(crash::kTerminalFileAnswered) && o.counters > 0)
      target = o.terminals - 1 - target % std::min(o.counters, o.terminals);
    const int pass = crash_uniform(1, 4);
    const int down_ms = crash_uniform(0, 800);
    out.push_back(crash_fault(c.kind, c.point, at_ms, target, pass, down_ms));
  }
  std::stable_sort(out.begin(), out.end(), [](const Fault& x, const Fault& y) { return x.at_ms < y.at_ms; });
  return out;
}

std::string describe(const Fault& f) {
  std::ostringstream s;
  s << "t=" << f.at_ms << "ms ";
  const std::string t = "T" + std::to_string(f.target + 1);
  switch (f.kind) {
    case FaultKind::KillServer:
      s << "kill -9 server, down " << f.duration_ms << "ms";
      break;
    case FaultKind::KillTerminal:
      s << "kill -9 " << t << ", down " << f.duration_ms << "ms";
      break;
    case FaultKind::PartitionStall:
      s << "partition (stall) " << t << " for " << f.duration_ms << "ms";
      break;
    case FaultKind::PartitionDrop:
      s << "partition (drop) " << t << " for " << f.duration_ms << "ms";
      break;
    case FaultKind::PartitionLose:
      s << "partition (lose: open connections dead for good) " << t << " for " << f.duration_ms << "ms";
      break;
    case FaultKind::Delay:
      s << "delay " << t << " " << f.a << "ms + jitter " << f.b << "ms for " << f.duration_ms << "ms";
      break;
    case FaultKind::Cut:
      s << "cut " << t;
      break;
    case FaultKind::CutMidRequest:
      s << "cut " << t << "'s next request after " << f.a << " bytes";
      break;
    case FaultKind::CutMidAnswer:
      s << "cut " << t << "'s next answer after " << f.a << " bytes";
      break;
    case FaultKind::Bandwidth:
      s << "bandwidth " << t << " " << f.a << " B/s for " << f.duration_ms << "ms";
      break;
    case FaultKind::DiskFull:
      s << "disk full " << t << " for " << f.duration_ms << "ms";
      break;
    case FaultKind::KillCentral:
      s << "kill -9 central, down " << f.duration_ms << "ms";
      break;
    case FaultKind::WanPartitionStall:
      s << "WAN partition (stall) for " << f.duration_ms << "ms";
      break;
    case FaultKind::WanPartitionDrop:
      s << "WAN partition (drop) for " << f.duration_ms << "ms";
      break;
    case FaultKind::WanDelay:
      s << "WAN delay " << f.a << "ms + jitter " << f.b << "ms for " << f.duration_ms << "ms";
      break;
    case FaultKind::WanCut:
      s << "WAN cut";
      break;
    case FaultKind::WanPartitionLose:
      s << "WAN partition (lose: open connections dead for good) for " << f.duration_ms << "ms";
      break;
    case FaultKind::WanCutMidRequest:
      s << "cut the WAN's next request after " << f.a << " bytes";
      break;
    case FaultKind::WanCutMidAnswer:
      s << "cut the WAN's next answer after " << f.a << " bytes";
      break;
    case FaultKind::WanBandwidth:
      s << "WAN bandwidth " << f.a << " B/s for " << f.duration_ms << "ms";
      break;
    case FaultKind::CrashTerminal:
    case FaultKind::CrashServer:
    case FaultKind::CrashCentral:
      s << "kill -9 "
        << (f.kind == FaultKind::CrashTerminal ? t
            : f.kind == FaultKind::CrashServer ? "server"
                                               : "central")
        << " at pass " << f.a << " through " << f.point << ", down " << f.duration_ms << "ms";
      break;
  }
  return s.str();
}

}  // namespace guichet::fault
