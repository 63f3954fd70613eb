// ESC/POS encoder: each command's bytes as the ESC/POS reference defines them, golden byte files
// for whole sequences, and chunking of tall raster images.
#include <gtest/gtest.h>

#include "guichet/hardware/escpos/encoder.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware::escpos;
using guichet::hardware::ErrorKind;
using guichet::test::expect_golden_bytes;

Bytes finish(Encoder&& e) {
  auto r = std::move(e).finish();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : Bytes{};
}

TEST(EscposEncoder, StyleCommandsHaveTheirReferenceBytes) {
  EXPECT_EQ(finish(std::move(Encoder().init())), (Bytes{0x1B, 0x40}));
  EXPECT_EQ(finish(std::move(Encoder().align(Align::left))), (Bytes{0x1B, 0x61, 0}));
  EXPECT_EQ(finish(std::move(Encoder().align(Align::centre))), (Bytes{0x1B, 0x61, 1}));
  EXPECT_EQ(finish(std::move(Encoder().align(Align::right))), (Bytes{0x1B, 0x61, 2}));
  EXPECT_EQ(finish(std::move(Encoder().bold(true).bold(false))), (Bytes{0x1B, 0x45, 1, 0x1B, 0x45, 0}));
  EXPECT_EQ(
      finish(std::move(Encoder().underline(Underline::thin).underline(Underline::thick).underline(Underline::none))),
      (Bytes{0x1B, 0x2D, 1, 0x1B, 0x2D, 2, 0x1B, 0x2D, 0}));
  EXPECT_EQ(finish(std::move(Encoder().font(Font::b).font(Font::a))), (Bytes{0x1B, 0x4D, 1, 0x1B, 0x4D, 0}));
  EXPECT_EQ(finish(std::move(Encoder().code_page(CodePage::wpc1252))), (Bytes{0x1B, 0x74, 16}));
  EXPECT_EQ(finish(std::move(Encoder().line_spacing_default().line_spacing(40))), (Bytes{0x1B, 0x32, 0x1B, 0x33, 40}));
}

TEST(EscposEncoder, SizePacksWidthInHighNibbleAndHeightInLowNibble) {
  EXPECT_EQ(finish(std::move(Encoder().size(1, 1))), (Bytes{0x1D, 0x21, 0x00}));
  EXPECT_EQ(finish(std::move(Encoder().size(2, 1))), (Bytes{0x1D, 0x21, 0x10}));
  EXPECT_EQ(finish(std::move(Encoder().size(1, 2))), (Bytes{0x1D, 0x21, 0x01}));
  EXPECT_EQ(finish(std::move(Encoder().size(4, 4))), (Bytes{0x1D, 0x21, 0x33}));
  EXPECT_EQ(finish(std::move(Encoder().size(8, 8))), (Bytes{0x1D, 0x21, 0x77}));
}

TEST(EscposEncoder, SizeOutOfRangeFailsAndStopsTheJob) {
  Encoder e;
  e.init().size(9, 1).line("never sent");
  ASSERT_TRUE(e.error().has_value());
  EXPECT_EQ(e.error()->kind, ErrorKind::invalid_argument);
  EXPECT_NE(e.error()->message.find("9x1"), std::string::npos);
  EXPECT_EQ(e.bytes(), (Bytes{0x1B, 0x40}));
  auto r = std::move(e).finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);

  Encoder zero;
  zero.size(1, 0);
  EXPECT_TRUE(zero.error().has_value());
}

TEST(EscposEncoder, FeedsAndCuts) {
  EXPECT_EQ(finish(std::move(Encoder().feed())), (Bytes{0x0A}));
  EXPECT_EQ(finish(std::move(Encoder().feed_lines(3))), (Bytes{0x1B, 0x64, 3}));
  EXPECT_EQ(finish(std::move(Encoder().feed_dots(24))), (Bytes{0x1B, 0x4A, 24}));
  EXPECT_EQ(finish(std::move(Encoder().cut(CutMode::full))), (Bytes{0x1D, 0x56, 0}));
  EXPECT_EQ(finish(std::move(Encoder().cut(CutMode::partial))), (Bytes{0x1D, 0x56, 1}));
  EXPECT_EQ(finish(std::move(Encoder().cut(CutMode::full, 10))), (Bytes{0x1D, 0x56, 65, 10}));
  EXPECT_EQ(finish(std::move(Encoder().cut(CutMode::partial, 0))), (Bytes{0x1D, 0x56, 66, 0}));
  Encoder bad;
  bad.feed_lines(256);
  EXPECT_TRUE(bad.error().has_value());
}

