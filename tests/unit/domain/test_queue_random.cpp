// Randomized runs over long operation sequences. A plain model of the queue (lists scanned in full,
// no indexes) predicts the outcome of every operation, and the invariants are checked after every
// step: no token served twice, none lost, one current token per counter at most, the priority ratio
// and the wait cap.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

#include "guichet/domain/queue.hpp"
#include "queue_fixture.hpp"

namespace guichet::domain {
namespace {

struct RunConfig {
  std::uint64_t seed;
  int normal_per_priority;
  int max_wait_minutes;
  CarryOver carry;
  int operations;
};

void PrintTo(const RunConfig& c, std::ostream* os) {
  *os << "seed " << c.seed << ", ratio " << c.normal_per_priority << ":1, cap " << c.max_wait_minutes << " min, "
      << (c.carry == CarryOver::NextDay ? "carry over" : "expire");
}

struct ModelToken {
  std::string id, service, issued_for, prefix, priority, counter, target, day;
  std::int64_t issued_ms = 0;
  std::uint64_t order = 0;  // global issue order; breaks ties between equal issue times
  TokenState state = TokenState::Waiting;
  int recalls = 0;
  bool ever_called = false;
  bool carried = false;
};

struct ModelCounter {
  bool open = false;
  std::string current;
  int normal_since_priority = 0;  // the model's own count, reset by every priority call
  int run = 0;                    // normal calls in a row made while a priority token under the cap was waiting
};

const std::vector<std::string> kCounters = {"C1", "C2", "C3"};
const std::vector<std::string> kServices = {"birth", "income", "marriage"};

std::shared_ptr<Catalogue> random_catalogue(const RunConfig& cfg) {
  QueuePolicy p;
  p.normal_per_priority = cfg.normal_per_priority;
  p.max_wait_minutes = cfg.max_wait_minutes;
  p.recall_limit = 2;
  p.carry_over = cfg.carry;
  auto c = testing::make_catalogue(p);
  // Birth and income are open around the clock so most issues succeed; marriage keeps its
  // weekday-morning hours so closed-service refusals happen too.
  for (auto& s : c->services) {
    if (s.id == "marriage") continue;
    for (auto& day : s.hours.by_weekday) day = {testing::range(0, 0, 24, 0)};
  }
  c->services[1].daily_cap = 60;
  c->services[2].daily_cap = 25;
  c->services[2].priority_categories = {"ex-servicemen"};
  return c;
}

class RandomQueue : public ::testing::TestWithParam<RunConfig> {
 protected:
  void SetUp() override {
    cfg = GetParam();
    cat = random_catalogue(cfg);
    rng.seed(cfg.seed);
    now = testing::at("2026-11-23T09:00");
    day = "2026-11-23";
    q = std::make_unique<Queue>(cat, day);
    for (const auto& c : kCounters) counters[c] = {};
  }

  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
  bool chance(int percent) { return static_cast<int>(rng() % 100) < percent; }

  const Service& service(const std::string& id) const { return *cat->service(id); }
  bool serves(const std::string& counter, const std::string& svc) const {
    const auto& cs = service(svc).counters;
    return std::find(cs.begin(), cs.end(), counter) != cs.end();
  }
  std::string label(const std::string& counter) const { return "counter " + counter.substr(1); }

  ModelToken* model(const std::string& id) {
    auto it = index.find(id);
    return it == index.end() ? nullptr : &live[it->second];
  }

  bool eligible(const ModelToken& t, const std::string& counter) const {
    if (t.state != TokenState::Waiting) return false;
    if (!t.target.empty()) return t.target == counter;
    return serves(counter, t.service);
  }
  static bool older(const ModelToken& a, const ModelToken& b) {
    return std::tie(a.issued_ms, a.order) < std::tie(b.issued_ms, b.order);
  }
  std::vector<const ModelToken*> eligible_for(const std::string& counter) const {
    std::vector<const ModelToken*> out;
    for (const auto& t : live) {
      if (eligible(t, counter)) out.push_back(&t);
    }
    std::sort(out.begin(), out.end(), [](const ModelToken* a, const ModelToken* b) { return older(*a, *b); });
    return out;
  }
  bool over_cap(const ModelToken& t) const {
    return cfg.max_wait_minutes > 0 && to_unix_ms(now) - t.issued_ms > std::int64_t{cfg.max_wait_minutes} * 60'000;
  }

