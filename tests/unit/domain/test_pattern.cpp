#include <gtest/gtest.h>

#include "guichet/domain/pattern.hpp"

namespace guichet::domain {
namespace {

TEST(Pattern, EmptyMatchesEverything) {
  Pattern p;
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.matches(""));
  EXPECT_TRUE(p.matches("anything"));
}

TEST(Pattern, MatchesTheWholeValue) {
  Pattern p;
  std::string error;
  ASSERT_TRUE(Pattern::compile("PB[0-9]{2} ?[0-9]{11}", p, error)) << error;
  EXPECT_EQ(p.source(), "PB[0-9]{2} ?[0-9]{11}");
  EXPECT_TRUE(p.matches("PB10 20190012345"));
  EXPECT_TRUE(p.matches("PB1020190012345"));
  EXPECT_FALSE(p.matches("xPB10 20190012345"));
  EXPECT_FALSE(p.matches("PB10 20190012345x"));
  EXPECT_FALSE(p.matches("PB10 2019001234"));
}

TEST(Pattern, CopiesShareTheCompiledRegex) {
  Pattern p;
  std::string error;
  ASSERT_TRUE(Pattern::compile("[1-9][0-9]{5}", p, error));
  const Pattern copy = p;
  EXPECT_TRUE(copy.matches("141001"));
  EXPECT_FALSE(copy.matches("041001"));
}

TEST(Pattern, CompileErrorsAreOurOwnSentences) {
  struct Case {
    const char* source;
    const char* error;
  };
  // libstdc++ reports some of these under a neighbouring code; the sentences cover both.
  const char* const paren =
      "unbalanced parentheses, an unsupported (?...) group, or a repetition with nothing before it";
  for (const Case& c : {Case{"[A-Z", "unbalanced or invalid square brackets [ ]"}, Case{"(ab", paren},
                        Case{"(?<name>a)", paren}, Case{"a{2,1}", "unbalanced or invalid repetition count { }"},
                        Case{"a{", "unbalanced or invalid repetition count { }"},
                        Case{"[z-a]", "invalid character range"}, Case{"\\", "invalid escape or trailing backslash"},
                        Case{"(a)\\2", "back reference to a group that does not exist"},
                        Case{"a{99999999999}", "too large or too complex"}, Case{"", "the pattern is empty"}}) {
    Pattern p;
    std::string error;
    EXPECT_FALSE(Pattern::compile(c.source, p, error)) << c.source;
    EXPECT_EQ(error, c.error) << c.source;
    EXPECT_TRUE(p.empty());
  }
}

}  // namespace
}  // namespace guichet::domain
