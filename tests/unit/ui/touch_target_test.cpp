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
