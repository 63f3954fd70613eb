// Application paper: the acknowledgement slip a citizen keeps after filing an application (at a
// kiosk or a counter), and the fee receipt a counter prints when it collects the service's fee.
// Both are laid out as blocks (token_slip.hpp) and encoded by encode_layout, in the citizen's
// language: text outside the printer's code page is drawn as a raster image by the text engine
// given in EncodeOptions, and Urdu mirrors the layout (start-aligned lines go right).
//
// Acknowledgement slip, top to bottom:
//   centre name (bold, double height) · centre address (font B) · rule
//   title ("Application received", bold) · service name (bold)
//   "Receipt number" · the receipt number, bold, 2×–3× size
//   filed on · due by · token (when the application came from a queue token)
//   "Documents still missing" and one line per document (or "All documents received")
//   "Scanned at the counter" and one line per document with pages (only when pages were scanned)
//   fee line ("Fee to pay at the counter: Rs 50.00", bold)
//   QR of the receipt number · the receipt number in small type
//   footer lines (font B) · feed · partial cut
//
// Fee receipt, top to bottom:
//   centre name · centre address · rule · title ("Fee receipt", bold)
//   service name · "Receipt number" and the receipt number (bold, double size)
//   the amount (bold, double size) · paid at (date and time) · counter
//   QR of the receipt number · footer lines · feed · partial cut
#pragma once

#include <string>
#include <vector>

#include "guichet/hardware/receipts/token_slip.hpp"

namespace guichet::hardware::receipts {

struct ApplicationSlipLabels {
  std::string title = "Application received";
  std::string receipt = "Receipt number";
  std::string filed_on = "Filed on";
  std::string due_on = "Due by";
  std::string token = "Token";
  std::string missing = "Documents still missing:";
  std::string all_documents = "All required documents received.";
  std::string scanned = "Scanned at the counter:";
};

struct ApplicationSlip {
  std::string centre_name;
  std::string centre_address;
  std::string service_name;
  std::string receipt;   // "LDH01-K1-000042"; also the QR's payload
  std::string filed_on;  // "21 Nov 2026"
  std::string due_on;    // "9 Dec 2026"
  std::string token;     // display number of the queue token, or empty
  std::vector<std::string> missing_documents;
  bool show_documents = true;  // false: the service asks for no documents
  // One line per document whose pages were scanned: "Birth report: 2 pages". Empty: no line.
  std::vector<std::string> scanned_documents;
  std::string fee_line;  // "Fee to pay at the counter: Rs 50.00", or empty
  std::vector<std::string> footer_lines;
  int paper_width = kPaper80mm;
  bool native_qr = true;
  ApplicationSlipLabels labels;
  std::string language;  // "en", "pa", "hi", "ur", "fr"; empty is English (see TokenSlip)
};

struct FeeReceiptLabels {
  std::string title = "Fee receipt";
  std::string receipt = "Receipt number";
  std::string amount = "Amount paid";
  std::string paid_at = "Paid";
  std::string counter = "Counter";
};

struct FeeReceipt {
  std::string centre_name;
  std::string centre_address;
  std::string service_name;
  std::string receipt;  // the application's receipt number; also the QR's payload
  std::string amount;   // "Rs 50.00"
  std::string paid_at;  // "21 Nov 2026 10:42"
  std::string counter;  // "Counter 1"
  std::vector<std::string> footer_lines;
  int paper_width = kPaper80mm;
  bool native_qr = true;
  FeeReceiptLabels labels;
  std::string language;  // "en", "pa", "hi", "ur", "fr"; empty is English (see TokenSlip)
};

// The receipt number's size on the acknowledgement: as large as fits on one line, 2× to 3×.
int receipt_number_magnification(const std::string& receipt, int paper_width);

// Check (receipt number, paper width; the fee receipt also needs an amount) and lay out.
Result<Layout> layout_application_slip(const ApplicationSlip& slip);
Result<Layout> layout_fee_receipt(const FeeReceipt& receipt);

Result<escpos::Bytes> encode_application_slip(const ApplicationSlip& slip, const EncodeOptions& options = {});
Result<escpos::Bytes> encode_fee_receipt(const FeeReceipt& receipt, const EncodeOptions& options = {});

}  // namespace guichet::hardware::receipts
