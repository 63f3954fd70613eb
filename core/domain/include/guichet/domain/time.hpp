// Time as values. Domain code never reads a clock: callers pass `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace guichet::domain {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

inline Instant from_unix_ms(std::int64_t ms) { return Instant{Millis{ms}}; }
inline std::int64_t to_unix_ms(Instant t) { return t.time_since_epoch().count(); }

// A local calendar position in the centre's time zone (fixed UTC offset).
struct LocalTime {
  int year = 0, month = 0, day = 0;  // civil date
  int weekday = 0;                   // 0 = Monday … 6 = Sunday
  int minute_of_day = 0;             // 0 … 1439
};

LocalTime to_local(Instant t, int utc_offset_minutes);
// "2026-11-23" — the business day that contains `t` in the centre's zone.
std::string business_day(Instant t, int utc_offset_minutes);
// "20261123" compact form used inside token ids.
std::string compact_day(const std::string& business_day);
// ISO 8601 with offset, e.g. "2026-11-23T09:05:00+05:30".
std::string format_iso_local(Instant t, int utc_offset_minutes);
// Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]"; returns false on malformed input.
bool parse_iso(const std::string& text, Instant& out);

// A civil date with no time zone: a holiday, a date of birth, the day an application is due.
using Date = std::chrono::year_month_day;

// Parses exactly "YYYY-MM-DD" (a real date: 2026-02-30 is refused); false on anything else.
bool parse_date(std::string_view text, Date& out);
// "2026-01-26".
std::string format_date(Date d);
// 0 = Monday … 6 = Sunday, as in LocalTime.
int weekday_of(Date d);
// The date `n` calendar days after `d` (before it when n < 0).
Date add_days(Date d, int n);

}  // namespace guichet::domain
