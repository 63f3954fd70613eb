// What the centre node keeps in memory of its terminals and of its link to central, for the
// managers' dashboard: last heard, the outbox reports and what was answered since, the free disk,
// the printer, live feeds.
#include <gtest/gtest.h>

#include "guichet/server/device_activity.hpp"

namespace guichet::server {
namespace {

using sync::OutboxReport;
using sync::PrinterReport;

// What one request said: its outbox, its free disk or its printer.
TerminalSays outbox(OutboxReport r) {
  TerminalSays s;
  s.outbox = r;
  return s;
}
TerminalSays disk(std::int64_t free_mib) {
  TerminalSays s;
  s.disk_free_mib = free_mib;
  return s;
}
TerminalSays printer(PrinterReport r) {
  TerminalSays s;
  s.printer = std::move(r);
  return s;
}

TEST(DeviceActivity, ADeviceNeverHeardIsNotListedAndOneHeardWithoutAReportHasNoWaitingCount) {
  DeviceActivity a;
  EXPECT_TRUE(a.snapshot(0).empty());
  a.heard("D1", 5'000);
  const auto s = a.snapshot(6'000);
  ASSERT_EQ(s.count("D1"), 1u);
  EXPECT_EQ(s.at("D1").heard_ms, 5'000);
  EXPECT_FALSE(s.at("D1").waiting().has_value());
  EXPECT_FALSE(s.at("D1").oldest_waiting_ms().has_value());
}

TEST(DeviceActivity, AnUploadsAnswersAreTakenOffItsReportAndTheOldestIsKnownOnlyWhileNothingWasAnswered) {
  DeviceActivity a;
  a.heard("K1", 100'000, outbox(OutboxReport{700, 90}));
  DeviceSeen s = a.snapshot(100'000).at("K1");
  EXPECT_EQ(s.waiting(), 700);
  EXPECT_EQ(s.oldest_waiting_ms(), 100'000 - 90'000);
  a.answered("K1", 0);  // nothing of it went through (the writer failed: 503 for every entry)
  EXPECT_EQ(a.snapshot(100'000).at("K1").oldest_waiting_ms(), 10'000);
  a.answered("K1", 500);
  s = a.snapshot(100'000).at("K1");
  EXPECT_EQ(s.waiting(), 200);
  EXPECT_FALSE(s.oldest_waiting_ms().has_value());  // the oldest 500 left; the next one's age is not known
  // The next upload reports afresh: the count taken off is its own.
  a.heard("K1", 101'000, outbox(OutboxReport{200, 1}));
  a.answered("K1", 200);
  s = a.snapshot(101'000).at("K1");
  EXPECT_EQ(s.waiting(), 0);
  EXPECT_EQ(s.report_ms, 101'000);
  // More answered than reported (entries written after the report): never below zero.
  a.heard("K1", 102'000, outbox(OutboxReport{3, 0}));
  a.answered("K1", 5);
  EXPECT_EQ(a.snapshot(102'000).at("K1").waiting(), 0);
  // A request without a report (a read of changes) keeps the last report.
  a.heard("K1", 103'000);
  s = a.snapshot(103'000).at("K1");
  EXPECT_EQ(s.heard_ms, 103'000);
  EXPECT_EQ(s.report_ms, 102'000);
}

TEST(DeviceActivity, TheFreeDiskIsTheLastOneSaidAndARequestWithoutItKeepsIt) {
  DeviceActivity a;
  a.heard("C1", 1'000);
  EXPECT_FALSE(a.snapshot(1'000).at("C1").disk_free_mib.has_value());
  a.heard("C1", 2'000, disk(20'480));
  EXPECT_EQ(a.snapshot(2'000).at("C1").disk_free_mib, 20'480);
  a.heard("C1", 3'000, outbox(OutboxReport{2, 5}));  // its live feed's client, or a malformed value
  EXPECT_EQ(a.snapshot(3'000).at("C1").disk_free_mib, 20'480);
  a.heard("C1", 4'000, disk(310));
  EXPECT_EQ(a.snapshot(4'000).at("C1").disk_free_mib, 310);
  EXPECT_EQ(a.snapshot(4'000).at("C1").waiting(), 2);
}

// The printer's state is the one of the terminal's newest look, dated when it looked (its
// checked-age back from the request's time); a request without one, or with an older look, keeps it.
TEST(DeviceActivity, ThePrinterIsTheLastStateSaidDatedWhenTheTerminalLooked) {
  DeviceActivity a;
  a.heard("K1", 100'000);
  EXPECT_EQ(a.snapshot(100'000).at("K1").printer_state, "");
  EXPECT_EQ(a.snapshot(100'000).at("K1").printer_checked_ms, 0);
  a.heard("K1", 200'000, printer(PrinterReport{"paper_out", 30}));
  DeviceSeen s = a.snapshot(200'000).at("K1");
  EXPECT_EQ(s.printer_state, "paper_out");
  EXPECT_EQ(s.printer_checked_ms, 170'000);
  a.heard("K1", 260'000, disk(900));  // a request that does not say keeps it
  s = a.snapshot(260'000).at("K1");
  EXPECT_EQ(s.printer_state, "paper_out");
  EXPECT_EQ(s.printer_checked_ms, 170'000);
  a.heard("K1", 300'000, printer(PrinterReport{"ready", 0}));
  s = a.snapshot(300'000).at("K1");
  EXPECT_EQ(s.printer_state, "ready");
  EXPECT_EQ(s.printer_checked_ms, 300'000);
  EXPECT_EQ(s.disk_free_mib, 900);
  // A request made before that look, handled after it (an upload on its way): the newer look stays.
  a.heard("K1", 301'000, printer(PrinterReport{"paper_out", 60}));
  s = a.snapshot(301'000).at("K1");
  EXPECT_EQ(s.printer_state, "ready");
  EXPECT_EQ(s.printer_checked_ms, 300'000);
  EXPECT_EQ(s.heard_ms, 301'000);
}

TEST(DeviceActivity, AnswersForADeviceThatNeverReportedAreIgnoredAndForgettingDropsEverything) {
  DeviceActivity a;
  a.answered("K9", 10);
  EXPECT_TRUE(a.snapshot(0).empty());
  a.heard("K9", 1'000);
  a.answered("K9", 10);
  EXPECT_FALSE(a.snapshot(1'000).at("K9").waiting().has_value());
  a.forget("K9");
  EXPECT_TRUE(a.snapshot(1'000).empty());
}

TEST(DeviceActivity, ADeviceWithALiveFeedOpenIsHeardNowAndWhenItClosesAtItsClosing) {
  DeviceActivity a;
  a.feed_opened("B1", 1'000);
  a.feed_opened("B1", 2'000);  // a second board with the same credentials
  EXPECT_EQ(a.snapshot(60'000).at("B1").heard_ms, 60'000);
  EXPECT_EQ(a.snapshot(60'000).at("B1").feeds, 2);
  a.feed_closed("B1", 61'000);
  EXPECT_EQ(a.snapshot(90'000).at("B1").heard_ms, 90'000);  // one is still open
  a.feed_closed("B1", 95'000);
  EXPECT_EQ(a.snapshot(600'000).at("B1").heard_ms, 95'000);
  EXPECT_EQ(a.snapshot(600'000).at("B1").feeds, 0);
  a.feed_closed("B1", 96'000);  // a stray close never goes below zero
  EXPECT_EQ(a.snapshot(600'000).at("B1").feeds, 0);
  a.forget("B1");
  a.feed_closed("B1", 97'000);  // closed after its device was revoked: nothing comes back
  EXPECT_TRUE(a.snapshot(600'000).empty());
}

TEST(UpstreamLink, KeepsSinceWhenNothingWentThroughAndWhyUntilSomethingDoes) {
  UpstreamLink link;
  EXPECT_EQ(link.state().last_answer_ms, 0);
  EXPECT_EQ(link.state().down_since_ms, 0);
  link.went_through(1'000);
  EXPECT_EQ(link.state().last_answer_ms, 1'000);
  link.did_not_go_through(2'000, false, "no answer: connection refused");
  link.did_not_go_through(3'000, false, "no answer: timed out");
  UpstreamState s = link.state();
  EXPECT_EQ(s.down_since_ms, 2'000);  // the first failure, not the latest
  EXPECT_EQ(s.problem, "no answer: timed out");
  EXPECT_EQ(s.last_answer_ms, 1'000);
  // Central answers but refuses the request itself: still down, and heard from.
  link.did_not_go_through(4'000, true, "central answered status 503");
  s = link.state();
  EXPECT_EQ(s.down_since_ms, 2'000);
  EXPECT_EQ(s.last_answer_ms, 4'000);
  EXPECT_EQ(s.problem, "central answered status 503");
  link.went_through(5'000);
  s = link.state();
  EXPECT_EQ(s.down_since_ms, 0);
  EXPECT_EQ(s.problem, "");
  EXPECT_EQ(s.last_answer_ms, 5'000);
}

}  // namespace
}  // namespace guichet::server
