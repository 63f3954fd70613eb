// Server-sent event framing: fields, multi-line data, line endings, comments, arbitrary splits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "guichet/sync/client.hpp"

using guichet::sync::SseMessage;
using guichet::sync::SseParser;

namespace {

struct Collector {
  std::vector<SseMessage> got;
  SseParser parser{[this](const SseMessage& m) { got.push_back(m); }};
};

TEST(SseParser, OneEventWithIdTypeAndData) {
  Collector c;
  c.parser.feed("id: 7\nevent: queue\ndata: {\"seq\":7}\n\n");
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].id, "7");
  EXPECT_EQ(c.got[0].event, "queue");
  EXPECT_EQ(c.got[0].data, "{\"seq\":7}");
}

TEST(SseParser, NothingIsDispatchedBeforeTheBlankLine) {
  Collector c;
  c.parser.feed("id: 1\nevent: queue\ndata: x\n");
  EXPECT_TRUE(c.got.empty());
  c.parser.feed("\n");
  EXPECT_EQ(c.got.size(), 1u);
}

TEST(SseParser, DataLinesAreJoinedWithNewlines) {
  Collector c;
  c.parser.feed("data: first\ndata:second\ndata:  third\n\n");
  ASSERT_EQ(c.got.size(), 1u);
  // Only one space after the colon is part of the syntax; the rest is data.
  EXPECT_EQ(c.got[0].data, "first\nsecond\n third");
  EXPECT_EQ(c.got[0].event, "message");
}

TEST(SseParser, CommentsAndKeepAlivesAreIgnored) {
  Collector c;
  c.parser.feed(": keep-alive\n\n: another\ndata: x\n\n");
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].data, "x");
}

TEST(SseParser, EventWithoutDataIsNotDispatched) {
  Collector c;
  c.parser.feed("event: queue\n\ndata: y\n\n");
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].event, "message");  // the type does not leak into the next event
}

TEST(SseParser, IdCarriesOverToLaterEvents) {
  Collector c;
  c.parser.feed("id: 5\ndata: a\n\ndata: b\n\n");
  ASSERT_EQ(c.got.size(), 2u);
  EXPECT_EQ(c.got[1].id, "5");
}

TEST(SseParser, CrLfAndBareCrEndLines) {
  Collector c;
  c.parser.feed("id: 1\r\ndata: a\r\n\r\nid: 2\rdata: b\r\r");
  ASSERT_EQ(c.got.size(), 2u);
  EXPECT_EQ(c.got[0].id, "1");
  EXPECT_EQ(c.got[0].data, "a");
  EXPECT_EQ(c.got[1].id, "2");
  EXPECT_EQ(c.got[1].data, "b");
}

TEST(SseParser, SplitAtEveryPositionGivesTheSameEvents) {
  const std::string stream =
      ": keep-alive\r\nid: 41\r\nevent: queue\r\ndata: {\"a\":1}\r\n\r\nid: 42\nevent: queue\ndata: {\"b\":2}\n\n";
  Collector whole;
  whole.parser.feed(stream);
  ASSERT_EQ(whole.got.size(), 2u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    Collector split;
    split.parser.feed(std::string_view(stream).substr(0, cut));
    split.parser.feed(std::string_view(stream).substr(cut));
    ASSERT_EQ(split.got.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(split.got[0].id, "41") << "cut at " << cut;
    EXPECT_EQ(split.got[0].data, "{\"a\":1}") << "cut at " << cut;
    EXPECT_EQ(split.got[1].id, "42") << "cut at " << cut;
    EXPECT_EQ(split.got[1].data, "{\"b\":2}") << "cut at " << cut;
  }
}

TEST(SseParser, ByteByByteFeed) {
  const std::string stream = "id: 9\nevent: queue\ndata: z\n\n";
  Collector c;
  for (char ch : stream) c.parser.feed(std::string_view(&ch, 1));
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].id, "9");
}

TEST(SseParser, RetryFieldSetsTheReconnectDelay) {
  Collector c;
  c.parser.feed("retry: 1500\n\n");
  EXPECT_EQ(c.parser.retry_ms(), 1500);
  c.parser.feed("retry: soon\n\n");
  EXPECT_EQ(c.parser.retry_ms(), 1500);
  EXPECT_TRUE(c.got.empty());
}

TEST(SseParser, ResetDropsAHalfReceivedEvent) {
  Collector c;
  c.parser.feed("id: 3\nevent: queue\ndata: partial");
  c.parser.reset();
  c.parser.feed("data: fresh\n\n");
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].data, "fresh");
  EXPECT_EQ(c.got[0].event, "message");
}

TEST(SseParser, FieldWithoutColonIsAFieldWithEmptyValue) {
  Collector c;
  c.parser.feed("data\ndata\n\n");
  ASSERT_EQ(c.got.size(), 1u);
  EXPECT_EQ(c.got[0].data, "\n");
}

}  // namespace
