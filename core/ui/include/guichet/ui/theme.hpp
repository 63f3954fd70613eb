// Themes are data: colours, sizes and fonts come from themes/*.toml (default, dark, high-contrast,
// large-text, and per-centre branding in themes/centres/), so a centre can change how the screens
// look without a new build. Sizes are in pixels for a screen 1080 pixels high; the app scales them
// to its window.
//
// A theme states the contrast level it promises (AA or AAA, see contrast.hpp) and is refused when
// a text colour misses it on a background the kit draws it on. A theme can start from another
// (`base = "default"`) and change only some keys: a centre's branding is a few colours, its name
// and its logo.
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

// The defaults are themes/default.toml's colours, so a theme that sets nothing is a valid AA theme.
struct ThemeColors {
  Rgba background{0x0b, 0x2f, 0x55};    // window
  Rgba surface{0x12, 0x3d, 0x6b};       // panels, lists
  Rgba text{0xff, 0xff, 0xff};          // body text on background/surface
  Rgba text_muted{0xd2, 0xde, 0xea};    // secondary text
  Rgba primary{0xff, 0xd2, 0x3f};       // main action buttons
  Rgba primary_text{0x0b, 0x1f, 0x33};  // text on primary
  Rgba secondary{0x2d, 0x5a, 0x88};     // other buttons
  Rgba secondary_text{0xff, 0xff, 0xff};
  Rgba tile{0xff, 0xff, 0xff};  // big touch tiles
  Rgba tile_text{0x0b, 0x1f, 0x33};
  Rgba tile_subtext{0x34, 0x49, 0x5e};
  Rgba tile_pressed{0xff, 0xd2, 0x3f};
  Rgba border{0xff, 0xff, 0xff};
  Rgba danger{0xc6, 0x28, 0x28};
  Rgba danger_text{0xff, 0xff, 0xff};
  Rgba success{0x1e, 0x7d, 0x46};
  Rgba success_text{0xff, 0xff, 0xff};
  Rgba accent{0xff, 0xd2, 0x3f};  // highlighted text (token numbers)
  // Messages drawn as text on the background (Tone::Danger, Tone::Success): lighter or darker than
  // the danger/success fills, which carry white or black labels and rarely read as text themselves.
  Rgba text_danger{0xff, 0x9e, 0x96};
  Rgba text_success{0x8c, 0xe6, 0xac};
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
  float corner_control = 64;  // the discreet admin control
  // The least side of a control a finger can use on this panel (15 mm), set by sized_for_touch
  // from the panel's density; not a theme file key. 0: not known (the screens then keep to the
  // sizes above).
  float touch_min = 0;
  bool operator==(const ThemeSizes&) const = default;
};

// WCAG 2.x conformance level of the theme's text colours: AA 4.5:1, AAA 7:1.
enum class ContrastLevel { AA, AAA };

// A centre's own look: its name as the start screen shows it, and its logo.
struct ThemeBranding {
  std::string centre_name;  // empty: the catalogue's centre name
  std::string logo;         // PNG file (absolute, resolved against the theme file); empty: none
  bool operator==(const ThemeBranding&) const = default;
};

struct Theme {
  std::string name = "Default";
  ContrastLevel contrast = ContrastLevel::AA;
  ThemeColors colors;
  ThemeFonts fonts;
  ThemeSizes sizes;
  ThemeBranding branding;
  bool operator==(const Theme&) const = default;
};

struct ThemeError {
  std::string file;
  int line = 0;  // 0 when the problem is not tied to a line (file missing)
  std::string message;
  std::string to_string() const;  // "themes/default.toml:12: colors.text: expected #RRGGBB"
};

using ThemeResult = domain::Result<Theme, ThemeError>;

// Keys not set in the file keep the defaults above (or the base theme's); unknown keys and
// malformed values are refused with the line, so a typo never silently falls back. Font files and
// the logo must exist; a logo must be a PNG. A colour pair below the theme's contrast level is
// refused at the line of the colour that was set (contrast.hpp lists the pairs). `base` names a
// theme (as find_theme_file takes it) or a file relative to this one; chains are followed up to
// eight deep and a loop is refused.
ThemeResult parse_theme(std::string_view toml_text, const std::string& source_name);
ThemeResult load_theme(const std::string& path);

// "default", "high-contrast" or a path. Names are looked up in $GUICHET_THEME_DIR, the installed
// share directory and the source tree's themes/; a path is returned unchanged.
std::string find_theme_file(const std::string& name_or_path);

// "#RRGGBB" or "#RRGGBBAA"; false on anything else.
bool parse_color(std::string_view text, Rgba& out);

}  // namespace guichet::ui
