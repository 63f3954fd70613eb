// gettext .po files: what a translator writes, what a broken file gets back, plural forms.
#include <gtest/gtest.h>

#include <string>

#include "guichet/text/translations.hpp"

namespace guichet::text {
namespace {

const std::string kHeader =
    "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Language: pa\\n\"\n"
    "\"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n\n";

Catalog ok(const std::string& body) {
  PoResult r = parse_po(kHeader + body, "pa.po");
  EXPECT_FALSE(r.error) << r.error->to_string();
  return r.catalog ? *r.catalog : Catalog{};
}

PoError broken(const std::string& text) {
  PoResult r = parse_po(text, "broken.po");
  EXPECT_TRUE(r.error) << "accepted: " << text;
  return r.error ? *r.error : PoError{};
}

TEST(Po, ReadsEntriesContextsPluralsAndEscapes) {
  Catalog c =
      ok("# a comment\n#: kiosk/src/screens/start.cpp:12\nmsgid \"Touch your language\"\nmsgstr \"ਆਪਣੀ ਭਾਸ਼ਾ ਚੁਣੋ\"\n\n"
         "msgctxt \"button\"\nmsgid \"Back\"\nmsgstr \"ਪਿੱਛੇ\"\n\n"
         "msgid \"Back\"\nmsgstr \"ਵਾਪਸ\"\n\n"
         "msgid \"Line one\\nline \\\"two\\\"\"\nmsgstr \"\"\n\"ਪਹਿਲੀ\\n\"\n\"ਦੂਜੀ\"\n\n"
         "msgid \"{count} citizen waiting\"\nmsgid_plural \"{count} citizens waiting\"\n"
         "msgstr[0] \"{count} ਨਾਗਰਿਕ ਉਡੀਕ ਵਿੱਚ\"\nmsgstr[1] \"{count} ਨਾਗਰਿਕ ਉਡੀਕ ਵਿੱਚ ਹਨ\"\n");
  EXPECT_EQ(c.language, "pa");
  EXPECT_EQ(c.get("Touch your language"), "ਆਪਣੀ ਭਾਸ਼ਾ ਚੁਣੋ");
  EXPECT_EQ(c.get("Back", "button"), "ਪਿੱਛੇ");
  EXPECT_EQ(c.get("Back"), "ਵਾਪਸ");
  EXPECT_EQ(c.get("Line one\nline \"two\""), "ਪਹਿਲੀ\nਦੂਜੀ");
  EXPECT_EQ(c.get_plural("{count} citizen waiting", "{count} citizens waiting", 1), "{count} ਨਾਗਰਿਕ ਉਡੀਕ ਵਿੱਚ");
  EXPECT_EQ(c.get_plural("{count} citizen waiting", "{count} citizens waiting", 5), "{count} ਨਾਗਰਿਕ ਉਡੀਕ ਵਿੱਚ ਹਨ");
  EXPECT_EQ(c.get("Not translated"), "Not translated");
  EXPECT_EQ(c.get_plural("one file", "{n} files", 3), "{n} files");
}

TEST(Po, UntranslatedAndFuzzyEntriesShowTheEnglishText) {
  Catalog c = ok("msgid \"Print\"\nmsgstr \"\"\n\n#, fuzzy\nmsgid \"Cancel\"\nmsgstr \"ਰੱਦ\"\n");
  EXPECT_EQ(c.get("Print"), "Print");
  EXPECT_EQ(c.get("Cancel"), "Cancel");
}

TEST(Po, BrokenFilesAreRefusedWithFileLineAndWhat) {
  struct Case {
    std::string body;
    int line;
    std::string says;
  };
  const int h = 6;  // lines in kHeader
  const Case cases[] = {
      {"msgid \"Print\"\nmsgstr \"ਛਾਪੋ\n", h + 2, "expected a string in double quotes"},
      {"msgid \"Print\"\nmsgstr \"ਛਾ\\qਪੋ\"\n", h + 2, "unknown escape '\\q'"},
      {"msgid \"Print\"\n", h + 1, "has no msgstr"},
      {"msgstr \"x\"\n", h + 1, "msgstr without a msgid"},
      {"msgid \"Token {token}\"\nmsgstr \"ਟੋਕਨ\"\n", h + 1, "lacks the placeholder {token}"},
      {"msgid \"Token {token}\"\nmsgstr \"ਟੋਕਨ {ticket}\"\n", h + 1, "has a placeholder {ticket}"},
      {"msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"a\"\nmsgstr \"c\"\n", h + 4, "given twice (first on line 7)"},
      {"msgid \"{n} file\"\nmsgid_plural \"{n} files\"\nmsgstr[0] \"{n}\"\n", h + 1,
       "has 1 plural forms, but the header's Plural-Forms says 2"},
      {"msgid \"{n} file\"\nmsgid_plural \"{n} files\"\nmsgstr \"x\"\n", h + 3, "needs msgstr[0]"},
      {"msgid \"{n} file\"\nmsgid_plural \"{n} files\"\nmsgstr[1] \"x\"\n", h + 3, "out of order"},
      {"msgid \"file\"\nmsgstr[0] \"x\"\n", h + 2, "without msgid_plural"},
      {"msgid \"{n} file\"\nmsgid_plural \"{n} files\"\nmsgstr[0] \"ਫ਼ਾਈਲ\"\nmsgstr[1] \"ਫ਼ਾਈਲਾਂ\"\n", h + 1,
       "lacks the placeholder {n}"},
      {"msgidd \"x\"\n", h + 1, "unknown keyword 'msgidd'"},
      {"\"dangling\"\n", h + 1, "without a keyword"},
  };
  for (const auto& c : cases) {
    PoError e = broken(kHeader + c.body);
    EXPECT_EQ(e.file, "broken.po");
    EXPECT_EQ(e.line, c.line) << c.body << " → " << e.to_string();
    EXPECT_NE(e.message.find(c.says), std::string::npos) << c.body << " → " << e.to_string();
  }
}

TEST(Po, HeaderProblemsAreRefused) {
  EXPECT_NE(broken("msgid \"a\"\nmsgstr \"b\"\n").message.find("header entry"), std::string::npos);
  EXPECT_NE(broken("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=(n != ;\\n\"\n").message.find("Plural-Forms"),
            std::string::npos);
  EXPECT_NE(broken("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n;\\n\"\n").message.find("gives form 2"),
            std::string::npos);
  EXPECT_NE(broken("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n").message.find("UTF-8"),
            std::string::npos);
}

TEST(PluralRules, CommonLanguagesAndAThreeFormRule) {
  std::string error;
  auto english = PluralRule::parse("nplurals=2; plural=(n != 1);", error);
  ASSERT_TRUE(english) << error;
  EXPECT_EQ(english->form(0), 1);
  EXPECT_EQ(english->form(1), 0);
  EXPECT_EQ(english->form(2), 1);
  auto french = PluralRule::parse("nplurals=2; plural=(n > 1);", error);
  ASSERT_TRUE(french) << error;
  EXPECT_EQ(french->form(0), 0);
  EXPECT_EQ(french->form(1), 0);
  EXPECT_EQ(french->form(2), 1);
  auto slavic = PluralRule::parse(
      "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", error);
  ASSERT_TRUE(slavic) << error;
  EXPECT_EQ(slavic->forms(), 3);
  EXPECT_EQ(slavic->form(1), 0);
  EXPECT_EQ(slavic->form(3), 1);
  EXPECT_EQ(slavic->form(11), 2);
  EXPECT_EQ(slavic->form(22), 1);
  EXPECT_EQ(slavic->form(25), 2);
  EXPECT_FALSE(PluralRule::parse("nplurals=2; plural=(n ? 1);", error));
  EXPECT_NE(error.find("':'"), std::string::npos) << error;
  EXPECT_FALSE(PluralRule::parse("nplurals=x; plural=n;", error));
}

TEST(Placeholders, FoundAndSubstituted) {
  EXPECT_EQ(placeholders("Token {token}, counter {counter}, again {token}"),
            (std::vector<std::string>{"token", "counter"}));
  EXPECT_TRUE(placeholders("literal {{brace}}").empty());
  EXPECT_EQ(substitute("ਟੋਕਨ {token}, {unknown} {{x}}", {{"token", "A 42"}}), "ਟੋਕਨ A 42, {unknown} {x}");
}

TEST(Translations, TheKioskCataloguesLoadAndSwitchPerLookup) {
  Translations t;
  auto error = t.load_dir(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_FALSE(error) << error->to_string();
  for (const char* lang : {"pa", "hi", "ur", "fr"}) EXPECT_TRUE(t.has(lang)) << lang;
  EXPECT_EQ(t.languages().front(), "en");
  EXPECT_NE(t.get("pa", "Touch your language"), t.get("hi", "Touch your language"));
  EXPECT_EQ(t.get("en", "Touch your language"), "Touch your language");
  EXPECT_EQ(t.fmt("pa", "Token {token}, counter {counter}", {{"token", "A 42"}, {"counter", "5"}}),
            "ਟੋਕਨ A 42, ਕਾਊਂਟਰ ਨੰਬਰ 5");
}

}  // namespace
}  // namespace guichet::text
