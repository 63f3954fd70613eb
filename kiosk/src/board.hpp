// The display board's model: who is being served at each counter and the last calls, from the
// server's live feed. Pure: events in, state out; the caller announces the calls it returns.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/sync/protocol.hpp"

namespace guichet::kiosk {

struct BoardCall {
  std::uint64_t seq = 0;
  std::string display;  // "A042"
  std::string prefix;
  int number = 0;
  std::string counter;  // "C1"
  int counter_number = 0;
  std::string language;  // the citizen's language
  bool recall = false;
  domain::Instant at{};
};

struct BoardState {
  // Counter id → the token called there (until finished, no-show, parked, transferred or closed).
  std::map<std::string, BoardCall> now_serving;
  std::deque<BoardCall> recent;  // newest first
  std::uint64_t last_seq = 0;
  bool connected = false;
};

class BoardModel {
 public:
  explicit BoardModel(std::size_t recent_limit = 8) : recent_limit_(recent_limit) {}
  const BoardState& state() const { return state_; }
  void set_connected(bool c) { state_.connected = c; }

  // Applies one event (duplicates and old events, by seq, are ignored). Returns the call to
  // announce for a call or recall made in the last two minutes: calls replayed after a long
  // disconnection are shown, not called out to a hall that has moved on.
  std::optional<BoardCall> apply(const sync::WireEvent& event, domain::Instant now);
  // The board's start: the server's last calls (newest first) fill the list of recent calls,
  // without announcing them; set_current() gives each counter's citizen from the queue.
  void load_recent(const std::vector<sync::WireEvent>& newest_first);
  void set_current(const std::string& counter, int counter_number, const domain::Token* token);

  // Counters in display order (by number), with the token now served there, if any.
  std::vector<std::pair<const domain::Counter*, const BoardCall*>> counters(const domain::Catalogue& catalogue) const;

 private:
  std::size_t recent_limit_;
  BoardState state_;
};

}  // namespace guichet::kiosk
