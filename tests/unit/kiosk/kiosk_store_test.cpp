#include "kiosk_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "guichet/testing/process.hpp"

using namespace guichet::kiosk;

TEST(KioskStore, CatalogueCacheSurvivesReopen) {
  guichet::testing::TempDir dir("kiosk-store");
  const std::string path = (dir / "kiosk.sqlite").string();
  {
    KioskStore s(path);
    EXPECT_FALSE(s.load_catalogue().has_value());
    s.save_catalogue("{\"a\":1}", 1000);
    s.save_catalogue("{\"a\":2}", 2000);
  }
  KioskStore s(path);
  ASSERT_TRUE(s.load_catalogue().has_value());
  EXPECT_EQ(*s.load_catalogue(), "{\"a\":2}");
}

namespace {
std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

// A kiosk file whose SQLite header is damaged (kiosk.sqlite, or display.sqlite on a board) is
// refused at start with the file named, and left as it was, never opened afresh: the kiosk would
// otherwise start without its issue log and leased numbers.
TEST(KioskStore, ADamagedFileIsRefusedNamingItAndLeftAsItWas) {
  guichet::testing::TempDir dir("kiosk-store");
  for (const char* name : {"kiosk.sqlite", "display.sqlite"}) {
    const std::string path = (dir / name).string();
    {
      KioskStore s(path);
      s.save_catalogue("{\"a\":1}", 1000);
      s.record_token(101, "T-1", 1);
    }
    const std::string good = bytes_of(path);
    ASSERT_GE(good.size(), 512u);
    struct Damage {
      const char* what;
      std::string content;
    };
    // The header's text overwritten; the file cut down to its first byte (SQLite itself takes that
    // for a new, empty database).
    const Damage damages[] = {{"header overwritten", "SQLite format 2" + good.substr(15)},
                              {"cut short", good.substr(0, 1)}};
    for (const auto& d : damages) {
      SCOPED_TRACE(std::string(name) + ", " + d.what);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << d.content;
      try {
        KioskStore s(path);
        FAIL() << "a damaged kiosk file was opened; catalogue " << s.load_catalogue().value_or("(none)");
      } catch (const guichet::store::DbError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path), std::string::npos) << what;
        EXPECT_NE(what.find("kiosk file"), std::string::npos) << what;
        EXPECT_NE(what.find("is damaged: its SQLite header is not valid"), std::string::npos) << what;
        EXPECT_TRUE(e.is_corrupt()) << what;
      }
      EXPECT_EQ(bytes_of(path), d.content) << "the damaged file was changed";
    }
    // Restored from a copy, it opens with what it held.
    std::ofstream(path, std::ios::binary | std::ios::trunc) << good;
    KioskStore s(path);
    EXPECT_EQ(s.load_catalogue(), std::optional<std::string>("{\"a\":1}"));
    EXPECT_EQ(s.max_seq(), 101);
  }
}

TEST(KioskStore, IssueLogTracksUndeliveredTokens) {
  guichet::testing::TempDir dir("kiosk-store");
  const std::string path = (dir / "kiosk.sqlite").string();
  {
    KioskStore s(path);
    EXPECT_EQ(s.max_seq(), 0);
    s.record_token(101, "T-1", 1);                         // issued, then…
    s.set_state(101, "T-1", IssueLogState::Delivered, 2);  // …printed
    s.set_state(102, "", IssueLogState::Abandoned, 3);     // no answer yet
    s.record_token(103, "T-3", 4);                         // issued, crash before printing
    s.set_state(102, "", IssueLogState::Abandoned, 5);
    auto und = s.undelivered();
    ASSERT_EQ(und.size(), 1u);
    EXPECT_EQ(und[0].token_id, "T-3");
    // The abandoned request is answered late: it now holds a token nobody has.
    s.record_token(102, "T-2", 6);
    EXPECT_EQ(s.get(102)->state, IssueLogState::Abandoned) << "recording the token keeps the state";
    EXPECT_EQ(s.get(102)->token_id, "T-2");
    // A late answer for a request already delivered keeps it delivered.
    s.record_token(101, "T-1", 7);
    EXPECT_EQ(s.get(101)->state, IssueLogState::Delivered);
  }
  KioskStore s(path);  // after a restart
  auto und = s.undelivered();
  ASSERT_EQ(und.size(), 2u);
  EXPECT_EQ(und[0].seq, 102);
  EXPECT_EQ(und[1].seq, 103);
  s.set_state(102, "", IssueLogState::CancelQueued, 8);
  EXPECT_EQ(s.get(102)->token_id, "T-2") << "an empty id does not erase the known one";
  s.set_state_by_token("T-2", IssueLogState::Cancelled, 9);
  s.set_state_by_token("T-3", IssueLogState::CancelRefused, 9);
  EXPECT_TRUE(s.undelivered().empty());
  EXPECT_EQ(s.max_seq(), 103);
  EXPECT_EQ(s.all().size(), 3u);
  EXPECT_STREQ(to_string(s.get(102)->state), "cancelled");
}

