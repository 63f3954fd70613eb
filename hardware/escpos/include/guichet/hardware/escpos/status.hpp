// Real-time status (DLE EOT n) replies: one byte per request, parsed into a PrinterStatus.
//
// Status bits understood (Epson TM layout, shared by most ESC/POS receipt printers):
//  n = 1 printer        [X] bit 2 drawer pin 3 high  [X] bit 3 offline
//                       [X] bit 5 waiting for online recovery  [X] bit 6 feed button pressed
//  n = 2 offline cause  [X] bit 2 cover open  [X] bit 3 paper fed by button
//                       [X] bit 5 printing stopped at paper end  [X] bit 6 error
//  n = 3 error cause    [X] bit 2 recoverable error  [X] bit 3 autocutter error
//                       [X] bit 5 unrecoverable error  [X] bit 6 auto-recoverable error
//  n = 4 paper sensor   [X] bits 2–3 roll near end  [X] bits 5–6 roll end
// Every reply has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is refused as a
// malformed reply (a stray byte, or a printer speaking another protocol).
//
// Faults reported, in the order a person at the kiosk needs them:
//  "Printer cover open", "Printer out of paper", "Printer cutter error", "Printer error",
//  "Printer offline"; paper near end is a warning only: the printer still prints.
#pragma once

#include <cstdint>
#include <string>

#include "guichet/hardware/error.hpp"
#include "guichet/hardware/escpos/encoder.hpp"

namespace guichet::hardware::escpos {

struct PrinterStatus {
  // n = 1
  bool online = true;
  bool drawer_pin3_high = false;
  bool waiting_for_online_recovery = false;
  bool feed_button_pressed = false;
  // n = 2
  bool cover_open = false;
  bool paper_fed_by_button = false;
  bool stopped_at_paper_end = false;
  bool error = false;
  // n = 3
  bool recoverable_error = false;
  bool cutter_error = false;
  bool unrecoverable_error = false;
  bool auto_recoverable_error = false;
  // n = 4
  bool paper_near_end = false;
  bool paper_out = false;

  // True when a job sent now would print.
  bool ready() const;
  // The fault that stops printing, or ErrorKind::none.
  ErrorKind fault() const;
  // For people: "Printer ready", "Printer out of paper", "Printer paper low", …
  std::string message() const;

  bool operator==(const PrinterStatus&) const = default;
};

// The four reply bytes, in request order n = 1, 2, 3, 4.
struct StatusBytes {
  std::uint8_t printer = 0x12;
  std::uint8_t offline_cause = 0x12;
  std::uint8_t error_cause = 0x12;
  std::uint8_t paper = 0x12;

  bool operator==(const StatusBytes&) const = default;
};

// Whether b has the fixed bits of a DLE EOT reply (bits 1 and 4 set, bits 0 and 7 clear).
bool is_status_byte(std::uint8_t b);

// Folds one reply into status; refuses a byte without the fixed bits.
Error apply_status_byte(StatusRequest request, std::uint8_t b, PrinterStatus& status);

Result<PrinterStatus> parse_status(const StatusBytes& bytes);

// The bytes a printer in this state sends (the printer simulator answers with these).
StatusBytes encode_status(const PrinterStatus& status);

// A printer state for each fault a simulator or test needs.
PrinterStatus status_paper_out();
PrinterStatus status_paper_near_end();
PrinterStatus status_cover_open();

}  // namespace guichet::hardware::escpos
