#include "guichet/ui/app.hpp"

#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "guichet/text/layout.hpp"
#include "guichet/ui/frame.hpp"
#include "guichet/ui/glyph_atlas.hpp"
#include "internal.hpp"

namespace guichet::ui {

using detail::PostQueue;

domain::Result<std::pair<int, int>, UiError> parse_size(std::string_view text) {
  auto x = text.find('x');
  auto bad = [&] { return UiError{"size '" + std::string(text) + "': expected WIDTHxHEIGHT, e.g. 1280x800"}; };
  if (x == std::string_view::npos) return bad();
  int w = 0, h = 0;
  auto r1 = std::from_chars(text.data(), text.data() + x, w);
  auto r2 = std::from_chars(text.data() + x + 1, text.data() + text.size(), h);
  if (r1.ec != std::errc() || r1.ptr != text.data() + x || r2.ec != std::errc() ||
      r2.ptr != text.data() + text.size()) {
    return bad();
  }
  if (w < 320 || h < 240 || w > 16384 || h > 16384) {
    return UiError{"size '" + std::string(text) + "': width and height must be between 320x240 and 16384x16384"};
  }
  return std::pair{w, h};
}

domain::Result<RendererKind, UiError> parse_renderer(std::string_view text) {
  if (text == "auto") return RendererKind::Auto;
  if (text == "software") return RendererKind::Software;
  if (text == "accelerated") return RendererKind::Accelerated;
  return UiError{"renderer '" + std::string(text) + "': expected auto, software or accelerated"};
}

bool Poster::post(std::function<void()> fn) const {
  if (!queue_) return false;
  bool push_sdl = false;
  Uint32 type = 0;
  {
    std::lock_guard lock(queue_->mu);
    if (queue_->closed) return false;
    queue_->items.push_back(std::move(fn));
    if (!queue_->wake_pending) {
      queue_->wake_pending = true;
      push_sdl = queue_->use_sdl_wake;
      type = queue_->wake_event;
    }
  }
  queue_->cv.notify_one();
  if (push_sdl && type != 0) {
    SDL_Event ev{};
    ev.type = type;
    SDL_PushEvent(&ev);
  }
  return true;
}

namespace {

// SIGINT/SIGTERM are taken by a thread blocked in sigwait, which asks the loop to quit through
// the post queue: a signal handler may not touch SDL's queue, and the loop may be asleep.
class SignalWatcher {
 public:
  explicit SignalWatcher(Poster poster, std::function<void()> on_signal) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    thread_ = std::thread([this, set, poster = std::move(poster), on_signal = std::move(on_signal)] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (stop_.load()) return;
        poster.post(on_signal);
      }
    });
  }
  ~SignalWatcher() {
    stop_.store(true);
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  sigset_t old_mask_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct TapState {
  int phase = 0;  // 0 looking for the control, 1 pressed, 2 released
  std::uint64_t frame_mark = 0;
};

bool is_text_driver() {
  const char* d = SDL_GetCurrentVideoDriver();
  return d && (std::string_view(d) == "offscreen" || std::string_view(d) == "dummy");
}

std::vector<std::string> split_utf8(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::vector<text::ScriptFonts> screen_fonts() {
  auto fonts = text::default_fonts();
  // A second Latin face: only reached through fallback, for characters the first lacks.
  fonts.push_back({text::Script::Latin, {"DejaVu Sans"}});
  return fonts;
}

float detail::TextKit::spacing(int pixel_size) {
  auto found = line_spacing.find(pixel_size);
  if (found != line_spacing.end()) return found->second;
  auto m = fonts->metrics(latin_face, pixel_size);
  const float natural = m.ascent + m.descent + m.line_gap;
  const float value = natural > 0 ? 1.15f * static_cast<float>(pixel_size) / natural : 1.0f;
  line_spacing.emplace(pixel_size, value);
  return value;
}

ImU32 detail::to_imu32(Rgba c) { return IM_COL32(c.r, c.g, c.b, c.a); }

std::string detail::strip_id(std::string_view label) {
  auto p = label.find("##");
  return std::string(p == std::string_view::npos ? label : label.substr(0, p));
}

struct App::Impl {
  AppOptions options;
  SDL_Window* window = nullptr;
  SDL_Renderer* renderer = nullptr;
  ImGuiContext* imgui = nullptr;
  std::shared_ptr<PostQueue> queue = std::make_shared<PostQueue>();
  std::unique_ptr<SignalWatcher> signals;
  bool text_driver = false;

  Theme theme;
  std::optional<Theme> pending_theme;
  float font_scale = 0;    // scale the fonts were built for
  ThemeFonts built_fonts;  // the theme's fonts they were built from
  std::uint64_t font_builds = 0;
  ImFont* fonts[5] = {};
  detail::TextKit text_kit;
  std::string language;

  bool running = true;
  int exit_code = 0;
  int frames_needed = 2;
  std::optional<Clock::time_point> wake_at;
  std::uint64_t frames = 0;
  Clock::time_point last_input = Clock::now();
  std::function<void()> first_present;

  // Pointer state kept here rather than read back from SDL: injected events do not move SDL's
  // own mouse state, and they must behave exactly like a finger on the screen.
  float pointer_x = -FLT_MAX, pointer_y = -FLT_MAX;
  bool pointer_down = false, pointer_pressed = false, lift_pointer = false;

  std::vector<detail::KeyPress> keys;
  std::vector<TextEvent> text;
  ScreenRecord building, last;
  std::optional<ControlRef> press_next;  // Frame::press_next_frame
  bool keys_off_fields = false;          // the last frame kept the keys from the text fields
  std::vector<std::string> screenshot_paths;

  // Automation.
  bool script_active = false;
  bool script_stdin = false;
  std::string script_name;
  std::deque<ScriptCommand> commands;
  std::optional<ScriptCommand> current;
  Clock::time_point cmd_start, cmd_next;
  TapState tap;
  std::vector<std::string> type_chars;
  std::size_t type_index = 0;
  std::uint64_t cmd_frame_mark = 0;
  bool stdin_eof = false;

  ~Impl() {
    {
      std::lock_guard lock(queue->mu);
      queue->closed = true;
      queue->items.clear();
    }
    signals.reset();
    if (imgui) {
      ImGui_ImplSDLRenderer_Shutdown();
      ImGui_ImplSDL2_Shutdown();
      ImGui::DestroyContext(imgui);
    }
    text_kit.atlas.reset();  // its textures belong to the renderer
    if (renderer) SDL_DestroyRenderer(renderer);
    if (window) SDL_DestroyWindow(window);
    SDL_Quit();
  }

  float scale() const {
    int w = 0, h = 0;
    SDL_GetWindowSize(window, &w, &h);
    return std::max(0.4f, static_cast<float>(h) / 1080.0f);
  }

  void build_fonts() {
    float s = scale();
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    // The kit draws every text with the text engine and the glyph atlas. ImGui's fonts only give
    // its own widgets (the input field) their sizes, and ImGui something to fall back on: ASCII
    // at the two small sizes, a single space at the large ones, so the atlas costs next to nothing.
    static const ImWchar text_ranges[] = {0x0020, 0x007E, 0};
    static const ImWchar display_ranges[] = {0x0020, 0x0020, 0};
    ImFontConfig cfg;
    cfg.OversampleH = 1;  // large sizes gain nothing from horizontal oversampling
    cfg.OversampleV = 1;
    cfg.PixelSnapH = true;
    const auto& f = theme.fonts;
    fonts[0] = io.Fonts->AddFontFromFileTTF(f.regular.c_str(), f.small * s, &cfg, text_ranges);
    fonts[1] = io.Fonts->AddFontFromFileTTF(f.regular.c_str(), f.body * s, &cfg, text_ranges);
    fonts[2] = io.Fonts->AddFontFromFileTTF(f.bold.c_str(), f.large * s, &cfg, display_ranges);
    fonts[3] = io.Fonts->AddFontFromFileTTF(f.bold.c_str(), f.heading * s, &cfg, display_ranges);
    fonts[4] = io.Fonts->AddFontFromFileTTF(f.bold.c_str(), f.display * s, &cfg, display_ranges);
    for (auto*& font : fonts) {
      if (!font) font = io.Fonts->AddFontDefault();
    }
    io.FontDefault = fonts[1];
    ImGui_ImplSDLRenderer_DestroyFontsTexture();
    ImGui_ImplSDLRenderer_CreateFontsTexture();
    // The texture now lives in the renderer; ImGui's CPU copies of the atlas are not needed, nor
    // the font files it read whole into memory to bake it (one copy per size: megabytes).
    io.Fonts->ClearTexData();
    io.Fonts->ClearInputData();
    font_scale = s;
    built_fonts = f;
    ++font_builds;
  }

  void apply_style() {
    ImGuiStyle style;
    ImGui::StyleColorsDark(&style);
    const float s = scale();
    const auto& c = theme.colors;
    const auto& z = theme.sizes;
    auto v4 = [](Rgba x) { return ImGui::ColorConvertU32ToFloat4(detail::to_imu32(x)); };
    style.Colors[ImGuiCol_WindowBg] = v4(c.background);
    style.Colors[ImGuiCol_ChildBg] = v4(c.surface);
    style.Colors[ImGuiCol_PopupBg] = v4(c.surface);
    style.Colors[ImGuiCol_Text] = v4(c.text);
    style.Colors[ImGuiCol_TextDisabled] = v4(c.text_muted);
    style.Colors[ImGuiCol_Border] = v4(c.border);
    style.Colors[ImGuiCol_FrameBg] = v4(c.tile);
    style.Colors[ImGuiCol_FrameBgHovered] = v4(c.tile);
    style.Colors[ImGuiCol_FrameBgActive] = v4(c.tile);
    style.Colors[ImGuiCol_Button] = v4(c.secondary);
    style.Colors[ImGuiCol_ButtonHovered] = v4(c.secondary);
    style.Colors[ImGuiCol_ButtonActive] = v4(c.tile_pressed);
    style.Colors[ImGuiCol_Header] = v4(c.primary);
    style.Colors[ImGuiCol_HeaderHovered] = v4(c.secondary);
    style.Colors[ImGuiCol_HeaderActive] = v4(c.tile_pressed);
    style.Colors[ImGuiCol_ScrollbarBg] = v4(c.surface);
    style.Colors[ImGuiCol_ScrollbarGrab] = v4(c.text_muted);
    style.Colors[ImGuiCol_ScrollbarGrabHovered] = v4(c.text);
    style.Colors[ImGuiCol_ScrollbarGrabActive] = v4(c.accent);
    style.Colors[ImGuiCol_NavHighlight] = v4(c.accent);
    style.Colors[ImGuiCol_TextSelectedBg] = v4(c.accent);
    style.WindowPadding = ImVec2(z.padding * s, z.padding * s);
    style.ItemSpacing = ImVec2(z.spacing * s, z.spacing * s);
    style.ItemInnerSpacing = ImVec2(z.spacing * s / 2, z.spacing * s / 2);
    style.FramePadding = ImVec2(z.spacing * s / 2, z.spacing * s / 3);
    style.FrameRounding = z.rounding * s;
    style.ChildRounding = z.rounding * s;
    style.WindowRounding = 0;
    style.FrameBorderSize = z.border * s;
    style.ChildBorderSize = z.border * s;
    style.WindowBorderSize = 0;
    style.ScrollbarSize = std::max(24.0f, 40 * s);
    style.ScrollbarRounding = z.rounding * s;
    style.GrabMinSize = 40 * s;
    style.TouchExtraPadding = ImVec2(4 * s, 4 * s);
    ImGui::GetStyle() = style;
  }

  void apply_theme_now() {
    apply_style();
    // A theme that changes colours or control sizes only (the kiosk sizes its theme for the panel
    // before the first frame) keeps the fonts: rebuilding them means reading the font files and
    // rasterising ImGui's atlas again, on the way to the first frame.
    if (font_builds == 0 || built_fonts != theme.fonts || std::abs(scale() - font_scale) > 0.01f) build_fonts();
  }

  // --- waiting ---------------------------------------------------------------------------------

  int timeout_ms(Clock::time_point now) const {
    if (frames_needed > 0 || !running) return 0;
    std::optional<Clock::time_point> t = wake_at;
    if (current) {
      if (!t || cmd_next < *t) t = cmd_next;
    }
    if (!t) return -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 24 * 3600 * 1000));
  }

  void wait(int timeout) {
    if (timeout == 0) return;
    if (text_driver) {
      // No OS events under offscreen/dummy: everything that can wake us comes through the post
      // queue (workers, signals, stdin), so a condition variable is enough and truly idle. SDL's
      // own wait would poll every millisecond here.
      std::unique_lock lock(queue->mu);
      auto ready = [&] { return !queue->items.empty() || queue->closed; };
      if (timeout < 0) {
        queue->cv.wait(lock, ready);
      } else {
        queue->cv.wait_for(lock, std::chrono::milliseconds(timeout), ready);
      }
      return;
    }
    SDL_Event ev;
    if (SDL_WaitEventTimeout(&ev, timeout)) handle_event(ev);
  }

  // --- events ----------------------------------------------------------------------------------

  void handle_event(const SDL_Event& ev) {
    if (ev.type == queue->wake_event) {
      frames_needed = std::max(frames_needed, 1);
      return;
    }
    // While the screen keeps the keys from the text fields (Frame::keep_keys_from_fields) ImGui is
    // not given key presses or typing: the field that has the keys keeps them, untouched (Esc
    // would undo its edit, Enter end it). Key releases still go, so that no key stays held.
    const bool keys_withheld = keys_off_fields && (ev.type == SDL_KEYDOWN || ev.type == SDL_TEXTINPUT);
    if (!keys_withheld) ImGui_ImplSDL2_ProcessEvent(&ev);
    switch (ev.type) {
      case SDL_QUIT:
        running = false;
        break;
      case SDL_MOUSEMOTION:
        pointer_x = static_cast<float>(ev.motion.x);
        pointer_y = static_cast<float>(ev.motion.y);
        if (ev.motion.which != SDL_TOUCH_MOUSEID) lift_pointer = false;
        note_input();
        break;
      case SDL_MOUSEBUTTONDOWN:
        if (ev.button.button == SDL_BUTTON_LEFT) {
          pointer_x = static_cast<float>(ev.button.x);
          pointer_y = static_cast<float>(ev.button.y);
          pointer_down = true;
          pointer_pressed = true;
          lift_pointer = false;
        }
        note_input();
        break;
      case SDL_MOUSEBUTTONUP:
        if (ev.button.button == SDL_BUTTON_LEFT) {
          pointer_down = false;
          // A finger leaves the screen: nothing stays "hovered" on the next screen.
          lift_pointer = ev.button.which == SDL_TOUCH_MOUSEID;
        }
        note_input();
        break;
      case SDL_MOUSEWHEEL:
        note_input();
        break;
      case SDL_KEYDOWN: {
        std::uint16_t mods = ev.key.keysym.mod & (KMOD_CTRL | KMOD_SHIFT | KMOD_ALT | KMOD_GUI);
        keys.push_back({ev.key.keysym.sym, mods});
        note_input();
        break;
      }
      case SDL_KEYUP:
        frames_needed = std::max(frames_needed, 1);
        break;
      case SDL_TEXTINPUT:
        text.push_back({ev.text.text, ev.text.timestamp});
        note_input();
        break;
      case SDL_WINDOWEVENT:
        frames_needed = std::max(frames_needed, 2);
        break;
      default:
        break;
    }
  }

  void note_input() {
    last_input = Clock::now();
    frames_needed = std::max(frames_needed, 2);
  }

  void drain_posts() {
    std::deque<std::function<void()>> items;
    {
      std::lock_guard lock(queue->mu);
      items.swap(queue->items);
      queue->wake_pending = false;
    }
    for (auto& fn : items) fn();
    if (!items.empty()) frames_needed = std::max(frames_needed, 1);
  }

  // --- automation ------------------------------------------------------------------------------

  void report_ok() {
    if (script_stdin) {
      std::fputs("ok\n", stdout);
      std::fflush(stdout);
    }
  }

  void report_error(const ScriptCommand& cmd, const std::string& message) {
    if (script_stdin) {
      std::fprintf(stdout, "error: %s\n", message.c_str());
      std::fflush(stdout);
      return;
    }
    std::fprintf(stderr, "%s:%d: error: %s\n", script_name.c_str(), cmd.line, message.c_str());
    exit_code = 3;
    running = false;
    commands.clear();
  }

  void finish_command(bool ok, const std::string& message = {}) {
    if (ok) {
      report_ok();
    } else {
      report_error(*current, message);
    }
    current.reset();
  }

  std::string visible_summary() const {
    std::string out;
    for (const auto& item : last.items) {
      if (out.size() > 300) {
        out += ", …";
        break;
      }
      if (!out.empty()) out += ", ";
      out += "\"" + item.text + "\"";
    }
    return out.empty() ? "nothing" : out;
  }

  void push_mouse(Uint32 type, float x, float y) {
    SDL_Event ev{};
    ev.type = type;
    if (type == SDL_MOUSEMOTION) {
      ev.motion.windowID = SDL_GetWindowID(window);
      ev.motion.which = SDL_TOUCH_MOUSEID;
      ev.motion.x = static_cast<Sint32>(x);
      ev.motion.y = static_cast<Sint32>(y);
    } else {
      ev.button.windowID = SDL_GetWindowID(window);
      ev.button.which = SDL_TOUCH_MOUSEID;
      ev.button.button = SDL_BUTTON_LEFT;
      ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
      ev.button.clicks = 1;
      ev.button.x = static_cast<Sint32>(x);
      ev.button.y = static_cast<Sint32>(y);
    }
    SDL_PushEvent(&ev);
  }

  // "Alt+1", "Ctrl+Shift+F2", "Return": the key and the modifiers held with it.
  static std::pair<SDL_Keycode, Uint16> key_with_mods(const std::string& name) {
    Uint16 mods = KMOD_NONE;
    std::string rest = name;
    for (auto [prefix, mod] :
         {std::pair{"Ctrl+", KMOD_LCTRL}, std::pair{"Alt+", KMOD_LALT}, std::pair{"Shift+", KMOD_LSHIFT}}) {
      const std::string p = prefix;
      // Modifiers come first, in any order.
      for (bool again = true; again;) {
        again = false;
        if (rest.size() > p.size() && rest.compare(0, p.size(), p) == 0) {
          mods = static_cast<Uint16>(mods | mod);
          rest.erase(0, p.size());
          again = true;
        }
      }
    }
    return {SDL_GetKeyFromName(rest.c_str()), mods};
  }

  void push_key(Uint32 type, SDL_Keycode key, Uint16 mods = KMOD_NONE) {
    SDL_Event ev{};
    ev.type = type;
    ev.key.windowID = SDL_GetWindowID(window);
    ev.key.state = type == SDL_KEYDOWN ? SDL_PRESSED : SDL_RELEASED;
    ev.key.keysym.sym = key;
    ev.key.keysym.scancode = SDL_GetScancodeFromKey(key);
    ev.key.keysym.mod = mods;
    SDL_PushEvent(&ev);
  }

  void push_text(const std::string& chars) {
    SDL_Event ev{};
    ev.type = SDL_TEXTINPUT;
    ev.text.windowID = SDL_GetWindowID(window);
    std::snprintf(ev.text.text, sizeof ev.text.text, "%s", chars.c_str());
    SDL_PushEvent(&ev);
  }

  std::string resolve_path(const std::string& path) const {
    if (options.screenshot_dir.empty() || path.starts_with("/")) return path;
    return (std::filesystem::path(options.screenshot_dir) / path).string();
  }

  void add_script_line(const std::string& line, int line_no) {
    auto r = parse_script_line(line, line_no);
    if (!r.ok()) {
      ScriptCommand bad;
      bad.line = line_no;
      report_error(bad, r.error().message);
      return;
    }
    if (r.value().op != ScriptOp::Nothing) commands.push_back(std::move(r).value());
  }

  // Advances the script as far as it can without a new frame. Returns when the current command
  // needs a frame to be drawn or time to pass.
  void step_script(Clock::time_point now) {
    for (int guard = 0; guard < 1000 && running; ++guard) {
      if (!current) {
        if (commands.empty()) {
          if (script_stdin && stdin_eof) running = false;
          return;
        }
        current = commands.front();
        commands.pop_front();
        cmd_start = now;
        cmd_next = now;
        tap = {};
        type_index = 0;
        cmd_frame_mark = frames;
        if (current->op == ScriptOp::Type) type_chars = split_utf8(current->arg);
      }
      ScriptCommand& c = *current;
      const auto ms = [](int v, int d) { return std::chrono::milliseconds(v < 0 ? d : v); };
      switch (c.op) {
        case ScriptOp::Nothing:
          current.reset();
          break;
        case ScriptOp::Tap: {
          if (tap.phase == 0) {
            // Only trust a record drawn after the command started: it shows the current state.
            const ScreenItem* item = frames > cmd_frame_mark || frames_needed == 0 ? last.find_control(c.arg) : nullptr;
            if (item) {
              push_mouse(SDL_MOUSEMOTION, item->rect.cx(), item->rect.cy());
              push_mouse(SDL_MOUSEBUTTONDOWN, item->rect.cx(), item->rect.cy());
              tap.phase = 1;
              tap.frame_mark = frames;
              frames_needed = std::max(frames_needed, 1);
              return;
            }
            if (now - cmd_start >= ms(c.number, kDefaultWaitMs)) {
              finish_command(
                  false, "tap: no control labelled \"" + c.arg + "\" on screen (visible: " + visible_summary() + ")");
              break;
            }
            cmd_next = cmd_start + ms(c.number, kDefaultWaitMs);
            return;
          }
          if (frames <= tap.frame_mark) return;
          if (tap.phase == 1) {
            auto* item_now = last.find_control(c.arg);
            float x = item_now ? item_now->rect.cx() : pointer_x;
            float y = item_now ? item_now->rect.cy() : pointer_y;
            push_mouse(SDL_MOUSEBUTTONUP, x, y);
            tap.phase = 2;
            tap.frame_mark = frames;
            frames_needed = std::max(frames_needed, 2);
            return;
          }
          // Let the app apply the tap and draw its result before the next command looks.
          if (frames < tap.frame_mark + 2) return;
          finish_command(true);
          break;
        }
        case ScriptOp::Type: {
          if (now < cmd_next) return;
          int delay = c.number < 0 ? options.type_delay_ms : c.number;
          if (type_index < type_chars.size()) {
            if (delay <= 0) {
              for (; type_index < type_chars.size(); ++type_index) push_text(type_chars[type_index]);
            } else {
              push_text(type_chars[type_index++]);
              cmd_next = now + std::chrono::milliseconds(delay);
            }
            cmd_frame_mark = frames;
            frames_needed = std::max(frames_needed, 1);
            return;
          }
          if (frames <= cmd_frame_mark) return;
          finish_command(true);
          break;
        }
        case ScriptOp::Key: {
          if (tap.phase == 0) {
            const auto [key, mods] = key_with_mods(c.arg);
            if (key == SDLK_UNKNOWN) {
              finish_command(false, "key: unknown key name '" + c.arg + "'");
              break;
            }
            push_key(SDL_KEYDOWN, key, mods);
            tap.phase = 1;
            tap.frame_mark = frames;
            frames_needed = std::max(frames_needed, 1);
            return;
          }
          if (frames <= tap.frame_mark) return;
          if (tap.phase == 1) {
            const auto [key, mods] = key_with_mods(c.arg);
            push_key(SDL_KEYUP, key, mods);
            tap.phase = 2;
            tap.frame_mark = frames;
            frames_needed = std::max(frames_needed, 2);
            return;
          }
          if (frames < tap.frame_mark + 2) return;
          finish_command(true);
          break;
        }
        case ScriptOp::WaitText: {
          if ((frames > cmd_frame_mark || frames_needed == 0) && last.contains_text(c.arg)) {
            finish_command(true);
            break;
          }
          if (now - cmd_start >= ms(c.number, kDefaultWaitMs)) {
            finish_command(false, "wait_text: \"" + c.arg + "\" did not appear within " +
                                      std::to_string(ms(c.number, kDefaultWaitMs).count()) +
                                      " ms (visible: " + visible_summary() + ")");
            break;
          }
          cmd_next = cmd_start + ms(c.number, kDefaultWaitMs);
          return;
        }
        case ScriptOp::ExpectNoText:
          if (frames_needed > 0 && frames <= cmd_frame_mark) return;
          if (last.contains_text(c.arg)) {
            finish_command(false, "expect_no_text: \"" + c.arg + "\" is on screen");
          } else {
            finish_command(true);
          }
          break;
        case ScriptOp::Screenshot:
          if (tap.phase == 0) {
            screenshot_paths.push_back(resolve_path(c.arg));
            tap.phase = 1;
            tap.frame_mark = frames;
            frames_needed = std::max(frames_needed, 1);
            return;
          }
          if (frames <= tap.frame_mark) return;
          if (!screenshot_error.empty()) {
            finish_command(false, "screenshot: " + screenshot_error);
            screenshot_error.clear();
          } else {
            finish_command(true);
          }
          break;
        case ScriptOp::Sleep:
          if (now - cmd_start >= ms(c.number, 0)) {
            finish_command(true);
            break;
          }
          cmd_next = cmd_start + ms(c.number, 0);
          return;
        case ScriptOp::Dump:
          if (frames_needed > 0 && frames <= cmd_frame_mark) return;
          for (const auto& item : last.items) {
            std::fprintf(stdout, "| %s \"%s\" %.0f %.0f %.0f %.0f%s%s\n",
                         item.kind == ScreenItem::Kind::Control ? "control" : "text", item.text.c_str(), item.rect.x,
                         item.rect.y, item.rect.w, item.rect.h, item.enabled ? "" : " disabled",
                         item.cut ? " cut" : "");
          }
          std::fflush(stdout);
          finish_command(true);
          break;
        case ScriptOp::Quit:
          finish_command(true);
          running = false;
          return;
      }
    }
  }

  std::string screenshot_error;

  void start_script() {
    if (options.script.empty()) return;
    script_active = true;
    if (options.script == "-") {
      script_stdin = true;
      script_name = "stdin";
      Poster p(queue);
      // Detached: it may stay blocked in a read when the app quits; it owns nothing of the app.
      std::thread([this, p] {
        std::string line;
        int line_no = 0;
        while (std::getline(std::cin, line)) {
          ++line_no;
          // Runs on the UI thread; the queue is closed before Impl goes away, so `this` is alive.
          if (!p.post([this, line, line_no] { add_script_line(line, line_no); })) return;
        }
        p.post([this] { stdin_eof = true; });
      }).detach();
      return;
    }
    script_name = options.script;
    std::ifstream in(options.script);
    if (!in) {
      std::fprintf(stderr, "%s: error: cannot open script file\n", options.script.c_str());
      exit_code = 3;
      running = false;
      return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_script(text.str());
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s:%d: error: %s\n", options.script.c_str(), parsed.error().line,
                   parsed.error().message.c_str());
      exit_code = 3;
      running = false;
      return;
    }
    for (auto& c : parsed.value()) commands.push_back(std::move(c));
  }

  // --- drawing ---------------------------------------------------------------------------------

  void draw_frame(const std::function<void(Frame&)>& draw) {
    if (pending_theme) {
      theme = std::move(*pending_theme);
      pending_theme.reset();
      apply_theme_now();
    } else if (std::abs(scale() - font_scale) > 0.01f) {
      apply_theme_now();
    }
    text_kit.atlas->begin_frame();
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(pointer_x, pointer_y);
    io.MouseDown[0] = pointer_down || pointer_pressed;
    pointer_pressed = false;
    bool lift_after = lift_pointer && !io.MouseDown[0];
    ImGui::NewFrame();

    int w = 0, h = 0;
    SDL_GetWindowSize(window, &w, &h);
    building = {};
    building.frame = frames + 1;
    for (std::size_t i = 0; i < text_kit.fonts->size(); ++i) building.faces.push_back(text_kit.fonts->info(i).file);
    detail::FrameContext ctx;
    ctx.theme = &theme;
    ctx.scale = scale();
    ctx.width = w;
    ctx.height = h;
    std::copy(std::begin(fonts), std::end(fonts), std::begin(ctx.fonts));
    const auto& tf = theme.fonts;
    const float sizes[5] = {tf.small, tf.body, tf.large, tf.heading, tf.display};
    for (int i = 0; i < 5; ++i) ctx.text_px[i] = std::max(4, static_cast<int>(std::lround(sizes[i] * ctx.scale)));
    ctx.text = &text_kit;
    ctx.language = language;
    ctx.rtl = text::script_of_language(language) == text::Script::Arabic;
    ctx.record = &building;
    ctx.press = std::move(press_next);
    press_next.reset();
    ctx.press_next = &press_next;
    ctx.now = Clock::now();
    ctx.last_input = last_input;
    ctx.keys.swap(keys);
    ctx.text_events.swap(text);

    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(w), static_cast<float>(h)));
    ImGui::Begin("##screen", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    Frame frame(ctx);
    draw(frame);
    ImGui::End();
    ImGui::Render();

    const auto& bg = theme.colors.background;
    SDL_SetRenderDrawColor(renderer, bg.r, bg.g, bg.b, 255);
    SDL_RenderClear(renderer);
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    save_screenshots(w, h);
    SDL_RenderPresent(renderer);
    ++frames;
    last = std::move(building);
    if (frames == 1 && first_present) first_present();

    if (lift_after) {
      pointer_x = pointer_y = -FLT_MAX;
      lift_pointer = false;
      frames_needed = std::max(frames_needed, 2);
    }
    if (frames_needed > 0) --frames_needed;
    if (ctx.animate) frames_needed = std::max(frames_needed, 1);
    keys_off_fields = ctx.fields_keyless;
    wake_at = ctx.redraw_at;
  }

  void save_screenshots(int w, int h) {
    if (screenshot_paths.empty()) return;
    int pw = w, ph = h;
    SDL_GetRendererOutputSize(renderer, &pw, &ph);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(pw) * ph * 4);
    if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGBA32, pixels.data(), pw * 4) != 0) {
      screenshot_error = std::string("cannot read the frame: ") + SDL_GetError();
      screenshot_paths.clear();
      return;
    }
    for (const auto& path : screenshot_paths) {
      auto dir = std::filesystem::path(path).parent_path();
      std::error_code ec;
      if (!dir.empty()) std::filesystem::create_directories(dir, ec);
      auto r = write_png(path, pw, ph, pixels.data());
      if (!r.ok()) screenshot_error = r.error().message;
    }
    screenshot_paths.clear();
  }
};

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

