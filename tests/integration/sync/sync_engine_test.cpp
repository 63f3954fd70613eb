// The sync engine against a real HTTP server on loopback that fails the way networks do. Checks the
// sync contract: exactly one effect per entry whatever the retries, nothing lost, order per device
// kept, and a queue that drains by itself once the server is back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "guichet/sync/client.hpp"
#include "guichet/testing/process.hpp"
#include "loopback_server.hpp"

using namespace std::chrono_literals;
using guichet::sync::Outbox;
using guichet::sync::OutboxEntry;
using guichet::sync::OutboxOptions;
using guichet::sync::OutboxState;
using guichet::sync::ServerEndpoint;
using guichet::sync::SyncEngine;
using guichet::sync::SyncOptions;
using guichet::testing::LoopbackServer;
using guichet::testing::LoopbackState;
using guichet::testing::PortReservation;
using guichet::testing::TempDir;
using json = nlohmann::json;

namespace {

class SyncEngineTest : public ::testing::Test {
 protected:
  SyncEngineTest() : state_(std::make_shared<LoopbackState>()) {
    OutboxOptions o;
    o.first_seq = 1;
    outbox_.emplace((dir_ / "terminal.sqlite").string(), state_->device, o);
    options_.request_timeout = 400ms;
    options_.backoff_initial = 50ms;
    options_.backoff_max = 400ms;
  }

  ServerEndpoint endpoint(std::uint16_t port) const {
    return {"http://127.0.0.1:" + std::to_string(port), state_->device, state_->secret};
  }
  std::string key(std::int64_t seq) const { return outbox_->idempotency_key(seq); }

  TempDir dir_;
  std::shared_ptr<LoopbackState> state_;
  std::optional<Outbox> outbox_;
  SyncOptions options_;
};

TEST_F(SyncEngineTest, SubmitAndWaitReturnsTheServersAnswer) {
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  OutboxEntry e = engine.submit_and_wait("POST", "/api/v1/counters/C1/call-next", json::object(), "sess", 3s);
  ASSERT_EQ(e.state, OutboxState::Done) << e.last_error;
  EXPECT_EQ(e.response_status, 201);
  auto body = json::parse(e.response_body);
  EXPECT_EQ(body["key"], key(e.seq));
  EXPECT_EQ(body["path"], "/api/v1/counters/C1/call-next");
  EXPECT_TRUE(engine.online());
  EXPECT_EQ(engine.backlog(), 0);
}

TEST_F(SyncEngineTest, RetryAfterATimeoutCreatesNoDuplicate) {
  // The server does the work but answers after the client gave up: the client must send the same
  // key again and get the first answer back, not a second effect.
  state_->delay_next = 1;
  state_->delay_ms = 1500;
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  OutboxEntry e = engine.submit("POST", "/api/v1/tokens", {{"service", "domicile"}});
  ASSERT_TRUE(engine.wait_drained(5s));
  auto done = outbox_->get(e.seq);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, OutboxState::Done);
  EXPECT_GE(done->attempts, 2);
  EXPECT_GE(state_->requests_for(key(e.seq)), 2);
  EXPECT_EQ(state_->effects_for(key(e.seq)), 1);
  EXPECT_EQ(json::parse(done->response_body)["effect"], 1);
}

TEST_F(SyncEngineTest, ConnectionDroppedAfterTheWorkCreatesNoDuplicate) {
  state_->drop_next = 2;
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  OutboxEntry a = engine.submit("POST", "/api/v1/a", json::object());
  OutboxEntry b = engine.submit("POST", "/api/v1/b", json::object());
  ASSERT_TRUE(engine.wait_drained(5s));
  EXPECT_EQ(state_->effects_for(key(a.seq)), 1);
  EXPECT_EQ(state_->effects_for(key(b.seq)), 1);
  EXPECT_EQ(state_->order(), (std::vector<std::string>{key(a.seq), key(b.seq)}));
}

