#include <algorithm>
#include <charconv>

#include "guichet/sync/client.hpp"

namespace guichet::sync {
namespace {

// A server that streams a line or an event without end is broken or hostile: past these sizes the
// half-received event is dropped instead of growing without bound.
constexpr std::size_t kMaxLine = 1 << 20;
constexpr std::size_t kMaxData = 4 << 20;

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

void SseParser::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n' && last_was_cr_) {  // the LF of a CRLF pair: the line already ended at CR
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      line(buf_);
      buf_.clear();
      continue;
    }
    if (buf_.size() < kMaxLine) buf_.push_back(c);
  }
}

void SseParser::reset() {
  buf_.clear();
  last_was_cr_ = false;
  event_.clear();
  data_.clear();
  has_data_ = false;
}

void SseParser::line(std::string_view l) {
  if (l.empty()) {
    dispatch();
    return;
  }
  if (l.front() == ':') return;  // comment, e.g. the server's keep-alive
  std::string_view field = l;
  std::string_view value;
  if (auto colon = l.find(':'); colon != std::string_view::npos) {
    field = l.substr(0, colon);
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_ = value;
  } else if (field == "data") {
    if (data_.size() + value.size() > kMaxData) {
      data_.clear();
      has_data_ = false;
      return;
    }
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_ = value;
  } else if (field == "retry") {
    std::uint64_t ms = 0;
    if (parse_u64(value, ms)) retry_ms_ = static_cast<int>(std::min<std::uint64_t>(ms, 600000));
  }
}

void SseParser::dispatch() {
  if (!has_data_) {
    event_.clear();
    return;
  }
  SseMessage m;
  m.id = id_;
  m.event = event_.empty() ? "message" : event_;
  m.data = std::move(data_);
  if (!m.data.empty() && m.data.back() == '\n') m.data.pop_back();
  data_.clear();
  event_.clear();
  has_data_ = false;
  sink_(m);
}

}  // namespace guichet::sync
