#include "guichet/ui/theme.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  for (const char* name : {"default", "dark", "high-contrast", "large-text"}) {
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
  auto r = parse_theme("name = \"Mine\"\n[colors]\ntext = \"#F0F0F0\"\n", "mine.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().name, "Mine");
  EXPECT_EQ(r.value().colors.text, (Rgba{0xf0, 0xf0, 0xf0, 255}));
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

namespace {

// A scratch folder for theme files that refer to each other.
struct ThemeDir {
  std::filesystem::path path;
  ThemeDir() {
    path = std::filesystem::temp_directory_path() /
           ("guichet-theme-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ThemeDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST(Theme, RefusesTextBelowTheContrastLevelAtTheColoursLine) {
  // Grey #777777 on white is 4.48:1: just under AA.
  auto r = parse_theme("name = \"x\"\n[colors]\ntile = \"#FFFFFF\"\ntile_subtext = \"#777777\"\n", "low.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_NE(r.error().message.find("colors.tile_subtext on colors.tile: contrast 4.48:1"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("4.50:1"), std::string::npos) << r.error().message;
  // #767676 passes AA, and fails once the theme asks for AAA.
  EXPECT_TRUE(
      parse_theme("[colors]\ntile = \"#FFFFFF\"\ntile_pressed = \"#FFFFFF\"\ntile_subtext = \"#767676\"\n", "aa.toml")
          .ok());
  auto aaa = parse_theme(
      "contrast = \"AAA\"\n[colors]\ntile = \"#FFFFFF\"\ntile_pressed = \"#FFFFFF\"\ntile_subtext = \"#767676\"\n",
      "aaa.toml");
  ASSERT_FALSE(aaa.ok());
  EXPECT_NE(aaa.error().message.find("AAA"), std::string::npos) << aaa.error().message;
}

TEST(Theme, RefusesAnInheritedPairAtTheContrastLine) {
  // The defaults reach AA, not AAA everywhere: the complaint points at the line that raised the bar.
  auto r = parse_theme("name = \"x\"\ncontrast = \"AAA\"\n", "strict.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 2);
  auto bad = parse_theme("contrast = \"AAAA\"\n", "typo.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"AA\" or \"AAA\""), std::string::npos);
}

TEST(Theme, RefusesAnOutlineLostInTheBackground) {
  auto r = parse_theme("[colors]\nbackground = \"#0B2F55\"\nborder = \"#1A3D66\"\n", "flat.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_NE(r.error().message.find("colors.border on colors.background"), std::string::npos) << r.error().message;
}

TEST(Theme, BaseThemeGivesWhatTheFileDoesNotSet) {
  ThemeDir dir;
  dir.write("base.toml", "name = \"Base\"\n[colors]\ntext = \"#F0F0F0\"\n[sizes]\nspacing = 40\n");
  auto child = dir.write("child.toml", "name = \"Child\"\nbase = \"base.toml\"\n[sizes]\npadding = 10\n");
  auto r = load_theme(child);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().name, "Child");
  EXPECT_EQ(r.value().colors.text, (Rgba{0xf0, 0xf0, 0xf0, 255}));
  EXPECT_EQ(r.value().sizes.spacing, 40);
  EXPECT_EQ(r.value().sizes.padding, 10);
  // By name: the repository's default theme.
  auto named = parse_theme("base = \"default\"\n", "named.toml");
  ASSERT_TRUE(named.ok()) << named.error().to_string();
  EXPECT_EQ(named.value().colors.background,
            load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/default.toml").value().colors.background);
}

TEST(Theme, RefusesBaseLoopsAndBrokenBases) {
  ThemeDir dir;
  dir.write("a.toml", "base = \"b.toml\"\n");
  auto b = dir.write("b.toml", "name = \"B\"\nbase = \"a.toml\"\n");
  auto loop = load_theme(b);
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().to_string().find("loop"), std::string::npos) << loop.error().to_string();

  auto broken = dir.write("broken.toml", "[colors]\ntext = \"white\"\n");
  (void)broken;
  auto child = dir.write("child.toml", "name = \"C\"\nbase = \"broken.toml\"\n");
  auto r = load_theme(child);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 2);
  // The base's own file and line are in the message.
  EXPECT_NE(r.error().message.find("broken.toml:2"), std::string::npos) << r.error().message;

  auto missing = dir.write("missing.toml", "base = \"nowhere.toml\"\n");
  auto m = load_theme(missing);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("cannot open"), std::string::npos);
}

TEST(Theme, BrandingNamesTheCentreAndItsLogo) {
  auto r = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/centres/ludhiana.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().branding.centre_name, "Sewa Kendra Ludhiana");
  EXPECT_TRUE(r.value().branding.logo.ends_with("themes/centres/ludhiana-logo.png")) << r.value().branding.logo;
  EXPECT_TRUE(std::filesystem::path(r.value().branding.logo).is_absolute());

  ThemeDir dir;
  auto no_logo = dir.write("t.toml", "[branding]\nlogo = \"absent.png\"\n");
  auto e1 = load_theme(no_logo);
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().line, 2);
  EXPECT_NE(e1.error().message.find("logo not found"), std::string::npos);

  dir.write("fake.png", "GIF89a not a png");
  auto fake = dir.write("u.toml", "[branding]\nlogo = \"fake.png\"\n");
  auto e2 = load_theme(fake);
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message.find("not a PNG"), std::string::npos);

  auto empty = parse_theme("[branding]\ncentre_name = \"\"\n", "v.toml");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("branding.centre_name"), std::string::npos);
}
