#include "guichet/ui/touch_target.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace guichet::ui {

double screen_dpi(double diagonal_inches, int width_px, int height_px) {
  if (diagonal_inches <= 0) return 0;
  return std::hypot(static_cast<double>(width_px), static_cast<double>(height_px)) / diagonal_inches;
}

double px_per_mm(double dpi) { return dpi / 25.4; }

Theme sized_for_touch(Theme theme, double px_per_mm, int height_px, double min_mm) {
  if (px_per_mm <= 0 || height_px <= 0 || min_mm <= 0) return theme;
  // The smallest size in theme units that is min_mm on the screen, a pixel over for rounding.
  const auto least = static_cast<float>(std::ceil((min_mm * px_per_mm + 1) * 1080.0 / height_px));
  ThemeSizes& z = theme.sizes;
  z.button_height = std::max(z.button_height, least);
  z.tile_height = std::max(z.tile_height, least);
  z.corner_control = std::max(z.corner_control, least);
  z.touch_min = std::max(z.touch_min, least);
  // Number-pad keys are 0.8 of their side high.
  z.pad_key = std::max(z.pad_key, std::ceil(least / 0.8f));
  return theme;
}

std::string TouchTargetProblem::to_string() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, " is %.1f x %.1f mm", width_mm, height_mm);
  return "\"" + label + "\"" + buf;
}

std::vector<TouchTargetProblem> small_touch_targets(const std::vector<ScreenItem>& items, double dpi, double min_mm) {
  std::vector<TouchTargetProblem> out;
  const double per_mm = px_per_mm(dpi);
  if (per_mm <= 0) return out;
  for (const auto& item : items) {
    if (item.kind != ScreenItem::Kind::Control || !item.enabled) continue;
    const double w = item.rect.w / per_mm, h = item.rect.h / per_mm;
    // A hundredth of a millimetre of slack: rectangles are whole pixels, the minimum is not.
    if (w + 0.01 < min_mm || h + 0.01 < min_mm) out.push_back({item.text, item.rect, w, h});
  }
  return out;
}

}  // namespace guichet::ui
