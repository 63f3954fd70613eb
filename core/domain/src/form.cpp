#include "guichet/domain/form.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace guichet::domain {

const char* field_problem_code(FieldProblemCode code) {
  switch (code) {
    case FieldProblemCode::Missing:
      return "missing";
    case FieldProblemCode::UnknownField:
      return "unknown_field";
    case FieldProblemCode::InvalidText:
      return "invalid_text";
    case FieldProblemCode::TooShort:
      return "too_short";
    case FieldProblemCode::TooLong:
      return "too_long";
    case FieldProblemCode::PatternMismatch:
      return "pattern_mismatch";
    case FieldProblemCode::NotANumber:
      return "not_a_number";
    case FieldProblemCode::TooManyDecimals:
      return "too_many_decimals";
    case FieldProblemCode::BelowMinimum:
      return "below_minimum";
    case FieldProblemCode::AboveMaximum:
      return "above_maximum";
    case FieldProblemCode::BadDate:
      return "bad_date";
    case FieldProblemCode::FutureDate:
      return "future_date";
    case FieldProblemCode::BadPhone:
      return "bad_phone";
    case FieldProblemCode::BadEmail:
      return "bad_email";
    case FieldProblemCode::UnknownChoice:
      return "unknown_choice";
    case FieldProblemCode::NotYesNo:
      return "not_yes_no";
    case FieldProblemCode::BadAadhaar:
      return "bad_aadhaar";
  }
  return "";
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }

// Characters in valid UTF-8 text with no control characters other than white space; nullopt when
// the bytes are not such text.
std::optional<int> text_length(std::string_view s) {
  int chars = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      if ((c < 0x20 && !is_space(static_cast<char>(c))) || c == 0x7f) return std::nullopt;
      n = 1;
      cp = c;
    } else if ((c & 0xe0) == 0xc0) {
      n = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + n > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points beyond Unicode are not text.
    static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return std::nullopt;
    i += n;
    ++chars;
  }
  return chars;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string collapse_spaces(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_space(c)) {
      if (out.empty() || out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string without(const std::string& s, std::string_view drop) {
  std::string out;
  for (char c : s) {
    if (drop.find(c) == std::string_view::npos) out.push_back(c);
  }
  return out;
}

std::string lower_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string number_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buf, end);
}

// "5/1/2026", "05-01-2026" (day first) and "2026-01-05".
bool parse_any_date(const std::string& s, Date& out) {
  if (parse_date(s, out)) return true;
  const char sep = s.find('/') != std::string::npos ? '/' : '-';
  const auto a = s.find(sep);
  const auto b = a == std::string::npos ? a : s.find(sep, a + 1);
  if (b == std::string::npos || s.find(sep, b + 1) != std::string::npos) return false;
  const std::string day = s.substr(0, a), month = s.substr(a + 1, b - a - 1), year = s.substr(b + 1);
  if (!all_digits(day) || !all_digits(month) || !all_digits(year) || day.size() > 2 || month.size() > 2 ||
      year.size() != 4) {
    return false;
  }
  const std::string iso =
      year + "-" + (month.size() == 1 ? "0" : "") + month + "-" + (day.size() == 1 ? "0" : "") + day;
  return parse_date(iso, out);
}

bool valid_email(const std::string& s) {
  const auto at = s.find('@');
  if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) return false;
  for (std::size_t i = 0; i < at; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c >= 0x7f || s[i] == '(' || s[i] == ')' || s[i] == ',' || s[i] == ';' || s[i] == ':' ||
        s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '[' || s[i] == ']' || s[i] == '\\') {
      return false;
    }
  }
  const std::string domain = s.substr(at + 1);
  std::size_t start = 0;
  int labels = 0;
  std::string last;
  while (true) {
    const auto dot = domain.find('.', start);
    const std::string label = domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) return false;
    }
    ++labels;
    last = label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels >= 2 && last.size() >= 2 && std::none_of(last.begin(), last.end(), is_digit);
}

class Checker {
 public:
  Checker(const FormField& field, const FormCheckOptions& options) : f_(field), options_(options) {}

