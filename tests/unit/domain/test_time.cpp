#include <gtest/gtest.h>

#include "guichet/domain/time.hpp"

namespace guichet::domain {
namespace {

constexpr int kIndia = 330;  // +05:30

Instant utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0, int ms = 0) {
  const auto day = std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d}};
  return Instant{std::chrono::duration_cast<Millis>(day.time_since_epoch())} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{s} + Millis{ms};
}

TEST(Time, ToLocalAppliesOffsetAndWeekday) {
  // 2026-11-23 04:35 UTC is 10:05 on Monday in Ludhiana.
  const LocalTime lt = to_local(utc(2026, 11, 23, 4, 35), kIndia);
  EXPECT_EQ(lt.year, 2026);
  EXPECT_EQ(lt.month, 11);
  EXPECT_EQ(lt.day, 23);
  EXPECT_EQ(lt.weekday, 0);
  EXPECT_EQ(lt.minute_of_day, 10 * 60 + 5);
}

TEST(Time, WeekdaysRunMondayToSunday) {
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(to_local(utc(2024, 1, 1 + static_cast<unsigned>(i), 12, 0), 0).weekday, i) << "day " << i;
  }
}

TEST(Time, BusinessDayChangesAtLocalMidnight) {
  EXPECT_EQ(business_day(utc(2026, 11, 22, 18, 29, 59, 999), kIndia), "2026-11-22");
  EXPECT_EQ(business_day(utc(2026, 11, 22, 18, 30), kIndia), "2026-11-23");
  const LocalTime before = to_local(utc(2026, 11, 22, 18, 29, 59), kIndia);
  EXPECT_EQ(before.minute_of_day, 23 * 60 + 59);
  EXPECT_EQ(before.weekday, 6);
}

TEST(Time, NegativeOffsetGoesBackADay) {
  const LocalTime lt = to_local(utc(2026, 1, 1, 2, 0), -5 * 60);
  EXPECT_EQ(lt.year, 2025);
  EXPECT_EQ(lt.month, 12);
  EXPECT_EQ(lt.day, 31);
  EXPECT_EQ(lt.minute_of_day, 21 * 60);
  EXPECT_EQ(business_day(utc(2026, 1, 1, 2, 0), -5 * 60), "2025-12-31");
}

TEST(Time, LeapDay) {
  EXPECT_EQ(business_day(utc(2024, 2, 29, 12, 0), 0), "2024-02-29");
  EXPECT_EQ(to_local(utc(2024, 2, 29, 12, 0), 0).weekday, 3);
}

TEST(Time, CompactDay) {
  EXPECT_EQ(compact_day("2026-11-23"), "20261123");
  EXPECT_EQ(compact_day("2026-01-05"), "20260105");
}

TEST(Time, FormatIsoLocal) {
  EXPECT_EQ(format_iso_local(utc(2026, 11, 23, 3, 35), kIndia), "2026-11-23T09:05:00+05:30");
  EXPECT_EQ(format_iso_local(utc(2026, 11, 23, 3, 35, 7, 250), kIndia), "2026-11-23T09:05:07.250+05:30");
  EXPECT_EQ(format_iso_local(utc(2026, 11, 23, 3, 35), 0), "2026-11-23T03:35:00+00:00");
  EXPECT_EQ(format_iso_local(utc(2026, 1, 1, 2, 0), -(3 * 60 + 30)), "2025-12-31T22:30:00-03:30");
}

TEST(Time, ParseIsoForms) {
  Instant t;
  ASSERT_TRUE(parse_iso("2026-11-23T09:05:00+05:30", t));
  EXPECT_EQ(t, utc(2026, 11, 23, 3, 35));
  ASSERT_TRUE(parse_iso("2026-11-23T03:35:00Z", t));
  EXPECT_EQ(t, utc(2026, 11, 23, 3, 35));
  ASSERT_TRUE(parse_iso("2026-11-23T03:35", t));  // no zone: UTC
  EXPECT_EQ(t, utc(2026, 11, 23, 3, 35));
  ASSERT_TRUE(parse_iso("2026-11-23T09:05+05:30", t));
  EXPECT_EQ(t, utc(2026, 11, 23, 3, 35));
  ASSERT_TRUE(parse_iso("2026-11-23T03:35:07.25Z", t));
  EXPECT_EQ(t, utc(2026, 11, 23, 3, 35, 7, 250));
  ASSERT_TRUE(parse_iso("2026-11-23T03:35:07.123456Z", t));
  EXPECT_EQ(t, utc(2026, 11, 23, 3, 35, 7, 123));
  ASSERT_TRUE(parse_iso("2025-12-31T22:30:00-03:30", t));
  EXPECT_EQ(t, utc(2026, 1, 1, 2, 0));
}

