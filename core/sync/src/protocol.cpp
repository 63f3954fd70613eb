#include "guichet/sync/protocol.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "guichet/domain/form.hpp"
#include "guichet/domain/pattern.hpp"

namespace guichet::sync {

namespace d = guichet::domain;

namespace {

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

// Reads the fields of one JSON object; every complaint names the field by its full path
// ("event.token.issued_at"), so a client can tell exactly what it sent wrong.
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_, std::string("expected an object, got ") + type_name(j_));
  }

  [[noreturn]] static void fail(const std::string& path, const std::string& what) {
    throw ProtocolError(path + ": " + what);
  }

  std::string field(const char* key) const { return path_ + "." + key; }

  const json* get(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  const json& need(const char* key) const {
    const json* v = get(key);
    if (!v) fail(field(key), "missing");
    return *v;
  }

  std::string str(const char* key, bool required = true, bool non_empty = false) const {
    const json* v = required ? &need(key) : get(key);
    if (!v) return {};
    if (!v->is_string()) fail(field(key), std::string("expected a string, got ") + type_name(*v));
    std::string s = v->get<std::string>();
    if (non_empty && s.empty()) fail(field(key), "must not be empty");
    return s;
  }

  std::int64_t integer(const char* key, bool required, std::int64_t min, std::int64_t max,
                       std::int64_t fallback = 0) const {
    const json* v = required ? &need(key) : get(key);
    if (!v) return fallback;
    if (!v->is_number_integer()) fail(field(key), std::string("expected an integer, got ") + type_name(*v));
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      fail(field(key), "out of range");
    }
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) {
      fail(field(key),
           "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + std::to_string(n));
    }
    return n;
  }

  std::optional<double> number(const char* key) const {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(field(key), std::string("expected a number, got ") + type_name(*v));
    return v->get<double>();
  }

  std::optional<int> optional_int32(const char* key, int min, int max) const {
    if (!get(key)) return std::nullopt;
    return int32(key, true, min, max);
  }

  int int32(const char* key, bool required, int min = 0, int max = std::numeric_limits<int>::max(),
            int fallback = 0) const {
    return static_cast<int>(integer(key, required, min, max, fallback));
  }

  bool boolean(const char* key, bool required, bool fallback = false) const {
    const json* v = required ? &need(key) : get(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(field(key), std::string("expected a boolean, got ") + type_name(*v));
    return v->get<bool>();
  }

  std::optional<d::Instant> time(const char* key, bool required) const {
    const json* v = required ? &need(key) : get(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(field(key), std::string("expected an ISO 8601 time string, got ") + type_name(*v));
    d::Instant t;
    if (!d::parse_iso(v->get<std::string>(), t)) {
      fail(field(key),
           "expected an ISO 8601 time like 2026-11-23T09:05:00+05:30, got \"" + v->get<std::string>() + "\"");
    }
    return t;
  }

  std::vector<std::string> strings(const char* key, bool required) const {
    const json* v = required ? &need(key) : get(key);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) fail(field(key), std::string("expected an array of strings, got ") + type_name(*v));
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& e = (*v)[i];
      if (!e.is_string()) {
        fail(field(key) + "[" + std::to_string(i) + "]", std::string("expected a string, got ") + type_name(e));
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  // Each element of an array of objects, with its path.
  template <class F>
  void each(const char* key, bool required, F&& f) const {
    const json* v = required ? &need(key) : get(key);
    if (!v) return;
    if (!v->is_array()) fail(field(key), std::string("expected an array, got ") + type_name(*v));
    for (std::size_t i = 0; i < v->size(); ++i) f((*v)[i], field(key) + "[" + std::to_string(i) + "]");
  }

 private:
  const json& j_;
  std::string path_;
};

json time_or_null(const std::optional<d::Instant>& t, int offset) {
  return t ? json(d::format_iso_local(*t, offset)) : json(nullptr);
}

d::Token token_at(const json& j, const std::string& path) {
  Reader r(j, path);
  d::Token t;
  t.id = r.str("id", true, true);
  t.service = r.str("service", true, true);
  t.prefix = r.str("prefix", true, true);
  t.number = r.int32("number", true, 0);
  t.priority = r.str("priority", false);
  t.language = r.str("language", false);
  t.business_day = r.str("business_day", true, true);
  t.issued_at = *r.time("issued_at", true);
  const std::string state = r.str("state", true);
  if (!d::parse_token_state(state, t.state)) Reader::fail(r.field("state"), "unknown token state \"" + state + "\"");
  t.counter = r.str("counter", false);
  t.target_counter = r.str("target_counter", false);
  t.recalls = r.int32("recalls", false, 0);
  t.called_at = r.time("called_at", false);
  t.started_at = r.time("started_at", false);
  t.finished_at = r.time("finished_at", false);
  t.carried_over = r.boolean("carried_over", false);
  t.issued_by = r.str("issued_by", false);
  return t;
}

json text_json(const d::LocalizedText& t) {
  json j = json::object();
  for (const auto& [lang, s] : t.by_lang) j[lang] = s;
  return j;
}

d::LocalizedText text_at(const json& j, const std::string& path) {
  if (!j.is_object()) Reader::fail(path, std::string("expected an object of language: text, got ") + type_name(j));
  d::LocalizedText t;
  for (const auto& [lang, s] : j.items()) {
    if (!s.is_string()) Reader::fail(path + "." + lang, std::string("expected a string, got ") + type_name(s));
    t.by_lang[lang] = s.get<std::string>();
  }
  if (!t.by_lang.count("en")) Reader::fail(path + ".en", "missing (English is always present)");
  return t;
}

d::LocalizedText text_field(const Reader& r, const json& parent, const char* key) {
  (void)r.need(key);
  return text_at(parent.at(key), r.field(key));
}

json hours_json(const d::OpeningHours& h) {
  json j = json::object();
  for (int wd = 0; wd < 7; ++wd) {
    json day = json::array();
    for (const auto& range : h.by_weekday[static_cast<std::size_t>(wd)]) day.push_back(d::format_time_range(range));
    j[d::weekday_code(wd)] = std::move(day);
  }
  return j;
}

d::OpeningHours hours_at(const json& j, const std::string& path) {
  if (!j.is_object()) Reader::fail(path, std::string("expected an object of weekday: ranges, got ") + type_name(j));
  d::OpeningHours h;
  for (const auto& [day, ranges] : j.items()) {
    int wd = -1;
    for (int i = 0; i < 7; ++i) {
      if (day == d::weekday_code(i)) wd = i;
    }
    const std::string day_path = path + "." + day;
    if (wd < 0) Reader::fail(day_path, "unknown weekday (expected mon, tue, wed, thu, fri, sat or sun)");
    if (!ranges.is_array()) Reader::fail(day_path, std::string("expected an array, got ") + type_name(ranges));
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      const std::string item_path = day_path + "[" + std::to_string(i) + "]";
      d::TimeRange range;
      if (!ranges[i].is_string() || !d::parse_time_range(ranges[i].get<std::string>(), range)) {
        Reader::fail(item_path, "expected a time range like \"09:00-13:30\"");
      }
      h.by_weekday[static_cast<std::size_t>(wd)].push_back(range);
    }
  }
  return h;
}

const char* carry_over_code(d::CarryOver c) { return c == d::CarryOver::NextDay ? "next_day" : "none"; }

// ---- application forms, documents, calendar ----

// Optional text (help): null when empty.
json optional_text_json(const d::LocalizedText& t) { return t.by_lang.empty() ? json(nullptr) : text_json(t); }

d::LocalizedText optional_text_field(const Reader& r, const json& parent, const char* key) {
  if (!r.get(key)) return {};
  return text_at(parent.at(key), r.field(key));
}

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json field_json(const d::FormField& f) {
  json choices = json::array();
  for (const auto& c : f.choices) choices.push_back({{"id", c.id}, {"label", text_json(c.label)}});
  return json{
      {"id", f.id},
      {"type", d::field_type_code(f.type)},
      {"label", text_json(f.label)},
      {"required", f.required},
      {"help", optional_text_json(f.help)},
      {"example", f.example},
      {"pattern", f.pattern.source()},
      {"min_length", optional_json(f.min_length)},
      {"max_length", optional_json(f.max_length)},
      {"min", optional_json(f.min)},
      {"max", optional_json(f.max)},
      {"decimals", f.decimals},
      {"not_in_future", f.not_in_future},
      {"choices", std::move(choices)},
  };
}

d::FormField field_at(const json& j, const std::string& path) {
  Reader r(j, path);
  d::FormField f;
  f.id = r.str("id", true, true);
  const std::string type = r.str("type", true);
  if (!d::parse_field_type(type, f.type)) {
    Reader::fail(r.field("type"), "unknown field type \"" + type +
                                      "\" (expected text, number, date, phone, email, choice, yes_no or aadhaar)");
  }
  f.label = text_field(r, j, "label");
  f.required = r.boolean("required", false);
  f.help = optional_text_field(r, j, "help");
  f.example = r.str("example", false);
  // Compiled again here: a pattern this terminal's regex engine cannot compile refuses the whole
  // catalogue now, rather than failing a citizen's form later.
  const std::string pattern = r.str("pattern", false);
  if (!pattern.empty()) {
    std::string error;
    if (!d::Pattern::compile(pattern, f.pattern, error)) {
      Reader::fail(r.field("pattern"), "the pattern \"" + pattern + "\" does not compile: " + error);
    }
  }
  f.min_length = r.optional_int32("min_length", 0, d::kMaxValueChars);
  f.max_length = r.optional_int32("max_length", 0, d::kMaxValueChars);
  if (f.min_length && f.max_length && *f.min_length > *f.max_length) {
    Reader::fail(r.field("min_length"), "is more than max_length (" + std::to_string(*f.max_length) + ")");
  }
  f.min = r.number("min");
  f.max = r.number("max");
  if (f.min && f.max && *f.min > *f.max) Reader::fail(r.field("min"), "is more than max");
  f.decimals = r.int32("decimals", false, 0, 6);
  f.not_in_future = r.boolean("not_in_future", false);
  std::set<std::string> ids;
  r.each("choices", false, [&](const json& e, const std::string& choice_path) {
    Reader cr(e, choice_path);
    d::FieldChoice c;
    c.id = cr.str("id", true, true);
    if (!ids.insert(c.id).second) Reader::fail(cr.field("id"), "duplicate choice \"" + c.id + "\"");
    c.label = text_field(cr, e, "label");
    f.choices.push_back(std::move(c));
  });
  if (f.type == d::FieldType::Choice && f.choices.empty())
    Reader::fail(r.field("choices"), "a choice field needs choices");
  return f;
}

json document_json(const d::RequiredDocument& doc) {
  return json{{"id", doc.id},
              {"name", text_json(doc.name)},
              {"required", doc.required},
              {"help", optional_text_json(doc.help)}};
}

d::RequiredDocument document_at(const json& j, const std::string& path) {
  Reader r(j, path);
  d::RequiredDocument doc;
  doc.id = r.str("id", true, true);
  doc.name = text_field(r, j, "name");
  doc.required = r.boolean("required", false, true);
  doc.help = optional_text_field(r, j, "help");
  return doc;
}

json calendar_json(const d::WorkingCalendar& c) {
  json weekdays = json::array();
  for (int wd = 0; wd < 7; ++wd) {
    if (c.working_weekdays[static_cast<std::size_t>(wd)]) weekdays.push_back(d::weekday_code(wd));
  }
  json holidays = json::array();
  for (const auto& h : c.holidays) holidays.push_back({{"date", d::format_date(h.date)}, {"name", text_json(h.name)}});
  return json{{"working_weekdays", std::move(weekdays)},
              {"holidays", std::move(holidays)},
              {"extra_days_at_centre", c.extra_days_at_centre}};
}

d::WorkingCalendar calendar_at(const json& j, const std::string& path) {
  Reader r(j, path);
  d::WorkingCalendar c;
  c.working_weekdays.fill(false);
  const std::vector<std::string> days = r.strings("working_weekdays", true);
  for (std::size_t i = 0; i < days.size(); ++i) {
    int wd = -1;
    for (int k = 0; k < 7; ++k) {
      if (days[i] == d::weekday_code(k)) wd = k;
    }
    const std::string day_path = r.field("working_weekdays") + "[" + std::to_string(i) + "]";
    if (wd < 0) {
      Reader::fail(day_path, "unknown weekday \"" + days[i] + "\" (expected mon, tue, wed, thu, fri, sat or sun)");
    }
    c.working_weekdays[static_cast<std::size_t>(wd)] = true;
  }
  if (days.empty()) Reader::fail(r.field("working_weekdays"), "at least one weekday must be a working day");
  std::set<std::string> dates;
  r.each("holidays", false, [&](const json& e, const std::string& holiday_path) {
    Reader hr(e, holiday_path);
    d::Holiday h;
    const std::string date = hr.str("date", true);
    if (!d::parse_date(date, h.date)) {
      Reader::fail(hr.field("date"), "expected a date like \"2026-01-26\", got \"" + date + "\"");
    }
    if (!dates.insert(date).second) Reader::fail(hr.field("date"), "a second holiday on " + date);
    h.name = text_field(hr, e, "name");
    c.holidays.push_back(std::move(h));
  });
  c.extra_days_at_centre = r.int32("extra_days_at_centre", false, 0, 30);
  return c;
}

}  // namespace