TEST_F(SyncEngineTest, QueueDrainsWhenTheServerComesBackWithoutANewWrite) {
  PortReservation down;  // the server is down: connections refused, the port kept for it
  const std::uint16_t port = down.port();
  SyncEngine engine(*outbox_, endpoint(port), options_);
  engine.start();
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < 5; ++i)
    seqs.push_back(engine.submit("POST", "/api/v1/n" + std::to_string(i), json::object()).seq);
  // Offline for a while: several failed rounds, backoff grows to its cap.
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(engine.backlog(), 5);
  EXPECT_FALSE(engine.online());
  EXPECT_TRUE(state_->order().empty());
  auto first = outbox_->get(seqs[0]);
  EXPECT_GE(first->attempts, 2);
  EXPECT_FALSE(first->last_error.empty());

  LoopbackServer back(state_, port);
  const auto healed = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine.wait_drained(5s)) << "the outbox did not drain after the server came back";
  const auto took = std::chrono::steady_clock::now() - healed;
  // Bounded by the backoff cap (plus jitter and the sends themselves), not by a new write.
  EXPECT_LT(took, options_.backoff_max * 2 + 500ms);
  std::vector<std::string> expected;
  for (auto s : seqs) expected.push_back(key(s));
  EXPECT_EQ(state_->order(), expected);
  EXPECT_TRUE(engine.online());
}

TEST_F(SyncEngineTest, WakeSendsWhatWasAppendedToTheOutboxDirectly) {
  // A program that writes to the outbox itself (with its own clock, say) tells the idle engine with
  // wake(); the engine sends at once instead of at its slow idle poll (10 s). wait_drained() waits
  // through the wake-up rather than giving up on it.
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  const OutboxEntry warm = engine.submit_and_wait("POST", "/api/v1/tokens", {{"service", "birth"}}, "", 3s);
  ASSERT_EQ(warm.state, OutboxState::Done) << warm.last_error;
  ASSERT_TRUE(engine.wait_drained(2s));
  std::this_thread::sleep_for(200ms);  // past the end of its round: the engine waits, idle
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const OutboxEntry first = outbox_->append("POST", "/api/v1/tokens", R"({"service":"domicile"})", "", now);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(engine.backlog(), 1) << "appended directly, the entry waits for wake() or the idle poll";
  const auto woken = std::chrono::steady_clock::now();
  engine.wake();
  const OutboxEntry second = outbox_->append("POST", "/api/v1/tokens", R"({"service":"income"})", "", now + 1);
  engine.wake();
  ASSERT_TRUE(engine.wait_drained(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - woken, 2s);
  EXPECT_EQ(state_->order(), (std::vector<std::string>{key(warm.seq), key(first.seq), key(second.seq)}));
}

// Each upload tells the centre what the outbox holds, this batch included, and how old the oldest
// entry is by the terminal's own clock: the managers' dashboard shows it (docs/sync.md).
TEST_F(SyncEngineTest, EachUploadReportsTheOutboxPendingEntriesAndTheAgeOfTheOldest) {
  state_->uploads = true;
  options_.batch_entries = 10;
  LoopbackServer server(state_);
  const std::int64_t written =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() -
      90'000;
  for (int i = 0; i < 25; ++i) {
    outbox_->append("POST", "/api/v1/applications", json{{"i", i}}.dump(), "", written + i, "application.file");
  }
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  ASSERT_TRUE(engine.wait_drained(5s));
  std::vector<std::string> reports;
  {
    std::lock_guard lock(state_->mu);
    reports = state_->outbox_reports;
  }
  ASSERT_EQ(reports.size(), 3u);
  const std::int64_t pending[] = {25, 15, 5};
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto r = guichet::sync::parse_outbox_report(reports[i]);
    ASSERT_TRUE(r.has_value()) << reports[i];
    EXPECT_EQ(r->pending, pending[i]) << reports[i];
    // Written 90 s before (the later ones a few milliseconds after the first).
    EXPECT_GE(r->oldest_age_s, 89) << reports[i];
    EXPECT_LE(r->oldest_age_s, 95) << reports[i];
  }
}

