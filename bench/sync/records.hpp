// Made-up but realistic applications for the sync benchmarks: for a centre's catalogue, a
// deterministic stream of application bodies (the JSON a terminal files) whose forms pass the
// catalogue's own checks, so the server accepts every one. The same records go to Guichet and to
// the PouchDB peer (written as JSON lines), so both move the same bytes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/time.hpp"

namespace guichet::bench {

class RecordMaker {
 public:
  // `filed_on` is the centre-local date the applications are filed on; services without a form are
  // skipped. Throws std::runtime_error if no service can be filled.
  RecordMaker(const domain::Catalogue& catalogue, domain::Date filed_on, std::uint64_t seed);

  // The body of `POST /api/v1/applications` for the device's n-th application, with the receipt
  // `<centre>-<device>-<n>` (n zero-padded to 6 digits). Every field value passes check_value.
  nlohmann::json make(const std::string& device, std::int64_t n);

 private:
  std::string value_for(const domain::FormField& field);
  const domain::Catalogue& catalogue_;
  domain::Date filed_on_;
  std::mt19937_64 rng_;
  std::vector<const domain::Service*> services_;
};

}  // namespace guichet::bench
