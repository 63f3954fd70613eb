// The counter app: each frame it draws the current screen from the model, then turns what the
// operator asked for into work for the backend. Results come back as posted closures that update
// the model before the next frame.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "backend.hpp"
#include "guichet/ui/frame.hpp"
#include "model.hpp"
#include "screens.hpp"

namespace guichet::counter {

class CounterApp {
 public:
  // Throws store::DbError if the terminal's outbox cannot be opened.
  CounterApp(ui::App& app, BackendConfig config, ScanOptions scan = {});
  void draw(ui::Frame& frame);
  const Model& model() const { return model_; }
  const std::optional<ApplicationForm>& application() const { return application_; }

 private:
  void handle(const Command& c);
  void act(Action action);
  void send(Action action, sync::json body);
  void apply_outcome(const ActionOutcome& outcome);
  void apply_late(const ActionOutcome& outcome);
  void scanned(const std::string& text);
  void confirm_picker();
  void refresh_queue();
  // Logged in offline: a login at the server with the PIN held, to open the counter there.
  void reopen_at_server();
  void load_catalogue();
  void submit_pin(const std::string& pin);
  void choose_counter(const std::string& counter);
  void save_application();
  void scan_page(const std::string& document_id);
  domain::Date centre_today() const;
  // The form in progress, kept across a crash (DraftStore): read at start and after a logout,
  // restored at the next login; kept on disk after each change; removed when cancelled.
  void load_draft();
  void restore_kept_draft();
  void keep_draft();
  void forget_draft();  // the open form's state for keep_draft, when it is closed or replaced

  Model model_;
  Backend backend_;
  LoginScreen login_;
  CounterChoiceScreen choice_;
  MainScreen main_;
  ApplicationScreen application_screen_;
  std::optional<ApplicationForm> application_;  // "New application" open
  bool loading_catalogue_ = false;
  bool reopening_ = false;            // a login at the server for an offline session is under way
  bool reopen_refused_ = false;       // the server refused it: not tried again until the next login
  std::int64_t next_reopen_ms_ = 0;   // the next try, terminal clock
  std::int64_t blind_reopen_ms_ = 0;  // the next try while the server does not seem to answer
  std::uint64_t scan_ticket_ = 0;     // the scan whose page the open form waits for
  std::int64_t next_catalogue_try_ms_ = 0;
  std::optional<DraftStore::Kept> kept_draft_;  // read from disk, restored at the next login
  bool draft_loading_ = false;
  std::string draft_text_;             // the open form's text last given to keep_draft
  std::set<std::string> draft_pages_;  // its pages given to keep_draft already, by SHA-256
};

}  // namespace guichet::counter
