// Draws the on-screen keyboards of keyboard_layout.hpp and applies typed text from a physical
// keyboard or a keyboard-wedge scanner (SDL text input) to the same value.
#include <algorithm>
#include <cmath>

#include "keyboard_layout.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

namespace {

// The layout drawn for `context`: a new field or a new citizen starts in the citizen's own letters.
KeyboardLayout layout_for(const View& v, KeyboardKind kind, const KeyboardState& state, const std::string& context) {
  const bool latin = state.context == context && state.latin;
  const Tr t = v.t();
  return keyboard_layout(kind, latin ? Script::Latin : script_for(t.language()), t);
}

// The gap between keys: half the theme's spacing, a quarter where that leaves keys under the
// least touch size.
float key_gap(const ui::Frame& f, std::size_t rows, float room) {
  const float gap = f.theme().sizes.spacing * f.scale() * 0.5f;
  const float least = f.theme().sizes.touch_min * f.scale();
  const auto n = static_cast<float>(rows);
  if (least > 0 && n > 1 && (room - gap * (n - 1)) / n < least) return gap / 2;
  return gap;
}

}  // namespace

float keyboard_least_height(const ui::Frame& f, const View& v, KeyboardKind kind, const KeyboardState& state,
                            const std::string& context) {
  const float least = f.theme().sizes.touch_min * f.scale();
  if (least <= 0) return 0;
  const auto rows = static_cast<float>(layout_for(v, kind, state, context).rows.size());
  return rows * least + (rows - 1) * f.theme().sizes.spacing * f.scale() * 0.25f;
}

bool keyboard(ui::Frame& f, const View& v, std::string& value, KeyboardKind kind, std::size_t max_chars,
              KeyboardState& state, const std::string& context) {
  // A new field or a new citizen starts in the citizen's own letters.
  if (state.context != context) state = KeyboardState{false, context};
  bool changed = false;
  // Typed text first: a physical keyboard or a scanner typing a receipt number.
  for (const auto& e : f.text_events()) {
    if (!typed_text_allowed(kind, e.text)) continue;
    if (code_points(value) + code_points(e.text) > max_chars) continue;
    value += e.text;
    changed = true;
  }
  if (f.key_pressed(SDLK_BACKSPACE) && erase_last_code_point(value)) changed = true;

  KeyboardLayout layout = layout_for(v, kind, state, context);

  const float total = layout.pad ? std::min(f.available_width(), 560 * f.scale()) : f.available_width();
  const float left = f.content().x + (f.content().w - total) / 2;
  // Keys as tall as buttons, or shorter when the rows would not fit above the screen's bottom
  // (the screen leaves room for keys of the least touch size: keyboard_least_height). Where even
  // that room is short (six rows of Gurmukhi under the audio bar in large text on a fine panel),
  // the keys go in fewer, longer rows, each key still the least touch size on both sides.
  const float room = f.content().y + f.content().h - f.cursor().y;
  const float gap = key_gap(f, layout.rows.size(), room);
  const float least = f.theme().sizes.touch_min * f.scale();
  if (least > 0 && !layout.pad) {
    const auto fit = static_cast<std::size_t>(std::max(1.0f, std::floor((room + gap) / (least + gap))));
    if (fit < layout.rows.size()) {
      layout = reflowed(layout, fit, std::max(1, static_cast<int>((total + gap) / (least + gap))));
    }
  }
  const auto rows = static_cast<float>(layout.rows.size());
  const float key_h = std::min(f.theme().sizes.button_height * f.scale(), (room - gap * (rows - 1)) / rows);
  const float key_w = (total - gap * static_cast<float>(layout.columns - 1)) / static_cast<float>(layout.columns);
  float row_y = f.cursor().y;
  for (std::size_t r = 0; r < layout.rows.size(); ++r) {
    float offset = 0;
    for (std::size_t i = 0; i < layout.rows[r].size(); ++i) {
      const Key& key = layout.rows[r][i];
      const float w = key_w * static_cast<float>(key.width) + gap * static_cast<float>(key.width - 1);
      // Right-to-left scripts start their rows at the right edge. The frame's x is logical (from
      // the right in a mirrored frame): Latin letters in an Urdu session keep Q W E from the left.
      const bool from_right = layout.right_to_left != f.mirrored();
      const float x = from_right ? left + total - offset - w : left + offset;
      offset += w + gap;
      f.set_cursor(x, row_y);
      const std::string id = "key:" + std::to_string(r) + ":" + std::to_string(i);
      if (!f.tile({key.label, {}, true, id}, w, key_h)) continue;
      if (key.kind == Key::Kind::ToLatin) {
        state.latin = true;
      } else if (key.kind == Key::Kind::ToNative) {
        state.latin = false;
      } else if (press(layout, key, value, max_chars)) {
        changed = true;
      }
    }
    row_y += key_h + gap;
  }
  f.set_cursor(f.content().x, row_y);
  return changed;
}

}  // namespace guichet::kiosk
