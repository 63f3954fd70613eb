// "Check my application" while the centre node cannot be reached: a filing still waiting in the
// kiosk's outbox is found by its receipt number, however long the backlog an outage left before
// and after it.
#include <gtest/gtest.h>

#include "devices.hpp"
#include "guichet/testing/process.hpp"

using namespace guichet;
using namespace guichet::kiosk;

TEST(StatusLookup, AFilingWaitingBehindALongBacklogIsFoundInTheOutbox) {
  guichet::testing::TempDir dir("kiosk-status-lookup");
  sync::OutboxOptions o;
  o.first_seq = 1;
  o.durability = store::Durability::Normal;  // thousands of entries: no sync per entry
  sync::Outbox outbox((dir / "outbox.sqlite").string(), "K1", o);
  // Nothing listens on port 1: the server cannot be reached.
  const sync::ServerEndpoint nowhere{"http://127.0.0.1:1", "K1", "secret"};
  sync::SyncEngine engine(outbox, nowhere);  // never started: everything stays pending
  ServerApplications applications(engine, outbox, nowhere, (dir / "changes.sqlite").string(), std::chrono::seconds(15));
  auto file = [&](const std::string& receipt, const std::string& due_on) {
    outbox.append(
        "POST", "/api/v1/applications",
        sync::json{
            {"receipt", receipt}, {"service", "birth-certificate"}, {"filed_on", "2026-11-23"}, {"due_on", due_on}}
            .dump(),
        "", 0, "application.file");
  };
  file("LDH01-K1-000001", "2026-12-01");
  // A long outage: more entries than the oldest 5000 the kiosk used to read.
  for (int i = 0; i < 5200; ++i) {
    outbox.append("POST", "/api/v1/tokens", R"({"service":"birth-certificate"})", "", i, "token.issue");
  }
  file("LDH01-K1-000002", "2026-12-02");
  ASSERT_GT(outbox.pending_count(), 5000);

  auto newest = applications.lookup("LDH01-K1-000002", std::chrono::seconds(2));
  ASSERT_EQ(newest.kind, StatusLookup::Kind::Found) << newest.detail;
  EXPECT_EQ(newest.source, StatusLookup::Source::ThisKiosk);
  EXPECT_EQ(newest.status.receipt, "LDH01-K1-000002");
  EXPECT_EQ(newest.status.status, "not_sent");
  EXPECT_EQ(newest.status.service, "birth-certificate");
  EXPECT_EQ(newest.status.filed_on, "2026-11-23");
  EXPECT_EQ(newest.status.due_on, "2026-12-02");

  auto oldest = applications.lookup("LDH01-K1-000001", std::chrono::seconds(2));
  ASSERT_EQ(oldest.kind, StatusLookup::Kind::Found) << oldest.detail;
  EXPECT_EQ(oldest.status.due_on, "2026-12-01");

  // A number this kiosk never filed is not guessed at.
  auto unknown = applications.lookup("LDH01-K1-000042", std::chrono::seconds(2));
  EXPECT_EQ(unknown.kind, StatusLookup::Kind::Unreachable);
}
