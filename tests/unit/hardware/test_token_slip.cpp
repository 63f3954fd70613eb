// Token slip layout and bytes, checked through the interpreter: the QR read back from the
// rendered paper, and golden receipts.
#include <gtest/gtest.h>

#include <algorithm>

#include "guichet/hardware/escpos/scanner.hpp"
#include "guichet/hardware/escpos_render/renderer.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware;
using namespace guichet::hardware::receipts;
using guichet::test::commands;
using guichet::test::contains_text;
using guichet::test::decode_qr;
using guichet::test::render_page;
using guichet::test::sample_slip;

escpos::Bytes encode(const TokenSlip& slip) {
  auto r = encode_token_slip(slip);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : escpos::Bytes{};
}

TEST(TokenSlip, LayoutPutsTheTokenNumberLargeAndBold) {
  auto layout = layout_token_slip(sample_slip());
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  const auto& blocks = layout->blocks;
  auto number = std::find_if(blocks.begin(), blocks.end(), [](const Block& b) {
    const auto* t = std::get_if<TextBlock>(&b);
    return t && t->field == "token number";
  });
  ASSERT_NE(number, blocks.end());
  const auto& t = std::get<TextBlock>(*number);
  EXPECT_EQ(t.text, "A042");
  EXPECT_TRUE(t.bold);
  EXPECT_GE(t.width_mul, 4);
  EXPECT_GE(t.height_mul, 4);
  EXPECT_EQ(t.align, escpos::Align::centre);
  // The QR follows the number, then the token id in small type.
  auto qr =
      std::find_if(blocks.begin(), blocks.end(), [](const Block& b) { return std::holds_alternative<QrBlock>(b); });
  ASSERT_NE(qr, blocks.end());
  EXPECT_GT(qr - blocks.begin(), number - blocks.begin());
  EXPECT_EQ(std::get<QrBlock>(*qr).payload, "LDH01-20261123-A042");
}

TEST(TokenSlip, TokenNumberSizeIsAtLeastFourTimes) {
  EXPECT_EQ(token_number_magnification("A042", kPaper80mm), 6);
  EXPECT_EQ(token_number_magnification("A042", kPaper58mm), 6);
  EXPECT_EQ(token_number_magnification("AB1042", kPaper58mm), 5);
  const auto job = encode(sample_slip());
  int largest = 0;
  for (auto cmd : commands(job, 0x1D, '!')) largest = std::max(largest, int{cmd[2]});
  EXPECT_GE(largest, 0x33);
  EXPECT_EQ(largest, 0x55);
}

TEST(TokenSlip, BytesHoldEveryFieldAndEndWithACut) {
  const auto job = encode(sample_slip());
  for (const char* text :
       {"Sewa Kendra Ludhiana", "Birth certificate", "Health and Family Welfare", "A042", "Senior citizen",
        "Issued: 23 Nov 2026 09:14", "Estimated wait: About 25 min, 6 ahead", "Keep this slip until you are served."}) {
    EXPECT_TRUE(contains_text(job, text)) << text;
  }
  ASSERT_GE(job.size(), 3u);
  EXPECT_EQ((escpos::Bytes{job.end() - 3, job.end()}), (escpos::Bytes{0x1D, 'V', 1}));
  EXPECT_EQ((escpos::Bytes{job.begin(), job.begin() + 5}), (escpos::Bytes{0x1B, '@', 0x1B, 't', 16}));
}

TEST(TokenSlip, EmptyPriorityLabelLeavesNoPriorityLine) {
  auto slip = sample_slip();
  slip.priority_label = "";
  auto layout = layout_token_slip(slip);
  ASSERT_TRUE(layout.ok());
  for (const auto& b : layout->blocks) {
    if (const auto* t = std::get_if<TextBlock>(&b)) {
      EXPECT_NE(t->field, "priority label");
    }
  }
}

TEST(TokenSlip, MissingOrInvalidFieldsAreRefused) {
  auto slip = sample_slip();
  slip.display_number = " ";
  auto r = encode_token_slip(slip);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "token slip has no token number");

  slip = sample_slip();
  slip.qr_payload = "";
  ASSERT_FALSE(encode_token_slip(slip).ok());

  slip = sample_slip();
  slip.paper_width = 100;
  r = encode_token_slip(slip);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("100 dots"), std::string::npos);
}

