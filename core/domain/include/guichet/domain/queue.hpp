// Queue rules of one centre for one business day: issuing tokens, calling them to counters and
// everything that happens to a token until it is served. Pure logic: no clock, no I/O. The centre
// server persists tokens and counter states and restores a Queue from them after a restart.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/result.hpp"
#include "guichet/domain/time.hpp"

namespace guichet::domain {

enum class TokenState {
  Waiting,    // in line
  Called,     // called to a counter, citizen walking there
  Serving,    // at the counter
  Parked,     // set aside at a counter (e.g. citizen fetching a document), resumable
  Served,     // finished
  NoShow,     // did not come when called
  Cancelled,  // voided before it was ever called (e.g. the kiosk could not deliver it)
  Expired,    // unserved at day close with no carry-over
};
const char* to_string(TokenState);
bool parse_token_state(const std::string&, TokenState&);

struct Token {
  std::string id;  // "{centre}-{yyyymmdd}-{prefix}{nnn}", e.g. "LDH01-20261123-A042"
  std::string service;
  std::string prefix;
  int number = 0;
  std::string priority;      // priority category id, empty for normal
  std::string language;      // language the citizen chose at the kiosk
  std::string business_day;  // "2026-11-23", the day it was issued
  Instant issued_at{};
  TokenState state = TokenState::Waiting;
  std::string counter;         // counter it is called to / served at / parked at
  std::string target_counter;  // set by a transfer to a specific counter
  int recalls = 0;
  std::optional<Instant> called_at, started_at, finished_at;
  bool carried_over = false;
  std::string issued_by;  // device id of the kiosk (or counter) that requested it

