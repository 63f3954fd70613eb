// A scanned frame to 8-bit samples and PNG (libpng's simplified API, written to memory), with the
// resolution added as a pHYs chunk.
#include "guichet/hardware/scanner/page_image.hpp"

#include <png.h>

#include <array>
#include <cmath>
#include <cstring>

namespace guichet::hardware::scanner {

namespace {

using Bytes = std::vector<std::uint8_t>;
using Outcome = domain::Result<Bytes, std::string>;

std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

void put_u32(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// A pHYs chunk (pixels per metre on both axes) right after IHDR, which is always the first chunk:
// 8 bytes of signature, then 4 length + 4 type + 13 data + 4 CRC.
void add_resolution(Bytes& png, int dpi) {
  constexpr std::size_t kAfterIhdr = 8 + 4 + 4 + 13 + 4;
  if (dpi <= 0 || png.size() < kAfterIhdr) return;
  const auto per_metre = static_cast<std::uint32_t>(std::lround(dpi / 0.0254));
  Bytes chunk;
  put_u32(chunk, 9);
  const char* type = "pHYs";
  chunk.insert(chunk.end(), type, type + 4);
  put_u32(chunk, per_metre);
  put_u32(chunk, per_metre);
  chunk.push_back(1);  // unit: metre
  put_u32(chunk, crc32(chunk.data() + 4, chunk.size() - 4));
  png.insert(png.begin() + static_cast<std::ptrdiff_t>(kAfterIhdr), chunk.begin(), chunk.end());
}

}  // namespace

domain::Result<Bytes, std::string> to_8bit(const Frame& frame) {
  if (frame.depth != 1 && frame.depth != 8 && frame.depth != 16) {
    return std::string("unsupported sample depth ") + std::to_string(frame.depth);
  }
  if (frame.pixels_per_line <= 0 || frame.bytes_per_line <= 0) return std::string("the frame has no width");
  const std::size_t channels = frame.color ? 3 : 1;
  const std::size_t width = static_cast<std::size_t>(frame.pixels_per_line);
  const std::size_t samples = width * channels;
  const std::size_t needed = frame.depth == 1 ? (samples + 7) / 8 : samples * static_cast<std::size_t>(frame.depth / 8);
  const std::size_t stride = static_cast<std::size_t>(frame.bytes_per_line);
  if (stride < needed) {
    return "a line of " + std::to_string(stride) + " bytes cannot hold " + std::to_string(width) + " pixels at depth " +
           std::to_string(frame.depth);
  }
  const std::size_t lines = static_cast<std::size_t>(frame.lines());
  if (lines == 0) return std::string("the frame has no lines");

  Bytes out(lines * samples);
  for (std::size_t y = 0; y < lines; ++y) {
    const std::uint8_t* in = frame.data.data() + y * stride;
    std::uint8_t* row = out.data() + y * samples;
    switch (frame.depth) {
      case 1:
        // SANE lineart: a set bit is black, the first pixel is the most significant bit.
        for (std::size_t i = 0; i < samples; ++i) {
          const bool black = (in[i / 8] >> (7 - i % 8)) & 1U;
          row[i] = black ? 0 : 255;
        }
        break;
      case 8:
        std::memcpy(row, in, samples);
        break;
      default:
        // 16 bits in the host's byte order: keep the high byte.
        for (std::size_t i = 0; i < samples; ++i) {
          std::uint16_t v = 0;
          std::memcpy(&v, in + 2 * i, 2);
          row[i] = static_cast<std::uint8_t>(v >> 8);
        }
        break;
    }
  }
  return out;
}

domain::Result<Bytes, std::string> encode_png(const Frame& frame, int dpi) {
  auto samples = to_8bit(frame);
  if (!samples.ok()) return samples.error();

  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(frame.pixels_per_line);
  image.height = static_cast<png_uint_32>(frame.lines());
  image.format = frame.color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const png_int_32 row_stride = static_cast<png_int_32>(frame.pixels_per_line * (frame.color ? 3 : 1));

  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, samples.value().data(), row_stride, nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    return "PNG encoding failed: " + why;
  }
  Bytes png(size);
  if (!png_image_write_to_memory(&image, png.data(), &size, 0, samples.value().data(), row_stride, nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    return "PNG encoding failed: " + why;
  }
  png.resize(size);
  add_resolution(png, dpi);
  return png;
}

}  // namespace guichet::hardware::scanner
