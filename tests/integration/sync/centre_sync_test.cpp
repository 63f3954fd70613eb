// The terminal's sync client against the real centre server process: a counter's actions go
// through the outbox with their idempotency keys, a repeated key changes nothing, the outbox
// drains after a server restart, and the live feed resumes after Last-Event-ID.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "centre_server.hpp"
#include "guichet/sync/client.hpp"

using namespace std::chrono_literals;
using guichet::sync::ApiClient;
using guichet::sync::EventStream;
using guichet::sync::HttpResponse;
using guichet::sync::json;
using guichet::sync::Outbox;
using guichet::sync::OutboxState;
using guichet::sync::RequestOptions;
using guichet::sync::SyncEngine;
using guichet::sync::SyncOptions;
using guichet::sync::WireEvent;
using guichet::testing::CentreServer;
using guichet::testing::TempDir;
namespace d = guichet::domain;

namespace {

class CentreSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    counter_secret_ = centre_.add_device("C1", "counter");
    centre_.add_operator("op1", "Asha Verma", "operator", "2468");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
  }

  // A token from the kiosk, as the kiosk issues it.
  std::string issue(const std::string& service, int n) {
    ApiClient kiosk(centre_.endpoint("K1", kiosk_secret_));
    RequestOptions o;
    o.idempotency_key = "K1:" + std::to_string(n);
    HttpResponse r = kiosk.post("/api/v1/tokens", {{"service", service}, {"priority", ""}, {"language", "en"}}, o);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["token"]["id"].get<std::string>();
  }

  std::string login(const std::string& counter) {
    ApiClient client(centre_.endpoint("C1", counter_secret_));
    HttpResponse r =
        client.post("/api/v1/sessions", {{"operator", "op1"}, {"pin", "2468"}, {"counter", counter}}, slow_login());
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["session"].get<std::string>();
  }

  // PINs are checked with argon2id, which takes a while in a sanitizer build.
  static RequestOptions slow_login() {
    RequestOptions o;
    o.timeout = 15000ms;
    return o;
  }

  SyncOptions fast() const {
    SyncOptions o;
    o.request_timeout = 2000ms;
    o.backoff_initial = 50ms;
    o.backoff_max = 500ms;
    return o;
  }

  CentreServer centre_;
  TempDir terminal_{"guichet-terminal"};
  std::string kiosk_secret_, counter_secret_;
};

TEST_F(CentreSyncTest, CounterActionsThroughTheOutboxCarryTheCallsReason) {
  const std::string token = issue("birth-certificate", 1);
  const std::string session = login("C1");
  Outbox outbox((terminal_ / "outbox.sqlite").string(), "C1");
  SyncEngine engine(outbox, centre_.endpoint("C1", counter_secret_), fast());
  engine.start();

  auto called = engine.submit_and_wait("POST", "/api/v1/counters/C1/call-next", json::object(), session, 5s);
  ASSERT_EQ(called.state, OutboxState::Done) << called.response_body << called.last_error;
  WireEvent e = guichet::sync::event_from_json(json::parse(called.response_body)["event"]);
  EXPECT_EQ(e.event.type, d::EventType::Called);
  EXPECT_EQ(e.event.token.id, token);
  EXPECT_EQ(e.event.counter, "C1");
  ASSERT_TRUE(e.event.reason);
  EXPECT_FALSE(e.event.explanation.empty());
  EXPECT_EQ(e.event.actor, "op1");

  auto started = engine.submit_and_wait("POST", "/api/v1/counters/C1/start", json::object(), session, 5s);
  EXPECT_EQ(started.state, OutboxState::Done) << started.response_body;
  auto finished = engine.submit_and_wait("POST", "/api/v1/counters/C1/finish", json::object(), session, 5s);
  EXPECT_EQ(finished.state, OutboxState::Done) << finished.response_body;

  // Nothing is waiting now: the queue rule refuses, and the entry is kept with the server's words.
  auto refused = engine.submit_and_wait("POST", "/api/v1/counters/C1/call-next", json::object(), session, 5s);
  EXPECT_EQ(refused.state, OutboxState::Failed);
  EXPECT_EQ(refused.response_status, 409);
  EXPECT_EQ(refused.response().error_code(), "nothing_waiting");
  EXPECT_FALSE(refused.response().error_message().empty());
  EXPECT_EQ(outbox.pending_count(), 0);
}

