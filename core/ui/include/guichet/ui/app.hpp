// The window and its event-driven loop. One SDL2 window drawn with Dear ImGui through
// SDL_Renderer (a software renderer under SDL_VIDEODRIVER=offscreen, so tests and screenshots
// need no display).
//
// The loop sleeps until something happens: input, a result posted by a worker thread
// (Poster::post wakes it), a timer an app asked for (Frame::redraw_at) or a running animation
// (Frame::animate). An idle app therefore draws nothing and uses no CPU.
//
// Each redraw: run the closures workers posted (they apply results to the app's state), step the
// automation script, then call the app's draw function once with a Frame.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/result.hpp"
#include "guichet/text/fonts.hpp"
#include "guichet/ui/automation.hpp"
#include "guichet/ui/theme.hpp"

namespace guichet::text {
class TextEngine;
}

namespace guichet::ui {

class Frame;
class GlyphAtlas;

struct UiError {
  std::string message;
};

enum class RendererKind {
  Auto,         // software under the offscreen/dummy drivers, accelerated elsewhere
  Software,     // SDL's software renderer: no GPU, no Mesa
  Accelerated,  // SDL's OpenGL renderer
};

// The fonts the screens use: text::default_fonts(), then DejaVu Sans for the symbols the kit and
// the apps draw that Noto Sans lacks (arrows on navigation buttons, the dots masking a PIN, ✓).
std::vector<text::ScriptFonts> screen_fonts();

struct AppOptions {
  std::string title = "Guichet";
  int width = 1280;
  int height = 800;
  bool fullscreen = false;  // desktop fullscreen; width/height are ignored
  Theme theme;
  RendererKind renderer = RendererKind::Auto;
  std::string script;          // automation script: a file, "-" for stdin, empty for none
  int type_delay_ms = 0;       // default gap between characters of `type`
  std::string screenshot_dir;  // relative screenshot paths resolve here
  bool hide_cursor = false;    // touch kiosks show no pointer
  // The scripts the screens must draw and the fonts for each (found through fontconfig). A script
  // whose fonts are missing makes App::create fail with a message naming it.
  std::vector<text::ScriptFonts> fonts = screen_fonts();
  // Where the font files fontconfig found are remembered between starts (text::resolve_fonts);
  // empty: fontconfig is asked at every start.
  std::string font_cache;
  // The language of what is drawn until the app says otherwise ("en", "fr", "pa", "hi", "ur"):
  // its script's font comes first, HarfBuzz shapes with its rules, and "ur" mirrors alignment.
  std::string language = "en";
};

// "1280x800" → width, height. Refuses anything else with a message naming the value.
domain::Result<std::pair<int, int>, UiError> parse_size(std::string_view text);
domain::Result<RendererKind, UiError> parse_renderer(std::string_view text);

namespace detail {
struct PostQueue;
}

// Hands work from any thread to the UI thread. Copyable; outlives the App safely (posting after
// the App is gone does nothing and returns false).
class Poster {
 public:
  Poster() = default;
  // `fn` runs on the UI thread before the next frame is drawn; the loop wakes for it.
  bool post(std::function<void()> fn) const;

 private:
  friend class App;
  explicit Poster(std::shared_ptr<detail::PostQueue> queue) : queue_(std::move(queue)) {}
  std::shared_ptr<detail::PostQueue> queue_;
};

// One background thread running jobs in the order they were queued, so printing and network
// calls never block the UI thread. Jobs post their results back with a Poster.
class Worker {
 public:
  explicit Worker(std::string name);
  ~Worker();  // finishes the job in progress, drops the ones not started
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  void run(std::function<void()> job);
  bool busy() const;  // a job is queued or running

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Runs `job` on its own thread every `period` (the first time one period after construction)
// until destroyed. The destructor returns as soon as a job in progress has finished: a wait
// between jobs ends at once. For idle checks, such as a terminal looking at its printer.
class Ticker {
 public:
  Ticker(std::string name, std::chrono::milliseconds period, std::function<void()> job);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

using Clock = std::chrono::steady_clock;

class App {
 public:
  static domain::Result<std::unique_ptr<App>, UiError> create(AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Runs until quit() or the window closes. `draw` is called once per redraw with the frame's
  // widgets. Returns the exit code: quit()'s code, or non-zero when an automation script failed.
  int run(const std::function<void(Frame&)>& draw);
  void quit(int code = 0);

  Poster poster();
  const Theme& theme() const;
  // Takes effect at the next frame (ImGui's fonts are rebuilt when the theme's fonts changed).
  void set_theme(Theme theme);
  // Saves the next presented frame as PNG (relative paths under screenshot_dir).
  void screenshot(std::string path);
  // What the last presented frame showed.
  const ScreenRecord& last_record() const;
  // The language of every frame from the next one on (Frame::set_language changes it for the rest
  // of one frame only). Apps set it when the citizen picks a language.
  void set_language(std::string language);
  const std::string& language() const;
  // The screen's text engine (fonts and cached layouts) and glyph atlas, for tests and benchmarks.
  text::TextEngine& text_engine();
  const GlyphAtlas& glyph_atlas() const;
  // Called once, right after the first frame has been presented (start-up measurements).
  void on_first_present(std::function<void()> fn);
  Clock::time_point last_input() const;
  std::uint64_t frames_drawn() const;
  // How many times ImGui's font atlas was built: once at start, again only when the theme's fonts
  // or the window's scale change.
  std::uint64_t font_builds() const;
  int width() const;
  int height() const;

 private:
  struct Impl;
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// RGBA8 pixels, tightly packed rows, to a PNG file.
domain::Result<bool, UiError> write_png(const std::string& path, int width, int height, const std::uint8_t* rgba);

}  // namespace guichet::ui
