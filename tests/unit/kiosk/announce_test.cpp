#include "announce.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "po_helpers.hpp"
#include "speech.hpp"

using namespace guichet;
using namespace guichet::kiosk;
using guichet::kiosk::testing::add_po;

TEST(Announcement, NumbersAsPeopleSayThem) {
  EXPECT_EQ(spoken_token("A", 42), "A 42");
  EXPECT_EQ(spoken_token("A", 7), "A 7");
  EXPECT_EQ(spoken_token("AB", 100), "AB 100");
  EXPECT_EQ(spoken_token("", 3), "3");
  text::Translations s;
  auto a = make_announcement(s, "en", "A", 42, 5, false);
  EXPECT_EQ(a.language, "en");
  EXPECT_EQ(a.text, "Token A 42, counter 5");
  EXPECT_EQ(a.text.find("042"), std::string::npos);
  EXPECT_EQ(a.ssml, "<speak>Token <say-as interpret-as=\"characters\">A</say-as> 42, counter 5</speak>");
  EXPECT_EQ(make_announcement(s, "en", "C", 1, 12, true).text, "Reminder: token C 1, counter 12");
}

TEST(Announcement, TranslatedAndEscaped) {
  text::Translations s;
  add_po(s, "fr", "msgid \"Token {token}, counter {counter}\"\nmsgstr \"Ticket {token}, guichet {counter}\"\n");
  add_po(s, "xx", "msgid \"Token {token}, counter {counter}\"\nmsgstr \"<{token}> & {counter}\"\n");
  EXPECT_EQ(make_announcement(s, "fr", "B", 9, 3, false).text, "Ticket B 9, guichet 3");
  auto x = make_announcement(s, "xx", "B", 9, 3, false);
  EXPECT_EQ(x.text, "<B 9> & 3");
  EXPECT_EQ(x.ssml, "<speak>&lt;<say-as interpret-as=\"characters\">B</say-as> 9&gt; &amp; 3</speak>");
}

TEST(Announcement, CitizensLanguageFirst) {
  text::Translations s;
  add_po(s, "hi", "msgid \"Token {token}, counter {counter}\"\nmsgstr \"टोकन {token}, काउंटर नंबर {counter}\"\n");
  auto list = announcements_for_call(s, {"en", "pa", "hi"}, "hi", "A", 42, 5, false);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].language, "hi");
  EXPECT_EQ(list[0].text, "टोकन A 42, काउंटर नंबर 5");
  EXPECT_EQ(list[1].language, "en");
  EXPECT_EQ(list[2].language, "pa");
  auto other = announcements_for_call(s, {"en", "hi"}, "fr", "A", 42, 5, false);
  ASSERT_EQ(other.size(), 2u);
  EXPECT_EQ(other[0].language, "en") << "a language not configured keeps the configured order";
}

TEST(Announcement, EspeakSaysFortyTwoNotZeroFourTwo) {
  auto engine = SpeechEngine::create();
  ASSERT_TRUE(engine.ok()) << engine.error();
  text::Translations s;
  auto a = make_announcement(s, "en", "A", 42, 5, false);
  auto ph = engine.value()->phonemes("en", a.text);
  ASSERT_TRUE(ph.ok()) << ph.error().message;
  // espeak-ng's English phonemes for "forty-two" and "five" (Kirshenbaum mnemonics).
  EXPECT_TRUE(std::regex_search(ph.value(), std::regex("f'[oO]@ti t'u:"))) << ph.value();
  EXPECT_NE(ph.value().find("f'aIv"), std::string::npos) << ph.value();
  EXPECT_EQ(ph.value().find("z'i@roU"), std::string::npos) << "no 'zero' in: " << ph.value();
  // The slip's form would be read digit by digit: the check above can tell the difference.
  auto padded = engine.value()->phonemes("en", "Token A042, counter 5");
  ASSERT_TRUE(padded.ok());
  EXPECT_NE(padded.value().find("z'i@roU"), std::string::npos) << padded.value();
}
