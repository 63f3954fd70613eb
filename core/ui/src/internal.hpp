// Shared between the loop (app.cpp) and the widgets (frame.cpp); not installed.
#pragma once

#include <SDL.h>
#include <imgui.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

#include "guichet/ui/app.hpp"
#include "guichet/ui/frame.hpp"

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

struct FrameContext {
  const Theme* theme = nullptr;
  float scale = 1;
  int width = 0, height = 0;
  ImFont* fonts[5] = {};
  ScreenRecord* record = nullptr;
  Clock::time_point now;
  Clock::time_point last_input;
  std::vector<KeyPress> keys;
  std::vector<TextEvent> text;
  bool animate = false;
  std::optional<Clock::time_point> redraw_at;
  int input_text_count = 0;  // input fields drawn this frame (the first gets focus)
};

// Drawing helpers used by the widgets.
ImU32 to_imu32(Rgba c);
std::string strip_id(std::string_view label);

}  // namespace guichet::ui::detail
