// Receipt layouts. A layout is a list of blocks (text, QR, rule, feed) decided from the receipt's
// content, its language and the paper width; encoding turns blocks into ESC/POS. Each text block
// passes through one place (emit_text in layout.cpp): text the printer's code page can print goes
// out as text (fewest bytes); a block with any character outside the page (Gurmukhi, Devanagari,
// Urdu, ₹ …) is laid out by the shared text engine (core/text: shaping, bidi, line breaking), drawn,
// thresholded to 1 bit and sent as a raster image (see raster_text below and docs/receipts.md).
//
// Token slip, top to bottom:
//   centre name (bold, double height) · centre address (font B) · rule
//   service name (bold) · department (font B)
//   "Your token number" · the token number, bold, 4×–6× size · priority label (bold, double width)
//   issued time · estimated wait
//   QR of the token id (GS ( k, or a raster image of it) · the token id in small type
//   footer lines (font B) · feed · partial cut
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "guichet/hardware/error.hpp"
#include "guichet/hardware/escpos/encoder.hpp"

namespace guichet::text {
class TextEngine;
struct Layout;
}  // namespace guichet::text

namespace guichet::hardware::receipts {

inline constexpr int kPaper80mm = 576;  // printable dots of 80 mm paper at 203 dpi
inline constexpr int kPaper58mm = 384;  // printable dots of 58 mm paper

// Printed labels. The kiosk passes them in the citizen's language; English by default.
struct SlipLabels {
  std::string token_number = "Your token number";
  std::string issued = "Issued";
  std::string estimated_wait = "Estimated wait";
};

struct TokenSlip {
  std::string centre_name;
  std::string centre_address;
  std::string service_name;
  std::string department;
  std::string display_number;  // "A042"
  std::string priority_label;  // "Senior citizen", or empty
  std::string issued_time;     // "23 Nov 2026 09:14"
  std::string estimated_wait;  // "About 25 min, 6 ahead"
  std::string qr_payload;      // the token id, "LDH01-20261123-A042"
  std::vector<std::string> footer_lines;
  int paper_width = kPaper80mm;
  bool native_qr = true;  // false: the QR goes as a raster image (printers without GS ( k)
  SlipLabels labels;
  // The citizen's language ("en", "pa", "hi", "ur", "fr"); empty is English. It picks the fonts and
  // shaping rules of drawn text, and right-to-left languages (Urdu) mirror the slip: their text is
  // laid out right to left and start-aligned blocks go to the right edge.
  std::string language;
};

// --- layout blocks ---------------------------------------------------------------------------

struct TextBlock {
  std::string field;  // which part of the receipt, for error messages: "service name"
  std::string text;   // UTF-8
  escpos::Align align = escpos::Align::centre;
  escpos::Font font = escpos::Font::a;
  bool bold = false;
  int width_mul = 1;
  int height_mul = 1;
};

struct QrBlock {
  std::string payload;
  int module_size = 6;
  escpos::QrErrorLevel error_level = escpos::QrErrorLevel::m;
  bool native = true;
};

struct RuleBlock {
  int thickness = 2;  // dots
};

struct FeedBlock {
  int dots = 0;
};

using Block = std::variant<TextBlock, QrBlock, RuleBlock, FeedBlock>;

struct Layout {
  int paper_width = kPaper80mm;
  std::string language;  // of the receipt: drawn text is shaped and directed for it
  std::vector<Block> blocks;
};

// Whether a language is written right to left (Urdu, Arabic, Persian).
bool right_to_left(const std::string& language);
// Where a block aligned to the start of the line goes: the left edge, or the right in a
// right-to-left language.
escpos::Align start_align(const std::string& language);

struct EncodeOptions {
  escpos::CodePage code_page = escpos::CodePage::wpc1252;
  escpos::CutMode cut = escpos::CutMode::partial;
  int feed_lines_before_cut = 3;
  escpos::RasterOptions raster;
  // Draws text the code page cannot print. The caller owns it and shares it (the kiosk's screen
  // uses the same engine and cache); without it such text is an error naming the block's field.
  text::TextEngine* text = nullptr;
  // Draws bold blocks, over a FontSet of text::bold_faces(); bold blocks use `text` when null.
  text::TextEngine* bold_text = nullptr;
  // Drawn text is cropped to its ink and placed with ESC a, which ESC/POS printers apply to GS v 0
  // images (Epson, and the interpreter in escpos_render). false: for a printer that ignores it,
  // every image starts at the left edge (centred and right-aligned text then costs more bytes).
  bool justify_text_images = true;
};

// Coverage (0-255) from which a drawn pixel prints black. Below half: the thin strokes of
// Nastaliq, the headline of Devanagari and Gurmukhi and the dots of nuqtas cover a pixel only
// partly at 24 px and would break up at 128; at 96 (38%) strokes keep their shape and counters
// (the holes of ਕ, ण, ہ) stay open.
inline constexpr std::uint8_t kRasterTextThreshold = 96;

// Em size in pixels (= printer dots) of drawn text for a block's font and height multiplier: font
// A (12x24 cells) 24 px per multiple, font B (9x17 cells) 20 px, a little larger than the cell
// because Indic and Urdu letters need more dots than Latin ones to stay legible on a thermal head.
int text_pixel_size(escpos::Font font, int height_mul);

// A text block drawn for the printer.
struct RasterText {
  escpos::RasterImage image;                  // cropped to the ink's columns (whole bytes) and rows
  escpos::Align align = escpos::Align::left;  // ESC a for the image; puts its ink where laid out
  int feed_before = 0, feed_after = 0;        // dots of blank lines above and below the ink
  int pixel_size = 0;
  std::shared_ptr<const text::Layout> layout;  // the engine's layout (missing glyphs, lines)
};

// Whether a block must be drawn: it holds a character the code page lacks.
bool needs_raster(const TextBlock& block, escpos::CodePage code_page);

// Lays out, draws and thresholds a block at its size, wrapped to the paper and aligned as the block
// says, in the layout's language. Fails when no engine is given or a character has no font.
Result<RasterText> raster_text(const TextBlock& block, const Layout& layout, const EncodeOptions& options);

// Checks the slip (token number, QR payload and paper width are required) and lays it out.
Result<Layout> layout_token_slip(const TokenSlip& slip);

Result<escpos::Bytes> encode_layout(const Layout& layout, const EncodeOptions& options = {});

// layout_token_slip + encode_layout.
Result<escpos::Bytes> encode_token_slip(const TokenSlip& slip, const EncodeOptions& options = {});

// Splits text into lines of at most `columns` characters, at spaces where it can.
std::vector<std::string> wrap_text(const std::string& utf8, int columns);

// Characters per line for a font and width multiplier on this paper.
int columns(int paper_width, escpos::Font font, int width_mul);

// The token number's size: as large as fits, from 4× (GS ! 0x33) up to 6×.
int token_number_magnification(const std::string& display_number, int paper_width);

}  // namespace guichet::hardware::receipts
