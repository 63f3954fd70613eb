#include "shortcuts.hpp"

#include <stdexcept>

namespace guichet::counter {

const std::vector<ActionInfo>& all_actions() {
  // The most frequent actions take the first keys: call, recall, start, finish.
  static const std::vector<ActionInfo> kActions = {
      {Action::CallNext, "Call next", 1, "call-next"},
      {Action::Recall, "Recall", 2, "recall"},
      {Action::Start, "Start", 3, "start"},
      {Action::Finish, "Finish", 4, "finish"},
      {Action::NoShow, "No-show", 5, "no-show"},
      {Action::Park, "Park", 6, "park"},
      {Action::Transfer, "Transfer", 7, "transfer"},
      {Action::CallSpecific, "Call specific", 8, "call"},
      {Action::Resume, "Resume", 9, "resume"},
      {Action::Logout, "Log out", 10, ""},
      // Not a queue action: the application is filed through the outbox (POST /api/v1/applications).
      {Action::NewApplication, "New application", 11, ""},
  };
  return kActions;
}

const ActionInfo& info(Action action) {
  for (const auto& a : all_actions()) {
    if (a.action == action) return a;
  }
  throw std::logic_error("action without shortcut");
}

std::optional<Action> action_for_function_key(int n) {
  for (const auto& a : all_actions()) {
    if (a.function_key == n) return a.action;
  }
  return std::nullopt;
}

std::string key_name(Action action) { return "F" + std::to_string(info(action).function_key); }

std::string button_label(Action action) { return std::string(info(action).name) + " [" + key_name(action) + "]"; }

}  // namespace guichet::counter
