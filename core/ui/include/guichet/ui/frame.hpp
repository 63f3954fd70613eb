// The kit's widgets, valid for one frame. Screens draw through a Frame so that every text and
// every labelled control is recorded for automation and follows the theme (large, high-contrast,
// touch-sized). ImGui is available for shapes, but text drawn directly with ImGui is invisible to
// automation and not shaped (no Gurmukhi, Devanagari or Urdu): draw text with text() or text_in().
// Every text goes through the text engine (guichet/text: bidi, script fonts, HarfBuzz shaping,
// line breaking) and is drawn from the glyph atlas (guichet/ui/glyph_atlas.hpp).
//
// Layout follows ImGui: widgets are placed at the cursor from top to bottom; same_line() puts the
// next one after it (to the right, or to the left in a mirrored frame: set_mirrored). Sizes of 0
// mean "what the theme says".
#pragma once

#include <SDL.h>
#include <imgui.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/ui/app.hpp"
#include "guichet/ui/automation.hpp"
#include "guichet/ui/theme.hpp"

namespace guichet::ui {

enum class TextStyle { Small, Body, Large, Heading, Display };
enum class Tone { Normal, Muted, Accent, Danger, Success, OnPrimary };
enum class Align { Left, Center, Right };
enum class ButtonKind { Primary, Secondary, Danger };
enum class Corner { TopLeft, TopRight, BottomLeft, BottomRight };

struct Vec2 {
  float x = 0, y = 0;
};

struct Tile {
  std::string label;   // large text; the automation label
  std::string detail;  // optional smaller second line
  bool enabled = true;
  std::string id;  // tells apart tiles with the same label; defaults to the label
};

struct NumberPadOptions {
  int max_digits = 8;
  bool mask = true;  // show dots instead of the digits (PINs)
  std::string submit_label = "OK";
  std::string cancel_label;  // empty: no cancel key
  std::string clear_label = "Clear";
  std::string erase_label = "Erase";
};

enum class PadResult { None, Changed, Submitted, Cancelled };

// How a one-line field and its label are set. The default suits a touch screen read at arm's
// length; a dense form at a desk (the counter's) takes smaller text and tighter gaps.
struct InputLook {
  TextStyle label = TextStyle::Body;   // wrapped above the field
  TextStyle value = TextStyle::Large;  // the typed text; it sets the field's height
  float label_gap = -1;                // pixels between the label and its field; -1: the theme's spacing
  float gap_after = -1;                // pixels under the field; -1: the theme's spacing
};

// A control by its automation label and, among the controls drawn with that label, its place in
// drawing order (0 for the first).
struct ControlRef {
  std::string label;
  int occurrence = 0;
};

// A text input event (a key-typed or scanner-typed character), with SDL's timestamp so an app can
// tell a keyboard-wedge scanner (characters a few ms apart) from a person.
struct TextEvent {
  std::string text;
  std::uint32_t at_ms = 0;
};

namespace detail {
struct FrameContext;
}

class Frame {
 public:
  // Time and redraw requests.
  Clock::time_point now() const;
  void animate();                          // draw another frame right after this one
  void redraw_at(Clock::time_point when);  // wake the loop then (timeouts, clocks)
  Clock::time_point last_input() const;    // last touch, click or key

  // Input of this frame that widgets did not consume.
  // True if `key` went down this frame with exactly the modifiers `mods` (Ctrl/Shift/Alt/GUI).
  bool key_pressed(SDL_Keycode key, std::uint16_t mods = KMOD_NONE) const;
  const std::vector<TextEvent>& text_events() const;

  const Theme& theme() const;
  float scale() const;  // window height / 1080
  // The language of the text drawn from here to the end of the frame (the App's language at the
  // start of each frame). In a right-to-left language ("ur") Align::Left means the start of the
  // line, drawn on the right, Align::Right the end, and tile grids fill from the right.
  void set_language(std::string_view code);
  const std::string& language() const;
  bool right_to_left() const;
  // Mirrors the horizontal placement of everything drawn from here to the end of the frame (off at
  // the start of each frame), for a right-to-left reader: x coordinates given to and read from the
  // Frame (cursor, set_cursor, the rectangles of text_in, text_fit and fill) are logical, measured
  // from the start side, which is the right edge of the current window. Rows of controls built with
  // same_line() and tile grids then run right to left, Corner::BottomLeft is drawn bottom right,
  // and the arrows ← and → in texts and labels point the other way (the start of a line is on the
  // right). The text itself is not mirrored: it is shaped and laid out by its own direction, so
  // numbers and Latin names inside Urdu keep their order. The number pad keeps 1 2 3 from left to
  // right, as every phone's does. What automation records (ScreenRecord) is where things are on
  // the screen.
  void set_mirrored(bool mirrored);
  bool mirrored() const;
  // A rectangle in the Frame's logical coordinates as it is on the screen (itself when not
  // mirrored), for drawing with ImGui directly.
  Rect on_screen(const Rect& logical) const;
  // Pixel size of a style's text (theme size × scale) and the height of one of its lines (Latin).
  float text_size(TextStyle style) const;
  float line_height(TextStyle style) const;
  Rect screen() const;   // the whole window
  Rect content() const;  // inside the theme padding, above any reserve_bottom()
  // Keeps `height` pixels above the bottom padding free for the rest of the frame: content() ends
  // above them (a bar the app draws there itself).
  void reserve_bottom(float height);

