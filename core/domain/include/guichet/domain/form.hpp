// Checking an application form: the values a citizen or an operator typed, against the service's
// form in the catalogue. Pure; the terminal checks before it saves, the server checks again.
//
// Every value is normalised first, and the normalised value is what is checked and stored:
//   - all types: spaces at both ends are dropped; a value that is then empty was not given;
//   - text: runs of spaces, tabs and line breaks inside become one space;
//   - phone: spaces, '-', '.', '(' and ')' are dropped ("98140 12345" → "9814012345");
//   - aadhaar: spaces and '-' are dropped ("2345 6789 0124" → "234567890124");
//   - number: leading zeros are dropped ("007" → "7");
//   - date: "DD/MM/YYYY" and "DD-MM-YYYY" (day first, as written in India and France) become
//     "YYYY-MM-DD";
//   - yes_no: "Yes", "YES", "y" → "yes"; "No", "n" → "no".
// No value may be longer than kMaxValueChars characters, whatever the field says.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/time.hpp"

namespace guichet::domain {

inline constexpr int kMaxValueChars = 1000;

enum class FieldProblemCode {
  Missing,          // a required field has no value
  UnknownField,     // a value for a field the form does not have
  InvalidText,      // not valid UTF-8, or control characters
  TooShort,         // fewer characters than min_length
  TooLong,          // more characters than max_length (or kMaxValueChars)
  PatternMismatch,  // does not match the field's pattern
  NotANumber,       // not digits with an optional sign and decimal point
  TooManyDecimals,  // more decimal places than the field allows
  BelowMinimum,     // a number under min
  AboveMaximum,     // a number over max
  BadDate,          // not a real date in a known form
  FutureDate,       // after today in a not_in_future field
  BadPhone,         // not 7 to 15 digits
  BadEmail,         // not name@domain.tld
  UnknownChoice,    // not one of the choices
  NotYesNo,         // not yes or no
  BadAadhaar,       // not 12 digits, starts with 0 or 1, or wrong check digit
};

// "missing", "unknown_field", "too_long", …: stable codes for the wire and for translations.
const char* field_problem_code(FieldProblemCode code);

struct FieldProblem {
  std::string field;  // the field's id
  FieldProblemCode code = FieldProblemCode::Missing;
  std::string message;  // one English sentence naming the field by its English label
};

struct FormCheckOptions {
  // The day the form is checked in the centre's zone; not_in_future is checked only when given.
  std::optional<Date> today;
};

struct FormCheck {
  std::map<std::string, std::string> values;  // normalised values of the form's fields that were given
  std::vector<FieldProblem> problems;         // in form order, then unknown fields by id
  bool ok() const { return problems.empty(); }
};

// One value for one field: the normalised value, or the problem with it. An empty (or blank)
// value gives an empty normalised value, and the Missing problem when the field is required.
struct ValueCheck {
  std::string value;
  std::optional<FieldProblem> problem;
};
ValueCheck check_value(const FormField& field, std::string_view raw, const FormCheckOptions& options = {});

// Every problem of a whole form at once, so the citizen can fix them all in one go.
FormCheck check_form(const std::vector<FormField>& form, const std::map<std::string, std::string>& submitted,
                     const FormCheckOptions& options = {});

// The Verhoeff check used by Aadhaar numbers: true when `digits` (all '0'–'9') carries a valid
// check digit as its last digit.
bool verhoeff_valid(std::string_view digits);

}  // namespace guichet::domain
