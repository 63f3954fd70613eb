// The server's queue clock. Real time by default; a simulated clock (an origin and a speed-up
// factor) lets demos and tests play a morning in minutes. Throttling and session expiry always
// use real time: a fast demo clock must not shorten a PIN lockout.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "guichet/domain/time.hpp"

namespace guichet::server {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual domain::Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  domain::Instant now() const override;
};

// Starts at `origin` when constructed and runs `scale` times faster than real time.
class SimulatedClock final : public Clock {
 public:
  SimulatedClock(domain::Instant origin, double scale);
  domain::Instant now() const override;

 private:
  domain::Instant origin_;
  double scale_;
  std::chrono::steady_clock::time_point start_;
};

// Set by hand; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(domain::Instant start) : now_(start) {}
  domain::Instant now() const override;
  void set(domain::Instant t);
  void advance(domain::Millis d);

 private:
  mutable std::mutex mu_;
  domain::Instant now_;
};

// Milliseconds since the Unix epoch on the real clock.
std::int64_t wall_ms();

}  // namespace guichet::server