// A terminal whose endpoint names its data folder says with its requests (its uploads here) the
// disk space left there, as the file system tells it then; one that names none says nothing.
TEST_F(SyncEngineTest, UploadsSayTheDiskSpaceLeftWhereTheTerminalKeepsItsData) {
  state_->uploads = true;
  LoopbackServer server(state_);
  ServerEndpoint with_dir = endpoint(server.port());
  with_dir.storage_dir = dir_.path().string();
  {
    SyncEngine engine(*outbox_, with_dir, options_);
    engine.start();
    engine.submit("POST", "/api/v1/applications", {{"i", 1}});
    ASSERT_TRUE(engine.wait_drained(5s));
  }
  const auto free_mib = static_cast<std::int64_t>(std::filesystem::space(dir_.path()).available >> 20);
  {
    SyncEngine engine(*outbox_, endpoint(server.port()), options_);
    engine.start();
    engine.submit("POST", "/api/v1/applications", {{"i", 2}});
    ASSERT_TRUE(engine.wait_drained(5s));
  }
  std::vector<std::string> reports;
  {
    std::lock_guard lock(state_->mu);
    reports = state_->disk_reports;
  }
  ASSERT_EQ(reports.size(), 2u);
  const auto said = guichet::sync::parse_disk_report(reports[0]);
  ASSERT_TRUE(said.has_value()) << reports[0];
  // Other writers on this machine move it a little between the two readings.
  EXPECT_NEAR(static_cast<double>(*said), static_cast<double>(free_mib), 64.0) << reports[0];
  EXPECT_EQ(reports[1], "");
}

TEST_F(SyncEngineTest, OrderPerDeviceIsKeptThroughServerErrors) {
  state_->fail_next_5xx = 3;
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  std::vector<std::string> expected;
  for (int i = 0; i < 12; ++i) {
    expected.push_back(key(engine.submit("POST", "/api/v1/op", {{"i", i}}).seq));
    if (i == 6) {
      std::lock_guard lock(state_->mu);
      state_->fail_next_5xx = 2;
      state_->drop_next = 1;
    }
  }
  ASSERT_TRUE(engine.wait_drained(10s));
  EXPECT_EQ(state_->order(), expected);
  for (const auto& k : expected) EXPECT_EQ(state_->effects_for(k), 1) << k;
}

TEST_F(SyncEngineTest, RefusedEntryIsKeptWithTheMessageAndDoesNotBlockTheQueue) {
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  OutboxEntry refused = engine.submit_and_wait("POST", "/refuse", json::object(), {}, 3s);
  EXPECT_EQ(refused.state, OutboxState::Failed);
  EXPECT_EQ(refused.response_status, 409);
  EXPECT_EQ(refused.response().error_message(), "Counter C1 is already serving A001.");
  OutboxEntry next = engine.submit_and_wait("POST", "/api/v1/ok", json::object(), {}, 3s);
  EXPECT_EQ(next.state, OutboxState::Done);
  auto failed = outbox_->failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].seq, refused.seq);
}

TEST_F(SyncEngineTest, OfflineSubmitAndWaitSaysSoQuicklyAndTheActionIsSentLater) {
  PortReservation down;  // the server is down: connections refused, the port kept for it
  const std::uint16_t port = down.port();
  SyncEngine engine(*outbox_, endpoint(port), options_);
  std::atomic<std::int64_t> completed_seq{0};
  engine.on_complete([&](const OutboxEntry& e) { completed_seq = e.seq; });
  engine.start();
  auto start = std::chrono::steady_clock::now();
  OutboxEntry e = engine.submit_and_wait("POST", "/api/v1/counters/C1/call-next", json::object(), "s", 8s);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.state, OutboxState::Pending);
  EXPECT_FALSE(e.last_error.empty());
  EXPECT_LT(took, 2s) << "an unreachable server must be reported well before the deadline";
  EXPECT_FALSE(engine.online());

  LoopbackServer back(state_, port);
  ASSERT_TRUE(engine.wait_drained(5s));
  EXPECT_EQ(completed_seq.load(), e.seq);
  EXPECT_EQ(state_->effects_for(key(e.seq)), 1);
}

TEST_F(SyncEngineTest, PendingEntriesSurviveARestartOfTheTerminal) {
  PortReservation down;  // the server is down: connections refused, the port kept for it
  const std::uint16_t port = down.port();
  std::vector<std::string> expected;
  {
    SyncEngine engine(*outbox_, endpoint(port), options_);
    engine.start();
    for (int i = 0; i < 3; ++i) expected.push_back(key(engine.submit("POST", "/api/v1/r", {{"i", i}}).seq));
    std::this_thread::sleep_for(200ms);
    engine.stop();
  }
  // The terminal restarts: a new process opens the same file.
  OutboxOptions o;
  o.first_seq = 1;
  outbox_.reset();
  outbox_.emplace((dir_ / "terminal.sqlite").string(), state_->device, o);
  ASSERT_EQ(outbox_->pending_count(), 3);

  LoopbackServer server(state_, port);
  SyncEngine engine(*outbox_, endpoint(port), options_);
  engine.start();
  ASSERT_TRUE(engine.wait_drained(5s));
  EXPECT_EQ(state_->order(), expected);
}

