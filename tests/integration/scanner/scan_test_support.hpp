// What the scanner's integration tests share: a result in words for failure messages, and the
// slow page of SANE's test device.
#pragma once

#include <chrono>
#include <string>

#include "guichet/hardware/scanner/document_scanner.hpp"
#include "guichet/testing/saned.hpp"

namespace guichet::test {

// "scanned", or the problem's code and detail ("unreachable: read: no data for 1000 ms").
inline std::string why(const hardware::scanner::ScanResult<hardware::scanner::ScannedPage>& r) {
  return r.ok() ? std::string("scanned") : std::string(to_string(r.error().kind)) + ": " + r.error().detail;
}

// A slow page: the backend pauses 200 ms for each 64 KiB it writes, so a solid page of 200 mm
// takes about 8 s.
inline testing::SanedOptions slow_page() {
  testing::SanedOptions o;
  o.picture = "Solid white";
  o.read_delay = std::chrono::milliseconds(200);
  return o;
}

}  // namespace guichet::test