  // What this frame has drawn so far: its texts and labelled controls, as automation sees them.
  const ScreenRecord& drawn() const;
  // The control `ref` acts as tapped in the next frame (drawn at once): navigation by keys or
  // switches reaches every control a screen draws without the screen knowing. No effect when the
  // next frame draws no such enabled control.
  void press_next_frame(ControlRef ref);

  // Layout.
  Vec2 cursor() const;
  void set_cursor(float x, float y);
  void same_line(float gap = -1);  // -1: theme spacing
  void space(float height = -1);   // -1: theme spacing
  float available_width() const;
  Vec2 measure(std::string_view text, TextStyle style, float wrap_width = 0) const;

  // Text (wrapped at the available width).
  void text(std::string_view text, TextStyle style = TextStyle::Body, Tone tone = Tone::Normal,
            Align align = Align::Left);
  // Text inside a rectangle, centred vertically; for boards and custom layouts.
  void text_in(const Rect& rect, std::string_view text, TextStyle style, Tone tone = Tone::Normal,
               Align align = Align::Center);
  // One line of text as large as `style` allows, shrunk to fit the rectangle (board numbers).
  void text_fit(const Rect& rect, std::string_view text, TextStyle style, Tone tone = Tone::Normal,
                Align align = Align::Center);
  // A filled rounded rectangle (no text; backgrounds of cards and boards).
  void fill(const Rect& rect, Rgba color, float rounding = -1);

  // Controls: true when tapped this frame.
  // `height` 0: the theme's button height. The label is set as large as fits, up to `largest`
  // (rows of a list keep one size whatever their height).
  bool button(std::string_view label, ButtonKind kind = ButtonKind::Primary, float width = 0, bool enabled = true,
              float height = 0, TextStyle largest = TextStyle::Large);
  bool tile(const Tile& tile, float width, float height = 0);
  // Tiles filling the available width in `columns` columns; returns the index tapped or -1.
  int tile_grid(const std::vector<Tile>& tiles, int columns, float tile_height = 0);
  // A small, discreet control in a screen corner (admin entry).
  bool corner_control(std::string_view label, Corner corner);
  // Digits 0–9, erase, clear, submit (and cancel): edits `value` in place.
  PadResult number_pad(std::string& value, const NumberPadOptions& options = {});
  // Rows in a scrolling panel; returns the row tapped or -1; `selected` is highlighted.
  int text_list(std::string_view id, const std::vector<std::string>& rows, float height, int selected = -1);
  // A one-line field that takes keyboard input; true when Return was pressed in it.
  bool input_text(std::string_view label, std::string& value, bool password = false, float width = 0);
  bool input_text(std::string_view label, std::string& value, const InputLook& look, bool password = false,
                  float width = 0);
  // The keyboard between the text fields and a part of the screen moved through by keys of its
  // own (a checklist chosen from with the arrow keys). `focused_field`: the field that has the keys
  // now, 0 for none (a click may have given them). `keep_keys_from_fields`, called before the
  // fields are drawn: the first field does not take the keys, and until a frame that does not call
  // it the field that has them is given no key presses or typing (it keeps its text and caret's
  // place, no caret shown), so it types again where it was.
  std::uint32_t focused_field() const;
  void keep_keys_from_fields();
  // A ring around `rect` (screen pixels), drawn just outside it: the item the keys act on. Returns
  // how far outside `rect` it reaches.
  float focus_ring(const Rect& rect, Rgba color);
  // A busy indicator; keeps frames coming while visible.
  void spinner(float radius = 0);

  // A bordered region; its content scrolls when it overflows.
  void begin_panel(std::string_view id, float width, float height, bool border = true);
  void end_panel();
  // Scrolls the panel being drawn, from the next frame, just enough that the screen rows `top` to
  // `bottom` show in it (the top when they are taller than the panel). Nothing when they show.
  void scroll_to_show(float top, float bottom);

  // ImGui's font at a style's size, for ImGui's own widgets and for sizes (FontSize). It holds
  // almost no glyphs: text drawn with it would not be shaped; use text() and friends.
  ImFont* font(TextStyle style) const;

 private:
  friend class App;
  explicit Frame(detail::FrameContext& ctx) : ctx_(ctx) {}
  detail::FrameContext& ctx_;
};

// One small class per screen: draw() reads the app's state and returns what the user asked for.
// Screens do no I/O.
template <class State, class Action>
class Screen {
 public:
  virtual ~Screen() = default;
  virtual std::vector<Action> draw(Frame& frame, const State& state) = 0;
};

}  // namespace guichet::ui
