#include <gtest/gtest.h>

#include "guichet/domain/queue.hpp"
#include "queue_fixture.hpp"

namespace guichet::domain {
namespace {

using testing::at;
using testing::make_catalogue;
using testing::plus_min;

const Instant kMon10 = at("2026-11-23T10:00");  // Monday

class QueueTest : public ::testing::Test {
 protected:
  explicit QueueTest(QueuePolicy policy = {}) : q(make_catalogue(policy), "2026-11-23") {}

  std::string issue(const std::string& service, Instant t, const std::string& priority = "") {
    auto r = q.issue({service, priority, "en", "K1"}, t);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r->token.id : "";
  }
  void open(const std::string& counter, Instant t = kMon10) {
    ASSERT_TRUE(q.open_counter(counter, "op-" + counter, t));
  }
  QueueEvent call(const std::string& counter, Instant t) {
    auto r = q.call_next(counter, "op", t);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : QueueEvent{};
  }
  template <class R>
  static QueueErrorKind kind(const R& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? QueueErrorKind::InvalidState : r.error().kind;
  }

  Queue q;
};

// ---- codes -------------------------------------------------------------------------------------

TEST(QueueCodes, EveryEnumRoundTripsThroughItsCode) {
  for (TokenState s : {TokenState::Waiting, TokenState::Called, TokenState::Serving, TokenState::Parked,
                       TokenState::Served, TokenState::NoShow, TokenState::Cancelled, TokenState::Expired}) {
    TokenState back = TokenState::Expired == s ? TokenState::Waiting : TokenState::Expired;
    ASSERT_TRUE(parse_token_state(to_string(s), back)) << to_string(s);
    EXPECT_EQ(back, s);
  }
  for (int i = 0; i <= static_cast<int>(CallReason::Resumed); ++i) {
    const auto r = static_cast<CallReason>(i);
    CallReason back{};
    ASSERT_TRUE(parse_call_reason(to_string(r), back)) << i;
    EXPECT_EQ(back, r);
  }
  for (int i = 0; i <= static_cast<int>(EventType::CounterClosed); ++i) {
    const auto e = static_cast<EventType>(i);
    EventType back{};
    ASSERT_TRUE(parse_event_type(to_string(e), back)) << i;
    EXPECT_EQ(back, e);
  }
  for (int i = 0; i <= static_cast<int>(QueueErrorKind::NumberTaken); ++i) {
    const auto k = static_cast<QueueErrorKind>(i);
    QueueErrorKind back{};
    ASSERT_TRUE(parse_queue_error_kind(to_string(k), back)) << i;
    EXPECT_EQ(back, k);
  }
  TokenState s;
  EXPECT_FALSE(parse_token_state("lost", s));
  EXPECT_STREQ(to_string(EventType::NoShow), "no_show");
  EXPECT_STREQ(to_string(QueueErrorKind::ServiceClosed), "service_closed");
  EXPECT_STREQ(to_string(CallReason::WaitCap), "wait_cap");
}

TEST(TokenNumbers, DisplayAndSpoken) {
  Token t;
  t.prefix = "A";
  t.number = 42;
  EXPECT_EQ(t.display_number(), "A042");
  EXPECT_EQ(t.spoken_number(), "A 42");
  t.number = 7;
  t.prefix = "BC";
  EXPECT_EQ(t.display_number(), "BC007");
  EXPECT_EQ(t.spoken_number(), "BC 7");
  t.number = 1234;
  EXPECT_EQ(t.display_number(), "BC1234");
}

// ---- issue -------------------------------------------------------------------------------------

TEST_F(QueueTest, IssueNumbersTokensPerPrefix) {
  auto r = q.issue({"birth", "", "pa", "K1"}, kMon10);
  ASSERT_TRUE(r.ok());
  const QueueEvent& e = r.value();
  EXPECT_EQ(e.type, EventType::Issued);
  EXPECT_EQ(e.actor, "K1");
  EXPECT_EQ(e.at, kMon10);
  EXPECT_EQ(e.explanation, "issued for Birth certificate");
  EXPECT_EQ(e.token.id, "LDH01-20261123-A001");
  EXPECT_EQ(e.token.state, TokenState::Waiting);
  EXPECT_EQ(e.token.service, "birth");
  EXPECT_EQ(e.token.prefix, "A");
  EXPECT_EQ(e.token.number, 1);
  EXPECT_EQ(e.token.language, "pa");
  EXPECT_EQ(e.token.business_day, "2026-11-23");
  EXPECT_EQ(e.token.issued_at, kMon10);
  EXPECT_EQ(e.token.issued_by, "K1");
  EXPECT_FALSE(e.token.carried_over);
  EXPECT_EQ(issue("birth", kMon10), "LDH01-20261123-A002");
  EXPECT_EQ(issue("income", kMon10), "LDH01-20261123-D001");
  auto p = q.issue({"birth", "elderly", "en", "K2"}, kMon10);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token.id, "LDH01-20261123-A003");
  EXPECT_EQ(p->token.priority, "elderly");
  EXPECT_EQ(p->explanation, "issued for Birth certificate with priority (Senior citizen)");
  ASSERT_NE(q.find("LDH01-20261123-A003"), nullptr);
  EXPECT_TRUE(q.find("LDH01-20261123-A003")->is_priority());
  EXPECT_EQ(q.find("LDH01-20261123-A099"), nullptr);
  EXPECT_EQ(q.tokens().size(), 4u);
}

TEST_F(QueueTest, IssueWithoutLanguageUsesTheCentresFirst) {
  auto r = q.issue({"birth", "", "", "K1"}, kMon10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->token.language, "en");
}

TEST_F(QueueTest, IssueRefusesUnknownServiceAndPriority) {
  auto r = q.issue({"passport", "", "en", "K1"}, kMon10);
  EXPECT_EQ(kind(r), QueueErrorKind::UnknownService);
  EXPECT_EQ(r.error().message, "no service 'passport' in this centre's catalogue");
  auto p = q.issue({"birth", "vip", "en", "K1"}, kMon10);
  EXPECT_EQ(kind(p), QueueErrorKind::UnknownPriority);
  EXPECT_EQ(p.error().message, "no priority category 'vip'");
  EXPECT_TRUE(q.tokens().empty());
}

TEST_F(QueueTest, IssueRefusesPriorityTheServiceDoesNotGive) {
  auto r = q.issue({"marriage", "elderly", "en", "K1"}, kMon10);
  EXPECT_EQ(kind(r), QueueErrorKind::PriorityNotAllowed);
  EXPECT_EQ(r.error().message, "Marriage registration does not give priority to 'Senior citizen'");
  EXPECT_EQ(kind(q.issue({"birth", "ex-servicemen", "en", "K1"}, kMon10)), QueueErrorKind::PriorityNotAllowed);
}

TEST_F(QueueTest, IssueOutsideOpeningHoursSaysWhenItOpens) {
  auto early = q.issue({"income", "", "en", "K1"}, at("2026-11-23T09:10"));
  EXPECT_EQ(kind(early), QueueErrorKind::ServiceClosed);
  EXPECT_EQ(early.error().message, "Income certificate is closed now; it opens at 09:30");
  auto late = q.issue({"income", "", "en", "K1"}, at("2026-11-23T13:00"));  // end is exclusive
  EXPECT_EQ(late.error().message, "Income certificate is closed now; it opens tomorrow at 09:30");
  auto friday = q.issue({"income", "", "en", "K1"}, at("2026-11-27T15:00"));
  EXPECT_EQ(friday.error().message, "Income certificate is closed now; it opens on Monday at 09:30");
  auto sunday = q.issue({"birth", "", "en", "K1"}, at("2026-11-29T10:00"));
  EXPECT_EQ(sunday.error().message, "Birth certificate is closed now; it opens tomorrow at 09:00");
  EXPECT_TRUE(q.issue({"income", "", "en", "K1"}, at("2026-11-23T09:30")).ok());
  EXPECT_TRUE(q.issue({"birth", "", "en", "K1"}, at("2026-11-28T16:59")).ok());  // Saturday
  EXPECT_EQ(q.tokens().size(), 2u);
}

TEST_F(QueueTest, DailyCapCountsIssuedButNotCancelled) {
  const std::string d1 = issue("income", kMon10);
  issue("income", kMon10);
  issue("income", kMon10);
  EXPECT_EQ(q.issued_today("income"), 3);
  auto r = q.issue({"income", "", "en", "K1"}, kMon10);
  EXPECT_EQ(kind(r), QueueErrorKind::DailyCapReached);
  EXPECT_EQ(r.error().message,
            "Income certificate has reached its daily limit of 3 tokens; please come back on the next working day");
  ASSERT_TRUE(q.cancel(d1, "K1", kMon10));
  EXPECT_EQ(q.issued_today("income"), 2);
  EXPECT_EQ(issue("income", kMon10), "LDH01-20261123-D004");  // numbers are never reused
  EXPECT_EQ(kind(q.issue({"income", "", "en", "K1"}, kMon10)), QueueErrorKind::DailyCapReached);
  EXPECT_EQ(q.issued_today("birth"), 0);
  EXPECT_EQ(q.issued_today("nope"), 0);
}

TEST_F(QueueTest, NumbersPastNineHundredNinetyNineKeepGrowing) {
  for (int i = 0; i < 999; ++i) issue("birth", kMon10);
  EXPECT_EQ(issue("birth", kMon10), "LDH01-20261123-A1000");
  EXPECT_EQ(q.find("LDH01-20261123-A1000")->display_number(), "A1000");
}

// ---- counters ----------------------------------------------------------------------------------

TEST_F(QueueTest, OpenAndCloseCounter) {
  auto o = q.open_counter("C1", "op7", kMon10);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->type, EventType::CounterOpened);
  EXPECT_EQ(o->counter, "C1");
  EXPECT_EQ(o->actor, "op7");
  EXPECT_TRUE(o->token.id.empty());
  EXPECT_EQ(q.counter_state("C1")->operator_id, "op7");
  auto c = q.close_counter("C1", "op7", kMon10);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->type, EventType::CounterClosed);
  EXPECT_TRUE(q.counter_state("C1")->operator_id.empty());
  auto again = q.close_counter("C1", "op7", kMon10);
  EXPECT_EQ(kind(again), QueueErrorKind::CounterClosed);
  EXPECT_EQ(again.error().message, "counter 1 is closed: an operator must log in first");
}