  bool is_priority() const { return !priority.empty(); }
  // "A042": what the board shows and the slip prints.
  std::string display_number() const;
  // "A 42": what a person says (never "A zero four two").
  std::string spoken_number() const;
};

// Why a token was called. Every call carries one, with a sentence for people.
enum class CallReason {
  FirstInLine,          // oldest normal token; no priority token waiting, or none due
  NormalTurn,           // normal token's turn under the priority ratio
  PriorityTurn,         // priority token's turn under the ratio
  OnlyPriorityWaiting,  // only priority tokens wait
  WaitCap,              // waited longer than the policy's cap
  DirectedToCounter,    // transferred to this counter
  Specific,             // operator called this token out of order
  Scanned,              // operator scanned this token's QR code
  Resumed,              // parked token resumed
};
const char* to_string(CallReason);
bool parse_call_reason(const std::string&, CallReason&);

enum class EventType {
  Issued,
  Called,
  Recalled,
  Started,
  Finished,
  NoShow,
  Transferred,
  Parked,
  Resumed,
  Cancelled,
  Expired,
  CarriedOver,
  CounterOpened,
  CounterClosed,
};
const char* to_string(EventType);
bool parse_event_type(const std::string&, EventType&);

struct QueueEvent {
  EventType type = EventType::Issued;
  Token token;                       // the token after the event (empty id for counter events)
  std::string counter;               // counter involved, if any
  std::optional<CallReason> reason;  // for Called and Resumed
  std::string explanation;           // why, in a sentence (English; the UI may translate the code)
  Instant at{};
  std::string actor;  // operator id or device id; never empty for recorded events
};

enum class QueueErrorKind {
  UnknownService,
  UnknownCounter,
  UnknownToken,
  UnknownPriority,
  ServiceClosed,  // outside opening hours
  DailyCapReached,
  PriorityNotAllowed,  // category not offered for this service
  NothingWaiting,
  CounterBusy,    // counter already has a called/serving citizen
  CounterIdle,    // action needs a current citizen and there is none
  CounterClosed,  // no operator at that counter
  RecallLimit,
  InvalidState,   // token is not in a state that allows this action
  NotServedHere,  // counter does not serve this token's service
  BadLease,       // a number block of a size that cannot be leased
  NotLeased,      // a number reported as issued from a block the device does not hold
  NumberTaken,    // a number reported as issued from a block, but already issued
};
const char* to_string(QueueErrorKind);  // stable code for APIs: "service_closed", …
bool parse_queue_error_kind(const std::string&, QueueErrorKind&);

struct QueueError {
  QueueErrorKind kind;
  std::string message;  // for people: what and why
};

template <class T>
using QueueResult = Result<T, QueueError>;

struct IssueRequest {
  std::string service;
  std::string priority;  // empty = normal
  std::string language = "en";
  std::string device;  // issuing device (actor)
};

// A block of token numbers a kiosk holds in advance, so that it can go on issuing tokens while
// the centre node is unreachable. The numbers leave the service's numbering when they are leased,
// so nobody else issues them that day; the kiosk reports each token it issued from the block
// later (issue_leased), and the token takes its place in line by the time it was issued.
struct NumberLease {
  std::string device;   // the kiosk holding it
  std::string service;  // service id
  std::string prefix;   // the service's token prefix (numbering is per prefix)
  std::string business_day;
  int first = 0;  // the numbers first … first + count - 1
  int count = 0;
  Instant leased_at{};
  bool covers(int number) const { return number >= first && number < first + count; }
};

inline constexpr int kMaxLeaseNumbers = 200;

// A token a kiosk issued from its leased block while the centre node was unreachable.
struct LeasedIssue {
  std::string service;
  std::string priority;  // empty = normal
  std::string language;
  std::string device;  // must hold the block the number is in
  int number = 0;
  Instant issued_at{};  // the kiosk's time of issue
};

struct TransferTarget {
  std::string service;  // empty = keep the service
  std::string counter;  // empty = any counter serving the service
};

struct CounterState {
  std::string counter;
  std::string operator_id;        // empty = closed
  std::string current_token;      // called or serving token, empty if free
  int normal_since_priority = 0;  // normal calls since this counter last called a priority token
};

struct WaitEstimate {
  int ahead = 0;               // tokens expected to be called before this one
  int minutes = 0;             // estimated wait, rounded up
  double service_minutes = 0;  // average service time used
  int counters = 0;            // counters serving the service used for the estimate
};

struct DayCloseReport {
  std::vector<QueueEvent> events;  // CarriedOver / Expired per unserved token
  int carried_over = 0;
  int expired = 0;
};

class Queue {
 public:
  Queue(std::shared_ptr<const Catalogue> catalogue, std::string business_day);
  // Restores a queue persisted by the server. The tokens are the source of truth: a counter's
  // current token is the Called/Serving token at that counter, whatever `counters` says; counter
  // states contribute the operator and the ratio count. Recent service times are rebuilt from
  // the Served tokens.
  Queue(std::shared_ptr<const Catalogue> catalogue, std::string business_day, std::vector<Token> tokens,
        std::vector<CounterState> counters);
  // The same, with the day's number leases (their numbers are never issued again that day).
  Queue(std::shared_ptr<const Catalogue> catalogue, std::string business_day, std::vector<Token> tokens,
        std::vector<CounterState> counters, std::vector<NumberLease> leases);

  const Catalogue& catalogue() const { return *catalogue_; }
  const std::string& business_day() const { return business_day_; }

  // Checks in order: service, priority category, opening hours (in the centre's local time; the
  // message says when it opens next), daily cap (counting leased numbers not yet used). An empty
  // language becomes the centre's first.
  QueueResult<QueueEvent> issue(const IssueRequest& request, Instant now);
  // Leases the next `count` numbers of a service to a kiosk for this business day (1 to
  // kMaxLeaseNumbers). Opening hours are not checked (kiosks lease before the doors open). With a
  // daily cap, the block is cut to what the cap still allows after the tokens issued and the
  // numbers leased but not yet used; none left is DailyCapReached.
  QueueResult<NumberLease> lease_numbers(const std::string& service, const std::string& device, int count, Instant now);
  // Records a token the kiosk issued from its block while the node was unreachable. The number
  // must be in a block this device holds today (NotLeased) and not yet issued (NumberTaken).
  // The citizen already holds the slip, so what the kiosk checked is not refused again: outside
  // opening hours or over the cap it is still recorded, and a priority category the catalogue no
  // longer gives this service makes a normal token (the explanation says so). The time of issue
  // is kept between the lease and `now`, so a kiosk clock that ran ahead cannot push the token
  // behind later citizens, nor one that ran behind put it before the lease.
  QueueResult<QueueEvent> issue_leased(const LeasedIssue& request, Instant now);
  // The day's leases, in the order they were made.
  const std::vector<NumberLease>& leases() const { return leases_; }
  // Numbers of the service's leases not yet reported as issued.
  int leased_unused(const std::string& service) const;

