// The counter's model: what the operator sees after each server answer and live event.
#include "model.hpp"

#include <gtest/gtest.h>

namespace d = guichet::domain;
using guichet::counter::Action;
using guichet::counter::Model;
using guichet::counter::Picker;
using guichet::counter::QueueSnapshot;
using guichet::sync::WireEvent;

namespace {

constexpr std::int64_t kT0 = 1795000000000;  // issue times are around here
constexpr std::int64_t kMinute = 60000;

std::shared_ptr<const d::Catalogue> catalogue() {
  auto c = std::make_shared<d::Catalogue>();
  c->centre.id = "LDH01";
  c->centre.name.by_lang["en"] = "Ludhiana Sewa Kendra";
  d::Counter c1;
  c1.id = "C1";
  c1.number = 1;
  c1.name.by_lang["en"] = "Counter 1";
  d::Counter c2 = c1;
  c2.id = "C2";
  c2.number = 2;
  c2.name.by_lang["en"] = "Counter 2";
  d::Counter c3 = c1;
  c3.id = "C3";
  c3.number = 3;
  c3.name.by_lang["en"] = "Counter 3";
  c->counters = {c1, c2, c3};
  auto service = [](std::string id, std::string prefix, std::string name, std::vector<std::string> counters) {
    d::Service s;
    s.id = std::move(id);
    s.prefix = std::move(prefix);
    s.name.by_lang["en"] = std::move(name);
    s.counters = std::move(counters);
    return s;
  };
  c->services = {service("birth", "A", "Birth certificate", {"C1"}),
                 service("death", "B", "Death certificate", {"C1", "C2"}),
                 service("domicile", "C", "Domicile certificate", {"C2", "C3"})};
  d::PriorityCategory elderly;
  elderly.id = "elderly";
  elderly.name.by_lang["en"] = "Senior citizen";
  c->priority_categories = {elderly};
  return c;
}

d::Token token(const std::string& prefix, int number, const std::string& service, std::int64_t issued_ms,
               d::TokenState state = d::TokenState::Waiting, const std::string& counter = {}) {
  d::Token t;
  t.prefix = prefix;
  t.number = number;
  t.id = "LDH01-20261123-" + t.display_number();
  t.service = service;
  t.business_day = "2026-11-23";
  t.issued_at = d::from_unix_ms(issued_ms);
  t.state = state;
  t.counter = counter;
  return t;
}

WireEvent event(d::EventType type, const d::Token& t, std::optional<d::CallReason> reason = std::nullopt,
                std::string explanation = {}) {
  static std::uint64_t seq = 0;
  WireEvent w;
  w.seq = ++seq;
  w.event.type = type;
  w.event.token = t;
  w.event.counter = t.counter;
  w.event.reason = reason;
  w.event.explanation = std::move(explanation);
  w.event.actor = "op1";
  return w;
}

class ModelTest : public ::testing::Test {
 protected:
  ModelTest() : m("C1-TERM") {
    m.set_catalogue(catalogue());
    m.opened("session", "op1", "Asha", "operator", "C1");
  }
  std::vector<std::string> waiting_numbers() const {
    std::vector<std::string> out;
    for (const auto& t : m.waiting) out.push_back(t.display_number());
    return out;
  }
  Model m;
};

TEST_F(ModelTest, IssuedTokensOfServedServicesJoinTheWaitingListOldestFirst) {
  m.apply_event(event(d::EventType::Issued, token("A", 2, "birth", kT0 + 2 * kMinute)));
  m.apply_event(event(d::EventType::Issued, token("B", 1, "death", kT0 + kMinute)));
  m.apply_event(event(d::EventType::Issued, token("C", 1, "domicile", kT0)));  // not served at C1
  m.apply_event(event(d::EventType::Issued, token("A", 1, "birth", kT0)));
  EXPECT_EQ(waiting_numbers(), (std::vector<std::string>{"A001", "B001", "A002"}));
}

TEST_F(ModelTest, TransfersFollowTheServersRule) {
  // Domicile is not served at C1, but a token transferred to C1 is.
  auto to_me = token("C", 4, "domicile", kT0);
  to_me.target_counter = "C1";
  m.apply_event(event(d::EventType::Transferred, to_me));
  // Death is served at C1, but a token transferred to C2 only goes there.
  auto to_other = token("B", 5, "death", kT0);
  to_other.target_counter = "C2";
  m.apply_event(event(d::EventType::Transferred, to_other));
  EXPECT_EQ(waiting_numbers(), (std::vector<std::string>{"C004"}));
}

TEST_F(ModelTest, CallToThisCounterBecomesTheCurrentCitizenWithItsReason) {
  auto t = token("A", 1, "birth", kT0);
  m.apply_event(event(d::EventType::Issued, t));
  auto called = token("A", 1, "birth", kT0, d::TokenState::Called, "C1");
  m.apply_event(event(d::EventType::Called, called, d::CallReason::FirstInLine, "A001 was first in line."));
  EXPECT_TRUE(m.waiting.empty());
  ASSERT_TRUE(m.current);
  EXPECT_EQ(m.current->token.id, t.id);
  EXPECT_EQ(m.current->reason, d::CallReason::FirstInLine);
  EXPECT_EQ(m.current->explanation, "A001 was first in line.");

  // Recall and start change the token, not why it was called.
  auto recalled = called;
  recalled.recalls = 1;
  m.apply_event(event(d::EventType::Recalled, recalled));
  auto serving = recalled;
  serving.state = d::TokenState::Serving;
  m.apply_event(event(d::EventType::Started, serving));
  ASSERT_TRUE(m.current);
  EXPECT_EQ(m.current->token.state, d::TokenState::Serving);
  EXPECT_EQ(m.current->token.recalls, 1);
  EXPECT_EQ(m.current->explanation, "A001 was first in line.");

  auto served = serving;
  served.state = d::TokenState::Served;
  m.apply_event(event(d::EventType::Finished, served));
  EXPECT_FALSE(m.current);
}

TEST_F(ModelTest, CallAtAnotherCounterOnlyLeavesTheWaitingList) {
  m.apply_event(event(d::EventType::Issued, token("B", 1, "death", kT0)));
  m.apply_event(event(d::EventType::Called, token("B", 1, "death", kT0, d::TokenState::Called, "C2"),
                      d::CallReason::FirstInLine, "x"));
  EXPECT_TRUE(m.waiting.empty());
  EXPECT_FALSE(m.current);
}

TEST_F(ModelTest, ParkAndResume) {
  auto serving = token("A", 3, "birth", kT0, d::TokenState::Serving, "C1");
  m.apply_event(event(d::EventType::Started, serving));
  auto parked = serving;
  parked.state = d::TokenState::Parked;
  m.apply_event(event(d::EventType::Parked, parked));
  EXPECT_FALSE(m.current);
  ASSERT_EQ(m.parked.size(), 1u);
  EXPECT_TRUE(m.enabled(Action::Resume));
  auto resumed = parked;
  resumed.state = d::TokenState::Serving;
  m.apply_event(event(d::EventType::Resumed, resumed, d::CallReason::Resumed, "resumed by the operator"));
  EXPECT_TRUE(m.parked.empty());
  ASSERT_TRUE(m.current);
  EXPECT_EQ(m.current->reason, d::CallReason::Resumed);
}

TEST_F(ModelTest, TransferAwayClearsTheCurrentCitizen) {
  auto called = token("A", 1, "birth", kT0, d::TokenState::Called, "C1");
  m.apply_event(event(d::EventType::Called, called, d::CallReason::FirstInLine, "x"));
  auto moved = token("A", 1, "domicile", kT0);
  m.apply_event(event(d::EventType::Transferred, moved));
  EXPECT_FALSE(m.current);
  EXPECT_TRUE(m.waiting.empty());  // domicile is not called at C1
}

TEST_F(ModelTest, AnOlderEventArrivingLateDoesNotUndoANewerOne) {
  auto called = token("A", 1, "birth", kT0, d::TokenState::Called, "C1");
  auto served = token("A", 1, "birth", kT0, d::TokenState::Served, "C1");
  auto call = event(d::EventType::Called, called, d::CallReason::FirstInLine, "x");
  auto finish = event(d::EventType::Finished, served);
  ASSERT_LT(call.seq, finish.seq);
  m.apply_event(call);    // the answer to "call next"
  m.apply_event(finish);  // the answer to "finish"
  m.apply_event(call);    // the live feed's copy of the call, late
  EXPECT_FALSE(m.current);
  // Events without a stored sequence number are applied as they come.
  auto unsequenced = call;
  unsequenced.seq = 0;
  m.apply_event(unsequenced);
  EXPECT_TRUE(m.current);
}

TEST_F(ModelTest, SnapshotTakenBeforeAnEventDoesNotUndoIt) {
  auto a1 = token("A", 1, "birth", kT0);
  auto a2 = token("A", 2, "birth", kT0 + kMinute);
  m.begin_refresh();
  // While the snapshot is on its way, the live feed reports A001 called here.
  m.apply_event(event(d::EventType::Called, token("A", 1, "birth", kT0, d::TokenState::Called, "C1"),
                      d::CallReason::FirstInLine, "first"));
  QueueSnapshot s;
  s.counter = "C1";
  s.waiting = {a1, a2};  // the server's view from before the call
  m.apply_snapshot(s);
  EXPECT_EQ(waiting_numbers(), (std::vector<std::string>{"A002"}));
  ASSERT_TRUE(m.current);
  EXPECT_EQ(m.current->token.display_number(), "A001");
  EXPECT_EQ(m.current->explanation, "first");
  // After the refresh, events are no longer recorded for replay.
  m.apply_snapshot(QueueSnapshot{});
  EXPECT_TRUE(m.waiting.empty());
  EXPECT_FALSE(m.current);
}

TEST_F(ModelTest, SnapshotReplacesTheListsAndKeepsAKnownReason) {
  auto called = token("A", 1, "birth", kT0, d::TokenState::Called, "C1");
  m.apply_event(event(d::EventType::Called, called, d::CallReason::WaitCap, "waited 50 min"));
  QueueSnapshot s;
  s.current = called;
  s.waiting = {token("B", 9, "death", kT0), token("C", 2, "domicile", kT0)};
  s.parked = std::vector<d::Token>{token("A", 7, "birth", kT0, d::TokenState::Parked, "C1")};
  m.begin_refresh();
  m.apply_snapshot(s);
  EXPECT_EQ(waiting_numbers(), (std::vector<std::string>{"B009"}));
  ASSERT_TRUE(m.current);
  EXPECT_EQ(m.current->reason, d::CallReason::WaitCap);
  EXPECT_EQ(m.parked.size(), 1u);

  // A citizen already at the counter when the app started: no reason known here.
  Model fresh("T");
  fresh.set_catalogue(catalogue());
  fresh.opened("s", "op1", "Asha", "operator", "C1");
  fresh.begin_refresh();
  fresh.apply_snapshot(s);
  ASSERT_TRUE(fresh.current);
  EXPECT_FALSE(fresh.current->reason);
}

TEST_F(ModelTest, WhichActionsAreOffered) {
  auto expect = [&](std::vector<Action> on) {
    for (const auto& a : guichet::counter::all_actions()) {
      bool want = std::find(on.begin(), on.end(), a.action) != on.end();
      EXPECT_EQ(m.enabled(a.action), want) << a.name;
      EXPECT_EQ(m.unavailable_reason(a.action).empty(), want) << a.name;
    }
  };
  expect({Action::CallNext, Action::Logout});
  m.apply_event(event(d::EventType::Issued, token("A", 1, "birth", kT0)));
  expect({Action::CallNext, Action::CallSpecific, Action::Logout});
  m.apply_event(event(d::EventType::Called, token("A", 1, "birth", kT0, d::TokenState::Called, "C1"),
                      d::CallReason::FirstInLine, "x"));
  expect(
      {Action::Recall, Action::Start, Action::NoShow, Action::Finish, Action::Park, Action::Transfer, Action::Logout});
  m.apply_event(event(d::EventType::Started, token("A", 1, "birth", kT0, d::TokenState::Serving, "C1")));
  expect({Action::Finish, Action::Park, Action::Transfer, Action::Logout});
  m.busy = "Finish…";
  expect({});
  m.busy.clear();
  m.logged_out();
  expect({});
}

TEST_F(ModelTest, WaitingGroupsPerServiceWithMinutesOnTheServersClock) {
  m.apply_event(event(d::EventType::Issued, token("A", 1, "birth", kT0)));
  auto prio = token("B", 1, "death", kT0 + 5 * kMinute);
  prio.priority = "elderly";
  m.apply_event(event(d::EventType::Issued, prio));
  // This terminal's clock is an hour behind the server's.
  m.clock_offset_ms = 60 * kMinute;
  const std::int64_t terminal_now = kT0 + 12 * kMinute - 60 * kMinute;
  auto groups = m.waiting_groups(terminal_now);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "Birth certificate");
  EXPECT_EQ(groups[0].prefix, "A");
  ASSERT_EQ(groups[0].rows.size(), 1u);
  EXPECT_EQ(groups[0].rows[0].waited_minutes, 12);
  EXPECT_EQ(groups[1].name, "Death certificate");
  ASSERT_EQ(groups[1].rows.size(), 1u);
  EXPECT_EQ(groups[1].rows[0].waited_minutes, 7);
  EXPECT_EQ(groups[1].rows[0].priority, "Senior citizen");
}

