// The kiosk's own SQLite file (next to its outbox): the cached catalogue, so the kiosk starts when
// the server is down, and the issue log that makes sure no token is counted without being
// delivered (printed or shown).
//
// Issue log states, per outbox sequence number of a token request:
//   issued      the server answered with a token; delivery in progress (or interrupted by a crash)
//   abandoned   no answer in time; the citizen was told nothing was issued (or got a number from a
//               leased block). The request is withdrawn at once: its outbox entry, still pending,
//               is rewritten in place (same sequence, same idempotency key) into a withdrawal, so
//               the server never issues it. If the server had issued it already (the answer was
//               lost, or the engine was sending it at that moment), the token is cancelled
//   withdrawn   the server answered the withdrawal: it issued nothing, and never will under that key
//   delivered   printed, or shown on screen under the screen policy
//   cancel_queued, cancelled, cancel_refused   the cancellation of an undelivered token
//
// Number blocks: per service, the blocks of token numbers leased from the centre node for one
// business day (POST /api/v1/leases), and every number taken from them. A number is taken in the
// same transaction that moves the block on, so it is never given twice, across crashes too.
// Leased issue states, per number:
//   taken       the number left the block; the slip is being printed (or a crash interrupted it)
//   delivered   printed, or shown on screen under the screen policy; the report is being written
//   reported    the report is in the outbox (its sequence number kept)
//   uploaded    the server queued it;  refused: the server refused the report (message logged)
//   void        never delivered (print failed under the stop policy, or a crash before the
//               slip was known printed): never reported, so it never reaches the queue; the
//               number stays unused in the server's lease
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "guichet/store/sqlite.hpp"

namespace guichet::kiosk {

enum class IssueLogState { Issued, Abandoned, Delivered, CancelQueued, Cancelled, CancelRefused, Withdrawn };
const char* to_string(IssueLogState s);

struct IssueLogRow {
  std::int64_t seq = 0;
  std::string token_id;  // empty until the server answered
  IssueLogState state = IssueLogState::Issued;
  std::int64_t updated_ms = 0;
};

// A block of numbers leased from the centre node: first … first + count - 1; `next` is the next
// number to take.
struct NumberBlock {
  std::int64_t id = 0;
  std::string service;
  std::string prefix;
  std::string centre;        // the centre id (token ids are "{centre}-{yyyymmdd}-{prefix}{nnn}")
  std::string business_day;  // the server's business day of the lease, "2026-11-23"
  int first = 0, count = 0, next = 0;
  std::int64_t clock_offset_ms = 0;  // the server's clock minus the kiosk's, seen at the lease
  int utc_offset_minutes = 0;        // the centre's zone
  std::int64_t leased_ms = 0;        // the kiosk's clock
  int left() const { return first + count - next; }
};

enum class LeasedState { Taken, Delivered, Reported, Uploaded, Refused, Void };
const char* to_string(LeasedState s);

struct LeasedIssueRow {
  std::string prefix;
  std::string business_day;
  int number = 0;
  std::string service;
  LeasedState state = LeasedState::Taken;
  std::string report;    // the report's JSON body (service, leased_number, issued_at, …)
  std::int64_t seq = 0;  // the report's outbox sequence, once reported
  std::int64_t updated_ms = 0;
};

// A number just taken from a block, with the block it came from.
struct TakenNumber {
  NumberBlock block;
  int number = 0;
};

// A lease request written before it is sent, so that a lost answer is asked again with the same
// idempotency key (the server then answers with the same block instead of leasing another).
struct LeaseRequest {
  std::string key;
  std::string service;
  int count = 0;
};

class KioskStore {
 public:
  // Throws store::DbError naming the file if it cannot be opened or is damaged (its SQLite header
  // checked first, as the outbox's is): a damaged file is never replaced by an empty one.
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
  // Requests abandoned before any answer was known (no token id), oldest first: each is to be
  // withdrawn, or settled from the answer its outbox entry got.
  std::vector<IssueLogRow> abandoned_unanswered();
  std::int64_t max_seq();
  std::vector<IssueLogRow> all();

  // ---- number blocks ----
  void add_block(const NumberBlock& block);
  // The service's blocks of `business_day`, oldest first.
  std::vector<NumberBlock> blocks(const std::string& service, const std::string& business_day);
  // Numbers left in the service's blocks of `business_day`.
  int numbers_left(const std::string& service, const std::string& business_day);
  // The most recently leased block (its clock offset and zone tell the kiosk the server's day).
  std::optional<NumberBlock> latest_block();
  // Takes the next number of the service's oldest block of `business_day` with numbers left and
  // records it as taken with `report`, in one transaction. None left: nullopt, nothing changes.
  std::optional<TakenNumber> take_number(const std::string& service, const std::string& business_day,
                                         const std::function<std::string(const TakenNumber&)>& report,
                                         std::int64_t now_ms);
  void set_leased_state(const std::string& prefix, const std::string& business_day, int number, LeasedState state,
                        std::int64_t seq, std::int64_t now_ms);
  void set_leased_state_by_seq(std::int64_t seq, LeasedState state, std::int64_t now_ms);
  std::optional<LeasedIssueRow> leased(const std::string& prefix, const std::string& business_day, int number);
  // Numbers taken or delivered and not yet reported (what a crash interrupted).
  std::vector<LeasedIssueRow> leased_unsettled();
  std::vector<LeasedIssueRow> leased_all();
  // Drops the blocks of days before `business_day`, and the settled numbers of those days.
  int drop_blocks_before(const std::string& business_day);

  // A lease request not yet answered for the service, or a new one (its key made from `device`
  // and a durable counter) written first.
  LeaseRequest lease_request(const std::string& service, int count, const std::string& device);
  // The request was answered (with a block, added in the same transaction, or refused).
  void finish_lease_request(const std::string& key, const std::optional<NumberBlock>& block);

 private:
  store::Db db_;
  std::mutex mu_;
};

}  // namespace guichet::kiosk
