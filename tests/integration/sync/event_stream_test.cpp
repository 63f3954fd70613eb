// The live-feed reader against a real server-sent event stream on loopback: events arrive in order,
// and after a cut connection or a server restart the reader resumes after Last-Event-ID, so no
// event is missed and none is seen twice.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include "guichet/domain/time.hpp"
#include "guichet/sync/client.hpp"
#include "loopback_server.hpp"

using namespace std::chrono_literals;
using guichet::sync::EventStream;
using guichet::sync::EventStreamOptions;
using guichet::sync::ServerEndpoint;
using guichet::sync::WireEvent;
using guichet::testing::LoopbackServer;
using guichet::testing::LoopbackState;
namespace d = guichet::domain;

namespace {

std::string called_event(std::uint64_t seq, int number) {
  WireEvent w;
  w.seq = seq;
  w.event.type = d::EventType::Called;
  w.event.token.id = "LDH01-20261123-A" + std::to_string(100 + number).substr(1);
  w.event.token.service = "birth-certificate";
  w.event.token.prefix = "A";
  w.event.token.number = number;
  w.event.token.business_day = "2026-11-23";
  w.event.token.issued_at = d::from_unix_ms(1795000000000);
  w.event.token.state = d::TokenState::Called;
  w.event.token.counter = "C1";
  w.event.counter = "C1";
  w.event.reason = d::CallReason::FirstInLine;
  w.event.explanation = "A0" + std::to_string(number) + " was first in line.";
  w.event.at = d::from_unix_ms(1795000000000 + static_cast<std::int64_t>(seq));
  w.event.actor = "op1";
  w.counter_number = 1;
  return guichet::sync::to_json(w, 330).dump();
}

struct Received {
  std::mutex mu;
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> tokens;
  std::vector<std::string> explanations;
  std::vector<std::string> statuses;