// ---- token, wait, counter ----------------------------------------------------------------------

json to_json(const d::Token& t, int utc_offset_minutes) {
  return json{
      {"id", t.id},
      {"service", t.service},
      {"prefix", t.prefix},
      {"number", t.number},
      {"display", t.display_number()},
      {"spoken", t.spoken_number()},
      {"priority", t.priority},
      {"language", t.language},
      {"business_day", t.business_day},
      {"issued_at", d::format_iso_local(t.issued_at, utc_offset_minutes)},
      {"state", d::to_string(t.state)},
      {"counter", t.counter},
      {"target_counter", t.target_counter},
      {"recalls", t.recalls},
      {"called_at", time_or_null(t.called_at, utc_offset_minutes)},
      {"started_at", time_or_null(t.started_at, utc_offset_minutes)},
      {"finished_at", time_or_null(t.finished_at, utc_offset_minutes)},
      {"carried_over", t.carried_over},
      {"issued_by", t.issued_by},
  };
}

d::Token token_from_json(const json& j) { return token_at(j, "token"); }

json to_json(const d::WaitEstimate& w) {
  return json{
      {"ahead", w.ahead}, {"minutes", w.minutes}, {"service_minutes", w.service_minutes}, {"counters", w.counters}};
}

d::WaitEstimate wait_from_json(const json& j) {
  Reader r(j, "wait");
  d::WaitEstimate w;
  w.ahead = r.int32("ahead", true, 0);
  w.minutes = r.int32("minutes", true, 0);
  if (const json* v = r.get("service_minutes")) {
    if (!v->is_number() || v->get<double>() < 0) Reader::fail(r.field("service_minutes"), "expected a number >= 0");
    w.service_minutes = v->get<double>();
  }
  w.counters = r.int32("counters", false, 0);
  return w;
}

