// ESC/POS encoder: a builder that produces the bytes of a receipt job.
//
// Supported commands (what this encoder can emit):
//  [X] ESC @            initialise printer
//  [X] ESC a n          justification: left, centre, right
//  [X] ESC E n          bold (emphasised) on/off
//  [X] ESC - n          underline off / 1 dot / 2 dots
//  [X] GS ! n           character size, width and height 1–8
//  [X] ESC M n          font A (12×24) / font B (9×17)
//  [X] ESC t n          code page: PC437 (0) or WPC1252 (16); text is converted from UTF-8
//  [X] ESC 2 / ESC 3 n  default / custom line spacing
//  [X] LF, ESC d n      line feed, print and feed n lines
//  [X] ESC J n          print and feed n dots
//  [X] GS ( k           QR code (cn 49): model 2, module size 1–16, error level L/M/Q/H, store, print
//  [X] GS v 0           raster bit image, sent in chunks of bounded height
//  [X] GS V             cut: full or partial, optionally feeding n dots first
//  [X] ESC p m t1 t2    cash drawer kick pulse on pin 2 or 5
//  [X] DLE EOT n        real-time status request (see status.hpp for the reply)
//  [ ] Page mode, barcodes (GS k), NV images, other 2-D symbols: not emitted.
//
// Arguments out of a command's range make the encoder fail: the first error is kept, later calls
// do nothing, and finish() returns it. Nothing is clamped silently, so a bad layout is noticed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/hardware/error.hpp"

namespace guichet::hardware::escpos {

using Bytes = std::vector<std::uint8_t>;

enum class Align : std::uint8_t { left = 0, centre = 1, right = 2 };
enum class Font : std::uint8_t { a = 0, b = 1 };
enum class Underline : std::uint8_t { none = 0, thin = 1, thick = 2 };
enum class CodePage : std::uint8_t { pc437 = 0, wpc1252 = 16 };
enum class CutMode : std::uint8_t { full, partial };
enum class DrawerPin : std::uint8_t { pin2 = 0, pin5 = 1 };

// Byte values of GS ( k function 69 (select error correction level).
enum class QrErrorLevel : std::uint8_t { l = 48, m = 49, q = 50, h = 51 };

// DLE EOT n: which status byte to send back.
enum class StatusRequest : std::uint8_t { printer = 1, offline_cause = 2, error_cause = 3, paper = 4 };

struct QrOptions {
  int module_size = 6;  // dots per module, 1–16
  QrErrorLevel error_level = QrErrorLevel::m;
};

// A 1-bit image: rows of width_bytes() bytes, most significant bit leftmost, 1 = black.
struct RasterImage {
  int width = 0;   // dots
  int height = 0;  // dots
  std::vector<std::uint8_t> bits;

  int width_bytes() const { return (width + 7) / 8; }
  static RasterImage blank(int width, int height);
  void set(int x, int y, bool black);
  bool get(int x, int y) const;
};

struct RasterOptions {
  // Printers buffer only a few kilobytes: a tall image goes out as several GS v 0 commands, each at
  // most max_chunk_bytes of data (and never more than max_chunk_rows rows, if that is set).
  std::size_t max_chunk_bytes = 8192;
  int max_chunk_rows = 0;  // 0 = limited by max_chunk_bytes only
};

// Rows per GS v 0 chunk for an image of this width under these options (at least 1).
int raster_chunk_rows(int width_bytes, const RasterOptions& options);

class Encoder {
 public:
  Encoder& init();
  Encoder& align(Align a);
  Encoder& bold(bool on);
  Encoder& underline(Underline u);
  Encoder& size(int width, int height);  // multipliers 1–8
  Encoder& font(Font f);
  Encoder& code_page(CodePage cp);
  Encoder& line_spacing_default();
  Encoder& line_spacing(int dots);  // 0–255

  // UTF-8 text, converted to the current code page. Control characters other than LF are refused,
  // and so are characters the code page lacks (use can_encode() to decide beforehand).
  Encoder& text(std::string_view utf8);
  Encoder& line(std::string_view utf8);  // text + LF
  Encoder& feed();                       // LF
  Encoder& feed_lines(int n);            // ESC d n, 0–255
  Encoder& feed_dots(int n);             // ESC J n, 0–255

  Encoder& qr(std::string_view payload, const QrOptions& options = {});
  Encoder& raster(const RasterImage& image, const RasterOptions& options = {});
  Encoder& cut(CutMode mode = CutMode::partial, std::optional<int> feed_dots = std::nullopt);
  Encoder& cash_drawer(DrawerPin pin = DrawerPin::pin2, int on_ms = 100, int off_ms = 200);
  Encoder& status_request(StatusRequest n);
  Encoder& raw(std::span<const std::uint8_t> bytes);

  CodePage current_code_page() const { return code_page_; }
  const Bytes& bytes() const { return bytes_; }
  const std::optional<Error>& error() const { return error_; }

  // The finished job, or the first error met while building it.
  Result<Bytes> finish() &&;

 private:
  bool failed() const { return error_.has_value(); }
  void fail(ErrorKind kind, std::string message);
  void put(std::initializer_list<std::uint8_t> b);

  Bytes bytes_;
  CodePage code_page_ = CodePage::pc437;
  std::optional<Error> error_;
};

// Whether every character of utf8 exists in the code page (and the text is valid UTF-8).
bool can_encode(std::string_view utf8, CodePage cp);

// UTF-8 → code page bytes; the error names the first character that has no place in the page.
Result<Bytes> encode_text(std::string_view utf8, CodePage cp);

// Code page bytes → UTF-32 code points (used by the interpreter). Unmapped bytes become U+FFFD.
std::u32string decode_text(std::span<const std::uint8_t> bytes, CodePage cp);

// The complete DLE EOT n command.
Bytes status_request_bytes(StatusRequest n);

}  // namespace guichet::hardware::escpos
