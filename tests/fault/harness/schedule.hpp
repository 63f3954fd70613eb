// A seed becomes a schedule of faults: what happens to which process or link, and when.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace guichet::fault {

enum class FaultKind {
  KillServer,      // kill -9 of the centre server, restarted after `duration_ms`
  KillTerminal,    // kill -9 of terminal `target`, restarted on the same data dir after `duration_ms`
  PartitionStall,  // terminal `target`'s link holds everything for `duration_ms`
  PartitionDrop,   // terminal `target`'s link resets and refuses for `duration_ms`
  Delay,           // both directions of `target`'s link delayed by `a` ms + jitter `b` ms for `duration_ms`
  Cut,             // every open connection of `target`'s link reset now
  CutMidRequest,   // the next request on `target`'s link is cut after `a` bytes
  CutMidAnswer,    // the next answer on `target`'s link is cut after `a` bytes
  Bandwidth,       // answers on `target`'s link limited to `a` bytes/s for `duration_ms`
  DiskFull,        // terminal `target`'s disk is full for `duration_ms`
  // The application scenario's WAN: the centre node's link to central, and central itself.
  KillCentral,        // kill -9 of the central server, restarted after `duration_ms`
  WanPartitionStall,  // the WAN link holds everything for `duration_ms` (a long outage is normal)
  WanPartitionDrop,   // the WAN link resets and refuses for `duration_ms`
  WanDelay,           // both directions of the WAN link delayed by `a` ms + jitter `b` ms for `duration_ms`
  WanCut,             // every open connection of the WAN link reset now
  // The WAN link refuses new connections for `duration_ms` and loses everything the connections
  // open at its start carry, for good (they come back dead, without a reset).
  WanPartitionLose,
  // Terminal `target`'s link as WanPartitionLose (an access point or a switch that restarted: the
  // terminal's connections come back dead, without a reset).
  PartitionLose,
  // The WAN link as CutMidRequest, CutMidAnswer and Bandwidth: a relayed batch (up to a few hundred
  // kB) or central's answer to it cut after `a` bytes; central's answers limited to `a` bytes/s
  // for `duration_ms`.
  WanCutMidRequest,
  WanCutMidAnswer,
  WanBandwidth,
  // kill -9 at a point of the protocol (guichet/crash/crash_point.hpp): from `at_ms`, the process
  // dies at the `a`-th pass through `point`; it is started again `duration_ms` after it died, as
  // its service manager would. Terminal `target`, the centre node, or central.
  CrashTerminal,
  CrashServer,
  CrashCentral,
};

struct Fault {
  int at_ms = 0;
  FaultKind kind = FaultKind::Cut;
  int target = 0;
  int duration_ms = 0;
  int a = 0;
  int b = 0;
  std::string point;  // the crash kinds' point
};

struct ScheduleOptions {
  int duration_ms = 4000;  // faults start within this window
  int terminals = 3;
  int faults = 12;
  bool kill_server = true;
  bool disk_full = true;
  bool central = false;  // also the WAN faults and kill -9 of central (the application scenario)
  int counters = 0;      // the last `counters` terminals are counters, which scan pages
  // Kills at crash points, on top of the `faults` above (drawn from a stream of their own, so the
  // rest of a seed's schedule does not depend on them).
  int crashes = 3;
};

// A kill -9 at crash point `point` (one of `kind`'s process): armed at `at_ms`, at its `pass`-th
// pass from then, started again `down_ms` after it died; `target` is the terminal's index.
Fault crash_fault(FaultKind kind, const char* point, int at_ms, int target, int pass, int down_ms);

// Deterministic: the same seed and options give the same schedule, sorted by time.
std::vector<Fault> make_schedule(std::uint64_t seed, const ScheduleOptions& options);
std::string describe(const Fault& fault);

}  // namespace guichet::fault