TEST_F(QueueTest, UnknownCounterEverywhere) {
  EXPECT_EQ(kind(q.open_counter("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.close_counter("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.call_next("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.recall("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.start("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.finish("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.no_show("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.park("C9", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.transfer("C9", {"income", ""}, "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.call_specific("C9", "x", false, "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(kind(q.resume("C9", "x", "op", kMon10)), QueueErrorKind::UnknownCounter);
  EXPECT_EQ(q.counter_state("C9"), nullptr);
  EXPECT_EQ(q.current("C9"), nullptr);
  EXPECT_TRUE(q.waiting_for_counter("C9").empty());
}

TEST_F(QueueTest, CloseCounterWithACitizenIsRefused) {
  issue("birth", kMon10);
  open("C1");
  call("C1", kMon10);
  auto r = q.close_counter("C1", "op", kMon10);
  EXPECT_EQ(kind(r), QueueErrorKind::CounterBusy);
  EXPECT_EQ(r.error().message,
            "counter 1 still has A001 (called); finish, park, transfer or mark it no-show before closing");
}

TEST_F(QueueTest, ClosedCounterCannotAct) {
  issue("birth", kMon10);
  const auto r = q.call_next("C1", "op", kMon10);
  EXPECT_EQ(kind(r), QueueErrorKind::CounterClosed);
  EXPECT_EQ(kind(q.recall("C1", "op", kMon10)), QueueErrorKind::CounterClosed);
  EXPECT_EQ(kind(q.call_specific("C1", "LDH01-20261123-A001", false, "op", kMon10)), QueueErrorKind::CounterClosed);
  EXPECT_EQ(q.find("LDH01-20261123-A001")->state, TokenState::Waiting);
}

// ---- call next ---------------------------------------------------------------------------------

TEST_F(QueueTest, CallNextFirstInLine) {
  const std::string a1 = issue("birth", kMon10);
  issue("birth", plus_min(kMon10, 1));
  open("C1");
  const QueueEvent e = call("C1", plus_min(kMon10, 12));
  EXPECT_EQ(e.type, EventType::Called);
  EXPECT_EQ(e.token.id, a1);
  EXPECT_EQ(e.token.state, TokenState::Called);
  EXPECT_EQ(e.token.counter, "C1");
  EXPECT_EQ(e.token.called_at, plus_min(kMon10, 12));
  EXPECT_EQ(e.reason, CallReason::FirstInLine);
  EXPECT_EQ(e.explanation, "first in line (waited 12 min); no priority token waiting");
  EXPECT_EQ(e.actor, "op");
  EXPECT_EQ(q.current("C1")->id, a1);
  EXPECT_EQ(q.counter_state("C1")->current_token, a1);
  EXPECT_EQ(q.counter_state("C1")->normal_since_priority, 1);
}

TEST_F(QueueTest, CallNextWhenNothingWaitsOrBusy) {
  open("C1");
  auto none = q.call_next("C1", "op", kMon10);
  EXPECT_EQ(kind(none), QueueErrorKind::NothingWaiting);
  EXPECT_EQ(none.error().message, "no token is waiting for counter 1");
  issue("income", kMon10);  // C1 does not serve income
  EXPECT_EQ(kind(q.call_next("C1", "op", kMon10)), QueueErrorKind::NothingWaiting);
  issue("birth", kMon10);
  issue("birth", kMon10);
  call("C1", kMon10);
  auto busy = q.call_next("C1", "op", kMon10);
  EXPECT_EQ(kind(busy), QueueErrorKind::CounterBusy);
  EXPECT_EQ(busy.error().message,
            "counter 1 already has A001 (called); finish, park, transfer or mark it no-show first");
}

TEST_F(QueueTest, RatioTwoNormalThenOnePriority) {
  // Issued: N1 N2 P1 N3 N4 P2 N5, all within the wait cap.
  std::vector<std::string> ids;
  const char* kinds = "NNPNNPN";
  for (int i = 0; kinds[i]; ++i) ids.push_back(issue("birth", plus_min(kMon10, i), kinds[i] == 'P' ? "elderly" : ""));
  open("C1");
  std::vector<std::pair<std::string, CallReason>> got;
  for (int i = 0; i < 7; ++i) {
    const Instant t = plus_min(kMon10, 10 + i);
    const QueueEvent e = call("C1", t);
    got.emplace_back(e.token.display_number(), *e.reason);
    ASSERT_TRUE(q.finish("C1", "op", t));
  }
  const std::vector<std::pair<std::string, CallReason>> want = {
      {"A001", CallReason::NormalTurn}, {"A002", CallReason::NormalTurn}, {"A003", CallReason::PriorityTurn},
      {"A004", CallReason::NormalTurn}, {"A005", CallReason::NormalTurn}, {"A006", CallReason::PriorityTurn},
      {"A007", CallReason::FirstInLine}};
  EXPECT_EQ(got, want);
}

TEST_F(QueueTest, CallExplanationsAreExactSentences) {
  issue("birth", kMon10, "elderly");
  issue("birth", kMon10);
  issue("birth", kMon10);
  open("C1");
  EXPECT_EQ(call("C1", plus_min(kMon10, 5)).explanation,
            "0 normal calls since the last priority call (ratio 2:1): normal turn, oldest normal token (waited 5 min)");
  ASSERT_TRUE(q.finish("C1", "op", kMon10));
  EXPECT_EQ(call("C1", plus_min(kMon10, 6)).explanation,
            "1 normal call since the last priority call (ratio 2:1): normal turn, oldest normal token (waited 6 min)");
  ASSERT_TRUE(q.finish("C1", "op", kMon10));
  issue("birth", kMon10);
  const QueueEvent p = call("C1", plus_min(kMon10, 7));
  EXPECT_EQ(p.reason, CallReason::PriorityTurn);
  EXPECT_EQ(p.explanation, "2 normal calls since the last priority call (ratio 2:1): priority turn (Senior citizen)");
  EXPECT_EQ(q.counter_state("C1")->normal_since_priority, 0);
}

TEST_F(QueueTest, OnlyPriorityWaiting) {
  issue("birth", kMon10, "disabled");
  open("C1");
  const QueueEvent e = call("C1", plus_min(kMon10, 3));
  EXPECT_EQ(e.reason, CallReason::OnlyPriorityWaiting);
  EXPECT_EQ(e.explanation, "only priority tokens are waiting; oldest of them (Person with a disability, waited 3 min)");
}

TEST_F(QueueTest, PriorityDueAfterNormalCallsWithNoPriorityWaiting) {
  open("C1");
  for (int i = 0; i < 3; ++i) {
    issue("birth", kMon10);
    EXPECT_EQ(call("C1", kMon10).reason, CallReason::FirstInLine);
    ASSERT_TRUE(q.finish("C1", "op", kMon10));
  }
  issue("birth", kMon10);
  issue("birth", kMon10, "elderly");
  EXPECT_EQ(call("C1", kMon10).reason, CallReason::PriorityTurn);
}

TEST_F(QueueTest, WaitCapCallsTheOldestOverTheCap) {
  const std::string n1 = issue("birth", kMon10);
  const std::string n2 = issue("birth", plus_min(kMon10, 1));
  issue("birth", plus_min(kMon10, 2), "elderly");
  const std::string n3 = issue("birth", plus_min(kMon10, 4));
  open("C1");
  // Two normal calls make the priority token due, but N1 has waited 52 minutes.
  ASSERT_TRUE(q.call_specific("C1", n2, false, "op", plus_min(kMon10, 3)));
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 3)));
  ASSERT_TRUE(q.call_specific("C1", n3, false, "op", plus_min(kMon10, 5)));
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 5)));
  ASSERT_EQ(q.counter_state("C1")->normal_since_priority, 2);
  const QueueEvent e = call("C1", plus_min(kMon10, 52));
  EXPECT_EQ(e.token.id, n1);
  EXPECT_EQ(e.reason, CallReason::WaitCap);
  EXPECT_EQ(e.explanation, "waited 52 min, over the 45 min cap");
  EXPECT_EQ(q.counter_state("C1")->normal_since_priority, 3);
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 53)));
  // The priority token, issued at +2, has now waited 51 minutes: also over the cap.
  const QueueEvent p = call("C1", plus_min(kMon10, 53));
  EXPECT_EQ(p.reason, CallReason::WaitCap);
  EXPECT_TRUE(p.token.is_priority());
}

