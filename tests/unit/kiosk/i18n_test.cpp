#include "i18n.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "po_helpers.hpp"

using namespace guichet;
using namespace guichet::kiosk;
using guichet::kiosk::testing::add_po;

TEST(Tr, TranslatesWithContextsPluralsAndPlaceholders) {
  text::Translations t;
  add_po(t, "fr",
         "msgid \"Token {token}, counter {counter}\"\nmsgstr \"Ticket {token}, guichet {counter}\"\n\n"
         "msgctxt \"slip\"\nmsgid \"Token\"\nmsgstr \"N° de ticket\"\n\n"
         "msgid \"Token\"\nmsgstr \"Ticket\"\n\n"
         "msgid \"{n} person before you\"\nmsgid_plural \"{n} people before you\"\n"
         "msgstr[0] \"{n} personne avant vous\"\nmsgstr[1] \"{n} personnes avant vous\"\n");
  const Tr fr(t, "fr");
  EXPECT_EQ(fr.tr("Token {token}, counter {counter}", {{"token", "A 42"}, {"counter", "5"}}), "Ticket A 42, guichet 5");
  EXPECT_EQ(fr.tr("Token"), "Ticket");
  EXPECT_EQ(fr.trc("slip", "Token"), "N° de ticket") << "the context tells the two apart";
  EXPECT_EQ(fr.trn("{n} person before you", "{n} people before you", 1), "1 personne avant vous");
  EXPECT_EQ(fr.trn("{n} person before you", "{n} people before you", 0), "0 personne avant vous")
      << "French takes the singular for 0";
  EXPECT_EQ(fr.trn("{n} person before you", "{n} people before you", 1500), "1\u202F500 personnes avant vous")
      << "{n} is written as the language writes numbers";
  EXPECT_EQ(fr.tr("Not translated"), "Not translated");

  const Tr en(t, "en");
  EXPECT_EQ(en.trn("{n} person before you", "{n} people before you", 1), "1 person before you");
  EXPECT_EQ(en.trn("{n} person before you", "{n} people before you", 100000), "1,00,000 people before you");
  EXPECT_EQ(Tr(t, "de").tr("Token"), "Token") << "a language without a catalogue shows English";
}

TEST(Tr, NumbersMoneyAndDatesFollowTheLanguage) {
  text::Translations t;
  const domain::Date d{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{21}};
  EXPECT_EQ(Tr(t, "hi").money(10000000, "INR"), "\u20B91,00,000.00");
  EXPECT_EQ(Tr(t, "fr").money(5000, "INR"), "50,00\u00A0\u20B9");
  EXPECT_EQ(Tr(t, "en").money(5000, ""), "\u20B950.00") << "no currency in the catalogue: rupees";
  EXPECT_EQ(Tr(t, "pa").number(1234567), "12,34,567");
  EXPECT_EQ(Tr(t, "hi").date(d), "21 नवंबर 2026");
  EXPECT_EQ(Tr(t, "fr").date(std::string("2026-11-21")), "21 novembre 2026");
  EXPECT_EQ(Tr(t, "fr").date(std::string("soon")), "soon");
}

TEST(Tr, LanguagesAreNamedInTheirOwnScript) {
  EXPECT_EQ(language_name("en"), "English");
  EXPECT_EQ(language_name("pa"), "ਪੰਜਾਬੀ");
  EXPECT_EQ(language_name("hi"), "हिन्दी");
  EXPECT_EQ(language_name("ur"), "اردو");
  EXPECT_EQ(language_name("fr"), "Français");
  EXPECT_EQ(language_name("xx"), "xx");
}

TEST(Locales, TheRepositoryCataloguesLoad) {
  auto r = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  for (const char* lang : {"fr", "hi", "pa", "ur"}) {
    ASSERT_TRUE(r.value().has(lang)) << lang;
    const Tr t(r.value(), lang);
    EXPECT_NE(t.tr("Token {token}, counter {counter}"), "Token {token}, counter {counter}") << lang;
  }
  EXPECT_EQ(Tr(r.value(), "fr").tr("Back"), "Retour");
  EXPECT_EQ(Tr(r.value(), "hi").trc("slip", "Receipt number"), "रसीद संख्या");
}

TEST(Locales, ABrokenFileIsRefusedWithFileAndLine) {
  const auto dir = std::filesystem::temp_directory_path() / ("guichet-locales-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "fr.po") << "msgid \"\"\nmsgstr \"\"\n\"Language: fr\\n\"\n\n"
                               << "msgid \"Token {token}\"\nmsgstr \"Ticket\"\n";
  auto r = load_translations(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, (dir / "fr.po").string());
  EXPECT_EQ(r.error().line, 5);
  EXPECT_NE(r.error().message.find("{token}"), std::string::npos) << r.error().to_string();
}

TEST(Locales, TheFolderCanBeChosenByEnvironment) {
  ::setenv("GUICHET_LOCALES", "/somewhere/locales", 1);
  EXPECT_EQ(default_locale_dir(), "/somewhere/locales");
  ::unsetenv("GUICHET_LOCALES");
  EXPECT_NE(default_locale_dir(), "/somewhere/locales");
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(default_locale_dir()) / "fr.po")) << default_locale_dir();
}
