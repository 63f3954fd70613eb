#include "guichet/config/catalogue_loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>

#include "guichet/domain/form.hpp"

namespace guichet::config {

namespace d = guichet::domain;

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out + ": " + message;
}

std::string ConfigErrors::to_string() const {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

namespace {

using Region = toml::source_region;
using Keys = std::initializer_list<std::string_view>;

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a decimal number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

bool matches(const std::string& s, std::size_t min_len, std::size_t max_len, const std::function<bool(char)>& first,
             const std::function<bool(char)>& rest) {
  if (s.size() < min_len || s.size() > max_len) return false;
  if (!first(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), rest);
}

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_upper_or_digit(char c) { return is_upper(c) || (c >= '0' && c <= '9'); }

// Ids of departments, services and categories: "birth-certificate".
bool valid_slug(const std::string& s) {
  return matches(s, 1, 64, is_lower_or_digit, [](char c) { return is_lower_or_digit(c) || c == '-'; }) &&
         s.back() != '-';
}
// Counter ids: "C1", "desk-2".
bool valid_counter_id(const std::string& s) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  return matches(s, 1, 16, alnum, [&](char c) { return alnum(c) || c == '-'; });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

struct Ref {
  std::string id;
  Region at;
};

// Where each part of a service was written, for reference checks after everything is read.
struct ServiceSource {
  Region at;
  Ref id, department, prefix;
  std::vector<Ref> counters, categories;
};

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  std::vector<ConfigError> take_errors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return std::move(errors_);
  }

  void error(const Region& at, std::string message) {
    errors_.push_back(
        ConfigError{file_, static_cast<int>(at.begin.line), static_cast<int>(at.begin.column), std::move(message)});
  }

  d::Catalogue load(const toml::table& root) {
    d::Catalogue c;
    check_keys(
        root, {"version", "centre", "policy", "calendar", "departments", "priority_categories", "counters", "services"},
        "the catalogue");
    if (auto v = integer(root, "version", "the catalogue", true, 1, 1000)) {
      if (*v != 1)
        error(root.get("version")->source(),
              "version " + std::to_string(*v) + " is not supported; this Guichet reads version 1");
      c.version = static_cast<int>(*v);
    }
    std::optional<d::OpeningHours> default_hours;
    if (const toml::table* centre = table(root, "centre", "the catalogue", true)) {
      default_hours = load_centre(*centre, c.centre);
    }
    if (const toml::node* p = root.get("policy")) {
      if (const toml::table* policy = as_table(*p, "'policy'")) load_policy(*policy, c.policy);
    }
    if (const toml::node* cal = root.get("calendar")) {
      if (const toml::table* calendar = as_table(*cal, "'calendar'")) load_calendar(*calendar, c.calendar);
    }
    each_table(root, "departments", "department", true, [&](const toml::table& t, const std::string& ctx) {
      d::Department dep;
      dep.id = slug(t, "id", ctx).value_or("");
      const std::string named = dep.id.empty() ? ctx : "department '" + dep.id + "'";
      check_keys(t, {"id", "name"}, named);
      dep.name = text(t, "name", named);
      department_src_.push_back({dep.id, id_region(t)});
      c.departments.push_back(std::move(dep));
    });
    each_table(root, "priority_categories", "priority category", false,
               [&](const toml::table& t, const std::string& ctx) {
                 d::PriorityCategory cat;
                 cat.id = slug(t, "id", ctx).value_or("");
                 const std::string named = cat.id.empty() ? ctx : "priority category '" + cat.id + "'";
                 check_keys(t, {"id", "name"}, named);
                 cat.name = text(t, "name", named);
                 category_src_.push_back({cat.id, id_region(t)});
                 c.priority_categories.push_back(std::move(cat));
               });
    each_table(root, "counters", "counter", true,
               [&](const toml::table& t, const std::string& ctx) { c.counters.push_back(load_counter(t, ctx)); });
    each_table(root, "services", "service", true, [&](const toml::table& t, const std::string& ctx) {
      c.services.push_back(load_service(t, ctx, default_hours));
    });
    check_references();
    return c;
  }

 private:
  // ---- generic readers -------------------------------------------------------------------------

  void check_keys(const toml::table& t, Keys allowed, const std::string& ctx) {
    for (auto&& [k, v] : t) {
      (void)v;
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(k.source(), "unknown key '" + std::string(k.str()) + "' in " + ctx + " (expected one of: " + list + ")");
    }
  }

  const toml::node* get(const toml::table& t, std::string_view key, const std::string& ctx, bool required) {
    const toml::node* n = t.get(key);
    if (!n && required) error(t.source(), ctx + " is missing required key '" + std::string(key) + "'");
    return n;
  }

  void wrong_type(const toml::node& n, std::string_view key, const std::string& ctx, const char* expected) {
    error(n.source(), "'" + std::string(key) + "' in " + ctx + " must be " + expected + ", not " + type_name(n));
  }

  const toml::table* as_table(const toml::node& n, const std::string& what) {
    if (const toml::table* t = n.as_table()) return t;
    error(n.source(), what + " must be a table, not " + type_name(n));
    return nullptr;
  }

  const toml::table* table(const toml::table& t, std::string_view key, const std::string& ctx, bool required) {
    const toml::node* n = get(t, key, ctx, required);
    if (!n) return nullptr;
    if (const toml::table* tt = n->as_table()) return tt;
    wrong_type(*n, key, ctx, "a table");
    return nullptr;
  }

  std::optional<std::string> string(const toml::table& t, std::string_view key, const std::string& ctx, bool required) {
    const toml::node* n = get(t, key, ctx, required);
    if (!n) return std::nullopt;
    if (const auto* s = n->as_string()) {
      if (s->get().empty()) {
        error(n->source(), "'" + std::string(key) + "' in " + ctx + " must not be empty");
        return std::nullopt;
      }
      return s->get();
    }
    wrong_type(*n, key, ctx, "a string");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key, const std::string& ctx, bool required,
                                      std::int64_t min, std::int64_t max) {
    const toml::node* n = get(t, key, ctx, required);
    if (!n) return std::nullopt;
    const auto* i = n->as_integer();
    if (!i) {
      wrong_type(*n, key, ctx, "an integer");
      return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
      error(n->source(), "'" + std::string(key) + "' in " + ctx + " must be between " + std::to_string(min) + " and " +
                             std::to_string(max) + ", not " + std::to_string(i->get()));
      return std::nullopt;
    }
    return i->get();
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key, const std::string& ctx, bool required) {
    const toml::node* n = get(t, key, ctx, required);
    if (!n) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    wrong_type(*n, key, ctx, "true or false");
    return std::nullopt;
  }

  // An integer or a decimal number.
  std::optional<double> number(const toml::table& t, std::string_view key, const std::string& ctx) {
    const toml::node* n = get(t, key, ctx, false);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n->as_floating_point()) {
      if (std::isfinite(f->get())) return f->get();
      error(n->source(), "'" + std::string(key) + "' in " + ctx + " must be a finite number");
      return std::nullopt;
    }
    wrong_type(*n, key, ctx, "a number");
    return std::nullopt;
  }

  // An array of strings, each with where it was written.
  std::optional<std::vector<Ref>> strings(const toml::table& t, std::string_view key, const std::string& ctx,
                                          bool required) {
    const toml::node* n = get(t, key, ctx, required);
    if (!n) return std::nullopt;
    const toml::array* a = n->as_array();
    if (!a) {
      wrong_type(*n, key, ctx, "an array of strings");
      return std::nullopt;
    }
    std::vector<Ref> out;
    for (const toml::node& e : *a) {
      if (const auto* s = e.as_string()) {
        out.push_back({s->get(), e.source()});
      } else {
        error(e.source(), "'" + std::string(key) + "' in " + ctx + " must hold strings, not " + type_name(e));
      }
    }
    return out;
  }

  Region id_region(const toml::table& t) {
    const toml::node* n = t.get("id");
    return n ? n->source() : t.source();
  }

  std::optional<std::string> slug(const toml::table& t, std::string_view key, const std::string& ctx) {
    auto s = string(t, key, ctx, true);
    if (s && !valid_slug(*s)) {
      error(t.get(key)->source(),
            "'" + std::string(key) + "' in " + ctx +
                " must be lower-case letters, digits and '-' (like \"birth-certificate\"), not \"" + *s + "\"");
      return std::nullopt;
    }
    return s;
  }

  // Text in several languages: name.en = "…", name.pa = "…".
  d::LocalizedText text(const toml::table& t, std::string_view key, const std::string& ctx) {
    d::LocalizedText out;
    const toml::table* tt = table(t, key, ctx, true);
    if (!tt) return out;
    const std::string what = "'" + std::string(key) + "' in " + ctx;
    for (auto&& [k, v] : *tt) {
      const std::string lang(k.str());
      const auto* s = v.as_string();
      if (!s) {
        error(v.source(), what + " must give text per language, but '" + lang + "' is " + type_name(v));
        continue;
      }
      if (s->get().empty()) {
        error(v.source(), what + " has empty text for '" + lang + "'");
        continue;
      }
      if (!languages_.empty() && std::find(languages_.begin(), languages_.end(), lang) == languages_.end()) {
        error(k.source(), what + " has text in '" + lang + "', which is not one of the centre's languages (" +
                              join(languages_) + ")");
      }
      out.by_lang[lang] = s->get();
    }
    if (!tt->contains("en")) error(tt->source(), what + " has no English text ('" + std::string(key) + ".en')");
    return out;
  }

  // Tables nested in another: [[services.form]], [[calendar.holidays]]. Optional; may be empty.
  template <class F>
  void each_nested(const toml::table& owner, std::string_view key, const std::string& owner_ctx,
                   const std::string& header, const std::string& singular, F&& f) {
    const toml::node* n = owner.get(key);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) {
      error(n->source(), "'" + std::string(key) + "' in " + owner_ctx + " must be an array of tables ([[" + header +
                             "]]), not " + type_name(*n));
      return;
    }
    std::size_t i = 0;
    for (const toml::node& e : *a) {
      ++i;
      const std::string ctx = singular + " #" + std::to_string(i) + " of " + owner_ctx;
      if (const toml::table* t = e.as_table()) {
        f(*t, ctx);
      } else {
        error(e.source(), ctx + " must be a table, not " + type_name(e));
      }
    }
  }

  template <class F>
  void each_table(const toml::table& root, std::string_view key, const std::string& singular, bool needed, F&& f) {
    const toml::node* n = get(root, key, "the catalogue", needed);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) {
      error(n->source(), "'" + std::string(key) + "' must be an array of tables ([[" + std::string(key) + "]]), not " +
                             type_name(*n));
      return;
    }
    if (a->empty() && needed) {
      error(n->source(), "the catalogue has no " + std::string(key) + "; at least one is needed");
      return;
    }
    std::size_t i = 0;
    for (const toml::node& e : *a) {
      ++i;
      const std::string ctx = singular + " #" + std::to_string(i);
      if (const toml::table* t = e.as_table()) {
        f(*t, ctx);
      } else {
        error(e.source(), ctx + " must be a table, not " + type_name(e));
      }
    }
  }

  // ---- centre and policy -----------------------------------------------------------------------

  std::optional<d::OpeningHours> load_centre(const toml::table& t, d::Centre& centre) {
    const std::string ctx = "[centre]";
    check_keys(t, {"id", "name", "address", "utc_offset", "currency", "languages", "hours"}, ctx);
    if (auto id = string(t, "id", ctx, true)) {
      if (matches(*id, 2, 12, is_upper_or_digit, is_upper_or_digit)) {
        centre.id = *id;
      } else {
        error(t.get("id")->source(),
              "centre id must be 2 to 12 upper-case letters or digits (like \"LDH01\"), not \"" + *id + "\"");
      }
    }
    if (auto langs = strings(t, "languages", ctx, true)) {
      for (const Ref& l : *langs) {
        if (!matches(
                l.id, 2, 3, [](char c) { return c >= 'a' && c <= 'z'; }, [](char c) { return c >= 'a' && c <= 'z'; })) {
          error(l.at, "language code '" + l.id + "' must be 2 or 3 lower-case letters (like \"pa\")");
        } else if (std::find(languages_.begin(), languages_.end(), l.id) != languages_.end()) {
          error(l.at, "language '" + l.id + "' is listed twice");
        } else {
          languages_.push_back(l.id);
        }
      }
      if (langs->empty()) error(t.get("languages")->source(), "the centre offers no language; list at least one");
      centre.languages = languages_;
    }
    centre.name = text(t, "name", ctx);
    if (auto addr = string(t, "address", ctx, false)) centre.address = *addr;
    if (auto off = string(t, "utc_offset", ctx, true)) {
      const std::string& s = *off;
      const bool shape =
          s.size() == 6 && (s[0] == '+' || s[0] == '-') && std::isdigit(static_cast<unsigned char>(s[1])) &&
          std::isdigit(static_cast<unsigned char>(s[2])) && s[3] == ':' &&
          std::isdigit(static_cast<unsigned char>(s[4])) && std::isdigit(static_cast<unsigned char>(s[5]));
      const int minutes = shape ? ((s[1] - '0') * 10 + (s[2] - '0')) * 60 + (s[4] - '0') * 10 + (s[5] - '0') : -1;
      if (!shape || (s[4] - '0') > 5 || minutes > 14 * 60) {
        error(t.get("utc_offset")->source(),
              "utc_offset must look like \"+05:30\" (between -14:00 and +14:00), not \"" + s + "\"");
      } else {
        centre.utc_offset_minutes = s[0] == '-' ? -minutes : minutes;
      }
    }
    if (auto cur = string(t, "currency", ctx, false)) {
      if (matches(*cur, 3, 3, is_upper, is_upper)) {
        centre.currency = *cur;
      } else {
        error(t.get("currency")->source(), "currency must be a three-letter code like \"INR\", not \"" + *cur + "\"");
      }
    }
    if (const toml::table* h = table(t, "hours", ctx, false)) {
      d::OpeningHours def = hours(*h, "the centre's default hours");
      if (never_open(def)) error(t.get("hours")->source(), "the centre's default hours are never open");
      return def;
    }
    return std::nullopt;
  }

  void load_policy(const toml::table& t, d::QueuePolicy& policy) {
    const std::string ctx = "[policy]";
    check_keys(t, {"normal_per_priority", "max_wait_minutes", "recall_limit", "carry_over"}, ctx);
    if (auto v = integer(t, "normal_per_priority", ctx, false, 0, 20))
      policy.normal_per_priority = static_cast<int>(*v);
    if (auto v = integer(t, "max_wait_minutes", ctx, false, 0, 24 * 60)) policy.max_wait_minutes = static_cast<int>(*v);
    if (auto v = integer(t, "recall_limit", ctx, false, 0, 10)) policy.recall_limit = static_cast<int>(*v);
    if (auto v = string(t, "carry_over", ctx, false)) {
      if (*v == "next_day") {
        policy.carry_over = d::CarryOver::NextDay;
      } else if (*v == "none") {
        policy.carry_over = d::CarryOver::None;
      } else {
        error(t.get("carry_over")->source(), "carry_over must be \"next_day\" or \"none\", not \"" + *v + "\"");
      }
    }
  }

  // ---- hours -----------------------------------------------------------------------------------

  static bool never_open(const d::OpeningHours& h) {
    return std::all_of(h.by_weekday.begin(), h.by_weekday.end(), [](const auto& day) { return day.empty(); });
  }

  static int weekday_of(std::string_view code) {
    for (int i = 0; i < 7; ++i) {
      if (code == d::weekday_code(i)) return i;
    }
    return -1;
  }

  // "mon", "mon-fri": the weekdays from … to (0 = Monday), or false after reporting the mistake at `at`.
  bool day_range(const std::string& key, const Region& at, const std::string& ctx, int& from, int& to) {
    if (auto dash = key.find('-'); dash != std::string::npos) {
      from = weekday_of(std::string_view(key).substr(0, dash));
      to = weekday_of(std::string_view(key).substr(dash + 1));
    } else {
      from = to = weekday_of(key);
    }
    if (from < 0 || to < 0) {
      error(at,
            "'" + key + "' in " + ctx +
                " is not a day or a range of days (use mon, tue, wed, thu, fri, sat, sun, or a range like mon-fri)");
      return false;
    }
    if (from > to) {
      error(at, "day range '" + key + "' in " + ctx +
                    " runs backwards; write it from Monday towards Sunday (like mon-sat)");
      return false;
    }
    return true;
  }

  // hours.mon-fri = ["09:00-13:30", "14:00-17:00"], hours.sat = ["09:00-13:00"]; days not named are closed.
  d::OpeningHours hours(const toml::table& t, const std::string& ctx) {
    d::OpeningHours out;
    std::array<std::optional<Region>, 7> given;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      int from = -1, to = -1;
      if (!day_range(key, k.source(), ctx, from, to)) continue;
      std::vector<d::TimeRange> ranges;
      if (const toml::array* a = v.as_array()) {
        for (const toml::node& e : *a) {
          const auto* s = e.as_string();
          d::TimeRange r;
          if (!s) {
            error(e.source(), "opening hours in " + ctx + " must be strings like \"09:00-13:30\", not " + type_name(e));
          } else if (!d::parse_time_range(s->get(), r)) {
            error(e.source(), "\"" + s->get() + "\" in " + ctx +
                                  " is not a time range like \"09:00-13:30\" (24-hour clock, start before end)");
          } else {
            ranges.push_back(r);
          }
        }
      } else {
        error(v.source(), "'" + key + "' in " + ctx + " must be an array of time ranges like [\"09:00-13:30\"], not " +
                              type_name(v));
        continue;
      }
      std::sort(ranges.begin(), ranges.end(),
                [](const d::TimeRange& a, const d::TimeRange& b) { return a.from_minute < b.from_minute; });
      for (std::size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].from_minute < ranges[i - 1].to_minute) {
          error(v.source(), "opening hours '" + key + "' in " + ctx + " overlap: " +
                                d::format_time_range(ranges[i - 1]) + " and " + d::format_time_range(ranges[i]));
        }
      }
      for (int wd = from; wd <= to; ++wd) {
        auto& slot = given[static_cast<std::size_t>(wd)];
        if (slot) {
          error(k.source(), std::string(d::weekday_name(wd)) + " is given twice in " + ctx + " (also at line " +
                                std::to_string(slot->begin.line) + ")");
          continue;
        }
        slot = k.source();
        out.by_weekday[static_cast<std::size_t>(wd)] = ranges;
      }
    }
    return out;
  }

  // ---- counters and services -------------------------------------------------------------------

  d::Counter load_counter(const toml::table& t, const std::string& ctx) {
    d::Counter k;
    if (auto id = string(t, "id", ctx, true)) {
      if (valid_counter_id(*id)) {
        k.id = *id;
      } else {
        error(t.get("id")->source(), "counter id must be letters, digits and '-' (like \"C1\"), not \"" + *id + "\"");
      }
    }
    const std::string named = k.id.empty() ? ctx : "counter '" + k.id + "'";
    check_keys(t, {"id", "number", "location", "name"}, named);
    if (auto n = integer(t, "number", named, true, 1, 999)) {
      k.number = static_cast<int>(*n);
      number_src_.push_back({std::to_string(*n), t.get("number")->source()});
    }
    if (auto loc = string(t, "location", named, true)) k.location = *loc;
    k.name = text(t, "name", named);
    counter_src_.push_back({k.id, id_region(t)});
    return k;
  }

  d::Service load_service(const toml::table& t, const std::string& ctx,
                          const std::optional<d::OpeningHours>& default_hours) {
    d::Service s;
    ServiceSource src;
    src.at = t.source();
    s.id = slug(t, "id", ctx).value_or("");
    src.id = {s.id, id_region(t)};
    const std::string named = s.id.empty() ? ctx : "service '" + s.id + "'";
    check_keys(t,
               {"id", "department", "name", "prefix", "counters", "hours", "daily_cap", "priority_categories",
                "time_limit_days", "fee_minor", "typical_service_minutes", "form", "documents"},
               named);
    if (auto dep = string(t, "department", named, true)) {
      s.department = *dep;
      src.department = {*dep, t.get("department")->source()};
    }
    s.name = text(t, "name", named);
    if (auto p = string(t, "prefix", named, true)) {
      if (matches(*p, 1, 2, is_upper, is_upper)) {
        s.prefix = *p;
        src.prefix = {*p, t.get("prefix")->source()};
      } else {
        error(t.get("prefix")->source(),
              "prefix of " + named + " must be 1 or 2 upper-case letters (like \"A\"), not \"" + *p + "\"");
      }
    }
    if (auto cs = strings(t, "counters", named, true)) {
      if (cs->empty()) error(t.get("counters")->source(), named + " is served by no counter; list at least one");
      src.counters = *cs;
      for (const Ref& r : *cs) s.counters.push_back(r.id);
    }
    if (auto cats = strings(t, "priority_categories", named, false)) {
      src.categories = *cats;
      for (const Ref& r : *cats) s.priority_categories.push_back(r.id);
    }
    if (const toml::node* hn = t.get("hours")) {
      if (const toml::table* h = table(t, "hours", named, false)) {
        s.hours = hours(*h, "the hours of " + named);
        if (never_open(s.hours)) error(hn->source(), named + " is never open; give it at least one opening time");
      }
    } else if (default_hours) {
      s.hours = *default_hours;
    } else {
      error(t.source(), named + " has no opening hours; give 'hours' here or default hours in [centre]");
    }
    if (auto v = integer(t, "daily_cap", named, true, 0, 100'000)) s.daily_cap = static_cast<int>(*v);
    if (auto v = integer(t, "time_limit_days", named, true, 0, 365)) s.time_limit_days = static_cast<int>(*v);
    if (auto v = integer(t, "fee_minor", named, true, 0, 100'000'000'000)) s.fee_minor = *v;
    if (auto v = integer(t, "typical_service_minutes", named, false, 1, 240))
      s.typical_service_minutes = static_cast<int>(*v);
    std::vector<Ref> field_ids, document_ids;
    each_nested(t, "form", named, "services.form", "field", [&](const toml::table& ft, const std::string& fctx) {
      s.form.push_back(load_field(ft, fctx, named));
      field_ids.push_back({s.form.back().id, id_region(ft)});
    });
    check_unique(field_ids, "field id", " in " + named);
    each_nested(t, "documents", named, "services.documents", "document",
                [&](const toml::table& dt, const std::string& dctx) {
                  d::RequiredDocument doc;
                  doc.id = slug(dt, "id", dctx).value_or("");
                  const std::string dnamed = doc.id.empty() ? dctx : "document '" + doc.id + "' of " + named;
                  check_keys(dt, {"id", "name", "required", "help"}, dnamed);
                  doc.name = text(dt, "name", dnamed);
                  doc.required = boolean(dt, "required", dnamed, true).value_or(true);
                  if (dt.contains("help")) doc.help = text(dt, "help", dnamed);
                  document_ids.push_back({doc.id, id_region(dt)});
                  s.documents.push_back(std::move(doc));
                });
    check_unique(document_ids, "document id", " in " + named);
    service_src_.push_back(std::move(src));
    return s;
  }

  // ---- application forms -----------------------------------------------------------------------

  // Which field types each type-specific key applies to.
  struct KeyUse {
    std::string_view key;
    std::vector<d::FieldType> types;
    const char* where;  // for the message
  };

  static const std::vector<KeyUse>& key_uses() {
    using T = d::FieldType;
    static const std::vector<KeyUse> uses = {
        {"pattern", {T::Text, T::Phone}, "text and phone fields"},
        {"min_length", {T::Text, T::Email}, "text and email fields"},
        {"max_length", {T::Text, T::Email}, "text and email fields"},
        {"min", {T::Number}, "number fields"},
        {"max", {T::Number}, "number fields"},
        {"decimals", {T::Number}, "number fields"},
        {"not_in_future", {T::Date}, "date fields"},
        {"choices", {T::Choice}, "choice fields"},
        {"example",
         {T::Text, T::Number, T::Date, T::Phone, T::Email, T::Aadhaar},
         "fields other than choice and yes_no"},
    };
    return uses;
  }

  d::FormField load_field(const toml::table& t, const std::string& ctx, const std::string& service) {
    const std::size_t errors_before = errors_.size();
    d::FormField f;
    f.id = slug(t, "id", ctx).value_or("");
    const std::string named = f.id.empty() ? ctx : "field '" + f.id + "' of " + service;
    check_keys(t,
               {"id", "type", "label", "required", "help", "example", "pattern", "min_length", "max_length", "min",
                "max", "decimals", "not_in_future", "choices"},
               named);
    std::optional<d::FieldType> type;
    if (auto code = string(t, "type", named, true)) {
      d::FieldType ft;
      if (d::parse_field_type(*code, ft)) {
        type = ft;
        f.type = ft;
      } else {
        error(t.get("type")->source(), "'" + *code + "' in " + named +
                                           " is not a field type (use text, number, date, phone, email, choice, "
                                           "yes_no or aadhaar)");
      }
    }
    f.label = text(t, "label", named);
    f.required = boolean(t, "required", named, true).value_or(false);
    if (t.contains("help")) f.help = text(t, "help", named);
    if (type) {
      for (const KeyUse& use : key_uses()) {
        const toml::node* n = t.get(use.key);
        if (n && std::find(use.types.begin(), use.types.end(), *type) == use.types.end()) {
          error(n->source(), "'" + std::string(use.key) + "' does not apply to a " + d::field_type_code(*type) +
                                 " field (" + named + "); it is for " + use.where);
        }
      }
    }
    if (auto ex = string(t, "example", named, false)) f.example = *ex;
    if (auto pat = string(t, "pattern", named, false)) {
      std::string why;
      if (!d::Pattern::compile(*pat, f.pattern, why)) {
        error(t.get("pattern")->source(),
              "'pattern' of " + named + " is not a valid regular expression (ECMAScript): " + why);
      }
    }
    const auto min_len = integer(t, "min_length", named, false, 0, d::kMaxValueChars);
    const auto max_len = integer(t, "max_length", named, false, 1, d::kMaxValueChars);
    if (min_len) f.min_length = static_cast<int>(*min_len);
    if (max_len) f.max_length = static_cast<int>(*max_len);
    if (min_len && max_len && *min_len > *max_len) {
      error(t.get("min_length")->source(), "'min_length' (" + std::to_string(*min_len) +
                                               ") is more than 'max_length' (" + std::to_string(*max_len) + ") in " +
                                               named);
    }
    f.min = number(t, "min", named);
    f.max = number(t, "max", named);
    if (f.min && f.max && *f.min > *f.max) {
      error(t.get("min")->source(), "'min' (" + number_text(*t.get("min")) + ") is more than 'max' (" +
                                        number_text(*t.get("max")) + ") in " + named);
    }
    if (auto v = integer(t, "decimals", named, false, 0, 6)) f.decimals = static_cast<int>(*v);
    if (auto v = boolean(t, "not_in_future", named, false)) f.not_in_future = *v;
    std::vector<Ref> choice_ids;
    each_nested(t, "choices", named, "services.form.choices", "choice",
                [&](const toml::table& ct, const std::string& cctx) {
                  d::FieldChoice choice;
                  choice.id = slug(ct, "id", cctx).value_or("");
                  const std::string cnamed = choice.id.empty() ? cctx : "choice '" + choice.id + "' of " + named;
                  check_keys(ct, {"id", "label"}, cnamed);
                  choice.label = text(ct, "label", cnamed);
                  choice_ids.push_back({choice.id, id_region(ct)});
                  f.choices.push_back(std::move(choice));
                });
    check_unique(choice_ids, "choice id", " in " + named);
    if (type == d::FieldType::Choice && f.choices.empty() && !t.contains("choices")) {
      error(t.source(), named + " is a choice field with no choices; add them with [[services.form.choices]]");
    } else if (type == d::FieldType::Choice && f.choices.empty()) {
      error(t.get("choices")->source(), named + " is a choice field with no choices; list at least one");
    }
    // The example is shown to people as a value that works: it must pass the field's own check.
    if (!f.example.empty() && errors_.size() == errors_before) {
      d::FormField quiet = f;
      quiet.example.clear();  // the message must not offer the refused example as the way to write it
      const d::ValueCheck r = d::check_value(quiet, f.example);
      if (r.problem) {
        error(t.get("example")->source(),
              "the example \"" + f.example + "\" of " + named + " would be refused: " + r.problem->message);
      }
    }
    return f;
  }

  static std::string number_text(const toml::node& n) {
    if (const auto* i = n.as_integer()) return std::to_string(i->get());
    std::ostringstream out;
    if (const auto* f = n.as_floating_point()) out << f->get();
    return out.str();
  }

  // ---- calendar --------------------------------------------------------------------------------

  void load_calendar(const toml::table& t, d::WorkingCalendar& calendar) {
    const std::string ctx = "[calendar]";
    check_keys(t, {"working_days", "extra_days_at_centre", "holidays"}, ctx);
    if (auto days = strings(t, "working_days", ctx, false)) {
      calendar.working_weekdays.fill(false);
      std::array<std::optional<Region>, 7> given;
      for (const Ref& r : *days) {
        int from = -1, to = -1;
        if (!day_range(r.id, r.at, "'working_days'", from, to)) continue;
        for (int wd = from; wd <= to; ++wd) {
          auto& slot = given[static_cast<std::size_t>(wd)];
          if (slot) {
            error(r.at, std::string(d::weekday_name(wd)) + " is given twice in 'working_days' (also at line " +
                            std::to_string(slot->begin.line) + ", column " + std::to_string(slot->begin.column) + ")");
            continue;
          }
          slot = r.at;
          calendar.working_weekdays[static_cast<std::size_t>(wd)] = true;
        }
      }
      if (std::none_of(calendar.working_weekdays.begin(), calendar.working_weekdays.end(), [](bool w) { return w; }) &&
          std::all_of(given.begin(), given.end(), [](const auto& g) { return !g; })) {
        error(t.get("working_days")->source(),
              "'working_days' in [calendar] names no working day; time limits could never run out");
      }
    }
    if (auto v = integer(t, "extra_days_at_centre", ctx, false, 0, 30)) {
      calendar.extra_days_at_centre = static_cast<int>(*v);
    }
    std::vector<Ref> dates;
    each_nested(
        t, "holidays", ctx, "calendar.holidays", "holiday", [&](const toml::table& ht, const std::string& hctx) {
          d::Holiday h;
          check_keys(ht, {"date", "name"}, hctx);
          bool dated = false;
          if (const toml::node* n = get(ht, "date", hctx, true)) {
            if (const auto* dn = n->as_date()) {
              const toml::date v = dn->get();
              h.date = d::Date{std::chrono::year{v.year}, std::chrono::month{v.month}, std::chrono::day{v.day}};
              if (v.year < 2000 || v.year > 2099) {
                error(n->source(), "the date of " + hctx + " is in " + std::to_string(v.year) +
                                       "; holidays are between 2000 and 2099");
              } else {
                dated = true;
              }
            } else if (n->is_string()) {
              error(n->source(), "'date' in " + hctx + " must be a date written without quotes, like 2026-01-26");
            } else {
              wrong_type(*n, "date", hctx, "a date like 2026-01-26");
            }
          }
          const std::string named = dated ? "holiday " + d::format_date(h.date) : hctx;
          h.name = text(ht, "name", named);
          if (dated) dates.push_back({d::format_date(h.date), ht.get("date")->source()});
          calendar.holidays.push_back(std::move(h));
        });
    check_unique(dates, "holiday", "");
  }

  // ---- cross references ------------------------------------------------------------------------

  void check_unique(const std::vector<Ref>& refs, const std::string& what, const std::string& where = "") {
    std::map<std::string, const Ref*> seen;
    for (const Ref& r : refs) {
      if (r.id.empty()) continue;
      auto [it, fresh] = seen.emplace(r.id, &r);
      if (!fresh) {
        error(r.at, "duplicate " + what + " '" + r.id + "'" + where + " (first defined at line " +
                        std::to_string(it->second->at.begin.line) + ")");
      }
    }
  }

  void check_references() {
    check_unique(department_src_, "department id");
    check_unique(category_src_, "priority category id");
    check_unique(counter_src_, "counter id");
    check_unique(number_src_, "counter number");
    std::vector<Ref> service_ids, prefixes;
    for (const auto& s : service_src_) {
      service_ids.push_back(s.id);
      prefixes.push_back(s.prefix);
    }
    check_unique(service_ids, "service id");
    check_unique(prefixes, "token prefix");

    auto known = [](const std::vector<Ref>& defined, const std::string& id) {
      return std::any_of(defined.begin(), defined.end(), [&](const Ref& r) { return r.id == id; });
    };
    auto ids = [](const std::vector<Ref>& defined) {
      std::vector<std::string> out;
      for (const Ref& r : defined) {
        if (!r.id.empty()) out.push_back(r.id);
      }
      return out.empty() ? std::string("none is defined") : "known: " + join(out);
    };
    for (const auto& s : service_src_) {
      const std::string named = s.id.id.empty() ? "a service" : "service '" + s.id.id + "'";
      if (!s.department.id.empty() && !known(department_src_, s.department.id)) {
        error(s.department.at,
              named + " names unknown department '" + s.department.id + "' (" + ids(department_src_) + ")");
      }
      std::vector<std::string> seen;
      for (const Ref& r : s.counters) {
        if (!known(counter_src_, r.id)) {
          error(r.at, named + " names unknown counter '" + r.id + "' (" + ids(counter_src_) + ")");
        } else if (std::find(seen.begin(), seen.end(), r.id) != seen.end()) {
          error(r.at, named + " lists counter '" + r.id + "' twice");
        }
        seen.push_back(r.id);
      }
      seen.clear();
      for (const Ref& r : s.categories) {
        if (!known(category_src_, r.id)) {
          error(r.at, named + " names unknown priority category '" + r.id + "' (" + ids(category_src_) + ")");
        } else if (std::find(seen.begin(), seen.end(), r.id) != seen.end()) {
          error(r.at, named + " lists priority category '" + r.id + "' twice");
        }
        seen.push_back(r.id);
      }
    }
  }

  std::string file_;
  std::vector<ConfigError> errors_;
  std::vector<std::string> languages_;
  std::vector<Ref> department_src_, category_src_, counter_src_, number_src_;
  std::vector<ServiceSource> service_src_;
};

}  // namespace

domain::Result<domain::Catalogue, ConfigErrors> parse_catalogue(std::string_view toml_text,
                                                                const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return ConfigErrors{{ConfigError{source_name, static_cast<int>(at.line), static_cast<int>(at.column),
                                     "TOML syntax error: " + std::string(e.description())}}};
  }
  Loader loader(source_name);
  d::Catalogue c = loader.load(root);
  auto errors = loader.take_errors();
  if (!errors.empty()) return ConfigErrors{std::move(errors)};
  return c;
}

domain::Result<domain::Catalogue, ConfigErrors> load_catalogue(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigErrors{{ConfigError{path, 0, 0, std::string("cannot read the catalogue: ") + std::strerror(errno)}}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return ConfigErrors{{ConfigError{path, 0, 0, "cannot read the catalogue: read error"}}};
  }
  return parse_catalogue(text.str(), path);
}

}  // namespace guichet::config