TEST_F(CentreSyncTest, TheSameKeyTwiceCallsOneToken) {
  issue("birth-certificate", 1);
  issue("birth-certificate", 2);
  const std::string session = login("C1");
  ApiClient client(centre_.endpoint("C1", counter_secret_));
  RequestOptions o;
  o.bearer = session;
  o.idempotency_key = "C1:1000";
  HttpResponse first = client.post("/api/v1/counters/C1/call-next", json::object(), o);
  ASSERT_EQ(first.status, 200) << first.body;
  // The answer was "lost"; the terminal sends the same entry again.
  HttpResponse again = client.post("/api/v1/counters/C1/call-next", json::object(), o);
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  HttpResponse queue = client.get("/api/v1/queue?counter=C1");
  ASSERT_TRUE(queue.ok()) << queue.body;
  auto q = json::parse(queue.body);
  EXPECT_EQ(q["waiting"].size(), 1u) << "the repeated request called a second token";
}

TEST_F(CentreSyncTest, OutboxDrainsAfterTheServerRestartsWithoutANewWrite) {
  const std::string a = issue("birth-certificate", 1);
  const std::string session = login("C1");
  Outbox outbox((terminal_ / "outbox.sqlite").string(), "C1");
  SyncEngine engine(outbox, centre_.endpoint("C1", counter_secret_), fast());
  engine.start();
  const std::uint16_t port = centre_.port();

  centre_.kill9();
  // The operator keeps working: call, start, finish, all saved locally.
  auto call = engine.submit_and_wait("POST", "/api/v1/counters/C1/call-next", json::object(), session, 3s);
  EXPECT_EQ(call.state, OutboxState::Pending);
  engine.submit("POST", "/api/v1/counters/C1/start", json::object(), session);
  engine.submit("POST", "/api/v1/counters/C1/finish", json::object(), session);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(engine.backlog(), 3);

  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  ASSERT_TRUE(engine.wait_drained(10s)) << "the outbox did not drain after the server came back";
  auto done = outbox.get(call.seq);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, OutboxState::Done) << done->response_body;
  EXPECT_EQ(guichet::sync::event_from_json(json::parse(done->response_body)["event"]).event.token.id, a);

  ApiClient client(centre_.endpoint("C1", counter_secret_));
  auto token = json::parse(client.get("/api/v1/tokens/" + a).body);
  EXPECT_EQ(token["token"]["state"], "served") << token.dump();
}

TEST_F(CentreSyncTest, LiveFeedResumesAfterLastEventId) {
  struct Seen {
    std::mutex mu;
    std::vector<WireEvent> events;
    std::size_t size() {
      std::lock_guard lock(mu);
      return events.size();
    }
  };
  auto wait_for = [](Seen& seen, std::size_t n) {
    for (int i = 0; i < 500 && seen.size() < n; ++i) std::this_thread::sleep_for(10ms);
    return seen.size() >= n;
  };
  Seen first;
  std::uint64_t cursor = 0;
  {
    EventStream feed(centre_.endpoint("C1", counter_secret_), [&](const WireEvent& e) {
      std::lock_guard lock(first.mu);
      first.events.push_back(e);
    });
    feed.start();
    for (int i = 0; i < 500 && !feed.connected(); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(feed.connected());
    issue("birth-certificate", 1);
    ASSERT_TRUE(wait_for(first, 1));
    cursor = feed.last_event_id();
    feed.stop();
  }
  {
    std::lock_guard lock(first.mu);
    EXPECT_EQ(first.events[0].event.type, d::EventType::Issued);
    EXPECT_EQ(first.events[0].seq, cursor);
  }
  // Events while this terminal is away.
  const std::string b = issue("death-certificate", 2);
  const std::string c = issue("income-certificate", 3);

  Seen second;
  EventStream feed(
      centre_.endpoint("C1", counter_secret_),
      [&](const WireEvent& e) {
        std::lock_guard lock(second.mu);
        second.events.push_back(e);
      },
      cursor);
  feed.start();
  ASSERT_TRUE(wait_for(second, 2));
  std::this_thread::sleep_for(200ms);
  feed.stop();
  std::lock_guard lock(second.mu);
  ASSERT_EQ(second.events.size(), 2u) << "events before the cursor came again, or some were missed";
  EXPECT_EQ(second.events[0].event.token.id, b);
  EXPECT_EQ(second.events[1].event.token.id, c);
  EXPECT_EQ(second.events[0].seq, cursor + 1);
}

TEST_F(CentreSyncTest, WrongPinsAreRefusedThenSlowedDown) {
  ApiClient client(centre_.endpoint("C1", counter_secret_));
  HttpResponse r;
  int refused = 0;
  for (int i = 0; i < 8 && r.status != 429; ++i) {
    r = client.post("/api/v1/sessions", {{"operator", "op1"}, {"pin", "0000"}}, slow_login());
    if (r.status == 401) ++refused;
  }
  EXPECT_GE(refused, 1);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_GE(r.retry_after_seconds, 1);
  EXPECT_FALSE(r.error_message().empty());
}

}  // namespace
