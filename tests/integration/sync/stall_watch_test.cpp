// The stall watch against a real HTTP server on loopback: a request answered in time is left
// alone, one the server holds while it answers probes is given up after the unanswered limit (and
// its copy is a replay, not a second effect), and stop() cancels the request out without a reason.
// The link that comes back with its connections dead is in applications_sync_test (a fault proxy).
// A connection whose path died while the server lives (its packets dropped by a filter in the
// test's own network namespace) is given up at the first answered probe, long before the limit.
#include "guichet/sync/stall_watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "guichet/testing/private_network.hpp"
#include "loopback_server.hpp"

using namespace std::chrono_literals;
using guichet::sync::ApiClient;
using guichet::sync::HttpResponse;
using guichet::sync::RequestOptions;
using guichet::sync::ServerEndpoint;
using guichet::sync::StallWatch;
using guichet::sync::StallWatchOptions;
using guichet::testing::LoopbackServer;
using guichet::testing::LoopbackState;
using guichet::testing::PrivateNetwork;
using Clock = std::chrono::steady_clock;

namespace {

class StallWatchTest : public ::testing::Test {
 protected:
  StallWatchTest() : state_(std::make_shared<LoopbackState>()), server_(state_) {
    options_.probe_after = 100ms;
    options_.probe_every = 50ms;
    options_.probe_timeout = 500ms;
    options_.unanswered_limit = 600ms;
    options_.server_name = "the test server";
  }
  ServerEndpoint endpoint() const {
    return {"http://127.0.0.1:" + std::to_string(server_.port()), state_->device, state_->secret};
  }
  static RequestOptions keyed(const std::string& key) {
    RequestOptions o;
    o.idempotency_key = key;
    o.timeout = 10s;
    return o;
  }

  std::shared_ptr<LoopbackState> state_;
  LoopbackServer server_;
  StallWatchOptions options_;
};

TEST_F(StallWatchTest, ARequestAnsweredInTimeIsLeftAloneAndNoProbeIsMade) {
  StallWatch watch(endpoint(), options_, 1);
  watch.start();
  ApiClient client(endpoint());
  std::string given_up = "unset";
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = watch.send(0, client, "POST", "/things", "{}", keyed("T1:" + std::to_string(i)), given_up);
    EXPECT_EQ(r.status, 201) << r.transport_error;
    EXPECT_EQ(given_up, "");
  }
  std::this_thread::sleep_for(300ms);  // longer than probe_after: nothing is out to probe for
  EXPECT_EQ(watch.given_up(), 0u);
  std::lock_guard lock(state_->mu);
  EXPECT_EQ(state_->connections, 1) << "a probe connection was made";
}

TEST_F(StallWatchTest, ARequestHeldWhileTheServerAnswersProbesIsGivenUpAfterTheLimitAndItsCopyIsAReplay) {
  {
    std::lock_guard lock(state_->mu);
    state_->delay_next = 1;  // the work is done, the answer held
    state_->delay_ms = 5000;
  }
  StallWatch watch(endpoint(), options_, 1);
  watch.start();
  ApiClient client(endpoint());
  std::string given_up;
  const auto t0 = Clock::now();
  HttpResponse r = watch.send(0, client, "POST", "/things", "{}", keyed("T1:7"), given_up);
  const auto took = Clock::now() - t0;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(given_up, "the test server answers on new connections but not on the one in use");
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 2500ms) << "not given up: waited "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_EQ(watch.given_up(), 1u);

  HttpResponse again = watch.send(0, client, "POST", "/things", "{}", keyed("T1:7"), given_up);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(given_up, "");
  std::lock_guard lock(state_->mu);
  EXPECT_EQ(state_->effects_by_key["T1:7"], 1);
  EXPECT_EQ(state_->requests_by_key["T1:7"], 2);
}

