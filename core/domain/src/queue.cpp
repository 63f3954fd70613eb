#include "guichet/domain/queue.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace guichet::domain {

namespace {

constexpr std::size_t kRecentSamples = 20;

template <class E, std::size_t N>
bool parse_code(const std::string& s, const E (&all)[N], E& out) {
  for (E e : all) {
    if (s == to_string(e)) {
      out = e;
      return true;
    }
  }
  return false;
}

std::int64_t ms_of(Instant t) { return to_unix_ms(t); }

int whole_minutes(std::int64_t ms) { return ms <= 0 ? 0 : static_cast<int>(ms / 60'000); }

std::string plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

QueueError err(QueueErrorKind kind, std::string message) { return QueueError{kind, std::move(message)}; }

// How many keys of `line` come before `k`, walking from whichever end is nearer, so the newest
// token (the usual question, right after issue) costs O(1).
template <class Line, class Key>
int rank_in(const Line& line, const Key& k) {
  const auto it = line.lower_bound(k);
  auto front = line.begin();
  auto back = line.end();
  int from_front = 0, from_back = 0;
  for (;;) {
    if (front == it) return from_front;
    if (back == it) return static_cast<int>(line.size()) - from_back;
    ++front;
    ++from_front;
    --back;
    ++from_back;
  }
}

bool is_final(TokenState s) {
  return s == TokenState::Served || s == TokenState::NoShow || s == TokenState::Cancelled || s == TokenState::Expired;
}

}  // namespace

// ---- codes -------------------------------------------------------------------------------------

const char* to_string(TokenState s) {
  switch (s) {
    case TokenState::Waiting:
      return "waiting";
    case TokenState::Called:
      return "called";
    case TokenState::Serving:
      return "serving";
    case TokenState::Parked:
      return "parked";
    case TokenState::Served:
      return "served";
    case TokenState::NoShow:
      return "no_show";
    case TokenState::Cancelled:
      return "cancelled";
    case TokenState::Expired:
      return "expired";
  }
  return "";
}

bool parse_token_state(const std::string& s, TokenState& out) {
  static constexpr TokenState all[] = {TokenState::Waiting,   TokenState::Called, TokenState::Serving,
                                       TokenState::Parked,    TokenState::Served, TokenState::NoShow,
                                       TokenState::Cancelled, TokenState::Expired};
  return parse_code(s, all, out);
}

const char* to_string(CallReason r) {
  switch (r) {
    case CallReason::FirstInLine:
      return "first_in_line";
    case CallReason::NormalTurn:
      return "normal_turn";
    case CallReason::PriorityTurn:
      return "priority_turn";
    case CallReason::OnlyPriorityWaiting:
      return "only_priority_waiting";
    case CallReason::WaitCap:
      return "wait_cap";
    case CallReason::DirectedToCounter:
      return "directed_to_counter";
    case CallReason::Specific:
      return "specific";
    case CallReason::Scanned:
      return "scanned";
    case CallReason::Resumed:
      return "resumed";
  }
  return "";
}

bool parse_call_reason(const std::string& s, CallReason& out) {
  static constexpr CallReason all[] = {
      CallReason::FirstInLine, CallReason::NormalTurn,        CallReason::PriorityTurn, CallReason::OnlyPriorityWaiting,
      CallReason::WaitCap,     CallReason::DirectedToCounter, CallReason::Specific,     CallReason::Scanned,
      CallReason::Resumed};
  return parse_code(s, all, out);
}

const char* to_string(EventType t) {
  switch (t) {
    case EventType::Issued:
      return "issued";
    case EventType::Called:
      return "called";
    case EventType::Recalled:
      return "recalled";
    case EventType::Started:
      return "started";
    case EventType::Finished:
      return "finished";
    case EventType::NoShow:
      return "no_show";
    case EventType::Transferred:
      return "transferred";
    case EventType::Parked:
      return "parked";
    case EventType::Resumed:
      return "resumed";
    case EventType::Cancelled:
      return "cancelled";
    case EventType::Expired:
      return "expired";
    case EventType::CarriedOver:
      return "carried_over";
    case EventType::CounterOpened:
      return "counter_opened";
    case EventType::CounterClosed:
      return "counter_closed";
  }
  return "";
}

bool parse_event_type(const std::string& s, EventType& out) {
  static constexpr EventType all[] = {EventType::Issued,        EventType::Called,       EventType::Recalled,
                                      EventType::Started,       EventType::Finished,     EventType::NoShow,
                                      EventType::Transferred,   EventType::Parked,       EventType::Resumed,
                                      EventType::Cancelled,     EventType::Expired,      EventType::CarriedOver,
                                      EventType::CounterOpened, EventType::CounterClosed};
  return parse_code(s, all, out);
}

const char* to_string(QueueErrorKind k) {
  switch (k) {
    case QueueErrorKind::UnknownService:
      return "unknown_service";
    case QueueErrorKind::UnknownCounter:
      return "unknown_counter";
    case QueueErrorKind::UnknownToken:
      return "unknown_token";
    case QueueErrorKind::UnknownPriority:
      return "unknown_priority";
    case QueueErrorKind::ServiceClosed:
      return "service_closed";
    case QueueErrorKind::DailyCapReached:
      return "daily_cap_reached";
    case QueueErrorKind::PriorityNotAllowed:
      return "priority_not_allowed";
    case QueueErrorKind::NothingWaiting:
      return "nothing_waiting";
    case QueueErrorKind::CounterBusy:
      return "counter_busy";
    case QueueErrorKind::CounterIdle:
      return "counter_idle";
    case QueueErrorKind::CounterClosed:
      return "counter_closed";
    case QueueErrorKind::RecallLimit:
      return "recall_limit";
    case QueueErrorKind::InvalidState:
      return "invalid_state";
    case QueueErrorKind::NotServedHere:
      return "not_served_here";
    case QueueErrorKind::BadLease:
      return "bad_lease";
    case QueueErrorKind::NotLeased:
      return "not_leased";
    case QueueErrorKind::NumberTaken:
      return "number_taken";
  }
  return "";
}

bool parse_queue_error_kind(const std::string& s, QueueErrorKind& out) {
  static constexpr QueueErrorKind all[] = {
      QueueErrorKind::UnknownService,     QueueErrorKind::UnknownCounter, QueueErrorKind::UnknownToken,
      QueueErrorKind::UnknownPriority,    QueueErrorKind::ServiceClosed,  QueueErrorKind::DailyCapReached,
      QueueErrorKind::PriorityNotAllowed, QueueErrorKind::NothingWaiting, QueueErrorKind::CounterBusy,
      QueueErrorKind::CounterIdle,        QueueErrorKind::CounterClosed,  QueueErrorKind::RecallLimit,
      QueueErrorKind::InvalidState,       QueueErrorKind::NotServedHere,  QueueErrorKind::BadLease,
      QueueErrorKind::NotLeased,          QueueErrorKind::NumberTaken};
  return parse_code(s, all, out);
}

// ---- token -------------------------------------------------------------------------------------

std::string Token::display_number() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03d", number);
  return prefix + buf;
}

std::string Token::spoken_number() const { return prefix + " " + std::to_string(number); }

// ---- construction ------------------------------------------------------------------------------

Queue::Queue(std::shared_ptr<const Catalogue> catalogue, std::string business_day)
    : Queue(std::move(catalogue), std::move(business_day), {}, {}) {}

Queue::Queue(std::shared_ptr<const Catalogue> catalogue, std::string business_day, std::vector<Token> tokens,
             std::vector<CounterState> counters)
    : Queue(std::move(catalogue), std::move(business_day), std::move(tokens), std::move(counters), {}) {}

Queue::Queue(std::shared_ptr<const Catalogue> catalogue, std::string business_day, std::vector<Token> tokens,
             std::vector<CounterState> counters, std::vector<NumberLease> leases)
    : catalogue_(std::move(catalogue)), business_day_(std::move(business_day)), tokens_(std::move(tokens)) {
  index_catalogue();
  for (auto& lease : leases) {
    if (lease.business_day == business_day_ && lease.count > 0) leases_.push_back(std::move(lease));
  }
  for (auto& restored : counters) {
    if (auto pos = counter_pos(restored.counter)) {
      auto& cs = counter_states_[*pos];
      cs.operator_id = restored.operator_id;
      cs.normal_since_priority = restored.normal_since_priority;
    }
  }
  rebuild();
  std::vector<const Token*> served;
  for (const auto& t : tokens_) {
    if (t.state == TokenState::Served && t.finished_at) served.push_back(&t);
  }
  std::sort(served.begin(), served.end(),
            [](const Token* a, const Token* b) { return *a->finished_at < *b->finished_at; });
  for (const Token* t : served) record_service_time(*t);
}

void Queue::index_catalogue() {
  const Catalogue& c = *catalogue_;
  service_index_.clear();
  counter_index_.clear();
  for (std::size_t i = 0; i < c.services.size(); ++i) service_index_.emplace(c.services[i].id, i);
  counter_states_.assign(c.counters.size(), {});
  counter_services_.assign(c.counters.size(), {});
  for (std::size_t i = 0; i < c.counters.size(); ++i) {
    counter_index_.emplace(c.counters[i].id, i);
    counter_states_[i].counter = c.counters[i].id;
  }
  for (std::size_t s = 0; s < c.services.size(); ++s) {
    for (const auto& cid : c.services[s].counters) {
      if (auto it = counter_index_.find(cid); it != counter_index_.end()) counter_services_[it->second].push_back(s);
    }
  }
  lines_.assign(c.services.size(), {});
  directed_.assign(c.counters.size(), {});
  recent_.assign(c.services.size(), {});
}

// Derives every index from tokens_, which are the source of truth after a restore or a day close.
void Queue::rebuild() {
  token_index_.clear();
  token_index_.reserve(tokens_.size() * 2 + 16);
  for (auto& l : lines_) l = {};
  for (auto& d : directed_) d.clear();
  issued_count_.clear();
  for (auto& cs : counter_states_) cs.current_token.clear();

  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    Token& t = tokens_[i];
    token_index_[t.id] = i;
    int& next = next_number_[t.prefix];
    next = std::max(next, t.number + 1);
    if (t.business_day == business_day_ && !t.carried_over && t.state != TokenState::Cancelled) {
      ++issued_count_[t.prefix];
    }
    if (!t.target_counter.empty() && !counter_pos(t.target_counter)) t.target_counter.clear();
    if (t.state == TokenState::Waiting) {
      enqueue(i);
    } else if (t.state == TokenState::Called || t.state == TokenState::Serving) {
      if (auto pos = counter_pos(t.counter)) {
        auto& cur = counter_states_[*pos].current_token;
        // Two current tokens at one counter can only come from damaged records; keep the later call.
        if (cur.empty() || tokens_[token_index_[cur]].called_at < t.called_at) cur = t.id;
      }
    }
  }
  // Leased numbers are gone from the numbering even while unused.
  leased_unused_.clear();
  for (const auto& lease : leases_) {
    int& next = next_number_[lease.prefix];
    next = std::max(next, lease.first + lease.count);
    int& unused = leased_unused_[lease.prefix];
    for (int n = lease.first; n < lease.first + lease.count; ++n) {
      Token probe;
      probe.prefix = lease.prefix;
      probe.number = n;
      if (!token_index_.count(catalogue_->centre.id + "-" + compact_day(business_day_) + "-" +
                              probe.display_number())) {
        ++unused;
      }
    }
  }
}

