// Hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014): timestamps
// that follow physical time closely, never go backwards on one node, and always put the receipt of
// a message after its sending, whatever the nodes' wall clocks say. Pure: the physical clock is a
// function the caller gives, so tests (and simulated clocks) control it.
//
// A timestamp is (wall_ms, logical, node), ordered in that order. Its text form is fixed-width so
// that comparing two texts byte by byte gives the same order as comparing the timestamps:
//
//   0001732190000000-0000-K1
//   └─ wall_ms ────┘ └lc┘ └ node
//
//   - wall_ms: Unix milliseconds, 16 decimal digits, zero-padded (0 … 9999999999999999);
//   - logical: 4 decimal digits, zero-padded (0 … 9999);
//   - node: the node (device) id, 1 to 64 characters among A–Z a–z 0–9 '.' '_' '-'.
//
// Counter overflow: when an event would need a logical counter above 9999 within one millisecond
// (10,000 events in the same millisecond, or a physical clock standing still or behind), the clock
// moves its wall_ms on by one millisecond and restarts the counter at 0. Order and monotonicity are
// kept; the clock runs ahead of physical time by at most one millisecond per 10,000 such events and
// falls back in step as soon as physical time passes it.
//
// Drift bound: a received timestamp more than max_drift_ms ahead of the local physical clock does
// not drag the local clock forward (a terminal whose battery-less clock says 2099 must not move the
// whole centre to 2099). By policy it is refused (the receive is then an ordinary local event) or
// clamped to physical time + max_drift_ms; either way the result says why, in one sentence.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace guichet::domain {

inline constexpr std::int64_t kHlcMaxWallMs = 9'999'999'999'999'999;  // 16 digits
inline constexpr std::uint32_t kHlcMaxLogical = 9'999;                // 4 digits
inline constexpr std::size_t kHlcMaxNodeLength = 64;
// One hour of skew is normal for a terminal whose clock was never set; five minutes of margin.
inline constexpr std::int64_t kHlcDefaultMaxDriftMs = 65 * 60 * 1000;

struct HlcTime {
  std::int64_t wall_ms = 0;   // physical component: Unix milliseconds
  std::uint32_t logical = 0;  // orders events with the same wall_ms
  std::string node;           // breaks ties between nodes; makes every timestamp unique

  // Total order: wall_ms, then logical, then node (byte by byte).
  auto operator<=>(const HlcTime&) const = default;
  bool operator==(const HlcTime&) const = default;
};

// "0001732190000000-0000-K1". The timestamp must be valid (see valid_hlc_node); the wall and
// logical parts are printed as they are, even out of range, so a bug shows in the text.
std::string format_hlc(const HlcTime& t);
// Parses the text form exactly. On failure returns false and says what is wrong in `error`, e.g.
// "the logical counter must be 4 digits, got \"12\"".
bool parse_hlc(std::string_view text, HlcTime& out, std::string& error);
// 1 to 64 characters among A–Z a–z 0–9 '.' '_' '-'.
bool valid_hlc_node(std::string_view node);

enum class HlcAheadPolicy {
  Refuse,  // a remote time too far ahead is not merged: the receive is an ordinary local event
  Clamp,   // it is merged as if it said physical time + max_drift_ms
};

struct HlcOptions {
  std::int64_t max_drift_ms = kHlcDefaultMaxDriftMs;
  HlcAheadPolicy too_far_ahead = HlcAheadPolicy::Refuse;
};

// What a receive did.
struct HlcReceive {
  HlcTime time;  // the local clock's time for the receive event
  // The remote time bounded by the drift: the received time itself when within the bound, else
  // (physical + max_drift_ms, 0, its node) — what Clamp merges, and what a receiver that records
  // the sender's time (the server clamping device time) should record.
  HlcTime bounded;
  bool within_drift = true;   // false: the remote time was too far ahead (refused or clamped)
  std::int64_t ahead_ms = 0;  // how far the remote wall time was ahead of local physical time (0 if not)
  std::string reason;         // why it was refused or clamped, one English sentence; empty otherwise
};

// One node's clock. Not thread-safe: callers that share one lock around it.
class Hlc {
 public:
  using PhysicalClock = std::function<std::int64_t()>;  // Unix milliseconds

  // Throws std::invalid_argument if `node` is not a valid node id, `clock` is empty or
  // max_drift_ms is negative.
  Hlc(std::string node, PhysicalClock clock, HlcOptions options = {});

  const std::string& node() const { return node_; }
  const HlcOptions& options() const { return options_; }

  // A local or send event: a timestamp greater than every one this clock gave before.
  HlcTime now();
  // The same with the physical reading given (the clock function is not called).
  HlcTime now_at(std::int64_t physical_ms);

  // A receive event: a timestamp greater than every one this clock gave before and, when the
  // remote time is within the drift bound, greater than `received` (with Clamp, greater than its
  // bounded form). Throws std::invalid_argument if `received` is not a valid timestamp.
  HlcReceive update(const HlcTime& received);
  HlcReceive update_at(const HlcTime& received, std::int64_t physical_ms);

  // The last timestamp given (wall_ms 0, logical 0 before the first one).
  const HlcTime& last() const { return last_; }
  // Continues after `t` (a timestamp this node gave before a restart, kept durably): every later
  // timestamp is greater, even if the physical clock is now behind it. Never moves the clock back.
  void restore(const HlcTime& t);

 private:
  // Sets last_ to (l, c), carrying a counter overflow into wall_ms.
  HlcTime advance(std::int64_t l, std::uint64_t c);
  std::string node_;
  PhysicalClock clock_;
  HlcOptions options_;
  HlcTime last_;
};

}  // namespace guichet::domain
