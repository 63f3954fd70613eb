#include "guichet/hardware/escpos/qr.hpp"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <exception>
#include <string>

namespace guichet::hardware::escpos {

namespace {

// ZXing's writer takes an error-correction scale of 0–8 for every 2-D format; these values select
// L, M, Q and H for QR.
int zxing_ecc_level(QrErrorLevel level) {
  switch (level) {
    case QrErrorLevel::l:
      return 1;
    case QrErrorLevel::m:
      return 4;
    case QrErrorLevel::q:
      return 6;
    case QrErrorLevel::h:
      return 8;
  }
  return 4;
}

}  // namespace

Result<QrMatrix> qr_matrix(std::span<const std::uint8_t> data, QrErrorLevel level) {
  if (data.empty()) return Error{ErrorKind::invalid_argument, "QR data is empty"};
  // Each byte becomes one code point below 256, which the writer stores as ISO 8859-1 without an
  // ECI header: the symbol holds exactly these bytes, as a printer's GS ( k does.
  std::wstring contents(data.begin(), data.end());
  try {
    ZXing::BitMatrix bits = ZXing::MultiFormatWriter(ZXing::BarcodeFormat::QRCode)
                                .setEccLevel(zxing_ecc_level(level))
                                .setMargin(0)
                                .encode(contents, 0, 0);
    QrMatrix m;
    m.size = bits.width();
    m.modules.resize(static_cast<std::size_t>(m.size) * static_cast<std::size_t>(m.size));
    for (int y = 0; y < m.size; ++y) {
      for (int x = 0; x < m.size; ++x) m.modules[static_cast<std::size_t>(y * m.size + x)] = bits.get(x, y) ? 1 : 0;
    }
    return m;
  } catch (const std::exception& e) {
    // ZXing reports data too long for any symbol by throwing.
    return Error{ErrorKind::invalid_argument,
                 "cannot build a QR symbol for " + std::to_string(data.size()) + " bytes: " + e.what()};
  }
}

Result<RasterImage> qr_raster(std::span<const std::uint8_t> data, QrErrorLevel level, const QrRasterOptions& options) {
  if (options.module_size < 1 || options.module_size > 16) {
    return Error{ErrorKind::invalid_argument,
                 "QR module size " + std::to_string(options.module_size) + " is out of range 1-16 dots"};
  }
  if (options.quiet_zone < 0) return Error{ErrorKind::invalid_argument, "QR quiet zone cannot be negative"};
  auto matrix = qr_matrix(data, level);
  if (!matrix.ok()) return matrix.error();
  const QrMatrix& m = matrix.value();
  const int symbol = (m.size + 2 * options.quiet_zone) * options.module_size;
  const int width = options.canvas_width > 0 ? options.canvas_width : symbol;
  if (symbol > width) {
    return Error{ErrorKind::invalid_argument,
                 "QR symbol of " + std::to_string(symbol) + " dots does not fit in " + std::to_string(width) + " dots"};
  }
  RasterImage img = RasterImage::blank(width, symbol);
  const int x0 = (width - symbol) / 2 + options.quiet_zone * options.module_size;
  const int y0 = options.quiet_zone * options.module_size;
  for (int my = 0; my < m.size; ++my) {
    for (int mx = 0; mx < m.size; ++mx) {
      if (!m.dark(mx, my)) continue;
      for (int dy = 0; dy < options.module_size; ++dy) {
        for (int dx = 0; dx < options.module_size; ++dx) {
          img.set(x0 + mx * options.module_size + dx, y0 + my * options.module_size + dy, true);
        }
      }
    }
  }
  return img;
}

}  // namespace guichet::hardware::escpos