TEST_F(QueueTest, WaitCapIsStrictlyLonger) {
  issue("birth", kMon10);
  issue("birth", kMon10, "elderly");
  open("C1");
  EXPECT_EQ(call("C1", plus_min(kMon10, 45)).reason, CallReason::NormalTurn);  // exactly 45 min: not over
}

TEST_F(QueueTest, WaitCapBeatsATransferToThisCounter) {
  const std::string old = issue("birth", kMon10);
  const std::string moved = issue("birth", plus_min(kMon10, 40));
  open("C2");
  ASSERT_TRUE(q.call_specific("C2", moved, false, "op", plus_min(kMon10, 41)));
  ASSERT_TRUE(q.transfer("C2", {"", "C1"}, "op", plus_min(kMon10, 42)));
  open("C1");
  const QueueEvent e = call("C1", plus_min(kMon10, 50));
  EXPECT_EQ(e.token.id, old);
  EXPECT_EQ(e.reason, CallReason::WaitCap);
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 51)));
  const QueueEvent d = call("C1", plus_min(kMon10, 52));
  EXPECT_EQ(d.token.id, moved);
  EXPECT_EQ(d.reason, CallReason::DirectedToCounter);
}

TEST_F(QueueTest, TransferredToThisCounterComesBeforeTheLine) {
  issue("birth", kMon10);
  const std::string d1 = issue("income", kMon10);
  open("C3");
  ASSERT_TRUE(q.call_specific("C3", d1, false, "op", plus_min(kMon10, 2)));
  auto t = q.transfer("C3", {"birth", "C2"}, "op", plus_min(kMon10, 3));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->type, EventType::Transferred);
  EXPECT_EQ(t->token.state, TokenState::Waiting);
  EXPECT_EQ(t->token.service, "birth");
  EXPECT_EQ(t->token.target_counter, "C2");
  EXPECT_EQ(t->explanation,
            "transferred from counter 3 to Birth certificate at counter 2; keeps its place by issue time");
  EXPECT_EQ(q.current("C3"), nullptr);
  open("C1");
  // C1 serves birth but the token was sent to C2 only.
  const QueueEvent c1 = call("C1", plus_min(kMon10, 4));
  EXPECT_EQ(c1.token.display_number(), "A001");
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 4)));
  EXPECT_EQ(kind(q.call_next("C1", "op", plus_min(kMon10, 4))), QueueErrorKind::NothingWaiting);
  auto wrong = q.call_specific("C1", d1, false, "op", plus_min(kMon10, 4));
  EXPECT_EQ(kind(wrong), QueueErrorKind::NotServedHere);
  EXPECT_EQ(wrong.error().message, "D001 was transferred to counter 2");
  issue("birth", plus_min(kMon10, 5));
  open("C2");
  const QueueEvent c2 = call("C2", plus_min(kMon10, 6));
  EXPECT_EQ(c2.token.id, d1);
  EXPECT_EQ(c2.reason, CallReason::DirectedToCounter);
  EXPECT_EQ(c2.explanation, "transferred to this counter");
  EXPECT_TRUE(c2.token.target_counter.empty());
}