  ValueCheck run(std::string_view raw) {
    ValueCheck out;
    const auto chars = text_length(raw);
    if (!chars) return fail(FieldProblemCode::InvalidText, label_ + " contains characters that are not text.");
    std::string v = trim(raw);
    if (v.empty()) {
      if (f_.required) return fail(FieldProblemCode::Missing, label_ + " is required.");
      return out;
    }
    if (*text_length(v) > kMaxValueChars) return too_long(kMaxValueChars);
    switch (f_.type) {
      case FieldType::Text:
        return text(collapse_spaces(v));
      case FieldType::Number:
        return number(v);
      case FieldType::Date:
        return date(v);
      case FieldType::Phone:
        return phone(without(v, " -.()\t"));
      case FieldType::Email:
        return email(v);
      case FieldType::Choice:
        return choice(v);
      case FieldType::YesNo:
        return yes_no(lower_ascii(v));
      case FieldType::Aadhaar:
        return aadhaar(without(v, " -"));
    }
    return out;
  }

 private:
  ValueCheck fail(FieldProblemCode code, std::string message) {
    return ValueCheck{"", FieldProblem{f_.id, code, std::move(message)}};
  }
  ValueCheck too_long(int max) {
    return fail(FieldProblemCode::TooLong,
                label_ + " must be at most " + std::to_string(max) + " character" + (max == 1 ? "" : "s") + " long.");
  }
  std::string for_example() const { return f_.example.empty() ? "" : ", for example " + f_.example; }

  ValueCheck lengths(std::string v) {
    const int n = *text_length(v);
    if (f_.min_length && n < *f_.min_length) {
      return fail(FieldProblemCode::TooShort, label_ + " must be at least " + std::to_string(*f_.min_length) +
                                                  " character" + (*f_.min_length == 1 ? "" : "s") + " long.");
    }
    if (f_.max_length && n > *f_.max_length) return too_long(*f_.max_length);
    return ValueCheck{std::move(v), std::nullopt};
  }

  ValueCheck pattern(std::string v) {
    if (!f_.pattern.matches(v)) {
      return fail(FieldProblemCode::PatternMismatch, label_ + " is not in the expected form" + for_example() + ".");
    }
    return ValueCheck{std::move(v), std::nullopt};
  }

  ValueCheck text(std::string v) {
    ValueCheck r = lengths(std::move(v));
    if (r.problem) return r;
    return pattern(std::move(r.value));
  }

