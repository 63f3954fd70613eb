// Receipt layouts. A layout is a list of blocks (text, QR, rule, feed) decided from the receipt's
// content and the paper width; encoding turns blocks into ESC/POS. Text the printer's code page
// can print goes out as text; each text block passes through one place (see encode_layout) where
// text in other scripts will be drawn as a raster image instead.
//
// Token slip, top to bottom:
//   centre name (bold, double height) · centre address (font B) · rule
//   service name (bold) · department (font B)
//   "Your token number" · the token number, bold, 4×–6× size · priority label (bold, double width)
//   issued time · estimated wait
//   QR of the token id (GS ( k, or a raster image of it) · the token id in small type
//   footer lines (font B) · feed · partial cut
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "guichet/hardware/error.hpp"
#include "guichet/hardware/escpos/encoder.hpp"

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
  std::vector<Block> blocks;
};

struct EncodeOptions {
  escpos::CodePage code_page = escpos::CodePage::wpc1252;
  escpos::CutMode cut = escpos::CutMode::partial;
  int feed_lines_before_cut = 3;
  escpos::RasterOptions raster;
};

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
