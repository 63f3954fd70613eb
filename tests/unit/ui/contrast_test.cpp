#include "guichet/ui/contrast.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace guichet::ui;

TEST(Contrast, KnownRatios) {
  EXPECT_NEAR(contrast_ratio({0, 0, 0}, {255, 255, 255}), 21.0, 1e-9);
  EXPECT_NEAR(contrast_ratio({255, 255, 255}, {0, 0, 0}), 21.0, 1e-9);  // symmetric
  EXPECT_NEAR(contrast_ratio({0x12, 0x34, 0x56}, {0x12, 0x34, 0x56}), 1.0, 1e-9);
  // Reference values of the WCAG contrast checker.
  EXPECT_NEAR(contrast_ratio({0x77, 0x77, 0x77}, {255, 255, 255}), 4.48, 0.005);
  EXPECT_NEAR(contrast_ratio({0x76, 0x76, 0x76}, {255, 255, 255}), 4.54, 0.005);
  EXPECT_NEAR(contrast_ratio({0xff, 0, 0}, {0, 0, 0}), 5.25, 0.005);
  EXPECT_NEAR(contrast_ratio({0, 0, 0xff}, {255, 255, 255}), 8.59, 0.005);
}

TEST(Contrast, LuminanceOfPrimaries) {
  EXPECT_NEAR(relative_luminance({255, 0, 0}), 0.2126, 1e-4);
  EXPECT_NEAR(relative_luminance({0, 255, 0}), 0.7152, 1e-4);
  EXPECT_NEAR(relative_luminance({0, 0, 255}), 0.0722, 1e-4);
  EXPECT_NEAR(relative_luminance({0, 0, 0}), 0.0, 1e-12);
}

TEST(Contrast, TranslucentTextIsJudgedAsItShows) {
  // Half-transparent white over black shows as mid grey, far from white's 21:1.
  Rgba half_white{255, 255, 255, 128};
  EXPECT_EQ(composite(half_white, {0, 0, 0}), (Rgba{128, 128, 128, 255}));
  EXPECT_NEAR(contrast_ratio(half_white, {0, 0, 0}), contrast_ratio({128, 128, 128}, {0, 0, 0}), 1e-9);
  EXPECT_LT(contrast_ratio(half_white, {0, 0, 0}), 6.0);
}

TEST(Contrast, PairsCoverEveryTextColour) {
  Theme t;
  auto pairs = contrast_pairs(t);
  auto has = [&](const std::string& fg, const std::string& bg) {
    for (const auto& p : pairs) {
      if (p.foreground == fg && p.background == bg) return true;
    }
    return false;
  };
  for (const char* fg : {"text", "text_muted", "accent", "text_danger", "text_success"}) {
    EXPECT_TRUE(has(std::string("colors.") + fg, "colors.background")) << fg;
    EXPECT_TRUE(has(std::string("colors.") + fg, "colors.surface")) << fg;
  }
  EXPECT_TRUE(has("colors.primary_text", "colors.primary"));
  EXPECT_TRUE(has("colors.tile_text", "colors.tile_pressed"));
  EXPECT_TRUE(has("colors.border", "colors.background"));
  for (const auto& p : pairs) {
    EXPECT_EQ(p.required, p.foreground == "colors.border" ? 3.0 : 4.5) << p.foreground;
  }
  t.contrast = ContrastLevel::AAA;
  EXPECT_EQ(contrast_pairs(t).front().required, 7.0);
}

// Every theme in the repository, the centres' branding included, keeps the contrast it promises,
// and the high-contrast theme promises AAA.
TEST(Contrast, EveryRepositoryThemeMeetsItsLevel) {
  const std::filesystem::path dir = std::filesystem::path(GUICHET_SOURCE_DIR) / "themes";
  int themes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++themes;
    auto loaded = load_theme(entry.path().string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const Theme& theme = loaded.value();
    const double text = theme.contrast == ContrastLevel::AAA ? 7.0 : 4.5;
    for (const auto& p : contrast_pairs(theme)) {
      EXPECT_GE(p.ratio, p.foreground == "colors.border" ? 3.0 : text)
          << entry.path().filename() << ": " << p.foreground << " on " << p.background;
    }
    if (entry.path().stem() == "high-contrast") {
      EXPECT_EQ(theme.contrast, ContrastLevel::AAA);
    }
  }
  EXPECT_GE(themes, 5);  // default, dark, high-contrast, large-text and a centre's branding
}

TEST(Contrast, BuiltInDefaultsMeetAA) {
  for (const auto& p : contrast_pairs(Theme{})) {
    EXPECT_TRUE(p.ok()) << p.foreground << " on " << p.background << ": " << p.ratio;
  }
}
