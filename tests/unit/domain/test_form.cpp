#include <gtest/gtest.h>

#include <set>

#include "guichet/domain/form.hpp"

namespace guichet::domain {
namespace {

FormField field(const char* id, const char* label, FieldType type, bool required = true) {
  FormField f;
  f.id = id;
  f.label.by_lang["en"] = label;
  f.type = type;
  f.required = required;
  return f;
}

Pattern pattern(const char* source) {
  Pattern p;
  std::string error;
  EXPECT_TRUE(Pattern::compile(source, p, error)) << error;
  return p;
}

Date day(const char* text) {
  Date d;
  EXPECT_TRUE(parse_date(text, d)) << text;
  return d;
}

// A value's problem code, or "" when it is accepted.
std::string code(const FormField& f, std::string_view raw, const FormCheckOptions& o = {}) {
  const ValueCheck r = check_value(f, raw, o);
  return r.problem ? field_problem_code(r.problem->code) : "";
}
std::string value(const FormField& f, std::string_view raw, const FormCheckOptions& o = {}) {
  const ValueCheck r = check_value(f, raw, o);
  EXPECT_FALSE(r.problem) << raw << ": " << (r.problem ? r.problem->message : "");
  return r.value;
}
std::string message(const FormField& f, std::string_view raw, const FormCheckOptions& o = {}) {
  const ValueCheck r = check_value(f, raw, o);
  EXPECT_TRUE(r.problem) << raw;
  return r.problem ? r.problem->message : "";
}

// The birth certificate form of the demo centre, shortened.
std::vector<FormField> birth_form() {
  FormField name = field("child-name", "Child's full name", FieldType::Text);
  name.max_length = 100;
  FormField born = field("date-of-birth", "Date of birth", FieldType::Date);
  born.not_in_future = true;
  FormField place = field("place-of-birth", "Place of birth", FieldType::Choice);
  FieldChoice hospital{"hospital", {}}, home{"home", {}};
  hospital.label.by_lang["en"] = "Hospital";
  home.label.by_lang["en"] = "Home";
  place.choices = {hospital, home};
  FormField phone = field("mobile", "Mobile number", FieldType::Phone, false);
  phone.pattern = pattern("(\\+91)?[6-9][0-9]{9}");
  phone.example = "98140 12345";
  return {name, born, place, phone};
}

TEST(FormCheck, AValidFormGivesNormalisedValues) {
  FormCheckOptions o;
  o.today = day("2026-03-10");
  const FormCheck r = check_form(birth_form(),
                                 {{"child-name", "  Simran   Kaur "},
                                  {"date-of-birth", "28/02/2026"},
                                  {"place-of-birth", "hospital"},
                                  {"mobile", " 98140-12345 "}},
                                 o);
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0].message);
  EXPECT_EQ(r.values, (std::map<std::string, std::string>{{"child-name", "Simran Kaur"},
                                                          {"date-of-birth", "2026-02-28"},
                                                          {"place-of-birth", "hospital"},
                                                          {"mobile", "9814012345"}}));
}

TEST(FormCheck, EveryProblemAtOnceInFormOrder) {
  FormCheckOptions o;
  o.today = day("2026-03-10");
  const FormCheck r = check_form(birth_form(),
                                 {{"date-of-birth", "2026-03-11"},
                                  {"place-of-birth", "street"},
                                  {"mobile", "12345"},
                                  {"aadhaar", "2345"},
                                  {"colour", "blue"}},
                                 o);
  ASSERT_EQ(r.problems.size(), 6u);
  EXPECT_EQ(r.problems[0].field, "child-name");
  EXPECT_EQ(r.problems[0].code, FieldProblemCode::Missing);
  EXPECT_EQ(r.problems[0].message, "Child's full name is required.");
  EXPECT_EQ(r.problems[1].field, "date-of-birth");
  EXPECT_EQ(r.problems[1].message, "Date of birth cannot be after today (2026-03-10).");
  EXPECT_EQ(r.problems[2].message, "Place of birth must be one of: Hospital, Home.");
  EXPECT_EQ(r.problems[3].message,
            "Mobile number must be a telephone number of 7 to 15 digits, for example 98140 12345.");
  // Unknown fields last, by id.
  EXPECT_EQ(r.problems[4].field, "aadhaar");
  EXPECT_EQ(r.problems[4].code, FieldProblemCode::UnknownField);
  EXPECT_EQ(r.problems[4].message, "This form has no field 'aadhaar'.");
  EXPECT_EQ(r.problems[5].field, "colour");
  EXPECT_TRUE(r.values.empty());
}