TEST_F(SyncEngineTest, AnswerLostThenTerminalRestartsStillOneEffect) {
  // The server stored the effect but its answer never arrived, and the terminal then restarted:
  // the entry is still Pending on disk and the resend with the same key returns the first answer.
  state_->delay_next = 1;
  state_->delay_ms = 3000;
  LoopbackServer server(state_);
  std::int64_t seq;
  {
    SyncEngine engine(*outbox_, endpoint(server.port()), options_);
    engine.start();
    seq = engine.submit("POST", "/api/v1/tokens", {{"service", "pension"}}).seq;
    for (int i = 0; i < 100 && state_->effects_for(key(seq)) == 0; ++i) std::this_thread::sleep_for(10ms);
    engine.stop();
  }
  ASSERT_EQ(state_->effects_for(key(seq)), 1);
  ASSERT_EQ(outbox_->get(seq)->state, OutboxState::Pending);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  ASSERT_TRUE(engine.wait_drained(5s));
  EXPECT_EQ(outbox_->get(seq)->state, OutboxState::Done);
  EXPECT_EQ(state_->effects_for(key(seq)), 1);
}

TEST_F(SyncEngineTest, StopReturnsPromptlyWithARequestInFlight) {
  state_->delay_next = 1;
  state_->delay_ms = 5000;
  LoopbackServer server(state_);
  SyncOptions slow = options_;
  slow.request_timeout = 10s;
  SyncEngine engine(*outbox_, endpoint(server.port()), slow);
  engine.start();
  auto e = engine.submit("POST", "/api/v1/slow", json::object());
  for (int i = 0; i < 100 && state_->effects_for(key(e.seq)) == 0; ++i) std::this_thread::sleep_for(10ms);
  auto start = std::chrono::steady_clock::now();
  engine.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  EXPECT_EQ(outbox_->get(e.seq)->state, OutboxState::Pending);
}

}  // namespace

namespace {

TEST_F(SyncEngineTest, AServerThatRefusesTheProtocolVersionStopsSendingAndSaysWhy) {
  state_->refuse_protocol = true;
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  engine.start();
  OutboxEntry e = engine.submit_and_wait("POST", "/api/v1/counters/C1/call-next", json::object(), "sess", 3s);
  EXPECT_EQ(e.state, OutboxState::Pending);  // kept for a terminal that speaks the server's version
  EXPECT_NE(engine.protocol_refusal().find("speaks version 2"), std::string::npos) << engine.protocol_refusal();
  EXPECT_NE(e.last_error.find("software update"), std::string::npos) << e.last_error;
  // It does not retry forever: no more uploads however long it runs.
  const auto uploads = engine.uploads();
  EXPECT_EQ(uploads, 1u);
  EXPECT_FALSE(engine.wait_drained(300ms));
  EXPECT_EQ(engine.uploads(), uploads);
  EXPECT_EQ(state_->effects_by_key.size(), 0u);
}

}  // namespace

