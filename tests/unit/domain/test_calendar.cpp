#include <gtest/gtest.h>

#include "guichet/domain/calendar.hpp"

namespace guichet::domain {
namespace {

Date day(const char* text) {
  Date d;
  EXPECT_TRUE(parse_date(text, d)) << text;
  return d;
}

// Monday to Saturday, with some of the demo centre's 2026 holidays.
WorkingCalendar punjab_2026() {
  WorkingCalendar c;
  c.extra_days_at_centre = 2;
  for (const char* h : {"2026-01-26", "2026-03-04", "2026-04-14", "2026-08-15", "2026-10-02", "2026-11-08",
                        "2026-11-09", "2026-11-24", "2026-12-25"}) {
    Holiday holiday;
    holiday.date = day(h);
    holiday.name.by_lang["en"] = std::string("Holiday of ") + h;
    c.holidays.push_back(holiday);
  }
  return c;
}

std::string due(const WorkingCalendar& c, const char* filed, int limit, Filed where = Filed::Elsewhere) {
  return format_date(due_date(c, day(filed), limit, where));
}

TEST(Calendar, WorkingDays) {
  const WorkingCalendar c = punjab_2026();
  EXPECT_TRUE(is_working_day(c, day("2026-01-24")));   // Saturday
  EXPECT_FALSE(is_working_day(c, day("2026-01-25")));  // Sunday
  EXPECT_FALSE(is_working_day(c, day("2026-01-26")));  // Republic Day, a Monday
  EXPECT_TRUE(is_working_day(c, day("2026-01-27")));
  ASSERT_NE(holiday_on(c, day("2026-01-26")), nullptr);
  EXPECT_EQ(holiday_on(c, day("2026-01-26"))->name.get(), "Holiday of 2026-01-26");
  EXPECT_EQ(holiday_on(c, day("2026-01-27")), nullptr);
}

TEST(Calendar, FilingDayDoesNotCount) {
  const WorkingCalendar c = punjab_2026();
  // Filed on Tuesday 2026-02-03: Wednesday is the first working day.
  EXPECT_EQ(due(c, "2026-02-03", 1), "2026-02-04");
  EXPECT_EQ(due(c, "2026-02-03", 4), "2026-02-07");  // Wed, Thu, Fri, Sat
  EXPECT_EQ(due(c, "2026-02-03", 5), "2026-02-09");  // Sunday skipped
}

TEST(Calendar, ZeroLimitIsTheSameDayWithoutExtraDays) {
  const WorkingCalendar c = punjab_2026();
  EXPECT_EQ(due(c, "2026-02-03", 0), "2026-02-03");
  EXPECT_EQ(due(c, "2026-02-03", 0, Filed::AtCentre), "2026-02-03");
  EXPECT_EQ(allowed_working_days(c, 0, Filed::AtCentre), 0);
}

TEST(Calendar, CentreGetsExtraDays) {
  const WorkingCalendar c = punjab_2026();
  EXPECT_EQ(allowed_working_days(c, 5, Filed::AtCentre), 7);
  EXPECT_EQ(allowed_working_days(c, 5, Filed::Elsewhere), 5);
  // Tuesday 2026-02-03 + 7 working days: Wed 4 … Sat 7 (4), Mon 9, Tue 10, Wed 11.
  EXPECT_EQ(due(c, "2026-02-03", 5, Filed::AtCentre), "2026-02-11");
}

TEST(Calendar, FilingOnSundayOrHolidayCountsFromTheNextDay) {
  const WorkingCalendar c = punjab_2026();
  // Sunday 2026-02-08: Monday is the first working day, exactly as when filed on Saturday.
  EXPECT_EQ(due(c, "2026-02-08", 1), "2026-02-09");
  EXPECT_EQ(due(c, "2026-02-07", 1), "2026-02-09");
  // On Independence Day (Saturday 15 Aug), then Sunday: Monday 17 Aug is day 1.
  EXPECT_EQ(due(c, "2026-08-15", 1), "2026-08-17");
  // Saturday 24 Jan, Sunday, Republic Day on Monday: due on Tuesday.
  EXPECT_EQ(due(c, "2026-01-24", 1), "2026-01-27");
}

TEST(Calendar, RunOfHolidaysIsSkipped) {
  const WorkingCalendar c = punjab_2026();
  // Diwali falls on Sunday 8 Nov 2026 and Vishwakarma Day on Monday 9 Nov: from Saturday 7 Nov,
  // three days in a row do not count.
  EXPECT_EQ(due(c, "2026-11-07", 1), "2026-11-10");
  EXPECT_EQ(working_days_after(c, day("2026-11-06"), day("2026-11-10")), 2);  // Saturday 7 and Tuesday 10
}

TEST(Calendar, YearEnd) {
  const WorkingCalendar c = punjab_2026();
  // Thursday 24 Dec; Christmas (Friday) skipped; Sat 26, Mon 28 … Thu 31.
  EXPECT_EQ(due(c, "2026-12-24", 5), "2026-12-31");
  EXPECT_EQ(due(c, "2026-12-24", 5, Filed::AtCentre), "2027-01-02");
  EXPECT_EQ(due(c, "2026-12-31", 1), "2027-01-01");
}

TEST(Calendar, LongLimitsCrossMonths) {
  const WorkingCalendar c = punjab_2026();
  // Filed Saturday 10 Oct: four weeks of six working days to Saturday 7 Nov (24); Diwali Sunday and
  // Vishwakarma Day Monday skipped; Tuesday 10 to Saturday 14 Nov (29); Monday 16 Nov (30).
  EXPECT_EQ(due(c, "2026-10-10", 30), "2026-11-16");
}

TEST(Calendar, DueDateAndWorkingDaysAgree) {
  const WorkingCalendar c = punjab_2026();
  for (Date filed = day("2026-01-01"); filed != day("2027-01-01"); filed = add_days(filed, 1)) {
    for (int limit : {1, 2, 5, 7, 10, 21, 30}) {
      for (Filed where : {Filed::AtCentre, Filed::Elsewhere}) {
        const Date due_on = due_date(c, filed, limit, where);
        ASSERT_TRUE(is_working_day(c, due_on)) << format_date(filed) << " " << limit;
        ASSERT_EQ(working_days_after(c, filed, due_on), allowed_working_days(c, limit, where))
            << format_date(filed) << " " << limit;
        ASSERT_EQ(working_days_after(c, filed, add_days(due_on, -1)), allowed_working_days(c, limit, where) - 1);
      }
    }
  }
}

TEST(Calendar, WorkingDaysAfterIsZeroBackwards) {
  const WorkingCalendar c = punjab_2026();
  EXPECT_EQ(working_days_after(c, day("2026-02-10"), day("2026-02-10")), 0);
  EXPECT_EQ(working_days_after(c, day("2026-02-10"), day("2026-02-01")), 0);
}

TEST(Calendar, OtherWorkingWeeks) {
  WorkingCalendar c;
  c.working_weekdays = {true, true, true, true, true, false, false};  // Monday to Friday
  EXPECT_EQ(due(c, "2026-02-06", 1), "2026-02-09");                   // Friday → Monday
  c.working_weekdays = {false, false, false, false, false, false, false};
  EXPECT_EQ(due(c, "2026-02-06", 2), "2026-02-08");  // none given: every day counts
}

}  // namespace
}  // namespace guichet::domain
