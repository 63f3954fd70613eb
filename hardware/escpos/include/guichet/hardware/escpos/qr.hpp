// QR symbols built with ZXing-cpp's writer, for printers without native QR (GS ( k): the symbol is
// sent as a raster image instead. The ESC/POS interpreter builds the symbol of a GS ( k print with
// the same function, so both paths draw the same modules.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "guichet/hardware/error.hpp"
#include "guichet/hardware/escpos/encoder.hpp"

namespace guichet::hardware::escpos {

// The modules of one QR symbol (model 2), without quiet zone.
struct QrMatrix {
  int size = 0;                       // modules per side
  std::vector<std::uint8_t> modules;  // size × size, 1 = dark

  bool dark(int x, int y) const { return modules[static_cast<std::size_t>(y * size + x)] != 0; }
};

// Data is taken as bytes (byte mode), as a printer takes GS ( k data.
Result<QrMatrix> qr_matrix(std::span<const std::uint8_t> data, QrErrorLevel level);

struct QrRasterOptions {
  int module_size = 6;   // dots per module
  int quiet_zone = 4;    // modules of white around the symbol
  int canvas_width = 0;  // 0: as wide as the symbol; else the symbol is centred in this width
};

// A raster image of the symbol, ready for Encoder::raster().
Result<RasterImage> qr_raster(std::span<const std::uint8_t> data, QrErrorLevel level, const QrRasterOptions& options);

}  // namespace guichet::hardware::escpos
