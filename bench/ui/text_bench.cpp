// The UI kit's text: frame time of a 1920×1080 screen full of shaped Urdu and Gurmukhi text
// beside the same screen in English (shaping is cached and glyphs come from the atlas, so the two
// should cost about the same), and cold start (fonts, text engine, first frame) with the fonts of
// all five languages beside English-only fonts, each start in a fresh process.
//
//   SDL_VIDEODRIVER=offscreen build/bench/ui/guichet-bench-ui-text [--frames N] [--warmup N] [--runs N]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "guichet/text/layout.hpp"
#include "guichet/ui/app.hpp"
#include "guichet/ui/frame.hpp"
#include "guichet/ui/glyph_atlas.hpp"

namespace ui = guichet::ui;
namespace text = guichet::text;
using Clock = std::chrono::steady_clock;

namespace {

struct Line {
  std::string language, text;
};

struct Screen {
  std::vector<Line> lines;
  std::string tile_language;
  std::vector<std::string> tiles;
};

// Kiosk-like sentences: a question, instructions, service names.
Screen shaped_screen() {
  Screen s;
  s.lines = {
      {"ur", "آپ کو کون سی خدمت چاہیے؟"},
      {"pa", "ਤੁਹਾਨੂੰ ਕਿਹੜੀ ਸੇਵਾ ਚਾਹੀਦੀ ਹੈ?"},
      {"ur", "براہ کرم اپنا ٹوکن لیں اور اپنی باری کا انتظار کریں۔ جب آپ کا نمبر اسکرین پر آئے تو کاؤنٹر پر جائیں۔"},
      {"pa", "ਕਿਰਪਾ ਕਰਕੇ ਆਪਣਾ ਟੋਕਨ ਲਓ ਅਤੇ ਆਪਣੀ ਵਾਰੀ ਦੀ ਉਡੀਕ ਕਰੋ। ਜਦੋਂ ਤੁਹਾਡਾ ਨੰਬਰ ਸਕਰੀਨ ਤੇ ਆਵੇ ਤਾਂ ਕਾਊਂਟਰ ਤੇ ਜਾਓ।"},
      {"ur", "پیدائش کا سرٹیفکیٹ، موت کا سرٹیفکیٹ، رہائش کا سرٹیفکیٹ، پنشن"},
      {"pa", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ, ਮੌਤ ਸਰਟੀਫਿਕੇਟ, ਰਿਹਾਇਸ਼ ਸਰਟੀਫਿਕੇਟ, ਪੈਨਸ਼ਨ"},
      {"ur", "ضروری دستاویزات: شناختی کارڈ، پتے کا ثبوت، دو تصاویر"},
      {"pa", "ਲੋੜੀਂਦੇ ਦਸਤਾਵੇਜ਼: ਪਛਾਣ ਪੱਤਰ, ਪਤੇ ਦਾ ਸਬੂਤ, ਦੋ ਫੋਟੋਆਂ"},
  };
  s.tile_language = "ur";
  s.tiles = {"پیدائش کا سرٹیفکیٹ", "موت کا سرٹیفکیٹ", "رہائش کا سرٹیفکیٹ", "پنشن",
             "آمدنی کا سرٹیفکیٹ",  "ذات کا سرٹیفکیٹ"};
  return s;
}

Screen english_screen() {
  Screen s;
  s.lines = {
      {"en", "Which service do you need?"},
      {"en", "Which service would you like?"},
      {"en", "Please take your token and wait for your turn. When your number is on the screen, go to the counter."},
      {"en", "Please take a token and wait for your turn. When your number shows on the screen, go to the counter."},
      {"en", "Birth certificate, death certificate, residence certificate, pension"},
      {"en", "Birth certificate, death certificate, domicile certificate, pension"},
      {"en", "Documents needed: identity card, proof of address, two photographs"},
      {"en", "Documents required: identity card, proof of address, two photos"},
  };
  s.tile_language = "en";
  s.tiles = {"Birth certificate", "Death certificate",  "Residence certificate",
             "Pension",           "Income certificate", "Caste certificate"};
  return s;
}

void draw_screen(ui::Frame& f, const Screen& s) {
  static const ui::TextStyle styles[] = {ui::TextStyle::Heading, ui::TextStyle::Body, ui::TextStyle::Large,
                                         ui::TextStyle::Body};
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    f.set_language(s.lines[i].language);
    f.text(s.lines[i].text, styles[i % 4]);
  }
  f.set_language(s.tile_language);
  std::vector<ui::Tile> tiles;
  for (const auto& t : s.tiles) tiles.push_back(ui::Tile{t, "", true, ""});
  f.tile_grid(tiles, 3, 120 * f.scale());
}

std::vector<text::ScriptFonts> latin_only() {
  std::vector<text::ScriptFonts> out;
  for (auto& f : ui::screen_fonts()) {
    if (f.script == text::Script::Latin) out.push_back(f);
  }
  return out;
}

ui::AppOptions app_options(bool all_fonts) {
  ui::AppOptions o;
  o.width = 1920;
  o.height = 1080;
  o.renderer = ui::RendererKind::Software;
  auto theme = ui::load_theme(ui::find_theme_file("default"));
  if (theme.ok()) o.theme = theme.value();
  o.fonts = all_fonts ? ui::screen_fonts() : latin_only();
  return o;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct FrameResult {
  double shaped_ms = 0, english_ms = 0;
  std::size_t atlas_bytes = 0, atlas_glyphs = 0;
};

// Median time from one frame's start to the next's, after a warm-up. The two screens alternate
// frame by frame in one app, so a machine that gets busier or quieter weighs on both alike.
FrameResult frame_times(int warmup, int frames, const std::string& shot_dir) {
  auto app = ui::App::create(app_options(true));
  if (!app.ok()) {
    std::fprintf(stderr, "guichet-bench-ui-text: %s\n", app.error().message.c_str());
    std::exit(1);
  }
  const Screen screens[2] = {shaped_screen(), english_screen()};
  std::vector<double> times[2];
  Clock::time_point last;
  int n = 0;
  app.value()->run([&](ui::Frame& f) {
    const auto now = Clock::now();
    // The interval that ends now is the previous frame's, which drew screen (n - 1) % 2.
    if (n > warmup) times[(n - 1) % 2].push_back(std::chrono::duration<double, std::milli>(now - last).count());
    last = now;
    if (n < 2 && !shot_dir.empty()) app.value()->screenshot(shot_dir + (n == 0 ? "/shaped.png" : "/english.png"));
    if (n >= warmup + 2 * frames) {
      app.value()->quit(0);
      return;
    }
    draw_screen(f, screens[n % 2]);
    ++n;
    f.animate();
  });
  const auto stats = app.value()->glyph_atlas().stats();
  return {median(times[0]), median(times[1]), stats.bytes, stats.glyphs};
}

// One cold start in this process: fonts, text engine, window, first frame presented.
int cold_child(const std::string& which, Clock::time_point started) {
  const bool all = which == "all";
  auto app = ui::App::create(app_options(all));
  if (!app.ok()) {
    std::fprintf(stderr, "guichet-bench-ui-text: %s\n", app.error().message.c_str());
    return 1;
  }
  const auto created = Clock::now();
  const Screen screen = all ? shaped_screen() : english_screen();
  app.value()->on_first_present([&] {
    const auto now = Clock::now();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - started).count();
    const auto create_us = std::chrono::duration_cast<std::chrono::microseconds>(created - started).count();
    std::printf("create-us %lld\n", static_cast<long long>(create_us));
    std::printf("cold-us %lld\n", static_cast<long long>(us));
    app.value()->quit(0);
  });
  return app.value()->run([&](ui::Frame& f) { draw_screen(f, screen); });
}

// One cold start in a fresh process; its time in ms, or a negative number when it failed.
double cold_start_ms(const std::string& self, const std::string& which) {
  const std::string cmd = "'" + self + "' --cold-child " + which;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  long long us = -1;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) std::sscanf(buf, "cold-us %lld", &us);
  if (pclose(p) != 0 || us < 0) return -1;
  return static_cast<double>(us) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = Clock::now();
  CLI::App cli{"Guichet UI text benchmark"};
  int frames = 300, warmup = 30, runs = 9;
  std::string child, shot_dir;
  cli.add_option("--frames", frames, "frames measured per screen")->capture_default_str();
  cli.add_option("--warmup", warmup, "frames drawn before measuring")->capture_default_str();
  cli.add_option("--runs", runs, "cold starts per font set, each a fresh process")->capture_default_str();
  cli.add_option("--screenshots", shot_dir, "save each screen as DIR/shaped.png and DIR/english.png");
  cli.add_option("--cold-child", child, "internal: one cold start with 'all' or 'en' fonts");
  CLI11_PARSE(cli, argc, argv);
  // Offscreen unless told otherwise: the figures are for the software renderer kiosks use.
  setenv("SDL_VIDEODRIVER", "offscreen", 0);
  if (!child.empty()) return cold_child(child, started);

