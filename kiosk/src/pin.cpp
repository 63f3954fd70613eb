#include "pin.hpp"

#include <sodium.h>

#include <algorithm>

namespace guichet::kiosk {

namespace {
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}
}  // namespace

domain::Result<std::string, Problem> hash_pin(const std::string& pin) {
  if (pin.size() < 4 || pin.size() > 12 ||
      !std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Problem{"the PIN must be 4 to 12 digits"};
  }
  if (!sodium_ready()) return Problem{"libsodium could not be initialised"};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, pin.c_str(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Problem{"not enough memory to hash the PIN"};
  }
  return std::string(out);
}

bool valid_pin_hash(const std::string& hash) {
  return hash.starts_with("$argon2id$") && hash.size() < crypto_pwhash_STRBYTES;
}

bool verify_pin(const std::string& hash, const std::string& pin) {
  if (!sodium_ready() || !valid_pin_hash(hash)) return false;
  return crypto_pwhash_str_verify(hash.c_str(), pin.c_str(), pin.size()) == 0;
}

}  // namespace guichet::kiosk
