#include "guichet/hardware/escpos/encoder.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace guichet::hardware::escpos {

namespace {

constexpr std::uint8_t ESC = 0x1B;
constexpr std::uint8_t GS = 0x1D;
constexpr std::uint8_t DLE = 0x10;
constexpr std::uint8_t LF = 0x0A;

// The upper half (0x80–0xFF) of a code page as Unicode code points. Built from glibc's iconv
// tables rather than typed in, so both directions agree with a maintained source.
class CodePageTable {
 public:
  explicit CodePageTable(const char* iconv_name) {
    upper_.fill(U'\uFFFD');
    iconv_t cd = iconv_open("UTF-32LE", iconv_name);
    if (cd == reinterpret_cast<iconv_t>(-1)) return;
    for (int b = 0x80; b <= 0xFF; ++b) {
      char in = static_cast<char>(b);
      std::array<unsigned char, 8> out{};
      char* inp = &in;
      std::size_t inleft = 1;
      char* outp = reinterpret_cast<char*>(out.data());
      std::size_t outleft = out.size();
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
      if (iconv(cd, &inp, &inleft, &outp, &outleft) != static_cast<std::size_t>(-1) && out.size() - outleft == 4) {
        upper_[static_cast<std::size_t>(b - 0x80)] =
            static_cast<char32_t>(out[0] | (out[1] << 8) | (out[2] << 16) | (out[3] << 24));
      }
    }
    iconv_close(cd);
  }

  char32_t decode(std::uint8_t b) const { return b < 0x80 ? static_cast<char32_t>(b) : upper_[b - 0x80u]; }

  // The byte for code point c, or -1.
  int encode(char32_t c) const {
    if (c < 0x80) return static_cast<int>(c);
    for (std::size_t i = 0; i < upper_.size(); ++i) {
      if (upper_[i] == c && c != U'\uFFFD') return static_cast<int>(0x80 + i);
    }
    return -1;
  }

 private:
  std::array<char32_t, 128> upper_{};
};

const CodePageTable& table(CodePage cp) {
  static const CodePageTable pc437("CP437");
  static const CodePageTable wpc1252("CP1252");
  return cp == CodePage::wpc1252 ? wpc1252 : pc437;
}

const char* code_page_name(CodePage cp) { return cp == CodePage::wpc1252 ? "WPC1252" : "PC437"; }

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or -1 when invalid.
long next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  int extra = 0;
  char32_t cp = 0;
  if (c < 0x80) {
    ++i;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    extra = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    cp = c & 0x07;
  } else {
    return -1;
  }
  if (i + static_cast<std::size_t>(extra) >= s.size()) return -1;
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = byte(i + static_cast<std::size_t>(k));
    if ((cc & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr std::array<char32_t, 4> kMin = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[static_cast<std::size_t>(extra)] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += static_cast<std::size_t>(extra) + 1;
  return static_cast<long>(cp);
}

std::string describe_code_point(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

RasterImage RasterImage::blank(int w, int h) {
  RasterImage img;
  img.width = std::max(0, w);
  img.height = std::max(0, h);
  img.bits.assign(static_cast<std::size_t>(img.width_bytes()) * static_cast<std::size_t>(img.height), 0);
  return img;
}

void RasterImage::set(int x, int y, bool black) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  auto& b = bits[static_cast<std::size_t>(y * width_bytes() + x / 8)];
  auto mask = static_cast<std::uint8_t>(0x80u >> (x % 8));
  b = black ? static_cast<std::uint8_t>(b | mask) : static_cast<std::uint8_t>(b & ~mask);
}

bool RasterImage::get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width || y >= height) return false;
  return (bits[static_cast<std::size_t>(y * width_bytes() + x / 8)] & (0x80u >> (x % 8))) != 0;
}

int raster_chunk_rows(int width_bytes, const RasterOptions& options) {
  int rows = width_bytes > 0 ? static_cast<int>(options.max_chunk_bytes / static_cast<std::size_t>(width_bytes)) : 1;
  if (options.max_chunk_rows > 0) rows = std::min(rows, options.max_chunk_rows);
  return std::max(rows, 1);
}

bool can_encode(std::string_view utf8, CodePage cp) { return encode_text(utf8, cp).ok(); }

Result<Bytes> encode_text(std::string_view utf8, CodePage cp) {
  Bytes out;
  out.reserve(utf8.size());
  const auto& t = table(cp);
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t at = i;
    long c = next_code_point(utf8, i);
    if (c < 0) {
      return Error{ErrorKind::unsupported_text, "text is not valid UTF-8 at byte " + std::to_string(at)};
    }
    int b = t.encode(static_cast<char32_t>(c));
    if (b < 0) {
      return Error{ErrorKind::unsupported_text, "character " + describe_code_point(static_cast<char32_t>(c)) +
                                                    " at byte " + std::to_string(at) + " is not in code page " +
                                                    code_page_name(cp)};
    }
    out.push_back(static_cast<std::uint8_t>(b));
  }
  return out;
}

