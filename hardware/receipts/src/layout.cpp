// Layout blocks → ESC/POS bytes.
#include <algorithm>

#include "guichet/hardware/escpos/qr.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"

namespace guichet::hardware::receipts {

namespace {

using escpos::Encoder;

// Number of code points in valid UTF-8 (continuation bytes are not counted).
std::size_t length_utf8(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Byte offset of the code point with index n.
std::size_t offset_of(std::string_view s, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80) {
      if (seen == n) return i;
      ++seen;
    }
  }
  return s.size();
}

Error emit_text(Encoder& enc, const TextBlock& block, int paper_width) {
  // The one place where text meets the printer: text in the code page prints natively. Scripts
  // the code page lacks have no glyphs in any receipt printer and must be drawn as images.
  auto bytes = escpos::encode_text(block.text, enc.current_code_page());
  if (!bytes.ok()) {
    return {ErrorKind::unsupported_text,
            "receipt " + block.field + " cannot be printed as text: " + bytes.error().message};
  }
  enc.align(block.align).font(block.font).bold(block.bold).size(block.width_mul, block.height_mul);
  for (const auto& line : wrap_text(block.text, columns(paper_width, block.font, block.width_mul))) {
    enc.line(line);
  }
  // Back to plain text so the next block starts from a known state.
  enc.bold(false).size(1, 1).font(escpos::Font::a);
  return {};
}

Error emit_qr(Encoder& enc, const QrBlock& block, int paper_width, const escpos::RasterOptions& raster) {
  // Four modules of white around the symbol let scanners find it; the raster form has them
  // drawn in, the native form gets them as paper feed.
  if (block.native) {
    const int quiet = 4 * block.module_size;
    enc.feed_dots(quiet).align(escpos::Align::centre).qr(block.payload, {block.module_size, block.error_level});
    enc.feed_dots(quiet);
    return {};
  }
  const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(block.payload.data()),
                                           block.payload.size());
  auto image = escpos::qr_raster(data, block.error_level, {block.module_size, 4, paper_width});
  if (!image.ok()) return {image.error().kind, "receipt QR code: " + image.error().message};
  enc.align(escpos::Align::left).raster(image.value(), raster);
  return {};
}

Error emit_rule(Encoder& enc, const RuleBlock& rule, int paper_width, const escpos::RasterOptions& raster) {
  auto line = escpos::RasterImage::blank(paper_width, rule.thickness);
  for (int y = 0; y < line.height; ++y) {
    for (int x = 0; x < line.width; ++x) line.set(x, y, true);
  }
  enc.align(escpos::Align::left).raster(line, raster);
  return {};
}

}  // namespace

int columns(int paper_width, escpos::Font font, int width_mul) {
  const int cell = font == escpos::Font::a ? 12 : 9;
  return std::max(1, paper_width / (cell * std::max(1, width_mul)));
}

std::vector<std::string> wrap_text(const std::string& utf8, int cols) {
  std::vector<std::string> lines;
  const auto max = static_cast<std::size_t>(std::max(cols, 1));
  std::string_view rest = utf8;
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    if (length_utf8(rest) <= max) {
      lines.emplace_back(rest);
      break;
    }
    // Break at the last space that keeps the line within max characters; a word longer than a
    // line is cut where the line ends.
    const std::size_t limit = offset_of(rest, max);
    std::size_t cut = rest.substr(0, limit + 1).rfind(' ');
    if (cut == std::string_view::npos || cut == 0) cut = limit;
    std::string_view line = rest.substr(0, cut);
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    lines.emplace_back(line);
    rest.remove_prefix(cut);
  }
  return lines;
}

Result<escpos::Bytes> encode_layout(const Layout& layout, const EncodeOptions& options) {
  Encoder enc;
  enc.init().code_page(options.code_page).line_spacing_default();
  for (const auto& block : layout.blocks) {
    Error err;
    if (const auto* text = std::get_if<TextBlock>(&block)) {
      err = emit_text(enc, *text, layout.paper_width);
    } else if (const auto* qr = std::get_if<QrBlock>(&block)) {
      err = emit_qr(enc, *qr, layout.paper_width, options.raster);
    } else if (const auto* rule = std::get_if<RuleBlock>(&block)) {
      err = emit_rule(enc, *rule, layout.paper_width, options.raster);
    } else if (const auto* feed = std::get_if<FeedBlock>(&block)) {
      enc.feed_dots(feed->dots);
    }
    if (err) return err;
  }
  enc.feed_lines(options.feed_lines_before_cut).cut(options.cut);
  return std::move(enc).finish();
}

Result<escpos::Bytes> encode_token_slip(const TokenSlip& slip, const EncodeOptions& options) {
  auto layout = layout_token_slip(slip);
  if (!layout.ok()) return layout.error();
  return encode_layout(layout.value(), options);
}

}  // namespace guichet::hardware::receipts
