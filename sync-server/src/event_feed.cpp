#include "guichet/server/event_feed.hpp"

#include <algorithm>

namespace guichet::server {

std::string sse_frame(std::uint64_t seq, std::string_view event_json) {
  std::string out;
  out.reserve(event_json.size() + 40);
  out += "id: ";
  out += std::to_string(seq);
  out += "\nevent: queue\ndata: ";
  out += event_json;
  out += "\n\n";
  return out;
}

void FeedBatch::add(std::uint64_t seq, std::string_view event_json) {
  entries.push_back(Entry{seq, text.size()});
  text += sse_frame(seq, event_json);
}

std::string_view FeedBatch::after(std::uint64_t seq) const {
  if (entries.empty() || entries.front().seq > seq) return text;
  auto it =
      std::upper_bound(entries.begin(), entries.end(), seq, [](std::uint64_t s, const Entry& e) { return s < e.seq; });
  if (it == entries.end()) return {};
  return std::string_view(text).substr(it->offset);
}

void EventFeed::set_last_seq(std::uint64_t seq) {
  std::lock_guard lock(mu_);
  last_seq_ = seq;
}

std::uint64_t EventFeed::subscribe(const std::shared_ptr<FeedSubscriber>& subscriber) {
  std::lock_guard lock(mu_);
  subscribers_.push_back(subscriber);
  return last_seq_;
}

void EventFeed::unsubscribe(const FeedSubscriber* subscriber) {
  std::lock_guard lock(mu_);
  std::erase_if(subscribers_, [subscriber](const auto& s) { return s.get() == subscriber; });
}

void EventFeed::publish(const std::shared_ptr<const FeedBatch>& batch) {
  // Pushing under the lock keeps subscribe() exact: a subscriber either sees a batch pushed or
  // finds its events in storage, never both or neither.
  std::lock_guard lock(mu_);
  if (!batch->entries.empty()) last_seq_ = std::max(last_seq_, batch->last_seq());
  for (const auto& s : subscribers_) s->push(batch);
}

void EventFeed::revoke(const std::string& device) {
  std::lock_guard lock(mu_);
  for (const auto& s : subscribers_) s->revoked(device);
}

std::size_t EventFeed::subscriber_count() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

std::uint64_t EventFeed::last_seq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

}  // namespace guichet::server
