// The locale formats load ICU (through libguichet_text_icu.so) the first time something is
// formatted, not when a program starts: this program has formatted nothing before the test.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "guichet/text/locale_format.hpp"

namespace guichet::text {
namespace {

bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find(name) != std::string::npos) return true;
  }
  return false;
}

TEST(LocaleModule, IcuIsLoadedOnTheFirstFormatOnly) {
  EXPECT_FALSE(mapped("libicui18n")) << "ICU was loaded before anything was formatted";
  EXPECT_FALSE(mapped("libguichet_text_icu"));
  EXPECT_EQ(format_integer("hi", 1234567), "12,34,567");
  EXPECT_TRUE(mapped("libguichet_text_icu"));
  EXPECT_TRUE(mapped("libicui18n"));
  EXPECT_EQ(format_money("fr", 10000000), "100\u202F000,00\u00A0\u20B9");
  EXPECT_EQ(format_date_time("en", 2026, 11, 21, 9, 4), "21 November 2026 09:04");
}

}  // namespace
}  // namespace guichet::text
