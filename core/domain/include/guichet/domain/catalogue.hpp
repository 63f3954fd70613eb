// The service catalogue of one centre: departments, services with their application forms and
// required documents, counters, priority categories, the queue policy and the working calendar.
// Plain data; loaded from TOML by guichet_config (core/config), which validates
// it and reports file:line for every problem.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guichet/domain/pattern.hpp"
#include "guichet/domain/time.hpp"

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

// ---- applications --------------------------------------------------------------------------------

enum class FieldType {
  Text,     // free text on one line
  Number,   // digits, optionally a sign and up to `decimals` decimal places
  Date,     // a calendar date, stored as "YYYY-MM-DD"
  Phone,    // a telephone number, stored as digits with an optional leading '+'
  Email,    // an e-mail address
  Choice,   // one of `choices`, stored as the choice's id
  YesNo,    // "yes" or "no"
  Aadhaar,  // a 12-digit Aadhaar number with its Verhoeff check digit, stored as 12 digits
};

// "text", "number", "date", "phone", "email", "choice", "yes_no", "aadhaar": the catalogue's names.
const char* field_type_code(FieldType type);
bool parse_field_type(const std::string& code, FieldType& out);

struct FieldChoice {
  std::string id;  // what is stored: "hospital"
  LocalizedText label;
};

// One field of a service's application form.
struct FormField {
  std::string id;  // "child-name"; unique in the form
  LocalizedText label;
  FieldType type = FieldType::Text;
  bool required = false;
  LocalizedText help;             // optional hint shown under the field; empty when none
  std::string example;            // optional example value, shown as a placeholder and in messages
  Pattern pattern;                // text and phone: the whole normalised value must match
  std::optional<int> min_length;  // text and email: in characters (not bytes)
  std::optional<int> max_length;
  std::optional<double> min;  // number
  std::optional<double> max;
  int decimals = 0;                  // number: decimal places allowed
  bool not_in_future = false;        // date: may not be after the day the form is checked
  std::vector<FieldChoice> choices;  // choice
};

// A document the citizen brings with the application (scanned at the counter).
struct RequiredDocument {
  std::string id;  // "address-proof"
  LocalizedText name;
  bool required = true;  // false: optional, helps the officer but its absence is no reason to refuse
  LocalizedText help;    // optional: "Self-attested copy", "Any one of: …"
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
  std::vector<FormField> form;                   // the application form, in display order
  std::vector<RequiredDocument> documents;       // documents to bring, in display order

  const FormField* field(const std::string& field_id) const;
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

struct Holiday {
  Date date;
  LocalizedText name;
};

// Which days count as working days for the time limits of the right-to-service law.
// Functions over it (due dates) are in calendar.hpp.
struct WorkingCalendar {
  std::array<bool, 7> working_weekdays{true, true, true, true, true, true, false};  // Monday … Sunday
  std::vector<Holiday> holidays;                                                    // in file order; dates are unique
  int extra_days_at_centre = 0;  // extra working days the law gives applications made at a centre
};

struct Catalogue {
  int version = 1;
  Centre centre;
  QueuePolicy policy;
  std::vector<Department> departments;
  std::vector<PriorityCategory> priority_categories;
  std::vector<Counter> counters;
  std::vector<Service> services;
  WorkingCalendar calendar;

  const Service* service(const std::string& id) const;
  const Counter* counter(const std::string& id) const;
  const Department* department(const std::string& id) const;
  const PriorityCategory* priority_category(const std::string& id) const;
  // Services a counter serves, in catalogue order.
  std::vector<const Service*> services_of_counter(const std::string& counter_id) const;
};

}  // namespace guichet::domain
