// The hybrid logical clock: text form and order, local and receive events, a clock going
// backwards, skewed nodes, the drift bound, counter overflow, and a randomized run between three
// nodes checking causality and monotonicity.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "guichet/domain/hlc.hpp"

namespace guichet::domain {

// gtest prints timestamps in their text form.
void PrintTo(const HlcTime& t, std::ostream* os) { *os << format_hlc(t); }

namespace {

constexpr std::int64_t kHour = 60 * 60 * 1000;
constexpr std::int64_t kT0 = 1'732'190'000'000;  // 2024-11-21, an ordinary Unix time in ms

// A physical clock the test sets by hand.
struct ManualClock {
  std::int64_t ms = kT0;
  Hlc::PhysicalClock fn() {
    return [this] { return ms; };
  }
};

HlcTime parsed(const std::string& text) {
  HlcTime t;
  std::string error;
  EXPECT_TRUE(parse_hlc(text, t, error)) << text << ": " << error;
  return t;
}

std::string parse_error(const std::string& text) {
  HlcTime t;
  std::string error;
  if (parse_hlc(text, t, error)) return "(parsed)";
  return error;
}

TEST(HlcText, FixedWidthForm) {
  EXPECT_EQ(format_hlc({kT0, 0, "K1"}), "0001732190000000-0000-K1");
  EXPECT_EQ(format_hlc({kT0, 42, "LDH01-C2"}), "0001732190000000-0042-LDH01-C2");
  EXPECT_EQ(format_hlc({0, 0, "n"}), "0000000000000000-0000-n");
  EXPECT_EQ(format_hlc({kHlcMaxWallMs, kHlcMaxLogical, "Z"}), "9999999999999999-9999-Z");
}

TEST(HlcText, RoundTrip) {
  for (const HlcTime& t : {HlcTime{kT0, 0, "K1"}, HlcTime{kT0, 9999, "LDH01-C2"}, HlcTime{0, 1, "a.b_c-d"},
                           HlcTime{kHlcMaxWallMs, 7, std::string(64, 'x')}}) {
    EXPECT_EQ(parsed(format_hlc(t)), t) << format_hlc(t);
  }
}

TEST(HlcText, ParseErrorsSayWhatIsWrong) {
  EXPECT_EQ(parse_error(""), "expected a hybrid logical clock time like \"0001732190000000-0000-K1\", got \"\"");
  EXPECT_EQ(parse_error("1732190000000-0000-K1"),
            "the wall time must be 16 digits (Unix milliseconds), got \"1732190000000\"");
  EXPECT_EQ(parse_error("000173219000000x-0000-K1"),
            "the wall time must be 16 digits (Unix milliseconds), got \"000173219000000x\"");
  EXPECT_EQ(parse_error("0001732190000000"),
            "expected a hybrid logical clock time like \"0001732190000000-0000-K1\", got \"0001732190000000\"");
  EXPECT_EQ(parse_error("0001732190000000-0000"),
            "expected a logical counter and a node after the wall time, got \"0001732190000000-0000\"");
  EXPECT_EQ(parse_error("0001732190000000-12-K1"), "the logical counter must be 4 digits, got \"12\"");
  EXPECT_EQ(parse_error("0001732190000000-+123-K1"), "the logical counter must be 4 digits, got \"+123\"");
  EXPECT_EQ(parse_error("0001732190000000-0000-"),
            "the node must be 1 to 64 characters among A-Z a-z 0-9 . _ -, got \"\"");
  EXPECT_EQ(parse_error("0001732190000000-0000-K 1"),
            "the node must be 1 to 64 characters among A-Z a-z 0-9 . _ -, got \"K 1\"");
  const std::string long_node = parse_error("0001732190000000-0000-" + std::string(65, 'x'));
  EXPECT_EQ(long_node,
            "the node must be 1 to 64 characters among A-Z a-z 0-9 . _ -, got \"" + std::string(40, 'x') + "...\"");
}

TEST(HlcText, TextOrderIsTimestampOrder) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> nodes = {"K1", "K1-2", "K10", "C1", "c1", "LDH01-K1", "A", "A.b", "z_9"};
  std::vector<HlcTime> times;
  for (int i = 0; i < 2000; ++i) {
    HlcTime t;
    // Few distinct walls and counters, so ties on wall and counter are common.
    t.wall_ms = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                    ? std::uniform_int_distribution<std::int64_t>(0, kHlcMaxWallMs)(rng)
                    : kT0 + std::uniform_int_distribution<std::int64_t>(0, 3)(rng);
    t.logical = std::uniform_int_distribution<std::uint32_t>(0, 3)(rng) == 0
                    ? std::uniform_int_distribution<std::uint32_t>(0, kHlcMaxLogical)(rng)
                    : std::uniform_int_distribution<std::uint32_t>(0, 2)(rng);
    t.node = nodes[std::uniform_int_distribution<std::size_t>(0, nodes.size() - 1)(rng)];
    times.push_back(t);
  }
  for (std::size_t i = 0; i + 1 < times.size(); ++i) {
    const HlcTime& a = times[i];
    const HlcTime& b = times[i + 1];
    const std::string ta = format_hlc(a), tb = format_hlc(b);
    EXPECT_EQ(a < b, ta < tb) << ta << " vs " << tb;
    EXPECT_EQ(a == b, ta == tb) << ta << " vs " << tb;
  }
}

TEST(Hlc, RefusesBadNodeOrClock) {
  ManualClock clock;
  EXPECT_THROW(Hlc("", clock.fn()), std::invalid_argument);
  EXPECT_THROW(Hlc("K:1", clock.fn()), std::invalid_argument);
  EXPECT_THROW(Hlc("K1", nullptr), std::invalid_argument);
  HlcOptions negative;
  negative.max_drift_ms = -1;
  EXPECT_THROW(Hlc("K1", clock.fn(), negative), std::invalid_argument);
  Hlc ok("K1", clock.fn());
  EXPECT_THROW(ok.update({kT0, 0, "bad node"}), std::invalid_argument);
  EXPECT_THROW(ok.update({kT0, kHlcMaxLogical + 1, "K2"}), std::invalid_argument);
  EXPECT_THROW(ok.update({-5, 0, "K2"}), std::invalid_argument);
}

TEST(Hlc, FollowsPhysicalTimeWhenItAdvances) {
  ManualClock clock;
  Hlc hlc("K1", clock.fn());
  EXPECT_EQ(hlc.now(), (HlcTime{kT0, 0, "K1"}));
  EXPECT_EQ(hlc.now(), (HlcTime{kT0, 1, "K1"}));  // same millisecond: the counter orders them
  clock.ms += 5;
  EXPECT_EQ(hlc.now(), (HlcTime{kT0 + 5, 0, "K1"}));
  EXPECT_EQ(hlc.last(), (HlcTime{kT0 + 5, 0, "K1"}));
}

TEST(Hlc, MonotonicWhenThePhysicalClockGoesBackwards) {
  ManualClock clock;
  Hlc hlc("K1", clock.fn());
  HlcTime prev = hlc.now();
  // NTP steps the clock back an hour, then it creeps forward again.
  clock.ms -= kHour;
  for (int i = 0; i < 100; ++i) {
    clock.ms += 7;
    const HlcTime t = hlc.now();
    EXPECT_GT(t, prev);
    EXPECT_EQ(t.wall_ms, kT0) << "the clock must hold its wall time while physical time is behind";
    prev = t;
  }
  // Once physical time passes the clock again, it follows it.
  clock.ms = kT0 + 10;
  EXPECT_EQ(hlc.now(), (HlcTime{kT0 + 10, 0, "K1"}));
  // A clock before 1970 reads as 0 and changes nothing either.
  clock.ms = -kHour;
  EXPECT_EQ(hlc.now(), (HlcTime{kT0 + 10, 1, "K1"}));
}

TEST(Hlc, CounterOverflowBorrowsOneMillisecond) {
  ManualClock clock;
  Hlc hlc("K1", clock.fn());
  HlcTime prev = hlc.now();
  for (std::uint32_t i = 1; i <= kHlcMaxLogical; ++i) {
    const HlcTime t = hlc.now();
    ASSERT_EQ(t, (HlcTime{kT0, i, "K1"}));
    prev = t;
  }
  // The 10,001st event of the same millisecond moves the wall time on rather than wrapping.
  const HlcTime carried = hlc.now();
  EXPECT_EQ(carried, (HlcTime{kT0 + 1, 0, "K1"}));
  EXPECT_GT(carried, prev);
  EXPECT_LT(format_hlc(prev), format_hlc(carried));
  // Physical time reaching the borrowed millisecond continues after it; passing it, follows it.
  clock.ms = kT0 + 1;
  EXPECT_EQ(hlc.now(), (HlcTime{kT0 + 1, 1, "K1"}));
  clock.ms = kT0 + 2;
  EXPECT_EQ(hlc.now(), (HlcTime{kT0 + 2, 0, "K1"}));
}

TEST(Hlc, CounterOverflowOnReceive) {
  ManualClock clock;
  Hlc hlc("K1", clock.fn());
  const HlcReceive r = hlc.update({kT0, kHlcMaxLogical, "K2"});
  EXPECT_TRUE(r.within_drift);
  EXPECT_EQ(r.time, (HlcTime{kT0 + 1, 0, "K1"}));
  EXPECT_GT(r.time, (HlcTime{kT0, kHlcMaxLogical, "K2"}));
}

TEST(Hlc, ReceiveIsAfterSendAndAfterEverythingLocal) {
  ManualClock a_clock, b_clock;
  Hlc a("A", a_clock.fn());
  Hlc b("B", b_clock.fn());
  const HlcTime sent = a.now();
  // B's clock is behind by 3 ms: its receive still comes after A's send.
  b_clock.ms -= 3;
  const HlcTime before = b.now();
  const HlcReceive r = b.update(sent);
  EXPECT_TRUE(r.within_drift);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_EQ(r.bounded, sent);
  EXPECT_EQ(r.ahead_ms, 3);
  EXPECT_GT(r.time, sent);
  EXPECT_GT(r.time, before);
  EXPECT_EQ(r.time, (HlcTime{kT0, 1, "B"}));
  // Same wall time on both sides: the counter is one more than the larger of the two.
  const HlcTime again = b.update({kT0, 30, "A"}).time;
  EXPECT_EQ(again, (HlcTime{kT0, 31, "B"}));
  // A receive from the past changes nothing but the counter.
  EXPECT_EQ(b.update({kT0 - kHour, 500, "A"}).time, (HlcTime{kT0, 32, "B"}));
}

TEST(Hlc, NodesOneHourApartStillOrderCausally) {
  ManualClock behind, ahead;
  ahead.ms = kT0 + kHour;  // a terminal whose clock is an hour fast
  Hlc server("S", behind.fn());
  Hlc terminal("K1", ahead.fn());

  // The fast terminal's time is within the drift bound: it is merged, and the server's receive
  // comes after the terminal's send even though the server's own clock says an hour earlier.
  const HlcTime sent = terminal.now();
  const HlcReceive r = server.update(sent);
  EXPECT_TRUE(r.within_drift);
  EXPECT_EQ(r.ahead_ms, kHour);
  EXPECT_GT(r.time, sent);
  // The server's later events stay after it while its physical clock catches up.
  behind.ms += 1000;
  EXPECT_GT(server.now(), r.time);

  // The other way: a terminal an hour slow receives the time of a server whose clock is right and
  // orders after it too; what it sends next is after what it received.
  ManualClock right, slow;
  slow.ms = kT0 - kHour;
  Hlc other_server("S2", right.fn());
  Hlc late("K2", slow.fn());
  const HlcTime from_server = other_server.now();
  const HlcReceive back = late.update(from_server);
  EXPECT_TRUE(back.within_drift);
  EXPECT_GT(back.time, from_server);
  slow.ms += 1;
  EXPECT_GT(late.now(), from_server);
  // A server that merged the fast terminal's time is an hour ahead of its own clock, two hours ahead
  // of the slow terminal: beyond the bound, so the slow terminal does not follow it. A server that
  // clamps device time to its own (see HlcProperty.ServerClampingTerminalsAnHourOffEitherWay) never
  // gets there.
  EXPECT_FALSE(late.update(server.now()).within_drift);
}

TEST(Hlc, ARemoteTimeTooFarAheadIsRefusedWithAReason) {
  ManualClock clock;
  Hlc server("S", clock.fn());
  const HlcTime mine = server.now();
  const HlcTime far{kT0 + 2 * kHour, 3, "K9"};  // a clock two hours fast
  const HlcReceive r = server.update(far);
  EXPECT_FALSE(r.within_drift);
  EXPECT_EQ(r.ahead_ms, 2 * kHour);
  EXPECT_EQ(r.reason,
            "the time from K9 is 7200 s ahead of this clock, more than the 3900 s allowed; it was not merged");
  // The clock was not dragged forward: the receive is an ordinary local event.
  EXPECT_EQ(r.time, (HlcTime{kT0, mine.logical + 1, "S"}));
  EXPECT_EQ(r.bounded, (HlcTime{kT0 + kHlcDefaultMaxDriftMs, 0, "K9"}));
  EXPECT_EQ(server.now().wall_ms, kT0);
  // A battery-less clock in 2099 is no different.
  EXPECT_FALSE(server.update({4'102'444'800'000, 0, "K9"}).within_drift);
  EXPECT_EQ(server.last().wall_ms, kT0);
  // Exactly at the bound is still within it.
  EXPECT_TRUE(server.update({kT0 + kHlcDefaultMaxDriftMs, 0, "K9"}).within_drift);
  EXPECT_EQ(server.last().wall_ms, kT0 + kHlcDefaultMaxDriftMs);
}

TEST(Hlc, ARemoteTimeTooFarAheadIsClampedByPolicy) {
  ManualClock clock;
  HlcOptions options;
  options.max_drift_ms = 10 * 60 * 1000;
  options.too_far_ahead = HlcAheadPolicy::Clamp;
  Hlc server("S", clock.fn(), options);
  const HlcReceive r = server.update({kT0 + kHour, 3, "K9"});
  EXPECT_FALSE(r.within_drift);
  EXPECT_EQ(r.bounded, (HlcTime{kT0 + options.max_drift_ms, 0, "K9"}));
  EXPECT_EQ(r.time, (HlcTime{kT0 + options.max_drift_ms, 1, "S"}));
  EXPECT_GT(r.time, r.bounded);
  EXPECT_EQ(r.reason,
            "the time from K9 is 3600 s ahead of this clock, more than the 600 s allowed; it was merged as "
            "0001732190600000-0000-K9");
}

TEST(Hlc, RestoreContinuesAfterAPersistedTime) {
  ManualClock clock;
  Hlc first("K1", clock.fn());
  first.now();
  clock.ms += 1000;
  const HlcTime persisted = first.now();
  // Restarted with a clock that has gone back a day: it still continues after what it gave.
  clock.ms -= 24 * kHour;
  Hlc second("K1", clock.fn());
  second.restore(persisted);
  EXPECT_EQ(second.now(), (HlcTime{persisted.wall_ms, persisted.logical + 1, "K1"}));
  // Restoring something older never moves the clock back.
  const HlcTime last = second.last();
  second.restore({kT0 - kHour, 0, "K1"});
  EXPECT_EQ(second.last(), last);
  EXPECT_THROW(second.restore({kT0, kHlcMaxLogical + 1, "K1"}), std::invalid_argument);
}

// A randomized run between three nodes whose clocks are skewed, wander within a second and now and
// then jump back, exchanging messages in random order (delayed, reordered, some delivered twice).
// Every node's timestamps must strictly increase (as values and as text), all timestamps must be
// unique, every receive must come after the send it receives (after its bounded form when the
// receiver clamped it), and no clock may run ahead of true time by more than the largest skew.
struct Topology {
  std::vector<std::int64_t> skew;       // per node, against true time
  std::vector<HlcOptions> options;      // per node
  std::vector<std::vector<int>> peers;  // whom each node sends to
};

void run_three_nodes(std::uint64_t seed, const Topology& topo, int& receives, int& clamped) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  constexpr std::int64_t kJitter = 1000;