  ValueCheck number(const std::string& v) {
    std::size_t i = 0;
    const bool negative = v[0] == '-';
    if (v[0] == '-' || v[0] == '+') i = 1;
    const auto dot = v.find('.', i);
    const std::string whole = v.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
    const std::string fraction = dot == std::string::npos ? "" : v.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string::npos && !all_digits(fraction))) {
      return fail(FieldProblemCode::NotANumber,
                  label_ + " must be a number written with digits only" + for_example() + ".");
    }
    if (static_cast<int>(fraction.size()) > f_.decimals) {
      return fail(FieldProblemCode::TooManyDecimals, f_.decimals == 0
                                                         ? label_ + " must be a whole number."
                                                         : label_ + " may have at most " + std::to_string(f_.decimals) +
                                                               " decimal place" + (f_.decimals == 1 ? "" : "s") + ".");
    }
    std::string digits = whole.substr(std::min(whole.find_first_not_of('0'), whole.size() - 1));
    const bool zero = digits == "0" && fraction.find_first_not_of('0') == std::string::npos;
    std::string canonical = (negative && !zero ? "-" : "") + digits + (fraction.empty() ? "" : "." + fraction);
    double value = 0;
    const std::string plain = (negative ? "-" : "") + whole + (fraction.empty() ? "" : "." + fraction);
    std::from_chars(plain.data(), plain.data() + plain.size(), value);
    if (f_.min && value < *f_.min) {
      return fail(FieldProblemCode::BelowMinimum, label_ + " must be at least " + number_text(*f_.min) + ".");
    }
    if (f_.max && value > *f_.max) {
      return fail(FieldProblemCode::AboveMaximum, label_ + " must be at most " + number_text(*f_.max) + ".");
    }
    return ValueCheck{std::move(canonical), std::nullopt};
  }

  ValueCheck date(const std::string& v) {
    Date d;
    if (!parse_any_date(v, d)) {
      return fail(FieldProblemCode::BadDate,
                  label_ + " must be a real date written like 2026-01-26 or 26/01/2026 (day first).");
    }
    if (f_.not_in_future && options_.today && std::chrono::sys_days{d} > std::chrono::sys_days{*options_.today}) {
      return fail(FieldProblemCode::FutureDate,
                  label_ + " cannot be after today (" + format_date(*options_.today) + ").");
    }
    return ValueCheck{format_date(d), std::nullopt};
  }

  ValueCheck phone(const std::string& v) {
    const std::string digits = v[0] == '+' ? v.substr(1) : v;
    if (!all_digits(digits) || digits.size() < 7 || digits.size() > 15) {
      return fail(FieldProblemCode::BadPhone,
                  label_ + " must be a telephone number of 7 to 15 digits" + for_example() + ".");
    }
    return pattern(v);
  }

  ValueCheck email(const std::string& v) {
    if (!valid_email(v)) {
      return fail(FieldProblemCode::BadEmail, label_ + " must be an e-mail address like name@example.com.");
    }
    // The domain is case-insensitive; the part before '@' is left as typed.
    const auto at = v.find('@');
    return lengths(v.substr(0, at + 1) + lower_ascii(v.substr(at + 1)));
  }

  ValueCheck choice(const std::string& v) {
    for (const FieldChoice& c : f_.choices) {
      if (c.id == v) return ValueCheck{v, std::nullopt};
    }
    std::string list;
    for (const FieldChoice& c : f_.choices) list += (list.empty() ? "" : ", ") + c.label.get("en");
    return fail(FieldProblemCode::UnknownChoice, label_ + " must be one of: " + list + ".");
  }

  ValueCheck yes_no(const std::string& v) {
    if (v == "yes" || v == "y") return ValueCheck{"yes", std::nullopt};
    if (v == "no" || v == "n") return ValueCheck{"no", std::nullopt};
    return fail(FieldProblemCode::NotYesNo, label_ + " must be yes or no.");
  }

  ValueCheck aadhaar(const std::string& v) {
    if (!all_digits(v) || v.size() != 12) {
      return fail(FieldProblemCode::BadAadhaar, label_ + " must be 12 digits.");
    }
    if (v[0] == '0' || v[0] == '1') {
      return fail(FieldProblemCode::BadAadhaar, label_ + " cannot start with 0 or 1.");
    }
    if (!verhoeff_valid(v)) {
      return fail(FieldProblemCode::BadAadhaar,
                  label_ + " is not a valid Aadhaar number: a digit is wrong or two digits are swapped.");
    }
    return ValueCheck{v, std::nullopt};
  }

  const FormField& f_;
  const FormCheckOptions& options_;
  // The field's English label (its id when it has none), for messages only: looked up when a
  // value is refused, not for every value of every filing.
  struct Label {
    const FormField& field;
    operator const std::string&() const {
      const std::string& en = field.label.get(kEnglish);
      return en.empty() ? field.id : en;
    }
    friend std::string operator+(const Label& l, std::string_view rest) {
      std::string out = static_cast<const std::string&>(l);
      out += rest;
      return out;
    }
    friend std::string operator+(const Label& l, const std::string& rest) { return l + std::string_view(rest); }
    friend std::string operator+(const Label& l, const char* rest) { return l + std::string_view(rest); }
  };
  static inline const std::string kEnglish = "en";
  Label label_{f_};
};

}  // namespace

bool verhoeff_valid(std::string_view digits) {
  static constexpr int d[10][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
                                    {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
                                    {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
                                    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
                                    {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr int p[8][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
                                   {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
                                   {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
                                   {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  if (!all_digits(digits)) return false;
  int c = 0;
  std::size_t i = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++i) c = d[c][p[i % 8][*it - '0']];
  return c == 0;
}

ValueCheck check_value(const FormField& field, std::string_view raw, const FormCheckOptions& options) {
  return Checker(field, options).run(raw);
}

FormCheck check_form(const std::vector<FormField>& form, const std::map<std::string, std::string>& submitted,
                     const FormCheckOptions& options) {
  FormCheck out;
  for (const FormField& f : form) {
    const auto it = submitted.find(f.id);
    ValueCheck r = check_value(f, it == submitted.end() ? std::string_view() : std::string_view(it->second), options);
    if (r.problem) {
      out.problems.push_back(std::move(*r.problem));
    } else if (!r.value.empty()) {
      out.values[f.id] = std::move(r.value);
    }
  }
  for (const auto& [id, value] : submitted) {
    (void)value;
    const bool known = std::any_of(form.begin(), form.end(), [&](const FormField& f) { return f.id == id; });
    if (!known) out.problems.push_back({id, FieldProblemCode::UnknownField, "This form has no field '" + id + "'."});
  }
  return out;
}

}  // namespace guichet::domain