TEST_F(QueueTest, CounterOnlySeesItsServices) {
  issue("marriage", kMon10);
  const std::string a = issue("birth", plus_min(kMon10, 1));
  const std::string d = issue("income", plus_min(kMon10, 2));
  open("C1");
  open("C3");
  auto waiting_ids = [&](const std::string& c) {
    std::vector<std::string> out;
    for (const Token* t : q.waiting_for_counter(c)) out.push_back(t->display_number());
    return out;
  };
  EXPECT_EQ(waiting_ids("C1"), (std::vector<std::string>{"A001"}));
  EXPECT_EQ(waiting_ids("C2"), (std::vector<std::string>{"A001", "D001"}));
  EXPECT_EQ(waiting_ids("C3"), (std::vector<std::string>{"F001", "D001"}));
  EXPECT_EQ(call("C1", kMon10).token.id, a);
  const QueueEvent c3 = call("C3", plus_min(kMon10, 3));
  EXPECT_EQ(c3.token.display_number(), "F001");
  EXPECT_EQ(q.waiting_for_service("income").size(), 1u);
  EXPECT_EQ(q.waiting_for_service("income")[0]->id, d);
  EXPECT_TRUE(q.waiting_for_service("birth").empty());
  EXPECT_TRUE(q.waiting_for_service("nope").empty());
}

TEST(QueuePolicyTest, RatioZeroMeansPriorityAlwaysFirst) {
  QueuePolicy p;
  p.normal_per_priority = 0;
  Queue q(make_catalogue(p), "2026-11-23");
  ASSERT_TRUE(q.issue({"birth", "", "en", "K1"}, kMon10));
  ASSERT_TRUE(q.issue({"birth", "elderly", "en", "K1"}, plus_min(kMon10, 1)));
  ASSERT_TRUE(q.issue({"birth", "elderly", "en", "K1"}, plus_min(kMon10, 2)));
  ASSERT_TRUE(q.open_counter("C1", "op", kMon10));
  for (const char* want : {"A002", "A003", "A001"}) {
    auto e = q.call_next("C1", "op", plus_min(kMon10, 5));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->token.display_number(), want);
    ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 5)));
  }
}

TEST(QueuePolicyTest, WaitCapZeroDisablesTheCap) {
  QueuePolicy p;
  p.max_wait_minutes = 0;
  Queue q(make_catalogue(p), "2026-11-23");
  ASSERT_TRUE(q.issue({"birth", "elderly", "en", "K1"}, kMon10));
  ASSERT_TRUE(q.open_counter("C1", "op", kMon10));
  auto e = q.call_next("C1", "op", plus_min(kMon10, 600));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, CallReason::OnlyPriorityWaiting);
}

