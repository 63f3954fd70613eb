#include "guichet/ui/contrast.hpp"

#include <algorithm>
#include <cmath>

namespace guichet::ui {

namespace {

double channel(std::uint8_t v) {
  // sRGB to linear light, as WCAG 2.x defines it (its 0.03928 threshold; the sRGB standard's
  // 0.04045 gives the same result for every 8-bit value).
  const double c = v / 255.0;
  return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

double relative_luminance(Rgba c) { return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b); }

Rgba composite(Rgba over, Rgba under) {
  const double a = over.a / 255.0;
  auto mix = [a](std::uint8_t o, std::uint8_t u) {
    return static_cast<std::uint8_t>(std::lround(o * a + u * (1.0 - a)));
  };
  return Rgba{mix(over.r, under.r), mix(over.g, under.g), mix(over.b, under.b), 255};
}

double contrast_ratio(Rgba fg, Rgba bg) {
  bg.a = 255;
  if (fg.a != 255) fg = composite(fg, bg);
  const double l1 = relative_luminance(fg), l2 = relative_luminance(bg);
  return (std::max(l1, l2) + 0.05) / (std::min(l1, l2) + 0.05);
}

double required_text_ratio(ContrastLevel level) { return level == ContrastLevel::AAA ? 7.0 : 4.5; }

std::vector<ContrastPair> contrast_pairs(const Theme& theme) {
  const auto& c = theme.colors;
  const double text = required_text_ratio(theme.contrast);
  struct Spec {
    const char* fg;
    Rgba fg_color;
    const char* bg;
    Rgba bg_color;
    double required;
  };
  // Where the kit draws each colour: text tones on the window and on panels (Frame::text with
  // Tone), labels on their buttons and tiles (a tile is drawn in tile_pressed while held), and the
  // outline of tiles and buttons against what surrounds them.
  const Spec specs[] = {
      {"text", c.text, "background", c.background, text},
      {"text", c.text, "surface", c.surface, text},
      {"text_muted", c.text_muted, "background", c.background, text},
      {"text_muted", c.text_muted, "surface", c.surface, text},
      {"accent", c.accent, "background", c.background, text},
      {"accent", c.accent, "surface", c.surface, text},
      {"text_danger", c.text_danger, "background", c.background, text},
      {"text_danger", c.text_danger, "surface", c.surface, text},
      {"text_success", c.text_success, "background", c.background, text},
      {"text_success", c.text_success, "surface", c.surface, text},
      {"primary_text", c.primary_text, "primary", c.primary, text},
      {"secondary_text", c.secondary_text, "secondary", c.secondary, text},
      {"danger_text", c.danger_text, "danger", c.danger, text},
      {"success_text", c.success_text, "success", c.success, text},
      {"tile_text", c.tile_text, "tile", c.tile, text},
      {"tile_subtext", c.tile_subtext, "tile", c.tile, text},
      {"tile_text", c.tile_text, "tile_pressed", c.tile_pressed, text},
      {"tile_subtext", c.tile_subtext, "tile_pressed", c.tile_pressed, text},
      {"border", c.border, "background", c.background, kNonTextRatio},
      {"border", c.border, "surface", c.surface, kNonTextRatio},
  };
  std::vector<ContrastPair> out;
  out.reserve(std::size(specs));
  for (const auto& s : specs) {
    out.push_back(ContrastPair{std::string("colors.") + s.fg, std::string("colors.") + s.bg,
                               contrast_ratio(s.fg_color, s.bg_color), s.required});
  }
  return out;
}

}  // namespace guichet::ui