TEST(FormCheck, OptionalFieldsMayBeLeftOutOrBlank) {
  const FormCheck r = check_form(
      birth_form(),
      {{"child-name", "Aarav Singh"}, {"date-of-birth", "2026-01-05"}, {"place-of-birth", "home"}, {"mobile", "   "}});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.values.count("mobile"), 0u);
}

TEST(FormCheck, BlankRequiredIsMissing) {
  const FormField f = field("name", "Applicant's name", FieldType::Text);
  EXPECT_EQ(code(f, ""), "missing");
  EXPECT_EQ(code(f, " \t\n "), "missing");
}

TEST(FormCheck, TextLengthsCountCharactersNotBytes) {
  FormField f = field("name", "Name", FieldType::Text);
  f.min_length = 2;
  f.max_length = 5;
  EXPECT_EQ(value(f, "ਸਿਮਰਨ"), "ਸਿਮਰਨ");  // five characters, fifteen bytes
  EXPECT_EQ(code(f, "ਸਿਮਰਨਜੀ"), "too_long");
  EXPECT_EQ(message(f, "abcdef"), "Name must be at most 5 characters long.");
  EXPECT_EQ(message(f, "a"), "Name must be at least 2 characters long.");
  EXPECT_EQ(value(f, "a  b"), "a b");  // inner spaces collapse before counting
}

TEST(FormCheck, NoValueIsLongerThanTheCap) {
  const FormField f = field("name", "Name", FieldType::Text);
  EXPECT_EQ(code(f, std::string(kMaxValueChars, 'a')), "");
  EXPECT_EQ(code(f, std::string(kMaxValueChars + 1, 'a')), "too_long");
}

TEST(FormCheck, InvalidTextIsRefused) {
  const FormField f = field("name", "Name", FieldType::Text);
  EXPECT_EQ(code(f, "ab\xff"), "invalid_text");
  EXPECT_EQ(code(f, "\xe0\xa8"), "invalid_text");  // cut short
  EXPECT_EQ(code(f, "\xc0\xaf"), "invalid_text");  // overlong '/'
  EXPECT_EQ(code(f, "a\x01z"), "invalid_text");
  EXPECT_EQ(code(f, "\xed\xa0\x80"), "invalid_text");  // a surrogate
  EXPECT_EQ(value(f, "line\none"), "line one");
}

TEST(FormCheck, Pattern) {
  FormField f = field("licence", "Licence number", FieldType::Text);
  f.pattern = pattern("PB[0-9]{2} ?[0-9]{11}");
  f.example = "PB10 20190012345";
  EXPECT_EQ(value(f, " PB10 20190012345 "), "PB10 20190012345");
  EXPECT_EQ(code(f, "PB10-20190012345"), "pattern_mismatch");
  EXPECT_EQ(message(f, "HR26 20190012345"),
            "Licence number is not in the expected form, for example PB10 20190012345.");
  f.example.clear();
  EXPECT_EQ(message(f, "x"), "Licence number is not in the expected form.");
}

