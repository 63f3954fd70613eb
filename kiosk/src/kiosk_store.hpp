// The kiosk's own SQLite file (next to its outbox): the cached catalogue, so the kiosk starts when
// the server is down, and the issue log that makes sure no token is counted without being
// delivered (printed or shown).
//
// Issue log states, per outbox sequence number of a token request:
//   issued      the server answered with a token; delivery in progress (or interrupted by a crash)
//   abandoned   no answer in time; the citizen was told nothing was issued. If the server issues
//               it later anyway, the token is cancelled
//   delivered   printed, or shown on screen under the screen policy
//   cancel_queued, cancelled, cancel_refused   the cancellation of an undelivered token
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "guichet/store/sqlite.hpp"

namespace guichet::kiosk {

enum class IssueLogState { Issued, Abandoned, Delivered, CancelQueued, Cancelled, CancelRefused };
const char* to_string(IssueLogState s);

struct IssueLogRow {
  std::int64_t seq = 0;
  std::string token_id;  // empty until the server answered
  IssueLogState state = IssueLogState::Issued;
  std::int64_t updated_ms = 0;
};

class KioskStore {
 public:
  // Throws store::DbError naming the file if it cannot be opened or is damaged.
  explicit KioskStore(const std::string& path);

  void save_catalogue(const std::string& json_text, std::int64_t now_ms);
  std::optional<std::string> load_catalogue();

  // The server issued `token_id` for request `seq` (seen by the sync engine). Keeps the state of
  // a row that exists; a new row starts as issued.
  void record_token(std::int64_t seq, const std::string& token_id, std::int64_t now_ms);
  // Sets the state (and the token id when given).
  void set_state(std::int64_t seq, const std::string& token_id, IssueLogState state, std::int64_t now_ms);
  // Sets the state of the row holding `token_id`.
  void set_state_by_token(const std::string& token_id, IssueLogState state, std::int64_t now_ms);
  std::optional<IssueLogRow> get(std::int64_t seq);
  // Tokens the server counted that no citizen holds: issued or abandoned with a token id.
  std::vector<IssueLogRow> undelivered();
  std::int64_t max_seq();
  std::vector<IssueLogRow> all();

 private:
  store::Db db_;
  std::mutex mu_;
};

}  // namespace guichet::kiosk