TEST(KioskStore, AnAbandonedRequestIsListedUntilWithdrawnOrAnswered) {
  guichet::testing::TempDir dir("kiosk-store");
  KioskStore s((dir / "kiosk.sqlite").string());
  s.set_state(201, "", IssueLogState::Abandoned, 1);  // no answer in time
  s.set_state(202, "", IssueLogState::Abandoned, 2);
  s.record_token(203, "T-3", 3);
  s.set_state(203, "", IssueLogState::Abandoned, 4);  // answered before it was abandoned
  auto open = s.abandoned_unanswered();
  ASSERT_EQ(open.size(), 2u) << "one with a token is for reconcile(), not to withdraw";
  EXPECT_EQ(open[0].seq, 201);
  EXPECT_EQ(open[1].seq, 202);
  // The node answered the withdrawal: nothing was issued, nothing to cancel.
  s.set_state(201, "", IssueLogState::Withdrawn, 5);
  EXPECT_EQ(s.get(201)->state, IssueLogState::Withdrawn);
  EXPECT_STREQ(to_string(s.get(201)->state), "withdrawn");
  ASSERT_EQ(s.abandoned_unanswered().size(), 1u);
  EXPECT_EQ(s.abandoned_unanswered()[0].seq, 202);
  ASSERT_EQ(s.undelivered().size(), 1u);
  EXPECT_EQ(s.undelivered()[0].seq, 203);
  // The other was issued after all (its answer was lost): now a token to cancel.
  s.record_token(202, "T-2", 6);
  EXPECT_TRUE(s.abandoned_unanswered().empty());
  EXPECT_EQ(s.undelivered().size(), 2u);
}

TEST(KioskStore, AnIssueLogOfTheSecondSchemaIsUpgradedKeepingItsRows) {
  guichet::testing::TempDir dir("kiosk-store");
  const std::string path = (dir / "kiosk.sqlite").string();
  {
    // The issue log as schema 2 had it (no 'withdrawn' state).
    guichet::store::Db old(path);
    old.exec(R"sql(
CREATE TABLE catalogue_cache (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, fetched_ms INTEGER NOT NULL);
CREATE TABLE issue_log (
  seq INTEGER PRIMARY KEY,
  token_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('issued', 'abandoned', 'delivered', 'cancel_queued', 'cancelled',
                                       'cancel_refused')),
  updated_ms INTEGER NOT NULL
);
CREATE INDEX issue_log_by_state ON issue_log (state);
INSERT INTO issue_log VALUES (11, 'T-11', 'delivered', 100), (12, '', 'abandoned', 200), (13, 'T-13', 'issued', 300);
PRAGMA user_version = 2;
)sql");
  }
  KioskStore s(path);
  auto rows = s.all();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].token_id, "T-11");
  EXPECT_EQ(rows[0].state, IssueLogState::Delivered);
  EXPECT_EQ(rows[0].updated_ms, 100);
  EXPECT_EQ(rows[1].state, IssueLogState::Abandoned);
  EXPECT_EQ(rows[2].state, IssueLogState::Issued);
  EXPECT_EQ(s.undelivered().size(), 1u);
  s.set_state(12, "", IssueLogState::Withdrawn, 400);
  EXPECT_EQ(s.get(12)->state, IssueLogState::Withdrawn) << "the new state is accepted";
}
