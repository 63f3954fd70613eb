// What goes on a queue token slip, in which order and how large.
#include "guichet/hardware/receipts/token_slip.hpp"

#include <algorithm>

namespace guichet::hardware::receipts {

namespace {

using escpos::Align;
using escpos::Font;

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

TextBlock text(std::string field, std::string value, Font font = Font::a, bool bold = false, int w = 1, int h = 1) {
  TextBlock t;
  t.field = std::move(field);
  t.text = std::move(value);
  t.font = font;
  t.bold = bold;
  t.width_mul = w;
  t.height_mul = h;
  return t;
}

}  // namespace

int token_number_magnification(const std::string& display_number, int paper_width) {
  const int chars = std::max<int>(1, static_cast<int>(display_number.size()));
  // 6× keeps a 4-character number at half the width of 80 mm paper: large enough to read at
  // arm's length, small enough to leave room for the rest of the slip.
  return std::clamp(paper_width / (chars * 12), 1, 6);
}

Result<Layout> layout_token_slip(const TokenSlip& slip) {
  if (slip.paper_width < 256 || slip.paper_width > 1024) {
    return Error{ErrorKind::invalid_argument, "token slip paper width " + std::to_string(slip.paper_width) +
                                                  " dots is out of range 256-1024 (576 = 80 mm, 384 = 58 mm)"};
  }
  if (blank(slip.display_number)) return Error{ErrorKind::invalid_argument, "token slip has no token number"};
  if (slip.qr_payload.empty()) return Error{ErrorKind::invalid_argument, "token slip has no QR payload (token id)"};

  Layout layout;
  layout.paper_width = slip.paper_width;
  layout.language = slip.language;
  auto& b = layout.blocks;
  const bool wide = slip.paper_width >= kPaper80mm;

  if (!blank(slip.centre_name)) b.emplace_back(text("centre name", slip.centre_name, Font::a, true, 1, 2));
  if (!blank(slip.centre_address)) b.emplace_back(text("centre address", slip.centre_address, Font::b));
  b.emplace_back(FeedBlock{8});
  b.emplace_back(RuleBlock{2});
  b.emplace_back(FeedBlock{12});

  if (!blank(slip.service_name)) b.emplace_back(text("service name", slip.service_name, Font::a, true));
  if (!blank(slip.department)) b.emplace_back(text("department", slip.department, Font::b));
  b.emplace_back(FeedBlock{16});

  if (!blank(slip.labels.token_number)) b.emplace_back(text("token number label", slip.labels.token_number));
  const int mag = token_number_magnification(slip.display_number, slip.paper_width);
  b.emplace_back(text("token number", slip.display_number, Font::a, true, mag, mag));
  if (!blank(slip.priority_label)) {
    b.emplace_back(FeedBlock{4});
    b.emplace_back(text("priority label", slip.priority_label, Font::a, true, 2, 1));
  }
  b.emplace_back(FeedBlock{16});

  auto labelled = [](const std::string& label, const std::string& value) {
    return blank(label) ? value : label + ": " + value;
  };
  if (!blank(slip.issued_time)) b.emplace_back(text("issued time", labelled(slip.labels.issued, slip.issued_time)));
  if (!blank(slip.estimated_wait)) {
    b.emplace_back(text("estimated wait", labelled(slip.labels.estimated_wait, slip.estimated_wait)));
  }

  QrBlock qr;
  qr.payload = slip.qr_payload;
  qr.module_size = wide ? 7 : 5;
  qr.error_level = escpos::QrErrorLevel::m;
  qr.native = slip.native_qr;
  b.emplace_back(std::move(qr));
  b.emplace_back(text("token id", slip.qr_payload, Font::b));

  if (!slip.footer_lines.empty()) {
    b.emplace_back(FeedBlock{12});
    for (const auto& line : slip.footer_lines) b.emplace_back(text("footer", line, Font::b));
  }
  return layout;
}

}  // namespace guichet::hardware::receipts