TEST(EscposEncoder, CashDrawerPulseCountsTwoMillisecondUnits) {
  EXPECT_EQ(finish(std::move(Encoder().cash_drawer(DrawerPin::pin2, 100, 200))), (Bytes{0x1B, 0x70, 0, 50, 100}));
  EXPECT_EQ(finish(std::move(Encoder().cash_drawer(DrawerPin::pin5, 50, 50))), (Bytes{0x1B, 0x70, 1, 25, 25}));
  Encoder bad;
  bad.cash_drawer(DrawerPin::pin2, 600, 600);
  EXPECT_TRUE(bad.error().has_value());
}

TEST(EscposEncoder, StatusRequestsAreDleEot) {
  EXPECT_EQ(status_request_bytes(StatusRequest::printer), (Bytes{0x10, 0x04, 1}));
  EXPECT_EQ(status_request_bytes(StatusRequest::offline_cause), (Bytes{0x10, 0x04, 2}));
  EXPECT_EQ(status_request_bytes(StatusRequest::error_cause), (Bytes{0x10, 0x04, 3}));
  EXPECT_EQ(status_request_bytes(StatusRequest::paper), (Bytes{0x10, 0x04, 4}));
  EXPECT_EQ(finish(std::move(Encoder().status_request(StatusRequest::paper))), (Bytes{0x10, 0x04, 4}));
}

TEST(EscposEncoder, QrIsModelSizeLevelStorePrint) {
  const Bytes got = finish(std::move(Encoder().qr("AB1", {5, QrErrorLevel::q})));
  const Bytes expected = {
      0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0,              // model 2
      0x1D, 0x28, 0x6B, 3, 0, 49, 67, 5,                  // module size 5
      0x1D, 0x28, 0x6B, 3, 0, 49, 69, 50,                 // error level Q
      0x1D, 0x28, 0x6B, 6, 0, 49, 80, 48, 'A', 'B', '1',  // store: pL = 3 + data
      0x1D, 0x28, 0x6B, 3, 0, 49, 81, 48,                 // print
  };
  EXPECT_EQ(got, expected);
}

TEST(EscposEncoder, QrStoreLengthUsesHighByteForLongData) {
  const std::string payload(300, 'x');
  const Bytes got = finish(std::move(Encoder().qr(payload)));
  // The store command follows the 9 + 8 + 8 bytes of model, size and level.
  ASSERT_GT(got.size(), 30u);
  EXPECT_EQ(got[25 + 3], (303 & 0xFF));
  EXPECT_EQ(got[25 + 4], (303 >> 8));
}

TEST(EscposEncoder, QrRefusesEmptyOversizedAndBadModuleSize) {
  Encoder empty;
  empty.qr("");
  EXPECT_TRUE(empty.error().has_value());
  Encoder huge;
  huge.qr(std::string(3000, 'x'));
  EXPECT_TRUE(huge.error().has_value());
  Encoder size;
  size.qr("x", {17, QrErrorLevel::m});
  ASSERT_TRUE(size.error().has_value());
  EXPECT_NE(size.error()->message.find("17"), std::string::npos);
}

TEST(EscposEncoder, TextIsConvertedToTheCurrentCodePage) {
  EXPECT_EQ(finish(std::move(Encoder().code_page(CodePage::wpc1252).text("Café €5"))),
            (Bytes{0x1B, 0x74, 16, 'C', 'a', 'f', 0xE9, ' ', 0x80, '5'}));
  // PC437 has é at 0x82 and no euro sign.
  EXPECT_EQ(finish(std::move(Encoder().text("é"))), (Bytes{0x82}));
  Encoder euro;
  euro.text("€");
  ASSERT_TRUE(euro.error().has_value());
  EXPECT_EQ(euro.error()->kind, ErrorKind::unsupported_text);
  EXPECT_NE(euro.error()->message.find("U+20AC"), std::string::npos);
  EXPECT_NE(euro.error()->message.find("PC437"), std::string::npos);
}

TEST(EscposEncoder, TextRefusesNonLatinScriptsAndControlBytes) {
  EXPECT_FALSE(can_encode("ਜਨਮ ਸਰਟੀਫਿਕੇਟ", CodePage::wpc1252));
  EXPECT_TRUE(can_encode("Naïve façade", CodePage::wpc1252));
  Encoder gurmukhi;
  gurmukhi.code_page(CodePage::wpc1252).text("ਜਨਮ");
  ASSERT_TRUE(gurmukhi.error().has_value());
  EXPECT_NE(gurmukhi.error()->message.find("U+0A1C"), std::string::npos);

  Encoder esc;
  esc.text("a\x1b@b");
  ASSERT_TRUE(esc.error().has_value());
  EXPECT_EQ(esc.error()->kind, ErrorKind::invalid_argument);

  Encoder broken;
  broken.text(std::string("\xC3", 1));
  ASSERT_TRUE(broken.error().has_value());
  EXPECT_NE(broken.error()->message.find("UTF-8"), std::string::npos);
}

