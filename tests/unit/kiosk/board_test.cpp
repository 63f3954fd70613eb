#include "board.hpp"

#include <gtest/gtest.h>

using namespace guichet;
using namespace guichet::kiosk;
using domain::EventType;

namespace {

domain::Instant at(int minute) {
  domain::Instant t;
  domain::parse_iso("2026-11-23T09:00:00+05:30", t);
  return t + std::chrono::minutes(minute);
}

sync::WireEvent ev(std::uint64_t seq, EventType type, const std::string& counter, int counter_number,
                   const std::string& prefix, int number, int minute = 0) {
  sync::WireEvent w;
  w.seq = seq;
  w.counter_number = counter_number;
  w.event.type = type;
  w.event.counter = counter;
  w.event.at = at(minute);
  if (number > 0) {
    w.event.token.id = "LDH01-20261123-" + prefix + std::to_string(number);
    w.event.token.prefix = prefix;
    w.event.token.number = number;
    w.event.token.language = "hi";
  }
  return w;
}

}  // namespace

TEST(Board, CallsShowAndAnnounce) {
  BoardModel b(3);
  auto call = b.apply(ev(1, EventType::Called, "C1", 1, "A", 42), at(0));
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->display, "A042");
  EXPECT_EQ(call->number, 42);
  EXPECT_EQ(call->counter_number, 1);
  EXPECT_EQ(call->language, "hi");
  EXPECT_FALSE(call->recall);
  ASSERT_EQ(b.state().now_serving.count("C1"), 1u);
  auto recall = b.apply(ev(2, EventType::Recalled, "C1", 1, "A", 42), at(1));
  ASSERT_TRUE(recall.has_value());
  EXPECT_TRUE(recall->recall);
  EXPECT_EQ(b.state().recent.size(), 2u);
  EXPECT_FALSE(b.apply(ev(3, EventType::Started, "C1", 1, "A", 42), at(1)).has_value());
  EXPECT_EQ(b.state().now_serving.at("C1").display, "A042") << "still at the counter";
  EXPECT_FALSE(b.apply(ev(4, EventType::Finished, "C1", 1, "A", 42), at(5)).has_value());
  EXPECT_EQ(b.state().now_serving.count("C1"), 0u);
}

TEST(Board, DuplicatesAndStaleCalls) {
  BoardModel b;
  EXPECT_TRUE(b.apply(ev(5, EventType::Called, "C2", 2, "B", 7), at(0)).has_value());
  EXPECT_FALSE(b.apply(ev(5, EventType::Called, "C2", 2, "B", 7), at(0)).has_value()) << "replayed";
  EXPECT_FALSE(b.apply(ev(4, EventType::Called, "C3", 3, "B", 6), at(0)).has_value()) << "older";
  EXPECT_EQ(b.state().recent.size(), 1u);
  auto late = b.apply(ev(6, EventType::Called, "C3", 3, "B", 8, 0), at(10));
  EXPECT_FALSE(late.has_value()) << "ten minutes old: shown, not called out";
  EXPECT_EQ(b.state().now_serving.at("C3").display, "B008");
}

TEST(Board, RecentListIsBoundedNewestFirst) {
  BoardModel b(3);
  for (int i = 1; i <= 5; ++i) b.apply(ev(static_cast<std::uint64_t>(i), EventType::Called, "C1", 1, "A", i), at(0));
  ASSERT_EQ(b.state().recent.size(), 3u);
  EXPECT_EQ(b.state().recent.front().number, 5);
  EXPECT_EQ(b.state().recent.back().number, 3);
}

TEST(Board, OtherEventsClearOnlyTheirCounter) {
  BoardModel b;
  b.apply(ev(1, EventType::Called, "C1", 1, "A", 1), at(0));
  b.apply(ev(2, EventType::Called, "C2", 2, "B", 2), at(0));
  b.apply(ev(3, EventType::NoShow, "C1", 1, "A", 1), at(1));
  EXPECT_EQ(b.state().now_serving.count("C1"), 0u);
  EXPECT_EQ(b.state().now_serving.count("C2"), 1u);
  b.apply(ev(4, EventType::Finished, "C2", 2, "B", 99), at(1));
  EXPECT_EQ(b.state().now_serving.count("C2"), 1u) << "a different token finished: keep showing B002";
  b.apply(ev(5, EventType::CounterClosed, "C2", 2, "", 0), at(2));
  EXPECT_EQ(b.state().now_serving.count("C2"), 0u);
}

TEST(Board, StartFromHistoryWithoutAnnouncing) {
  BoardModel b;
  b.load_recent({ev(12, EventType::Called, "C2", 2, "B", 5), ev(10, EventType::Called, "C1", 1, "A", 3),
                 ev(11, EventType::Finished, "C1", 1, "A", 3)});
  EXPECT_EQ(b.state().last_seq, 12u);
  ASSERT_EQ(b.state().recent.size(), 2u);
  EXPECT_EQ(b.state().recent.front().display, "B005");
  EXPECT_TRUE(b.state().now_serving.empty()) << "who is at a counter comes from the queue, not from history";
  domain::Token t;
  t.prefix = "B";
  t.number = 5;
  b.set_current("C2", 2, &t);
  EXPECT_EQ(b.state().now_serving.at("C2").display, "B005");
  b.set_current("C2", 2, nullptr);
  EXPECT_TRUE(b.state().now_serving.empty());
  EXPECT_FALSE(b.apply(ev(12, EventType::Called, "C3", 3, "C", 1), at(0)).has_value()) << "already seen";
  EXPECT_TRUE(b.apply(ev(13, EventType::Called, "C3", 3, "C", 1), at(0)).has_value());
}
