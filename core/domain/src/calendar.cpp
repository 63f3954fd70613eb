#include "guichet/domain/calendar.hpp"

#include <algorithm>

namespace guichet::domain {

namespace {

bool no_working_weekday(const WorkingCalendar& calendar) {
  return std::none_of(calendar.working_weekdays.begin(), calendar.working_weekdays.end(), [](bool w) { return w; });
}

}  // namespace

const Holiday* holiday_on(const WorkingCalendar& calendar, Date day) {
  for (const Holiday& h : calendar.holidays) {
    if (h.date == day) return &h;
  }
  return nullptr;
}

bool is_working_day(const WorkingCalendar& calendar, Date day) {
  const bool weekday =
      no_working_weekday(calendar) || calendar.working_weekdays[static_cast<std::size_t>(weekday_of(day))];
  return weekday && holiday_on(calendar, day) == nullptr;
}

int allowed_working_days(const WorkingCalendar& calendar, int time_limit_days, Filed filed) {
  if (time_limit_days <= 0) return 0;
  return time_limit_days + (filed == Filed::AtCentre ? calendar.extra_days_at_centre : 0);
}

Date due_date(const WorkingCalendar& calendar, Date filed_on, int time_limit_days, Filed filed) {
  int left = allowed_working_days(calendar, time_limit_days, filed);
  Date day = filed_on;
  // Holidays are finite, so with one working weekday this ends; every day counts when none is.
  while (left > 0) {
    day = add_days(day, 1);
    if (is_working_day(calendar, day)) --left;
  }
  return day;
}

int working_days_after(const WorkingCalendar& calendar, Date from, Date to) {
  int n = 0;
  for (Date day = add_days(from, 1); std::chrono::sys_days{day} <= std::chrono::sys_days{to}; day = add_days(day, 1)) {
    if (is_working_day(calendar, day)) ++n;
  }
  return n;
}

}  // namespace guichet::domain