TEST(TokenSlip, TextOutsideTheCodePageNamesTheField) {
  auto slip = sample_slip();
  slip.service_name = "ਜਨਮ ਸਰਟੀਫਿਕੇਟ";
  auto r = encode_token_slip(slip);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported_text);
  EXPECT_NE(r.error().message.find("service name"), std::string::npos);
  EXPECT_NE(r.error().message.find("U+0A1C"), std::string::npos);
}

TEST(TokenSlip, AccentedLatinTextPrints) {
  auto slip = sample_slip();
  slip.centre_name = "Guichet unique de Pétion-Ville";
  const auto job = encode(slip);
  EXPECT_TRUE(contains_text(job, "P\xE9tion-Ville"));  // é in WPC1252
}

TEST(TokenSlip, WrapBreaksAtSpacesWithinTheColumns) {
  EXPECT_EQ(wrap_text("Estimated wait: About 25 min, 6 ahead", 32),
            (std::vector<std::string>{"Estimated wait: About 25 min, 6", "ahead"}));
  EXPECT_EQ(wrap_text("short", 32), (std::vector<std::string>{"short"}));
  EXPECT_EQ(wrap_text("abcdefghij", 4), (std::vector<std::string>{"abcd", "efgh", "ij"}));
  EXPECT_EQ(wrap_text("Pétion Pétion", 6), (std::vector<std::string>{"Pétion", "Pétion"}));
  EXPECT_TRUE(wrap_text("   ", 10).empty());
  EXPECT_EQ(columns(kPaper80mm, escpos::Font::a, 1), 48);
  EXPECT_EQ(columns(kPaper58mm, escpos::Font::b, 1), 42);
  EXPECT_EQ(columns(kPaper80mm, escpos::Font::a, 2), 24);
}

TEST(TokenSlip, NativeQrDecodesFromTheRenderedSlip) {
  for (int width : {kPaper80mm, kPaper58mm}) {
    SCOPED_TRACE(width);
    const auto job = encode(sample_slip(width, true));
    EXPECT_EQ(commands(job, 0x1D, '(').size(), 5u);
    EXPECT_TRUE(commands(job, 0x1D, 'v').size() == 1u);  // the rule only
    const auto page = render_page(job, width);
    EXPECT_EQ(page.width, width);
    EXPECT_EQ(decode_qr(page), "LDH01-20261123-A042");
  }
}

TEST(TokenSlip, RasterQrDecodesFromTheRenderedSlip) {
  for (int width : {kPaper80mm, kPaper58mm}) {
    SCOPED_TRACE(width);
    const auto job = encode(sample_slip(width, false));
    EXPECT_TRUE(commands(job, 0x1D, '(').empty());
    // The rule, then the QR image in chunks of at most 8 KiB: two on 80 mm paper, one on 58 mm.
    const auto rasters = commands(job, 0x1D, 'v');
    EXPECT_EQ(rasters.size(), width == kPaper80mm ? 3u : 2u);
    for (auto r : rasters) EXPECT_LE(r.size() - 8, 8192u);
    const auto page = render_page(job, width);
    EXPECT_EQ(decode_qr(page), "LDH01-20261123-A042");
  }
}

TEST(TokenSlip, NativeAndRasterQrPrintTheSameSymbol) {
  const auto native = render_page(encode(sample_slip(kPaper80mm, true)), kPaper80mm);
  const auto raster = render_page(encode(sample_slip(kPaper80mm, false)), kPaper80mm);
  EXPECT_EQ(native, raster);
}

TEST(TokenSlip, BytesMatchGolden) {
  guichet::test::expect_golden_bytes("token-slip-80mm.bin", encode(sample_slip(kPaper80mm, true)));
}

TEST(TokenSlip, Rendered80mmSlipMatchesGolden) {
  guichet::test::expect_golden_png("token-slip-80mm.png",
                                   render_page(encode(sample_slip(kPaper80mm, true)), kPaper80mm));
}

TEST(TokenSlip, Rendered58mmRasterQrSlipMatchesGolden) {
  guichet::test::expect_golden_png("token-slip-58mm-raster-qr.png",
                                   render_page(encode(sample_slip(kPaper58mm, false)), kPaper58mm));
}

}  // namespace
