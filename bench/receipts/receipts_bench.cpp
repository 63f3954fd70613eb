// Receipt benchmark: encoding a queue token slip in English, Punjabi, Hindi and Urdu.
//
//   guichet-bench-receipts [--iterations 300] [--paper 80|58]
//
// For each language, the kiosk's token slip (the demo centre's, tests/unit/hardware/
// receipt_languages.hpp) is encoded to ESC/POS:
//   cold    a new FontSet and TextEngine (fonts found and opened), then the first slip with an
//           empty layout cache: what the first slip after the kiosk starts costs;
//   warm    the same slip again and again with the shared engine (its layouts cached; every text
//           image is still drawn, thresholded and packed);
//   varied  each slip with its own token number and wait line ("About 7 min, 3 ahead"): that line
//           is laid out afresh every time, the rest comes from the cache, as at a busy kiosk.
// Reported: median encode time per slip (and the 90th percentile), bytes of the job, paper length
// (the job rendered once by escpos_render, 8 dots per mm), and the ratio to English. The time on the
// wire is computed from the bytes, not measured: a serial printer at 115200 baud 8N1 takes 10 bits
// per byte; a network printer (TCP port 9100, 100 Mbit/s Ethernet) takes bytes*8/1e8 s, far below
// the time the printer needs to print the paper (given at 250 mm/s, a common thermal print speed).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "guichet/hardware/escpos/scanner.hpp"
#include "guichet/hardware/escpos_render/renderer.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "guichet/text/fonts.hpp"
#include "guichet/text/layout.hpp"
#include "receipt_languages.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace receipts = guichet::hardware::receipts;
namespace text = guichet::text;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Engines {
  text::FontSet regular;
  text::FontSet bold{text::bold_faces(regular)};
  text::TextEngine engine{regular};
  text::TextEngine bold_engine{bold};
  receipts::EncodeOptions options() {
    receipts::EncodeOptions o;
    o.text = &engine;
    o.bold_text = &bold_engine;
    return o;
  }
};

struct Figures {
  double fonts_ms = 0, cold_ms = 0, warm_median = 0, warm_p90 = 0, varied_median = 0, varied_p90 = 0;
  std::size_t bytes = 0, rasters = 0;
  int paper_mm = 0;
};

receipts::Layout layout_or_die(const receipts::TokenSlip& slip) {
  auto layout = receipts::layout_token_slip(slip);
  if (!layout.ok()) {
    std::fprintf(stderr, "layout failed: %s\n", layout.error().message.c_str());
    std::exit(1);
  }
  return layout.value();
}

std::size_t encode_or_die(const receipts::Layout& layout, const receipts::EncodeOptions& options) {
  auto job = receipts::encode_layout(layout, options);
  if (!job.ok()) {
    std::fprintf(stderr, "encode failed: %s\n", job.error().message.c_str());
    std::exit(1);
  }
  return job.value().size();
}

