// Exact strings per language: a change of ICU data or of the locale chosen for a language shows
// here before it shows on a citizen's slip.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "guichet/text/locale_format.hpp"

using namespace guichet::text;

namespace {
const std::string nnbsp = "\u202F";  // French groups digits with a narrow no-break space
}

TEST(LocaleFormat, IndianLanguagesGroupInLakhsAndCrores) {
  for (const char* lang : {"en", "hi", "pa", "ur"}) {
    SCOPED_TRACE(lang);
    EXPECT_EQ(format_integer(lang, 100000), "1,00,000");
    EXPECT_EQ(format_integer(lang, 12345678), "1,23,45,678");
    EXPECT_EQ(format_integer(lang, 999), "999");
    EXPECT_EQ(format_integer(lang, -100000), "-1,00,000");
    EXPECT_EQ(format_decimal(lang, 1234567.5, 2), "12,34,567.50");
  }
}

TEST(LocaleFormat, FrenchGroupsInThousandsWithANarrowSpaceAndADecimalComma) {
  EXPECT_EQ(format_integer("fr", 100000), "100" + nnbsp + "000");
  EXPECT_EQ(format_decimal("fr", 1234567.5, 2), "1" + nnbsp + "234" + nnbsp + "567,50");
}

TEST(LocaleFormat, DigitsAreLatinInEveryLanguage) {
  for (const char* lang : {"en", "hi", "pa", "ur", "fr"}) {
    std::string s = format_integer(lang, 1234567890);
    for (char c : std::string(s)) {
      if (static_cast<unsigned char>(c) >= 0x80) continue;  // a separator
      EXPECT_TRUE((c >= '0' && c <= '9') || c == ',' || c == '.') << lang << ": " << s;
    }
    EXPECT_NE(s.find("890"), std::string::npos) << lang << ": " << s;
  }
}

TEST(LocaleFormat, RupeesAsEachLanguageWritesThem) {
  EXPECT_EQ(format_money("en", 10000000), "\u20B91,00,000.00");
  EXPECT_EQ(format_money("hi", 10000000), "\u20B91,00,000.00");
  EXPECT_EQ(format_money("pa", 123456750), "\u20B912,34,567.50");
  EXPECT_EQ(format_money("ur", 10000000), "\u20B91,00,000.00");
  EXPECT_EQ(format_money("fr", 10000000), "100" + nnbsp + "000,00\u00A0\u20B9");
  EXPECT_EQ(format_money("en", 5000), "\u20B950.00");
  EXPECT_EQ(format_money("en", 5), "\u20B90.05");
  EXPECT_EQ(format_money("en", -250), "-\u20B92.50");
}

TEST(LocaleFormat, OtherCurrencies) {
  EXPECT_EQ(format_money("fr", 1250, "EUR"), "12,50\u00A0\u20AC");
  // Not an ISO 4217 code: the amount, then the code.
  EXPECT_EQ(format_money("hi", 12345678, "XX"), "1,23,456.78 XX");
  // Yen has no minor unit: hundredths are dropped.
  EXPECT_EQ(format_money("en", 150000, "JPY"), "JP\u00A51,500");
}

TEST(LocaleFormat, DatesWithTheMonthInTheLanguage) {
  EXPECT_EQ(format_date("en", 2026, 11, 21), "21 November 2026");
  EXPECT_EQ(format_date("hi", 2026, 11, 21), "21 \u0928\u0935\u0902\u092C\u0930 2026");        // नवंबर
  EXPECT_EQ(format_date("pa", 2026, 11, 21), "21 \u0A28\u0A35\u0A70\u0A2C\u0A30 2026");        // ਨਵੰਬਰ
  EXPECT_EQ(format_date("ur", 2026, 11, 21), "21 \u0646\u0648\u0645\u0628\u0631\u060C 2026");  // نومبر،
  EXPECT_EQ(format_date("fr", 2026, 11, 21), "21 novembre 2026");
  EXPECT_EQ(format_date("fr", 2026, 1, 5), "5 janvier 2026");
}

TEST(LocaleFormat, TimesAreTwentyFourHour) {
  for (const char* lang : {"en", "hi", "pa", "ur", "fr"}) {
    SCOPED_TRACE(lang);
    EXPECT_EQ(format_time(lang, 9, 4), "09:04");
    EXPECT_EQ(format_time(lang, 21, 30), "21:30");
  }
  EXPECT_EQ(format_date_time("fr", 2026, 11, 23, 9, 14), "23 novembre 2026 09:14");
}

TEST(LocaleFormat, SafeFromSeveralThreads) {
  // Slips are made on worker threads while the screen formats dates too.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const char* lang = i % 2 ? "hi" : "fr";
      const std::string want = i % 2 ? "21 \u0928\u0935\u0902\u092C\u0930 2026" : "21 novembre 2026";
      for (int k = 0; k < 200; ++k) {
        if (format_date(lang, 2026, 11, 21) != want) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}
