#include "board.hpp"

#include <algorithm>

namespace guichet::kiosk {

using domain::EventType;

std::optional<BoardCall> BoardModel::apply(const sync::WireEvent& we, domain::Instant now) {
  if (we.seq != 0 && we.seq <= state_.last_seq) return std::nullopt;  // replayed after a reconnect
  if (we.seq != 0) state_.last_seq = we.seq;
  const auto& e = we.event;
  switch (e.type) {
    case EventType::Called:
    case EventType::Recalled:
    case EventType::Resumed: {
      BoardCall call;
      call.seq = we.seq;
      call.display = e.token.display_number();
      call.prefix = e.token.prefix;
      call.number = e.token.number;
      call.counter = e.counter;
      call.counter_number = we.counter_number;
      call.language = e.token.language;
      call.recall = e.type == EventType::Recalled;
      call.at = e.at;
      state_.now_serving[e.counter] = call;
      state_.recent.push_front(call);
      while (state_.recent.size() > recent_limit_) state_.recent.pop_back();
      // A parked citizen coming back is served at once; only calls and recalls are announced.
      if (e.type == EventType::Resumed) return std::nullopt;
      if (now - e.at > std::chrono::minutes(2)) return std::nullopt;
      return call;
    }
    case EventType::Finished:
    case EventType::NoShow:
    case EventType::Parked:
    case EventType::Transferred:
    case EventType::CounterClosed: {
      auto it = state_.now_serving.find(e.counter);
      if (it != state_.now_serving.end() && (e.type == EventType::CounterClosed || e.token.id.empty() ||
                                             it->second.display == e.token.display_number())) {
        state_.now_serving.erase(it);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

void BoardModel::load_recent(const std::vector<sync::WireEvent>& newest_first) {
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    const auto& e = it->event;
    if (e.type != EventType::Called && e.type != EventType::Recalled) continue;
    if (it->seq != 0 && it->seq <= state_.last_seq) continue;
    state_.last_seq = std::max(state_.last_seq, it->seq);
    BoardCall call;
    call.seq = it->seq;
    call.display = e.token.display_number();
    call.prefix = e.token.prefix;
    call.number = e.token.number;
    call.counter = e.counter;
    call.counter_number = it->counter_number;
    call.language = e.token.language;
    call.recall = e.type == EventType::Recalled;
    call.at = e.at;
    state_.recent.push_front(call);
    while (state_.recent.size() > recent_limit_) state_.recent.pop_back();
  }
}

void BoardModel::set_current(const std::string& counter, int counter_number, const domain::Token* token) {
  if (!token) {
    state_.now_serving.erase(counter);
    return;
  }
  BoardCall call;
  call.display = token->display_number();
  call.prefix = token->prefix;
  call.number = token->number;
  call.counter = counter;
  call.counter_number = counter_number;
  call.language = token->language;
  if (token->called_at) call.at = *token->called_at;
  state_.now_serving[counter] = call;
}

std::vector<std::pair<const domain::Counter*, const BoardCall*>> BoardModel::counters(
    const domain::Catalogue& catalogue) const {
  std::vector<std::pair<const domain::Counter*, const BoardCall*>> out;
  for (const auto& c : catalogue.counters) {
    auto it = state_.now_serving.find(c.id);
    out.emplace_back(&c, it == state_.now_serving.end() ? nullptr : &it->second);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first->number < b.first->number; });
  return out;
}

}  // namespace guichet::kiosk
