// The counter app's three screens. Each draws the model and returns what the operator asked for;
// none does I/O. Text the operator is typing (operator id, PIN) stays in the screen until it is
// submitted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "application_form.hpp"
#include "guichet/ui/frame.hpp"
#include "model.hpp"
#include "scanner.hpp"

namespace guichet::counter {

enum class CommandKind {
  SubmitOperator,  // text = operator id
  SubmitPin,       // text = PIN
  BackToOperator,
  RetryConnect,
  ChooseCounter,  // text = counter id
  CancelCounterChoice,
  Act,  // action
  ClosePicker,
  PickerMove,    // index = +1 / -1
  PickerSelect,  // index = row of the open picker
  PickerConfirm,
  Scanned,  // text = what the scanner typed
  DismissNotice,
  // "New application" (F11)
  AppChooseService,   // text = service id
  AppToggleDocument,  // text = document id
  AppSave,            // check, then file and print
  AppClose,           // leave the form (nothing saved) or the result
  AppChangeService,   // back to the list of services
  AppPaperLanguage,   // the next language for the citizen's papers
  AppScan,            // text = document id: scan a page for it
  AppRemovePage,      // text = document id, index = page
};

struct Command {
  CommandKind kind;
  Action action = Action::CallNext;
  std::string text;
  int index = -1;

  Command(CommandKind k) : kind(k) {}  // NOLINT(implicit): {CommandKind::X} reads best
  Command(CommandKind k, Action a) : kind(k), action(a) {}
  Command(CommandKind k, std::string t) : kind(k), text(std::move(t)) {}
  Command(CommandKind k, int i) : kind(k), index(i) {}
  Command(CommandKind k, std::string t, int i) : kind(k), text(std::move(t)), index(i) {}
};

class LoginScreen {
 public:
  std::vector<Command> draw(ui::Frame& frame, const Model& model);
  void clear_pin();
  void clear_all();

 private:
  std::string operator_id_;
  std::string pin_;
};

class CounterChoiceScreen {
 public:
  std::vector<Command> draw(ui::Frame& frame, const Model& model);

 private:
  // A digit picks a counter only when nothing follows it quickly: a scanner's burst (which has
  // digits in it) must not open counter 1.
  char pending_digit_ = 0;
  ui::Clock::time_point pending_at_{};
  ui::Clock::time_point last_text_{};
};

class MainScreen {
 public:
  explicit MainScreen(ScanOptions scan = {}) : scanner_(scan) {}
  // `ticks_ms` is SDL's clock, the one text events are stamped with.
  std::vector<Command> draw(ui::Frame& frame, const Model& model, std::uint32_t ticks_ms);

 private:
  void draw_top_bar(ui::Frame& frame, const Model& model, const ui::Rect& area, std::vector<Command>& out);
  void draw_current(ui::Frame& frame, const Model& model, const ui::Rect& area);
  void draw_actions(ui::Frame& frame, const Model& model, const ui::Rect& area, std::vector<Command>& out);
  void draw_picker(ui::Frame& frame, const Model& model, const ui::Rect& area, std::vector<Command>& out);
  void draw_waiting(ui::Frame& frame, const Model& model, const ui::Rect& area);
  void handle_keys(ui::Frame& frame, const Model& model, std::uint32_t ticks_ms, std::vector<Command>& out);

  ScanDetector scanner_;
};

// "New application": the service, its form typed on the physical keyboard (Tab to the next field),
// the documents checklist (Ctrl+1 … Ctrl+9 toggle present/missing; with a scanner, each row's Scan
// button or Alt+1 … Alt+9 scans a page for it), the fee collected, every problem next to its
// field; F12 saves and prints, Escape leaves. The typed values are edited in
// the form itself; everything else comes back as commands.
class ApplicationScreen {
 public:
  // `can_scan`: a document scanner is set for this counter (the Scan buttons are shown).
  std::vector<Command> draw(ui::Frame& frame, const Model& model, ApplicationForm& form, bool can_scan = false);

 private:
  int highlighted_ = 0;
  // The checklist row last reached by its keys, kept in view of a scrolling checklist for a moment
  // (its height changes once its new state or page is in), and until when.
  std::string keep_in_view_;
  std::chrono::steady_clock::time_point keep_in_view_until_{};
  void keep_in_view(const std::string& document);  // from now, for a second
  // The checklist has the keys (Ctrl+D): the document they act on, the field to give them back to,
  // and how many rows a column of the checklist held when last drawn (Left and Right move by it).
  bool checklist_keys_ = false;
  int chosen_ = 0;
  std::uint32_t parked_field_ = 0;
  int per_column_ = 1;
};

}  // namespace guichet::counter