json to_json(const d::CounterState& c) {
  return json{{"counter", c.counter},
              {"operator", c.operator_id},
              {"open", !c.operator_id.empty()},
              {"current_token", c.current_token},
              {"normal_since_priority", c.normal_since_priority}};
}

d::CounterState counter_state_from_json(const json& j) {
  Reader r(j, "counter");
  d::CounterState c;
  c.counter = r.str("counter", true, true);
  c.operator_id = r.str("operator", false);
  c.current_token = r.str("current_token", false);
  c.normal_since_priority = r.int32("normal_since_priority", false, 0);
  return c;
}

// ---- events ------------------------------------------------------------------------------------

json to_json(const WireEvent& w, int utc_offset_minutes) {
  const d::QueueEvent& e = w.event;
  return json{
      {"seq", w.seq},
      {"type", d::to_string(e.type)},
      {"token", e.token.id.empty() ? json(nullptr) : to_json(e.token, utc_offset_minutes)},
      {"counter", e.counter},
      {"counter_number", w.counter_number},
      {"reason", e.reason ? json(d::to_string(*e.reason)) : json(nullptr)},
      {"explanation", e.explanation},
      {"at", d::format_iso_local(e.at, utc_offset_minutes)},
      {"actor", e.actor},
  };
}

WireEvent event_from_json(const json& j) {
  Reader r(j, "event");
  WireEvent w;
  w.seq = static_cast<std::uint64_t>(r.integer("seq", false, 0, std::numeric_limits<std::int64_t>::max()));
  const std::string type = r.str("type", true);
  if (!d::parse_event_type(type, w.event.type)) Reader::fail(r.field("type"), "unknown event type \"" + type + "\"");
  if (const json* t = r.get("token")) w.event.token = token_at(*t, r.field("token"));
  w.event.counter = r.str("counter", false);
  w.counter_number = r.int32("counter_number", false, 0);
  if (r.get("reason")) {
    const std::string reason = r.str("reason", true);
    d::CallReason cr;
    if (!d::parse_call_reason(reason, cr)) Reader::fail(r.field("reason"), "unknown call reason \"" + reason + "\"");
    w.event.reason = cr;
  }
  w.event.explanation = r.str("explanation", false);
  w.event.at = *r.time("at", true);
  w.event.actor = r.str("actor", false);
  return w;
}

