// The operator's actions and their keyboard shortcuts. Every action has a function key, shown on
// its button, so a counter can be worked from the keyboard alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace guichet::counter {

enum class Action {
  CallNext,
  Recall,
  Start,
  Finish,
  NoShow,
  Park,
  Transfer,
  CallSpecific,
  Resume,
  Logout,
  NewApplication
};

struct ActionInfo {
  Action action;
  const char* name;      // "Call next"
  int function_key;      // 1 = F1 … 12 = F12
  const char* endpoint;  // path segment under /api/v1/counters/{c}/, "" for log out
};

// In button order.
const std::vector<ActionInfo>& all_actions();
const ActionInfo& info(Action action);
std::optional<Action> action_for_function_key(int n);
// "Call next [F1]": the button label, the shortcut in view.
std::string button_label(Action action);
// "F1"
std::string key_name(Action action);

}  // namespace guichet::counter
