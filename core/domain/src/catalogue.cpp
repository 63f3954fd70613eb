#include "guichet/domain/catalogue.hpp"

#include <algorithm>
#include <cstdio>

namespace guichet::domain {

const std::string& LocalizedText::get(const std::string& lang) const {
  if (auto it = by_lang.find(lang); it != by_lang.end()) return it->second;
  if (auto it = by_lang.find("en"); it != by_lang.end()) return it->second;
  if (!by_lang.empty()) return by_lang.begin()->second;
  static const std::string empty;
  return empty;
}

bool OpeningHours::open_at(int weekday, int minute_of_day) const {
  if (weekday < 0 || weekday > 6) return false;
  const auto& ranges = by_weekday[static_cast<std::size_t>(weekday)];
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const TimeRange& r) { return minute_of_day >= r.from_minute && minute_of_day < r.to_minute; });
}

std::string format_minute_of_day(int minute) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60 % 100, minute % 60);
  return buf;
}

std::string format_time_range(const TimeRange& range) {
  return format_minute_of_day(range.from_minute) + "-" + format_minute_of_day(range.to_minute);
}

namespace {

bool parse_hhmm(const std::string& s, std::size_t pos, int& minute) {
  if (pos + 5 > s.size() || s[pos + 2] != ':') return false;
  for (std::size_t i : {pos, pos + 1, pos + 3, pos + 4}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int h = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  const int m = (s[pos + 3] - '0') * 10 + (s[pos + 4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return false;
  minute = h * 60 + m;
  return true;
}

}  // namespace

bool parse_time_range(const std::string& text, TimeRange& out) {
  if (text.size() != 11 || text[5] != '-') return false;
  TimeRange r;
  if (!parse_hhmm(text, 0, r.from_minute) || !parse_hhmm(text, 6, r.to_minute)) return false;
  if (r.from_minute >= 1440 || r.from_minute >= r.to_minute) return false;
  out = r;
  return true;
}

const char* weekday_code(int weekday) {
  static const char* const codes[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  return weekday >= 0 && weekday < 7 ? codes[weekday] : "";
}

const char* weekday_name(int weekday) {
  static const char* const names[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  return weekday >= 0 && weekday < 7 ? names[weekday] : "";
}

const char* field_type_code(FieldType type) {
  switch (type) {
    case FieldType::Text:
      return "text";
    case FieldType::Number:
      return "number";
    case FieldType::Date:
      return "date";
    case FieldType::Phone:
      return "phone";
    case FieldType::Email:
      return "email";
    case FieldType::Choice:
      return "choice";
    case FieldType::YesNo:
      return "yes_no";
    case FieldType::Aadhaar:
      return "aadhaar";
  }
  return "";
}

bool parse_field_type(const std::string& code, FieldType& out) {
  for (FieldType t : {FieldType::Text, FieldType::Number, FieldType::Date, FieldType::Phone, FieldType::Email,
                      FieldType::Choice, FieldType::YesNo, FieldType::Aadhaar}) {
    if (code == field_type_code(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

namespace {

template <class T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
  for (const auto& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

}  // namespace

const FormField* Service::field(const std::string& field_id) const { return find_by_id(form, field_id); }

const Service* Catalogue::service(const std::string& id) const { return find_by_id(services, id); }
const Counter* Catalogue::counter(const std::string& id) const { return find_by_id(counters, id); }
const Department* Catalogue::department(const std::string& id) const { return find_by_id(departments, id); }
const PriorityCategory* Catalogue::priority_category(const std::string& id) const {
  return find_by_id(priority_categories, id);
}

std::vector<const Service*> Catalogue::services_of_counter(const std::string& counter_id) const {
  std::vector<const Service*> out;
  for (const auto& s : services) {
    if (std::find(s.counters.begin(), s.counters.end(), counter_id) != s.counters.end()) out.push_back(&s);
  }
  return out;
}

}  // namespace guichet::domain
