#include "kiosk_store.hpp"

#include <gtest/gtest.h>

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
