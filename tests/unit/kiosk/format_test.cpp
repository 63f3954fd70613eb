#include "format.hpp"

#include <gtest/gtest.h>

#include "guichet/config/catalogue_loader.hpp"
#include "po_helpers.hpp"

using namespace guichet;
using namespace guichet::kiosk;
using guichet::kiosk::testing::add_po;

TEST(Format, WaitSentences) {
  text::Translations t;
  const Tr en(t, "en");
  EXPECT_EQ(wait_sentence(en, 0, 0), "You are next");
  EXPECT_EQ(wait_sentence(en, 1, 1), "About 1 minute \u00B7 1 person before you");
  EXPECT_EQ(wait_sentence(en, 6, 25), "About 25 minutes \u00B7 6 people before you");
  EXPECT_EQ(wait_short(en, 6, 25), "About 25 min, 6 ahead");
  EXPECT_EQ(wait_short(en, 2, 0), "About 1 min, 2 ahead") << "never promise zero minutes";
  EXPECT_EQ(wait_short(en, 0, 0), "You are next");
  add_po(t, "fr",
         "msgid \"About {n} minute\"\nmsgid_plural \"About {n} minutes\"\n"
         "msgstr[0] \"Environ {n} minute\"\nmsgstr[1] \"Environ {n} minutes\"\n\n"
         "msgid \"{n} person before you\"\nmsgid_plural \"{n} people before you\"\n"
         "msgstr[0] \"{n} personne avant vous\"\nmsgstr[1] \"{n} personnes avant vous\"\n");
  const Tr fr(t, "fr");
  EXPECT_EQ(wait_sentence(fr, 3, 12), "Environ 12 minutes \u00B7 3 personnes avant vous");
  EXPECT_EQ(wait_sentence(fr, 1, 1), "Environ 1 minute \u00B7 1 personne avant vous");
}

TEST(Format, WaitSentencesInTheRepositoryLanguages) {
  auto r = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(wait_sentence(Tr(r.value(), "hi"), 6, 25), "लगभग 25 मिनट \u00B7 आपसे पहले 6 लोग");
  EXPECT_EQ(wait_sentence(Tr(r.value(), "fr"), 1, 1), "Environ 1 minute \u00B7 1 personne avant vous");
  EXPECT_EQ(wait_sentence(Tr(r.value(), "fr"), 2000, 90), "Environ 90 minutes \u00B7 2\u202F000 personnes avant vous");
}

TEST(Format, SlipTimeInTheCentresZoneAndLanguage) {
  text::Translations none;
  domain::Instant t;
  ASSERT_TRUE(domain::parse_iso("2026-11-23T03:44:00Z", t));
  EXPECT_EQ(slip_time(Tr(none, "en"), t, 330), "23 November 2026 09:14");
  EXPECT_EQ(slip_time(Tr(none, "fr"), t, 330), "23 novembre 2026 09:14");
  EXPECT_EQ(slip_time(Tr(none, "pa"), t, 330), "23 ਨਵੰਬਰ 2026 09:14");
  ASSERT_TRUE(domain::parse_iso("2026-12-31T20:05:00Z", t));
  EXPECT_EQ(slip_time(Tr(none, "en"), t, 330), "1 January 2027 01:35");
}

TEST(Format, CatalogueTextInEveryScript) {
  domain::LocalizedText t;
  t.by_lang = {{"en", "Birth certificate"}, {"fr", "Acte de naissance"}, {"pa", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ"}};
  EXPECT_EQ(screen_text(t, "fr"), "Acte de naissance");
  EXPECT_EQ(screen_text(t, "pa"), "ਜਨਮ ਸਰਟੀਫਿਕੇਟ") << "shaped text is drawn, not replaced by English";
  EXPECT_EQ(screen_text(t, "hi"), "Birth certificate") << "no Hindi in the catalogue: English";
}

TEST(Format, ServiceOpenFollowsTheCataloguesHours) {
  auto cat = config::load_catalogue(GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml");
  ASSERT_TRUE(cat.ok());
  const auto& c = cat.value();
  const auto* birth = c.service("birth-certificate");
  ASSERT_NE(birth, nullptr);
  domain::Instant t;
  ASSERT_TRUE(domain::parse_iso("2026-11-23T09:30:00+05:30", t));  // Monday morning
  EXPECT_TRUE(service_open(*birth, t, c.centre.utc_offset_minutes));
  ASSERT_TRUE(domain::parse_iso("2026-11-23T13:45:00+05:30", t));  // lunch
  EXPECT_FALSE(service_open(*birth, t, c.centre.utc_offset_minutes));
  ASSERT_TRUE(domain::parse_iso("2026-11-29T10:00:00+05:30", t));  // Sunday
  EXPECT_FALSE(service_open(*birth, t, c.centre.utc_offset_minutes));
}
