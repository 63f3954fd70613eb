#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/calendar.hpp"
#include "guichet/domain/form.hpp"
#include "guichet/domain/queue.hpp"

namespace guichet::config {
namespace {

namespace fs = std::filesystem;

const fs::path kHere = fs::path(GUICHET_SOURCE_DIR) / "tests/unit/config";
const fs::path kDemo = fs::path(GUICHET_SOURCE_DIR) / "sync-server/catalogue/demo-centre.toml";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CatalogueLoader, DemoCentreLoads) {
  auto r = load_catalogue(kDemo.string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const domain::Catalogue& c = r.value();
  EXPECT_EQ(c.version, 1);
  EXPECT_EQ(c.centre.id, "LDH01");
  EXPECT_EQ(c.centre.utc_offset_minutes, 330);
  EXPECT_EQ(c.centre.currency, "INR");
  EXPECT_EQ(c.centre.languages, (std::vector<std::string>{"en", "pa", "hi", "ur", "fr"}));
  EXPECT_GE(c.services.size(), 12u);
  EXPECT_GE(c.departments.size(), 5u);
  EXPECT_GE(c.counters.size(), 4u);
  EXPECT_LE(c.counters.size(), 6u);
  for (const char* cat : {"elderly", "disabled", "pregnant", "ex-servicemen"}) {
    EXPECT_NE(c.priority_category(cat), nullptr) << cat;
  }
  for (const char* id : {"C1", "C2", "C3", "C4"}) EXPECT_NE(c.counter(id), nullptr) << id;
  EXPECT_EQ(c.service("birth-certificate")->prefix, "A");
  EXPECT_EQ(c.service("death-certificate")->prefix, "B");

  std::set<std::string> prefixes;
  std::set<std::string> departments_used;
  bool some_morning_only = false;
  for (const auto& s : c.services) {
    SCOPED_TRACE(s.id);
    EXPECT_TRUE(prefixes.insert(s.prefix).second);
    departments_used.insert(s.department);
    EXPECT_FALSE(s.counters.empty());
    EXPECT_GT(s.typical_service_minutes, 0);
    for (const char* lang : {"en", "pa", "hi", "ur", "fr"}) EXPECT_EQ(s.name.by_lang.count(lang), 1u) << lang;
    EXPECT_TRUE(s.hours.by_weekday[6].empty()) << "open on Sunday";
    for (int wd = 0; wd < 5; ++wd) {
      EXPECT_FALSE(s.hours.by_weekday[static_cast<std::size_t>(wd)].empty()) << "closed on weekday " << wd;
    }
    const auto& monday = s.hours.by_weekday[0];
    some_morning_only = some_morning_only || (!monday.empty() && monday.back().to_minute <= 13 * 60 + 30);
  }
  EXPECT_GE(departments_used.size(), 5u);
  EXPECT_TRUE(some_morning_only);
  EXPECT_EQ(c.policy.normal_per_priority, 2);
  EXPECT_EQ(c.policy.max_wait_minutes, 45);
  EXPECT_EQ(c.policy.carry_over, domain::CarryOver::NextDay);
}

TEST(CatalogueLoader, DemoCentreDrivesAQueue) {
  auto r = load_catalogue(kDemo.string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto cat = std::make_shared<domain::Catalogue>(std::move(r.value()));
  domain::Queue q(cat, "2026-11-23");
  domain::Instant mon10;
  ASSERT_TRUE(domain::parse_iso("2026-11-23T10:00:00+05:30", mon10));
  auto t = q.issue({"birth-certificate", "elderly", "pa", "K1"}, mon10);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->token.id, "LDH01-20261123-A001");
  domain::Instant sunday;
  ASSERT_TRUE(domain::parse_iso("2026-11-29T10:00:00+05:30", sunday));
  auto closed = q.issue({"birth-certificate", "", "en", "K1"}, sunday);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().message, "Birth certificate is closed now; it opens tomorrow at 09:00");
}

TEST(CatalogueLoader, DemoCentreHasApplicationFormsInEveryLanguage) {
  auto r = load_catalogue(kDemo.string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const std::vector<std::string> langs{"en", "pa", "hi", "ur", "fr"};
  auto in_every_language = [&](const domain::LocalizedText& t) {
    return std::all_of(langs.begin(), langs.end(), [&](const std::string& l) { return t.by_lang.count(l) == 1; });
  };
  for (const auto& s : r->services) {
    SCOPED_TRACE(s.id);
    EXPECT_GE(s.form.size(), 5u);
    EXPECT_GE(s.documents.size(), 2u);
    EXPECT_TRUE(std::any_of(s.form.begin(), s.form.end(), [](const auto& f) { return f.required; }));
    EXPECT_TRUE(std::any_of(s.documents.begin(), s.documents.end(), [](const auto& d) { return d.required; }));
    for (const auto& f : s.form) {
      SCOPED_TRACE(f.id);
      EXPECT_TRUE(in_every_language(f.label));
      EXPECT_TRUE(f.help.by_lang.empty() || in_every_language(f.help));
      // Choices that are words are translated; symbols such as "AB+" or "2026–27" need not be.
      for (const auto& c : f.choices) EXPECT_EQ(c.label.by_lang.count("en"), 1u) << c.id;
      if (!f.example.empty()) {
        EXPECT_FALSE(domain::check_value(f, f.example).problem) << f.example;
      }
    }
    for (const auto& d : s.documents) {
      SCOPED_TRACE(d.id);
      EXPECT_TRUE(in_every_language(d.name));
      EXPECT_TRUE(d.help.by_lang.empty() || in_every_language(d.help));
    }
  }
  const domain::Service& licence = *r->service("driving-licence-renewal");
  const domain::FormField& number = *licence.field("licence-number");
  EXPECT_TRUE(number.pattern.matches("PB10 20190012345"));
  EXPECT_FALSE(number.pattern.matches("PB10 2019001234"));
  ASSERT_NE(licence.field("blood-group"), nullptr);
  EXPECT_EQ(licence.field("blood-group")->choices.size(), 9u);
  const auto& docs = licence.documents;
  EXPECT_TRUE(std::any_of(docs.begin(), docs.end(), [](const auto& d) { return d.id == "form-1a"; }));
}

TEST(CatalogueLoader, DemoCentreCalendar2026) {
  auto r = load_catalogue(kDemo.string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const domain::WorkingCalendar& cal = r->calendar;
  EXPECT_EQ(cal.working_weekdays, (std::array<bool, 7>{true, true, true, true, true, true, false}));
  EXPECT_EQ(cal.extra_days_at_centre, 2);
  EXPECT_GE(cal.holidays.size(), 12u);
  for (const auto& h : cal.holidays) {
    EXPECT_EQ(static_cast<int>(h.date.year()), 2026) << domain::format_date(h.date);
    EXPECT_EQ(h.name.by_lang.size(), 5u) << domain::format_date(h.date);
  }
  domain::Date d;
  ASSERT_TRUE(domain::parse_date("2026-01-26", d));
  ASSERT_NE(domain::holiday_on(cal, d), nullptr);
  EXPECT_EQ(domain::holiday_on(cal, d)->name.get(), "Republic Day");
  // A birth certificate (5 working days) asked for at the centre on Friday 20 Nov 2026: 7 working
  // days with Sunday 22 and Guru Nanak's birthday on Tuesday 24 Nov skipped.
  ASSERT_TRUE(domain::parse_date("2026-11-20", d));
  const int limit = r->service("birth-certificate")->time_limit_days;
  EXPECT_EQ(domain::format_date(domain::due_date(cal, d, limit, domain::Filed::AtCentre)), "2026-11-30");
  EXPECT_EQ(domain::format_date(domain::due_date(cal, d, limit, domain::Filed::Elsewhere)), "2026-11-27");
}

TEST(CatalogueLoader, DemoBirthApplicationIsChecked) {
  auto r = load_catalogue(kDemo.string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  domain::FormCheckOptions today;
  ASSERT_TRUE(domain::parse_date("2026-11-23", today.today.emplace()));
  const auto& form = r->service("birth-certificate")->form;
  const domain::FormCheck ok = domain::check_form(form,
                                                  {{"date-of-birth", "14/11/2026"},
                                                   {"gender", "female"},
                                                   {"place-of-birth", "hospital"},
                                                   {"hospital-name", "Civil Hospital, Ludhiana"},
                                                   {"father-name", "Gurpreet Singh"},
                                                   {"mother-name", "Harleen Kaur"},
                                                   {"address", "House 12, Street 4, Model Town, Ludhiana"},
                                                   {"mobile", "98140 12345"}},
                                                  today);
  EXPECT_TRUE(ok.ok()) << (ok.problems.empty() ? "" : ok.problems[0].message);
  EXPECT_EQ(ok.values.at("date-of-birth"), "2026-11-14");
  const domain::FormCheck bad =
      domain::check_form(form, {{"date-of-birth", "24/11/2026"}, {"place-of-birth", "street"}}, today);
  std::vector<std::string> codes;
  for (const auto& p : bad.problems) codes.push_back(p.field + ":" + domain::field_problem_code(p.code));
  EXPECT_EQ(codes, (std::vector<std::string>{"date-of-birth:future_date", "gender:missing",
                                             "place-of-birth:unknown_choice", "father-name:missing",
                                             "mother-name:missing", "address:missing", "mobile:missing"}));
}

TEST(CatalogueLoader, MinimalCatalogueGetsDefaults) {
  auto r = load_catalogue((kHere / "valid/minimal.toml").string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const domain::Catalogue& c = r.value();
  EXPECT_EQ(c.centre.currency, "INR");
  EXPECT_EQ(c.centre.address, "");
  EXPECT_EQ(c.centre.name.get("pa"), "ਟੈਸਟ ਕੇਂਦਰ");
  EXPECT_EQ(c.policy.normal_per_priority, 2);
  EXPECT_EQ(c.policy.recall_limit, 2);
  const domain::Service& s = c.services.at(0);
  EXPECT_EQ(s.typical_service_minutes, 5);
  EXPECT_EQ(s.fee_minor, 5000);
  EXPECT_EQ(s.daily_cap, 100);
  EXPECT_EQ(s.time_limit_days, 5);
  EXPECT_EQ(s.priority_categories, std::vector<std::string>{"elderly"});
  // Hours come from the centre's default.
  ASSERT_EQ(s.hours.by_weekday[0].size(), 2u);
  EXPECT_EQ(domain::format_time_range(s.hours.by_weekday[0][1]), "14:00-17:00");
  EXPECT_TRUE(s.hours.by_weekday[5].empty());
  EXPECT_TRUE(s.hours.by_weekday[6].empty());
}

TEST(CatalogueLoader, ServiceHoursReplaceTheDefault) {
  std::string text = read(kHere / "valid/minimal.toml");
  text += "hours.sat-sun = [\"10:00-12:00\"]\n";
  auto r = parse_catalogue(text, "inline.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& h = r->services.at(0).hours;
  EXPECT_TRUE(h.by_weekday[0].empty());
  EXPECT_TRUE(h.open_at(5, 10 * 60));
  EXPECT_TRUE(h.open_at(6, 11 * 60 + 59));
}

TEST(CatalogueLoader, MinimalCatalogueHasNoFormAndADefaultCalendar) {
  auto r = load_catalogue((kHere / "valid/minimal.toml").string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->services.at(0).form.empty());
  EXPECT_TRUE(r->services.at(0).documents.empty());
  const domain::WorkingCalendar& cal = r->calendar;
  EXPECT_EQ(cal.working_weekdays, (std::array<bool, 7>{true, true, true, true, true, true, false}));
  EXPECT_TRUE(cal.holidays.empty());
  EXPECT_EQ(cal.extra_days_at_centre, 0);
}

TEST(CatalogueLoader, ApplicationFormDocumentsAndCalendar) {
  auto r = load_catalogue((kHere / "valid/applications.toml").string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const domain::Service& s = r->services.at(0);
  ASSERT_EQ(s.form.size(), 8u);
  std::vector<std::string> types;
  for (const auto& f : s.form) types.push_back(domain::field_type_code(f.type));
  EXPECT_EQ(types,
            (std::vector<std::string>{"text", "date", "number", "choice", "phone", "email", "yes_no", "aadhaar"}));

  const domain::FormField& name = s.form[0];
  EXPECT_EQ(name.id, "child-name");
  EXPECT_TRUE(name.required);
  EXPECT_EQ(name.min_length, 2);
  EXPECT_EQ(name.max_length, 100);
  EXPECT_EQ(name.label.get("pa"), "ਬੱਚੇ ਦਾ ਪੂਰਾ ਨਾਮ");
  EXPECT_EQ(name.help.get(), "As it should appear on the certificate");
  EXPECT_TRUE(name.pattern.empty());
  EXPECT_TRUE(s.form[1].not_in_future);
  EXPECT_EQ(s.form[1].example, "14/04/2026");
  const domain::FormField& weight = *s.field("birth-weight");
  EXPECT_FALSE(weight.required);
  EXPECT_EQ(weight.min, 0.3);
  EXPECT_EQ(weight.max, 7.0);
  EXPECT_EQ(weight.decimals, 2);
  const domain::FormField& place = *s.field("place-of-birth");
  ASSERT_EQ(place.choices.size(), 2u);
  EXPECT_EQ(place.choices[0].id, "hospital");
  EXPECT_EQ(place.choices[0].label.get("pa"), "ਹਸਪਤਾਲ");
  const domain::FormField& mobile = *s.field("mobile");
  EXPECT_EQ(mobile.pattern.source(), "(\\+91)?[6-9][0-9]{9}");
  EXPECT_TRUE(mobile.pattern.matches("+919814012345"));
  EXPECT_EQ(s.field("nothing"), nullptr);

  ASSERT_EQ(s.documents.size(), 2u);
  EXPECT_EQ(s.documents[0].id, "discharge-slip");
  EXPECT_TRUE(s.documents[0].required);
  EXPECT_EQ(s.documents[0].help.get(), "Original, returned at the counter");
  EXPECT_FALSE(s.documents[1].required);
  EXPECT_TRUE(s.documents[1].help.by_lang.empty());

  const domain::WorkingCalendar& cal = r->calendar;
  EXPECT_EQ(cal.working_weekdays, (std::array<bool, 7>{true, true, true, true, true, false, false}));
  EXPECT_EQ(cal.extra_days_at_centre, 2);
  ASSERT_EQ(cal.holidays.size(), 2u);
  EXPECT_EQ(domain::format_date(cal.holidays[0].date), "2026-01-26");
  EXPECT_EQ(cal.holidays[0].name.get("pa"), "ਗਣਤੰਤਰ ਦਿਵਸ");
  EXPECT_EQ(domain::format_date(cal.holidays[1].date), "2026-08-15");
}

// Golden files: each broken/NAME.toml must be refused with exactly the text in broken/NAME.expected.
TEST(CatalogueLoader, BrokenFilesGiveTheExpectedErrors) {
  int checked = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kHere / "broken")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    if (p.extension() == ".expected") {
      EXPECT_TRUE(fs::exists(fs::path(p).replace_extension(".toml"))) << "expected text without input: " << p;
      continue;
    }
    ASSERT_EQ(p.extension(), ".toml") << p;
    SCOPED_TRACE(p.filename().string());
    const fs::path expected = fs::path(p).replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected) || std::getenv("GUICHET_UPDATE_GOLDEN") != nullptr) << "no golden text for " << p;
    auto r = parse_catalogue(read(p), p.filename().string());
    ASSERT_FALSE(r.ok()) << "a broken catalogue was accepted";
    if (std::getenv("GUICHET_UPDATE_GOLDEN") != nullptr) {
      // GUICHET_UPDATE_GOLDEN=1 rewrites the .expected files; review the diff before committing.
      std::ofstream(expected, std::ios::binary) << r.error().to_string();
    }
    EXPECT_EQ(r.error().to_string(), read(expected));
    for (const auto& e : r.error().errors) {
      EXPECT_GT(e.line, 0) << e.to_string();
      EXPECT_GT(e.column, 0) << e.to_string();
    }
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(CatalogueLoader, LoadFileReportsThePathItWasGiven) {
  const fs::path p = kHere / "broken/unknown-department.toml";
  auto r = load_catalogue(p.string());
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().errors.size(), 1u);
  EXPECT_EQ(r.error().errors[0].file, p.string());
  EXPECT_EQ(r.error().errors[0].line, 28);
  EXPECT_EQ(r.error().errors[0].column, 14);
}

TEST(CatalogueLoader, MissingFile) {
  auto r = load_catalogue("/nonexistent/centre.toml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().errors.size(), 1u);
  EXPECT_EQ(r.error().errors[0].line, 0);
  EXPECT_EQ(r.error().to_string(), "/nonexistent/centre.toml: cannot read the catalogue: No such file or directory\n");
}

TEST(CatalogueLoader, EmptyTextIsRefused) {
  auto r = parse_catalogue("", "empty.toml");
  ASSERT_FALSE(r.ok());
  const std::string text = r.error().to_string();
  EXPECT_NE(text.find("empty.toml:1:1: the catalogue is missing required key 'version'"), std::string::npos) << text;
  EXPECT_NE(text.find("missing required key 'services'"), std::string::npos) << text;
}

TEST(ConfigError, Formatting) {
  EXPECT_EQ((ConfigError{"a.toml", 4, 7, "bad"}).to_string(), "a.toml:4:7: bad");
  EXPECT_EQ((ConfigError{"a.toml", 4, 0, "bad"}).to_string(), "a.toml:4: bad");
  EXPECT_EQ((ConfigError{"a.toml", 0, 0, "bad"}).to_string(), "a.toml: bad");
  ConfigErrors all{{{"a.toml", 1, 2, "x"}, {"a.toml", 3, 4, "y"}}};
  EXPECT_EQ(all.to_string(), "a.toml:1:2: x\na.toml:3:4: y\n");
}

}  // namespace
}  // namespace guichet::config
