#include "guichet/server/clock.hpp"

namespace guichet::server {

domain::Instant SystemClock::now() const {
  return std::chrono::time_point_cast<domain::Millis>(std::chrono::system_clock::now());
}

SimulatedClock::SimulatedClock(domain::Instant origin, double scale)
    : origin_(origin), scale_(scale), start_(std::chrono::steady_clock::now()) {}

domain::Instant SimulatedClock::now() const {
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_);
  return origin_ + domain::Millis(static_cast<std::int64_t>(elapsed.count() * scale_));
}

domain::Instant ManualClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

void ManualClock::set(domain::Instant t) {
  std::lock_guard lock(mu_);
  now_ = t;
}

void ManualClock::advance(domain::Millis d) {
  std::lock_guard lock(mu_);
  now_ += d;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace guichet::server