  template <class R>
  void expect_error(const R& r, QueueErrorKind kind, const char* op) {
    ASSERT_FALSE(r.ok()) << op << ": expected " << to_string(kind) << " at step " << step;
    ASSERT_EQ(r.error().kind, kind) << op << " at step " << step << ": " << r.error().message;
    ASSERT_FALSE(r.error().message.empty());
  }
  template <class R>
  void expect_event(const R& r, EventType type, const std::string& token_id, const char* op) {
    ASSERT_TRUE(r.ok()) << op << " at step " << step << ": " << r.error().message;
    ASSERT_EQ(r->type, type) << op;
    ASSERT_EQ(r->token.id, token_id) << op << " at step " << step;
    ASSERT_EQ(r->at, now);
    ASSERT_FALSE(r->actor.empty());
  }

  // ---- operations ------------------------------------------------------------------------------

  void op_issue() {
    std::string svc = chance(3) ? "passport" : kServices[pick(kServices.size())];
    std::string prio;
    if (chance(35)) {
      static const char* cats[] = {"elderly", "disabled", "ex-servicemen", "vip"};
      prio = cats[pick(4)];
    }
    auto r = q->issue({svc, prio, "en", "K1"}, now);
    const Service* s = cat->service(svc);
    if (!s) return expect_error(r, QueueErrorKind::UnknownService, "issue");
    if (!prio.empty() && !cat->priority_category(prio))
      return expect_error(r, QueueErrorKind::UnknownPriority, "issue");
    if (!prio.empty() &&
        std::find(s->priority_categories.begin(), s->priority_categories.end(), prio) == s->priority_categories.end()) {
      return expect_error(r, QueueErrorKind::PriorityNotAllowed, "issue");
    }
    const LocalTime lt = to_local(now, cat->centre.utc_offset_minutes);
    if (!s->hours.open_at(lt.weekday, lt.minute_of_day)) return expect_error(r, QueueErrorKind::ServiceClosed, "issue");
    if (s->daily_cap > 0 && issued_today[svc] >= s->daily_cap) {
      return expect_error(r, QueueErrorKind::DailyCapReached, "issue");
    }
    int& n = next_number[s->prefix];
    if (n == 0) n = 1;
    char num[16];
    std::snprintf(num, sizeof num, "%03d", n);
    const std::string id = "LDH01-" + compact_day(day) + "-" + s->prefix + num;
    expect_event(r, EventType::Issued, id, "issue");
    ++n;
    ++issued_today[svc];
    ++total_issued;
    ModelToken t;
    t.id = id;
    t.service = svc;
    t.issued_for = svc;
    t.prefix = s->prefix;
    t.priority = prio;
    t.day = day;
    t.issued_ms = to_unix_ms(now);
    t.order = next_order++;
    index[id] = live.size();
    live.push_back(t);
  }

  void op_open() {
    const std::string& c = kCounters[pick(kCounters.size())];
    auto r = q->open_counter(c, "op", now);
    ASSERT_TRUE(r.ok());
    counters[c].open = true;
  }

  void op_close() {
    const std::string& c = kCounters[pick(kCounters.size())];
    auto r = q->close_counter(c, "op", now);
    ModelCounter& m = counters[c];
    if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "close");
    if (!m.current.empty()) return expect_error(r, QueueErrorKind::CounterBusy, "close");
    ASSERT_TRUE(r.ok());
    m.open = false;
  }