std::u32string decode_text(std::span<const std::uint8_t> bytes, CodePage cp) {
  const auto& t = table(cp);
  std::u32string out;
  out.reserve(bytes.size());
  for (auto b : bytes) out.push_back(t.decode(b));
  return out;
}

Bytes status_request_bytes(StatusRequest n) { return {DLE, 0x04, static_cast<std::uint8_t>(n)}; }

void Encoder::fail(ErrorKind kind, std::string message) {
  if (!error_) error_ = Error{kind, std::move(message)};
}

void Encoder::put(std::initializer_list<std::uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }

Encoder& Encoder::init() {
  if (failed()) return *this;
  put({ESC, '@'});
  // ESC @ restores the printer's default code page.
  code_page_ = CodePage::pc437;
  return *this;
}

Encoder& Encoder::align(Align a) {
  if (!failed()) put({ESC, 'a', static_cast<std::uint8_t>(a)});
  return *this;
}

Encoder& Encoder::bold(bool on) {
  if (!failed()) put({ESC, 'E', static_cast<std::uint8_t>(on ? 1 : 0)});
  return *this;
}

Encoder& Encoder::underline(Underline u) {
  if (!failed()) put({ESC, '-', static_cast<std::uint8_t>(u)});
  return *this;
}

Encoder& Encoder::size(int width, int height) {
  if (failed()) return *this;
  if (width < 1 || width > 8 || height < 1 || height > 8) {
    fail(ErrorKind::invalid_argument, "character size " + std::to_string(width) + "x" + std::to_string(height) +
                                          " is out of range: width and height must be 1 to 8");
    return *this;
  }
  put({GS, '!', static_cast<std::uint8_t>(((width - 1) << 4) | (height - 1))});
  return *this;
}

Encoder& Encoder::font(Font f) {
  if (!failed()) put({ESC, 'M', static_cast<std::uint8_t>(f)});
  return *this;
}

Encoder& Encoder::code_page(CodePage cp) {
  if (failed()) return *this;
  put({ESC, 't', static_cast<std::uint8_t>(cp)});
  code_page_ = cp;
  return *this;
}

Encoder& Encoder::line_spacing_default() {
  if (!failed()) put({ESC, '2'});
  return *this;
}

Encoder& Encoder::line_spacing(int dots) {
  if (failed()) return *this;
  if (dots < 0 || dots > 255) {
    fail(ErrorKind::invalid_argument, "line spacing " + std::to_string(dots) + " is out of range 0-255 dots");
    return *this;
  }
  put({ESC, '3', static_cast<std::uint8_t>(dots)});
  return *this;
}

Encoder& Encoder::text(std::string_view utf8) {
  if (failed()) return *this;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) {
      fail(ErrorKind::invalid_argument, "text holds control byte " + std::to_string(c) + " at byte " +
                                            std::to_string(i) + "; send commands through the encoder, not inside text");
      return *this;
    }
  }
  auto encoded = encode_text(utf8, code_page_);
  if (!encoded.ok()) {
    fail(encoded.error().kind, encoded.error().message);
    return *this;
  }
  bytes_.insert(bytes_.end(), encoded.value().begin(), encoded.value().end());
  return *this;
}

Encoder& Encoder::line(std::string_view utf8) {
  text(utf8);
  return feed();
}

Encoder& Encoder::feed() {
  if (!failed()) put({LF});
  return *this;
}

Encoder& Encoder::feed_lines(int n) {
  if (failed()) return *this;
  if (n < 0 || n > 255) {
    fail(ErrorKind::invalid_argument, "feed of " + std::to_string(n) + " lines is out of range 0-255");
    return *this;
  }
  put({ESC, 'd', static_cast<std::uint8_t>(n)});
  return *this;
}

Encoder& Encoder::feed_dots(int n) {
  if (failed()) return *this;
  if (n < 0 || n > 255) {
    fail(ErrorKind::invalid_argument, "feed of " + std::to_string(n) + " dots is out of range 0-255");
    return *this;
  }
  put({ESC, 'J', static_cast<std::uint8_t>(n)});
  return *this;
}

