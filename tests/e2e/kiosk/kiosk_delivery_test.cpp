// The kiosk's delivery guarantee against a real centre server: every token the server counts is
// either delivered (printed or shown) or cancelled, also after a crash between issuing and
// printing; a request the server did not answer in time is withdrawn, and never issued.
#include <future>

#include "devices.hpp"
#include "guichet/ui/app.hpp"
#include "kiosk_harness.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
  }

  json token(const std::string& id) {
    sync::ApiClient api(centre_.endpoint("K1", secret_));
    auto r = api.get("/api/v1/tokens/" + id);
    EXPECT_TRUE(r.ok()) << r.body;
    return r.ok() ? json::parse(r.body)["token"] : json::object();
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-delivery"};
  std::string secret_;
};

// The kiosk's parts as guichet-kiosk wires them: outbox, sync engine, issue log, one worker.
struct Kiosk {
  Kiosk(const fs::path& dir, const sync::ServerEndpoint& endpoint, bool follow_answers = true)
      : store((dir / "kiosk.sqlite").string()),
        outbox((dir / "outbox.sqlite").string(), "K1"),
        engine(outbox, endpoint),
        tokens(
            engine, outbox, store, [this](std::function<void()> job) { worker.run(std::move(job)); },
            std::chrono::seconds(4)) {
    if (follow_answers) engine.on_complete([this](const sync::OutboxEntry& e) { tokens.on_complete(e); });
    engine.start();
  }
  ~Kiosk() { engine.stop(); }

  // Runs `fn` on the issuing thread, as the app does, and waits for its result.
  template <class F>
  auto on_worker(F fn) {
    std::promise<decltype(fn())> p;
    auto f = p.get_future();
    worker.run([&] { p.set_value(fn()); });
    return f.get();
  }
  kiosk::KioskStore store;
  sync::Outbox outbox;
  sync::SyncEngine engine;
  kiosk::ServerTokens tokens;
  ui::Worker worker{"test-issue"};
};

}  // namespace

TEST_F(DeliveryTest, IssuedDeliveredAndCancelled) {
  Kiosk k(work_.path(), centre_.endpoint("K1", secret_));
  auto a = k.on_worker([&] {
    auto r = k.tokens.request("birth-certificate", "", "en");
    if (r.kind == kiosk::TokenRequest::Kind::Issued) k.tokens.delivered(r.issued);
    return r;
  });
  ASSERT_EQ(a.kind, kiosk::TokenRequest::Kind::Issued) << a.message;
  EXPECT_EQ(a.issued.token.service, "birth-certificate");
  EXPECT_EQ(k.store.get(a.issued.seq)->state, kiosk::IssueLogState::Delivered);
  EXPECT_EQ(token(a.issued.token.id)["state"], "waiting");

  // Issued, then not printed: cancelled in the same job, as the app does under the stop policy.
  kiosk::CancelOutcome c;
  auto b = k.on_worker([&] {
    auto r = k.tokens.request("birth-certificate", "", "en");
    if (r.kind == kiosk::TokenRequest::Kind::Issued) c = k.tokens.cancel(r.issued);
    return r;
  });
  ASSERT_EQ(b.kind, kiosk::TokenRequest::Kind::Issued);
  EXPECT_TRUE(c.confirmed) << c.message;
  EXPECT_EQ(k.store.get(b.issued.seq)->state, kiosk::IssueLogState::Cancelled);
  EXPECT_EQ(token(b.issued.token.id)["state"], "cancelled");

  auto refused = k.on_worker([&] { return k.tokens.request("no-such-service", "", "en"); });
  EXPECT_EQ(refused.kind, kiosk::TokenRequest::Kind::Refused);
  EXPECT_FALSE(refused.message.empty());
}

// The server is down when the citizen asks: the kiosk abandons the request and withdraws it, so
// the server, back, issues nothing for it (a token nobody holds would be announced and called).
TEST_F(DeliveryTest, AnAbandonedRequestIsWithdrawnAndNeverIssued) {
  const auto port = centre_.port();
  Kiosk k(work_.path(), centre_.endpoint("K1", secret_));
  centre_.stop();
  auto r = k.on_worker([&] { return k.tokens.request("birth-certificate", "", "en"); });
  ASSERT_EQ(r.kind, kiosk::TokenRequest::Kind::Unreachable);
  auto rows = k.store.all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, kiosk::IssueLogState::Abandoned);
  EXPECT_TRUE(rows[0].token_id.empty());

  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto row = k.store.get(rows[0].seq);
        return row && row->state == kiosk::IssueLogState::Withdrawn;
      },
      20s));
  EXPECT_TRUE(k.store.get(rows[0].seq)->token_id.empty());
  sync::ApiClient api(centre_.endpoint("K1", secret_));
  auto queue = api.get("/api/v1/queue?service=birth-certificate");
  ASSERT_TRUE(queue.ok()) << queue.body;
  EXPECT_TRUE(json::parse(queue.body)["waiting"].empty()) << queue.body;
}

TEST_F(DeliveryTest, CrashBetweenIssueAndPrintIsCancelledAtRestart) {
  std::string id;
  {
    // The process dies right after the server answered, before printing: nothing marks the
    // token delivered, and the reconciliation that would follow the issue never runs.
    Kiosk k(work_.path(), centre_.endpoint("K1", secret_), false);
    auto r = k.on_worker([&] { return k.tokens.request("birth-certificate", "", "en"); });
    ASSERT_EQ(r.kind, kiosk::TokenRequest::Kind::Issued);
    id = r.issued.token.id;
  }
  EXPECT_EQ(token(id)["state"], "waiting");
  Kiosk restarted(work_.path(), centre_.endpoint("K1", secret_));
  restarted.worker.run([&] { restarted.tokens.recover(); });
  ASSERT_TRUE(test::wait_until([&] { return token(id)["state"] == "cancelled"; }, 20s));
  EXPECT_TRUE(restarted.store.undelivered().empty());
}