TEST_F(ModelTest, EmptyServicesStillHaveTheirGroup) {
  auto groups = m.waiting_groups(kT0);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_TRUE(groups[0].rows.empty());
  EXPECT_TRUE(groups[1].rows.empty());
}

TEST_F(ModelTest, DescriptionsForTheOperator) {
  auto called = token("A", 42, "birth", kT0, d::TokenState::Called, "C1");
  EXPECT_EQ(m.describe(event(d::EventType::Called, called, d::CallReason::PriorityTurn, "x")),
            "A042 called: Priority turn.");
  auto moved = token("A", 42, "domicile", kT0);
  EXPECT_EQ(m.describe(event(d::EventType::Transferred, moved)), "A042 transferred to Domicile certificate.");
  moved.target_counter = "C3";
  EXPECT_EQ(m.describe(event(d::EventType::Transferred, moved)), "A042 transferred to Counter 3.");
  EXPECT_EQ(m.describe(event(d::EventType::NoShow, called)), "A042 marked as no-show.");
}

TEST_F(ModelTest, TransferOptionsLeaveOutWhereTheCitizenAlreadyIs) {
  m.apply_event(event(d::EventType::Called, token("B", 1, "death", kT0, d::TokenState::Called, "C1"),
                      d::CallReason::FirstInLine, "x"));
  auto options = m.transfer_options();
  std::vector<std::string> labels;
  for (const auto& o : options) labels.push_back(o.label);
  // Other services; and other counters serving death certificates (C2, not C3).
  EXPECT_EQ(labels, (std::vector<std::string>{"Counter: Counter 2", "Service: Birth certificate (A)",
                                              "Service: Domicile certificate (C)"}));
  EXPECT_EQ(options[0].counter, "C2");
  EXPECT_EQ(options[0].service, "");
  EXPECT_EQ(options[1].service, "birth");
  EXPECT_EQ(options[1].counter, "");
}

