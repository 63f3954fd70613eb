#include "guichet/hardware/printer/receipt_printer.hpp"

#include <array>

namespace guichet::hardware::printer {

namespace {

using Clock = std::chrono::steady_clock;
using escpos::PrinterStatus;
using escpos::StatusRequest;

constexpr std::array<StatusRequest, 4> kRequests = {StatusRequest::printer, StatusRequest::offline_cause,
                                                    StatusRequest::error_cause, StatusRequest::paper};

}  // namespace

Error fault_error(const PrinterStatus& status) {
  ErrorKind kind = status.fault();
  if (kind == ErrorKind::none) return {};
  return {kind, status.message()};
}

ReceiptPrinter::ReceiptPrinter(std::unique_ptr<Transport> transport, ReceiptPrinterOptions options)
    : transport_(std::move(transport)), options_(options) {}

Result<PrinterStatus> ReceiptPrinter::status() {
  if (!transport_->bidirectional()) {
    return Error{ErrorKind::invalid_argument, "printer " + transport_->describe() + " cannot report its status"};
  }
  return query_status();
}

Result<PrinterStatus> ReceiptPrinter::query_status() {
  if (auto err = transport_->open()) return err;
  // A reply that arrived after an earlier timeout would be read as this query's first byte.
  transport_->discard_pending();
  Bytes query;
  for (auto n : kRequests) {
    auto one = escpos::status_request_bytes(n);
    query.insert(query.end(), one.begin(), one.end());
  }
  if (auto err = transport_->write(query)) return err;

  // The four replies share one deadline: a printer that answers at all answers within
  // milliseconds, and the kiosk must not wait four times as long for a dead one.
  const auto deadline = Clock::now() + options_.status_timeout;
  Bytes replies;
  while (replies.size() < kRequests.size()) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() < 0) left = Millis{0};
    auto got = transport_->read(kRequests.size() - replies.size(), left);
    if (!got.ok()) {
      if (got.error().kind == ErrorKind::timeout) {
        // The connection may now hold a late reply or a half-read state: start afresh next time.
        transport_->close();
        return Error{ErrorKind::timeout, "Printer not responding: " + transport_->describe() + " answered " +
                                             std::to_string(replies.size()) + " of 4 status requests within " +
                                             std::to_string(options_.status_timeout.count()) + " ms"};
      }
      return got.error();
    }
    replies.insert(replies.end(), got.value().begin(), got.value().end());
  }

  escpos::StatusBytes bytes{replies[0], replies[1], replies[2], replies[3]};
  auto parsed = escpos::parse_status(bytes);
  if (!parsed.ok()) {
    transport_->close();
    return Error{ErrorKind::malformed_reply,
                 "printer " + transport_->describe() + " sent an invalid status reply: " + parsed.error().message};
  }
  return parsed;
}

Result<PrintReport> ReceiptPrinter::print(std::span<const std::uint8_t> job) {
  if (job.empty()) return Error{ErrorKind::invalid_argument, "print job is empty"};
  if (auto err = transport_->open()) return err;

  PrintReport report;
  const bool can_ask = transport_->bidirectional();
  if (can_ask && options_.check_before_job) {
    auto before = query_status();
    if (!before.ok()) return before.error();
    if (auto fault = fault_error(before.value())) return fault;
    report.status = before.value();
    report.status_checked = true;
  }

  if (auto err = transport_->write(job)) return err;
  report.bytes_sent = job.size();

  if (can_ask && options_.check_after_job) {
    auto after = query_status();
    if (!after.ok()) {
      Error err = after.error();
      err.message += " after the job was sent; the receipt may not have printed";
      return err;
    }
    if (auto fault = fault_error(after.value())) {
      fault.message += " (while printing)";
      return fault;
    }
    report.status = after.value();
    report.status_checked = true;
  }
  if (report.status.paper_near_end) report.warning = report.status.message();
  if (options_.close_after_job) transport_->close();
  return report;
}

std::string_view condition_word(const escpos::PrinterStatus& status) {
  if (status.fault() == ErrorKind::none) return status.paper_near_end ? "paper_low" : "ready";
  return condition_word(fault_error(status));
}

std::string_view condition_word(const Error& error) {
  switch (error.kind) {
    case ErrorKind::none:
      return "ready";
    case ErrorKind::paper_out:
      return "paper_out";
    case ErrorKind::cover_open:
      return "cover_open";
    case ErrorKind::offline:
      return "offline";
    case ErrorKind::printer_error:
    case ErrorKind::malformed_reply:
      return "printer_error";
    case ErrorKind::timeout:
      return "not_responding";
    case ErrorKind::connect_failed:
    case ErrorKind::io:
    case ErrorKind::file:
      return "unreachable";
    case ErrorKind::invalid_argument:
    case ErrorKind::unsupported_text:
    case ErrorKind::render:
      break;
  }
  return {};
}

}  // namespace guichet::hardware::printer
