// Telling a keyboard-wedge scanner from a person by the timing of the characters.
#include "scanner.hpp"

#include <gtest/gtest.h>

using guichet::counter::looks_like_token_id;
using guichet::counter::normalize_scan;
using guichet::counter::ScanDetector;
using guichet::counter::ScanOptions;

namespace {

// Types `text` one character per event, `gap` ms apart from `start`; returns the time of the last.
std::uint32_t type(ScanDetector& d, const std::string& text, std::uint32_t start, std::uint32_t gap) {
  std::uint32_t t = start;
  for (std::size_t i = 0; i < text.size(); ++i) {
    t = start + static_cast<std::uint32_t>(i) * gap;
    d.on_text(text.substr(i, 1), t);
  }
  return t;
}

TEST(ScanDetector, FastBurstEndedByEnterIsAScan) {
  ScanDetector d;
  auto last = type(d, "LDH01-20261123-A042", 1000, 4);
  auto scan = d.on_enter(last + 6);
  ASSERT_TRUE(scan);
  EXPECT_EQ(*scan, "LDH01-20261123-A042");
}

TEST(ScanDetector, PersonTypingIsNotAScan) {
  ScanDetector d;
  auto last = type(d, "LDH01-20261123-A042", 1000, 120);
  EXPECT_FALSE(d.on_enter(last + 200));
}

TEST(ScanDetector, GapJustOverTheLimitBreaksTheBurst) {
  ScanOptions o;
  ScanDetector d(o);
  // 34 ms apart: still a scanner; 36 ms: a person.
  auto last = type(d, "LDH01-20261123-A042", 0, o.max_gap_ms - 1);
  EXPECT_TRUE(d.on_enter(last + 1));
  last = type(d, "LDH01-20261123-A042", 10000, o.max_gap_ms + 1);
  EXPECT_FALSE(d.on_enter(last + 1));
}

TEST(ScanDetector, SlowStartThenScanKeepsOnlyTheScan) {
  ScanDetector d;
  d.on_text("x", 100);  // someone touched the keyboard
  d.on_text("y", 700);
  auto last = type(d, "LDH01-20261123-B007", 2000, 3);
  auto scan = d.on_enter(last + 5);
  ASSERT_TRUE(scan);
  EXPECT_EQ(*scan, "LDH01-20261123-B007");
}

TEST(ScanDetector, ShortBurstIsKeyboardChatter) {
  ScanDetector d;
  auto last = type(d, "ab", 0, 2);
  EXPECT_FALSE(d.on_enter(last + 2));
}

TEST(ScanDetector, EnterLongAfterTheBurstIsNotPartOfIt) {
  ScanDetector d;
  auto last = type(d, "LDH01-20261123-A042", 0, 4);
  EXPECT_FALSE(d.on_enter(last + 2000));
}

TEST(ScanDetector, EnterClearsTheBuffer) {
  ScanDetector d;
  auto last = type(d, "LDH01-20261123-A042", 0, 4);
  ASSERT_TRUE(d.on_enter(last + 5));
  EXPECT_FALSE(d.on_enter(last + 10));
}

TEST(ScanDetector, ManyCharactersInOneEventCountAsAScan) {
  ScanDetector d;
  d.on_text("LDH01-20261123-A042", 500);
  auto scan = d.on_enter(520);
  ASSERT_TRUE(scan);
  EXPECT_EQ(*scan, "LDH01-20261123-A042");
}

TEST(ScanDetector, ScanningStateFollowsTheBurst) {
  ScanDetector d;
  EXPECT_FALSE(d.scanning(0));
  type(d, "LDH0", 100, 3);
  EXPECT_TRUE(d.scanning(120));
  EXPECT_FALSE(d.scanning(5000));
}

TEST(ScanDetector, SdlTickWraparoundDoesNotBreakAScan) {
  ScanDetector d;
  const std::uint32_t near_end = 0xFFFFFFFFu - 20;
  auto last = type(d, "LDH01-20261123-A042", near_end, 3);  // wraps past zero
  EXPECT_TRUE(d.on_enter(last + 4));
}

TEST(TokenId, AcceptsWhatTheServerIssues) {
  EXPECT_TRUE(looks_like_token_id("LDH01-20261123-A042"));
  EXPECT_TRUE(looks_like_token_id("LDH01-20261123-AB1"));
  EXPECT_TRUE(looks_like_token_id("X-20260101-Z1234"));
}

TEST(TokenId, RefusesAnythingElse) {
  for (const char* bad :
       {"", "A042", "LDH01-2026112-A042", "LDH01-20261123-042", "LDH01-20261123-ABC042", "ldh01-20261123-A042",
        "LDH01-20261123-A", "LDH01_20261123_A042", "LDH01-20261123-A042X", "https://example.org/", "-20261123-A042"}) {
    EXPECT_FALSE(looks_like_token_id(bad)) << bad;
  }
}

TEST(TokenId, NormalizeTrimsAndUppercases) {
  EXPECT_EQ(normalize_scan("  ldh01-20261123-a042\r\n"), "LDH01-20261123-A042");
  EXPECT_TRUE(looks_like_token_id(normalize_scan("ldh01-20261123-a042")));
}

}  // namespace
