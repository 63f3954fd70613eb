// Secrets and PINs. Device secrets are 32 random bytes; the server keeps only their BLAKE2b hash
// (libsodium crypto_generichash), which is enough because the secret itself has full entropy.
// Operator PINs are short, so they are stored as argon2id hashes (crypto_pwhash_str), which make
// guessing slow even for someone holding the database file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace guichet::server {

// `bytes` random bytes from libsodium, as lower-case hex.
std::string random_hex(std::size_t bytes);

// Lower-case hex of the 32-byte BLAKE2b hash of `text`.
std::string secret_hash(std::string_view text);

// Compares in constant time.
bool secret_matches(std::string_view secret, std::string_view stored_hash);

// A PIN is 4 to 12 digits. Returns a message for people when it is not.
std::optional<std::string> pin_format_problem(std::string_view pin);

// argon2id hash in libsodium's string format, with the interactive limits. Throws
// std::runtime_error if the system cannot provide the memory the hash needs.
std::string hash_pin(std::string_view pin);

bool verify_pin(std::string_view pin, const std::string& stored_hash);

// A hash of a PIN nobody has: verifying against it costs the same as a real check, so a wrong
// operator id cannot be told from a wrong PIN by timing.
const std::string& decoy_pin_hash();

}  // namespace guichet::server