  std::int64_t true_ms = kT0;
  std::vector<std::int64_t> jitter(3, 0);
  const std::vector<std::string> names = {"K1", "S", "C1"};
  std::vector<std::unique_ptr<Hlc>> nodes;
  for (std::size_t i = 0; i < 3; ++i) {
    nodes.push_back(std::make_unique<Hlc>(
        names[i], [&, i] { return true_ms + topo.skew[i] + jitter[i]; }, topo.options[i]));
  }
  const std::int64_t max_skew = *std::max_element(topo.skew.begin(), topo.skew.end());

  struct Message {
    HlcTime sent;
    std::size_t to = 0;
  };
  std::vector<Message> in_flight;
  std::vector<HlcTime> last(3);
  std::set<std::string> seen;

  auto record = [&](std::size_t i, const HlcTime& t) {
    ASSERT_GT(t, last[i]) << "node " << names[i] << " went backwards";
    ASSERT_GT(format_hlc(t), format_hlc(last[i]));
    ASSERT_TRUE(seen.insert(format_hlc(t)).second) << "duplicate " << format_hlc(t);
    // l - pt stays bounded by the largest clock offset (Kulkarni et al.); +1 for a counter borrow.
    ASSERT_LE(t.wall_ms - true_ms, max_skew + kJitter + 1) << format_hlc(t);
    last[i] = t;
  };

