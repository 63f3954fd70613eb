// ESC/POS interpreter: renders a job to images of the paper, the way a thermal receipt printer
// would print it. It is the oracle of the printing tests, so it reports every command it does not
// render instead of skipping it quietly.
//
// Rendered:
//  [X] text in code pages PC437 and WPC1252 (ESC t), DejaVu Sans Mono via FreeType, 1-bit like a
//      thermal head; font A 12×24 and font B 9×17 cells (ESC M, ESC !)
//  [X] bold (ESC E, ESC !), underline 1/2 dots (ESC -, ESC !), sizes 1–8 × 1–8 (GS !, ESC !)
//  [X] justification (ESC a) for text lines, QR symbols and raster images
//  [X] automatic wrap at the paper width; right-side character spacing (ESC SP)
//  [X] LF, ESC d n, ESC J n, line spacing (ESC 2, ESC 3 n), CR ignored
//  [X] QR (GS ( k cn 49): model, module size, error level, store, print; symbol by ZXing-cpp
//  [X] raster images (GS v 0, modes normal / double width / double height / quadruple)
//  [X] cut (GS V, all forms): ends the page; "feed n and cut" feeds n dots first
//  [X] counted, not drawn: cash drawer pulses (ESC p, DLE DC4), status requests (DLE EOT)
//  [ ] anything else (barcodes, page mode, NV images, reverse, rotation…): reported in warnings
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "guichet/hardware/error.hpp"
#include "guichet/hardware/escpos_render/image.hpp"

namespace guichet::hardware::escpos_render {

inline constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

struct RenderOptions {
  int paper_width = 576;  // printable dots: 576 for 80 mm paper, 384 for 58 mm
  std::filesystem::path font = kDefaultFont;
  int max_page_height = 60000;  // dots; a runaway job stops growing here (about 7.5 m of paper)
};

struct RenderResult {
  std::vector<GreyImage> pages;       // one per cut; a trailing page without a cut comes last
  std::vector<std::string> warnings;  // "offset 120: unknown command ESC 0x72, skipped 2 bytes"
  int cuts = 0;
  int drawer_pulses = 0;
  int status_requests = 0;
};

class Renderer {
 public:
  // Loads the font; fails when it cannot.
  static Result<Renderer> create(const RenderOptions& options = {});

  Renderer(Renderer&&) noexcept;
  Renderer& operator=(Renderer&&) noexcept;
  ~Renderer();

  RenderResult render(std::span<const std::uint8_t> job);

  const RenderOptions& options() const;

 private:
  struct Impl;
  explicit Renderer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One-shot: creates a renderer and renders the job.
Result<RenderResult> render_job(std::span<const std::uint8_t> job, const RenderOptions& options = {});

}  // namespace guichet::hardware::escpos_render
