#include "guichet/testing/filing.hpp"

#include <algorithm>

namespace guichet::testing {

nlohmann::json sample_filing(const SampleFiling& f) {
  nlohmann::json body{{"receipt", f.receipt},
                      {"service", "birth-certificate"},
                      {"language", f.language},
                      {"channel", f.channel},
                      {"filed_on", f.filed_on},
                      {"due_on", f.due_on},
                      {"fields",
                       {{"date-of-birth", "2026-11-01"},
                        {"gender", "female"},
                        {"place-of-birth", "home"},
                        {"father-name", "Test Father"},
                        {"mother-name", "Test Mother"},
                        {"address", "House 12, Test Street, Ludhiana"},
                        {"mobile", "98140 12345"}}},
                      {"documents", nlohmann::json::array({{{"id", "discharge-slip"}, {"present", true}}})},
                      {"fee_minor", f.fee_minor}};
  if (!f.operator_id.empty()) body["operator_id"] = f.operator_id;
  return body;
}

std::vector<std::uint8_t> sample_page_bytes(std::size_t size, std::uint8_t fill) {
  // Filled first, then the signature written over its start (an 8-byte vector resized afterwards
  // sets off GCC 12's false -Warray-bounds at -O3).
  static constexpr std::uint8_t kSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> out(size, fill);
  std::copy_n(kSignature, std::min(size, sizeof kSignature), out.begin());
  return out;
}

}  // namespace guichet::testing