  const FrameResult r = frame_times(warmup, frames, shot_dir);
  std::printf("frame 1920x1080 software, median of %d frames each after %d warm-up, screens alternating:\n", frames,
              warmup);
  std::printf("  urdu+gurmukhi  %.3f ms\n", r.shaped_ms);
  std::printf("  english        %.3f ms\n", r.english_ms);
  std::printf("  ratio          %.2f  (goal <= 1.20)\n", r.english_ms > 0 ? r.shaped_ms / r.english_ms : 0);
  std::printf("  glyph atlas    %zu glyphs, %zu KiB of texture for both screens\n", r.atlas_glyphs,
              r.atlas_bytes / 1024);

  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    std::fprintf(stderr, "guichet-bench-ui-text: cannot find its own executable\n");
    return 1;
  }
  self[len] = 0;
  // Alternated, so a machine that gets busier or quieter during the runs weighs on both alike.
  std::vector<double> all_ms, en_ms;
  for (int i = 0; i < runs; ++i) {
    for (const char* which : {"all", "en"}) {
      const double ms = cold_start_ms(self, which);
      if (ms < 0) {
        std::fprintf(stderr, "guichet-bench-ui-text: a cold start (%s fonts) failed\n", which);
        return 1;
      }
      (std::string(which) == "all" ? all_ms : en_ms).push_back(ms);
    }
  }
  const double cold_all = median(all_ms);
  const double cold_en = median(en_ms);
  std::printf("cold start (fonts + text engine + window + first frame), median of %d fresh processes:\n", runs);
  std::printf("  all five languages' fonts  %.1f ms\n", cold_all);
  std::printf("  english-only fonts         %.1f ms\n", cold_en);
  std::printf("  ratio                      %.2f  (goal <= 1.20)\n", cold_en > 0 ? cold_all / cold_en : 0);
  return 0;
}