  for (int step = 0; step < 20000; ++step) {
    true_ms += pick(0, 3);
    const auto i = static_cast<std::size_t>(pick(0, 2));
    jitter[i] =
        pick(0, 20) == 0 ? pick(-kJitter, 0) : std::clamp<std::int64_t>(jitter[i] + pick(-2, 2), -kJitter, kJitter);
    const auto action = pick(0, 9);
    if (action < 3) {
      record(i, nodes[i]->now());  // a local event
    } else if (action < 6 || in_flight.empty()) {
      const HlcTime sent = nodes[i]->now();
      record(i, sent);
      const auto& peers = topo.peers[i];
      const auto to = static_cast<std::size_t>(
          peers[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(peers.size()) - 1))]);
      in_flight.push_back({sent, to});
      if (pick(0, 9) == 0) in_flight.push_back({sent, to});  // delivered twice
    } else {
      const auto k = static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(in_flight.size()) - 1));
      const Message m = in_flight[k];
      in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(k));
      const HlcReceive r = nodes[m.to]->update(m.sent);
      record(m.to, r.time);
      ++receives;
      ASSERT_GT(r.time, r.bounded) << "receive not after the (bounded) send";
      if (r.within_drift) {
        ASSERT_EQ(r.bounded, m.sent);
        ASSERT_GT(r.time, m.sent) << "receive not after send";
      } else {
        ++clamped;
        ASSERT_FALSE(r.reason.empty());
      }
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
}

