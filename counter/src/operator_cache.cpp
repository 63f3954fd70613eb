#include "operator_cache.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "guichet/store/sqlite.hpp"

namespace guichet::counter {

namespace {

constexpr std::int64_t kHourMs = 3600LL * 1000;

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string hash_of(const std::string& pin) {
  if (!sodium_ready()) throw std::runtime_error("libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, pin.c_str(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("not enough memory to hash a PIN");
  }
  return std::string(out);
}

bool matches(const std::string& hash, const std::string& pin) {
  if (!sodium_ready() || !hash.starts_with("$argon2id$") || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), pin.c_str(), pin.size()) == 0;
}

// A hash of a PIN nobody has: an unknown operator costs the same time as a known one.
const std::string& decoy() {
  static const std::string hash = hash_of("decoy-" + std::to_string(randombytes_random()));
  return hash;
}

const std::vector<std::string> kMigrations = {
    R"(CREATE TABLE operators (
         id TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         role TEXT NOT NULL,
         pin_hash TEXT NOT NULL,
         verified_ms INTEGER NOT NULL,
         failures INTEGER NOT NULL DEFAULT 0,
         locked_until_ms INTEGER NOT NULL DEFAULT 0
       ))",
};

}  // namespace

OperatorCache::OperatorCache(const std::string& path, Options options)
    : options_(options), db_(std::make_unique<store::Db>(path)) {
  db_->migrate(kMigrations);
}

OperatorCache::~OperatorCache() = default;

bool OperatorCache::fresh(std::int64_t verified_ms, std::int64_t now_ms) const {
  const std::int64_t age = now_ms - verified_ms;
  return age >= -kHourMs && age < std::chrono::duration_cast<std::chrono::milliseconds>(options_.valid_for).count();
}

void OperatorCache::remember(const CachedOperator& op, const std::string& pin, std::int64_t now_ms) {
  const std::string hash = hash_of(pin);
  auto st = db_->prepare(
      "INSERT INTO operators (id, name, role, pin_hash, verified_ms, failures, locked_until_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, 0, 0) "
      "ON CONFLICT(id) DO UPDATE SET name = ?2, role = ?3, pin_hash = ?4, verified_ms = ?5, failures = 0, "
      "locked_until_ms = 0");
  st.bind(1, op.id).bind(2, op.name).bind(3, op.role).bind(4, hash).bind(5, now_ms);
  st.run();
}

void OperatorCache::forget(const std::string& operator_id) {
  auto st = db_->prepare("DELETE FROM operators WHERE id = ?1");
  st.bind(1, operator_id);
  st.run();
}

OfflineCheck OperatorCache::check(const std::string& operator_id, const std::string& pin, std::int64_t now_ms) {
  OfflineCheck out;
  auto st =
      db_->prepare("SELECT name, role, pin_hash, verified_ms, failures, locked_until_ms FROM operators WHERE id = ?1");
  st.bind(1, operator_id);
  if (!st.step() || !fresh(st.int64(3), now_ms)) {
    (void)matches(decoy(), pin);
    out.kind = OfflineCheck::Kind::Unknown;
    return out;
  }
  const CachedOperator op{operator_id, st.text(0), st.text(1)};
  const std::string hash = st.text(2);
  const int failures = st.int32(4);
  const std::int64_t locked_until = st.int64(5);
  st.reset();
  // A lock set more than the longest wait ahead means the clock was set back: it is not kept
  // for longer than it was meant to last.
  const std::int64_t longest = options_.longest_wait.count();
  if (locked_until > now_ms && locked_until - now_ms <= longest) {
    out.kind = OfflineCheck::Kind::LockedOut;
    out.retry_after_ms = locked_until - now_ms;
    out.failures = failures;
    return out;
  }
  if (matches(hash, pin)) {
    if (failures != 0) {
      auto clear = db_->prepare("UPDATE operators SET failures = 0, locked_until_ms = 0 WHERE id = ?1");
      clear.bind(1, operator_id);
      clear.run();
    }
    out.kind = OfflineCheck::Kind::Accepted;
    out.op = op;
    return out;
  }
  out.kind = OfflineCheck::Kind::WrongPin;
  out.failures = failures + 1;
  std::int64_t lock = 0;
  if (out.failures >= options_.free_failures) {
    const int doublings = std::min(out.failures - options_.free_failures, 20);
    const std::int64_t wait = std::min(longest, options_.first_wait.count() << doublings);
    lock = now_ms + wait;
    out.retry_after_ms = wait;
  }
  auto update = db_->prepare("UPDATE operators SET failures = ?2, locked_until_ms = ?3 WHERE id = ?1");
  update.bind(1, operator_id).bind(2, out.failures).bind(3, lock);
  update.run();
  return out;
}

int OperatorCache::purge(std::int64_t now_ms) {
  const std::int64_t valid = std::chrono::duration_cast<std::chrono::milliseconds>(options_.valid_for).count();
  auto st = db_->prepare("DELETE FROM operators WHERE verified_ms <= ?1 OR verified_ms > ?2");
  st.bind(1, now_ms - valid).bind(2, now_ms + kHourMs);
  st.run();
  return db_->changes();
}

}  // namespace guichet::counter
