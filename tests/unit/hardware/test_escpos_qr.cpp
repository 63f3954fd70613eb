// QR symbols for printers without native QR: matrix and raster image, read back with ZXing.
#include <gtest/gtest.h>

#include "guichet/hardware/escpos/qr.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware::escpos;
using guichet::hardware::escpos_render::GreyImage;

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

GreyImage to_grey(const RasterImage& img) {
  GreyImage g = GreyImage::white(img.width, img.height);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (img.get(x, y)) g.at(x, y) = 0;
    }
  }
  return g;
}

TEST(EscposQr, HigherErrorLevelsNeedLargerSymbols) {
  const std::string id = "LDH01-20261123-A042";
  auto l = qr_matrix(as_bytes(id), QrErrorLevel::l);
  auto h = qr_matrix(as_bytes(id), QrErrorLevel::h);
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(l->size, 21);  // version 1
  EXPECT_EQ(h->size, 25);  // version 2
  // Finder pattern: the top-left 7×7 ring is dark, its inner ring light.
  EXPECT_TRUE(l->dark(0, 0));
  EXPECT_TRUE(l->dark(6, 6));
  EXPECT_FALSE(l->dark(1, 1));
  EXPECT_TRUE(l->dark(3, 3));
}

TEST(EscposQr, RasterDecodesToThePayload) {
  const std::string id = "LDH01-20261123-A042";
  auto img = qr_raster(as_bytes(id), QrErrorLevel::m, {4, 4, 0});
  ASSERT_TRUE(img.ok()) << img.error().message;
  EXPECT_EQ(img->width, (21 + 8) * 4);
  EXPECT_EQ(img->height, img->width);
  EXPECT_EQ(img->bits.size(), static_cast<std::size_t>(img->width_bytes() * img->height));
  EXPECT_EQ(guichet::test::decode_qr(to_grey(img.value())), id);
}

TEST(EscposQr, RasterIsCentredOnTheCanvasWidth) {
  auto img = qr_raster(as_bytes(std::string("A1")), QrErrorLevel::l, {2, 4, 200});
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->width, 200);
  const auto box = guichet::test::ink_box(to_grey(img.value()));
  ASSERT_FALSE(box.empty());
  EXPECT_EQ(box.width(), 21 * 2);
  EXPECT_EQ(box.left, (200 - 29 * 2) / 2 + 4 * 2);
}

TEST(EscposQr, BinaryPayloadBytesSurviveTheRoundTrip) {
  const std::string latin1 = "Caf\xE9";  // é as one ISO 8859-1 byte
  auto img = qr_raster(as_bytes(latin1), QrErrorLevel::m, {4, 4, 0});
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(guichet::test::decode_qr(to_grey(img.value())), "Café");
}

TEST(EscposQr, RefusesWhatCannotBePrinted) {
  EXPECT_FALSE(qr_matrix({}, QrErrorLevel::m).ok());
  auto too_long = qr_matrix(as_bytes(std::string(3000, 'x')), QrErrorLevel::h);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("3000 bytes"), std::string::npos);
  auto too_wide = qr_raster(as_bytes(std::string("A1")), QrErrorLevel::l, {8, 4, 100});
  ASSERT_FALSE(too_wide.ok());
  EXPECT_NE(too_wide.error().message.find("does not fit"), std::string::npos);
  EXPECT_FALSE(qr_raster(as_bytes(std::string("A1")), QrErrorLevel::l, {0, 4, 0}).ok());
}

}  // namespace
