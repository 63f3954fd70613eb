// Themes are data: colours, sizes and fonts come from themes/*.toml (default, high-contrast,
// large-text), so a centre can change how the screens look without a new build.
// Sizes are in pixels for a screen 1080 pixels high; the app scales them to its window.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "guichet/domain/result.hpp"

namespace guichet::ui {

struct Rgba {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Rgba&) const = default;
};

struct ThemeColors {
  Rgba background{0x0b, 0x1f, 0x33};    // window
  Rgba surface{0x12, 0x2c, 0x47};       // panels, lists
  Rgba text{0xff, 0xff, 0xff};          // body text on background/surface
  Rgba text_muted{0xc8, 0xd3, 0xde};    // secondary text
  Rgba primary{0xff, 0xd2, 0x3f};       // main action buttons
  Rgba primary_text{0x0b, 0x1f, 0x33};  // text on primary
  Rgba secondary{0x2d, 0x4d, 0x6e};     // other buttons
  Rgba secondary_text{0xff, 0xff, 0xff};
  Rgba tile{0xff, 0xff, 0xff};  // big touch tiles
  Rgba tile_text{0x0b, 0x1f, 0x33};
  Rgba tile_subtext{0x3a, 0x4f, 0x63};
  Rgba tile_pressed{0xff, 0xd2, 0x3f};
  Rgba border{0xff, 0xff, 0xff};
  Rgba danger{0xd6, 0x3b, 0x2f};
  Rgba danger_text{0xff, 0xff, 0xff};
  Rgba success{0x2e, 0x9e, 0x5b};
  Rgba success_text{0xff, 0xff, 0xff};
  Rgba accent{0xff, 0xd2, 0x3f};  // highlighted text (token numbers)
  bool operator==(const ThemeColors&) const = default;
};

struct ThemeFonts {
  std::string regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  std::string bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
  float small = 24;     // hints, footers
  float body = 34;      // normal text
  float large = 44;     // tile labels, buttons
  float heading = 58;   // screen questions
  float display = 220;  // token numbers on screen and on the board
  bool operator==(const ThemeFonts&) const = default;
};

struct ThemeSizes {
  float padding = 48;         // screen edge to content
  float spacing = 28;         // between tiles and buttons
  float tile_height = 170;    // touch tiles
  float button_height = 110;  // buttons
  float rounding = 18;        // corner radius of tiles and buttons
  float border = 3;           // outline width of tiles and buttons
  float pad_key = 120;        // side of a number-pad key
  float corner_control = 56;  // the discreet admin control
  bool operator==(const ThemeSizes&) const = default;
};

struct Theme {
  std::string name = "Default";
  ThemeColors colors;
  ThemeFonts fonts;
  ThemeSizes sizes;
  bool operator==(const Theme&) const = default;
};

struct ThemeError {
  std::string file;
  int line = 0;  // 0 when the problem is not tied to a line (file missing)
  std::string message;
  std::string to_string() const;  // "themes/default.toml:12: colors.text: expected #RRGGBB"
};

using ThemeResult = domain::Result<Theme, ThemeError>;

// Keys not set in the file keep the defaults above; unknown keys and malformed values are refused
// with the line, so a typo never silently falls back. Font files must exist.
ThemeResult parse_theme(std::string_view toml_text, const std::string& source_name);
ThemeResult load_theme(const std::string& path);

// "default", "high-contrast" or a path. Names are looked up in $GUICHET_THEME_DIR, the installed
// share directory and the source tree's themes/; a path is returned unchanged.
std::string find_theme_file(const std::string& name_or_path);

// "#RRGGBB" or "#RRGGBBAA"; false on anything else.
bool parse_color(std::string_view text, Rgba& out);

}  // namespace guichet::ui