void Queue::record_service_time(const Token& t) {
  auto it = service_index_.find(t.service);
  if (it == service_index_.end() || !t.finished_at) return;
  const std::optional<Instant>& from = t.started_at ? t.started_at : t.called_at;
  if (!from) return;
  const std::int64_t ms = ms_of(*t.finished_at) - ms_of(*from);
  if (ms < 0) return;
  Recent& r = recent_[it->second];
  r.ms.push_back(ms);
  r.sum_ms += ms;
  if (r.ms.size() > kRecentSamples) {
    r.sum_ms -= r.ms.front();
    r.ms.pop_front();
  }
}

// ---- indexes -----------------------------------------------------------------------------------

Queue::Key Queue::key_of(std::size_t idx) const { return {ms_of(tokens_[idx].issued_at), idx}; }

Queue::Line* Queue::line_of(const Token& t) {
  if (!t.target_counter.empty()) {
    if (auto pos = counter_pos(t.target_counter)) return &directed_[*pos];
  }
  auto it = service_index_.find(t.service);
  if (it == service_index_.end()) return nullptr;
  auto& lines = lines_[it->second];
  return t.is_priority() ? &lines.priority : &lines.normal;
}

void Queue::enqueue(std::size_t idx) {
  if (Line* l = line_of(tokens_[idx])) l->insert(key_of(idx));
}