  std::size_t count() {
    std::lock_guard lock(mu);
    return seqs.size();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (count() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return count() >= n;
  }
};

EventStreamOptions fast_options() {
  EventStreamOptions o;
  o.reconnect_initial = 50ms;
  o.reconnect_max = 300ms;
  o.connect_timeout = 500ms;
  return o;
}

std::unique_ptr<EventStream> make_stream(std::uint16_t port, const LoopbackState& state, Received& got,
                                         std::uint64_t last_id = 0) {
  ServerEndpoint ep{"http://127.0.0.1:" + std::to_string(port), state.device, state.secret};
  auto s = std::make_unique<EventStream>(
      ep,
      [&got](const WireEvent& e) {
        std::lock_guard lock(got.mu);
        got.seqs.push_back(e.seq);
        got.tokens.push_back(e.event.token.id);
        got.explanations.push_back(e.event.explanation);
      },
      last_id, fast_options());
  s->on_status([&got](bool connected, const std::string& detail) {
    std::lock_guard lock(got.mu);
    got.statuses.push_back((connected ? "up: " : "down: ") + detail);
  });
  return s;
}

TEST(EventStream, DeliversEventsInOrderWithTheirContent) {
  auto state = std::make_shared<LoopbackState>();
  for (std::uint64_t i = 1; i <= 3; ++i) state->publish(i, called_event(i, static_cast<int>(i)));
  LoopbackServer server(state);
  Received got;
  auto stream = make_stream(server.port(), *state, got);
  stream->start();
  ASSERT_TRUE(got.wait_for(3, 5s));
  state->publish(4, called_event(4, 4));
  ASSERT_TRUE(got.wait_for(4, 5s));
  stream->stop();
  std::lock_guard lock(got.mu);
  EXPECT_EQ(got.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(got.tokens[1], "LDH01-20261123-A02");
  EXPECT_EQ(got.explanations[3], "A04 was first in line.");
  EXPECT_EQ(stream->last_event_id(), 4u);
  ASSERT_FALSE(got.statuses.empty());
  EXPECT_EQ(got.statuses.front(), "up: ");
}

TEST(EventStream, ResumesAfterACutConnectionWithLastEventId) {
  auto state = std::make_shared<LoopbackState>();
  state->sse_cut_after = 2;  // every connection is cut after two events
  for (std::uint64_t i = 1; i <= 7; ++i) state->publish(i, called_event(i, static_cast<int>(i)));
  LoopbackServer server(state);
  Received got;
  auto stream = make_stream(server.port(), *state, got);
  stream->start();
  ASSERT_TRUE(got.wait_for(7, 5s));
  stream->stop();
  {
    std::lock_guard lock(got.mu);
    EXPECT_EQ(got.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  }
  std::lock_guard lock(state->mu);
  ASSERT_GE(state->last_event_ids.size(), 4u);
  EXPECT_EQ(state->last_event_ids[0], "");
  EXPECT_EQ(state->last_event_ids[1], "2");
  EXPECT_EQ(state->last_event_ids[2], "4");
  EXPECT_EQ(state->last_event_ids[3], "6");
  EXPECT_GE(stream->connections(), 4);
}

TEST(EventStream, CatchesUpAfterTheServerRestarts) {
  auto state = std::make_shared<LoopbackState>();
  state->publish(1, called_event(1, 1));
  auto server = std::make_unique<LoopbackServer>(state);
  const std::uint16_t port = server->port();
  Received got;
  auto stream = make_stream(port, *state, got);
  stream->start();
  ASSERT_TRUE(got.wait_for(1, 5s));

  server->stop();
  // Events that happen while this terminal cannot hear them.
  state->publish(2, called_event(2, 2));
  state->publish(3, called_event(3, 3));
  std::this_thread::sleep_for(400ms);
  EXPECT_FALSE(stream->connected());
  server = std::make_unique<LoopbackServer>(state, port);
  ASSERT_TRUE(got.wait_for(3, 5s));
  state->publish(4, called_event(4, 4));
  ASSERT_TRUE(got.wait_for(4, 5s));
  stream->stop();
  std::lock_guard lock(got.mu);
  EXPECT_EQ(got.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  std::lock_guard slock(state->mu);
  EXPECT_EQ(state->last_event_ids.back(), "1");
}

TEST(EventStream, StartsAfterAGivenLastEventId) {
  auto state = std::make_shared<LoopbackState>();
  for (std::uint64_t i = 1; i <= 5; ++i) state->publish(i, called_event(i, static_cast<int>(i)));
  LoopbackServer server(state);
  Received got;
  auto stream = make_stream(server.port(), *state, got, 3);
  stream->start();
  ASSERT_TRUE(got.wait_for(2, 5s));
  std::this_thread::sleep_for(100ms);
  stream->stop();
  std::lock_guard lock(got.mu);
  EXPECT_EQ(got.seqs, (std::vector<std::uint64_t>{4, 5}));
}

// Whoever sees an event has its id as the cursor: a terminal that stops its feed as soon as an
// event has arrived, and resumes from last_event_id(), does not hear that event again (nor, with a
// cursor left at 0, miss what came while it was away).
TEST(EventStream, AnEventsIdIsTheCursorByTheTimeItsHandlerRuns) {
  auto state = std::make_shared<LoopbackState>();
  for (std::uint64_t i = 1; i <= 3; ++i) state->publish(i, called_event(i, static_cast<int>(i)));
  LoopbackServer server(state);
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;  // (event's seq, cursor in its handler)
  EventStream* self = nullptr;
  EventStream stream(
      ServerEndpoint{"http://127.0.0.1:" + std::to_string(server.port()), state->device, state->secret},
      [&](const WireEvent& e) {
        std::lock_guard lock(mu);
        seen.emplace_back(e.seq, self->last_event_id());
      },
      0, fast_options());
  self = &stream;
  stream.start();
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (seen.size() >= 3) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  stream.stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& [seq, cursor] : seen) EXPECT_EQ(cursor, seq) << "event " << seq;
}

TEST(EventStream, RefusedCredentialsAreReportedAndRetried) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  Received got;
  ServerEndpoint ep{server.url(), "T1", "wrong"};
  EventStream stream(
      ep, [](const WireEvent&) {}, 0, fast_options());
  stream.on_status([&got](bool connected, const std::string& detail) {
    std::lock_guard lock(got.mu);
    got.statuses.push_back((connected ? "up: " : "down: ") + detail);
  });
  stream.start();
  std::this_thread::sleep_for(500ms);
  stream.stop();
  std::lock_guard lock(got.mu);
  ASSERT_GE(got.statuses.size(), 2u) << "the reader gave up instead of retrying";
  EXPECT_EQ(got.statuses[0], "down: the server refused the live feed: unknown device or wrong secret");
  EXPECT_EQ(stream.connections(), 0);
}

TEST(EventStream, StopIsPromptWhileWaitingForEvents) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  Received got;
  auto stream = make_stream(server.port(), *state, got);
  stream->start();
  for (int i = 0; i < 200 && !stream->connected(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(stream->connected());
  auto start = std::chrono::steady_clock::now();
  stream->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

// Voluntary context switches of this process's thread named `name` (-1 if there is none): each
// is one wake-up from a wait.
long wakeups_of(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string n;
    std::getline(comm, n);
    if (n != name) continue;
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(line.find(':') + 1));
    }
  }
  return -1;
}

// A connected stream with nothing to say waits in the kernel: an idle kiosk or board does not
// wake up (a 20 ms poll would wake it fifty times a second).
TEST(EventStream, WaitingForEventsDoesNotWakeUp) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  Received got;
  auto stream = make_stream(server.port(), *state, got);
  stream->start();
  for (int i = 0; i < 200 && !stream->connected(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(stream->connected());
  std::this_thread::sleep_for(100ms);
  const long before = wakeups_of("guichet-feed");
  ASSERT_GE(before, 0) << "the live feed's thread is named guichet-feed";
  std::this_thread::sleep_for(1s);
  const long woke = wakeups_of("guichet-feed") - before;
  EXPECT_LE(woke, 3) << "wake-ups in an idle second";
  stream->stop();
}

}  // namespace