// ---- catalogue ---------------------------------------------------------------------------------

json to_json(const d::Catalogue& c) {
  json departments = json::array();
  for (const auto& dep : c.departments) departments.push_back({{"id", dep.id}, {"name", text_json(dep.name)}});
  json categories = json::array();
  for (const auto& p : c.priority_categories) categories.push_back({{"id", p.id}, {"name", text_json(p.name)}});
  json counters = json::array();
  for (const auto& k : c.counters) {
    counters.push_back({{"id", k.id}, {"name", text_json(k.name)}, {"location", k.location}, {"number", k.number}});
  }
  json services = json::array();
  for (const auto& s : c.services) {
    json form = json::array();
    for (const auto& f : s.form) form.push_back(field_json(f));
    json documents = json::array();
    for (const auto& doc : s.documents) documents.push_back(document_json(doc));
    services.push_back({
        {"id", s.id},
        {"department", s.department},
        {"name", text_json(s.name)},
        {"prefix", s.prefix},
        {"counters", s.counters},
        {"hours", hours_json(s.hours)},
        {"daily_cap", s.daily_cap},
        {"priority_categories", s.priority_categories},
        {"time_limit_days", s.time_limit_days},
        {"fee_minor", s.fee_minor},
        {"typical_service_minutes", s.typical_service_minutes},
        {"form", std::move(form)},
        {"documents", std::move(documents)},
    });
  }
  return json{
      {"version", c.version},
      {"centre",
       {{"id", c.centre.id},
        {"name", text_json(c.centre.name)},
        {"address", c.centre.address},
        {"utc_offset_minutes", c.centre.utc_offset_minutes},
        {"currency", c.centre.currency},
        {"languages", c.centre.languages}}},
      {"policy",
       {{"normal_per_priority", c.policy.normal_per_priority},
        {"max_wait_minutes", c.policy.max_wait_minutes},
        {"recall_limit", c.policy.recall_limit},
        {"carry_over", carry_over_code(c.policy.carry_over)}}},
      {"departments", std::move(departments)},
      {"priority_categories", std::move(categories)},
      {"counters", std::move(counters)},
      {"services", std::move(services)},
      {"calendar", calendar_json(c.calendar)},
  };
}

