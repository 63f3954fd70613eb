// A scanned frame to PNG: each kind of SANE frame decodes back (with libpng) to the pixels the
// scanner meant, and the page's resolution travels in the file.
#include <gtest/gtest.h>

#include <cstring>

#include "guichet/hardware/scanner/page_image.hpp"
#include "scanned_png.hpp"

namespace {

using guichet::hardware::scanner::encode_png;
using guichet::hardware::scanner::Frame;
using guichet::test::decode_png;

Frame gray8(int width, int stride, std::vector<std::uint8_t> data) {
  Frame f;
  f.depth = 8;
  f.pixels_per_line = width;
  f.bytes_per_line = stride;
  f.data = std::move(data);
  return f;
}

TEST(ScannerPageImage, GrayRowsDecodeToTheSamePixelsAndDropLinePadding) {
  // Three pixels a line, four bytes a line: the fourth is padding.
  Frame f = gray8(3, 4, {0, 128, 255, 99, 10, 20, 30, 99});
  auto png = encode_png(f, 200);
  ASSERT_TRUE(png.ok()) << png.error();
  auto img = decode_png(png.value());
  ASSERT_TRUE(img.error.empty()) << img.error;
  EXPECT_EQ(img.width, 3);
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.pixels, (std::vector<std::uint8_t>{0, 128, 255, 10, 20, 30}));
}

TEST(ScannerPageImage, RgbRowsDecodeToRgbPixels) {
  Frame f;
  f.color = true;
  f.depth = 8;
  f.pixels_per_line = 2;
  f.bytes_per_line = 6;
  f.data = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  auto png = encode_png(f, 300);
  ASSERT_TRUE(png.ok()) << png.error();
  auto img = decode_png(png.value());
  ASSERT_TRUE(img.error.empty()) << img.error;
  EXPECT_EQ(img.channels, 3);
  EXPECT_EQ(img.width, 2);
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.pixels, f.data);
}

TEST(ScannerPageImage, LineartSetBitsAreBlackFirstPixelInTheHighBit) {
  // 10 pixels a line in 2 bytes: 1000 0000 01 / 0111 1111 10.
  Frame f;
  f.depth = 1;
  f.pixels_per_line = 10;
  f.bytes_per_line = 2;
  f.data = {0x80, 0x40, 0x7F, 0x80};
  auto png = encode_png(f, 200);
  ASSERT_TRUE(png.ok()) << png.error();
  auto img = decode_png(png.value());
  ASSERT_TRUE(img.error.empty()) << img.error;
  ASSERT_EQ(img.width, 10);
  ASSERT_EQ(img.height, 2);
  const std::vector<std::uint8_t> expected = {0,   255, 255, 255, 255, 255, 255, 255, 255, 0,
                                              255, 0,   0,   0,   0,   0,   0,   0,   0,   255};
  EXPECT_EQ(img.pixels, expected);
}

TEST(ScannerPageImage, SixteenBitSamplesKeepTheirHighByte) {
  // Host byte order, as SANE sends them.
  const std::uint16_t samples[] = {0xFFFF, 0x8001, 0x00FF, 0x1234};
  Frame f;
  f.depth = 16;
  f.pixels_per_line = 4;
  f.bytes_per_line = 8;
  f.data.resize(8);
  std::memcpy(f.data.data(), samples, 8);
  auto png = encode_png(f, 200);
  ASSERT_TRUE(png.ok()) << png.error();
  auto img = decode_png(png.value());
  ASSERT_TRUE(img.error.empty()) << img.error;
  EXPECT_EQ(img.pixels, (std::vector<std::uint8_t>{0xFF, 0x80, 0x00, 0x12}));
}

TEST(ScannerPageImage, SixteenBitRgbKeepsEachChannel) {
  const std::uint16_t samples[] = {0xFF00, 0x0000, 0x7FFF};
  Frame f;
  f.color = true;
  f.depth = 16;
  f.pixels_per_line = 1;
  f.bytes_per_line = 6;
  f.data.resize(6);
  std::memcpy(f.data.data(), samples, 6);
  auto png = encode_png(f, 200);
  ASSERT_TRUE(png.ok()) << png.error();
  auto img = decode_png(png.value());
  ASSERT_EQ(img.channels, 3);
  EXPECT_EQ(img.pixels, (std::vector<std::uint8_t>{0xFF, 0x00, 0x7F}));
}

TEST(ScannerPageImage, APartialLastLineIsLeftOut) {
  Frame f = gray8(2, 2, {1, 2, 3, 4, 5});
  EXPECT_EQ(f.lines(), 2);
  auto img = decode_png(encode_png(f, 0).value());
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.pixels, (std::vector<std::uint8_t>{1, 2, 3, 4}));
}

TEST(ScannerPageImage, TheResolutionIsInThePng) {
  auto png = encode_png(gray8(1, 1, {7}), 200);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(guichet::test::png_pixels_per_metre(png.value()), 7874U);  // 200 / 0.0254
  EXPECT_TRUE(decode_png(png.value()).error.empty());                  // the chunk's CRC holds
  EXPECT_FALSE(guichet::test::png_pixels_per_metre(encode_png(gray8(1, 1, {7}), 0).value()).has_value());
}

TEST(ScannerPageImage, FramesThatCannotBeConvertedSayWhy) {
  Frame four = gray8(2, 1, {0});
  four.depth = 4;
  auto r = encode_png(four, 200);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unsupported sample depth 4");

  auto narrow = encode_png(gray8(5, 3, {1, 2, 3}), 200);
  ASSERT_FALSE(narrow.ok());
  EXPECT_EQ(narrow.error(), "a line of 3 bytes cannot hold 5 pixels at depth 8");

  auto empty = encode_png(gray8(3, 3, {}), 200);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), "the frame has no lines");
}

}  // namespace
