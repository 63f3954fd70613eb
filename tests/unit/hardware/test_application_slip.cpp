// Application acknowledgement slip and fee receipt: layout, bytes, the QR read back from the
// rendered paper, and golden receipts.
#include <gtest/gtest.h>

#include <algorithm>

#include "guichet/hardware/escpos_render/renderer.hpp"
#include "guichet/hardware/receipts/application_slip.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware;
using namespace guichet::hardware::receipts;
using guichet::test::commands;
using guichet::test::contains_text;
using guichet::test::decode_qr;
using guichet::test::render_page;

ApplicationSlip sample_ack(int paper_width = kPaper80mm, bool native_qr = true) {
  ApplicationSlip s;
  s.centre_name = "Sewa Kendra Ludhiana";
  s.centre_address = "Mini Secretariat, Ferozepur Road, Ludhiana 141001";
  s.service_name = "Birth certificate";
  s.receipt = "LDH01-K1-000042";
  s.filed_on = "21 Nov 2026";
  s.due_on = "1 Dec 2026";
  s.missing_documents = {"Address proof (electricity bill, rent deed or passport)"};
  s.fee_line = "Fee to pay at the counter: Rs 50.00";
  s.footer_lines = {"Scan the QR code at any kiosk to see where your application stands."};
  s.paper_width = paper_width;
  s.native_qr = native_qr;
  return s;
}

FeeReceipt sample_fee(int paper_width = kPaper80mm) {
  FeeReceipt r;
  r.centre_name = "Sewa Kendra Ludhiana";
  r.centre_address = "Mini Secretariat, Ferozepur Road, Ludhiana 141001";
  r.service_name = "Birth certificate";
  r.receipt = "LDH01-C1-000007";
  r.amount = "Rs 50.00";
  r.paid_at = "21 Nov 2026 10:42";
  r.counter = "Counter 1";
  r.footer_lines = {"Keep this receipt with your acknowledgement slip."};
  r.paper_width = paper_width;
  return r;
}

template <class T, class F>
escpos::Bytes encode_ok(const T& input, F encode) {
  auto r = encode(input, EncodeOptions{});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : escpos::Bytes{};
}

escpos::Bytes ack_bytes(const ApplicationSlip& s) { return encode_ok(s, encode_application_slip); }
escpos::Bytes fee_bytes(const FeeReceipt& r) { return encode_ok(r, encode_fee_receipt); }

const TextBlock* find_text(const Layout& layout, const std::string& field) {
  for (const auto& b : layout.blocks) {
    if (const auto* t = std::get_if<TextBlock>(&b); t && t->field == field) return t;
  }
  return nullptr;
}

TEST(ApplicationSlip, ReceiptNumberIsLargeBoldAndOnOneLine) {
  EXPECT_EQ(receipt_number_magnification("LDH01-K1-000042", kPaper80mm), 3);
  EXPECT_EQ(receipt_number_magnification("LDH01-K1-000042", kPaper58mm), 2);
  EXPECT_EQ(receipt_number_magnification("LDH01-KIOSK-LOBBY-1234567", kPaper58mm), 1);
  auto layout = layout_application_slip(sample_ack());
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  const TextBlock* number = find_text(layout.value(), "receipt number");
  ASSERT_NE(number, nullptr);
  EXPECT_EQ(number->text, "LDH01-K1-000042");
  EXPECT_TRUE(number->bold);
  EXPECT_EQ(number->width_mul, 3);
  EXPECT_EQ(wrap_text(number->text, columns(kPaper80mm, number->font, number->width_mul)).size(), 1u);
}

TEST(ApplicationSlip, BytesHoldEveryPartAndEndWithACut) {
  const auto job = ack_bytes(sample_ack());
  for (const char* text : {"Sewa Kendra Ludhiana", "Application received", "Birth certificate", "Receipt number",
                           "LDH01-K1-000042", "Filed on: 21 Nov 2026", "Due by: 1 Dec 2026", "Documents still missing:",
                           "- Address proof (electricity bill, rent deed or", "Fee to pay at the counter: Rs 50.00"}) {
    EXPECT_TRUE(contains_text(job, text)) << text;
  }
  ASSERT_GE(job.size(), 3u);
  EXPECT_EQ((escpos::Bytes{job.end() - 3, job.end()}), (escpos::Bytes{0x1D, 'V', 1}));
}

TEST(ApplicationSlip, NoMissingDocumentsSaysAllReceived) {
  auto s = sample_ack();
  s.missing_documents.clear();
  const auto job = ack_bytes(s);
  EXPECT_TRUE(contains_text(job, "All required documents received."));
  EXPECT_FALSE(contains_text(job, "Documents still missing"));
  s.show_documents = false;
  const auto none = ack_bytes(s);
  EXPECT_FALSE(contains_text(none, "All required documents received."));
}