// ---- call specific -----------------------------------------------------------------------------

TEST_F(QueueTest, CallSpecificAndScanned) {
  issue("birth", kMon10);
  issue("birth", kMon10);
  const std::string a3 = issue("birth", kMon10);
  const std::string a4 = issue("birth", kMon10, "elderly");
  open("C1");
  auto e = q.call_specific("C1", a3, false, "op", kMon10);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, CallReason::Specific);
  EXPECT_EQ(e->explanation, "called out of order by the operator; 2 tokens were ahead in line");
  ASSERT_TRUE(q.finish("C1", "op", kMon10));
  auto s = q.call_specific("C1", a4, true, "op", kMon10);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, CallReason::Scanned);
  EXPECT_EQ(s->explanation, "token scanned at the counter; 2 tokens were ahead in line");
  EXPECT_EQ(q.counter_state("C1")->normal_since_priority, 0);
}

TEST_F(QueueTest, CallSpecificRefusals) {
  const std::string a1 = issue("birth", kMon10);
  const std::string a2 = issue("birth", kMon10);
  const std::string f1 = issue("marriage", kMon10);
  open("C1");
  auto unknown = q.call_specific("C1", "LDH01-20261123-Z999", false, "op", kMon10);
  EXPECT_EQ(kind(unknown), QueueErrorKind::UnknownToken);
  EXPECT_EQ(unknown.error().message, "no token 'LDH01-20261123-Z999' in the queue");
  auto other = q.call_specific("C1", f1, false, "op", kMon10);
  EXPECT_EQ(kind(other), QueueErrorKind::NotServedHere);
  EXPECT_EQ(other.error().message, "counter 1 does not serve Marriage registration");
  ASSERT_TRUE(q.call_specific("C1", a1, false, "op", kMon10));
  EXPECT_EQ(kind(q.call_specific("C1", a2, false, "op", kMon10)), QueueErrorKind::CounterBusy);
  open("C2");
  auto taken = q.call_specific("C2", a1, true, "op", kMon10);
  EXPECT_EQ(kind(taken), QueueErrorKind::InvalidState);
  EXPECT_EQ(taken.error().message, "A001 is called at counter 1, not waiting");
}

// ---- recall, start, finish, no-show ------------------------------------------------------------

TEST_F(QueueTest, RecallUpToTheLimit) {
  issue("birth", kMon10);
  open("C1");
  EXPECT_EQ(kind(q.recall("C1", "op", kMon10)), QueueErrorKind::CounterIdle);
  call("C1", kMon10);
  auto r1 = q.recall("C1", "op", plus_min(kMon10, 1));
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->type, EventType::Recalled);
  EXPECT_EQ(r1->token.recalls, 1);
  EXPECT_EQ(r1->explanation, "recall 1 of 2");
  ASSERT_TRUE(q.recall("C1", "op", plus_min(kMon10, 2)));
  auto r3 = q.recall("C1", "op", plus_min(kMon10, 3));
  EXPECT_EQ(kind(r3), QueueErrorKind::RecallLimit);
  EXPECT_EQ(r3.error().message, "A001 was recalled 2 times, the limit of 2; start service or mark a no-show");
  EXPECT_EQ(q.current("C1")->recalls, 2);
}

TEST_F(QueueTest, RecallAndNoShowNeedACalledNotServingCitizen) {
  issue("birth", kMon10);
  open("C1");
  call("C1", kMon10);
  ASSERT_TRUE(q.start("C1", "op", kMon10));
  auto r = q.recall("C1", "op", kMon10);
  EXPECT_EQ(kind(r), QueueErrorKind::InvalidState);
  EXPECT_EQ(r.error().message, "A001 is already being served; there is no one to recall");
  auto n = q.no_show("C1", "op", kMon10);
  EXPECT_EQ(kind(n), QueueErrorKind::InvalidState);
  EXPECT_EQ(n.error().message, "A001 is being served; finish it instead");
  auto s = q.start("C1", "op", kMon10);
  EXPECT_EQ(kind(s), QueueErrorKind::InvalidState);
}

TEST_F(QueueTest, StartThenFinish) {
  const std::string a1 = issue("birth", kMon10);
  open("C1");
  EXPECT_EQ(kind(q.start("C1", "op", kMon10)), QueueErrorKind::CounterIdle);
  EXPECT_EQ(kind(q.finish("C1", "op", kMon10)), QueueErrorKind::CounterIdle);
  call("C1", kMon10);
  auto s = q.start("C1", "op", plus_min(kMon10, 2));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, EventType::Started);
  EXPECT_EQ(s->token.state, TokenState::Serving);
  EXPECT_EQ(s->token.started_at, plus_min(kMon10, 2));
  auto f = q.finish("C1", "op", plus_min(kMon10, 9));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, EventType::Finished);
  EXPECT_EQ(f->token.state, TokenState::Served);
  EXPECT_EQ(f->token.finished_at, plus_min(kMon10, 9));
  EXPECT_EQ(f->explanation, "served at counter 1 in 7 min");
  EXPECT_EQ(q.current("C1"), nullptr);
  EXPECT_EQ(q.find(a1)->state, TokenState::Served);
}

TEST_F(QueueTest, FinishStraightFromCalled) {
  issue("birth", kMon10);
  open("C1");
  call("C1", kMon10);
  auto f = q.finish("C1", "op", plus_min(kMon10, 4));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->token.state, TokenState::Served);
  EXPECT_EQ(f->explanation, "served at counter 1 in 4 min");
}

TEST_F(QueueTest, NoShow) {
  const std::string a1 = issue("birth", kMon10);
  open("C1");
  EXPECT_EQ(kind(q.no_show("C1", "op", kMon10)), QueueErrorKind::CounterIdle);
  call("C1", kMon10);
  ASSERT_TRUE(q.recall("C1", "op", kMon10));
  auto n = q.no_show("C1", "op", plus_min(kMon10, 3));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->type, EventType::NoShow);
  EXPECT_EQ(n->explanation, "did not come after 1 recall");
  EXPECT_EQ(q.find(a1)->state, TokenState::NoShow);
  EXPECT_EQ(q.current("C1"), nullptr);
  EXPECT_EQ(kind(q.call_next("C1", "op", kMon10)), QueueErrorKind::NothingWaiting);
}