App::~App() = default;

domain::Result<std::unique_ptr<App>, UiError> App::create(AppOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->theme = impl->options.theme;
  impl->language = impl->options.language;
  // Fonts first: a centre without the font for one of its languages' scripts must learn it at
  // start, by name, rather than see boxes on the screen.
  try {
    impl->text_kit.fonts =
        std::make_unique<text::FontSet>(text::resolve_fonts(impl->options.fonts, impl->options.font_cache));
  } catch (const text::FontError& e) {
    return UiError{std::string("fonts: ") + e.what()};
  }
  if (impl->text_kit.fonts->size() == 0) return UiError{"fonts: no script to draw (AppOptions::fonts is empty)"};
  const std::size_t latin = impl->text_kit.fonts->face_for(text::Script::Latin);
  impl->text_kit.latin_face = latin < impl->text_kit.fonts->size() ? latin : 0;
  impl->text_kit.engine = std::make_unique<text::TextEngine>(*impl->text_kit.fonts);

  // Signals are taken by the watcher thread (see SignalWatcher), not by SDL's handler.
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  // A finger produces mouse events (what the widgets read); no synthetic touches from the mouse.
  SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");
  SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) return UiError{std::string("cannot start SDL video: ") + SDL_GetError()};
  impl->text_driver = is_text_driver();

  Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
  if (impl->options.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  impl->window = SDL_CreateWindow(impl->options.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                  impl->options.width, impl->options.height, flags);
  if (!impl->window) return UiError{std::string("cannot open the window: ") + SDL_GetError()};

  RendererKind kind = impl->options.renderer;
  if (kind == RendererKind::Auto) kind = impl->text_driver ? RendererKind::Software : RendererKind::Accelerated;
  // Otherwise SDL backs the software window surface with an OpenGL texture, which loads Mesa
  // (and LLVM with llvmpipe): tens of megabytes for nothing when no GPU draws anything.
  if (kind == RendererKind::Software) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (kind == RendererKind::Accelerated) {
    impl->renderer = SDL_CreateRenderer(impl->window, -1, SDL_RENDERER_ACCELERATED);
  }
  if (!impl->renderer) impl->renderer = SDL_CreateRenderer(impl->window, -1, SDL_RENDERER_SOFTWARE);
  if (!impl->renderer) return UiError{std::string("cannot create a renderer: ") + SDL_GetError()};
  impl->text_kit.atlas = std::make_unique<GlyphAtlas>(impl->renderer, *impl->text_kit.fonts);

  Uint32 wake = SDL_RegisterEvents(1);
  if (wake == static_cast<Uint32>(-1)) return UiError{"cannot register an SDL user event"};
  {
    std::lock_guard lock(impl->queue->mu);
    impl->queue->wake_event = wake;
    impl->queue->use_sdl_wake = !impl->text_driver;
  }

  IMGUI_CHECKVERSION();
  impl->imgui = ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is code; nothing to persist on a kiosk
  io.LogFilename = nullptr;
  if (impl->options.hide_cursor) {
    io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
    SDL_ShowCursor(SDL_DISABLE);
  }
  ImGui_ImplSDL2_InitForSDLRenderer(impl->window);
  ImGui_ImplSDLRenderer_Init(impl->renderer);
  impl->apply_theme_now();

  Impl* raw = impl.get();
  impl->signals = std::make_unique<SignalWatcher>(Poster(impl->queue), [raw] { raw->running = false; });
  std::unique_ptr<App> app(new App(std::move(impl)));
  raw->start_script();
  return app;
}

