// The live feed's fan-out. Events are published once per committed batch as one shared block of
// server-sent-event text; each subscriber keeps a pointer to the block instead of a copy, so a
// thousand connected boards cost a thousand pointers per batch, not a thousand copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::server {

// A run of consecutive events as SSE text ("id: 7\nevent: queue\ndata: {…}\n\n" each), or a
// keep-alive comment (no events).
struct FeedBatch {
  std::string text;
  struct Entry {
    std::uint64_t seq;
    std::size_t offset;  // where this event's frame starts in text
  };
  std::vector<Entry> entries;  // ascending seq

  std::uint64_t last_seq() const { return entries.empty() ? 0 : entries.back().seq; }
  // The text of the events with seq > after (the whole text for a comment).
  std::string_view after(std::uint64_t seq) const;
  void add(std::uint64_t seq, std::string_view event_json);
};

std::string sse_frame(std::uint64_t seq, std::string_view event_json);
inline constexpr std::string_view kKeepAliveFrame = ": keep-alive\n\n";

class FeedSubscriber {
 public:
  virtual ~FeedSubscriber() = default;
  // Called on the publishing thread; must not block.
  virtual void push(const std::shared_ptr<const FeedBatch>& batch) = 0;
  // Called when `device` was revoked: its open feeds are told so and closed. Must not block.
  virtual void revoked(const std::string& device) { (void)device; }
};

class EventFeed {
 public:
  // Events up to `seq` exist before the feed starts (restored from storage).
  void set_last_seq(std::uint64_t seq);
  // Registers a subscriber and returns the seq of the last event published before it: events up
  // to that one are read from storage, later ones are pushed.
  std::uint64_t subscribe(const std::shared_ptr<FeedSubscriber>& subscriber);
  void unsubscribe(const FeedSubscriber* subscriber);
  void publish(const std::shared_ptr<const FeedBatch>& batch);
  // Tells every subscriber that `device` was revoked (e.g. over HTTP), so that its open feeds end
  // at once instead of at the next revocation check.
  void revoke(const std::string& device);
  std::size_t subscriber_count() const;
  std::uint64_t last_seq() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<FeedSubscriber>> subscribers_;
  std::uint64_t last_seq_ = 0;
};

}  // namespace guichet::server
