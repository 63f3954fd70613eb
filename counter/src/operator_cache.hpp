// The operators who logged in at this counter lately, so that a PIN can be checked here when the
// centre server cannot be reached (a counter restarted during a power cut comes up before the
// centre node does). Each entry is written when the server accepts a PIN and removed when the
// server refuses one; it is good for a limited time (7 days by default).
//
// Only an argon2id hash of the PIN is kept (libsodium crypto_pwhash_str, the server's own
// limits), in operators.sqlite in the counter's data directory; never the PIN. Wrong PINs typed
// here are counted per operator in the same file, so a restart does not reset them: after 5 in a
// row the operator waits 30 s, then twice as long after each further one, up to 15 minutes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace guichet::store {
class Db;
}

namespace guichet::counter {

struct CachedOperator {
  std::string id, name, role;
};

struct OfflineCheck {
  enum class Kind {
    Accepted,   // the PIN matches the one the server last accepted
    WrongPin,   // it does not
    Unknown,    // nobody by that id logged in here lately (or the entry ran out)
    LockedOut,  // too many wrong PINs: wait `retry_after_ms`
  };
  Kind kind = Kind::Unknown;
  CachedOperator op;
  std::int64_t retry_after_ms = 0;
  int failures = 0;  // wrong PINs in a row, this one included
};

class OperatorCache {
 public:
  struct Options {
    std::chrono::hours valid_for{24 * 7};  // an entry is not used once it is older than this
    int free_failures = 5;                 // wrong PINs in a row before waiting
    std::chrono::milliseconds first_wait{30000};
    std::chrono::milliseconds longest_wait{15 * 60 * 1000};
  };

  // Opens (or creates) the file; throws store::DbError naming it when it cannot, or when it is
  // damaged (it is never started afresh silently: an operator would be refused without a reason).
  OperatorCache(const std::string& path, Options options);
  ~OperatorCache();
  OperatorCache(const OperatorCache&) = delete;
  OperatorCache& operator=(const OperatorCache&) = delete;

  // The server accepted `pin` for `op` at `now_ms` (the terminal's clock). Takes tens of
  // milliseconds on purpose (the hash): call it off the UI thread.
  void remember(const CachedOperator& op, const std::string& pin, std::int64_t now_ms);
  // The server refused this operator's PIN (it was changed, or the operator removed).
  void forget(const std::string& operator_id);
  // Checks a PIN here. An entry from more than an hour in the future of `now_ms` (the clock was
  // set back) counts as run out.
  OfflineCheck check(const std::string& operator_id, const std::string& pin, std::int64_t now_ms);
  // Entries that ran out are deleted (the hashes are personal data kept no longer than needed).
  int purge(std::int64_t now_ms);

 private:
  bool fresh(std::int64_t verified_ms, std::int64_t now_ms) const;

  Options options_;
  std::unique_ptr<store::Db> db_;
};

}  // namespace guichet::counter