TEST(FormCheck, Numbers) {
  FormField f = field("income", "Annual income (₹)", FieldType::Number);
  f.min = 0;
  f.max = 10'000'000;
  EXPECT_EQ(value(f, "360000"), "360000");
  EXPECT_EQ(value(f, "00360000"), "360000");
  EXPECT_EQ(value(f, "0"), "0");
  EXPECT_EQ(value(f, "000"), "0");
  EXPECT_EQ(value(f, "+12"), "12");
  EXPECT_EQ(value(f, "10000000"), "10000000");
  for (const char* bad : {"3,60,000", "12a", "1e6", "-", ".5", "5.", "₹100", "1 000", "--1"}) {
    EXPECT_EQ(code(f, bad), "not_a_number") << bad;
  }
  EXPECT_EQ(message(f, "abc"), "Annual income (₹) must be a number written with digits only.");
  EXPECT_EQ(code(f, "12.5"), "too_many_decimals");
  EXPECT_EQ(message(f, "12.5"), "Annual income (₹) must be a whole number.");
  EXPECT_EQ(code(f, "-1"), "below_minimum");
  EXPECT_EQ(message(f, "-1"), "Annual income (₹) must be at least 0.");
  EXPECT_EQ(message(f, "10000001"), "Annual income (₹) must be at most 10000000.");
}

TEST(FormCheck, NumbersWithDecimals) {
  FormField f = field("area", "Plot area (square metres)", FieldType::Number);
  f.decimals = 2;
  f.min = 0.5;
  EXPECT_EQ(value(f, "120.50"), "120.50");
  EXPECT_EQ(value(f, "0.5"), "0.5");
  EXPECT_EQ(code(f, "0.49"), "below_minimum");
  EXPECT_EQ(message(f, "0.49"), "Plot area (square metres) must be at least 0.5.");
  EXPECT_EQ(message(f, "1.125"), "Plot area (square metres) may have at most 2 decimal places.");
  f.min.reset();
  EXPECT_EQ(value(f, "-0.00"), "0.00");
  EXPECT_EQ(value(f, "-007.25"), "-7.25");
}

TEST(FormCheck, Dates) {
  FormField f = field("dob", "Date of birth", FieldType::Date);
  EXPECT_EQ(value(f, "1961-08-15"), "1961-08-15");
  EXPECT_EQ(value(f, "15/08/1961"), "1961-08-15");
  EXPECT_EQ(value(f, "5-8-1961"), "1961-08-05");
  EXPECT_EQ(value(f, "29/02/2028"), "2028-02-29");
  for (const char* bad : {"29/02/2026", "31/04/2026", "2026-13-01", "15.08.1961", "15/08/61", "15/08", "tomorrow",
                          "1961-8-15", "15/08/1961/1", "123/1/2026"}) {
    EXPECT_EQ(code(f, bad), "bad_date") << bad;
  }
  EXPECT_EQ(message(f, "30/02/2026"),
            "Date of birth must be a real date written like 2026-01-26 or 26/01/2026 (day first).");
}

TEST(FormCheck, NotInFutureNeedsToday) {
  FormField f = field("dob", "Date of birth", FieldType::Date);
  f.not_in_future = true;
  EXPECT_EQ(code(f, "2030-01-01"), "");  // no today given: not checked
  FormCheckOptions o;
  o.today = day("2026-12-31");
  EXPECT_EQ(code(f, "2026-12-31", o), "");
  EXPECT_EQ(code(f, "2027-01-01", o), "future_date");
}

TEST(FormCheck, Phones) {
  FormField f = field("mobile", "Mobile number", FieldType::Phone);
  EXPECT_EQ(value(f, "+91 98140 12345"), "+919814012345");
  EXPECT_EQ(value(f, "(0161) 240-1234"), "01612401234");
  for (const char* bad : {"12345", "9814012345678901", "98140x12345", "+", "++919814012345"}) {
    EXPECT_EQ(code(f, bad), "bad_phone") << bad;
  }
  f.pattern = pattern("(\\+91)?[6-9][0-9]{9}");
  EXPECT_EQ(code(f, "01612401234"), "pattern_mismatch");  // the pattern sees the normalised value
  EXPECT_EQ(value(f, "98140 12345"), "9814012345");
}