void Queue::dequeue(std::size_t idx) {
  if (Line* l = line_of(tokens_[idx])) l->erase(key_of(idx));
}

std::optional<std::size_t> Queue::token_pos(const std::string& token_id) const {
  auto it = token_index_.find(token_id);
  if (it == token_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::size_t> Queue::counter_pos(const std::string& counter) const {
  auto it = counter_index_.find(counter);
  if (it == counter_index_.end()) return std::nullopt;
  return it->second;
}

Token* Queue::find_mut(const std::string& token_id) {
  auto pos = token_pos(token_id);
  return pos ? &tokens_[*pos] : nullptr;
}

bool Queue::counter_serves_service(std::size_t counter_pos, const std::string& service) const {
  auto it = service_index_.find(service);
  if (it == service_index_.end()) return false;
  const auto& mine = counter_services_[counter_pos];
  return std::find(mine.begin(), mine.end(), it->second) != mine.end();
}

bool Queue::counter_serves(std::size_t counter_pos, const Token& t) const {
  if (!t.target_counter.empty()) return t.target_counter == counter_states_[counter_pos].counter;
  return counter_serves_service(counter_pos, t.service);
}

// ---- labels and events -------------------------------------------------------------------------

std::string Queue::counter_label(const std::string& counter) const {
  if (auto pos = counter_pos(counter)) {
    const Counter& c = catalogue_->counters[*pos];
    return "counter " + std::to_string(c.number);
  }
  return "counter " + counter;
}

std::string Queue::service_label(const std::string& service) const {
  auto it = service_index_.find(service);
  if (it == service_index_.end()) return service;
  return catalogue_->services[it->second].name.get("en");
}

QueueEvent Queue::make_event(EventType type, const Token& t, const std::string& counter, const std::string& actor,
                             Instant now) const {
  QueueEvent e;
  e.type = type;
  e.token = t;
  e.counter = counter;
  e.at = now;
  e.actor = actor;
  return e;
}

QueueResult<std::size_t> Queue::open_counter_state(const std::string& counter) {
  auto pos = counter_pos(counter);
  if (!pos) return err(QueueErrorKind::UnknownCounter, "no counter '" + counter + "' in this centre");
  if (counter_states_[*pos].operator_id.empty()) {
    return err(QueueErrorKind::CounterClosed, counter_label(counter) + " is closed: an operator must log in first");
  }
  return *pos;
}

// The counter must be open and have a current citizen; returns the counter's position.
QueueResult<std::size_t> Queue::busy_counter(const std::string& counter) {
  auto pos = open_counter_state(counter);
  if (!pos) return pos;
  if (counter_states_[pos.value()].current_token.empty()) {
    return err(QueueErrorKind::CounterIdle, counter_label(counter) + " has no current citizen");
  }
  return pos;
}

// ---- issuing -----------------------------------------------------------------------------------

namespace {

// "opens at 09:30", "opens tomorrow at 09:00", "opens on Monday at 09:00".
std::string next_opening(const OpeningHours& hours, const LocalTime& now) {
  for (int ahead = 0; ahead < 8; ++ahead) {
    const int wd = (now.weekday + ahead) % 7;
    for (const auto& r : hours.by_weekday[static_cast<std::size_t>(wd)]) {
      if (ahead == 0 && r.from_minute <= now.minute_of_day) continue;
      const std::string at = format_minute_of_day(r.from_minute);
      if (ahead == 0) return "opens at " + at;
      if (ahead == 1) return "opens tomorrow at " + at;
      if (ahead == 7) return "opens next " + std::string(weekday_name(wd)) + " at " + at;
      return "opens on " + std::string(weekday_name(wd)) + " at " + at;
    }
  }
  return "has no opening hours";
}

}  // namespace

QueueResult<QueueEvent> Queue::issue(const IssueRequest& request, Instant now) {
  auto sit = service_index_.find(request.service);
  if (sit == service_index_.end()) {
    return err(QueueErrorKind::UnknownService, "no service '" + request.service + "' in this centre's catalogue");
  }
  const Service& service = catalogue_->services[sit->second];
  const std::string& service_name = service.name.get("en");
  if (!request.priority.empty()) {
    const PriorityCategory* cat = catalogue_->priority_category(request.priority);
    if (!cat) return err(QueueErrorKind::UnknownPriority, "no priority category '" + request.priority + "'");
    if (std::find(service.priority_categories.begin(), service.priority_categories.end(), request.priority) ==
        service.priority_categories.end()) {
      return err(QueueErrorKind::PriorityNotAllowed,
                 service_name + " does not give priority to '" + cat->name.get("en") + "'");
    }
  }
  const LocalTime local = to_local(now, catalogue_->centre.utc_offset_minutes);
  if (!service.hours.open_at(local.weekday, local.minute_of_day)) {
    return err(QueueErrorKind::ServiceClosed,
               service_name + " is closed now; it " + next_opening(service.hours, local));
  }
  int& issued = issued_count_[service.prefix];
  if (service.daily_cap > 0 && issued + (leases_.empty() ? 0 : leased_unused_[service.prefix]) >= service.daily_cap) {
    return err(QueueErrorKind::DailyCapReached, service_name + " has reached its daily limit of " +
                                                    std::to_string(service.daily_cap) +
                                                    " tokens; please come back on the next working day");
  }

  int& next = next_number_[service.prefix];
  if (next < 1) next = 1;
  Token t;
  t.service = service.id;
  t.prefix = service.prefix;
  t.number = next++;
  t.id = catalogue_->centre.id + "-" + compact_day(business_day_) + "-" + t.display_number();
  t.priority = request.priority;
  t.language = !request.language.empty()              ? request.language
               : catalogue_->centre.languages.empty() ? std::string("en")
                                                      : catalogue_->centre.languages.front();
  t.business_day = business_day_;
  t.issued_at = now;
  t.issued_by = request.device;
  ++issued;

  const std::size_t idx = tokens_.size();
  tokens_.push_back(std::move(t));
  token_index_.emplace(tokens_[idx].id, idx);
  enqueue(idx);

  QueueEvent e = make_event(EventType::Issued, tokens_[idx], "", request.device, now);
  e.explanation = "issued for " + service_name;
  if (!request.priority.empty()) {
    e.explanation += " with priority (" + catalogue_->priority_category(request.priority)->name.get("en") + ")";
  }
  return e;
}

// ---- number leases -----------------------------------------------------------------------------

int Queue::leased_unused(const std::string& service) const {
  auto sit = service_index_.find(service);
  if (sit == service_index_.end()) return 0;
  auto it = leased_unused_.find(catalogue_->services[sit->second].prefix);
  return it == leased_unused_.end() ? 0 : it->second;
}

QueueResult<NumberLease> Queue::lease_numbers(const std::string& service_id, const std::string& device, int count,
                                              Instant now) {
  auto sit = service_index_.find(service_id);
  if (sit == service_index_.end()) {
    return err(QueueErrorKind::UnknownService, "no service '" + service_id + "' in this centre's catalogue");
  }
  if (device.empty()) return err(QueueErrorKind::BadLease, "a number block is leased to a device; none was named");
  if (count < 1 || count > kMaxLeaseNumbers) {
    return err(QueueErrorKind::BadLease, "a number block holds 1 to " + std::to_string(kMaxLeaseNumbers) +
                                             " numbers, not " + std::to_string(count));
  }
  const Service& service = catalogue_->services[sit->second];
  if (service.daily_cap > 0) {
    auto issued = issued_count_.find(service.prefix);
    const int left =
        service.daily_cap - (issued == issued_count_.end() ? 0 : issued->second) - leased_unused_[service.prefix];
    if (left <= 0) {
      return err(QueueErrorKind::DailyCapReached, service.name.get("en") +
                                                      " has no numbers left to lease today: its "
                                                      "daily limit of " +
                                                      std::to_string(service.daily_cap) +
                                                      " is issued or leased already");
    }
    count = std::min(count, left);
  }
  int& next = next_number_[service.prefix];
  if (next < 1) next = 1;
  NumberLease lease;
  lease.device = device;
  lease.service = service.id;
  lease.prefix = service.prefix;
  lease.business_day = business_day_;
  lease.first = next;
  lease.count = count;
  lease.leased_at = now;
  next += count;
  leased_unused_[service.prefix] += count;
  leases_.push_back(lease);
  return lease;
}

QueueResult<QueueEvent> Queue::issue_leased(const LeasedIssue& request, Instant now) {
  auto sit = service_index_.find(request.service);
  if (sit == service_index_.end()) {
    return err(QueueErrorKind::UnknownService, "no service '" + request.service + "' in this centre's catalogue");
  }
  const Service& service = catalogue_->services[sit->second];
  const std::string& service_name = service.name.get("en");
  Token t;
  t.service = service.id;
  t.prefix = service.prefix;
  t.number = request.number;
  t.id = catalogue_->centre.id + "-" + compact_day(business_day_) + "-" + t.display_number();
  const NumberLease* lease = nullptr;
  for (const auto& l : leases_) {
    if (l.device == request.device && l.prefix == service.prefix && l.covers(request.number)) lease = &l;
  }
  if (!lease) {
    return err(QueueErrorKind::NotLeased, t.display_number() + " is not in a number block leased to " +
                                              (request.device.empty() ? std::string("this device") : request.device) +
                                              " on " + business_day_);
  }
  if (token_index_.count(t.id)) {
    return err(QueueErrorKind::NumberTaken, t.display_number() + " was already issued on " + business_day_);
  }
  std::string note;
  t.priority = request.priority;
  if (!t.priority.empty()) {
    const PriorityCategory* cat = catalogue_->priority_category(t.priority);
    if (!cat || std::find(service.priority_categories.begin(), service.priority_categories.end(), t.priority) ==
                    service.priority_categories.end()) {
      note = "; the priority '" + t.priority + "' is not given for " + service_name + " now, so it waits as normal";
      t.priority.clear();
    }
  }
  t.language = !request.language.empty()              ? request.language
               : catalogue_->centre.languages.empty() ? std::string("en")
                                                      : catalogue_->centre.languages.front();
  t.business_day = business_day_;
  t.issued_at = std::clamp(request.issued_at, lease->leased_at, std::max(lease->leased_at, now));
  t.issued_by = request.device;
  const std::string device = request.device;
  ++issued_count_[service.prefix];
  --leased_unused_[service.prefix];

  const std::size_t idx = tokens_.size();
  tokens_.push_back(std::move(t));
  token_index_.emplace(tokens_[idx].id, idx);
  enqueue(idx);

  QueueEvent e = make_event(EventType::Issued, tokens_[idx], "", device, now);
  e.explanation = "issued for " + service_name + " by " + device +
                  " from its leased number block while the centre server was unreachable" + note;
  return e;
}

// ---- counters ----------------------------------------------------------------------------------

QueueResult<QueueEvent> Queue::open_counter(const std::string& counter, const std::string& operator_id, Instant now) {
  auto pos = counter_pos(counter);
  if (!pos) return err(QueueErrorKind::UnknownCounter, "no counter '" + counter + "' in this centre");
  CounterState& cs = counter_states_[*pos];
  const bool takeover = !cs.operator_id.empty() && cs.operator_id != operator_id;
  cs.operator_id = operator_id;
  QueueEvent e = make_event(EventType::CounterOpened, Token{}, counter, operator_id, now);
  e.explanation = counter_label(counter) + (takeover ? " taken over by another operator" : " opened");
  return e;
}

QueueResult<QueueEvent> Queue::close_counter(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = open_counter_state(counter);
  if (!pos) return pos.error();
  CounterState& cs = counter_states_[pos.value()];
  if (!cs.current_token.empty()) {
    // Closing would strand the citizen at the desk; the operator settles the token first.
    const Token& t = tokens_[token_index_.at(cs.current_token)];
    return err(QueueErrorKind::CounterBusy, counter_label(counter) + " still has " + t.display_number() + " (" +
                                                to_string(t.state) +
                                                "); finish, park, transfer or mark it no-show before closing");
  }
  cs.operator_id.clear();
  QueueEvent e = make_event(EventType::CounterClosed, Token{}, counter, actor, now);
  e.explanation = counter_label(counter) + " closed";
  return e;
}

// ---- calling -----------------------------------------------------------------------------------

std::optional<Queue::Candidate> Queue::choose_next(std::size_t cpos, Instant now) const {
  const CounterState& cs = counter_states_[cpos];
  const Line& directed = directed_[cpos];
  std::optional<Key> p, n;
  for (std::size_t s : counter_services_[cpos]) {
    const auto& lines = lines_[s];
    if (!lines.priority.empty() && (!p || *lines.priority.begin() < *p)) p = *lines.priority.begin();
    if (!lines.normal.empty() && (!n || *lines.normal.begin() < *n)) n = *lines.normal.begin();
  }
  std::optional<Key> d;
  if (!directed.empty()) d = *directed.begin();
  if (!p && !n && !d) return std::nullopt;

  std::optional<Key> oldest;
  for (const auto& k : {d, p, n}) {
    if (k && (!oldest || *k < *oldest)) oldest = k;
  }
  const QueuePolicy& policy = catalogue_->policy;
  const std::int64_t cap_ms = std::int64_t{policy.max_wait_minutes} * 60'000;
  const std::int64_t waited_ms = ms_of(now) - oldest->first;
  if (policy.max_wait_minutes > 0 && waited_ms > cap_ms) {
    const Token& t = tokens_[oldest->second];
    std::string why = "waited " + std::to_string(whole_minutes(waited_ms)) + " min, over the " +
                      std::to_string(policy.max_wait_minutes) + " min cap";
    if (t.carried_over) why += " (carried over from " + t.business_day + ")";
    return Candidate{oldest->second, CallReason::WaitCap, std::move(why)};
  }
  if (d) return Candidate{d->second, CallReason::DirectedToCounter, "transferred to this counter"};

  const std::string ratio = "(ratio " + std::to_string(policy.normal_per_priority) + ":1)";
  const int since = cs.normal_since_priority;
  const std::string since_text = plural(since, "normal call", "normal calls") + " since the last priority call";
  auto category = [&](const Key& k) {
    const PriorityCategory* cat = catalogue_->priority_category(tokens_[k.second].priority);
    return cat ? cat->name.get("en") : tokens_[k.second].priority;
  };
  auto waited = [&](const Key& k) { return std::to_string(whole_minutes(ms_of(now) - k.first)) + " min"; };
  if (p && n) {
    if (since >= policy.normal_per_priority) {
      return Candidate{p->second, CallReason::PriorityTurn,
                       since_text + " " + ratio + ": priority turn (" + category(*p) + ")"};
    }
    return Candidate{n->second, CallReason::NormalTurn,
                     since_text + " " + ratio + ": normal turn, oldest normal token (waited " + waited(*n) + ")"};
  }
  if (p) {
    return Candidate{
        p->second, CallReason::OnlyPriorityWaiting,
        "only priority tokens are waiting; oldest of them (" + category(*p) + ", waited " + waited(*p) + ")"};
  }
  return Candidate{n->second, CallReason::FirstInLine,
                   "first in line (waited " + waited(*n) + "); no priority token waiting"};
}

QueueEvent Queue::take_call(std::size_t cpos, std::size_t tpos, CallReason reason, std::string explanation,
                            const std::string& actor, Instant now) {
  dequeue(tpos);
  Token& t = tokens_[tpos];
  CounterState& cs = counter_states_[cpos];
  t.state = TokenState::Called;
  t.counter = cs.counter;
  t.target_counter.clear();
  t.called_at = now;
  t.started_at.reset();
  t.recalls = 0;
  cs.current_token = t.id;
  // Every call counts toward the ratio, whatever chose it, so out-of-order calls of normal tokens
  // bring the next priority call closer rather than letting it slip.
  if (t.is_priority()) {
    cs.normal_since_priority = 0;
  } else {
    ++cs.normal_since_priority;
  }
  QueueEvent e = make_event(EventType::Called, t, cs.counter, actor, now);
  e.reason = reason;
  e.explanation = std::move(explanation);
  return e;
}

QueueResult<QueueEvent> Queue::call_next(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = open_counter_state(counter);
  if (!pos) return pos.error();
  const std::size_t cpos = pos.value();
  const CounterState& cs = counter_states_[cpos];
  if (!cs.current_token.empty()) {
    const Token& cur = tokens_[token_index_.at(cs.current_token)];
    return err(QueueErrorKind::CounterBusy, counter_label(counter) + " already has " + cur.display_number() + " (" +
                                                to_string(cur.state) +
                                                "); finish, park, transfer or mark it no-show first");
  }
  auto next = choose_next(cpos, now);
  if (!next) return err(QueueErrorKind::NothingWaiting, "no token is waiting for " + counter_label(counter));
  return take_call(cpos, next->token, next->reason, std::move(next->explanation), actor, now);
}

// How many tokens the counter could call come before this one, oldest first.
int Queue::position_in_line(std::size_t cpos, std::size_t tpos) const {
  const Key k = key_of(tpos);
  auto before = [&](const Line& l) { return rank_in(l, k); };
  int n = before(directed_[cpos]);
  for (std::size_t s : counter_services_[cpos]) n += before(lines_[s].priority) + before(lines_[s].normal);
  return n;
}

QueueResult<QueueEvent> Queue::call_specific(const std::string& counter, const std::string& token_id, bool scanned,
                                             const std::string& actor, Instant now) {
  auto pos = open_counter_state(counter);
  if (!pos) return pos.error();
  const std::size_t cpos = pos.value();
  const CounterState& cs = counter_states_[cpos];
  if (!cs.current_token.empty()) {
    const Token& cur = tokens_[token_index_.at(cs.current_token)];
    return err(QueueErrorKind::CounterBusy, counter_label(counter) + " already has " + cur.display_number() + " (" +
                                                to_string(cur.state) +
                                                "); finish, park, transfer or mark it no-show first");
  }
  auto tpos = token_pos(token_id);
  if (!tpos) return err(QueueErrorKind::UnknownToken, "no token '" + token_id + "' in the queue");
  const Token& t = tokens_[*tpos];
  if (t.state != TokenState::Waiting) {
    std::string where = t.counter.empty() ? "" : " at " + counter_label(t.counter);
    return err(QueueErrorKind::InvalidState,
               t.display_number() + " is " + to_string(t.state) + where + ", not waiting");
  }
  if (!counter_serves(cpos, t)) {
    if (!t.target_counter.empty()) {
      return err(QueueErrorKind::NotServedHere,
                 t.display_number() + " was transferred to " + counter_label(t.target_counter));
    }
    return err(QueueErrorKind::NotServedHere, counter_label(counter) + " does not serve " + service_label(t.service));
  }
  const int ahead = position_in_line(cpos, *tpos);
  std::string why = scanned ? "token scanned at the counter" : "called out of order by the operator";
  why += "; " + plural(ahead, "token was", "tokens were") + " ahead in line";
  return take_call(cpos, *tpos, scanned ? CallReason::Scanned : CallReason::Specific, std::move(why), actor, now);
}

QueueResult<QueueEvent> Queue::recall(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = busy_counter(counter);
  if (!pos) return pos.error();
  Token& t = tokens_[token_index_.at(counter_states_[pos.value()].current_token)];
  if (t.state != TokenState::Called) {
    return err(QueueErrorKind::InvalidState,
               t.display_number() + " is already being served; there is no one to recall");
  }
  const int limit = catalogue_->policy.recall_limit;
  if (t.recalls >= limit) {
    return err(QueueErrorKind::RecallLimit, t.display_number() + " was recalled " + plural(t.recalls, "time", "times") +
                                                ", the limit of " + std::to_string(limit) +
                                                "; start service or mark a no-show");
  }
  ++t.recalls;
  QueueEvent e = make_event(EventType::Recalled, t, counter, actor, now);
  e.explanation = "recall " + std::to_string(t.recalls) + " of " + std::to_string(limit);
  return e;
}

QueueResult<QueueEvent> Queue::start(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = busy_counter(counter);
  if (!pos) return pos.error();
  Token& t = tokens_[token_index_.at(counter_states_[pos.value()].current_token)];
  if (t.state != TokenState::Called) {
    return err(QueueErrorKind::InvalidState, t.display_number() + " is already being served");
  }
  t.state = TokenState::Serving;
  t.started_at = now;
  QueueEvent e = make_event(EventType::Started, t, counter, actor, now);
  e.explanation = "service started at " + counter_label(counter);
  return e;
}

QueueResult<QueueEvent> Queue::finish(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = busy_counter(counter);
  if (!pos) return pos.error();
  CounterState& cs = counter_states_[pos.value()];
  Token& t = tokens_[token_index_.at(cs.current_token)];
  t.state = TokenState::Served;
  t.finished_at = now;
  cs.current_token.clear();
  record_service_time(t);
  QueueEvent e = make_event(EventType::Finished, t, counter, actor, now);
  const auto& from = t.started_at ? t.started_at : t.called_at;
  e.explanation = "served at " + counter_label(counter) + " in " +
                  std::to_string(whole_minutes(ms_of(now) - ms_of(from.value_or(now)))) + " min";
  return e;
}

QueueResult<QueueEvent> Queue::no_show(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = busy_counter(counter);
  if (!pos) return pos.error();
  CounterState& cs = counter_states_[pos.value()];
  Token& t = tokens_[token_index_.at(cs.current_token)];
  if (t.state != TokenState::Called) {
    return err(QueueErrorKind::InvalidState, t.display_number() + " is being served; finish it instead");
  }
  t.state = TokenState::NoShow;
  t.finished_at = now;
  cs.current_token.clear();
  QueueEvent e = make_event(EventType::NoShow, t, counter, actor, now);
  e.explanation = "did not come after " + plural(t.recalls, "recall", "recalls");
  return e;
}

QueueResult<QueueEvent> Queue::transfer(const std::string& counter, const TransferTarget& target,
                                        const std::string& actor, Instant now) {
  auto pos = busy_counter(counter);
  if (!pos) return pos.error();
  if (target.service.empty() && target.counter.empty()) {
    return err(QueueErrorKind::InvalidState, "a transfer names another service, a counter, or both");
  }
  CounterState& cs = counter_states_[pos.value()];
  const std::size_t tpos = token_index_.at(cs.current_token);
  Token& t = tokens_[tpos];
  const std::string service = target.service.empty() ? t.service : target.service;
  if (!service_index_.count(service)) {
    return err(QueueErrorKind::UnknownService, "no service '" + service + "' in this centre's catalogue");
  }
  if (!target.counter.empty()) {
    auto tc = counter_pos(target.counter);
    if (!tc) return err(QueueErrorKind::UnknownCounter, "no counter '" + target.counter + "' in this centre");
    if (!counter_serves_service(*tc, service)) {
      return err(QueueErrorKind::NotServedHere,
                 counter_label(target.counter) + " does not serve " + service_label(service));
    }
  }
  const std::string from_service = t.service;
  t.service = service;
  t.target_counter = target.counter;
  t.state = TokenState::Waiting;
  t.counter.clear();
  t.started_at.reset();
  t.recalls = 0;
  cs.current_token.clear();
  enqueue(tpos);
  QueueEvent e = make_event(EventType::Transferred, t, counter, actor, now);
  e.explanation = "transferred from " + counter_label(counter);
  if (service != from_service) e.explanation += " to " + service_label(service);
  if (!target.counter.empty())
    e.explanation += (service != from_service ? " at " : " to ") + counter_label(target.counter);
  e.explanation += "; keeps its place by issue time";
  return e;
}

QueueResult<QueueEvent> Queue::park(const std::string& counter, const std::string& actor, Instant now) {
  auto pos = busy_counter(counter);
  if (!pos) return pos.error();
  CounterState& cs = counter_states_[pos.value()];
  Token& t = tokens_[token_index_.at(cs.current_token)];
  t.state = TokenState::Parked;
  cs.current_token.clear();
  QueueEvent e = make_event(EventType::Parked, t, counter, actor, now);
  e.explanation = "set aside at " + counter_label(counter);
  return e;
}

QueueResult<QueueEvent> Queue::resume(const std::string& counter, const std::string& token_id, const std::string& actor,
                                      Instant now) {
  auto pos = open_counter_state(counter);
  if (!pos) return pos.error();
  CounterState& cs = counter_states_[pos.value()];
  if (!cs.current_token.empty()) {
    const Token& cur = tokens_[token_index_.at(cs.current_token)];
    return err(QueueErrorKind::CounterBusy, counter_label(counter) + " already has " + cur.display_number() + " (" +
                                                to_string(cur.state) +
                                                "); finish, park, transfer or mark it no-show first");
  }
  Token* t = find_mut(token_id);
  if (!t) return err(QueueErrorKind::UnknownToken, "no token '" + token_id + "' in the queue");
  if (t->state != TokenState::Parked) {
    return err(QueueErrorKind::InvalidState, t->display_number() + " is " + to_string(t->state) + ", not parked");
  }
  if (t->counter != counter && !counter_serves_service(pos.value(), t->service)) {
    return err(QueueErrorKind::NotServedHere, counter_label(counter) + " does not serve " + service_label(t->service));
  }
  const std::string parked_at = t->counter;
  t->state = TokenState::Called;
  t->counter = counter;
  t->called_at = now;
  t->started_at.reset();
  t->recalls = 0;
  cs.current_token = t->id;
  QueueEvent e = make_event(EventType::Resumed, *t, counter, actor, now);
  e.reason = CallReason::Resumed;
  e.explanation = "resumed after being set aside at " + counter_label(parked_at);
  return e;
}

QueueResult<QueueEvent> Queue::cancel(const std::string& token_id, const std::string& actor, Instant now) {
  auto tpos = token_pos(token_id);
  if (!tpos) return err(QueueErrorKind::UnknownToken, "no token '" + token_id + "' in the queue");
  Token& t = tokens_[*tpos];
  if (t.state != TokenState::Waiting || t.called_at) {
    return err(QueueErrorKind::InvalidState,
               t.display_number() + " was already called; only a token that was never called can be cancelled");
  }
  dequeue(*tpos);
  t.state = TokenState::Cancelled;
  t.finished_at = now;
  if (t.business_day == business_day_ && !t.carried_over) --issued_count_[t.prefix];
  QueueEvent e = make_event(EventType::Cancelled, t, "", actor, now);
  e.explanation = "voided before it was called";
  return e;
}

// ---- day close ---------------------------------------------------------------------------------

DayCloseReport Queue::close_day(const std::string& next_business_day, const std::string& actor, Instant now) {
  DayCloseReport report;
  const bool carry = catalogue_->policy.carry_over == CarryOver::NextDay;
  std::vector<Token> kept;
  for (Token& t : tokens_) {
    if (is_final(t.state)) continue;
    const std::string at_counter = t.counter;
    if (carry) {
      t.state = TokenState::Waiting;
      t.carried_over = true;
      t.counter.clear();
      t.started_at.reset();
      t.recalls = 0;
      QueueEvent e = make_event(EventType::CarriedOver, t, at_counter, actor, now);
      e.explanation = "unserved at the close of " + business_day_ + "; stays in line for " + next_business_day;
      report.events.push_back(std::move(e));
      ++report.carried_over;
      kept.push_back(t);
    } else {
      t.state = TokenState::Expired;
      t.finished_at = now;
      t.counter.clear();
      QueueEvent e = make_event(EventType::Expired, t, at_counter, actor, now);
      e.explanation = "unserved at the close of " + business_day_;
      report.events.push_back(std::move(e));
      ++report.expired;
    }
  }
  // Reopening the same business day keeps counting up, so no id of that day is ever reused;
  // a new day restarts just above the carried-over numbers.
  if (next_business_day != business_day_) {
    next_number_.clear();
    leases_.clear();  // a block is for one day; its unused numbers are simply never issued
  }
  business_day_ = next_business_day;
  tokens_ = std::move(kept);
  for (auto& cs : counter_states_) cs.normal_since_priority = 0;
  rebuild();
  return report;
}

// ---- queries -----------------------------------------------------------------------------------

const Token* Queue::find(const std::string& token_id) const {
  auto pos = token_pos(token_id);
  return pos ? &tokens_[*pos] : nullptr;
}

const Token* Queue::current(const std::string& counter) const {
  auto pos = counter_pos(counter);
  if (!pos || counter_states_[*pos].current_token.empty()) return nullptr;
  return find(counter_states_[*pos].current_token);
}

const CounterState* Queue::counter_state(const std::string& counter) const {
  auto pos = counter_pos(counter);
  return pos ? &counter_states_[*pos] : nullptr;
}

std::vector<const Token*> Queue::waiting_for_counter(const std::string& counter) const {
  std::vector<const Token*> out;
  auto pos = counter_pos(counter);
  if (!pos) return out;
  std::vector<Key> keys(directed_[*pos].begin(), directed_[*pos].end());
  for (std::size_t s : counter_services_[*pos]) {
    keys.insert(keys.end(), lines_[s].priority.begin(), lines_[s].priority.end());
    keys.insert(keys.end(), lines_[s].normal.begin(), lines_[s].normal.end());
  }
  std::sort(keys.begin(), keys.end());
  out.reserve(keys.size());
  for (const Key& k : keys) out.push_back(&tokens_[k.second]);
  return out;
}

std::vector<const Token*> Queue::waiting_for_service(const std::string& service) const {
  std::vector<const Token*> out;
  auto it = service_index_.find(service);
  if (it == service_index_.end()) return out;
  const auto& lines = lines_[it->second];
  std::vector<Key> keys(lines.priority.begin(), lines.priority.end());
  keys.insert(keys.end(), lines.normal.begin(), lines.normal.end());
  for (const Line& d : directed_) {
    for (const Key& k : d) {
      if (tokens_[k.second].service == service) keys.push_back(k);
    }
  }
  std::sort(keys.begin(), keys.end());
  out.reserve(keys.size());
  for (const Key& k : keys) out.push_back(&tokens_[k.second]);
  return out;
}

WaitEstimate Queue::estimate_wait(const std::string& token_id) const {
  WaitEstimate w;
  auto tpos = token_pos(token_id);
  if (!tpos) return w;
  const Token& t = tokens_[*tpos];
  auto sit = service_index_.find(t.service);
  if (sit == service_index_.end()) return w;
  const Service& service = catalogue_->services[sit->second];

  // The typical time counts as one sample, so the first few real times do not swing the estimate.
  const Recent& r = recent_[sit->second];
  const double prior_ms = service.typical_service_minutes * 60'000.0;
  w.service_minutes = (prior_ms + static_cast<double>(r.sum_ms)) / static_cast<double>(r.ms.size() + 1) / 60'000.0;

  if (!t.target_counter.empty()) {
    w.counters = 1;
  } else {
    for (std::size_t c = 0; c < counter_states_.size(); ++c) {
      if (!counter_states_[c].operator_id.empty() && counter_serves_service(c, t.service)) ++w.counters;
    }
    w.counters = std::max(w.counters, 1);
  }
  if (t.state != TokenState::Waiting) return w;

  const Key k = key_of(*tpos);
  auto older = [&](const Line& l) { return rank_in(l, k); };
  if (!t.target_counter.empty()) {
    w.ahead = older(directed_[counter_index_.at(t.target_counter)]);
  } else {
    // The ratio interleaves the two lines: every `ratio` normal calls let one priority call through.
    const auto& lines = lines_[sit->second];
    const int ratio = catalogue_->policy.normal_per_priority;
    const int priority_waiting = static_cast<int>(lines.priority.size());
    const int normal_waiting = static_cast<int>(lines.normal.size());
    if (t.is_priority()) {
      const int k_older = older(lines.priority);
      w.ahead = k_older + std::min(normal_waiting, k_older * ratio);
    } else {
      const int k_older = older(lines.normal);
      const int priority_before = ratio <= 0 ? priority_waiting : std::min(priority_waiting, k_older / ratio + 1);
      w.ahead = k_older + priority_before;
    }
  }
  const double minutes = w.ahead * w.service_minutes / w.counters;
  w.minutes = static_cast<int>(minutes);
  if (static_cast<double>(w.minutes) < minutes) ++w.minutes;
  return w;
}

int Queue::issued_today(const std::string& service) const {
  auto it = service_index_.find(service);
  if (it == service_index_.end()) return 0;
  auto c = issued_count_.find(catalogue_->services[it->second].prefix);
  return c == issued_count_.end() ? 0 : c->second;
}

}  // namespace guichet::domain