// The request's own bytes move just after watch(); the watch counts from when they moved, not from
// when it first looked (which put the first probe off to twice probe_after). A server that is slow
// but acknowledges is never given up before the limit.
TEST_F(StallWatchTest, TheFirstProbeComesProbeAfterTheRequestWentOutAndASlowServerIsWaitedFor) {
  {
    std::lock_guard lock(state_->mu);
    state_->delay_next = 1;
    state_->delay_ms = 2000;
  }
  options_.probe_after = 500ms;
  options_.probe_every = 250ms;
  options_.unanswered_limit = 60s;
  StallWatch watch(endpoint(), options_, 1);
  watch.start();
  ApiClient client(endpoint());
  std::string given_up = "unset";
  HttpResponse r;
  const auto t0 = Clock::now();
  std::thread sender([&] { r = watch.send(0, client, "POST", "/things", "{}", keyed("T1:10"), given_up); });
  std::optional<Clock::duration> first_probe;
  while (!first_probe && Clock::now() - t0 < 1900ms) {
    {
      std::lock_guard lock(state_->mu);
      if (state_->probes > 0) first_probe = Clock::now() - t0;
    }
    std::this_thread::sleep_for(5ms);
  }
  sender.join();
  ASSERT_TRUE(first_probe.has_value()) << "no probe while the answer was held";
  std::cout << "first probe " << std::chrono::duration_cast<std::chrono::milliseconds>(*first_probe).count()
            << " ms after the send" << std::endl;
  EXPECT_GE(*first_probe, 500ms);
  EXPECT_LT(*first_probe, 850ms) << "the first probe waited for the watch to see the request's bytes";
  EXPECT_EQ(r.status, 201) << r.transport_error;
  EXPECT_EQ(given_up, "");
  EXPECT_EQ(watch.given_up(), 0u);
}

TEST_F(StallWatchTest, StopCancelsTheRequestOutWithoutAReasonAndEveryOneAfterUntilStart) {
  {
    std::lock_guard lock(state_->mu);
    state_->delay_next = 1;
    state_->delay_ms = 5000;
  }
  options_.unanswered_limit = 60s;
  StallWatch watch(endpoint(), options_, 2);
  watch.start();
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    watch.stop();
  });
  ApiClient client(endpoint());
  std::string given_up = "unset";
  const auto t0 = Clock::now();
  HttpResponse r = watch.send(1, client, "POST", "/things", "{}", keyed("T1:8"), given_up);
  stopper.join();
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(given_up, "") << "a stop is not the watch giving up";
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(watch.given_up(), 0u);
  EXPECT_TRUE(watch.cancel_flag(0)->load());
  EXPECT_TRUE(watch.cancel_flag(1)->load());
  watch.start();
  EXPECT_FALSE(watch.cancel_flag(0)->load());
  EXPECT_EQ(watch.send(0, client, "POST", "/things", "{}", keyed("T1:9"), given_up).status, 201);
}

// Outside the fixture: the network comes first, so that the server listens in it.
TEST(StallWatchDeadPath, AConnectionWhoseBytesAreNotAcknowledgedIsGivenUpAtTheFirstAnsweredProbeAndItsCopyIsAnswered) {
  PrivateNetwork net;
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  const ServerEndpoint endpoint{"http://127.0.0.1:" + std::to_string(server.port()), state->device, state->secret};
  StallWatchOptions options;       // a terminal's: first probe after 750 ms, then every 250 ms
  options.unanswered_limit = 20s;  // far: only the unacknowledged bytes can give the request up soon
  options.server_name = "the test server";
  StallWatch watch(endpoint, options, 1);
  watch.start();
  ApiClient client(endpoint);
  auto keyed = [](const std::string& key) {
    RequestOptions o;
    o.idempotency_key = key;
    o.timeout = 30s;
    return o;
  };
  std::string given_up = "unset";
  ASSERT_EQ(watch.send(0, client, "POST", "/things", "{}", keyed("T1:1"), given_up).status, 201);
  EXPECT_EQ(given_up, "");

  // The kept-alive connection's path dies; the server and new connections to it live on.
  const auto cut = net.cut_connections_to(static_cast<std::uint16_t>(server.port()));
  ASSERT_EQ(cut.size(), 1u) << "the client keeps one connection";
  const auto t0 = Clock::now();
  HttpResponse r = watch.send(0, client, "POST", "/things", "{}", keyed("T1:2"), given_up);
  const auto took = Clock::now() - t0;
  std::cout << "given up " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after it was sent" << std::endl;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(given_up,
            "the test server answers on new connections, and what was sent on the one in use is not "
            "acknowledged");
  // Two retransmission timeouts (200 ms, then 400 ms) and the first probe (750 ms) after them.
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 2500ms) << "given up after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                          << " ms, not at the first answered probe";
  EXPECT_EQ(watch.given_up(), 1u);
  EXPECT_GT(net.dropped(), 2u) << "the request and its retransmissions were dropped";
  EXPECT_EQ(client.activity().unacked_resends.load(), 0u) << "the dead connection is closed";

  HttpResponse again = watch.send(0, client, "POST", "/things", "{}", keyed("T1:2"), given_up);
  EXPECT_EQ(again.status, 201) << again.transport_error;
  EXPECT_EQ(given_up, "");
  std::lock_guard lock(state->mu);
  EXPECT_EQ(state->requests_by_key["T1:2"], 1) << "the copy on the dead connection never reached the server";
  EXPECT_EQ(state->effects_by_key["T1:2"], 1);
  EXPECT_GE(state->probes, 1);
}

}  // namespace