constexpr std::uint64_t kSeeds[] = {1, 2, 3, 42, 2024, 31337};

// Every node talks to every other; clocks up to an hour apart (half an hour each side of true
// time), all within the default drift bound: every receive is merged and comes after its send.
TEST(HlcProperty, MeshOfNodesAnHourApartKeepsCausality) {
  Topology topo{{-30 * 60 * 1000, 0, 30 * 60 * 1000}, {{}, {}, {}}, {{1, 2}, {0, 2}, {0, 1}}};
  for (std::uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    int receives = 0, clamped = 0;
    run_three_nodes(seed, topo, receives, clamped);
    if (HasFatalFailure()) return;
    EXPECT_GT(receives, 4000);
    EXPECT_EQ(clamped, 0);
  }
}

// Two terminals an hour slow and an hour fast talk only through a server that clamps device time
// to its own (drift 0, Clamp): the server's clock never follows the fast terminal, so what it sends
// is never too far ahead for the slow one, and every receive still comes after its (bounded) send.
TEST(HlcProperty, ServerClampingTerminalsAnHourOffEitherWay) {
  HlcOptions server;
  server.max_drift_ms = 0;
  server.too_far_ahead = HlcAheadPolicy::Clamp;
  Topology topo{{-kHour, 0, kHour}, {{}, server, {}}, {{1}, {0, 2}, {1}}};
  for (std::uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    int receives = 0, clamped = 0;
    run_three_nodes(seed, topo, receives, clamped);
    if (HasFatalFailure()) return;
    EXPECT_GT(receives, 4000);
    EXPECT_GT(clamped, 0) << "the fast terminal's times must have been clamped";
  }
}

}  // namespace
}  // namespace guichet::domain
