#include "guichet/domain/hlc.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace guichet::domain {
namespace {

constexpr std::size_t kWallDigits = 16;
constexpr std::size_t kLogicalDigits = 4;

bool node_char(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
         ch == '-';
}

// Appends `value` as exactly `width` decimal digits (more if it does not fit).
void append_padded(std::string& out, std::uint64_t value, std::size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::uint64_t digits_value(std::string_view s) {
  std::uint64_t v = 0;
  for (char ch : s) v = v * 10 + static_cast<std::uint64_t>(ch - '0');
  return v;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "\"";
  out += s.substr(0, kShown);
  if (s.size() > kShown) out += "...";
  out += "\"";
  return out;
}

std::int64_t clamp_physical(std::int64_t ms) { return std::clamp<std::int64_t>(ms, 0, kHlcMaxWallMs); }

void check_remote(const HlcTime& t) {
  if (t.wall_ms < 0 || t.wall_ms > kHlcMaxWallMs || t.logical > kHlcMaxLogical || !valid_hlc_node(t.node)) {
    throw std::invalid_argument("hybrid logical clock: received an invalid timestamp " + format_hlc(t));
  }
}

}  // namespace

bool valid_hlc_node(std::string_view node) {
  return !node.empty() && node.size() <= kHlcMaxNodeLength && std::all_of(node.begin(), node.end(), node_char);
}

std::string format_hlc(const HlcTime& t) {
  std::string out;
  out.reserve(kWallDigits + kLogicalDigits + 2 + t.node.size());
  if (t.wall_ms < 0) {
    out += '-';
    append_padded(out, static_cast<std::uint64_t>(-(t.wall_ms + 1)) + 1, kWallDigits);
  } else {
    append_padded(out, static_cast<std::uint64_t>(t.wall_ms), kWallDigits);
  }
  out += '-';
  append_padded(out, t.logical, kLogicalDigits);
  out += '-';
  out += t.node;
  return out;
}

bool parse_hlc(std::string_view text, HlcTime& out, std::string& error) {
  const std::size_t first = text.find('-');
  if (first == std::string_view::npos) {
    error = "expected a hybrid logical clock time like \"0001732190000000-0000-K1\", got " + quoted(text);
    return false;
  }
  const std::string_view wall = text.substr(0, first);
  if (wall.size() != kWallDigits || !all_digits(wall)) {
    error = "the wall time must be 16 digits (Unix milliseconds), got " + quoted(wall);
    return false;
  }
  const std::size_t second = text.find('-', first + 1);
  if (second == std::string_view::npos) {
    error = "expected a logical counter and a node after the wall time, got " + quoted(text);
    return false;
  }
  const std::string_view logical = text.substr(first + 1, second - first - 1);
  if (logical.size() != kLogicalDigits || !all_digits(logical)) {
    error = "the logical counter must be 4 digits, got " + quoted(logical);
    return false;
  }
  const std::string_view node = text.substr(second + 1);
  if (!valid_hlc_node(node)) {
    error = "the node must be 1 to 64 characters among A-Z a-z 0-9 . _ -, got " + quoted(node);
    return false;
  }
  out.wall_ms = static_cast<std::int64_t>(digits_value(wall));
  out.logical = static_cast<std::uint32_t>(digits_value(logical));
  out.node = std::string(node);
  return true;
}

Hlc::Hlc(std::string node, PhysicalClock clock, HlcOptions options)
    : node_(std::move(node)), clock_(std::move(clock)), options_(options) {
  if (!valid_hlc_node(node_)) {
    throw std::invalid_argument("hybrid logical clock: node id '" + node_ +
                                "' is not 1 to 64 characters among A-Z a-z 0-9 . _ -");
  }
  if (!clock_) throw std::invalid_argument("hybrid logical clock: no physical clock given");
  if (options_.max_drift_ms < 0) throw std::invalid_argument("hybrid logical clock: max_drift_ms is negative");
  last_.node = node_;
}

HlcTime Hlc::advance(std::int64_t l, std::uint64_t c) {
  if (c > kHlcMaxLogical) {
    // Counter overflow: borrow one millisecond from the future rather than wrap or fail.
    ++l;
    c = 0;
  }
  if (l > kHlcMaxWallMs) throw std::overflow_error("hybrid logical clock: wall time beyond year 318857");
  last_.wall_ms = l;
  last_.logical = static_cast<std::uint32_t>(c);
  return last_;
}

HlcTime Hlc::now() { return now_at(clock_()); }

HlcTime Hlc::now_at(std::int64_t physical_ms) {
  const std::int64_t pt = clamp_physical(physical_ms);
  if (pt > last_.wall_ms) return advance(pt, 0);
  return advance(last_.wall_ms, std::uint64_t{last_.logical} + 1);
}

HlcReceive Hlc::update(const HlcTime& received) { return update_at(received, clock_()); }

HlcReceive Hlc::update_at(const HlcTime& received, std::int64_t physical_ms) {
  check_remote(received);
  const std::int64_t pt = clamp_physical(physical_ms);
  HlcReceive r;
  r.bounded = received;
  r.ahead_ms = std::max<std::int64_t>(0, received.wall_ms - pt);
  if (r.ahead_ms > options_.max_drift_ms) {
    r.within_drift = false;
    r.bounded = HlcTime{std::min(pt + options_.max_drift_ms, kHlcMaxWallMs), 0, received.node};
    const std::string ahead = std::to_string(r.ahead_ms / 1000) + " s";
    const std::string bound = std::to_string(options_.max_drift_ms / 1000) + " s";
    if (options_.too_far_ahead == HlcAheadPolicy::Refuse) {
      r.reason = "the time from " + received.node + " is " + ahead + " ahead of this clock, more than the " + bound +
                 " allowed; it was not merged";
      r.time = now_at(pt);
      return r;
    }
    r.reason = "the time from " + received.node + " is " + ahead + " ahead of this clock, more than the " + bound +
               " allowed; it was merged as " + format_hlc(r.bounded);
  }
  // Kulkarni et al., receive event: l = max(l, l_m, pt); the counter follows whichever gave l.
  const HlcTime& m = r.bounded;
  const std::int64_t l = std::max({last_.wall_ms, m.wall_ms, pt});
  std::uint64_t c = 0;
  if (l == last_.wall_ms && l == m.wall_ms) {
    c = std::uint64_t{std::max(last_.logical, m.logical)} + 1;
  } else if (l == last_.wall_ms) {
    c = std::uint64_t{last_.logical} + 1;
  } else if (l == m.wall_ms) {
    c = std::uint64_t{m.logical} + 1;
  }
  r.time = advance(l, c);
  return r;
}

void Hlc::restore(const HlcTime& t) {
  if (t.wall_ms < 0 || t.wall_ms > kHlcMaxWallMs || t.logical > kHlcMaxLogical) {
    throw std::invalid_argument("hybrid logical clock: cannot restore from an invalid timestamp " + format_hlc(t));
  }
  if (std::pair(t.wall_ms, t.logical) > std::pair(last_.wall_ms, last_.logical)) {
    last_.wall_ms = t.wall_ms;
    last_.logical = t.logical;
  }
}

}  // namespace guichet::domain