int App::run(const std::function<void(Frame&)>& draw) {
  Impl& m = *impl_;
  std::uint64_t trimmed_at_frame = 0;
  while (m.running) {
    const int timeout = m.timeout_ms(Clock::now());
    // Going idle after drawing (no timer within half a second): the memory freed by start-up and by
    // the screens just drawn (catalogue parsing, layouts, font building) goes back to the system
    // rather than staying resident in malloc's arenas while the screen waits for a citizen.
    if ((timeout < 0 || timeout >= 500) && m.frames != trimmed_at_frame) {
      malloc_trim(0);
      trimmed_at_frame = m.frames;
    }
    m.wait(timeout);
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) m.handle_event(ev);
    m.drain_posts();
    if (m.script_active) m.step_script(Clock::now());
    if (!m.running) break;
    if (m.wake_at && Clock::now() >= *m.wake_at) {
      m.wake_at.reset();
      m.frames_needed = std::max(m.frames_needed, 1);
    }
    if (m.frames_needed > 0) {
      m.draw_frame(draw);
      if (m.script_active) m.step_script(Clock::now());
    }
  }
  // The app ended in the middle of a command: a tap or key that was fully delivered (the app
  // quit because of it, like "Exit") succeeded; anything else did not get to finish.
  if (m.current && m.script_stdin) {
    bool delivered = (m.current->op == ScriptOp::Tap || m.current->op == ScriptOp::Key) && m.tap.phase == 2;
    if (delivered) {
      m.report_ok();
    } else {
      std::fprintf(stdout, "error: the app quit before the command finished\n");
      std::fflush(stdout);
    }
    m.current.reset();
  }
  return m.exit_code;
}

