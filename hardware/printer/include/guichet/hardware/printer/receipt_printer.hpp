// Receipt printer driver: checks the printer before a job, sends the job, and checks again after
// it, so a caller (the kiosk) knows whether a token really came out of the printer.
//
// What it does:
//  [X] status before each job: DLE EOT 1–4 in one write, four one-byte replies within a deadline
//  [X] no reply in time → ErrorKind::timeout, "Printer not responding"
//  [X] faults refuse the job before any byte is sent: "Printer out of paper", "Printer cover
//      open", "Printer offline", "Printer cutter error", "Printer error"
//  [X] status after the job: a fault that appeared while printing (roll ran out) is reported
//  [X] paper near end: the job prints, the report carries the warning
//  [X] one-way transports (file): no status, the job is written
//  [ ] Automatic status back (GS a), drawer status, recovery commands (DLE ENQ): not used.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "guichet/hardware/error.hpp"
#include "guichet/hardware/escpos/status.hpp"
#include "guichet/hardware/printer/transport.hpp"

namespace guichet::hardware::printer {

struct ReceiptPrinterOptions {
  Millis status_timeout{1500};   // for all four status replies together
  bool check_before_job = true;  // query status first and refuse the job on a fault
  bool check_after_job = true;   // query status after the job to confirm it printed
  bool close_after_job = false;  // some print servers start the job only when the socket closes
};

struct PrintReport {
  std::size_t bytes_sent = 0;
  bool status_checked = false;   // false on one-way transports
  escpos::PrinterStatus status;  // the last status read (after the job when checked)
  std::string warning;           // "Printer paper low", or empty
};

class ReceiptPrinter {
 public:
  explicit ReceiptPrinter(std::unique_ptr<Transport> transport, ReceiptPrinterOptions options = {});

  // Queries the four status bytes. Faults are not errors here: they are in the status value.
  Result<escpos::PrinterStatus> status();

  // Sends a job. Returns an Error whose kind says what went wrong (paper_out, cover_open, offline,
  // printer_error, timeout, connect_failed, io) and whose message can be shown to people.
  Result<PrintReport> print(std::span<const std::uint8_t> job);

  Transport& transport() { return *transport_; }
  const ReceiptPrinterOptions& options() const { return options_; }

 private:
  Result<escpos::PrinterStatus> query_status();

  std::unique_ptr<Transport> transport_;
  ReceiptPrinterOptions options_;
};

// The error for a status that stops printing (kind none when the printer is ready).
Error fault_error(const escpos::PrinterStatus& status);

// One word for a printer's condition, for the people who look after the terminals (the centre's
// dashboard, sync::valid_printer_state): "ready", "paper_low" (it still prints), "paper_out",
// "cover_open", "offline", "printer_error", "not_responding" (connected, no answer) or
// "unreachable" (no connection, or a device file that cannot be written). From an error that says
// nothing of the printer itself (a job it cannot carry, text it cannot print): "".
std::string_view condition_word(const escpos::PrinterStatus& status);
std::string_view condition_word(const Error& error);

}  // namespace guichet::hardware::printer
