// The document scanner as the counter sees it: a port, so the application screen's logic is tested
// with a fake and the real scanner (hardware/scanner, SANE) is plugged in by main.cpp. Not the
// keyboard-wedge code reader of scanner.hpp, which reads token QR codes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace guichet::counter {

// One page scanned, or why not.
struct ScanOutcome {
  bool ok = false;
  std::vector<std::uint8_t> png;  // the page, PNG-encoded
  int width = 0;
  int height = 0;
  std::string problem;  // for people, when !ok: "Paper jammed in the scanner"
};

struct ScanPort {
  // Scans one page; blocks (called off the UI thread). Null: no scanner at this counter.
  std::function<ScanOutcome()> scan;
  // Asks a scan in progress to stop (from another thread); may be null.
  std::function<void()> cancel;
  bool available() const { return static_cast<bool>(scan); }
};

}  // namespace guichet::counter
