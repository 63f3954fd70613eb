// A sample application filing for tests: the body of POST /api/v1/applications (and of a protocol
// v1 entry of kind application.file) for the demo catalogue's birth-certificate service, with a
// form that passes the catalogue's checks. One definition for the integration tests and the fault
// terminal, so a change to the filing shape is made once.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace guichet::testing {

struct SampleFiling {
  std::string receipt;                  // "LDH01-K1-000001": centre, device, number
  std::string due_on;                   // the catalogue's due date for filed_on (the server checks it)
  std::string filed_on = "2026-11-23";  // a Monday of the demo calendar
  std::string language = "pa";
  std::string channel = "kiosk";  // or "counter" (a counter device, with the fee it collected)
  std::int64_t fee_minor = 0;     // a kiosk collects no fee
  std::string operator_id;        // a counter's: the operator who took it ("" names none)
};

// {"receipt", "service": "birth-certificate", "language", "channel", "filed_on", "due_on",
//  "fields": {…}, "documents": [{"id": "discharge-slip", "present": true}], "fee_minor"}, and
// "operator_id" when one is given.
nlohmann::json sample_filing(const SampleFiling& filing);

// A scanned page's bytes for tests that store, upload and compare pages without decoding them:
// PNG's 8-byte signature, then `fill` up to `size` bytes.
std::vector<std::uint8_t> sample_page_bytes(std::size_t size, std::uint8_t fill);

}  // namespace guichet::testing
