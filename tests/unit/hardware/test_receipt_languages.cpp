// Receipts in every language of the kiosk: text outside the code page drawn by core/text and sent
// as raster images, Urdu mirrored, golden receipt images per language, the QR still readable.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <span>

#include "guichet/hardware/escpos/scanner.hpp"
#include "guichet/hardware/escpos_render/renderer.hpp"
#include "guichet/hardware/receipts/application_slip.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "receipt_languages.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware;
using namespace guichet::hardware::receipts;
using guichet::test::application_slip_in;
using guichet::test::commands;
using guichet::test::contains_text;
using guichet::test::decode_qr;
using guichet::test::fee_receipt_in;
using guichet::test::receipt_languages;
using guichet::test::receipt_text;
using guichet::test::render_page;
using guichet::test::token_slip_in;

escpos::Bytes encode(const Layout& layout, EncodeOptions options = receipt_text().options()) {
  auto r = encode_layout(layout, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : escpos::Bytes{};
}

template <class T>
Layout layout_of(const T& receipt) {
  Result<Layout> r = [&] {
    if constexpr (std::is_same_v<T, TokenSlip>) return layout_token_slip(receipt);
    if constexpr (std::is_same_v<T, ApplicationSlip>) return layout_application_slip(receipt);
    if constexpr (std::is_same_v<T, FeeReceipt>) return layout_fee_receipt(receipt);
  }();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : Layout{};
}

// The paper rows block `index` of the layout prints on: the height of the paper after the blocks
// before it, and after it (each prefix of the layout rendered on its own, without feed before the
// cut).
std::pair<int, int> block_rows(const Layout& layout, std::size_t index) {
  auto height_after = [&](std::size_t n) {
    Layout prefix = layout;
    prefix.blocks.resize(n);
    auto options = receipt_text().options();
    options.feed_lines_before_cut = 0;
    auto r = escpos_render::render_job(encode(prefix, options), {layout.paper_width});
    return r.ok() && !r->pages.empty() ? r->pages.front().height : 0;
  };
  return {index == 0 ? 0 : height_after(index), height_after(index + 1)};
}

// The ink box of rows [y0, y1) of the paper.
guichet::test::InkBox ink_box_of_rows(const escpos_render::GreyImage& page, int y0, int y1) {
  escpos_render::GreyImage band = escpos_render::GreyImage::white(page.width, std::max(1, y1 - y0));
  for (int y = y0; y < y1 && y < page.height; ++y) {
    for (int x = 0; x < page.width; ++x) band.at(x, y - y0) = page.at(x, y);
  }
  return guichet::test::ink_box(band);
}

std::size_t raster_count(const escpos::Bytes& job) { return commands(job, 0x1D, 'v').size(); }

// --- golden receipts -------------------------------------------------------------------------

struct Golden {
  std::string lang;
  std::string kind;  // token-slip, application-slip, fee-receipt
  int paper_width;
};

void PrintTo(const Golden& g, std::ostream* os) { *os << g.lang << " " << g.kind << " " << g.paper_width << " dots"; }

class ReceiptLanguage : public testing::TestWithParam<Golden> {};

TEST_P(ReceiptLanguage, RenderedReceiptMatchesGoldenAndItsQrDecodes) {
  const Golden g = GetParam();
  Layout layout;
  std::string qr;
  if (g.kind == "token-slip") {
    layout = layout_of(token_slip_in(g.lang, g.paper_width));
    qr = "LDH01-20261123-A042";
  } else if (g.kind == "application-slip") {
    layout = layout_of(application_slip_in(g.lang, g.paper_width));
    qr = "LDH01-K1-000042";
  } else {
    layout = layout_of(fee_receipt_in(g.lang, g.paper_width));
    qr = "LDH01-C1-000007";
  }
  const auto page = render_page(encode(layout), g.paper_width);
  ASSERT_EQ(page.width, g.paper_width);
  EXPECT_EQ(decode_qr(page), qr);
  const std::string mm = g.paper_width == kPaper80mm ? "80mm" : "58mm";
  // Pixel-exact: drawn text must match to the dot (see expect_golden_png).
  guichet::test::expect_golden_png(g.lang + "/" + g.kind + "-" + mm + ".png", page, 0.0);
}

std::vector<Golden> goldens() {
  std::vector<Golden> out;
  for (const auto& lang : receipt_languages()) {
    for (const char* kind : {"token-slip", "application-slip", "fee-receipt"}) out.push_back({lang, kind, kPaper80mm});
    out.push_back({lang, "token-slip", kPaper58mm});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Receipts, ReceiptLanguage, testing::ValuesIn(goldens()),
                         [](const testing::TestParamInfo<Golden>& p) {
                           std::string name =
                               p.param.lang + "_" + p.param.kind + "_" + std::to_string(p.param.paper_width);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// --- what goes out as text, what as images -----------------------------------------------------

TEST(ReceiptLanguages, EnglishAndFrenchSlipsPrintAllTheirTextAsText) {
  for (const char* lang : {"en", "fr"}) {
    SCOPED_TRACE(lang);
    // The rule is the only raster image: every line went as text in the code page.
    EXPECT_EQ(raster_count(encode(layout_of(token_slip_in(lang)))), 1u);
    EXPECT_EQ(raster_count(encode(layout_of(application_slip_in(lang)))), 1u);
    EXPECT_EQ(raster_count(encode(layout_of(fee_receipt_in(lang)))), 1u);
  }
  EXPECT_TRUE(contains_text(encode(layout_of(token_slip_in("fr"))),
                            "Attente estim\xE9"
                            "e"));
}

TEST(ReceiptLanguages, IndicAndUrduTextIsDrawnAndLatinStaysText) {
  for (const char* lang : {"pa", "hi", "ur"}) {
    SCOPED_TRACE(lang);
    const auto layout = layout_of(token_slip_in(lang));
    const auto job = encode(layout);
    std::size_t drawn = 0;
    for (const auto& b : layout.blocks) {
      if (const auto* t = std::get_if<TextBlock>(&b)) drawn += needs_raster(*t, escpos::CodePage::wpc1252) ? 1 : 0;
    }
    // centre, address, service, department, label, priority, issued, wait and two footer lines.
    EXPECT_EQ(drawn, 10u);
    EXPECT_EQ(raster_count(job), 1u + drawn);
    // The token number and the token id are Latin: text, a few bytes each.
    EXPECT_TRUE(contains_text(job, "A042"));
    EXPECT_TRUE(contains_text(job, "LDH01-20261123-A042"));
  }
}

TEST(ReceiptLanguages, EveryDrawnBlockHasAllItsGlyphs) {
  for (const char* lang : {"pa", "hi", "ur"}) {
    SCOPED_TRACE(lang);
    for (const auto& layout : {layout_of(token_slip_in(lang)), layout_of(application_slip_in(lang)),
                               layout_of(fee_receipt_in(lang)), layout_of(token_slip_in(lang, kPaper58mm))}) {
      std::size_t drawn = 0;
      for (const auto& b : layout.blocks) {
        const auto* t = std::get_if<TextBlock>(&b);
        if (!t || !needs_raster(*t, escpos::CodePage::wpc1252)) continue;
        auto r = raster_text(*t, layout, receipt_text().options());
        ASSERT_TRUE(r.ok()) << t->field << ": " << r.error().message;
        ASSERT_TRUE(r->layout);
        EXPECT_EQ(r->layout->missing, 0) << t->field;
        EXPECT_GT(r->image.width, 0) << t->field;
        EXPECT_LE(r->image.width, layout.paper_width) << t->field;
        ++drawn;
      }
      EXPECT_GE(drawn, 8u);
    }
  }
}

TEST(ReceiptLanguages, WithoutATextEngineTheFieldIsNamed) {
  auto r = encode_token_slip(token_slip_in("pa"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported_text);
  EXPECT_NE(r.error().message.find("centre name"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("U+0A32"), std::string::npos) << r.error().message;  // ਲ
  EXPECT_NE(r.error().message.find("no text engine"), std::string::npos) << r.error().message;

  // A rupee sign in otherwise English text needs drawing too.
  auto fee = fee_receipt_in("en");
  fee.amount = "₹50.00";
  auto f = encode_fee_receipt(fee);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("receipt amount"), std::string::npos) << f.error().message;
  EXPECT_TRUE(encode_fee_receipt(fee, receipt_text().options()).ok());
}

TEST(ReceiptLanguages, ACharacterNoFontHasIsRefusedNotPrintedAsABox) {
  // Fonts for Latin only: Gurmukhi has no face.
  guichet::text::FontSet latin(std::vector<guichet::text::FaceInfo>{
      {guichet::text::Script::Latin, "Noto Sans", receipt_text().regular.info(0).file}});
  guichet::text::TextEngine engine(latin);
  EncodeOptions options;
  options.text = &engine;
  auto r = encode_token_slip(token_slip_in("pa"), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported_text);
  EXPECT_NE(r.error().message.find("centre name: no font has U+0A32"), std::string::npos) << r.error().message;
}

// --- shapes and directions --------------------------------------------------------------------

TEST(ReceiptLanguages, UrduLineWithATokenNumberAndALatinNameReadsInTheRightOrder) {
  const std::string urdu_token = "ٹوکن";      // first in the text: rightmost
  const std::string urdu_counter = "کاؤنٹر";  // last: leftmost
  const std::string text = urdu_token + " A042 " + urdu_counter + " Aadhaar";
  Layout layout;
  layout.language = "ur";
  TextBlock block;
  block.field = "mixed";
  block.text = text;
  auto r = raster_text(block, layout, receipt_text().options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& lay = *r->layout;
  ASSERT_EQ(lay.lines.size(), 1u);
  EXPECT_TRUE(lay.rtl);
  // Mean x of the glyphs drawn from a byte range of the text.
  auto x_of = [&](std::size_t begin, std::size_t end) {
    float sum = 0;
    int n = 0;
    for (const auto& g : lay.glyphs) {
      if (g.cluster >= begin && g.cluster < end) {
        sum += g.x;
        ++n;
      }
    }
    EXPECT_GT(n, 0) << begin;
    return n ? sum / static_cast<float>(n) : 0.0f;
  };
  const std::size_t a042 = text.find("A042");
  const std::size_t counter = text.find(urdu_counter);
  const std::size_t aadhaar = text.find("Aadhaar");
  const float x_token = x_of(0, urdu_token.size());
  const float x_number = x_of(a042, a042 + 4);
  const float x_counter = x_of(counter, counter + urdu_counter.size());
  const float x_aadhaar = x_of(aadhaar, text.size());
  // Right to left: ٹوکن, then A042, then کاؤنٹر, then Aadhaar at the left end.
  EXPECT_GT(x_token, x_number);
  EXPECT_GT(x_number, x_counter);
  EXPECT_GT(x_counter, x_aadhaar);
  // Inside the number and the name, left to right: A before 0 before 4 before 2.
  for (std::size_t i = 0; i + 1 < 4; ++i) {
    EXPECT_LT(x_of(a042 + i, a042 + i + 1), x_of(a042 + i + 1, a042 + i + 2)) << i;
  }
  EXPECT_LT(x_of(aadhaar, aadhaar + 1), x_of(aadhaar + 6, aadhaar + 7));
}

TEST(ReceiptLanguages, UrduMirrorsStartAlignedBlocksToTheRightEdge) {
  for (const char* lang : {"ur", "en", "pa"}) {
    SCOPED_TRACE(lang);
    const auto layout = layout_of(application_slip_in(lang));
    const auto page = render_page(encode(layout), layout.paper_width);
    const bool rtl = std::string(lang) == "ur";
    int checked = 0;
    for (std::size_t i = 0; i < layout.blocks.size(); ++i) {
      const auto* t = std::get_if<TextBlock>(&layout.blocks[i]);
      if (!t || (t->field != "missing document" && t->field != "missing documents label")) continue;
      EXPECT_EQ(t->align, rtl ? escpos::Align::right : escpos::Align::left);
      const auto [y0, y1] = block_rows(layout, i);
      ASSERT_LT(y0, y1) << t->field;
      const auto box = ink_box_of_rows(page, y0, y1);
      ASSERT_FALSE(box.empty()) << t->field;
      if (rtl) {
        EXPECT_GE(box.right, layout.paper_width - 6) << t->field << " ink ends at " << box.right;
        EXPECT_GT(box.left, layout.paper_width / 3) << t->field << " ink starts at " << box.left;
      } else {
        EXPECT_LE(box.left, 6) << t->field << " ink starts at " << box.left;
        EXPECT_LT(box.right, layout.paper_width * 2 / 3) << t->field << " ink ends at " << box.right;
      }
      ++checked;
    }
    EXPECT_EQ(checked, 3);  // the label and two documents
  }
}

TEST(ReceiptLanguages, CentredDrawnTextStaysCentred) {
  const auto layout = layout_of(token_slip_in("hi"));
  const auto page = render_page(encode(layout), layout.paper_width);
  for (std::size_t i = 0; i < layout.blocks.size(); ++i) {
    const auto* t = std::get_if<TextBlock>(&layout.blocks[i]);
    if (!t || t->field != "service name") continue;
    const auto [y0, y1] = block_rows(layout, i);
    const auto box = ink_box_of_rows(page, y0, y1);
    ASSERT_FALSE(box.empty());
    const int left_margin = box.left;
    const int right_margin = layout.paper_width - 1 - box.right;
    EXPECT_GT(left_margin, 100);
    EXPECT_NEAR(left_margin, right_margin, 4);
    return;
  }
  FAIL() << "no service name block";
}

TEST(ReceiptLanguages, BoldBlocksUseTheBoldFaces) {
  const auto layout = layout_of(token_slip_in("pa"));
  const auto* centre = std::get_if<TextBlock>(&layout.blocks.front());
  ASSERT_TRUE(centre && centre->bold && centre->field == "centre name");
  auto ink = [](const escpos::RasterImage& img) {
    std::size_t n = 0;
    for (int y = 0; y < img.height; ++y) {
      for (int x = 0; x < img.width; ++x) n += img.get(x, y) ? 1 : 0;
    }
    return n;
  };
  auto with_bold = raster_text(*centre, layout, receipt_text().options());
  auto regular_only = receipt_text().options();
  regular_only.bold_text = nullptr;
  auto without_bold = raster_text(*centre, layout, regular_only);
  ASSERT_TRUE(with_bold.ok() && without_bold.ok());
  EXPECT_GT(ink(with_bold->image), ink(without_bold->image) * 11 / 10);
  // Double height: twice the pixel size of a plain line.
  EXPECT_EQ(with_bold->pixel_size, 48);
}

TEST(ReceiptLanguages, DoubleWidthDrawnTextIsStretchedSideways) {
  Layout layout;
  layout.language = "hi";
  TextBlock block;
  block.field = "priority label";
  block.text = "वरिष्ठ नागरिक";
  auto narrow = raster_text(block, layout, receipt_text().options());
  block.width_mul = 2;
  auto wide = raster_text(block, layout, receipt_text().options());
  ASSERT_TRUE(narrow.ok() && wide.ok());
  EXPECT_EQ(narrow->image.height, wide->image.height);
  EXPECT_NEAR(wide->image.width, 2 * narrow->image.width, 16);
}

TEST(ReceiptLanguages, TallDrawnTextGoesInChunksWithinThePrinterBuffer) {
  auto options = receipt_text().options();
  options.raster.max_chunk_bytes = 512;
  const auto layout = layout_of(application_slip_in("ur"));
  const auto job = encode(layout, options);
  std::size_t chunks = 0;
  for (auto cmd : commands(job, 0x1D, 'v')) {
    EXPECT_LE(cmd.size() - 8, 512u);
    ++chunks;
  }
  EXPECT_GT(chunks, raster_count(encode(layout)));
  // Chunked or not, the paper is the same.
  EXPECT_EQ(render_page(job, layout.paper_width), render_page(encode(layout), layout.paper_width));
}

TEST(ReceiptLanguages, DrawnTextFitsAPaperWidthThatIsNotWholeBytes) {
  // 500 dots: images are at most 496 wide, and right-aligned Urdu still reaches the right edge.
  const auto layout = layout_of(application_slip_in("ur", 500));
  const auto job = encode(layout);
  for (auto cmd : commands(job, 0x1D, 'v')) EXPECT_LE(8 * (cmd[4] + 256 * cmd[5]), 500);
  const auto page = render_page(job, 500);  // no "clipped" warning
  EXPECT_EQ(decode_qr(page), "LDH01-K1-000042");
  for (std::size_t i = 0; i < layout.blocks.size(); ++i) {
    const auto* t = std::get_if<TextBlock>(&layout.blocks[i]);
    if (!t || t->field != "missing document") continue;
    const auto [y0, y1] = block_rows(layout, i);
    const auto box = ink_box_of_rows(page, y0, y1);
    ASSERT_FALSE(box.empty());
    EXPECT_GE(box.right, 500 - 6);
  }
}

TEST(ReceiptLanguages, PrintersThatDoNotJustifyImagesGetThemFromTheLeftEdge) {
  const auto layout = layout_of(application_slip_in("ur"));
  auto options = receipt_text().options();
  options.justify_text_images = false;
  const auto unjustified = encode(layout, options);
  const auto justified = encode(layout);
  // Every ESC a before an image is 0 (left), so a printer ignoring ESC a prints the same paper.
  escpos::Bytes last_align{0x1B, 'a', 0};
  std::size_t images = 0;
  for (std::size_t at = 0;;) {
    const auto r = escpos::scan(unjustified, at);
    if (r.status != escpos::ScanStatus::complete) break;
    if (unjustified[at] == 0x1B && unjustified[at + 1] == 'a') {
      last_align.assign(unjustified.begin() + static_cast<std::ptrdiff_t>(at),
                        unjustified.begin() + static_cast<std::ptrdiff_t>(at + 3));
    }
    if (unjustified[at] == 0x1D && unjustified[at + 1] == 'v') {
      EXPECT_EQ(last_align, (escpos::Bytes{0x1B, 'a', 0})) << "image at offset " << at;
      ++images;
    }
    at += r.command.length;
  }
  EXPECT_GT(images, 10u);
  EXPECT_GT(unjustified.size(), justified.size());
  EXPECT_EQ(render_page(unjustified, layout.paper_width), render_page(justified, layout.paper_width));
}

}  // namespace
