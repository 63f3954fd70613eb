#include "guichet/server/credentials.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace guichet::server {
namespace {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    return true;
  }();
  (void)ready;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  std::string hex = to_hex(buf.data(), buf.size());
  sodium_memzero(buf.data(), buf.size());
  return hex;
}

std::string secret_hash(std::string_view text) {
  ensure_sodium();
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  return to_hex(out, sizeof out);
}

bool secret_matches(std::string_view secret, std::string_view stored_hash) {
  std::string h = secret_hash(secret);
  if (h.size() != stored_hash.size()) return false;
  return sodium_memcmp(h.data(), stored_hash.data(), h.size()) == 0;
}

std::optional<std::string> pin_format_problem(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 12) return "a PIN has 4 to 12 digits";
  for (char c : pin) {
    if (c < '0' || c > '9') return "a PIN has digits only";
  }
  return std::nullopt;
}

std::string hash_pin(std::string_view pin) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("not enough memory to hash the PIN (argon2id needs 64 MiB)");
  }
  return std::string(out);
}

bool verify_pin(std::string_view pin, const std::string& stored_hash) {
  ensure_sodium();
  return crypto_pwhash_str_verify(stored_hash.c_str(), pin.data(), pin.size()) == 0;
}

const std::string& decoy_pin_hash() {
  static const std::string hash = hash_pin(random_hex(8));
  return hash;
}

}  // namespace guichet::server
