#include "guichet/server/enrollment.hpp"

#include <sodium.h>

#include <cctype>
#include <charconv>
#include <stdexcept>

#include "guichet/server/credentials.hpp"

namespace guichet::server {
namespace {

// A source without a wrong code for this long starts afresh.
constexpr std::int64_t kForgetAfterMs = 86'400'000;

}  // namespace

std::string generate_enrollment_code() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  std::string code;
  code.reserve(kEnrollmentCodeLength);
  for (std::size_t i = 0; i < kEnrollmentCodeLength; ++i) {
    // randombytes_uniform has no modulo bias.
    code += kEnrollmentAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kEnrollmentAlphabet.size()))];
  }
  return code;
}

std::optional<std::string> normalize_enrollment_code(std::string_view typed) {
  std::string plain;
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (kEnrollmentAlphabet.find(upper) == std::string_view::npos) return std::nullopt;
    plain += upper;
    if (plain.size() > kEnrollmentCodeLength) return std::nullopt;
  }
  if (plain.size() != kEnrollmentCodeLength) return std::nullopt;
  return plain;
}

std::string format_enrollment_code(std::string_view plain) {
  std::string out;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += '-';
    out += plain[i];
  }
  return out;
}

std::string enrollment_code_hash(std::string_view plain) {
  std::string material = "guichet enrollment\n";
  material += plain;
  return secret_hash(material);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  std::string_view digits = text.substr(0, text.size() - 1);
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n <= 0 || n > 1'000'000) return std::nullopt;
  switch (unit) {
    case 's':
      return std::chrono::milliseconds(n * 1000);
    case 'm':
      return std::chrono::milliseconds(n * 60'000);
    case 'h':
      return std::chrono::milliseconds(n * 3'600'000);
    case 'd':
      return std::chrono::milliseconds(n * 86'400'000);
    default:
      return std::nullopt;
  }
}

std::optional<std::chrono::milliseconds> EnrollThrottle::locked(const std::string& source, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(source);
  if (it == failures_.end()) return std::nullopt;
  return lockout_remaining(it->second, now_ms);
}

int EnrollThrottle::failed(const std::string& source, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  forget_old(now_ms);
  auto& record = failures_[source];
  if (record.locked_until_ms <= now_ms && now_ms - record.last_failure_ms > kForgetAfterMs) record = PinFailures{};
  record.operator_id = source;
  record = after_failure(record, policy_, now_ms);
  return record.failures;
}

void EnrollThrottle::succeeded(const std::string& source) {
  std::lock_guard lock(mu_);
  failures_.erase(source);
}

// Keeps the map small when many sources failed long ago.
void EnrollThrottle::forget_old(std::int64_t now_ms) {
  if (failures_.size() < 1024) return;
  std::erase_if(failures_, [now_ms](const auto& entry) {
    return entry.second.locked_until_ms <= now_ms && now_ms - entry.second.last_failure_ms > kForgetAfterMs;
  });
}

}  // namespace guichet::server