void App::quit(int code) {
  impl_->exit_code = code;
  impl_->running = false;
}

Poster App::poster() { return Poster(impl_->queue); }
const Theme& App::theme() const { return impl_->theme; }
void App::set_theme(Theme theme) {
  impl_->pending_theme = std::move(theme);
  impl_->frames_needed = std::max(impl_->frames_needed, 2);
}
void App::screenshot(std::string path) {
  impl_->screenshot_paths.push_back(impl_->resolve_path(path));
  impl_->frames_needed = std::max(impl_->frames_needed, 1);
}
const ScreenRecord& App::last_record() const { return impl_->last; }
void App::set_language(std::string language) {
  impl_->language = std::move(language);
  impl_->frames_needed = std::max(impl_->frames_needed, 1);
}
const std::string& App::language() const { return impl_->language; }
text::TextEngine& App::text_engine() { return *impl_->text_kit.engine; }
const GlyphAtlas& App::glyph_atlas() const { return *impl_->text_kit.atlas; }
void App::on_first_present(std::function<void()> fn) { impl_->first_present = std::move(fn); }
Clock::time_point App::last_input() const { return impl_->last_input; }
std::uint64_t App::frames_drawn() const { return impl_->frames; }
std::uint64_t App::font_builds() const { return impl_->font_builds; }
int App::width() const {
  int w = 0, h = 0;
  SDL_GetWindowSize(impl_->window, &w, &h);
  return w;
}
int App::height() const {
  int w = 0, h = 0;
  SDL_GetWindowSize(impl_->window, &w, &h);
  return h;
}

}  // namespace guichet::ui
