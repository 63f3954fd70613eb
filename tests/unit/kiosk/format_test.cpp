#include "format.hpp"

#include <gtest/gtest.h>

#include "guichet/config/catalogue_loader.hpp"

using namespace guichet;
using namespace guichet::kiosk;

TEST(Format, WaitSentences) {
  Strings s;
  EXPECT_EQ(wait_sentence(s, "en", 0, 0), "You are next");
  EXPECT_EQ(wait_sentence(s, "en", 1, 1), "About 1 minute \u00B7 1 person before you");
  EXPECT_EQ(wait_sentence(s, "en", 6, 25), "About 25 minutes \u00B7 6 people before you");
  EXPECT_EQ(wait_short(s, "en", 6, 25), "About 25 min, 6 ahead");
  EXPECT_EQ(wait_short(s, "en", 2, 0), "About 1 min, 2 ahead") << "never promise zero minutes";
  EXPECT_EQ(wait_short(s, "en", 0, 0), "You are next");
  s.add("fr", {{"About {n} minutes", "Environ {n} minutes"}, {"{n} people before you", "{n} personnes avant vous"}});
  EXPECT_EQ(wait_sentence(s, "fr", 3, 12), "Environ 12 minutes \u00B7 3 personnes avant vous");
}

TEST(Format, SlipTimeInTheCentresZone) {
  domain::Instant t;
  ASSERT_TRUE(domain::parse_iso("2026-11-23T03:44:00Z", t));
  EXPECT_EQ(slip_time(t, 330), "23 Nov 2026 09:14");
  ASSERT_TRUE(domain::parse_iso("2026-12-31T20:05:00Z", t));
  EXPECT_EQ(slip_time(t, 330), "1 Jan 2027 01:35");
}

TEST(Format, DrawableTextAndFallback) {
  EXPECT_TRUE(drawable_without_shaping("Birth certificate"));
  EXPECT_TRUE(drawable_without_shaping("Sécurité sociale – œuvre ₹50"));
  EXPECT_FALSE(drawable_without_shaping("ਜਨਮ ਸਰਟੀਫਿਕੇਟ"));
  EXPECT_FALSE(drawable_without_shaping("जन्म प्रमाण पत्र"));
  EXPECT_FALSE(drawable_without_shaping("لدھیانہ"));
  domain::LocalizedText t;
  t.by_lang = {{"en", "Birth certificate"}, {"fr", "Acte de naissance"}, {"pa", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ"}};
  EXPECT_EQ(screen_text(t, "fr"), "Acte de naissance");
  EXPECT_EQ(screen_text(t, "pa"), "Birth certificate");
  EXPECT_EQ(screen_text(t, "hi"), "Birth certificate");
  EXPECT_EQ(language_name("fr"), "Français");
  EXPECT_EQ(language_name("pa"), "Punjabi");
  EXPECT_EQ(language_name("xx"), "xx");
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
