#include "guichet/hardware/escpos_render/image.hpp"

#include <png.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace guichet::hardware::escpos_render {

GreyImage GreyImage::white(int width, int height) {
  GreyImage img;
  img.width = width;
  img.height = height;
  img.pixels.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), 255);
  return img;
}

Error write_png(const GreyImage& image, const std::filesystem::path& path) {
  if (image.width <= 0 || image.height <= 0) {
    return {ErrorKind::invalid_argument, "cannot write an empty image to " + path.string()};
  }
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_GRAY;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.pixels.data(), image.width, nullptr)) {
    std::string why = png.message;
    png_image_free(&png);
    return {ErrorKind::file, "cannot write PNG " + path.string() + ": " + why};
  }
  return {};
}

Result<GreyImage> read_png(const std::filesystem::path& path) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    std::string why = png.message;
    png_image_free(&png);
    return Error{ErrorKind::file, "cannot read PNG " + path.string() + ": " + why};
  }
  png.format = PNG_FORMAT_GRAY;
  GreyImage img;
  img.width = static_cast<int>(png.width);
  img.height = static_cast<int>(png.height);
  img.pixels.resize(PNG_IMAGE_SIZE(png));
  // A white background replaces transparency so an RGBA file reads as paper.
  png_color background{255, 255, 255};
  if (!png_image_finish_read(&png, &background, img.pixels.data(), img.width, nullptr)) {
    std::string why = png.message;
    png_image_free(&png);
    return Error{ErrorKind::file, "cannot decode PNG " + path.string() + ": " + why};
  }
  return img;
}

ImageDifference compare_images(const GreyImage& a, const GreyImage& b, int threshold) {
  ImageDifference d;
  d.same_size = a.width == b.width && a.height == b.height;
  d.total_pixels = a.pixels.size();
  if (!d.same_size) {
    d.differing_pixels = std::max(a.pixels.size(), b.pixels.size());
    return d;
  }
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    if (std::abs(int{a.pixels[i]} - int{b.pixels[i]}) > threshold) ++d.differing_pixels;
  }
  return d;
}

Error write_difference_png(const GreyImage& expected, const GreyImage& actual, const std::filesystem::path& path) {
  const int w = std::max(expected.width, actual.width);
  const int h = std::max(expected.height, actual.height);
  if (w <= 0 || h <= 0) return {ErrorKind::invalid_argument, "both images are empty"};
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 255);
  auto value = [](const GreyImage& img, int x, int y) -> int {
    return x < img.width && y < img.height ? img.at(x, y) : -1;
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int e = value(expected, x, y);
      const int a = value(actual, x, y);
      auto* px = &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3];
      if (e != a) {
        px[0] = 255;
        px[1] = 0;
        px[2] = 0;
      } else {
        auto faded = static_cast<std::uint8_t>(e < 0 ? 255 : 160 + e * 95 / 255);
        px[0] = px[1] = px[2] = faded;
      }
    }
  }
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(w);
  png.height = static_cast<png_uint_32>(h);
  png.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&png, path.c_str(), 0, rgb.data(), w * 3, nullptr)) {
    std::string why = png.message;
    png_image_free(&png);
    return {ErrorKind::file, "cannot write PNG " + path.string() + ": " + why};
  }
  return {};
}

}  // namespace guichet::hardware::escpos_render
