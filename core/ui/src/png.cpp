#include <png.h>

#include <cstring>

#include "guichet/ui/app.hpp"

namespace guichet::ui {

domain::Result<bool, UiError> write_png(const std::string& path, int width, int height, const std::uint8_t* rgba) {
  if (width <= 0 || height <= 0 || rgba == nullptr) return UiError{"write_png: empty image for " + path};
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = PNG_FORMAT_RGBA;
  if (!png_image_write_to_file(&image, path.c_str(), 0, rgba, width * 4, nullptr)) {
    std::string message = "cannot write PNG " + path + ": " + image.message;
    png_image_free(&image);
    return UiError{message};
  }
  return true;
}

}  // namespace guichet::ui
