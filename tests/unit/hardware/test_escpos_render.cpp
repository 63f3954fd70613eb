// The ESC/POS interpreter, checked on the paper it draws: where ink lands, how much, what is
// reported.
#include <gtest/gtest.h>

#include "guichet/hardware/escpos/encoder.hpp"
#include "guichet/hardware/escpos_render/renderer.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware::escpos;
using namespace guichet::hardware::escpos_render;
using guichet::test::ink_box;
using guichet::test::ink_in;

class EscposRender : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = Renderer::create();
    ASSERT_TRUE(r.ok()) << r.error().message;
    renderer_ = new Renderer(std::move(r.value()));
  }
  static void TearDownTestSuite() {
    delete renderer_;
    renderer_ = nullptr;
  }

  static RenderResult render(Encoder&& e) {
    auto bytes = std::move(e).finish();
    EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
    return renderer_->render(bytes.value());
  }

  // Renders one job that ends with a cut and returns its only page.
  static GreyImage page_of(Encoder&& e) {
    e.cut();
    auto r = render(std::move(e));
    EXPECT_EQ(r.pages.size(), 1u);
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    return r.pages.empty() ? GreyImage{} : r.pages.front();
  }

  static Renderer* renderer_;
};

Renderer* EscposRender::renderer_ = nullptr;

TEST_F(EscposRender, FontACharacterFitsItsTwelveByTwentyFourCell) {
  const auto page = page_of(std::move(Encoder().init().line("H")));
  EXPECT_EQ(page.width, 576);
  EXPECT_EQ(page.height, 30);  // one line at the default spacing
  const auto box = ink_box(page);
  ASSERT_FALSE(box.empty());
  EXPECT_GE(box.left, 0);
  EXPECT_LT(box.right, 12);
  EXPECT_LT(box.bottom, 24);
  EXPECT_GE(box.height(), 12);  // a capital reaches well above half the cell
}

TEST_F(EscposRender, FontBIsSmaller) {
  const auto a = ink_box(page_of(std::move(Encoder().init().line("HHHH"))));
  const auto b = ink_box(page_of(std::move(Encoder().init().font(Font::b).line("HHHH"))));
  EXPECT_LT(b.width(), a.width());
  EXPECT_LT(b.height(), a.height());
  EXPECT_LT(b.right, 4 * 9);
  EXPECT_LT(b.bottom, 17);
}

TEST_F(EscposRender, JustificationPlacesTheLine) {
  const auto left = ink_box(page_of(std::move(Encoder().init().line("AB"))));
  const auto centre = ink_box(page_of(std::move(Encoder().init().align(Align::centre).line("AB"))));
  const auto right = ink_box(page_of(std::move(Encoder().init().align(Align::right).line("AB"))));
  EXPECT_LT(left.right, 24);
  EXPECT_GE(centre.left, (576 - 24) / 2);
  EXPECT_LT(centre.right, (576 + 24) / 2);
  EXPECT_GE(right.left, 576 - 24);
  EXPECT_LE(right.right, 575);
}

TEST_F(EscposRender, BoldAddsInkOneDotToTheRight) {
  const auto normal = page_of(std::move(Encoder().init().line("WWW")));
  const auto bold = page_of(std::move(Encoder().init().bold(true).line("WWW")));
  EXPECT_GT(ink_in(bold, 0, 0, 576, 30), ink_in(normal, 0, 0, 576, 30));
  EXPECT_EQ(ink_box(bold).left, ink_box(normal).left);
  EXPECT_GE(ink_box(bold).right, ink_box(normal).right);
}

TEST_F(EscposRender, SizeMagnifiesTheCell) {
  const auto normal = ink_box(page_of(std::move(Encoder().init().line("8"))));
  const auto page = page_of(std::move(Encoder().init().size(4, 4).line("8")));
  const auto big = ink_box(page);
  EXPECT_EQ(page.height, 96);  // the line is as tall as the magnified cell
  EXPECT_EQ(big.width(), normal.width() * 4);
  EXPECT_EQ(big.height(), normal.height() * 4);
  const auto wide = ink_box(page_of(std::move(Encoder().init().size(2, 1).line("8"))));
  EXPECT_EQ(wide.width(), normal.width() * 2);
  EXPECT_EQ(wide.height(), normal.height());
}