TEST_F(ModelTest, PickerSelectionStaysInsideAShrinkingList) {
  m.apply_event(event(d::EventType::Issued, token("A", 1, "birth", kT0)));
  m.apply_event(event(d::EventType::Issued, token("A", 2, "birth", kT0 + 1)));
  m.picker = Picker::CallSpecific;
  m.picker_index = 1;
  m.apply_event(event(d::EventType::Called, token("A", 2, "birth", kT0 + 1, d::TokenState::Called, "C2"),
                      d::CallReason::Specific, "x"));
  EXPECT_EQ(m.picker_size(), 1);
  EXPECT_EQ(m.picker_index, 0);
  auto rows = m.picker_rows(kT0 + 3 * kMinute);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "A001  Birth certificate  3 min");
}

// Logged in with the PIN checked on the counter (the server out of reach): applications and
// leaving only, each queue action saying why; the PIN stays held until the server answers a login,
// which gives the session and wipes it.
TEST_F(ModelTest, AnOfflineLoginTakesApplicationsAndWaitsForTheServerToCall) {
  auto cat = std::make_shared<d::Catalogue>(*catalogue());
  d::FormField name;
  name.id = "name";
  name.label.by_lang["en"] = "Name";
  cat->services[0].form.push_back(name);
  Model offline("C1-TERM");
  offline.set_catalogue(cat);
  offline.pending_pin = "2468";
  offline.opened_offline("op1", "Asha", "operator", "C1");
  EXPECT_TRUE(offline.logged_in());
  EXPECT_TRUE(offline.offline_session);
  EXPECT_TRUE(offline.session.empty());
  EXPECT_EQ(offline.pending_pin, "2468");
  EXPECT_EQ(offline.screen, guichet::counter::ScreenId::Main);
  offline.apply_event(event(d::EventType::Issued, token("A", 1, "birth", kT0)));
  for (const auto& a : guichet::counter::all_actions()) {
    const bool want = a.action == Action::NewApplication || a.action == Action::Logout;
    EXPECT_EQ(offline.enabled(a.action), want) << a.name;
    if (!want) {
      EXPECT_NE(offline.unavailable_reason(a.action).find("needs the centre server"), std::string::npos)
          << offline.unavailable_reason(a.action);
    }
  }
  offline.joined_server("session-2");
  EXPECT_FALSE(offline.offline_session);
  EXPECT_EQ(offline.session, "session-2");
  EXPECT_TRUE(offline.pending_pin.empty());
  EXPECT_TRUE(offline.enabled(Action::CallNext));
  offline.pending_pin = "2468";
  offline.opened_offline("op1", "Asha", "operator", "C1");
  offline.logged_out();
  EXPECT_FALSE(offline.offline_session);
  EXPECT_FALSE(offline.logged_in());
  EXPECT_TRUE(offline.pending_pin.empty());
}

