// UI automation. Every text and every labelled control drawn through the kit is recorded per
// frame with its rectangle, so a script can find "Birth certificate" on screen and tap it, wait
// for a text or check one is gone, the same way a person would, on the real app under SDL's
// offscreen driver.
//
// Script language, one command per line (blank lines and lines starting with # are ignored):
//   tap "Label" [timeout_ms]        tap the control labelled exactly Label (or, failing that, the
//                                   only control whose label contains it); waits for it to appear
//   type "text" [delay_ms]          SDL_TEXTINPUT events, one per character, delay_ms apart
//   key NAME                        key press and release: F5, Return, Escape, Backspace, Tab, …;
//                                   with modifiers held: Alt+1, Ctrl+Shift+F2
//   wait_text "text" [timeout_ms]   until a visible text contains `text` (default 5000 ms)
//   expect_no_text "text"           fails if a visible text contains `text` now
//   screenshot PATH                 PNG of the next presented frame
//   sleep MS
//   dump                            prints the visible texts and controls
//   quit
// Strings are double-quoted with \" \\ \n escapes; a single word may go unquoted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/result.hpp"

namespace guichet::ui {

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  float cx() const { return x + w / 2; }
  float cy() const { return y + h / 2; }
  bool contains(float px, float py) const { return px >= x && py >= y && px < x + w && py < y + h; }
};

// One glyph as drawn on screen: which glyph of which font, where. Tests compare these with
// HarfBuzz's own shaping of the same text.
struct DrawnGlyph {
  std::uint32_t face = 0;   // index in ScreenRecord::faces
  std::uint32_t glyph = 0;  // glyph id in that font (0: the font has none, a box)
  float x = 0, y = 0;       // the glyph's origin on its baseline, window pixels (before rounding)
  int pixel_size = 0;
};

struct ScreenItem {
  enum class Kind { Text, Control };
  Kind kind = Kind::Text;
  std::string text;  // as shown (ImGui "##id" suffixes removed)
  Rect rect;         // window pixels
  bool enabled = true;
  std::vector<DrawnGlyph> glyphs;  // the glyphs drawn for `text`, in visual order line by line
  // Not all of it shows: part of it is scrolled out of its panel or cut by the panel's edge (`rect`
  // is the part that shows), or its text is larger than its box even at the smallest size.
  bool cut = false;
};

// What one presented frame showed.
struct ScreenRecord {
  std::uint64_t frame = 0;
  std::vector<ScreenItem> items;
  std::vector<std::string> faces;  // font file of each face a DrawnGlyph names

  // Exact label first; otherwise the only enabled control whose label contains `label`.
  const ScreenItem* find_control(std::string_view label) const;
  // Any item (text or control) whose text contains `text`.
  bool contains_text(std::string_view text) const;
  std::vector<std::string> texts() const;
};

enum class ScriptOp { Nothing, Tap, Type, Key, WaitText, ExpectNoText, Screenshot, Sleep, Dump, Quit };

struct ScriptCommand {
  ScriptOp op = ScriptOp::Nothing;
  std::string arg;  // label, text, key name or path
  int number = -1;  // timeout_ms (tap, wait_text), delay_ms (type), ms (sleep); -1 = default
  int line = 0;
};

struct ScriptError {
  int line = 0;
  std::string message;
};

using ScriptLineResult = domain::Result<ScriptCommand, ScriptError>;
using ScriptResult = domain::Result<std::vector<ScriptCommand>, ScriptError>;

// Parses one line; blank and comment lines give ScriptOp::Nothing.
ScriptLineResult parse_script_line(std::string_view line, int line_no);
// Parses a whole script; the first bad line is the error. Nothing-lines are dropped.
ScriptResult parse_script(std::string_view text);

inline constexpr int kDefaultWaitMs = 5000;

}  // namespace guichet::ui
