// A small catalogue built in code for the queue tests, so they do not depend on the demo file.
#pragma once

#include <memory>
#include <string>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/queue.hpp"
#include "guichet/domain/time.hpp"

namespace guichet::domain::testing {

inline LocalizedText en(const std::string& s) {
  LocalizedText t;
  t.by_lang["en"] = s;
  return t;
}

inline TimeRange range(int from_h, int from_m, int to_h, int to_m) { return {from_h * 60 + from_m, to_h * 60 + to_m}; }

// Centre LDH01 (+05:30); counters C1..C3;
//   birth (A):    C1, C2; Mon–Sat 09:00–17:00; priority: elderly, disabled; no cap; 6 min
//   income (D):   C2, C3; Mon–Fri 09:30–13:00; priority: elderly; cap 3; 10 min
//   marriage (F): C3;     Mon–Fri 10:00–13:30; no priority; no cap
// Policy: 2 normal : 1 priority, 45 min wait cap, 2 recalls, carry over to the next day.
inline std::shared_ptr<Catalogue> make_catalogue(QueuePolicy policy = {}) {
  auto c = std::make_shared<Catalogue>();
  c->centre.id = "LDH01";
  c->centre.name = en("Ludhiana Citizen Service Centre");
  c->centre.utc_offset_minutes = 330;
  c->centre.languages = {"en", "pa"};
  c->policy = policy;
  c->departments = {{"health", en("Health")}, {"revenue", en("Revenue")}};
  c->priority_categories = {{"elderly", en("Senior citizen")},
                            {"disabled", en("Person with a disability")},
                            {"ex-servicemen", en("Ex-serviceman")}};
  c->counters = {
      {"C1", en("Counter 1"), "left", 1}, {"C2", en("Counter 2"), "left", 2}, {"C3", en("Counter 3"), "right", 3}};
  Service a;
  a.id = "birth";
  a.department = "health";
  a.name = en("Birth certificate");
  a.prefix = "A";
  a.counters = {"C1", "C2"};
  for (int d = 0; d < 6; ++d) a.hours.by_weekday[static_cast<std::size_t>(d)] = {range(9, 0, 17, 0)};
  a.priority_categories = {"elderly", "disabled"};
  a.typical_service_minutes = 6;
  Service d;
  d.id = "income";
  d.department = "revenue";
  d.name = en("Income certificate");
  d.prefix = "D";
  d.counters = {"C2", "C3"};
  for (int w = 0; w < 5; ++w) d.hours.by_weekday[static_cast<std::size_t>(w)] = {range(9, 30, 13, 0)};
  d.daily_cap = 3;
  d.priority_categories = {"elderly"};
  d.typical_service_minutes = 10;
  Service f;
  f.id = "marriage";
  f.department = "revenue";
  f.name = en("Marriage registration");
  f.prefix = "F";
  f.counters = {"C3"};
  for (int w = 0; w < 5; ++w) f.hours.by_weekday[static_cast<std::size_t>(w)] = {range(10, 0, 13, 30)};
  c->services = {a, d, f};
  return c;
}

// Local time in Ludhiana: at("2026-11-23T10:00") is Monday 10:00 (+05:30).
inline Instant at(const std::string& local) {
  Instant t;
  if (!parse_iso(local + "+05:30", t)) throw std::invalid_argument("bad test time " + local);
  return t;
}

inline Instant plus_min(Instant t, int minutes) { return t + std::chrono::minutes{minutes}; }

}  // namespace guichet::domain::testing
