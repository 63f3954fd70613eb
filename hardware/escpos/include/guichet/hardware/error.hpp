// Errors as values for every hardware library. Devices, cables and bad input fail all the time, so
// failures are returned, never thrown: a default-constructed Error means "no error", which lets
// operations without a result return a bare Error (`if (auto err = transport.write(bytes)) …`).
#pragma once

#include <string>
#include <utility>

#include "guichet/domain/result.hpp"

namespace guichet::hardware {

enum class ErrorKind {
  none,
  invalid_argument,  // a caller passed a value the command cannot carry (size 9, empty QR, …)
  unsupported_text,  // characters the printer's code page cannot print
  malformed_reply,   // status bytes that do not follow the ESC/POS fixed-bit pattern
  io,                // a read or write on the transport failed
  connect_failed,    // the printer could not be reached
  timeout,           // the printer did not answer in time ("Printer not responding")
  paper_out,         // the printer reports paper end
  cover_open,        // the printer reports its cover open
  offline,           // the printer reports offline for another reason
  printer_error,     // cutter, mechanical or unrecoverable error reported by the printer
  render,            // the interpreter could not render (font missing, image too large)
  file,              // reading or writing a file failed
};

// Stable code for logs and APIs: "paper_out", "timeout", …
const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::none;
  std::string message;

  Error() = default;
  Error(ErrorKind k, std::string msg) : kind(k), message(std::move(msg)) {}

  explicit operator bool() const { return kind != ErrorKind::none; }
};

template <class T>
using Result = domain::Result<T, Error>;

}  // namespace guichet::hardware
