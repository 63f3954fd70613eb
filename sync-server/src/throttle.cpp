#include "guichet/server/throttle.hpp"

#include <algorithm>

namespace guichet::server {

PinFailures after_failure(PinFailures record, const ThrottlePolicy& policy, std::int64_t now_ms) {
  record.failures += 1;
  record.last_failure_ms = now_ms;
  int counted = record.failures - policy.free_failures;
  if (counted >= 0) {
    // Doubling stops at the cap long before the shift could overflow.
    std::int64_t delay = policy.base.count();
    for (int i = 0; i < counted && delay < policy.cap.count(); ++i) delay *= 2;
    delay = std::min<std::int64_t>(delay, policy.cap.count());
    record.locked_until_ms = now_ms + delay;
  }
  return record;
}

std::optional<std::chrono::milliseconds> lockout_remaining(const PinFailures& record, std::int64_t now_ms) {
  if (record.locked_until_ms > now_ms) return std::chrono::milliseconds(record.locked_until_ms - now_ms);
  return std::nullopt;
}

long retry_after_seconds(std::chrono::milliseconds remaining) {
  long s = static_cast<long>((remaining.count() + 999) / 1000);
  return std::max(1L, s);
}

}  // namespace guichet::server
