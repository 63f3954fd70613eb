// The service catalogue of one centre: departments, services, counters, priority categories and
// the queue policy. Plain data; loaded from TOML by guichet_config (core/config), which validates
// it and reports file:line for every problem.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace guichet::domain {

// Text in several languages, keyed by language code ("en", "pa", "hi", "ur", "fr").
// English is the source language and is always present.
struct LocalizedText {
  std::map<std::string, std::string> by_lang;
  // The text in `lang`, falling back to English.
  const std::string& get(const std::string& lang = "en") const;
};

struct TimeRange {
  int from_minute = 0;  // minutes since local midnight, inclusive
  int to_minute = 0;    // exclusive
};

// "09:30" for a minute of the day (1440 gives "24:00").
std::string format_minute_of_day(int minute);
// "09:00-13:30", the form used in catalogue files and on the wire.
std::string format_time_range(const TimeRange& range);
// Parses "HH:MM-HH:MM" (an end of "24:00" is allowed); the range must not be empty.
bool parse_time_range(const std::string& text, TimeRange& out);
// "mon" … "sun" and "Monday" … "Sunday" for 0 … 6.
const char* weekday_code(int weekday);
const char* weekday_name(int weekday);

// Opening hours per weekday (0 = Monday … 6 = Sunday). An empty day is closed.
struct OpeningHours {
  std::array<std::vector<TimeRange>, 7> by_weekday;
  bool open_at(int weekday, int minute_of_day) const;
};

struct Department {
  std::string id;
  LocalizedText name;
};

struct PriorityCategory {
  std::string id;  // "elderly", "disabled", "pregnant", …
  LocalizedText name;
};

struct Counter {
  std::string id;        // "C1"
  LocalizedText name;    // "Counter 1"
  std::string location;  // "Ground floor, left"
  int number = 0;        // spoken/displayed number: "counter 5"
};

struct Service {
  std::string id;  // "birth-certificate"
  std::string department;
  LocalizedText name;
  std::string prefix;                 // token prefix, 1–2 upper-case letters, unique in the centre
  std::vector<std::string> counters;  // counters that serve it
  OpeningHours hours;
  int daily_cap = 0;                             // tokens per business day; 0 = no cap
  std::vector<std::string> priority_categories;  // categories that get priority for this service
  int time_limit_days = 0;                       // working days under the right-to-service law
  std::int64_t fee_minor = 0;                    // fee in minor currency units (paise, cents)
  int typical_service_minutes = 5;               // prior for the wait estimate before real data exists
};

enum class CarryOver {
  None,     // unserved tokens expire at day close
  NextDay,  // unserved tokens stay in the queue for the next business day, ahead of new ones
};

struct QueuePolicy {
  int normal_per_priority = 2;  // ratio: after this many normal calls, one priority call is due
  int max_wait_minutes = 45;    // a token waiting longer is called first (wait cap)
  int recall_limit = 2;         // recalls allowed before the operator must mark a no-show
  CarryOver carry_over = CarryOver::NextDay;
};

struct Centre {
  std::string id;  // "LDH01" — appears in token ids; upper-case letters and digits
  LocalizedText name;
  std::string address;
  int utc_offset_minutes = 0;
  std::string currency = "INR";
  std::vector<std::string> languages;  // offered at the kiosk, first is default
};

struct Catalogue {
  int version = 1;
  Centre centre;
  QueuePolicy policy;
  std::vector<Department> departments;
  std::vector<PriorityCategory> priority_categories;
  std::vector<Counter> counters;
  std::vector<Service> services;

  const Service* service(const std::string& id) const;
  const Counter* counter(const std::string& id) const;
  const Department* department(const std::string& id) const;
  const PriorityCategory* priority_category(const std::string& id) const;
  // Services a counter serves, in catalogue order.
  std::vector<const Service*> services_of_counter(const std::string& counter_id) const;
};

}  // namespace guichet::domain