TEST_F(EscposRender, UnderlineRunsUnderEveryCharacter) {
  const auto page = page_of(std::move(Encoder().init().underline(Underline::thick).line("a b")));
  // The two bottom rows of the 24-dot cell, across three 12-dot characters.
  EXPECT_EQ(ink_in(page, 0, 22, 36, 24), 2u * 36u);
  EXPECT_EQ(ink_in(page, 36, 22, 576, 24), 0u);
  const auto thin = page_of(std::move(Encoder().init().underline(Underline::thin).line("a")));
  EXPECT_EQ(ink_in(thin, 0, 23, 12, 24), 12u);
  EXPECT_EQ(ink_in(thin, 0, 22, 12, 23), 0u);
}

TEST_F(EscposRender, LongLinesWrapAtThePaperEdge) {
  const auto page = page_of(std::move(Encoder().init().line(std::string(49, 'X'))));
  EXPECT_EQ(page.height, 60);
  EXPECT_GT(ink_in(page, 0, 30, 12, 60), 0u);  // the 49th character starts the second line
  EXPECT_EQ(ink_in(page, 12, 30, 576, 60), 0u);
}

TEST_F(EscposRender, TabMovesToTheNextEightCharacterStop) {
  auto r = renderer_->render(Bytes{'a', 0x09, 'H', 0x0A, 0x1D, 0x56, 0x01});
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_GT(ink_in(r.pages[0], 96, 0, 108, 24), 0u);  // 'H' in the ninth cell
  EXPECT_EQ(ink_in(r.pages[0], 12, 0, 96, 24), 0u);
}

TEST_F(EscposRender, FeedsMoveThePaper) {
  const auto page = page_of(std::move(Encoder().init().feed_dots(100).line("X").feed_lines(2)));
  const auto box = ink_box(page);
  EXPECT_GE(box.top, 100);
  EXPECT_EQ(page.height, 100 + 30 + 2 * 30);
  const auto spaced = page_of(std::move(Encoder().init().line_spacing(50).line("X").line("X")));
  EXPECT_EQ(spaced.height, 100);
}

TEST_F(EscposRender, CodePageCharactersAreDrawn) {
  const auto page = page_of(std::move(Encoder().init().code_page(CodePage::wpc1252).line("é€")));
  EXPECT_GT(ink_in(page, 0, 0, 12, 24), 0u);
  EXPECT_GT(ink_in(page, 12, 0, 24, 24), 0u);
  // 0x81 has no character in WPC1252.
  const Bytes job = {0x1B, 0x40, 0x1B, 0x74, 16, 0x81, 0x0A, 0x1D, 0x56, 0x01};
  auto r = renderer_->render(job);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("0x81"), std::string::npos);
}

TEST_F(EscposRender, RasterImageIsDrawnDotForDot) {
  auto img = RasterImage::blank(40, 30);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) img.set(x, y, (x * 7 + y * 3) % 5 == 0);
  }
  const auto page = page_of(std::move(Encoder().init().raster(img)));
  ASSERT_EQ(page.height, 30);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < 576; ++x) {
      ASSERT_EQ(page.at(x, y) == 0, img.get(x, y)) << "x=" << x << " y=" << y;
    }
  }
}

TEST_F(EscposRender, ChunkedRasterLooksLikeOneImage) {
  auto img = RasterImage::blank(576, 300);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) img.set(x, y, ((x / 16) + (y / 16)) % 2 == 0);
  }
  const auto whole = page_of(std::move(Encoder().init().raster(img, {1 << 20, 0})));
  const auto chunked = page_of(std::move(Encoder().init().raster(img, {1 << 20, 7})));
  EXPECT_EQ(whole.height, 300);
  EXPECT_EQ(whole, chunked);
}

TEST_F(EscposRender, RasterDoubleWidthModeScales) {
  Bytes job = {0x1D, 0x76, 0x30, 1, 1, 0, 1, 0, 0x80};  // one dot, double width
  job.insert(job.end(), {0x1D, 0x56, 0x01});
  auto r = renderer_->render(job);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(ink_in(r.pages[0], 0, 0, 576, 1), 2u);
}

