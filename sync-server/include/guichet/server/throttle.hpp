// Slowing down PIN guessing, per operator. The first few wrong PINs are answered at once (people
// mistype); after that each wrong PIN locks the operator out for a delay that doubles every time,
// up to a cap. A correct PIN resets the count. While locked out, attempts are refused with 429 and
// Retry-After, without looking at the PIN at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace guichet::server {

struct ThrottlePolicy {
  int free_failures = 3;                 // wrong PINs allowed before lockouts begin
  std::chrono::milliseconds base{1000};  // lockout after the first counted failure
  std::chrono::milliseconds cap{std::chrono::minutes(15)};
};

struct PinFailures {
  std::string operator_id;
  int failures = 0;
  std::int64_t locked_until_ms = 0;  // real time; 0 = not locked
  std::int64_t last_failure_ms = 0;
};

// The record after one more wrong PIN at `now_ms`.
PinFailures after_failure(PinFailures record, const ThrottlePolicy& policy, std::int64_t now_ms);

// How long the operator must still wait, if locked out at `now_ms`.
std::optional<std::chrono::milliseconds> lockout_remaining(const PinFailures& record, std::int64_t now_ms);

// Whole seconds for a Retry-After header, rounded up, at least 1.
long retry_after_seconds(std::chrono::milliseconds remaining);

}  // namespace guichet::server