TEST_F(ModelTest, LogOutForgetsTheSession) {
  m.pending_pin = "1234";
  m.apply_event(event(d::EventType::Issued, token("A", 1, "birth", kT0)));
  m.logged_out();
  EXPECT_FALSE(m.logged_in());
  EXPECT_TRUE(m.session.empty());
  EXPECT_TRUE(m.pending_pin.empty());
  EXPECT_TRUE(m.waiting.empty());
  EXPECT_EQ(m.screen, guichet::counter::ScreenId::Login);
  // Events for a counter nobody is logged in at change nothing.
  m.apply_event(event(d::EventType::Issued, token("A", 2, "birth", kT0)));
  EXPECT_TRUE(m.waiting.empty());
}

}  // namespace

// The connection in the words both screens show: the main screen's status, and the application
// screen's offline mark (shown there only while the server is out of reach).
TEST_F(ModelTest, TheConnectionInTheScreensWords) {
  using Kind = guichet::counter::ConnectionStatus::Kind;
  m.feed_connected = true;
  EXPECT_EQ(m.connection().kind, Kind::Live);
  EXPECT_EQ(m.connection().text, "Live");
  m.feed_connected = false;
  EXPECT_EQ(m.connection().kind, Kind::Reconnecting);
  EXPECT_EQ(m.connection().text, "Live updates reconnecting");
  m.backlog = 1;
  EXPECT_EQ(m.connection().kind, Kind::Sending);
  EXPECT_EQ(m.connection().text, "Sending 1 saved action");
  m.server_reachable = false;
  EXPECT_EQ(m.connection().kind, Kind::Offline);
  EXPECT_EQ(m.connection().text, "Centre server unreachable - 1 action saved");
  m.backlog = 2;
  EXPECT_EQ(m.connection().text, "Centre server unreachable - 2 actions saved");
  m.backlog = 0;
  EXPECT_EQ(m.connection().text, "Centre server unreachable");
}