d::Catalogue catalogue_from_json(const json& j) {
  Reader r(j, "catalogue");
  d::Catalogue c;
  c.version = r.int32("version", true, 1);

  const json& centre_j = r.need("centre");
  Reader centre(centre_j, r.field("centre"));
  c.centre.id = centre.str("id", true, true);
  c.centre.name = text_field(centre, centre_j, "name");
  c.centre.address = centre.str("address", false);
  c.centre.utc_offset_minutes = centre.int32("utc_offset_minutes", true, -14 * 60, 14 * 60);
  c.centre.currency = centre.str("currency", true, true);
  c.centre.languages = centre.strings("languages", true);

  Reader policy(r.need("policy"), r.field("policy"));
  c.policy.normal_per_priority = policy.int32("normal_per_priority", true, 0);
  c.policy.max_wait_minutes = policy.int32("max_wait_minutes", true, 0);
  c.policy.recall_limit = policy.int32("recall_limit", true, 0);
  const std::string carry = policy.str("carry_over", true);
  if (carry == "next_day") {
    c.policy.carry_over = d::CarryOver::NextDay;
  } else if (carry == "none") {
    c.policy.carry_over = d::CarryOver::None;
  } else {
    Reader::fail(policy.field("carry_over"), "expected \"next_day\" or \"none\", got \"" + carry + "\"");
  }

  r.each("departments", true, [&](const json& e, const std::string& path) {
    Reader er(e, path);
    c.departments.push_back({er.str("id", true, true), text_field(er, e, "name")});
  });
  r.each("priority_categories", true, [&](const json& e, const std::string& path) {
    Reader er(e, path);
    c.priority_categories.push_back({er.str("id", true, true), text_field(er, e, "name")});
  });
  r.each("counters", true, [&](const json& e, const std::string& path) {
    Reader er(e, path);
    d::Counter k;
    k.id = er.str("id", true, true);
    k.name = text_field(er, e, "name");
    k.location = er.str("location", false);
    k.number = er.int32("number", true, 0);
    c.counters.push_back(std::move(k));
  });
  r.each("services", true, [&](const json& e, const std::string& path) {
    Reader er(e, path);
    d::Service s;
    s.id = er.str("id", true, true);
    s.department = er.str("department", true, true);
    s.name = text_field(er, e, "name");
    s.prefix = er.str("prefix", true, true);
    s.counters = er.strings("counters", true);
    (void)er.need("hours");
    s.hours = hours_at(e.at("hours"), er.field("hours"));
    s.daily_cap = er.int32("daily_cap", false, 0);
    s.priority_categories = er.strings("priority_categories", false);
    s.time_limit_days = er.int32("time_limit_days", false, 0);
    s.fee_minor = er.integer("fee_minor", false, 0, std::numeric_limits<std::int64_t>::max());
    s.typical_service_minutes = er.int32("typical_service_minutes", false, 1, 24 * 60, 5);
    // Absent in catalogues from before application forms: no form, no documents.
    std::set<std::string> field_ids;
    er.each("form", false, [&](const json& fj, const std::string& field_path) {
      d::FormField f = field_at(fj, field_path);
      if (!field_ids.insert(f.id).second) Reader::fail(field_path + ".id", "duplicate field \"" + f.id + "\"");
      s.form.push_back(std::move(f));
    });
    std::set<std::string> document_ids;
    er.each("documents", false, [&](const json& dj, const std::string& document_path) {
      d::RequiredDocument doc = document_at(dj, document_path);
      if (!document_ids.insert(doc.id).second) {
        Reader::fail(document_path + ".id", "duplicate document \"" + doc.id + "\"");
      }
      s.documents.push_back(std::move(doc));
    });
    c.services.push_back(std::move(s));
  });
  // Absent in catalogues from before the working calendar: the default one (Monday to Saturday).
  if (const json* cal = r.get("calendar")) c.calendar = calendar_at(*cal, r.field("calendar"));
  return c;
}

