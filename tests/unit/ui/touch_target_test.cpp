#include "guichet/ui/touch_target.hpp"

#include <gtest/gtest.h>

using namespace guichet::ui;

namespace {

ScreenItem control(const std::string& label, float w, float h, bool enabled = true) {
  ScreenItem i;
  i.kind = ScreenItem::Kind::Control;
  i.text = label;
  i.rect = Rect{10, 10, w, h};
  i.enabled = enabled;
  return i;
}

}  // namespace

TEST(TouchTarget, DensityOfCommonKioskPanels) {
  EXPECT_NEAR(screen_dpi(21.5, 1920, 1080), 102.46, 0.01);
  EXPECT_NEAR(screen_dpi(32, 1920, 1080), 68.84, 0.01);
  EXPECT_NEAR(px_per_mm(25.4), 1.0, 1e-12);
  EXPECT_EQ(screen_dpi(0, 1920, 1080), 0);
}

TEST(TouchTarget, FindsControlsUnderFifteenMillimetres) {
  const double dpi = 101.6;  // 4 px per mm
  std::vector<ScreenItem> items = {
      control("Big", 60, 60),         // exactly 15 mm
      control("Narrow", 59, 200),     // 14.75 mm wide
      control("Short", 200, 40),      // 10 mm high
      control("Off", 10, 10, false),  // disabled: takes no touch
  };
  ScreenItem text;
  text.text = "A caption";
  text.rect = Rect{0, 0, 5, 5};
  items.push_back(text);  // text is not a control
  auto problems = small_touch_targets(items, dpi);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].label, "Narrow");
  EXPECT_NEAR(problems[0].width_mm, 14.75, 1e-9);
  EXPECT_EQ(problems[1].label, "Short");
  EXPECT_EQ(problems[1].to_string(), "\"Short\" is 50.0 x 10.0 mm");
  EXPECT_TRUE(small_touch_targets(items, dpi, 10).empty());
}

TEST(TouchTarget, ThemeSizedForTheScreensDensity) {
  Theme theme;
  theme.sizes.corner_control = 64;
  theme.sizes.button_height = 110;
  theme.sizes.tile_height = 170;
  theme.sizes.pad_key = 120;
  // 21.5" at 1920x1080: 15 mm is 60.5 pixels; every size is larger already.
  const double coarse = px_per_mm(screen_dpi(21.5, 1920, 1080));
  const Theme same = sized_for_touch(theme, coarse, 1080);
  EXPECT_EQ(same.sizes.corner_control, 64);
  EXPECT_EQ(same.sizes.button_height, 110);
  EXPECT_EQ(same.sizes.pad_key, 120);
  // 15.6" at 1920x1080: 15 mm is 83.4 pixels; the corner control grows, the rest is larger.
  const double fine = px_per_mm(screen_dpi(15.6, 1920, 1080));
  const Theme sized = sized_for_touch(theme, fine, 1080);
  EXPECT_GE(sized.sizes.corner_control / fine, 15.0);
  EXPECT_LT(sized.sizes.corner_control / fine, 15.5) << "no larger than it needs";
  EXPECT_EQ(sized.sizes.button_height, 110);
  EXPECT_EQ(sized.sizes.tile_height, 170);
  // The least touch size itself is kept for screens that lay out keys shorter than the theme's.
  EXPECT_GE(sized.sizes.touch_min / fine, 15.0);
  EXPECT_LT(sized.sizes.touch_min / fine, 15.5);
  EXPECT_EQ(sized.sizes.touch_min, sized.sizes.corner_control);
  EXPECT_GE(same.sizes.touch_min / coarse, 15.0);
  EXPECT_LT(same.sizes.touch_min / coarse, 15.5);
  EXPECT_EQ(theme.sizes.touch_min, 0) << "unknown until a panel is given";
  // A window half as tall is drawn at half the scale: the theme's units grow to make up for it.
  const Theme half = sized_for_touch(theme, fine, 540);
  EXPECT_GE(half.sizes.corner_control * 0.5 / fine, 15.0);
  EXPECT_GE(half.sizes.button_height * 0.5 / fine, 15.0);
  EXPECT_GE(half.sizes.pad_key * 0.8 * 0.5 / fine, 15.0) << "pad keys are 0.8 of their side high";
  EXPECT_GE(half.sizes.touch_min * 0.5 / fine, 15.0);
  // No density known: unchanged.
  EXPECT_EQ(sized_for_touch(theme, 0, 1080).sizes.corner_control, 64);
}