TEST(Time, FormatThenParseRoundTrips) {
  for (int offset : {kIndia, 0, -210, 60, 14 * 60}) {
    for (Instant t : {utc(2026, 11, 23, 3, 35), utc(2024, 2, 29, 23, 59, 59, 999), utc(1999, 12, 31, 0, 0, 0, 1)}) {
      Instant back;
      ASSERT_TRUE(parse_iso(format_iso_local(t, offset), back)) << format_iso_local(t, offset);
      EXPECT_EQ(back, t) << format_iso_local(t, offset);
    }
  }
}

TEST(Time, ParseIsoRejectsMalformed) {
  Instant t = utc(2000, 1, 1, 0, 0);
  const Instant untouched = t;
  for (const char* bad : {"", "2026-11-23", "2026-13-01T00:00Z", "2026-02-30T00:00Z", "2026-11-23T24:00Z",
                          "2026-11-23T10:60Z", "2026-11-23X10:00Z", "2026-11-23T10:00:00+0530",
                          "2026-11-23T10:00:00+05", "2026-11-23T10:00:00Zjunk", "2026-11-23T10:00:00.",
                          "26-11-23T10:00:00Z", "2026-1-23T10:00Z", "2026-11-23T10:00:00+25:00", "abcd-11-23T10:00Z"}) {
    EXPECT_FALSE(parse_iso(bad, t)) << bad;
    EXPECT_EQ(t, untouched) << bad;
  }
}

TEST(Time, UnixMillisConversions) {
  EXPECT_EQ(to_unix_ms(from_unix_ms(1'795'000'000'123)), 1'795'000'000'123);
  EXPECT_EQ(to_unix_ms(utc(1970, 1, 1, 0, 0, 1)), 1000);
}

TEST(Date, ParseAndFormat) {
  Date d;
  ASSERT_TRUE(parse_date("2026-01-26", d));
  EXPECT_EQ(d, Date{std::chrono::year{2026} / 1 / 26});
  EXPECT_EQ(format_date(d), "2026-01-26");
  ASSERT_TRUE(parse_date("2028-02-29", d));  // leap year
  EXPECT_EQ(format_date(d), "2028-02-29");
}

TEST(Date, ParseRejects) {
  Date d{std::chrono::year{2000} / 1 / 1};
  for (const char* bad : {"", "2026-1-26", "26-01-2026", "2026/01/26", "2026-02-29", "2026-02-30", "2026-13-01",
                          "2026-00-10", "2026-01-00", "2026-01-32", "2026-01-26 ", "2026-01-26T00:00", "abcd-01-01"}) {
    EXPECT_FALSE(parse_date(bad, d)) << bad;
  }
  EXPECT_EQ(format_date(d), "2000-01-01");
}

TEST(Date, WeekdayAndAddDays) {
  Date d;
  ASSERT_TRUE(parse_date("2026-01-26", d));
  EXPECT_EQ(weekday_of(d), 0);  // Republic Day 2026 is a Monday
  ASSERT_TRUE(parse_date("2026-11-29", d));
  EXPECT_EQ(weekday_of(d), 6);
  EXPECT_EQ(format_date(add_days(d, 1)), "2026-11-30");
  ASSERT_TRUE(parse_date("2026-12-30", d));
  EXPECT_EQ(format_date(add_days(d, 3)), "2027-01-02");
  EXPECT_EQ(format_date(add_days(d, -365)), "2025-12-30");
}

}  // namespace
}  // namespace guichet::domain
