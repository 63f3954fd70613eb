// Reading back a scanned page's PNG in tests: the pixels as libpng decodes them, and the
// resolution its pHYs chunk declares.
#pragma once

#include <png.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace guichet::test {

struct DecodedPng {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 gray, 3 RGB
  std::vector<std::uint8_t> pixels;
  std::string error;

  std::uint8_t at(int x, int y, int channel = 0) const {
    return pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) *
                      static_cast<std::size_t>(channels) +
                  static_cast<std::size_t>(channel)];
  }
};

// Decodes in the PNG's own format (gray stays gray, RGB stays RGB).
inline DecodedPng decode_png(const std::vector<std::uint8_t>& bytes) {
  DecodedPng out;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    out.error = image.message;
    return out;
  }
  const bool color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.channels = color ? 3 : 1;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
    out.error = image.message;
    png_image_free(&image);
  }
  return out;
}

// The pHYs chunk's pixels per metre (x), when it is there with the metre as unit.
inline std::optional<std::uint32_t> png_pixels_per_metre(const std::vector<std::uint8_t>& bytes) {
  for (std::size_t i = 8; i + 8 <= bytes.size();) {
    const std::uint32_t len = (std::uint32_t{bytes[i]} << 24) | (std::uint32_t{bytes[i + 1]} << 16) |
                              (std::uint32_t{bytes[i + 2]} << 8) | bytes[i + 3];
    if (std::memcmp(bytes.data() + i + 4, "pHYs", 4) == 0 && len == 9 && i + 8 + 9 <= bytes.size()) {
      const std::uint8_t* d = bytes.data() + i + 8;
      if (d[8] != 1) return std::nullopt;
      return (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) | d[3];
    }
    i += 12 + len;
  }
  return std::nullopt;
}

}  // namespace guichet::test
