#include "strings.hpp"

#include <gtest/gtest.h>

using namespace guichet::kiosk;

TEST(Po, ParsesEntriesContinuationsAndEscapes) {
  auto r = parse_po(
      "# comment\n"
      "msgid \"\"\n"
      "msgstr \"\"\n"
      "\"Language: fr\\n\"\n"
      "\n"
      "msgid \"Back\"\n"
      "msgstr \"Retour\"\n"
      "\n"
      "msgid \"\"\n"
      "\"Two \"\n"
      "\"lines\"\n"
      "msgstr \"Deux\\n\\\"lignes\\\"\"\n"
      "\n"
      "msgid \"Untranslated\"\n"
      "msgstr \"\"\n",
      "x.po");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& m = r.value();
  EXPECT_EQ(m.size(), 2u) << "the header and untranslated entries are left out";
  EXPECT_EQ(m.at("Back"), "Retour");
  EXPECT_EQ(m.at("Two lines"), "Deux\n\"lignes\"");
  EXPECT_EQ(m.count("Untranslated"), 0u);
}

TEST(Po, RefusesBrokenFilesWithLine) {
  struct Case {
    const char* text;
    int line;
    const char* fragment;
  };
  const Case cases[] = {
      {"msgid \"a\"\nmsgstr \"b\nmsgid \"c\"\n", 2, "unterminated"},
      {"msgstr \"b\"\n", 1, "msgstr without a msgid"},
      {"msgid \"a\"\n\nmsgid \"c\"\nmsgstr \"d\"\n", 1, "msgid without msgstr"},
      {"msgid \"a\"\nmsgstr \"b\"\nhello\n", 3, "expected msgid"},
      {"\"orphan\"\n", 1, "outside an entry"},
      {"msgid \"a\\q\"\nmsgstr \"b\"\n", 1, "unknown escape"},
  };
  for (const auto& c : cases) {
    auto r = parse_po(c.text, "bad.po");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().line, c.line) << c.text;
    EXPECT_NE(r.error().message.find(c.fragment), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().to_string().rfind("bad.po:", 0), 0u);
  }
}

TEST(Strings, FallsBackToEnglishAndSubstitutes) {
  Strings s;
  s.add("fr", {{"Token {token}, counter {counter}", "Ticket {token}, guichet {counter}"}});
  EXPECT_EQ(s.get("fr", "Token {token}, counter {counter}"), "Ticket {token}, guichet {counter}");
  EXPECT_EQ(s.get("fr", "Not translated"), "Not translated");
  EXPECT_EQ(s.get("de", "Anything"), "Anything");
  EXPECT_EQ(s.fmt("fr", "Token {token}, counter {counter}", {{"token", "A 42"}, {"counter", "5"}}),
            "Ticket A 42, guichet 5");
  EXPECT_EQ(substitute("{a}{b} {unknown} {", {{"a", "1"}, {"b", "2"}}), "12 {unknown} {");
  EXPECT_TRUE(s.has("en"));
  EXPECT_TRUE(s.has("fr"));
  EXPECT_FALSE(s.has("de"));
}

TEST(Strings, RepositoryTranslationsLoad) {
  auto r = Strings::load_all(std::string(GUICHET_SOURCE_DIR) + "/kiosk/locales");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Strings& s = r.value();
  for (const char* lang : {"fr", "hi", "pa", "ur"}) {
    EXPECT_TRUE(s.has(lang)) << lang;
    // Every language can at least announce a call.
    EXPECT_NE(s.get(lang, "Token {token}, counter {counter}"), "Token {token}, counter {counter}") << lang;
    EXPECT_NE(s.get(lang, "Token {token}, counter {counter}").find("{token}"), std::string::npos) << lang;
  }
  EXPECT_EQ(s.get("fr", "Back"), "Retour");
}

TEST(Strings, ApplicationScreensAreTranslatedWithTheirPlaceholders) {
  auto r = Strings::load_all(std::string(GUICHET_SOURCE_DIR) + "/kiosk/locales");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Strings& s = r.value();
  const char* texts[] = {"File an application",
                         "Check my application",
                         "Take a token",
                         "Which service are you applying for?",
                         "Question {n} of {total}",
                         "Please fill this in.",
                         "Please use at least {n} characters.",
                         "This date cannot be in the future.",
                         "Which of these documents do you have with you?",
                         "Please check your application",
                         "Fee to pay at the counter: {amount}",
                         "Save and print",
                         "Your application is saved",
                         "Receipt number",
                         "It should be ready by {date}.",
                         "Sorry, the status cannot be checked right now",
                         "No application has the receipt number {receipt}",
                         "Received at the centre",
                         "Application received",
                         "Documents still missing:",
                         "Scan the QR code at any kiosk to see where your application stands."};
  for (const char* lang : {"fr", "hi", "pa", "ur"}) {
    for (const char* text : texts) {
      const std::string t = s.get(lang, text);
      EXPECT_NE(t, text) << lang << ": " << text;
      for (const char* ph : {"{n}", "{total}", "{amount}", "{date}", "{receipt}"}) {
        EXPECT_EQ(std::string(text).find(ph) == std::string::npos, t.find(ph) == std::string::npos)
            << lang << ": " << text << " → " << t;
      }
    }
  }
  EXPECT_EQ(s.get("fr", "File an application"), "Déposer une demande");
  EXPECT_EQ(s.get("hi", "Receipt number"), "रसीद संख्या");
}
