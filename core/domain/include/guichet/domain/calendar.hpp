// Working days and due dates under the right-to-service law. Pure: callers pass the dates.
//
// The counting rule. An application filed on day F with a limit of N working days is due on the
// day D on which the N-th working day after F falls:
//   - the filing day itself never counts, even when it is a working day (an application made at
//     16:55 on a Monday gets no credit for that Monday); counting starts the next calendar day;
//   - a working day is a working weekday of the calendar (Monday to Saturday in the demo) that is
//     not a holiday; every other day is skipped without being counted;
//   - N is the service's time_limit_days, plus the calendar's extra_days_at_centre when the
//     application was made at a centre. A limit of 0 means "at the counter, the same day": the due
//     date is the filing day and no extra days are added (there is nothing to forward);
//   - filing on a holiday or a Sunday changes nothing: counting still starts the next day, so it is
//     the same as filing on the last working day before it.
// Example: filed Saturday 2026-01-24 (demo calendar, closed Sunday, Republic Day Monday 26 Jan),
// limit 1: Sunday and Monday are skipped, the due date is Tuesday 2026-01-27.
#pragma once

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/time.hpp"

namespace guichet::domain {

enum class Filed {
  AtCentre,   // at a service centre's counter: the law adds extra_days_at_centre
  Elsewhere,  // online or directly at the department
};

// The holiday on `day`, or nullptr.
const Holiday* holiday_on(const WorkingCalendar& calendar, Date day);
// A working weekday that is not a holiday.
bool is_working_day(const WorkingCalendar& calendar, Date day);
// The number of working days the law allows (see the rule above).
int allowed_working_days(const WorkingCalendar& calendar, int time_limit_days, Filed filed);
// The last day on which the application is on time (see the rule above).
// A calendar with no working weekday (the loader refuses one) counts every day.
Date due_date(const WorkingCalendar& calendar, Date filed_on, int time_limit_days, Filed filed);
// Working days after `from`, up to and including `to`; 0 when `to` is not after `from`.
// working_days_after(c, filed_on, due_date(c, filed_on, n, …)) is the number of days allowed.
int working_days_after(const WorkingCalendar& calendar, Date from, Date to);

}  // namespace guichet::domain
