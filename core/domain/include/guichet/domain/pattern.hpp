// A pattern a form value must match: an ECMAScript regular expression (std::regex), compiled once
// when the catalogue is loaded so that a broken pattern is a load error, never a surprise at the
// counter.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>

namespace guichet::domain {

class Pattern {
 public:
  Pattern() = default;  // empty: matches everything

  // Compiles `source`. On failure returns false and says what is wrong in `error`, e.g.
  // "unbalanced parentheses". The sentence does not depend on the standard library's wording.
  static bool compile(const std::string& source, Pattern& out, std::string& error);

  bool empty() const { return source_.empty(); }
  const std::string& source() const { return source_; }

  // The whole of `value` must match (no need for ^ and $ in the pattern). The regex sees bytes:
  // patterns are for ASCII-shaped values (licence numbers, PIN codes), not for names in Gurmukhi.
  bool matches(std::string_view value) const;

 private:
  std::string source_;
  std::shared_ptr<const std::regex> re_;  // shared: a catalogue is copied, the regex need not be
};

}  // namespace guichet::domain