TEST(FormCheck, Emails) {
  FormField f = field("email", "E-mail", FieldType::Email, false);
  EXPECT_EQ(value(f, " Simran.Kaur@Example.ORG "), "Simran.Kaur@example.org");
  for (const char* bad : {"simran", "@example.org", "simran@", "simran@example", "simran@@example.org",
                          "sim ran@example.org", "simran@exa mple.org", "simran@example..org", "simran@example.o",
                          "simran@-example.org", "simran@example.123"}) {
    EXPECT_EQ(code(f, bad), "bad_email") << bad;
  }
  f.max_length = 10;
  EXPECT_EQ(code(f, "simran@example.org"), "too_long");
}

TEST(FormCheck, Choices) {
  const std::vector<FormField> form = birth_form();
  const FormField& f = form[2];
  EXPECT_EQ(value(f, " home "), "home");
  EXPECT_EQ(code(f, "Home"), "unknown_choice");  // ids are exact
}

TEST(FormCheck, YesNo) {
  const FormField f = field("first-child", "First child", FieldType::YesNo);
  for (const char* yes : {"yes", "Yes", "YES", "y", " Y "}) EXPECT_EQ(value(f, yes), "yes") << yes;
  for (const char* no : {"no", "No", "n"}) EXPECT_EQ(value(f, no), "no") << no;
  EXPECT_EQ(code(f, "maybe"), "not_yes_no");
  EXPECT_EQ(code(f, "true"), "not_yes_no");
  EXPECT_EQ(code(f, ""), "missing");
}

TEST(FormCheck, Aadhaar) {
  const FormField f = field("aadhaar", "Aadhaar number", FieldType::Aadhaar);
  EXPECT_EQ(value(f, "2345 6789 0124"), "234567890124");
  EXPECT_EQ(value(f, "4918-3620-3753"), "491836203753");
  EXPECT_EQ(message(f, "2345 6789 012"), "Aadhaar number must be 12 digits.");
  EXPECT_EQ(message(f, "1345 6789 0124"), "Aadhaar number cannot start with 0 or 1.");
  EXPECT_EQ(message(f, "2345 6789 0125"),
            "Aadhaar number is not a valid Aadhaar number: a digit is wrong or two digits are swapped.");
  EXPECT_EQ(code(f, "2345 6789 0214"), "bad_aadhaar");  // two digits swapped
  EXPECT_EQ(code(f, "2345x6789x0124"), "bad_aadhaar");
}

TEST(Verhoeff, KnownValues) {
  EXPECT_TRUE(verhoeff_valid("2363"));  // the textbook example: 236 gets check digit 3
  EXPECT_FALSE(verhoeff_valid("2364"));
  EXPECT_FALSE(verhoeff_valid("2633"));  // adjacent transposition caught
  EXPECT_TRUE(verhoeff_valid("871204569031"));
  EXPECT_FALSE(verhoeff_valid(""));
  EXPECT_FALSE(verhoeff_valid("23a3"));
  // Every single-digit error in a 12-digit number is caught.
  const std::string good = "234567890124";
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (char c = '0'; c <= '9'; ++c) {
      if (c == good[i]) continue;
      std::string bad = good;
      bad[i] = c;
      EXPECT_FALSE(verhoeff_valid(bad)) << bad;
    }
  }
}

TEST(FormCheck, ProblemCodesAreDistinct) {
  std::set<std::string> codes;
  for (int i = 0; i <= static_cast<int>(FieldProblemCode::BadAadhaar); ++i) {
    const std::string c = field_problem_code(static_cast<FieldProblemCode>(i));
    EXPECT_FALSE(c.empty()) << i;
    EXPECT_TRUE(codes.insert(c).second) << c;
  }
}

TEST(FormCheck, LabelFallsBackToTheId) {
  FormField f;
  f.id = "occupation";
  f.required = true;
  EXPECT_EQ(message(f, ""), "occupation is required.");
  // The label is read once per check and kept by reference: an empty English label is the id,
  // a label only in another language is that one (LocalizedText::get's fallback).
  f.label.by_lang["en"] = "";
  EXPECT_EQ(message(f, "  "), "occupation is required.");
  f.label.by_lang.clear();
  f.label.by_lang["pa"] = "Kitta";
  EXPECT_EQ(message(f, ""), "Kitta is required.");
}

}  // namespace
}  // namespace guichet::domain