json error_body(const std::string& code, const std::string& message) {
  return json{{"error", {{"code", code}, {"message", message}}}};
}

bool batchable_write(std::string_view method, std::string_view path) {
  if (path.find('?') != std::string_view::npos) return false;
  std::vector<std::string_view> p;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    if (slash != 0) p.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (p.size() < 3 || p[0] != "api" || p[1] != "v1") return false;
  if (method == "DELETE") return p.size() == 4 && p[2] == "sessions" && p[3] == "current";
  if (method != "POST") return false;
  if (p.size() == 3) return p[2] == "applications" || p[2] == "tokens";
  if (p.size() == 4) return p[2] == "admin" && p[3] == "day-close";
  if (p.size() == 5 && p[2] == "tokens") return p[4] == "cancel";
  if (p.size() == 5 && p[2] == "counters") {
    for (const char* action :
         {"call-next", "call", "recall", "start", "finish", "no-show", "park", "transfer", "resume"}) {
      if (p[4] == action) return true;
    }
  }
  return false;
}

std::string format_outbox_report(const OutboxReport& report) {
  return "pending=" + std::to_string(std::max<std::int64_t>(0, report.pending)) +
         ", oldest-age=" + std::to_string(std::max<std::int64_t>(0, report.oldest_age_s));
}

