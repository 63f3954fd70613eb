// Contrast of a theme's colours by WCAG 2.x: every pair of colours the kit draws text (or a
// control's outline) with, and the ratio it must reach. A theme declares its level: AAA (7:1 for
// text) for high contrast, AA (4.5:1) elsewhere; outlines of controls need 3:1 against the
// background at either level (WCAG 1.4.11, non-text contrast).
#pragma once

#include <string>
#include <vector>

#include "guichet/ui/theme.hpp"

namespace guichet::ui {

// WCAG relative luminance of an opaque colour, 0 (black) to 1 (white).
double relative_luminance(Rgba c);
// A translucent colour as it shows over `under` (which is taken as opaque).
Rgba composite(Rgba over, Rgba under);
// (L1 + 0.05) / (L2 + 0.05) with L1 the lighter; 1 to 21. A translucent `fg` is composited over `bg`.
double contrast_ratio(Rgba fg, Rgba bg);

// The text ratio a level asks for: 4.5 (AA) or 7 (AAA).
double required_text_ratio(ContrastLevel level);
inline constexpr double kNonTextRatio = 3.0;

struct ContrastPair {
  std::string foreground;  // theme key, "colors.tile_text"
  std::string background;  // "colors.tile"
  double ratio = 0;
  double required = 0;
  bool ok() const { return ratio + 1e-9 >= required; }
};

// Every foreground/background pair the UI kit and the apps draw, with its ratio and requirement.
std::vector<ContrastPair> contrast_pairs(const Theme& theme);

}  // namespace guichet::ui