// ---- transfer ----------------------------------------------------------------------------------

TEST_F(QueueTest, TransferToAnotherServiceKeepsItsPlace) {
  const std::string a1 = issue("birth", kMon10);
  const std::string d1 = issue("income", plus_min(kMon10, 5));
  open("C1");
  call("C1", plus_min(kMon10, 10));
  ASSERT_TRUE(q.start("C1", "op", plus_min(kMon10, 10)));
  auto t = q.transfer("C1", {"income", ""}, "op", plus_min(kMon10, 15));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->explanation, "transferred from counter 1 to Income certificate; keeps its place by issue time");
  EXPECT_EQ(t->token.started_at, std::nullopt);
  EXPECT_EQ(t->token.recalls, 0);
  EXPECT_TRUE(t->token.counter.empty());
  open("C3");
  // Issued before D001, so it is called first at an income counter.
  EXPECT_EQ(call("C3", plus_min(kMon10, 16)).token.id, a1);
  ASSERT_TRUE(q.finish("C3", "op", plus_min(kMon10, 20)));
  EXPECT_EQ(call("C3", plus_min(kMon10, 21)).token.id, d1);
}

TEST_F(QueueTest, TransferRefusals) {
  issue("birth", kMon10);
  open("C1");
  EXPECT_EQ(kind(q.transfer("C1", {"income", ""}, "op", kMon10)), QueueErrorKind::CounterIdle);
  call("C1", kMon10);
  auto svc = q.transfer("C1", {"passport", ""}, "op", kMon10);
  EXPECT_EQ(kind(svc), QueueErrorKind::UnknownService);
  auto ctr = q.transfer("C1", {"", "C7"}, "op", kMon10);
  EXPECT_EQ(kind(ctr), QueueErrorKind::UnknownCounter);
  auto here = q.transfer("C1", {"marriage", "C1"}, "op", kMon10);
  EXPECT_EQ(kind(here), QueueErrorKind::NotServedHere);
  EXPECT_EQ(here.error().message, "counter 1 does not serve Marriage registration");
  auto empty = q.transfer("C1", {"", ""}, "op", kMon10);
  EXPECT_EQ(kind(empty), QueueErrorKind::InvalidState);
  EXPECT_EQ(empty.error().message, "a transfer names another service, a counter, or both");
  EXPECT_EQ(q.current("C1")->state, TokenState::Called);
}

// ---- park and resume ---------------------------------------------------------------------------

TEST_F(QueueTest, ParkAndResume) {
  const std::string a1 = issue("birth", kMon10);
  const std::string a2 = issue("birth", kMon10);
  open("C1");
  EXPECT_EQ(kind(q.park("C1", "op", kMon10)), QueueErrorKind::CounterIdle);
  call("C1", kMon10);
  ASSERT_TRUE(q.start("C1", "op", kMon10));
  auto p = q.park("C1", "op", plus_min(kMon10, 2));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, EventType::Parked);
  EXPECT_EQ(p->token.state, TokenState::Parked);
  EXPECT_EQ(p->token.counter, "C1");
  EXPECT_EQ(p->explanation, "set aside at counter 1");
  EXPECT_EQ(q.current("C1"), nullptr);
  EXPECT_EQ(call("C1", plus_min(kMon10, 3)).token.id, a2);
  auto busy = q.resume("C1", a1, "op", plus_min(kMon10, 4));
  EXPECT_EQ(kind(busy), QueueErrorKind::CounterBusy);
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 5)));
  auto r = q.resume("C1", a1, "op", plus_min(kMon10, 6));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, EventType::Resumed);
  EXPECT_EQ(r->reason, CallReason::Resumed);
  EXPECT_EQ(r->token.state, TokenState::Called);
  EXPECT_EQ(r->token.called_at, plus_min(kMon10, 6));
  EXPECT_EQ(r->explanation, "resumed after being set aside at counter 1");
  EXPECT_EQ(q.current("C1")->id, a1);
}

TEST_F(QueueTest, ResumeElsewhereAndRefusals) {
  const std::string a1 = issue("birth", kMon10);
  const std::string a2 = issue("birth", kMon10);
  open("C1");
  open("C2");
  open("C3");
  call("C1", kMon10);
  ASSERT_TRUE(q.park("C1", "op", kMon10));
  EXPECT_EQ(kind(q.resume("C2", "nope", "op", kMon10)), QueueErrorKind::UnknownToken);
  auto not_parked = q.resume("C2", a2, "op", kMon10);
  EXPECT_EQ(kind(not_parked), QueueErrorKind::InvalidState);
  EXPECT_EQ(not_parked.error().message, "A002 is waiting, not parked");
  auto elsewhere = q.resume("C3", a1, "op", kMon10);
  EXPECT_EQ(kind(elsewhere), QueueErrorKind::NotServedHere);
  auto r = q.resume("C2", a1, "op", kMon10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->token.counter, "C2");
  EXPECT_EQ(q.current("C2")->id, a1);
}

// ---- cancel ------------------------------------------------------------------------------------

TEST_F(QueueTest, CancelOnlyNeverCalledTokens) {
  const std::string a1 = issue("birth", kMon10);
  const std::string a2 = issue("birth", kMon10);
  auto c = q.cancel(a2, "K1", plus_min(kMon10, 1));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, EventType::Cancelled);
  EXPECT_EQ(c->token.state, TokenState::Cancelled);
  EXPECT_EQ(c->actor, "K1");
  EXPECT_EQ(q.waiting_for_service("birth").size(), 1u);
  EXPECT_EQ(kind(q.cancel(a2, "K1", kMon10)), QueueErrorKind::InvalidState);
  EXPECT_EQ(kind(q.cancel("nope", "K1", kMon10)), QueueErrorKind::UnknownToken);
  open("C1");
  call("C1", kMon10);
  auto called = q.cancel(a1, "K1", kMon10);
  EXPECT_EQ(kind(called), QueueErrorKind::InvalidState);
  EXPECT_EQ(called.error().message, "A001 was already called; only a token that was never called can be cancelled");
  // Back in line after a transfer, it was still called once: not cancellable.
  ASSERT_TRUE(q.transfer("C1", {"income", ""}, "op", kMon10));
  EXPECT_EQ(kind(q.cancel(a1, "K1", kMon10)), QueueErrorKind::InvalidState);
}

