// The staff PIN guarding settings and exit, stored only as an argon2id hash (libsodium).
#pragma once

#include <string>

#include "guichet/domain/result.hpp"
#include "problem.hpp"

namespace guichet::kiosk {

// "$argon2id$v=19$m=…" for a PIN of 4 to 12 digits; refuses anything else with a message.
domain::Result<std::string, Problem> hash_pin(const std::string& pin);
// Whether the text looks like an argon2id hash this kiosk can check.
bool valid_pin_hash(const std::string& hash);
// Constant-time verification (takes tens of milliseconds on purpose: run it off the UI thread).
bool verify_pin(const std::string& hash, const std::string& pin);

}  // namespace guichet::kiosk
