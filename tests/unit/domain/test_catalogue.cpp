#include <gtest/gtest.h>

#include "guichet/domain/catalogue.hpp"

namespace guichet::domain {
namespace {

TEST(LocalizedText, FallsBackToEnglish) {
  LocalizedText t;
  t.by_lang = {{"en", "Birth certificate"}, {"pa", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ"}};
  EXPECT_EQ(t.get("pa"), "ਜਨਮ ਸਰਟੀਫਿਕੇਟ");
  EXPECT_EQ(t.get("fr"), "Birth certificate");
  EXPECT_EQ(t.get(), "Birth certificate");
}

TEST(LocalizedText, WithoutEnglishUsesAnyAndEmptyGivesEmpty) {
  LocalizedText t;
  EXPECT_EQ(t.get("en"), "");
  t.by_lang = {{"fr", "Acte de naissance"}};
  EXPECT_EQ(t.get("hi"), "Acte de naissance");
}

TEST(OpeningHours, StartInclusiveEndExclusive) {
  OpeningHours h;
  h.by_weekday[0] = {{9 * 60, 13 * 60 + 30}, {14 * 60, 17 * 60}};
  EXPECT_FALSE(h.open_at(0, 9 * 60 - 1));
  EXPECT_TRUE(h.open_at(0, 9 * 60));
  EXPECT_TRUE(h.open_at(0, 13 * 60 + 29));
  EXPECT_FALSE(h.open_at(0, 13 * 60 + 30));
  EXPECT_FALSE(h.open_at(0, 13 * 60 + 45));
  EXPECT_TRUE(h.open_at(0, 14 * 60));
  EXPECT_FALSE(h.open_at(0, 17 * 60));
  EXPECT_FALSE(h.open_at(1, 10 * 60));  // Tuesday not given: closed
  EXPECT_FALSE(h.open_at(-1, 10 * 60));
  EXPECT_FALSE(h.open_at(7, 10 * 60));
}

TEST(TimeRange, FormatAndParse) {
  EXPECT_EQ(format_minute_of_day(9 * 60 + 5), "09:05");
  EXPECT_EQ(format_minute_of_day(1440), "24:00");
  EXPECT_EQ(format_time_range({9 * 60, 13 * 60 + 30}), "09:00-13:30");
  TimeRange r;
  ASSERT_TRUE(parse_time_range("09:00-13:30", r));
  EXPECT_EQ(r.from_minute, 540);
  EXPECT_EQ(r.to_minute, 810);
  ASSERT_TRUE(parse_time_range("00:00-24:00", r));
  EXPECT_EQ(r.to_minute, 1440);
}

TEST(TimeRange, ParseRejects) {
  TimeRange r{1, 2};
  for (const char* bad : {"", "9:00-13:30", "09:00-13:3", "09:00 13:30", "13:30-09:00", "09:00-09:00", "24:00-24:00",
                          "09:60-10:00", "25:00-26:00", "09:00-24:30", "ab:cd-ef:gh", "09:00-13:30 "}) {
    EXPECT_FALSE(parse_time_range(bad, r)) << bad;
  }
  EXPECT_EQ(r.from_minute, 1);
  EXPECT_EQ(r.to_minute, 2);
}

TEST(Weekdays, CodesAndNames) {
  EXPECT_STREQ(weekday_code(0), "mon");
  EXPECT_STREQ(weekday_code(6), "sun");
  EXPECT_STREQ(weekday_name(4), "Friday");
  EXPECT_STREQ(weekday_code(7), "");
  EXPECT_STREQ(weekday_name(-1), "");
}

Catalogue small() {
  Catalogue c;
  c.departments = {{"health", {{{"en", "Health"}}}}, {"revenue", {{{"en", "Revenue"}}}}};
  c.priority_categories = {{"elderly", {{{"en", "Senior citizen"}}}}};
  c.counters = {{"C1", {{{"en", "Counter 1"}}}, "left", 1}, {"C2", {{{"en", "Counter 2"}}}, "right", 2}};
  Service a;
  a.id = "birth";
  a.department = "health";
  a.prefix = "A";
  a.counters = {"C1", "C2"};
  Service d;
  d.id = "income";
  d.department = "revenue";
  d.prefix = "D";
  d.counters = {"C2"};
  Service f;
  f.id = "marriage";
  f.department = "revenue";
  f.prefix = "F";
  f.counters = {"C2", "C1"};
  c.services = {a, d, f};
  return c;
}

TEST(Catalogue, LookupsById) {
  const Catalogue c = small();
  ASSERT_NE(c.service("income"), nullptr);
  EXPECT_EQ(c.service("income")->prefix, "D");
  EXPECT_EQ(c.service("nope"), nullptr);
  ASSERT_NE(c.counter("C2"), nullptr);
  EXPECT_EQ(c.counter("C2")->number, 2);
  EXPECT_EQ(c.counter("C9"), nullptr);
  ASSERT_NE(c.department("revenue"), nullptr);
  EXPECT_EQ(c.department("revenue")->name.get(), "Revenue");
  EXPECT_EQ(c.department("x"), nullptr);
  ASSERT_NE(c.priority_category("elderly"), nullptr);
  EXPECT_EQ(c.priority_category("vip"), nullptr);
}

TEST(Catalogue, ServicesOfCounterInCatalogueOrder) {
  const Catalogue c = small();
  auto of = [&](const std::string& id) {
    std::vector<std::string> out;
    for (const Service* s : c.services_of_counter(id)) out.push_back(s->id);
    return out;
  };
  EXPECT_EQ(of("C1"), (std::vector<std::string>{"birth", "marriage"}));
  EXPECT_EQ(of("C2"), (std::vector<std::string>{"birth", "income", "marriage"}));
  EXPECT_TRUE(of("C3").empty());
}

}  // namespace
}  // namespace guichet::domain