  void called(const std::string& counter, ModelToken& t) {
    ModelCounter& m = counters[counter];
    t.state = TokenState::Called;
    t.counter = counter;
    t.target.clear();
    t.recalls = 0;
    t.ever_called = true;
    m.current = t.id;
    if (t.priority.empty()) {
      ++m.normal_since_priority;
    } else {
      m.normal_since_priority = 0;
      m.run = 0;
    }
  }

  void op_call_next() {
    const std::string& c = kCounters[pick(kCounters.size())];
    ModelCounter& m = counters[c];
    auto r = q->call_next(c, "op", now);
    if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "call_next");
    if (!m.current.empty()) return expect_error(r, QueueErrorKind::CounterBusy, "call_next");
    const auto elig = eligible_for(c);
    if (elig.empty()) return expect_error(r, QueueErrorKind::NothingWaiting, "call_next");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->reason.has_value());
    const CallReason reason = *r->reason;
    ModelToken* chosen = model(r->token.id);
    ASSERT_NE(chosen, nullptr);
    ASSERT_TRUE(eligible(*chosen, c)) << "called a token this counter may not call";

    // Wait cap: the oldest over the cap goes first; no over-cap token is passed over.
    const bool any_over = over_cap(*elig.front());
    if (any_over) {
      ASSERT_EQ(reason, CallReason::WaitCap) << "a token over the cap was passed over at step " << step;
      ASSERT_EQ(chosen->id, elig.front()->id);
    } else {
      ASSERT_NE(reason, CallReason::WaitCap);
    }
    const ModelToken* directed = nullptr;
    const ModelToken* prio = nullptr;
    const ModelToken* normal = nullptr;
    for (const ModelToken* t : elig) {
      if (!t->target.empty()) {
        if (!directed) directed = t;
      } else if (!t->priority.empty()) {
        if (!prio) prio = t;
      } else if (!normal) {
        normal = t;
      }
    }
    if (!any_over) {
      if (directed) {
        ASSERT_EQ(reason, CallReason::DirectedToCounter);
        ASSERT_EQ(chosen->id, directed->id);
      } else if (prio && normal) {
        const bool due = m.normal_since_priority >= cfg.normal_per_priority;
        ASSERT_EQ(reason, due ? CallReason::PriorityTurn : CallReason::NormalTurn) << "step " << step;
        ASSERT_EQ(chosen->id, due ? prio->id : normal->id);
      } else if (prio) {
        ASSERT_EQ(reason, CallReason::OnlyPriorityWaiting);
        ASSERT_EQ(chosen->id, prio->id);
      } else {
        ASSERT_EQ(reason, CallReason::FirstInLine);
        ASSERT_EQ(chosen->id, normal->id);
      }
      ASSERT_FALSE(r->explanation.empty());
    }
    // The ratio as an invariant: never more than `ratio` normal calls in a row while a priority
    // token under the cap was waiting for this counter.
    const bool priority_waiting = std::any_of(elig.begin(), elig.end(), [&](const ModelToken* t) {
      return t->target.empty() && !t->priority.empty() && !over_cap(*t);
    });
    if (chosen->priority.empty() && priority_waiting) {
      ++m.run;
      if (reason == CallReason::NormalTurn || reason == CallReason::FirstInLine) {
        ASSERT_LE(m.run, std::max(cfg.normal_per_priority, 0)) << "ratio broken at " << c << ", step " << step;
      }
    } else if (chosen->priority.empty()) {
      m.run = 0;
    }
    ++calls_by_reason[reason];
    called(c, *chosen);
  }

  ModelToken* random_token() {
    if (live.empty() || chance(3)) return nullptr;
    return &live[pick(live.size())];
  }

  void op_call_specific() {
    const std::string& c = kCounters[pick(kCounters.size())];
    ModelCounter& m = counters[c];
    ModelToken* t = random_token();
    const std::string id = t ? t->id : "LDH01-20000101-Z999";
    const bool scanned = chance(50);
    auto r = q->call_specific(c, id, scanned, "op", now);
    if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "call_specific");
    if (!m.current.empty()) return expect_error(r, QueueErrorKind::CounterBusy, "call_specific");
    if (!t) return expect_error(r, QueueErrorKind::UnknownToken, "call_specific");
    if (t->state != TokenState::Waiting) return expect_error(r, QueueErrorKind::InvalidState, "call_specific");
    if (!eligible(*t, c)) return expect_error(r, QueueErrorKind::NotServedHere, "call_specific");
    expect_event(r, EventType::Called, id, "call_specific");
    ASSERT_EQ(r->reason, scanned ? CallReason::Scanned : CallReason::Specific);
    if (t->priority.empty()) {
      // An operator's choice, not the ratio's: it ends any run the invariant is watching.
      m.run = 0;
    }
    called(c, *t);
  }

  void op_on_current(int which) {
    const std::string& c = kCounters[pick(kCounters.size())];
    ModelCounter& m = counters[c];
    ModelToken* t = m.current.empty() ? nullptr : model(m.current);
    switch (which) {
      case 0: {  // recall
        auto r = q->recall(c, "op", now);
        if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "recall");
        if (!t) return expect_error(r, QueueErrorKind::CounterIdle, "recall");
        if (t->state != TokenState::Called) return expect_error(r, QueueErrorKind::InvalidState, "recall");
        if (t->recalls >= 2) return expect_error(r, QueueErrorKind::RecallLimit, "recall");
        expect_event(r, EventType::Recalled, t->id, "recall");
        ++t->recalls;
        ASSERT_EQ(r->token.recalls, t->recalls);
        return;
      }
      case 1: {  // start
        auto r = q->start(c, "op", now);
        if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "start");
        if (!t) return expect_error(r, QueueErrorKind::CounterIdle, "start");
        if (t->state != TokenState::Called) return expect_error(r, QueueErrorKind::InvalidState, "start");
        expect_event(r, EventType::Started, t->id, "start");
        t->state = TokenState::Serving;
        return;
      }
      case 2: {  // finish
        auto r = q->finish(c, "op", now);
        if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "finish");
        if (!t) return expect_error(r, QueueErrorKind::CounterIdle, "finish");
        expect_event(r, EventType::Finished, t->id, "finish");
        ASSERT_TRUE(served.insert(t->id).second) << t->id << " served twice";
        t->state = TokenState::Served;
        m.current.clear();
        return;
      }
      case 3: {  // no-show
        auto r = q->no_show(c, "op", now);
        if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "no_show");
        if (!t) return expect_error(r, QueueErrorKind::CounterIdle, "no_show");
        if (t->state != TokenState::Called) return expect_error(r, QueueErrorKind::InvalidState, "no_show");
        expect_event(r, EventType::NoShow, t->id, "no_show");
        t->state = TokenState::NoShow;
        m.current.clear();
        return;
      }
      case 4: {  // park
        auto r = q->park(c, "op", now);
        if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "park");
        if (!t) return expect_error(r, QueueErrorKind::CounterIdle, "park");
        expect_event(r, EventType::Parked, t->id, "park");
        t->state = TokenState::Parked;
        m.current.clear();
        return;
      }
      default: {  // transfer
        TransferTarget target;
        if (chance(60)) target.service = chance(5) ? "passport" : kServices[pick(kServices.size())];
        if (chance(40)) target.counter = chance(5) ? "C9" : kCounters[pick(kCounters.size())];
        auto r = q->transfer(c, target, "op", now);
        if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "transfer");
        if (!t) return expect_error(r, QueueErrorKind::CounterIdle, "transfer");
        if (target.service.empty() && target.counter.empty()) {
          return expect_error(r, QueueErrorKind::InvalidState, "transfer");
        }
        const std::string svc = target.service.empty() ? t->service : target.service;
        if (!cat->service(svc)) return expect_error(r, QueueErrorKind::UnknownService, "transfer");
        if (!target.counter.empty() && !cat->counter(target.counter)) {
          return expect_error(r, QueueErrorKind::UnknownCounter, "transfer");
        }
        if (!target.counter.empty() && !serves(target.counter, svc)) {
          return expect_error(r, QueueErrorKind::NotServedHere, "transfer");
        }
        expect_event(r, EventType::Transferred, t->id, "transfer");
        t->state = TokenState::Waiting;
        t->service = svc;
        t->target = target.counter;
        t->counter.clear();
        t->recalls = 0;
        m.current.clear();
        return;
      }
    }
  }

  void op_resume() {
    const std::string& c = kCounters[pick(kCounters.size())];
    ModelCounter& m = counters[c];
    ModelToken* t = nullptr;
    if (chance(80)) {
      std::vector<ModelToken*> parked;
      for (auto& x : live) {
        if (x.state == TokenState::Parked) parked.push_back(&x);
      }
      if (!parked.empty()) t = parked[pick(parked.size())];
    }
    if (!t) t = random_token();
    const std::string id = t ? t->id : "nope";
    auto r = q->resume(c, id, "op", now);
    if (!m.open) return expect_error(r, QueueErrorKind::CounterClosed, "resume");
    if (!m.current.empty()) return expect_error(r, QueueErrorKind::CounterBusy, "resume");
    if (!t) return expect_error(r, QueueErrorKind::UnknownToken, "resume");
    if (t->state != TokenState::Parked) return expect_error(r, QueueErrorKind::InvalidState, "resume");
    if (t->counter != c && !serves(c, t->service)) return expect_error(r, QueueErrorKind::NotServedHere, "resume");
    expect_event(r, EventType::Resumed, id, "resume");
    ASSERT_EQ(r->reason, CallReason::Resumed);
    t->state = TokenState::Called;
    t->counter = c;
    t->recalls = 0;
    m.current = t->id;
  }

  void op_cancel() {
    ModelToken* t = random_token();
    const std::string id = t ? t->id : "nope";
    auto r = q->cancel(id, "K1", now);
    if (!t) return expect_error(r, QueueErrorKind::UnknownToken, "cancel");
    if (t->state != TokenState::Waiting || t->ever_called)
      return expect_error(r, QueueErrorKind::InvalidState, "cancel");
    expect_event(r, EventType::Cancelled, id, "cancel");
    t->state = TokenState::Cancelled;
    if (!t->carried && t->day == day) --issued_today[t->issued_for];
  }

  void op_close_day() {
    const Instant next_morning = testing::plus_min(
        std::chrono::floor<std::chrono::days>(now + std::chrono::minutes{330}) - std::chrono::minutes{330},
        24 * 60 + 9 * 60);
    const std::string next_day = business_day(next_morning, 330);
    const DayCloseReport rep = q->close_day(next_day, "manager", now);
    int unserved = 0;
    std::vector<ModelToken> kept;
    for (auto& t : live) {
      if (t.state == TokenState::Waiting || t.state == TokenState::Called || t.state == TokenState::Serving ||
          t.state == TokenState::Parked) {
        ++unserved;
        if (cfg.carry == CarryOver::NextDay) {
          t.state = TokenState::Waiting;
          t.carried = true;
          t.counter.clear();
          t.recalls = 0;
          kept.push_back(t);
          continue;
        }
        t.state = TokenState::Expired;
      }
      ++archived[t.state];
    }
    ASSERT_EQ(static_cast<int>(rep.events.size()), unserved);
    ASSERT_EQ(rep.carried_over + rep.expired, unserved);
    ASSERT_EQ(cfg.carry == CarryOver::NextDay ? rep.carried_over : rep.expired, unserved);
    live = std::move(kept);
    index.clear();
    for (std::size_t i = 0; i < live.size(); ++i) index[live[i].id] = i;
    next_number.clear();
    for (const auto& t : live) next_number[t.prefix] = std::max(next_number[t.prefix], number_of(t.id) + 1);
    issued_today.clear();
    for (auto& [id, m] : counters) {
      m.current.clear();
      m.normal_since_priority = 0;
      m.run = 0;
    }
    day = next_day;
    now = next_morning;
    ++day_closes;
  }

  static int number_of(const std::string& id) {
    std::size_t i = id.size();
    while (i > 0 && id[i - 1] >= '0' && id[i - 1] <= '9') --i;
    return std::stoi(id.substr(i));
  }

  void op_restore() {
    q = std::make_unique<Queue>(cat, q->business_day(), q->tokens(), q->counters());
    ++restores;
  }

  // ---- invariants ------------------------------------------------------------------------------

  void check(bool full) {
    const auto& tokens = q->tokens();
    ASSERT_EQ(tokens.size(), live.size()) << "step " << step;
    // Each model token matched once: with equal sizes this proves no token is missing or doubled.
    std::vector<char> matched(live.size(), 0);
    int current_holders = 0;
    for (const Token& t : tokens) {
      const ModelToken* m = model(t.id);
      ASSERT_NE(m, nullptr) << "unknown token " << t.id;
      char& seen = matched[static_cast<std::size_t>(m - live.data())];
      ASSERT_FALSE(seen) << "duplicate token " << t.id;
      seen = 1;
      ASSERT_EQ(t.state, m->state) << t.id << " at step " << step;
      ASSERT_EQ(t.service, m->service) << t.id;
      ASSERT_EQ(t.priority, m->priority) << t.id;
      ASSERT_EQ(t.target_counter, m->target) << t.id;
      ASSERT_EQ(t.carried_over, m->carried) << t.id;
      ASSERT_EQ(t.recalls, m->recalls) << t.id;
      if (t.state == TokenState::Called || t.state == TokenState::Serving) {
        ++current_holders;
        ASSERT_EQ(t.counter, m->counter);
        const Token* cur = q->current(t.counter);
        ASSERT_NE(cur, nullptr) << t.id << " is called at " << t.counter << " but that counter has no current token";
        ASSERT_EQ(cur->id, t.id);
      }
      if (t.state == TokenState::Parked) {
        ASSERT_EQ(t.counter, m->counter);
      }
    }
    // Every issued token is in exactly one state: live here or archived at a day close.
    int archived_total = 0;
    for (const auto& [state, n] : archived) archived_total += n;
    ASSERT_EQ(archived_total + static_cast<int>(tokens.size()), total_issued);
    int counters_with_current = 0;
    for (const auto& c : kCounters) {
      const ModelCounter& m = counters[c];
      const Token* cur = q->current(c);
      ASSERT_EQ(cur ? cur->id : std::string(), m.current) << c << " at step " << step;
      if (cur) {
        ++counters_with_current;
        ASSERT_EQ(cur->counter, c);
      }
      ASSERT_EQ(q->counter_state(c)->operator_id.empty(), !m.open);
      ASSERT_EQ(q->counter_state(c)->normal_since_priority, m.normal_since_priority) << c << " at step " << step;
    }
    ASSERT_EQ(current_holders, counters_with_current) << "a token is current at two counters, or none";
    for (const auto& s : kServices) ASSERT_EQ(q->issued_today(s), issued_today[s]) << s;
    if (!full) return;
    for (const auto& c : kCounters) {
      const auto want = eligible_for(c);
      const auto got = q->waiting_for_counter(c);
      ASSERT_EQ(got.size(), want.size()) << c << " at step " << step;
      for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i]->id, want[i]->id) << c << " position " << i;
    }
    for (const auto& s : kServices) {
      int waiting = 0;
      for (const auto& t : live) waiting += t.state == TokenState::Waiting && t.service == s;
      ASSERT_EQ(static_cast<int>(q->waiting_for_service(s).size()), waiting) << s;
    }
    for (const auto& t : live) {
      if (t.state != TokenState::Waiting) continue;
      const WaitEstimate w = q->estimate_wait(t.id);
      ASSERT_GE(w.ahead, 0);
      ASSERT_GE(w.minutes, 0);
      ASSERT_GE(w.counters, 1);
      ASSERT_GT(w.service_minutes, 0.0);
    }
  }

  RunConfig cfg{};
  std::shared_ptr<Catalogue> cat;
  std::mt19937_64 rng;
  Instant now{};
  std::string day;
  std::unique_ptr<Queue> q;

  std::vector<ModelToken> live;
  std::unordered_map<std::string, std::size_t> index;
  std::map<std::string, ModelCounter> counters;
  std::map<std::string, int> next_number;   // per prefix
  std::map<std::string, int> issued_today;  // per service at issue
  std::map<TokenState, int> archived;
  std::set<std::string> served;
  std::map<CallReason, int> calls_by_reason;
  std::uint64_t next_order = 0;
  int total_issued = 0;
  int step = 0;
  int day_closes = 0;
  int restores = 0;
};