  // Logs an operator in at a counter (another operator may take over an open counter).
  QueueResult<QueueEvent> open_counter(const std::string& counter, const std::string& operator_id, Instant now);
  // Refused (CounterBusy) while the counter has a called or serving citizen, who would be stranded.
  QueueResult<QueueEvent> close_counter(const std::string& counter, const std::string& actor, Instant now);

  // The counter must be open and free. Among the waiting tokens it may call (its services, or
  // transferred to it; a token transferred to a counter goes only there), oldest first:
  //  1. a token waiting longer than policy.max_wait_minutes: the oldest such (WaitCap);
  //  2. a token transferred to this counter (DirectedToCounter);
  //  3. priority and normal tokens both waiting: priority when the counter has made
  //     policy.normal_per_priority normal calls since its last priority call (PriorityTurn),
  //     else the oldest normal (NormalTurn); only one kind waiting: FirstInLine or
  //     OnlyPriorityWaiting.
  // Every call (next, specific, scanned) of a normal token counts toward the ratio; a priority
  // call resets it. The event's explanation says why in a sentence.
  QueueResult<QueueEvent> call_next(const std::string& counter, const std::string& actor, Instant now);
  // Calls `token_id` out of order (scanned = it came from the token's QR).
  QueueResult<QueueEvent> call_specific(const std::string& counter, const std::string& token_id, bool scanned,
                                        const std::string& actor, Instant now);
  // Called (not yet serving) tokens only, at most policy.recall_limit times.
  QueueResult<QueueEvent> recall(const std::string& counter, const std::string& actor, Instant now);
  QueueResult<QueueEvent> start(const std::string& counter, const std::string& actor, Instant now);
  // From Called or Serving; records the service time used by wait estimates.
  QueueResult<QueueEvent> finish(const std::string& counter, const std::string& actor, Instant now);
  // Called tokens only: a citizen being served has come.
  QueueResult<QueueEvent> no_show(const std::string& counter, const std::string& actor, Instant now);
  // Puts the current token back in line for another service and/or a specific counter (at least
  // one must be given). It keeps its place by issue time, so the citizen does not start over.
  QueueResult<QueueEvent> transfer(const std::string& counter, const TransferTarget& target, const std::string& actor,
                                   Instant now);
  QueueResult<QueueEvent> park(const std::string& counter, const std::string& actor, Instant now);
  // A parked token comes back as Called, at the counter that parked it or any counter serving
  // its service.
  QueueResult<QueueEvent> resume(const std::string& counter, const std::string& token_id, const std::string& actor,
                                 Instant now);
  // Voids a token that was never called (the kiosk could not deliver it).
  QueueResult<QueueEvent> cancel(const std::string& token_id, const std::string& actor, Instant now);

  // Ends the business day: unserved tokens (waiting, called, serving, parked) carry over as
  // waiting tokens or expire, per policy; numbering restarts (above any carried-over number, so
  // displayed numbers never repeat within a day). Afterwards tokens() holds only the carried-over
  // tokens: finished ones belong to the closed day (the caller has their events). A new day ends
  // the number leases of the old one. Counters keep
  // their operators; their current tokens and ratio counts are cleared.
  DayCloseReport close_day(const std::string& next_business_day, const std::string& actor, Instant now);

