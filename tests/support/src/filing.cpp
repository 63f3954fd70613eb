#include "guichet/testing/filing.hpp"

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

}  // namespace guichet::testing
