#include "guichet/domain/pattern.hpp"

namespace guichet::domain {

namespace {

// std::regex_error::what() differs between standard libraries; the catalogue's golden error files
// must not, so each error code gets its own sentence. libstdc++ gives the same code to several
// mistakes (a leading '*' is reported as unbalanced parentheses), so the sentences name them all.
const char* describe(std::regex_constants::error_type code) {
  namespace rc = std::regex_constants;
  if (code == rc::error_collate || code == rc::error_ctype) return "invalid character class or collating element";
  if (code == rc::error_escape) return "invalid escape or trailing backslash";
  if (code == rc::error_backref) return "back reference to a group that does not exist";
  if (code == rc::error_brack) return "unbalanced or invalid square brackets [ ]";
  if (code == rc::error_paren) {
    return "unbalanced parentheses, an unsupported (?...) group, or a repetition with nothing before it";
  }
  if (code == rc::error_brace || code == rc::error_badbrace) return "unbalanced or invalid repetition count { }";
  if (code == rc::error_range) return "invalid character range";
  if (code == rc::error_badrepeat) return "a repetition (*, +, ? or { }) with nothing before it";
  if (code == rc::error_space || code == rc::error_complexity || code == rc::error_stack) {
    return "too large or too complex";
  }
  return "not a valid regular expression";
}

}  // namespace

bool Pattern::compile(const std::string& source, Pattern& out, std::string& error) {
  if (source.empty()) {
    error = "the pattern is empty";
    return false;
  }
  try {
    auto re = std::make_shared<const std::regex>(source, std::regex::ECMAScript);
    out.source_ = source;
    out.re_ = std::move(re);
    return true;
  } catch (const std::regex_error& e) {
    error = describe(e.code());
    return false;
  }
}

bool Pattern::matches(std::string_view value) const {
  if (!re_) return true;
  try {
    return std::regex_match(value.begin(), value.end(), *re_);
  } catch (const std::regex_error&) {
    return false;  // the matcher gave up (too complex for this value): not a match
  }
}

}  // namespace guichet::domain