TEST_P(RandomQueue, InvariantsHoldOverALongRun) {
  for (const auto& c : kCounters) {
    ASSERT_TRUE(q->open_counter(c, "op", now));
    counters[c].open = true;
  }
  for (step = 0; step < cfg.operations; ++step) {
    now += std::chrono::seconds{static_cast<int>(pick(21))};
    const int roll = static_cast<int>(pick(1000));
    if (roll < 200) {
      op_issue();
    } else if (roll < 430) {
      op_call_next();
    } else if (roll < 460) {
      op_call_specific();
    } else if (roll < 500) {
      op_on_current(0);  // recall
    } else if (roll < 570) {
      op_on_current(1);  // start
    } else if (roll < 800) {
      op_on_current(2);  // finish
    } else if (roll < 830) {
      op_on_current(3);  // no-show
    } else if (roll < 855) {
      op_on_current(4);  // park
    } else if (roll < 890) {
      op_on_current(5);  // transfer
    } else if (roll < 930) {
      op_resume();
    } else if (roll < 955) {
      op_cancel();
    } else if (roll < 980) {
      op_open();
    } else if (roll < 995) {
      op_close();
    } else if (roll < 998) {
      op_restore();
    } else {
      op_close_day();
    }
    if (HasFatalFailure()) return;
    check(step % 50 == 0);
    if (HasFatalFailure()) return;
  }
  check(true);
  // The run must have exercised what it claims to check.
  EXPECT_GT(served.size(), 100u);
  EXPECT_GT(day_closes, 0);
  EXPECT_GT(restores, 0);
  EXPECT_GT(calls_by_reason[CallReason::WaitCap] + calls_by_reason[CallReason::FirstInLine], 0);
  if (cfg.normal_per_priority > 0) {
    EXPECT_GT(calls_by_reason[CallReason::NormalTurn], 0);
  } else {
    EXPECT_EQ(calls_by_reason[CallReason::NormalTurn], 0);  // ratio 0: priority always first
  }
  std::printf("[ stats    ] %zu live, %zu served, %d day closes, %d restores; calls:", live.size(), served.size(),
              day_closes, restores);
  for (const auto& [reason, n] : calls_by_reason) std::printf(" %s %d", to_string(reason), n);
  std::printf("\n");
  EXPECT_GT(calls_by_reason[CallReason::PriorityTurn] + calls_by_reason[CallReason::OnlyPriorityWaiting], 0);
  EXPECT_GT(calls_by_reason[CallReason::DirectedToCounter] + calls_by_reason[CallReason::WaitCap], 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomQueue,
                         ::testing::Values(RunConfig{1, 2, 45, CarryOver::NextDay, 4000},
                                           RunConfig{20261123, 2, 45, CarryOver::NextDay, 4000},
                                           RunConfig{7, 1, 20, CarryOver::None, 4000},
                                           RunConfig{99, 3, 0, CarryOver::NextDay, 4000},
                                           RunConfig{4242, 0, 60, CarryOver::NextDay, 3000},
                                           RunConfig{31337, 2, 90, CarryOver::None, 3000}));

}  // namespace
}  // namespace guichet::domain
