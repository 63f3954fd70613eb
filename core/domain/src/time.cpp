#include "guichet/domain/time.hpp"

#include <cstdio>

namespace guichet::domain {

namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::minutes;

bool digits(const std::string& s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

LocalTime to_local(Instant t, int utc_offset_minutes) {
  const auto local = t + minutes{utc_offset_minutes};
  const auto day = floor<days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  LocalTime out;
  out.year = static_cast<int>(ymd.year());
  out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  out.weekday = static_cast<int>(wd.iso_encoding()) - 1;
  out.minute_of_day = static_cast<int>(floor<minutes>(local - day).count());
  return out;
}

std::string business_day(Instant t, int utc_offset_minutes) {
  const LocalTime lt = to_local(t, utc_offset_minutes);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", lt.year, lt.month, lt.day);
  return buf;
}

std::string compact_day(const std::string& business_day) {
  std::string out;
  out.reserve(8);
  for (char c : business_day) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

std::string format_iso_local(Instant t, int utc_offset_minutes) {
  const auto local = t + minutes{utc_offset_minutes};
  const auto day = floor<days>(local);
  const std::chrono::year_month_day ymd{day};
  const auto ms_of_day = (local - day).count();
  const int hh = static_cast<int>(ms_of_day / 3'600'000);
  const int mm = static_cast<int>(ms_of_day / 60'000 % 60);
  const int ss = static_cast<int>(ms_of_day / 1000 % 60);
  const int ms = static_cast<int>(ms_of_day % 1000);
  const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  char buf[48];
  // Milliseconds only when present, so whole-second times read the way people expect while
  // stored instants still round-trip exactly.
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03d%c%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hh, mm, ss, ms,
                  utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hh, mm, ss,
                  utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  }
  return buf;
}

bool parse_iso(const std::string& text, Instant& out) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!digits(text, 0, 4, y) || text.size() < 16 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, h) ||
      text[13] != ':' || !digits(text, 14, 2, mi)) {
    return false;
  }
  std::size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(text, pos + 1, 2, s)) return false;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      // Fractions finer than milliseconds are accepted and truncated.
      std::size_t n = 0;
      ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (n < 3) ms = ms * 10 + (text[pos] - '0');
        ++n;
        ++pos;
      }
      if (n == 0) return false;
      for (std::size_t i = n; i < 3; ++i) ms *= 10;
    }
  }
  int offset = 0;
  if (pos < text.size()) {
    const char c = text[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      int oh = 0, om = 0;
      if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
          !digits(text, pos + 4, 2, om)) {
        return false;
      }
      if (oh > 23 || om > 59) return false;
      offset = (oh * 60 + om) * (c == '-' ? -1 : 1);
      pos += 6;
    } else {
      return false;
    }
  }
  if (pos != text.size()) return false;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60) return false;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  const auto day = std::chrono::sys_days{ymd};
  out = Instant{std::chrono::duration_cast<Millis>(day.time_since_epoch())} + std::chrono::hours{h} + minutes{mi} +
        std::chrono::seconds{s} + Millis{ms} - minutes{offset};
  return true;
}

bool parse_date(std::string_view text, Date& out) {
  const std::string s(text);
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return false;
  }
  const Date date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return false;
  out = date;
  return true;
}

std::string format_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

int weekday_of(Date d) { return static_cast<int>(std::chrono::weekday{std::chrono::sys_days{d}}.iso_encoding()) - 1; }

Date add_days(Date d, int n) { return Date{std::chrono::sys_days{d} + days{n}}; }

}  // namespace guichet::domain
