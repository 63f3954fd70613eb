// The stall watch against a real HTTP server on loopback: a request answered in time is left
// alone, one the server holds while it answers probes is given up after the unanswered limit (and
// its copy is a replay, not a second effect), and stop() cancels the request out without a reason.
// The link that comes back with its connections dead is in applications_sync_test (a fault proxy).
#include "guichet/sync/stall_watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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

}  // namespace