// ---- day close ---------------------------------------------------------------------------------

TEST_F(QueueTest, DayCloseCarriesUnservedTokensOver) {
  const std::string a1 = issue("birth", kMon10);  // served
  const std::string a2 = issue("birth", kMon10);  // called at close
  const std::string a3 = issue("birth", kMon10);  // parked at close
  const std::string a4 = issue("birth", kMon10);  // waiting
  const std::string d1 = issue("income", kMon10);
  const std::string d2 = issue("income", kMon10);  // cancelled
  ASSERT_TRUE(q.cancel(d2, "K1", kMon10));
  open("C1");
  open("C2");
  call("C1", kMon10);
  ASSERT_TRUE(q.finish("C1", "op", kMon10));
  ASSERT_TRUE(q.call_specific("C1", a3, false, "op", kMon10));
  ASSERT_TRUE(q.park("C1", "op", kMon10));
  ASSERT_TRUE(q.call_specific("C2", a2, false, "op", kMon10));

  const DayCloseReport rep = q.close_day("2026-11-24", "manager", at("2026-11-23T18:00"));
  EXPECT_EQ(rep.carried_over, 4);
  EXPECT_EQ(rep.expired, 0);
  ASSERT_EQ(rep.events.size(), 4u);
  for (const auto& e : rep.events) {
    EXPECT_EQ(e.type, EventType::CarriedOver);
    EXPECT_EQ(e.actor, "manager");
    EXPECT_EQ(e.token.state, TokenState::Waiting);
    EXPECT_TRUE(e.token.carried_over);
  }
  EXPECT_EQ(rep.events[0].token.id, a2);
  EXPECT_EQ(rep.events[0].counter, "C2");
  EXPECT_EQ(rep.events[0].explanation, "unserved at the close of 2026-11-23; stays in line for 2026-11-24");
  EXPECT_EQ(q.business_day(), "2026-11-24");
  EXPECT_EQ(q.find(a1), nullptr);  // finished tokens belong to the day that closed
  EXPECT_EQ(q.find(d2), nullptr);
  EXPECT_EQ(q.tokens().size(), 4u);
  EXPECT_EQ(q.current("C2"), nullptr);
  EXPECT_EQ(q.counter_state("C2")->normal_since_priority, 0);
  EXPECT_EQ(q.issued_today("income"), 0);
  EXPECT_EQ(q.issued_today("birth"), 0);

  const Instant tue = at("2026-11-24T09:45");
  auto next = q.issue({"birth", "", "en", "K1"}, tue);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->token.id, "LDH01-20261124-A005");  // above the carried-over A004
  auto nd = q.issue({"income", "", "en", "K1"}, tue);
  EXPECT_EQ(nd->token.id, "LDH01-20261124-D002");
  // Carried-over tokens are older, so they come first.
  EXPECT_EQ(call("C1", tue).token.id, a2);
  ASSERT_TRUE(q.finish("C1", "op", tue));
  EXPECT_EQ(call("C1", tue).token.id, a3);
  ASSERT_TRUE(q.finish("C1", "op", tue));
  EXPECT_EQ(call("C1", tue).token.id, a4);
  EXPECT_EQ(q.find(d1)->state, TokenState::Waiting);
}

TEST(QueueDayClose, ExpiresWithoutCarryOver) {
  QueuePolicy p;
  p.carry_over = CarryOver::None;
  Queue q(make_catalogue(p), "2026-11-23");
  ASSERT_TRUE(q.issue({"birth", "", "en", "K1"}, kMon10));
  ASSERT_TRUE(q.issue({"birth", "", "en", "K1"}, kMon10));
  ASSERT_TRUE(q.open_counter("C1", "op", kMon10));
  ASSERT_TRUE(q.call_next("C1", "op", kMon10));
  const DayCloseReport rep = q.close_day("2026-11-24", "manager", at("2026-11-23T18:00"));
  EXPECT_EQ(rep.expired, 2);
  EXPECT_EQ(rep.carried_over, 0);
  ASSERT_EQ(rep.events.size(), 2u);
  EXPECT_EQ(rep.events[0].type, EventType::Expired);
  EXPECT_EQ(rep.events[0].token.state, TokenState::Expired);
  EXPECT_EQ(rep.events[0].explanation, "unserved at the close of 2026-11-23");
  EXPECT_TRUE(q.tokens().empty());
  auto t = q.issue({"birth", "", "en", "K1"}, at("2026-11-24T10:00"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token.id, "LDH01-20261124-A001");
}

TEST_F(QueueTest, ClosingIntoTheSameDayNeverReusesNumbers) {
  issue("birth", kMon10);
  issue("birth", kMon10);
  open("C1");
  call("C1", kMon10);
  ASSERT_TRUE(q.finish("C1", "op", kMon10));
  q.close_day("2026-11-23", "manager", kMon10);
  EXPECT_EQ(issue("birth", kMon10), "LDH01-20261123-A003");
}

TEST_F(QueueTest, CarriedOverTokensOverTheCapSayWhereTheyCameFrom) {
  issue("birth", at("2026-11-23T16:30"));
  q.close_day("2026-11-24", "manager", at("2026-11-23T18:00"));
  issue("birth", at("2026-11-24T09:00"), "elderly");
  open("C1", at("2026-11-24T09:00"));
  const QueueEvent e = call("C1", at("2026-11-24T09:05"));
  EXPECT_EQ(e.reason, CallReason::WaitCap);
  EXPECT_EQ(e.explanation, "waited 995 min, over the 45 min cap (carried over from 2026-11-23)");
}

// ---- restore -----------------------------------------------------------------------------------

TEST_F(QueueTest, RestoreFromPersistedTokensAndCounters) {
  issue("birth", kMon10);
  issue("birth", kMon10, "elderly");
  const std::string a3 = issue("birth", kMon10);
  issue("income", kMon10);
  issue("income", kMon10);
  open("C1");
  open("C2");
  call("C1", kMon10);  // A001 normal
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 8)));
  ASSERT_TRUE(q.call_specific("C2", a3, false, "op", kMon10));

  Queue r(make_catalogue(), q.business_day(), q.tokens(), q.counters());
  EXPECT_EQ(r.tokens().size(), q.tokens().size());
  EXPECT_EQ(r.current("C2")->id, a3);
  EXPECT_EQ(r.counter_state("C1")->operator_id, "op-C1");
  EXPECT_EQ(r.counter_state("C1")->normal_since_priority, 1);
  EXPECT_EQ(r.issued_today("income"), 2);
  EXPECT_EQ(r.waiting_for_counter("C1").size(), q.waiting_for_counter("C1").size());
  EXPECT_EQ(r.estimate_wait("LDH01-20261123-D002").service_minutes,
            q.estimate_wait("LDH01-20261123-D002").service_minutes);
  EXPECT_EQ(r.estimate_wait("LDH01-20261123-A002").service_minutes,
            q.estimate_wait("LDH01-20261123-A002").service_minutes);
  auto next_q = q.issue({"income", "", "en", "K1"}, kMon10);
  auto next_r = r.issue({"income", "", "en", "K1"}, kMon10);
  ASSERT_TRUE(next_q && next_r);
  EXPECT_EQ(next_q->token.id, next_r->token.id);
  auto cq = q.call_next("C1", "op", kMon10);
  auto cr = r.call_next("C1", "op", kMon10);
  ASSERT_TRUE(cq && cr);
  EXPECT_EQ(cq->token.id, cr->token.id);
  EXPECT_EQ(cq->reason, cr->reason);
}

