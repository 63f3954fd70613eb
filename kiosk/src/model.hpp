// The kiosk's state and the rules that move it: a plain state machine. Screens read the state and
// return Actions; apply() turns an Action into state changes and Effects (I/O the controller runs
// on worker threads); results come back through the on_… functions. No I/O, no clock, no SDL.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "application.hpp"
#include "guichet/domain/catalogue.hpp"

namespace guichet::kiosk {

using Clock = std::chrono::steady_clock;

enum class PrinterPolicy {
  Screen,  // a token that could not be printed is shown on screen, large, with an explanation
  Stop,    // nothing is issued while the printer has a fault; a failed print cancels the token
};
const char* to_string(PrinterPolicy policy);
bool parse_printer_policy(const std::string& text, PrinterPolicy& out);

enum class Step {
  Language,  // choose a language (start)
  Menu,      // take a token, file an application or check one
  Service,   // choose a service (token)
  Priority,  // does a priority category apply?
  Issuing,   // checking the printer, asking the server, printing
  Result,    // "Please take your token", or why not
  Stopped,   // issuing stopped: printer fault under the stop policy
  AdminPin,  // staff PIN pad
  Settings,  // staff settings
  // Applications.
  AppService,     // which service to apply for
  AppField,       // one field of the form, with its keyboard
  AppDocuments,   // the checklist of documents
  AppReview,      // every answer and every problem; save
  Filing,         // saving and printing the acknowledgement
  Filed,          // "Your application is saved", the receipt number
  StatusEntry,    // scan or type a receipt number
  StatusLoading,  // asking the server
  StatusShown,    // where the application stands, or why it cannot be told
};

// What the issuing pipeline reports.
struct IssueResult {
  enum class Kind {
    Printed,       // issued and printed
    OnScreen,      // issued, the printer failed (screen policy): the number is shown
    PrinterFault,  // printer not ready before issuing (stop policy): nothing issued
    PrintFailed,   // issued, print failed (stop policy): the token was cancelled
    Refused,       // the server refused (service closed, daily cap, …): nothing issued
    Unreachable,   // the server could not be reached: nothing issued
  };
  Kind kind = Kind::Printed;
  std::string token_id;        // "LDH01-20261123-A042"
  std::string display_number;  // "A042"
  int ahead = 0;
  int minutes = 0;
  std::string detail;  // the printer's or the server's message, for people
};

struct PrinterState {
  bool known = false;  // a status has been read
  bool ready = true;
  std::string message;  // "Printer out of paper"
};

struct KioskState {
  Step step = Step::Language;
  std::string language = "en";  // the citizen's, for every screen of their session
  // Counts citizens: a new session starts when one chooses a language. Screens keep per-citizen
  // choices (the keyboard's Latin switch) only while it stays the same.
  std::uint64_t session = 0;
  std::string service;   // chosen service id
  std::string priority;  // chosen priority category id ("" = none)
  std::optional<IssueResult> result;

  // Applications.
  ApplicationDraft draft;
  std::optional<FilingResult> filing;
  std::string status_query;  // the receipt number being typed or scanned
  std::optional<StatusLookup> lookup;
  domain::Date today;  // the centre's civil date, set by the controller

  std::shared_ptr<const domain::Catalogue> catalogue;
  bool catalogue_cached = false;  // from the local cache; the server has not answered yet
  bool server_online = false;
  bool server_known = false;  // something said whether the server can be reached (till then, neither)
  // The screens' discreet "offline" mark: the server is known to be out of reach. Not before
  // anything was heard of it (a kiosk just started), so a kiosk whose server is up never shows it.
  bool server_offline() const { return server_known && !server_online; }
  std::chrono::milliseconds clock_offset{0};  // server clock minus ours

  PrinterPolicy policy = PrinterPolicy::Stop;
  PrinterState printer;

