// Enrollment of terminals with one-time codes. An administrator creates a code for a device kind
// (optionally with the device id and a name); the terminal sends it once to POST /api/v1/enroll
// and receives its device id and secret.
//
// A code is 10 characters from a 31-character alphabet without look-alikes (no 0/O, 1/I/L), drawn
// uniformly with libsodium: about 49.5 bits. It is shown grouped as "7KQ4-M9XT-2R"; dashes,
// spaces and lower case are accepted when typed. Only its hash is stored, it is used once and it
// expires. Wrong codes are throttled per network address (EnrollThrottle), so guessing one is out
// of reach: at most a handful of guesses a minute against 31^10 codes.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "guichet/server/throttle.hpp"

namespace guichet::server {

inline constexpr std::string_view kEnrollmentAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
inline constexpr std::size_t kEnrollmentCodeLength = 10;
inline constexpr std::chrono::hours kDefaultEnrollmentLifetime{24};
inline constexpr std::chrono::hours kMaxEnrollmentLifetime{24 * 30};
// A retry of the same enrollment (same code and nonce) is answered for this long after the code
// was used: long enough for a terminal whose answer was lost to try again, short enough that a
// captured request cannot be replayed later.
inline constexpr std::chrono::minutes kEnrollmentRetryWindow{15};

// A new code: 10 characters from kEnrollmentAlphabet, not grouped.
std::string generate_enrollment_code();

// The code as typed ("7kq4 m9xt-2r") in its plain form ("7KQ4M9XT2R"), or nothing when it is not
// 10 characters of the alphabet once dashes and blanks are removed.
std::optional<std::string> normalize_enrollment_code(std::string_view typed);

// "7KQ4M9XT2R" → "7KQ4-M9XT-2R".
std::string format_enrollment_code(std::string_view plain);

// What the database holds for a code (or a terminal's nonce): a BLAKE2b hash, hex.
std::string enrollment_code_hash(std::string_view plain);

// A duration such as "24h", "90m", "7d" or "3600s"; nothing when not understood or not positive.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Wrong enrollment codes, per source (the client's network address). The first few are answered at
// once; after that each wrong code locks the source out for a delay that doubles up to the cap.
// Kept in memory: the lockout protects a running server, and a restart does not help a guesser
// (every guess still costs a request, and the codes expire).
class EnrollThrottle {
 public:
  static ThrottlePolicy default_policy() {
    return ThrottlePolicy{5, std::chrono::milliseconds(1000), std::chrono::minutes(5)};
  }
  explicit EnrollThrottle(ThrottlePolicy policy = default_policy()) : policy_(policy) {}

  // How long `source` must still wait, if locked out.
  std::optional<std::chrono::milliseconds> locked(const std::string& source, std::int64_t now_ms);
  // Counts one wrong code; returns how many in a row.
  int failed(const std::string& source, std::int64_t now_ms);
  // A correct code clears the count.
  void succeeded(const std::string& source);

 private:
  void forget_old(std::int64_t now_ms);
  ThrottlePolicy policy_;
  std::mutex mu_;
  std::unordered_map<std::string, PinFailures> failures_;
};

}  // namespace guichet::server