TEST(QueueRestore, TokensWinOverStaleCounterStates) {
  Queue q(make_catalogue(), "2026-11-23");
  ASSERT_TRUE(q.issue({"birth", "", "en", "K1"}, kMon10));
  ASSERT_TRUE(q.open_counter("C1", "op", kMon10));
  ASSERT_TRUE(q.call_next("C1", "op", kMon10));
  auto counters = q.counters();
  counters[0].current_token.clear();            // lost by a crash between two writes
  counters.push_back({"C42", "ghost", "", 0});  // a counter no longer in the catalogue
  Queue r(make_catalogue(), "2026-11-23", q.tokens(), counters);
  ASSERT_NE(r.current("C1"), nullptr);
  EXPECT_EQ(r.current("C1")->display_number(), "A001");
  EXPECT_EQ(r.counters().size(), 3u);
}

// ---- wait estimates ----------------------------------------------------------------------------

TEST_F(QueueTest, EstimateUsesTypicalTimeBeforeAnyData) {
  issue("birth", kMon10);
  issue("birth", kMon10);
  const std::string a3 = issue("birth", kMon10);
  const WaitEstimate w = q.estimate_wait(a3);
  EXPECT_EQ(w.ahead, 2);
  EXPECT_DOUBLE_EQ(w.service_minutes, 6.0);
  EXPECT_EQ(w.counters, 1);  // no counter open yet: at least one
  EXPECT_EQ(w.minutes, 12);
  const WaitEstimate first = q.estimate_wait(q.tokens()[0].id);
  EXPECT_EQ(first.ahead, 0);
  EXPECT_EQ(first.minutes, 0);
  EXPECT_EQ(q.estimate_wait("nope").minutes, 0);
}

TEST_F(QueueTest, EstimateLearnsFromServiceTimesAndOpenCounters) {
  for (int i = 0; i < 6; ++i) issue("birth", kMon10);
  open("C1");
  // Two services of 10 and 14 minutes (start to finish); prior 6 counts as one sample: (6+10+14)/3 = 10.
  call("C1", kMon10);
  ASSERT_TRUE(q.start("C1", "op", plus_min(kMon10, 1)));
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 11)));
  call("C1", plus_min(kMon10, 11));
  ASSERT_TRUE(q.start("C1", "op", plus_min(kMon10, 12)));
  ASSERT_TRUE(q.finish("C1", "op", plus_min(kMon10, 26)));
  const std::string last = q.tokens()[5].id;
  WaitEstimate w = q.estimate_wait(last);
  EXPECT_DOUBLE_EQ(w.service_minutes, 10.0);
  EXPECT_EQ(w.ahead, 3);
  EXPECT_EQ(w.counters, 1);
  EXPECT_EQ(w.minutes, 30);
  open("C2");
  w = q.estimate_wait(last);
  EXPECT_EQ(w.counters, 2);
  EXPECT_EQ(w.minutes, 15);
}

TEST_F(QueueTest, EstimateCountsPriorityTokensAheadOfNormalOnes) {
  issue("birth", kMon10);
  issue("birth", kMon10);
  issue("birth", kMon10, "elderly");
  issue("birth", kMon10, "elderly");
  const std::string n3 = issue("birth", kMon10);
  // Two normal tokens ahead; with 2:1, at most 2/2 + 1 = 2 priority tokens go before.
  EXPECT_EQ(q.estimate_wait(n3).ahead, 4);
  // The second priority token: one priority older, and up to 2 normal calls before it.
  EXPECT_EQ(q.estimate_wait(q.tokens()[3].id).ahead, 3);
  EXPECT_EQ(q.estimate_wait(q.tokens()[2].id).ahead, 0);
}

TEST_F(QueueTest, EstimateForADirectedToken) {
  issue("birth", kMon10);
  const std::string d1 = issue("income", kMon10);
  open("C3");
  ASSERT_TRUE(q.call_specific("C3", d1, false, "op", kMon10));
  ASSERT_TRUE(q.transfer("C3", {"", "C2"}, "op", kMon10));
  const WaitEstimate w = q.estimate_wait(d1);
  EXPECT_EQ(w.ahead, 0);
  EXPECT_EQ(w.counters, 1);
}

}  // namespace
}  // namespace guichet::domain