TEST_F(EscposRender, NativeQrDecodesToItsData) {
  const auto page = page_of(std::move(Encoder()
                                          .init()
                                          .feed_dots(40)
                                          .align(Align::centre)
                                          .qr("LDH01-20261123-A042", {6, QrErrorLevel::m})
                                          .feed_dots(40)));
  const auto box = ink_box(page);
  EXPECT_EQ(box.width(), 21 * 6);
  EXPECT_EQ(box.left, (576 - 21 * 6) / 2);
  EXPECT_EQ(guichet::test::decode_qr(page), "LDH01-20261123-A042");
}

TEST_F(EscposRender, QrErrorLevelChangesTheSymbol) {
  const auto m = ink_box(page_of(std::move(Encoder().init().qr("LDH01-20261123-A042", {4, QrErrorLevel::m}))));
  const auto h = ink_box(page_of(std::move(Encoder().init().qr("LDH01-20261123-A042", {4, QrErrorLevel::h}))));
  EXPECT_EQ(m.width(), 21 * 4);
  EXPECT_EQ(h.width(), 25 * 4);
}

TEST_F(EscposRender, EachCutEndsAPage) {
  auto r = render(std::move(Encoder().init().line("one").cut().line("two").line("two").cut(CutMode::full, 20)));
  ASSERT_EQ(r.pages.size(), 2u);
  EXPECT_EQ(r.cuts, 2);
  EXPECT_EQ(r.pages[0].height, 30);
  EXPECT_EQ(r.pages[1].height, 60 + 20);
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(EscposRender, DrawerPulsesAndStatusRequestsAreCountedNotDrawn) {
  auto r = render(std::move(Encoder()
                                .init()
                                .status_request(StatusRequest::printer)
                                .cash_drawer()
                                .line("x")
                                .status_request(StatusRequest::paper)
                                .cut()));
  EXPECT_EQ(r.drawer_pulses, 1);
  EXPECT_EQ(r.status_requests, 2);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.pages[0].height, 30);
}

TEST_F(EscposRender, UnknownAndUnsupportedCommandsAreReportedWithTheirOffsets) {
  const Bytes job = {0x1B, 0x40, 0x1B, 0x7F, 'o', 'k', 0x0A, 0x1D, 0x42, 0x01,
                     0x1D, 0x6B, 4,    'A',  'B', 0,   0x1D, 0x56, 0x01};
  auto r = renderer_->render(job);
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_EQ(r.warnings[0], "offset 2: unknown command ESC 0x7F, skipped 2 bytes");
  EXPECT_EQ(r.warnings[1], "offset 7: unsupported command GS B (ignored)");
  EXPECT_EQ(r.warnings[2], "offset 10: unsupported command GS k (ignored)");
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_GT(ink_in(r.pages[0], 0, 0, 24, 24), 0u);  // the text after the unknown command printed
}

TEST_F(EscposRender, TruncatedJobAndMissingCutAreReported) {
  const Bytes truncated = {0x1B, 0x40, 'h', 'i', 0x0A, 0x1D, 0x76, 0x30, 0, 10, 0, 10, 0, 0xFF};
  auto r = renderer_->render(truncated);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("job ends inside GS v 0"), std::string::npos);
  EXPECT_NE(r.warnings[1].find("without a cut"), std::string::npos);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.pages[0].height, 30);
}

TEST_F(EscposRender, EmptyJobPrintsNothing) {
  auto r = renderer_->render(Bytes{0x1B, 0x40});
  EXPECT_TRUE(r.pages.empty());
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(EscposRender, RunawayFeedStopsAtThePageLimit) {
  RenderOptions options;
  options.max_page_height = 500;
  auto r = render_job(Bytes{0x1B, 0x64, 255, 0x1B, 0x64, 255, 0x1D, 0x56, 0x01}, options);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->pages.size(), 1u);
  EXPECT_EQ(r->pages[0].height, 500);
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings[0].find("taller than 500"), std::string::npos);
}

TEST_F(EscposRender, MissingFontIsAnError) {
  RenderOptions options;
  options.font = "/nonexistent/font.ttf";
  auto r = Renderer::create(options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/font.ttf"), std::string::npos);
}

TEST_F(EscposRender, PngRoundTripKeepsEveryPixel) {
  const auto page = page_of(std::move(Encoder().init().bold(true).line("PNG")));
  const auto path = guichet::test::output_dir() / "png-round-trip.png";
  ASSERT_FALSE(write_png(page, path));
  auto back = read_png(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back.value(), page);
  EXPECT_FALSE(read_png(guichet::test::output_dir() / "absent.png").ok());
}

}  // namespace
