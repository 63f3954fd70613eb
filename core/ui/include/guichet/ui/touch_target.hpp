// Touch targets: a control a finger can hit is at least 15 mm on each side (the size accessibility
// guidance for public kiosks asks, larger than a phone's 9 mm because a kiosk is used standing,
// by people with tremor or poor sight). Sizes on screen are pixels, so the check needs the
// screen's density: pixels per inch of the panel at the window's size.
#pragma once

#include <string>
#include <vector>

#include "guichet/ui/automation.hpp"
#include "guichet/ui/theme.hpp"

namespace guichet::ui {

inline constexpr double kMinTouchTargetMm = 15.0;

// The density of a panel from its diagonal in inches and its pixels: a 21.5" 1920x1080 panel is
// about 102.5 pixels per inch.
double screen_dpi(double diagonal_inches, int width_px, int height_px);
double px_per_mm(double dpi);

// `theme` with its touch sizes (tiles, buttons, number-pad keys, the corner control: 1080-pixel
// units, scaled by the window's height / 1080) raised so that each is at least `min_mm` on a
// screen of `px_per_mm` whose window is `height_px` tall. Sizes already large enough stay, so a
// coarse panel changes nothing and a fine one (15.6" at 1920x1080) gets larger controls. The least
// size itself goes to `sizes.touch_min`, for screens that fit rows of keys between the theme's
// size and that minimum (the kiosk's keyboards).
Theme sized_for_touch(Theme theme, double px_per_mm, int height_px, double min_mm = kMinTouchTargetMm);

struct TouchTargetProblem {
  std::string label;
  Rect rect;
  double width_mm = 0, height_mm = 0;
  std::string to_string() const;  // "\"Staff\" is 14.9 x 14.9 mm"
};

// The enabled controls of a screen smaller than `min_mm` in width or height. Disabled controls
// do not take touches and are not counted.
std::vector<TouchTargetProblem> small_touch_targets(const std::vector<ScreenItem>& items, double dpi,
                                                    double min_mm = kMinTouchTargetMm);

}  // namespace guichet::ui
