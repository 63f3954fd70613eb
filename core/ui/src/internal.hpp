// Shared between the loop (app.cpp) and the widgets (frame.cpp); not installed.
#pragma once

#include <SDL.h>
#include <imgui.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "guichet/text/layout.hpp"
#include "guichet/ui/app.hpp"
#include "guichet/ui/frame.hpp"
#include "guichet/ui/glyph_atlas.hpp"

namespace guichet::ui::detail {

struct PostQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> items;
  bool closed = false;
  bool wake_pending = false;  // one SDL wake event in flight is enough
  Uint32 wake_event = 0;      // SDL user event type; 0 before the window exists
  bool use_sdl_wake = false;  // the video driver delivers OS events: wake SDL_WaitEventTimeout
};

struct KeyPress {
  SDL_Keycode key;
  std::uint16_t mods;
};

// The text engine as the screen uses it: fonts, cached layouts and the glyph atlas. Owned by the
// App; widgets reach it through the FrameContext.
struct TextKit {
  std::unique_ptr<text::FontSet> fonts;
  std::unique_ptr<text::TextEngine> engine;
  std::unique_ptr<GlyphAtlas> atlas;
  std::unordered_map<int, float> line_spacing;  // pixel size → LayoutOptions::line_spacing
  std::size_t latin_face = 0;

  // The line spacing that gives Latin text lines of 1.15 × the size, the spacing the screens were
  // designed with (the fonts' own line height is larger). Lines in taller scripts (Nastaliq)
  // stay taller by the same ratio.
  float spacing(int pixel_size);
};

struct FrameContext {
  const Theme* theme = nullptr;
  float scale = 1;
  int width = 0, height = 0;
  ImFont* fonts[5] = {};  // ImGui's own widgets only (the input field's height); text is drawn by `text`
  int text_px[5] = {};    // pixel size of each TextStyle
  TextKit* text = nullptr;
  std::string language;  // of what is drawn: "en", "fr", "pa", "hi", "ur"
  bool rtl = false;      // the language is written right to left
  bool mirror = false;   // horizontal placement mirrored (Frame::set_mirrored)
  // Panels begun and not yet ended: whether each was placed mirrored, where it starts
  // (logically) and how wide it is.
  struct Panel {
    bool mirrored = false;
    float logical_x = 0, width = 0;
  };
  std::vector<Panel> panels;
  ScreenRecord* record = nullptr;
  Clock::time_point now;
  Clock::time_point last_input;
  std::vector<KeyPress> keys;
  std::vector<TextEvent> text_events;
  bool animate = false;
  std::optional<Clock::time_point> redraw_at;
  int input_text_count = 0;     // input fields drawn this frame (the first gets focus)
  bool fields_keyless = false;  // Frame::keep_keys_from_fields: no field takes the keys
  float bottom_reserve = 0;     // pixels kept free at the bottom (Frame::reserve_bottom)
  // The control pressed in this frame (Frame::press_next_frame in the previous one), how many
  // controls with its label were drawn so far, and where a press for the next frame goes.
  std::optional<ControlRef> press;
  int press_seen = 0;
  std::optional<ControlRef>* press_next = nullptr;
};

// Drawing helpers used by the widgets.
ImU32 to_imu32(Rgba c);
std::string strip_id(std::string_view label);

}  // namespace guichet::ui::detail