// The pages scanned at a counter are listed per document, after the missing ones; a slip without
// scanned pages (every kiosk slip) has no such lines.
TEST(ApplicationSlip, ScannedPagesAreListedPerDocumentOnlyWhenThereAreSome) {
  auto s = sample_ack();
  EXPECT_FALSE(contains_text(ack_bytes(s), "Scanned at the counter:"));
  s.scanned_documents = {"Birth report: 2 pages", "Identity proof: 1 page"};
  const auto job = ack_bytes(s);
  EXPECT_TRUE(contains_text(job, "Scanned at the counter:"));
  EXPECT_TRUE(contains_text(job, "- Birth report: 2 pages"));
  EXPECT_TRUE(contains_text(job, "- Identity proof: 1 page"));
  auto layout = layout_application_slip(s);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  const TextBlock* label = find_text(layout.value(), "scanned documents label");
  ASSERT_NE(label, nullptr);
  EXPECT_TRUE(label->bold);
  // Also when nothing is missing.
  s.missing_documents.clear();
  EXPECT_TRUE(contains_text(ack_bytes(s), "- Identity proof: 1 page"));
}

TEST(ApplicationSlip, TokenLineOnlyWhenGiven) {
  auto s = sample_ack();
  EXPECT_FALSE(contains_text(ack_bytes(s), "Token:"));
  s.token = "A042";
  EXPECT_TRUE(contains_text(ack_bytes(s), "Token: A042"));
}

TEST(ApplicationSlip, MissingReceiptOrBadWidthIsRefusedNamingIt) {
  auto s = sample_ack();
  s.receipt = "  ";
  auto r = encode_application_slip(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
  EXPECT_EQ(r.error().message, "acknowledgement slip has no receipt number");
  s = sample_ack();
  s.paper_width = 2000;
  r = encode_application_slip(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("2000 dots"), std::string::npos) << r.error().message;

  auto f = sample_fee();
  f.amount = "";
  auto fr = encode_fee_receipt(f);
  ASSERT_FALSE(fr.ok());
  EXPECT_EQ(fr.error().message, "fee receipt has no amount");
  f = sample_fee();
  f.receipt = "";
  fr = encode_fee_receipt(f);
  ASSERT_FALSE(fr.ok());
  EXPECT_EQ(fr.error().message, "fee receipt has no receipt number");
}

TEST(ApplicationSlip, TextOutsideTheCodePageNamesThePart) {
  auto s = sample_ack();
  s.missing_documents = {"ਪਤੇ ਦਾ ਸਬੂਤ"};
  auto r = encode_application_slip(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::unsupported_text);
  EXPECT_NE(r.error().message.find("missing document"), std::string::npos) << r.error().message;
}

TEST(ApplicationSlip, QrDecodesToTheReceiptNumberOnBothPapersNativeAndRaster) {
  for (int width : {kPaper80mm, kPaper58mm}) {
    for (bool native : {true, false}) {
      SCOPED_TRACE(std::to_string(width) + (native ? " native" : " raster"));
      const auto page = render_page(ack_bytes(sample_ack(width, native)), width);
      EXPECT_EQ(page.width, width);
      EXPECT_EQ(decode_qr(page), "LDH01-K1-000042");
    }
  }
}

TEST(FeeReceipt, BytesHoldEveryPartAndQrDecodes) {
  const auto job = fee_bytes(sample_fee());
  for (const char* text : {"Fee receipt", "Birth certificate", "LDH01-C1-000007", "Amount paid", "Rs 50.00",
                           "Paid: 21 Nov 2026 10:42", "Counter: Counter 1"}) {
    EXPECT_TRUE(contains_text(job, text)) << text;
  }
  for (int width : {kPaper80mm, kPaper58mm}) {
    SCOPED_TRACE(width);
    EXPECT_EQ(decode_qr(render_page(fee_bytes(sample_fee(width)), width)), "LDH01-C1-000007");
  }
}

TEST(ApplicationSlip, Rendered80mmMatchesGolden) {
  guichet::test::expect_golden_png("application-slip-80mm.png", render_page(ack_bytes(sample_ack()), kPaper80mm));
}

TEST(ApplicationSlip, Rendered58mmRasterQrMatchesGolden) {
  guichet::test::expect_golden_png("application-slip-58mm-raster-qr.png",
                                   render_page(ack_bytes(sample_ack(kPaper58mm, false)), kPaper58mm));
}

TEST(ApplicationSlip, BytesMatchGolden) {
  guichet::test::expect_golden_bytes("application-slip-80mm.bin", ack_bytes(sample_ack()));
}

TEST(FeeReceipt, Rendered80mmMatchesGolden) {
  guichet::test::expect_golden_png("fee-receipt-80mm.png", render_page(fee_bytes(sample_fee()), kPaper80mm));
}

}  // namespace
