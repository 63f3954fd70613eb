// What goes on an application's acknowledgement slip and fee receipt, in which order, how large.
#include "guichet/hardware/receipts/application_slip.hpp"

#include <algorithm>

namespace guichet::hardware::receipts {

namespace {

using escpos::Align;
using escpos::Font;

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

TextBlock text(std::string field, std::string value, Font font = Font::a, bool bold = false, int w = 1, int h = 1,
               Align align = Align::centre) {
  TextBlock t;
  t.field = std::move(field);
  t.text = std::move(value);
  t.font = font;
  t.bold = bold;
  t.width_mul = w;
  t.height_mul = h;
  t.align = align;
  return t;
}

std::string labelled(const std::string& label, const std::string& value) {
  return blank(label) ? value : label + ": " + value;
}

Error check_common(const char* what, const std::string& receipt, int paper_width) {
  if (paper_width < 256 || paper_width > 1024) {
    return {ErrorKind::invalid_argument, std::string(what) + " paper width " + std::to_string(paper_width) +
                                             " dots is out of range 256-1024 (576 = 80 mm, 384 = 58 mm)"};
  }
  if (blank(receipt)) return {ErrorKind::invalid_argument, std::string(what) + " has no receipt number"};
  return {};
}

void header(std::vector<Block>& b, const std::string& name, const std::string& address) {
  if (!blank(name)) b.emplace_back(text("centre name", name, Font::a, true, 1, 2));
  if (!blank(address)) b.emplace_back(text("centre address", address, Font::b));
  b.emplace_back(FeedBlock{8});
  b.emplace_back(RuleBlock{2});
  b.emplace_back(FeedBlock{12});
}

void qr_and_footer(std::vector<Block>& b, const std::string& payload, int paper_width, bool native,
                   const std::vector<std::string>& footer) {
  QrBlock qr;
  qr.payload = payload;
  qr.module_size = paper_width >= kPaper80mm ? 7 : 5;
  qr.error_level = escpos::QrErrorLevel::m;
  qr.native = native;
  b.emplace_back(std::move(qr));
  b.emplace_back(text("receipt number", payload, Font::b));
  if (!footer.empty()) {
    b.emplace_back(FeedBlock{12});
    for (const auto& line : footer) b.emplace_back(text("footer", line, Font::b));
  }
}

}  // namespace

int receipt_number_magnification(const std::string& receipt, int paper_width) {
  const int chars = std::max<int>(1, static_cast<int>(receipt.size()));
  return std::clamp(paper_width / (chars * 12), 1, 3);
}

Result<Layout> layout_application_slip(const ApplicationSlip& slip) {
  if (auto err = check_common("acknowledgement slip", slip.receipt, slip.paper_width)) return err;
  Layout layout;
  layout.paper_width = slip.paper_width;
  layout.language = slip.language;
  auto& b = layout.blocks;
  header(b, slip.centre_name, slip.centre_address);

  if (!blank(slip.labels.title)) b.emplace_back(text("title", slip.labels.title, Font::a, true));
  if (!blank(slip.service_name)) b.emplace_back(text("service name", slip.service_name, Font::a, true));
  b.emplace_back(FeedBlock{16});

  if (!blank(slip.labels.receipt)) b.emplace_back(text("receipt number label", slip.labels.receipt));
  const int mag = receipt_number_magnification(slip.receipt, slip.paper_width);
  b.emplace_back(text("receipt number", slip.receipt, Font::a, true, mag, mag));
  b.emplace_back(FeedBlock{16});

  if (!blank(slip.filed_on)) b.emplace_back(text("filed date", labelled(slip.labels.filed_on, slip.filed_on)));
  if (!blank(slip.due_on)) {
    b.emplace_back(text("due date", labelled(slip.labels.due_on, slip.due_on), Font::a, true));
  }
  if (!blank(slip.token)) b.emplace_back(text("token", labelled(slip.labels.token, slip.token)));

  if (slip.show_documents) {
    b.emplace_back(FeedBlock{12});
    if (slip.missing_documents.empty()) {
      if (!blank(slip.labels.all_documents)) b.emplace_back(text("documents", slip.labels.all_documents));
    } else {
      // A list reads from the start of the line: the left edge, the right one in Urdu.
      const Align start = start_align(slip.language);
      b.emplace_back(text("missing documents label", slip.labels.missing, Font::a, true, 1, 1, start));
      for (const auto& doc : slip.missing_documents) {
        b.emplace_back(text("missing document", "- " + doc, Font::a, false, 1, 1, start));
      }
    }
    // The citizen's proof of what the counter kept of their papers.
    if (!slip.scanned_documents.empty()) {
      const Align start = start_align(slip.language);
      b.emplace_back(FeedBlock{8});
      b.emplace_back(text("scanned documents label", slip.labels.scanned, Font::a, true, 1, 1, start));
      for (const auto& doc : slip.scanned_documents) {
        b.emplace_back(text("scanned document", "- " + doc, Font::a, false, 1, 1, start));
      }
    }
  }
  if (!blank(slip.fee_line)) {
    b.emplace_back(FeedBlock{12});
    b.emplace_back(text("fee", slip.fee_line, Font::a, true));
  }
  qr_and_footer(b, slip.receipt, slip.paper_width, slip.native_qr, slip.footer_lines);
  return layout;
}

Result<Layout> layout_fee_receipt(const FeeReceipt& receipt) {
  if (auto err = check_common("fee receipt", receipt.receipt, receipt.paper_width)) return err;
  if (blank(receipt.amount)) return Error{ErrorKind::invalid_argument, "fee receipt has no amount"};
  Layout layout;
  layout.paper_width = receipt.paper_width;
  layout.language = receipt.language;
  auto& b = layout.blocks;
  header(b, receipt.centre_name, receipt.centre_address);

  if (!blank(receipt.labels.title)) b.emplace_back(text("title", receipt.labels.title, Font::a, true, 2, 2));
  b.emplace_back(FeedBlock{8});
  if (!blank(receipt.service_name)) b.emplace_back(text("service name", receipt.service_name, Font::a, true));
  b.emplace_back(FeedBlock{12});
  if (!blank(receipt.labels.receipt)) b.emplace_back(text("receipt number label", receipt.labels.receipt));
  b.emplace_back(text("receipt number", receipt.receipt, Font::a, true, 1, 2));
  b.emplace_back(FeedBlock{12});
  if (!blank(receipt.labels.amount)) b.emplace_back(text("amount label", receipt.labels.amount));
  b.emplace_back(text("amount", receipt.amount, Font::a, true, 2, 2));
  b.emplace_back(FeedBlock{12});
  if (!blank(receipt.paid_at)) b.emplace_back(text("paid at", labelled(receipt.labels.paid_at, receipt.paid_at)));
  if (!blank(receipt.counter)) b.emplace_back(text("counter", labelled(receipt.labels.counter, receipt.counter)));
  qr_and_footer(b, receipt.receipt, receipt.paper_width, receipt.native_qr, receipt.footer_lines);
  return layout;
}

Result<escpos::Bytes> encode_application_slip(const ApplicationSlip& slip, const EncodeOptions& options) {
  auto layout = layout_application_slip(slip);
  if (!layout.ok()) return layout.error();
  return encode_layout(layout.value(), options);
}

Result<escpos::Bytes> encode_fee_receipt(const FeeReceipt& receipt, const EncodeOptions& options) {
  auto layout = layout_fee_receipt(receipt);
  if (!layout.ok()) return layout.error();
  return encode_layout(layout.value(), options);
}

}  // namespace guichet::hardware::receipts