Encoder& Encoder::qr(std::string_view payload, const QrOptions& options) {
  if (failed()) return *this;
  if (payload.empty()) {
    fail(ErrorKind::invalid_argument, "QR payload is empty");
    return *this;
  }
  // The largest QR symbol (version 40, level L) holds 2953 bytes in byte mode.
  constexpr std::size_t kMaxQrBytes = 2953;
  if (payload.size() > kMaxQrBytes) {
    fail(ErrorKind::invalid_argument, "QR payload of " + std::to_string(payload.size()) +
                                          " bytes exceeds the QR byte capacity of " + std::to_string(kMaxQrBytes));
    return *this;
  }
  if (options.module_size < 1 || options.module_size > 16) {
    fail(ErrorKind::invalid_argument,
         "QR module size " + std::to_string(options.module_size) + " is out of range 1-16 dots");
    return *this;
  }
  // Function 65: model 2. Function 67: module size. Function 69: error level.
  put({GS, '(', 'k', 4, 0, 49, 65, 50, 0});
  put({GS, '(', 'k', 3, 0, 49, 67, static_cast<std::uint8_t>(options.module_size)});
  put({GS, '(', 'k', 3, 0, 49, 69, static_cast<std::uint8_t>(options.error_level)});
  // Function 80: store the data; pL pH count cn, fn, m and the data.
  std::size_t len = payload.size() + 3;
  put({GS, '(', 'k', static_cast<std::uint8_t>(len & 0xFF), static_cast<std::uint8_t>(len >> 8), 49, 80, 48});
  bytes_.insert(bytes_.end(), payload.begin(), payload.end());
  // Function 81: print the stored symbol.
  put({GS, '(', 'k', 3, 0, 49, 81, 48});
  return *this;
}

Encoder& Encoder::raster(const RasterImage& image, const RasterOptions& options) {
  if (failed()) return *this;
  const int wb = image.width_bytes();
  if (image.width < 1 || image.height < 1) {
    fail(ErrorKind::invalid_argument,
         "raster image " + std::to_string(image.width) + "x" + std::to_string(image.height) + " is empty");
    return *this;
  }
  if (wb > 0xFFFF) {
    fail(ErrorKind::invalid_argument, "raster image width " + std::to_string(image.width) + " dots is too wide");
    return *this;
  }
  const std::size_t expected = static_cast<std::size_t>(wb) * static_cast<std::size_t>(image.height);
  if (image.bits.size() != expected) {
    fail(ErrorKind::invalid_argument, "raster image data is " + std::to_string(image.bits.size()) + " bytes; width " +
                                          std::to_string(image.width) + " × height " + std::to_string(image.height) +
                                          " needs " + std::to_string(expected));
    return *this;
  }
  const int rows = std::min(raster_chunk_rows(wb, options), 0xFFFF);
  for (int y = 0; y < image.height; y += rows) {
    const int h = std::min(rows, image.height - y);
    put({GS, 'v', '0', 0, static_cast<std::uint8_t>(wb & 0xFF), static_cast<std::uint8_t>(wb >> 8),
         static_cast<std::uint8_t>(h & 0xFF), static_cast<std::uint8_t>(h >> 8)});
    auto first = image.bits.begin() + static_cast<std::ptrdiff_t>(y) * wb;
    bytes_.insert(bytes_.end(), first, first + static_cast<std::ptrdiff_t>(h) * wb);
  }
  return *this;
}

Encoder& Encoder::cut(CutMode mode, std::optional<int> feed_dots) {
  if (failed()) return *this;
  if (feed_dots) {
    if (*feed_dots < 0 || *feed_dots > 255) {
      fail(ErrorKind::invalid_argument,
           "feed before cut of " + std::to_string(*feed_dots) + " dots is out of range 0-255");
      return *this;
    }
    put({GS, 'V', static_cast<std::uint8_t>(mode == CutMode::full ? 65 : 66), static_cast<std::uint8_t>(*feed_dots)});
  } else {
    put({GS, 'V', static_cast<std::uint8_t>(mode == CutMode::full ? 0 : 1)});
  }
  return *this;
}

Encoder& Encoder::cash_drawer(DrawerPin pin, int on_ms, int off_ms) {
  if (failed()) return *this;
  // ESC p counts pulse times in units of 2 ms.
  if (on_ms < 0 || on_ms > 510 || off_ms < 0 || off_ms > 510) {
    fail(ErrorKind::invalid_argument,
         "drawer pulse " + std::to_string(on_ms) + "/" + std::to_string(off_ms) + " ms is out of range 0-510 ms");
    return *this;
  }
  put({ESC, 'p', static_cast<std::uint8_t>(pin), static_cast<std::uint8_t>(on_ms / 2),
       static_cast<std::uint8_t>(off_ms / 2)});
  return *this;
}

Encoder& Encoder::status_request(StatusRequest n) {
  if (!failed()) put({DLE, 0x04, static_cast<std::uint8_t>(n)});
  return *this;
}

Encoder& Encoder::raw(std::span<const std::uint8_t> b) {
  if (!failed()) bytes_.insert(bytes_.end(), b.begin(), b.end());
  return *this;
}

Result<Bytes> Encoder::finish() && {
  if (error_) return *error_;
  return std::move(bytes_);
}

}  // namespace guichet::hardware::escpos