  // Queries.
  const Token* find(const std::string& token_id) const;
  const Token* current(const std::string& counter) const;
  const CounterState* counter_state(const std::string& counter) const;
  const std::vector<Token>& tokens() const { return tokens_; }
  const std::vector<CounterState>& counters() const { return counter_states_; }
  // Waiting tokens a counter may call, oldest first.
  std::vector<const Token*> waiting_for_counter(const std::string& counter) const;
  // Waiting tokens of a service, oldest first.
  std::vector<const Token*> waiting_for_service(const std::string& service) const;
  // Estimated wait for a waiting token: tokens likely to be called first (older ones of its kind,
  // plus the other kind interleaved by the ratio) × the average of the service's last 20 service
  // times (the typical time counting as one more sample) ÷ open counters serving it (at least 1).
  WaitEstimate estimate_wait(const std::string& token_id) const;
  // Tokens issued today for a service (cancelled and carried-over ones do not count).
  int issued_today(const std::string& service) const;

 private:
  // Waiting tokens are ordered oldest first: by issue time, then by position in tokens_ (the
  // order of issue), so carried-over and transferred tokens keep their place in line.
  using Key = std::pair<std::int64_t, std::size_t>;
  using Line = std::set<Key>;
  struct ServiceLines {
    Line priority, normal;
  };
  struct Recent {  // last service durations of one service, for wait estimates
    std::deque<std::int64_t> ms;
    std::int64_t sum_ms = 0;
  };
  struct Candidate {
    std::size_t token = 0;
    CallReason reason = CallReason::FirstInLine;
    std::string explanation;
  };

  void index_catalogue();
  void rebuild();
  void record_service_time(const Token& t);
  Key key_of(std::size_t idx) const;
  Line* line_of(const Token& t);
  void enqueue(std::size_t idx);
  void dequeue(std::size_t idx);
  Token* find_mut(const std::string& token_id);
  std::optional<std::size_t> token_pos(const std::string& token_id) const;
  std::optional<std::size_t> counter_pos(const std::string& counter) const;
  QueueResult<std::size_t> open_counter_state(const std::string& counter);
  QueueResult<std::size_t> busy_counter(const std::string& counter);
  bool counter_serves(std::size_t counter_pos, const Token& t) const;
  bool counter_serves_service(std::size_t counter_pos, const std::string& service) const;
  std::optional<Candidate> choose_next(std::size_t counter_pos, Instant now) const;
  QueueEvent take_call(std::size_t counter_pos, std::size_t token_pos, CallReason reason, std::string explanation,
                       const std::string& actor, Instant now);
  int position_in_line(std::size_t counter_pos, std::size_t token_pos) const;
  std::string counter_label(const std::string& counter) const;
  std::string service_label(const std::string& service) const;
  QueueEvent make_event(EventType type, const Token& t, const std::string& counter, const std::string& actor,
                        Instant now) const;

  std::shared_ptr<const Catalogue> catalogue_;
  std::string business_day_;
  std::vector<Token> tokens_;
  std::vector<CounterState> counter_states_;  // one per catalogue counter, in catalogue order

  std::unordered_map<std::string, std::size_t> token_index_;
  std::unordered_map<std::string, std::size_t> service_index_;
  std::unordered_map<std::string, std::size_t> counter_index_;
  std::vector<std::vector<std::size_t>> counter_services_;  // per counter: positions of its services
  std::vector<ServiceLines> lines_;                         // per service: waiting, not directed
  std::vector<Line> directed_;                              // per counter: waiting, transferred to it
  std::unordered_map<std::string, int> next_number_;        // per prefix
  std::unordered_map<std::string, int> issued_count_;       // per prefix: issued today, not cancelled
  std::vector<Recent> recent_;                              // per service
  std::vector<NumberLease> leases_;                         // this business day's
  std::unordered_map<std::string, int> leased_unused_;      // per prefix: leased numbers not yet issued
};

}  // namespace guichet::domain