Figures measure(const std::string& lang, int paper, int iterations) {
  Figures f;
  const auto slip = guichet::test::token_slip_in(lang, paper);

  // Cold: fonts opened and the first slip laid out with empty caches.
  {
    auto t0 = Clock::now();
    Engines cold;
    f.fonts_ms = ms_since(t0);
    t0 = Clock::now();
    (void)encode_or_die(layout_or_die(slip), cold.options());
    f.cold_ms = ms_since(t0);
  }

  Engines e;
  const auto options = e.options();
  const auto layout = layout_or_die(slip);
  auto job = receipts::encode_layout(layout, options);
  f.bytes = job.value().size();
  // GS v 0 commands (raster chunks: the rule, then the drawn text), walking the job command by command.
  for (std::size_t at = 0;;) {
    const auto r = guichet::hardware::escpos::scan(job.value(), at);
    if (r.status != guichet::hardware::escpos::ScanStatus::complete) break;
    if (job.value()[at] == 0x1D && job.value()[at + 1] == 'v') ++f.rasters;
    at += r.command.length;
  }
  if (auto r = guichet::hardware::escpos_render::render_job(job.value(), {paper}); r.ok() && !r->pages.empty()) {
    f.paper_mm = r->pages.front().height / 8;
  }

  std::vector<double> warm, varied;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = Clock::now();
    (void)encode_or_die(layout_or_die(slip), options);
    warm.push_back(ms_since(t0));
  }
  const auto base = guichet::test::content(lang);
  for (int i = 0; i < iterations; ++i) {
    auto s = slip;
    s.display_number = "A" + std::to_string(100 + i % 900);
    // A wait line no earlier iteration had: laid out and shaped afresh.
    s.estimated_wait = std::to_string(5 + i) + " min, " + std::to_string(i) + " / " + base.wait;
    auto t0 = Clock::now();
    (void)encode_or_die(layout_or_die(s), options);
    varied.push_back(ms_since(t0));
  }
  f.warm_median = percentile(warm, 0.5);
  f.warm_p90 = percentile(warm, 0.9);
  f.varied_median = percentile(varied, 0.5);
  f.varied_p90 = percentile(varied, 0.9);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Guichet receipt benchmark: token slip encode time and bytes per language"};
  int iterations = 300;
  int paper_mm = 80;
  app.add_option("--iterations", iterations, "slips per measurement")->check(CLI::Range(1, 100000));
  app.add_option("--paper", paper_mm, "paper width in mm")->check(CLI::IsMember({58, 80}));
  CLI11_PARSE(app, argc, argv);
  const int paper = paper_mm == 80 ? receipts::kPaper80mm : receipts::kPaper58mm;

  std::map<std::string, Figures> all;
  const std::vector<std::string> langs{"en", "pa", "hi", "ur"};
  for (const auto& lang : langs) all[lang] = measure(lang, paper, iterations);

  std::printf("token slip, %d mm paper, %d iterations per figure; times in ms per slip\n", paper_mm, iterations);
  std::printf("%-4s %9s %9s %9s %9s %9s %9s %8s %7s %6s %10s %9s %9s\n", "lang", "fonts", "cold", "warm p50",
              "warm p90", "vary p50", "vary p90", "bytes", "rasters", "paper", "115200 bd", "TCP", "print");
  for (const auto& lang : langs) {
    const Figures& f = all[lang];
    const double serial_ms = static_cast<double>(f.bytes) * 10.0 / 115200.0 * 1000.0;
    const double tcp_ms = static_cast<double>(f.bytes) * 8.0 / 1e8 * 1000.0;
    const double print_ms = static_cast<double>(f.paper_mm) / 250.0 * 1000.0;
    std::printf("%-4s %9.2f %9.2f %9.3f %9.3f %9.3f %9.3f %8zu %7zu %4dmm %8.0fms %7.2fms %7.0fms\n", lang.c_str(),
                f.fonts_ms, f.cold_ms, f.warm_median, f.warm_p90, f.varied_median, f.varied_p90, f.bytes, f.rasters,
                f.paper_mm, serial_ms, tcp_ms, print_ms);
  }
  const Figures& en = all["en"];
  for (const auto& lang : langs) {
    if (lang == "en") continue;
    const Figures& f = all[lang];
    std::printf("%s/en: warm encode %.1fx, varied encode %.1fx, bytes %.1fx, paper %.2fx\n", lang.c_str(),
                f.warm_median / std::max(en.warm_median, 1e-6), f.varied_median / std::max(en.varied_median, 1e-6),
                static_cast<double>(f.bytes) / static_cast<double>(std::max<std::size_t>(en.bytes, 1)),
                static_cast<double>(f.paper_mm) / std::max(en.paper_mm, 1));
  }
  std::printf(
      "wire times are computed from the bytes, not measured: 115200 baud 8N1 = 10 bits per byte; TCP at "
      "100 Mbit/s; print = paper length at 250 mm/s\n");
  return 0;
}