TEST(EscposEncoder, DecodeTextIsTheInverseOfEncodeText) {
  const std::string text = "Þjóðskrá – Ærø “quoted” 25 €";
  auto bytes = encode_text(text, CodePage::wpc1252);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(decode_text(bytes.value(), CodePage::wpc1252), U"Þjóðskrá – Ærø “quoted” 25 €");
  EXPECT_EQ(decode_text(Bytes{0x82, 0xC9}, CodePage::pc437), U"é╔");
}

TEST(EscposEncoder, RasterHeaderCountsWidthBytesAndRows) {
  auto img = RasterImage::blank(20, 3);  // 20 dots → 3 bytes a row
  img.set(0, 0, true);
  img.set(19, 2, true);
  const Bytes got = finish(std::move(Encoder().raster(img)));
  const Bytes expected = {0x1D, 0x76, 0x30, 0, 3, 0, 3, 0,  // GS v 0 m xL xH yL yH
                          0x80, 0,    0,    0, 0, 0, 0, 0, 0x10};
  EXPECT_EQ(got, expected);
}

TEST(EscposEncoder, TallRasterIsSentInChunksWhoseDataMatchesTheirHeaders) {
  auto img = RasterImage::blank(576, 1000);  // 72 bytes × 1000 rows = 72,000 bytes
  for (int y = 0; y < img.height; ++y) img.set(y % img.width, y, true);
  RasterOptions options;
  options.max_chunk_bytes = 4096;  // 56 rows of 72 bytes
  const Bytes got = finish(std::move(Encoder().raster(img, options)));

  std::size_t at = 0;
  int rows_seen = 0;
  int chunks = 0;
  Bytes data;
  while (at < got.size()) {
    ASSERT_GE(got.size() - at, 8u);
    ASSERT_EQ(got[at], 0x1D);
    ASSERT_EQ(got[at + 1], 0x76);
    ASSERT_EQ(got[at + 2], 0x30);
    const int wb = got[at + 4] | (got[at + 5] << 8);
    const int h = got[at + 6] | (got[at + 7] << 8);
    EXPECT_EQ(wb, 72);
    EXPECT_LE(static_cast<std::size_t>(wb * h), options.max_chunk_bytes);
    ASSERT_LE(at + 8 + static_cast<std::size_t>(wb * h), got.size());
    data.insert(data.end(), got.begin() + static_cast<std::ptrdiff_t>(at + 8),
                got.begin() + static_cast<std::ptrdiff_t>(at + 8 + static_cast<std::size_t>(wb * h)));
    rows_seen += h;
    at += 8 + static_cast<std::size_t>(wb * h);
    ++chunks;
  }
  EXPECT_EQ(rows_seen, 1000);
  EXPECT_EQ(chunks, 18);  // 17 × 56 rows + 48 rows
  EXPECT_EQ(data, img.bits);
}

TEST(EscposEncoder, RasterChunkRowsHonourBothLimits) {
  EXPECT_EQ(raster_chunk_rows(72, {8192, 0}), 113);
  EXPECT_EQ(raster_chunk_rows(72, {8192, 24}), 24);
  EXPECT_EQ(raster_chunk_rows(10000, {8192, 0}), 1);  // a row wider than the limit still goes
}

TEST(EscposEncoder, RasterRefusesDataThatDoesNotMatchItsSize) {
  RasterImage img;
  img.width = 16;
  img.height = 4;
  img.bits.assign(7, 0);  // needs 2 × 4 = 8
  Encoder e;
  e.raster(img);
  ASSERT_TRUE(e.error().has_value());
  EXPECT_NE(e.error()->message.find("needs 8"), std::string::npos);
  Encoder empty;
  empty.raster(RasterImage::blank(0, 0));
  EXPECT_TRUE(empty.error().has_value());
}

TEST(EscposEncoder, StyledSequenceMatchesGoldenBytes) {
  Encoder e;
  e.init()
      .code_page(CodePage::wpc1252)
      .align(Align::centre)
      .bold(true)
      .size(2, 2)
      .line("Guichet")
      .size(1, 1)
      .bold(false)
      .font(Font::b)
      .underline(Underline::thin)
      .line("Café – reçu")
      .underline(Underline::none)
      .font(Font::a)
      .align(Align::left)
      .feed_lines(2)
      .cash_drawer()
      .cut(CutMode::partial, 0);
  expect_golden_bytes("escpos/styled.bin", finish(std::move(e)));
}

TEST(EscposEncoder, QrAndChunkedRasterMatchGoldenBytes) {
  auto img = RasterImage::blank(24, 10);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) img.set(x, y, (x + y) % 3 == 0);
  }
  Encoder e;
  e.init().align(Align::centre).qr("LDH01-20261123-A042", {6, QrErrorLevel::m}).raster(img, {1024, 4}).cut();
  expect_golden_bytes("escpos/qr-raster.bin", finish(std::move(e)));
}

}  // namespace
