// The live feed's fan-out and its event-stream framing.
#include <gtest/gtest.h>

#include "guichet/server/event_feed.hpp"

namespace guichet::server {
namespace {

struct Collector : FeedSubscriber {
  void push(const std::shared_ptr<const FeedBatch>& batch) override { batches.push_back(batch); }
  std::vector<std::shared_ptr<const FeedBatch>> batches;
};

TEST(EventFeed, FramesAreServerSentEvents) {
  EXPECT_EQ(sse_frame(7, "{\"a\":1}"), "id: 7\nevent: queue\ndata: {\"a\":1}\n\n");
}

TEST(EventFeed, BatchTextAfterASeq) {
  FeedBatch b;
  b.add(5, "{}");
  b.add(6, "{\"x\":1}");
  b.add(7, "{}");
  EXPECT_EQ(b.last_seq(), 7u);
  EXPECT_EQ(b.after(0), b.text);
  EXPECT_EQ(b.after(4), b.text);
  EXPECT_EQ(b.after(5), sse_frame(6, "{\"x\":1}") + sse_frame(7, "{}"));
  EXPECT_EQ(b.after(6), sse_frame(7, "{}"));
  EXPECT_TRUE(b.after(7).empty());
  EXPECT_TRUE(b.after(100).empty());
  FeedBatch comment;
  comment.text = std::string(kKeepAliveFrame);
  EXPECT_EQ(comment.after(100), kKeepAliveFrame);  // comments go to everyone
}

TEST(EventFeed, SubscribersGetEveryBatchAndTheResumePoint) {
  EventFeed feed;
  feed.set_last_seq(10);
  auto a = std::make_shared<Collector>();
  EXPECT_EQ(feed.subscribe(a), 10u);
  auto batch = std::make_shared<FeedBatch>();
  batch->add(11, "{}");
  feed.publish(batch);
  auto b = std::make_shared<Collector>();
  EXPECT_EQ(feed.subscribe(b), 11u);  // b reads up to 11 from storage
  auto batch2 = std::make_shared<FeedBatch>();
  batch2->add(12, "{}");
  feed.publish(batch2);
  EXPECT_EQ(a->batches.size(), 2u);
  ASSERT_EQ(b->batches.size(), 1u);
  EXPECT_EQ(b->batches[0]->last_seq(), 12u);
  EXPECT_EQ(a->batches[0].get(), batch.get());  // shared, not copied
  feed.unsubscribe(a.get());
  feed.publish(batch2);
  EXPECT_EQ(a->batches.size(), 2u);
  EXPECT_EQ(b->batches.size(), 2u);
  EXPECT_EQ(feed.subscriber_count(), 1u);
}

TEST(EventFeed, CommentsDoNotMoveTheSequence) {
  EventFeed feed;
  feed.set_last_seq(3);
  auto comment = std::make_shared<FeedBatch>();
  comment->text = std::string(kKeepAliveFrame);
  feed.publish(comment);
  EXPECT_EQ(feed.last_seq(), 3u);
}

}  // namespace
}  // namespace guichet::server
