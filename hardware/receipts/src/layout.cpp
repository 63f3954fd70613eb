// Layout blocks → ESC/POS bytes: text in the code page as text, other text drawn by core/text.
#include "guichet/text/layout.hpp"

#include <algorithm>
#include <cstdio>

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

// The code point starting at byte `at` of UTF-8 text (U+FFFD when malformed).
char32_t code_point_at(std::string_view s, std::size_t at) {
  if (at >= s.size()) return 0xFFFD;
  const auto b0 = static_cast<unsigned char>(s[at]);
  int extra = b0 < 0x80 ? 0 : (b0 >> 5) == 0x6 ? 1 : (b0 >> 4) == 0xE ? 2 : (b0 >> 3) == 0x1E ? 3 : -1;
  if (extra < 0 || at + static_cast<std::size_t>(extra) >= s.size()) return 0xFFFD;
  char32_t c = extra == 0 ? b0 : extra == 1 ? (b0 & 0x1F) : extra == 2 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int i = 1; i <= extra; ++i) {
    const auto b = static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    c = (c << 6) | (b & 0x3F);
  }
  return c;
}

std::string u_plus(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

void feed(Encoder& enc, int dots) {
  // ESC J carries at most 255 dots.
  for (; dots > 0; dots -= 255) enc.feed_dots(std::min(dots, 255));
}

// The x where a printer puts an image `width` dots wide under ESC a (as escpos_render does).
int justified_x(int paper_width, int width, escpos::Align align) {
  if (width >= paper_width) return 0;
  switch (align) {
    case escpos::Align::centre:
      return (paper_width - width) / 2;
    case escpos::Align::right:
      return paper_width - width;
    case escpos::Align::left:
      break;
  }
  return 0;
}

Error emit_text(Encoder& enc, const TextBlock& block, const Layout& layout, const EncodeOptions& options) {
  // The one place where text meets the printer: text in the code page prints natively (fewest
  // bytes). Scripts the code page lacks have no glyphs in any receipt printer: drawn as images.
  if (needs_raster(block, enc.current_code_page())) {
    auto drawn = raster_text(block, layout, options);
    if (!drawn.ok()) return drawn.error();
    const RasterText& r = drawn.value();
    feed(enc, r.feed_before);
    if (r.image.width > 0) enc.align(r.align).raster(r.image, options.raster);
    feed(enc, r.feed_after);
    return {};
  }
  enc.align(block.align).font(block.font).bold(block.bold).size(block.width_mul, block.height_mul);
  for (const auto& line : wrap_text(block.text, columns(layout.paper_width, block.font, block.width_mul))) {
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
  // Whole bytes within the paper: a 500-dot paper gets a 496-dot rule, not a 504-dot one clipped.
  auto line = escpos::RasterImage::blank(std::max(8, paper_width / 8 * 8), rule.thickness);
  for (int y = 0; y < line.height; ++y) {
    for (int x = 0; x < line.width; ++x) line.set(x, y, true);
  }
  enc.align(escpos::Align::left).raster(line, raster);
  return {};
}

}  // namespace

bool right_to_left(const std::string& language) { return text::script_of_language(language) == text::Script::Arabic; }

escpos::Align start_align(const std::string& language) {
  return right_to_left(language) ? escpos::Align::right : escpos::Align::left;
}

int text_pixel_size(escpos::Font font, int height_mul) {
  return (font == escpos::Font::a ? 24 : 20) * std::max(1, height_mul);
}

bool needs_raster(const TextBlock& block, escpos::CodePage code_page) {
  return !escpos::can_encode(block.text, code_page);
}

Result<RasterText> raster_text(const TextBlock& block, const Layout& layout, const EncodeOptions& options) {
  text::TextEngine* engine = block.bold && options.bold_text ? options.bold_text : options.text;
  if (engine == nullptr) {
    auto why = escpos::encode_text(block.text, options.code_page);
    return Error{ErrorKind::unsupported_text, "receipt " + block.field + " cannot be printed as text (" +
                                                  (why.ok() ? std::string("code page") : why.error().message) +
                                                  ") and no text engine was given to draw it"};
  }
  const int paper = layout.paper_width;
  // Double width without double height (the priority label) is drawn at its height and stretched
  // sideways, as the printer stretches its own characters.
  const int stretch = std::max(1, block.width_mul / std::max(1, block.height_mul));
  const bool rtl = right_to_left(layout.language);

  text::LayoutOptions lo;
  lo.pixel_size = text_pixel_size(block.font, block.height_mul);
  lo.max_width = static_cast<float>(paper / stretch);
  lo.direction = rtl ? text::Direction::RightToLeft : text::Direction::Auto;
  lo.language = layout.language.empty() ? "en" : layout.language;
  // The block's alignment is physical (left, centre, right); the engine's is relative to the
  // paragraph's direction, known for certain only after laying out.
  auto engine_align = [&](bool paragraph_rtl) {
    switch (block.align) {
      case escpos::Align::centre:
        return text::Align::Center;
      case escpos::Align::right:
        return paragraph_rtl ? text::Align::Start : text::Align::End;
      case escpos::Align::left:
        break;
    }
    return paragraph_rtl ? text::Align::End : text::Align::Start;
  };
  lo.align = engine_align(rtl);
  auto laid = engine->layout(block.text, lo);
  if (engine_align(laid->rtl) != lo.align) {
    lo.align = engine_align(laid->rtl);
    laid = engine->layout(block.text, lo);
  }
  if (laid->missing > 0) {
    for (const auto& g : laid->glyphs) {
      if (g.glyph == 0) {
        return Error{ErrorKind::unsupported_text, "receipt " + block.field + ": no font has " +
                                                      u_plus(code_point_at(block.text, g.cluster)) +
                                                      " (it would print as a box)"};
      }
    }
    return Error{ErrorKind::unsupported_text, "receipt " + block.field + ": a character has no font"};
  }

  const text::GrayImage gray = text::rasterize(engine->fonts(), *laid, lo.pixel_size);
  // Paper columns x and rows y that print black, after stretching.
  auto black = [&](int x, int y) {
    const int gx = x / stretch;
    return gx < gray.width && gray.at(gx, y) >= kRasterTextThreshold;
  };
  int left = paper, right = -1, top = gray.height, bottom = -1;
  for (int y = 0; y < gray.height; ++y) {
    for (int x = 0; x < std::min(paper, gray.width * stretch); ++x) {
      if (!black(x, y)) continue;
      left = std::min(left, x);
      right = std::max(right, x);
      top = std::min(top, y);
      bottom = std::max(bottom, y);
    }
  }
  RasterText out;
  out.pixel_size = lo.pixel_size;
  out.layout = laid;
  out.align = block.align;
  if (right < 0) {  // nothing prints (only spaces): keep the line's height
    out.feed_before = gray.height;
    return out;
  }
  // Send only the columns with ink, in whole bytes, placed so that the printer's justification of
  // the narrower image puts every dot where the engine laid it out: fewer bytes, same paper.
  // An image never reaches past the paper: at most its width rounded down to whole bytes (a
  // paper of 500 dots takes 496; its last dots could only be clipped by the printer).
  const int widest = std::max(8, paper / 8 * 8);
  out.align = options.justify_text_images ? block.align : escpos::Align::left;
  int width = std::min(((right - (out.align == escpos::Align::left ? 0 : left) + 1) + 7) / 8 * 8, widest);
  int x0 = 0;
  for (;;) {
    x0 = justified_x(paper, width, out.align);
    if ((x0 <= left && x0 + width > right) || width >= widest) break;
    width = std::min(width + 8, widest);
  }
  out.image = escpos::RasterImage::blank(width, bottom - top + 1);
  for (int y = top; y <= bottom; ++y) {
    for (int x = std::max(left, x0); x <= right && x < x0 + width; ++x) {
      if (black(x, y)) out.image.set(x - x0, y - top, true);
    }
  }
  out.feed_before = top;
  out.feed_after = gray.height - 1 - bottom;
  return out;
}

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
      err = emit_text(enc, *text, layout, options);
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