namespace {

// "<name><1 to 12 digits>" at the start of `value`, taken off it; false for anything else.
bool take_member(std::string_view& value, std::string_view name, std::int64_t& out) {
  if (value.substr(0, name.size()) != name) return false;
  value.remove_prefix(name.size());
  std::size_t digits = 0;
  out = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') {
    out = out * 10 + (value[digits] - '0');
    if (++digits > 12) return false;
  }
  value.remove_prefix(digits);
  return digits > 0;
}

}  // namespace

std::optional<OutboxReport> parse_outbox_report(std::string_view value) {
  // Exactly the two members, in this order, each a run of 1 to 12 digits.
  OutboxReport r;
  if (!take_member(value, "pending=", r.pending)) return std::nullopt;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.empty() || value.front() != ',') return std::nullopt;
  value.remove_prefix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (!take_member(value, "oldest-age=", r.oldest_age_s)) return std::nullopt;
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (!value.empty()) return std::nullopt;
  return r;
}

std::string format_disk_report(std::int64_t free_mib) {
  return "free-mib=" + std::to_string(std::clamp<std::int64_t>(free_mib, 0, 999'999'999'999));
}

std::optional<std::int64_t> parse_disk_report(std::string_view value) {
  std::int64_t free_mib = 0;
  if (!take_member(value, "free-mib=", free_mib)) return std::nullopt;
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (!value.empty()) return std::nullopt;
  return free_mib;
}

namespace {
constexpr std::array<std::string_view, 8> kPrinterStates = {
    "ready", "paper_low", "paper_out", "cover_open", "offline", "printer_error", "not_responding", "unreachable"};
}  // namespace

bool valid_printer_state(std::string_view state) {
  return std::find(kPrinterStates.begin(), kPrinterStates.end(), state) != kPrinterStates.end();
}

bool printer_state_prints(std::string_view state) { return state == "ready" || state == "paper_low"; }

std::string format_printer_report(const PrinterReport& report) {
  return "state=" + report.state +
         ", checked-age=" + std::to_string(std::clamp<std::int64_t>(report.checked_age_s, 0, 999'999'999'999));
}

std::optional<PrinterReport> parse_printer_report(std::string_view value) {
  // Exactly the two members, in this order: a known state word, then 1 to 12 digits.
  constexpr std::string_view kState = "state=";
  if (value.substr(0, kState.size()) != kState) return std::nullopt;
  value.remove_prefix(kState.size());
  const std::size_t end = value.find(',');
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view state = value.substr(0, end);
  while (!state.empty() && state.back() == ' ') state.remove_suffix(1);
  if (!valid_printer_state(state)) return std::nullopt;
  PrinterReport r;
  r.state = std::string(state);
  value.remove_prefix(end + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (!take_member(value, "checked-age=", r.checked_age_s)) return std::nullopt;
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (!value.empty()) return std::nullopt;
  return r;
}

bool valid_outbox_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 64) return false;
  bool word_start = true;
  for (char ch : kind) {
    if (ch == '.') {
      if (word_start) return false;  // empty word: leading dot or two dots
      word_start = true;
    } else if (word_start) {
      if (ch < 'a' || ch > 'z') return false;
      word_start = false;
    } else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
      return false;
    }
  }
  return !word_start;  // no trailing dot
}

}  // namespace guichet::sync
