#include "guichet/hardware/escpos/status.hpp"

#include <cstdio>
#include <utility>

namespace guichet::hardware::escpos {

namespace {

constexpr std::uint8_t kFixedMask = 0x93;  // bits 0, 1, 4, 7
constexpr std::uint8_t kFixedBits = 0x12;  // bits 1 and 4 set

bool bit(std::uint8_t b, int n) { return ((b >> n) & 1) != 0; }

std::uint8_t with(std::uint8_t b, int n, bool on) {
  return on ? static_cast<std::uint8_t>(b | (1u << n)) : static_cast<std::uint8_t>(b & ~(1u << n));
}

}  // namespace

bool PrinterStatus::ready() const { return fault() == ErrorKind::none; }

ErrorKind PrinterStatus::fault() const {
  // A person can fix an open cover or an empty roll, so those come first; they also make the
  // printer report offline, which says less.
  if (cover_open) return ErrorKind::cover_open;
  if (paper_out || stopped_at_paper_end) return ErrorKind::paper_out;
  if (cutter_error || unrecoverable_error || recoverable_error || auto_recoverable_error || error) {
    return ErrorKind::printer_error;
  }
  if (!online) return ErrorKind::offline;
  return ErrorKind::none;
}

std::string PrinterStatus::message() const {
  switch (fault()) {
    case ErrorKind::cover_open:
      return "Printer cover open";
    case ErrorKind::paper_out:
      return "Printer out of paper";
    case ErrorKind::printer_error:
      if (cutter_error) return "Printer cutter error";
      if (unrecoverable_error) return "Printer error: needs service";
      return "Printer error";
    case ErrorKind::offline:
      return "Printer offline";
    default:
      break;
  }
  if (paper_near_end) return "Printer paper low";
  return "Printer ready";
}

bool is_status_byte(std::uint8_t b) { return (b & kFixedMask) == kFixedBits; }

Error apply_status_byte(StatusRequest request, std::uint8_t b, PrinterStatus& s) {
  if (!is_status_byte(b)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "status byte 0x%02X for DLE EOT %d lacks the fixed bits of a status reply",
                  static_cast<unsigned>(b), static_cast<int>(request));
    return Error{ErrorKind::malformed_reply, buf};
  }
  switch (request) {
    case StatusRequest::printer:
      s.drawer_pin3_high = bit(b, 2);
      s.online = !bit(b, 3);
      s.waiting_for_online_recovery = bit(b, 5);
      s.feed_button_pressed = bit(b, 6);
      break;
    case StatusRequest::offline_cause:
      s.cover_open = bit(b, 2);
      s.paper_fed_by_button = bit(b, 3);
      s.stopped_at_paper_end = bit(b, 5);
      s.error = bit(b, 6);
      break;
    case StatusRequest::error_cause:
      s.recoverable_error = bit(b, 2);
      s.cutter_error = bit(b, 3);
      s.unrecoverable_error = bit(b, 5);
      s.auto_recoverable_error = bit(b, 6);
      break;
    case StatusRequest::paper:
      // Printers set both bits of a pair; one bit alone is taken as the sensor's reading.
      s.paper_near_end = bit(b, 2) || bit(b, 3);
      s.paper_out = bit(b, 5) || bit(b, 6);
      break;
  }
  return {};
}

Result<PrinterStatus> parse_status(const StatusBytes& bytes) {
  PrinterStatus s;
  const std::pair<StatusRequest, std::uint8_t> replies[] = {
      {StatusRequest::printer, bytes.printer},
      {StatusRequest::offline_cause, bytes.offline_cause},
      {StatusRequest::error_cause, bytes.error_cause},
      {StatusRequest::paper, bytes.paper},
  };
  for (const auto& [request, b] : replies) {
    if (auto err = apply_status_byte(request, b, s)) return err;
  }
  return s;
}

StatusBytes encode_status(const PrinterStatus& s) {
  StatusBytes out;
  out.printer = with(out.printer, 2, s.drawer_pin3_high);
  out.printer = with(out.printer, 3, !s.online);
  out.printer = with(out.printer, 5, s.waiting_for_online_recovery);
  out.printer = with(out.printer, 6, s.feed_button_pressed);
  out.offline_cause = with(out.offline_cause, 2, s.cover_open);
  out.offline_cause = with(out.offline_cause, 3, s.paper_fed_by_button);
  out.offline_cause = with(out.offline_cause, 5, s.stopped_at_paper_end);
  out.offline_cause = with(out.offline_cause, 6, s.error);
  out.error_cause = with(out.error_cause, 2, s.recoverable_error);
  out.error_cause = with(out.error_cause, 3, s.cutter_error);
  out.error_cause = with(out.error_cause, 5, s.unrecoverable_error);
  out.error_cause = with(out.error_cause, 6, s.auto_recoverable_error);
  out.paper = with(out.paper, 2, s.paper_near_end);
  out.paper = with(out.paper, 3, s.paper_near_end);
  out.paper = with(out.paper, 5, s.paper_out);
  out.paper = with(out.paper, 6, s.paper_out);
  return out;
}

PrinterStatus status_paper_out() {
  PrinterStatus s;
  s.online = false;
  s.stopped_at_paper_end = true;
  s.paper_near_end = true;
  s.paper_out = true;
  return s;
}

PrinterStatus status_paper_near_end() {
  PrinterStatus s;
  s.paper_near_end = true;
  return s;
}

PrinterStatus status_cover_open() {
  PrinterStatus s;
  s.online = false;
  s.cover_open = true;
  return s;
}

}  // namespace guichet::hardware::escpos
