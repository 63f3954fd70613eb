#include "guichet/ui/theme.hpp"

#include <gtest/gtest.h>

using namespace guichet::ui;

TEST(Theme, ParsesColours) {
  Rgba c;
  ASSERT_TRUE(parse_color("#0B2F55", c));
  EXPECT_EQ(c, (Rgba{0x0b, 0x2f, 0x55, 255}));
  ASSERT_TRUE(parse_color("#ffffff80", c));
  EXPECT_EQ(c, (Rgba{255, 255, 255, 0x80}));
  EXPECT_FALSE(parse_color("0B2F55", c));
  EXPECT_FALSE(parse_color("#0B2F5", c));
  EXPECT_FALSE(parse_color("#0B2G55", c));
}

TEST(Theme, RepositoryThemesLoad) {
  for (const char* name : {"default", "high-contrast", "large-text"}) {
    auto r = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/" + name + ".toml");
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().to_string();
    EXPECT_FALSE(r.value().name.empty());
  }
  auto def = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/default.toml").value();
  auto large = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/large-text.toml").value();
  EXPECT_GT(large.fonts.body, def.fonts.body);
  auto hc = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/high-contrast.toml").value();
  EXPECT_EQ(hc.colors.background, (Rgba{0, 0, 0, 255}));
}

TEST(Theme, FindsThemeByName) {
  std::string path = find_theme_file("high-contrast");
  EXPECT_TRUE(path.ends_with("high-contrast.toml")) << path;
  EXPECT_TRUE(load_theme(path).ok());
  EXPECT_EQ(find_theme_file("/etc/x/mine.toml"), "/etc/x/mine.toml");
}

TEST(Theme, UnsetKeysKeepDefaults) {
  auto r = parse_theme("name = \"Mine\"\n[colors]\ntext = \"#101010\"\n", "mine.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().name, "Mine");
  EXPECT_EQ(r.value().colors.text, (Rgba{0x10, 0x10, 0x10, 255}));
  EXPECT_EQ(r.value().colors.background, Theme{}.colors.background);
  EXPECT_EQ(r.value().fonts.body, Theme{}.fonts.body);
}

TEST(Theme, RefusesBadColourWithLine) {
  auto r = parse_theme("name = \"x\"\n\n[colors]\nbackground = \"navy\"\n", "bad.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_EQ(r.error().file, "bad.toml");
  EXPECT_NE(r.error().message.find("colors.background"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().to_string().rfind("bad.toml:4: ", 0), 0u) << r.error().to_string();
}

TEST(Theme, RefusesUnknownKeys) {
  auto r = parse_theme("[colors]\nbackgrond = \"#000000\"\n", "typo.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 2);
  EXPECT_NE(r.error().message.find("colors.backgrond"), std::string::npos);
  auto r2 = parse_theme("[colours]\n", "typo.toml");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("colours"), std::string::npos);
}

TEST(Theme, RefusesOutOfRangeSizesAndMissingFonts) {
  auto r = parse_theme("[fonts]\nbody = 2\n", "t.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fonts.body"), std::string::npos);
  auto r2 = parse_theme("[sizes]\ntile_height = \"big\"\n", "t.toml");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("expected a number"), std::string::npos);
  auto r3 = parse_theme("[fonts]\nregular = \"/nonexistent/font.ttf\"\n", "t.toml");
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message.find("font file not found"), std::string::npos);
}

TEST(Theme, RefusesMalformedToml) {
  auto r = parse_theme("name = \"x\"\n[colors\n", "broken.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 2);
}

TEST(Theme, MissingFileIsAnError) {
  auto r = load_theme("/nonexistent/theme.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().to_string().find("cannot open"), std::string::npos);
}