namespace {

// A whole batch answered 401 (the server does not know the device's credentials: a database
// restored from a backup, credentials being rotated) is a refusal of the device, not of each
// entry: nothing is marked failed, the reason is told, and once the server accepts the device
// again every entry is delivered, once, in order. An entry sent alone and answered 401
// `unauthenticated` is kept the same way.
TEST_F(SyncEngineTest, ADeviceRefusedForAWhileKeepsEveryEntryAndDeliversEachOnceWhenAcceptedAgain) {
  state_->uploads = true;
  state_->refuse_device_next = 3;
  options_.refused_backoff_max = 300ms;
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    expected.push_back(key(engine.submit("POST", "/api/v1/applications", {{"i", i}}, "", "application.file").seq));
  }
  engine.start();
  std::string reason;
  const auto until = std::chrono::steady_clock::now() + 3s;
  while ((reason = engine.device_refusal()).empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_NE(reason.find("did not accept this device's credentials"), std::string::npos) << reason;
  EXPECT_NE(reason.find("kept"), std::string::npos) << reason;
  ASSERT_TRUE(engine.wait_drained(5s)) << "the entries were not sent once the device was accepted again";
  EXPECT_TRUE(outbox_->failed().empty()) << outbox_->failed().front().response_body;
  EXPECT_EQ(state_->order(), expected);
  for (const auto& k : expected) EXPECT_EQ(state_->effects_for(k), 1) << k;
  {
    std::lock_guard lock(state_->mu);
    EXPECT_EQ(state_->upload_requests, 4);  // three refused whole, then the batch at once
  }
  EXPECT_GE(outbox_->get(1)->attempts, 4);
  EXPECT_EQ(engine.device_refusal(), "") << "accepted again: the refusal is over";

  // An entry that travels alone, refused the same way, is kept too and sent again.
  {
    std::lock_guard lock(state_->mu);
    state_->refuse_device_next = 2;
  }
  const OutboxEntry alone = engine.submit_and_wait("POST", "/api/v1/alone", json::object(), "", 3s);
  if (alone.state == OutboxState::Pending) {
    EXPECT_NE(alone.last_error.find("credentials"), std::string::npos) << alone.last_error;
  }
  ASSERT_TRUE(engine.wait_drained(5s));
  EXPECT_EQ(outbox_->get(alone.seq)->state, OutboxState::Done);
  EXPECT_EQ(state_->effects_for(key(alone.seq)), 1);
  EXPECT_TRUE(outbox_->failed().empty());
}

// A revoked device (403 device_revoked) keeps every entry pending, sends nothing more, and says why
// so the terminal can tell its user whom to ask. Started anew once the device may sync again
// (enrolled again, new credentials), it delivers them all, once.
TEST_F(SyncEngineTest, ARevokedDeviceKeepsEveryEntryPendingStopsSendingAndSaysWhy) {
  state_->uploads = true;
  state_->revoked = true;
  LoopbackServer server(state_);
  SyncEngine engine(*outbox_, endpoint(server.port()), options_);
  std::vector<std::string> expected;
  for (int i = 0; i < 4; ++i) {
    expected.push_back(key(engine.submit("POST", "/api/v1/applications", {{"i", i}}, "", "application.file").seq));
  }
  expected.push_back(key(engine.submit("POST", "/api/v1/alone", json::object()).seq));  // not batchable
  engine.start();
  const auto started = std::chrono::steady_clock::now();
  const OutboxEntry e = engine.submit_and_wait("POST", "/api/v1/applications", {{"i", 4}}, "", 5s, "application.file");
  expected.push_back(key(e.seq));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "a revoked device must be told at once";
  EXPECT_EQ(e.state, OutboxState::Pending);
  EXPECT_EQ(engine.device_refusal_kind(), guichet::sync::DeviceRefusal::Revoked);
  const std::string reason = engine.device_refusal();
  EXPECT_NE(reason.find("this device was revoked"), std::string::npos) << reason;
  EXPECT_NE(reason.find("ask the centre manager"), std::string::npos) << reason;
  EXPECT_NE(reason.find("T1 was revoked on"), std::string::npos) << "the server's own words: " << reason;
  EXPECT_NE(outbox_->get(1)->last_error.find("revoked"), std::string::npos) << outbox_->get(1)->last_error;

  // Nothing more is sent however long it runs, and nothing is lost. (A link probe of the stall
  // watch, made when the refusal was slow to come on a loaded machine, is not a sending.)
  int requests = 0;
  {
    std::lock_guard lock(state_->mu);
    requests = state_->requests - state_->probes;
  }
  EXPECT_FALSE(engine.wait_drained(600ms));
  engine.wake();
  std::this_thread::sleep_for(200ms);
  {
    std::lock_guard lock(state_->mu);
    EXPECT_EQ(state_->requests - state_->probes, requests) << "a revoked device kept sending";
    EXPECT_EQ(state_->requests - state_->probes, 1);
  }
  EXPECT_EQ(outbox_->pending_count(), 6);
  EXPECT_TRUE(outbox_->failed().empty());
  EXPECT_TRUE(state_->order().empty());

  engine.stop();
  {
    std::lock_guard lock(state_->mu);
    state_->revoked = false;
  }
  engine.start();
  ASSERT_TRUE(engine.wait_drained(5s));
  EXPECT_EQ(engine.device_refusal(), "");
  EXPECT_EQ(state_->order(), expected);
  for (const auto& k : expected) EXPECT_EQ(state_->effects_for(k), 1) << k;
  EXPECT_TRUE(outbox_->failed().empty());
}

}  // namespace
