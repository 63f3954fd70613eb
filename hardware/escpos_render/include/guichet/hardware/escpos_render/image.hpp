// 8-bit grey images and PNG files (libpng). Paper is white (255), print is black (0).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "guichet/hardware/error.hpp"

namespace guichet::hardware::escpos_render {

struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, width × height

  static GreyImage white(int width, int height);
  std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y * width + x)]; }
  std::uint8_t& at(int x, int y) { return pixels[static_cast<std::size_t>(y * width + x)]; }

  bool operator==(const GreyImage&) const = default;
};

Error write_png(const GreyImage& image, const std::filesystem::path& path);

// Reads any PNG, converted to 8-bit grey.
Result<GreyImage> read_png(const std::filesystem::path& path);

struct ImageDifference {
  bool same_size = false;
  std::size_t differing_pixels = 0;  // pixels whose grey value differs by more than the threshold
  std::size_t total_pixels = 0;
};

ImageDifference compare_images(const GreyImage& a, const GreyImage& b, int threshold = 0);

// Differing pixels in red over a faded copy of `expected`, for looking at a failed comparison.
Error write_difference_png(const GreyImage& expected, const GreyImage& actual, const std::filesystem::path& path);

}  // namespace guichet::hardware::escpos_render