  // Staff area. The PIN digits never leave this struct except to be verified.
  std::string pin;
  bool pin_checking = false;
  int pin_failures = 0;
  std::optional<Clock::time_point> pin_locked_until;
  std::string staff_message;  // "Wrong PIN", "Test page printed", …
  bool test_printing = false;
  std::string theme;  // the kiosk's own, set by staff: "default", "high-contrast", "large-text"
  // The citizen's choice for their session ("high-contrast", "large-text"), "" for the kiosk's
  // theme; it ends with the session like everything else the citizen chose.
  std::string view;
  const std::string& shown_theme() const { return view.empty() ? theme : view; }
  // Audio mode, for a citizen who cannot read the screen: each screen's title and the option in
  // focus are spoken, and big Previous / Select / Next controls go through the options. Per
  // citizen, like `view`.
  bool audio = false;
};

struct Action {
  enum class Kind {
    ChooseLanguage,    // value: language code
    ChooseMenu,        // value: "token", "apply" or "status"
    ChooseView,        // value: "high-contrast" or "large-text"; the same again goes back
    SetAudio,          // value: "on", "off", or "" to switch it over
    ChooseAppService,  // value: service id
    FieldInput,        // value: the current field's whole new value
    FieldNext,         // the current field is done: check it and go on
    EditField,         // value: field id (from the review)
    ToggleDocument,    // value: document id
    DocumentsDone,
    SaveApplication,
    StatusInput,  // value: the receipt number so far
    StatusSubmit,
    ChooseService,   // value: service id
    ChoosePriority,  // value: category id, "" for none
    Back,
    StartOver,
    OpenStaff,
    PinChanged,  // value: digits so far
    PinSubmit,
    PinCancel,
    SetPolicy,  // value: "screen" or "stop"
    TestPrint,
    SetTheme,  // value: theme name
    CloseSettings,
    Exit,
  };
  Kind kind;
  std::string value;
};

struct Effect {
  enum class Kind {
    Issue,      // service, priority, language
    VerifyPin,  // pin
    TestPrint,
    WatchPrinter,  // poll the printer until it is ready again
    ApplyTheme,    // value: theme name
    Exit,
    FileApplication,  // the state's draft, language
    LookupStatus,     // value: receipt number
  };
  Kind kind;
  std::string service, priority, language, pin, value;
};

class KioskModel {
 public:
  explicit KioskModel(PrinterPolicy policy = PrinterPolicy::Stop) { state_.policy = policy; }
  const KioskState& state() const { return state_; }
  void set_theme_name(const std::string& name) { state_.theme = name; }

  std::vector<Effect> apply(const Action& action, Clock::time_point now);

  // Results from the workers.
  std::vector<Effect> on_issue_result(const IssueResult& result);
  void on_catalogue(std::shared_ptr<const domain::Catalogue> catalogue, bool from_cache);
  // Whether the server can be reached, as the catalogue refresher or the status feed found it.
  void on_server_online(bool online) { set_online(online); }
  void on_clock_offset(std::chrono::milliseconds offset) { state_.clock_offset = offset; }
  std::vector<Effect> on_printer_status(bool ready, const std::string& message);
  void on_pin_checked(bool ok, Clock::time_point now);
  void on_test_print(bool ok, const std::string& message);
  std::vector<Effect> on_filing_result(const FilingResult& result);
  void on_status_lookup(const StatusLookup& lookup);
  void set_today(domain::Date today) { state_.today = today; }

  // Nobody touched the screen for the idle timeout: back to the start, forgetting the citizen's
  // choices. Returns false when already at the start (nothing to do).
  bool on_idle();
  // Whether the idle timeout applies now (not while a token is being issued).
  bool idle_applies() const;

  // Wrong PINs: after 3, each further try waits longer (5 s, 10 s, … up to 5 min).
  static std::chrono::seconds pin_delay(int failures);

 private:
  void set_online(bool online) {
    state_.server_online = online;
    state_.server_known = true;
  }
  void start_over();
  std::vector<Effect> issue_now();
  std::vector<Effect> apply_application(const Action& action);
  void next_after_field();
  void check_review();
  KioskState state_;
};

}  // namespace guichet::kiosk
