// Shared by the printing tests: golden files, QR decoding of rendered paper, a sample slip.
#pragma once

// ZXing-cpp 1.4 returns wide strings unless this is defined before its headers.
#define ZX_USE_UTF8
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "guichet/hardware/escpos/scanner.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "guichet/hardware/escpos_render/renderer.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"

namespace guichet::test {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

inline fs::path golden_dir() { return fs::path(GUICHET_SOURCE_DIR) / "tests" / "golden" / "receipts"; }

// Where a failing test leaves what it produced, for a person to look at.
inline fs::path output_dir() {
  fs::path dir = fs::path(GUICHET_BINARY_DIR) / "test-output" / "receipts";
  fs::create_directories(dir);
  return dir;
}

// GUICHET_UPDATE_GOLDEN=1 rewrites golden files from what the code produces now.
inline bool updating_golden() {
  const char* v = std::getenv("GUICHET_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

inline Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const fs::path& path, const Bytes& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::string hex_dump(const Bytes& bytes, std::size_t from, std::size_t count) {
  std::string out;
  char buf[4];
  for (std::size_t i = from; i < bytes.size() && i < from + count; ++i) {
    std::snprintf(buf, sizeof buf, "%02X ", bytes[i]);
    out += buf;
  }
  return out;
}

// Compares bytes with tests/golden/receipts/<name>; reports the first differing offset.
inline void expect_golden_bytes(const std::string& name, const Bytes& actual) {
  const fs::path path = golden_dir() / name;
  if (updating_golden()) {
    write_bytes(path, actual);
    std::cout << "updated golden file " << path << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << "golden file " << path << " is missing; run with GUICHET_UPDATE_GOLDEN=1";
  const Bytes expected = read_bytes(path);
  std::size_t first = 0;
  while (first < expected.size() && first < actual.size() && expected[first] == actual[first]) ++first;
  if (first != expected.size() || first != actual.size()) {
    write_bytes(output_dir() / name, actual);
    ADD_FAILURE() << name << ": " << actual.size() << " bytes, golden has " << expected.size()
                  << "; first difference at offset " << first << "\n  golden: " << hex_dump(expected, first, 16)
                  << "\n  actual: " << hex_dump(actual, first, 16) << "\n  actual bytes written to "
                  << (output_dir() / name);
  }
}

// Golden PNGs are compared allowing at most this fraction of pixels to differ, which absorbs a
// changed FreeType hinting of a glyph or two and nothing larger (a moved line, a missing QR).
inline constexpr double kGoldenPixelTolerance = 0.001;

// `tolerance`: the fraction of pixels allowed to differ. Receipts with drawn text pass 0: a vowel sign
// in the wrong place is a few dozen pixels, well inside 0.1 % of a slip, and their fonts and
// FreeType are pinned by the Debian release the tests run on.
//
// `golden_root` holds the golden files, `output_root` receives what a failing test produced: the
// receipts' folders unless told otherwise (screenshots keep theirs in tests/golden/screens).
inline void expect_golden_png(const std::string& name, const hardware::escpos_render::GreyImage& actual,
                              double tolerance = kGoldenPixelTolerance, const fs::path& golden_root = golden_dir(),
                              const fs::path& output_root = output_dir()) {
  namespace render = hardware::escpos_render;
  const fs::path path = golden_root / name;
  if (updating_golden()) {
    fs::create_directories(path.parent_path());
    ASSERT_FALSE(render::write_png(actual, path));
    std::cout << "updated golden file " << path << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << "golden file " << path << " is missing; run with GUICHET_UPDATE_GOLDEN=1";
  auto expected = render::read_png(path);
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  const auto diff = render::compare_images(expected.value(), actual);
  const auto allowed = static_cast<std::size_t>(static_cast<double>(diff.total_pixels) * tolerance);
  if (!diff.same_size || diff.differing_pixels > allowed) {
    // Names may hold a folder ("ur/token-slip-80mm.png"): the output keeps it.
    const fs::path actual_path = output_root / name;
    const fs::path diff_path = actual_path.parent_path() / ("diff-" + actual_path.filename().string());
    fs::create_directories(actual_path.parent_path());
    (void)render::write_png(actual, actual_path);
    (void)render::write_difference_png(expected.value(), actual, diff_path);
    ADD_FAILURE() << name << ": " << actual.width << "x" << actual.height << ", golden " << expected.value().width
                  << "x" << expected.value().height << "; " << diff.differing_pixels << " pixels differ (allowed "
                  << allowed << ")\n  actual: " << actual_path << "\n  difference: " << diff_path;
  }
}

// The job rendered on paper `paper_width` dots wide, expected to be one page without warnings and
// with `cuts` cuts (nullopt: not checked).
inline hardware::escpos_render::GreyImage render_page(const Bytes& job, int paper_width, std::optional<int> cuts = 1) {
  hardware::escpos_render::RenderOptions options;
  options.paper_width = paper_width;
  auto r = hardware::escpos_render::render_job(job, options);
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
  EXPECT_EQ(r->pages.size(), 1u);
  if (cuts) {
    EXPECT_EQ(r->cuts, *cuts);
  }
  return r->pages.empty() ? hardware::escpos_render::GreyImage{} : r->pages.front();
}

// Every command of the job that starts with these two bytes.
inline std::vector<std::span<const std::uint8_t>> commands(const Bytes& job, std::uint8_t a, std::uint8_t b) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t at = 0;
  for (;;) {
    auto r = hardware::escpos::scan(job, at);
    if (r.status != hardware::escpos::ScanStatus::complete) break;
    auto cmd = std::span<const std::uint8_t>(job).subspan(at, r.command.length);
    if (cmd.size() >= 2 && cmd[0] == a && cmd[1] == b) out.push_back(cmd);
    at += r.command.length;
  }
  return out;
}

// Whether the job's bytes hold `text` as it is.
inline bool contains_text(const Bytes& job, const std::string& text) {
  const Bytes needle(text.begin(), text.end());
  return std::search(job.begin(), job.end(), needle.begin(), needle.end()) != job.end();
}

// The text of the QR code found on the paper, if one decodes.
inline std::optional<std::string> decode_qr(const hardware::escpos_render::GreyImage& image) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  const auto result =
      ZXing::ReadBarcode({image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum}, hints);
  if (!result.isValid()) return std::nullopt;
  return result.text();
}

// A slip as the kiosk of the demo centre would print it.
inline hardware::receipts::TokenSlip sample_slip(int paper_width = hardware::receipts::kPaper80mm,
                                                 bool native_qr = true) {
  hardware::receipts::TokenSlip s;
  s.centre_name = "Sewa Kendra Ludhiana";
  s.centre_address = "Mini Secretariat, Ferozepur Road, Ludhiana 141001";
  s.service_name = "Birth certificate";
  s.department = "Health and Family Welfare";
  s.display_number = "A042";
  s.priority_label = "Senior citizen";
  s.issued_time = "23 Nov 2026 09:14";
  s.estimated_wait = "About 25 min, 6 ahead";
  s.qr_payload = "LDH01-20261123-A042";
  s.footer_lines = {"Please watch the screen for your number.", "Keep this slip until you are served."};
  s.paper_width = paper_width;
  s.native_qr = native_qr;
  return s;
}

// Ink (black pixels) in a rectangle of the paper.
inline std::size_t ink_in(const hardware::escpos_render::GreyImage& img, int x0, int y0, int x1, int y1) {
  std::size_t n = 0;
  for (int y = std::max(0, y0); y < std::min(img.height, y1); ++y) {
    for (int x = std::max(0, x0); x < std::min(img.width, x1); ++x) n += img.at(x, y) < 128 ? 1 : 0;
  }
  return n;
}

struct InkBox {
  int left = -1, top = -1, right = -1, bottom = -1;  // inclusive; -1 when there is no ink
  bool empty() const { return left < 0; }
  int width() const { return empty() ? 0 : right - left + 1; }
  int height() const { return empty() ? 0 : bottom - top + 1; }
};

inline InkBox ink_box(const hardware::escpos_render::GreyImage& img) {
  InkBox b;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (img.at(x, y) >= 128) continue;
      if (b.left < 0 || x < b.left) b.left = x;
      if (b.right < 0 || x > b.right) b.right = x;
      if (b.top < 0) b.top = y;
      b.bottom = y;
    }
  }
  return b;
}

}  // namespace guichet::test
