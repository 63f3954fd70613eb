// The counter app's state: who is logged in at which counter, who is waiting, the citizen at the
// counter and why they were called, and what the operator should be told. Plain data and the
// rules that update it from the server's answers and live events; no I/O, no clock, no UI.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/queue.hpp"
#include "guichet/sync/protocol.hpp"
#include "shortcuts.hpp"

namespace guichet::counter {

enum class ScreenId { Login, CounterChoice, Main };
enum class LoginStep { Operator, Pin };
enum class Picker { None, CallSpecific, Transfer, Resume };

struct Notice {
  enum class Kind { Info, Success, Error, Offline };
  Kind kind = Kind::Info;
  std::string text;
};

// The link to the centre server, in the words the screens show.
struct ConnectionStatus {
  enum class Kind { Live, Reconnecting, Sending, Offline };
  Kind kind = Kind::Live;
  // "Live", "Live updates reconnecting", "Sending 2 saved actions", or "Centre server unreachable"
  // with " - 2 actions saved" when actions wait here.
  std::string text;
};

// What GET /api/v1/queue?counter= returned.
struct QueueSnapshot {
  std::string counter;
  std::string operator_id;  // who the server thinks is at the counter ("" = closed)
  std::optional<domain::Token> current;
  std::vector<domain::Token> waiting;
  std::optional<std::vector<domain::Token>> parked;  // when the server lists them
};

struct CurrentCitizen {
  domain::Token token;
  std::optional<domain::CallReason> reason;  // unknown when the call happened before this app started
  std::string explanation;                   // the server's sentence for the call
};

struct WaitingRow {
  const domain::Token* token = nullptr;
  int waited_minutes = 0;
  std::string priority;  // category name for people, "" for normal
};

struct WaitingGroup {
  std::string service;  // id
  std::string name;     // for people
  std::string prefix;
  std::vector<WaitingRow> rows;
};

// A place a citizen can be transferred to.
struct TransferOption {
  std::string service;  // "" = keep the service
  std::string counter;  // "" = any counter serving it
  std::string label;
};

// "First in line", "Priority turn", …: a short name for a call reason.
std::string reason_label(domain::CallReason reason);
// "Called", "Being served", …
std::string state_label(domain::TokenState state);

class Model {
 public:
  explicit Model(std::string device_id = {});

  // --- catalogue and clock
  void set_catalogue(std::shared_ptr<const domain::Catalogue> catalogue);
  const domain::Catalogue* catalogue() const { return catalogue_.get(); }
  std::shared_ptr<const domain::Catalogue> catalogue_ptr() const { return catalogue_; }
  // Server time minus this terminal's time, so waits shown do not depend on the local clock.
  std::int64_t clock_offset_ms = 0;
  // This terminal's wall clock (Unix ms) for the frame being drawn; set by the app.
  std::int64_t now_ms = 0;

  // --- screens
  ScreenId screen = ScreenId::Login;
  LoginStep login_step = LoginStep::Operator;
  std::string operator_input;
  std::string pin_input;
  std::string login_message;     // why the last login failed (the server's words)
  std::int64_t retry_at_ms = 0;  // wrong PINs: no new attempt before this (terminal clock)
  std::string busy;              // what is in progress ("Checking PIN…"), "" when idle

  // --- session
  std::string device_id;
  std::string operator_id;
  std::string operator_name;
  std::string role;
  std::string session;      // bearer token of the session at the counter
  std::string counter;      // counter id once chosen
  std::string pending_pin;  // held from PIN entry until the counter is opened, then wiped
  // Logged in with the PIN checked on this counter, the centre server being out of reach: no
  // session, so the queue waits; applications are taken. The PIN is held (pending_pin) until a
  // login at the server opens the counter there.
  bool offline_session = false;

  // --- the counter's queue
  std::vector<domain::Token> waiting;  // tokens this counter may call, oldest first
  std::optional<CurrentCitizen> current;
  std::vector<domain::Token> parked;  // parked at this counter
  Picker picker = Picker::None;
  int picker_index = -1;

  // --- connection and messages
  bool feed_connected = false;
  bool server_reachable = true;
  std::int64_t backlog = 0;        // actions saved locally, not yet answered by the server
  std::int64_t files_waiting = 0;  // scanned pages kept here, not yet sent to the centre
  // "2 scanned pages waiting to upload", or "" when none wait.
  std::string files_status() const;
  std::optional<Notice> notice;
  ConnectionStatus connection() const;

  // --- rules
  bool logged_in() const { return (!session.empty() || offline_session) && !counter.empty(); }
  bool enabled(Action action) const;
  // Whether this counter may call `t` when it waits (the server's rule: a token transferred to a
  // counter goes only there; otherwise to any counter serving its service).
  bool may_call(const domain::Token& t) const;
  std::vector<const domain::Service*> counter_services() const;
  // The services of this counter that take applications (their form has fields), catalogue order.
  std::vector<const domain::Service*> application_services() const;

  // Live event or an action's answer: both carry the token as it was after the event. An event
  // older than one already applied to the same token is ignored: the live feed may deliver an
  // event after the action's own answer brought something newer.
  void apply_event(const sync::WireEvent& event);
  // A refresh is under way: events from now on are re-applied on top of the snapshot, which
  // may have been taken before them.
  void begin_refresh();
  void apply_snapshot(const QueueSnapshot& snapshot);
  void cancel_refresh();  // the snapshot could not be fetched; the lists stay as events left them

  // Session opened at the chosen counter.
  void opened(std::string session_token, std::string op_id, std::string name, std::string op_role,
              std::string counter_id);
  // Logged in at the chosen counter with the PIN checked here (the server out of reach); the PIN
  // stays held for the login at the server.
  void opened_offline(std::string op_id, std::string name, std::string op_role, std::string counter_id);
  // The server answered a login made offline: the counter has a session now, the PIN is wiped.
  void joined_server(std::string session_token);
  // Back to the login screen; forgets everything of the session.
  void logged_out();

  // Waiting tokens grouped per service the counter serves (catalogue order), then any other
  // service with tokens transferred here. `now_ms` is the terminal's clock.
  std::vector<WaitingGroup> waiting_groups(std::int64_t now_ms) const;
  int waited_minutes(const domain::Token& t, std::int64_t now_ms) const;
  std::string priority_name(const std::string& category) const;
  std::string service_name(const std::string& service) const;
  std::string counter_name(const std::string& counter_id) const;
  // Where the current citizen can be sent: other services, other counters.
  std::vector<TransferOption> transfer_options() const;
  // Why an action cannot be taken now, for people ("" if it can).
  std::string unavailable_reason(Action action) const;
  // What an event means for the operator: "A042 called: First in line".
  std::string describe(const sync::WireEvent& event) const;

  // Rows of the open picker, for people.
  std::vector<std::string> picker_rows(std::int64_t now_ms) const;
  int picker_size() const;

 private:
  void apply(const sync::WireEvent& event);
  void remove_token(const std::string& id);
  void insert_waiting(const domain::Token& t);

  std::shared_ptr<const domain::Catalogue> catalogue_;
  bool refreshing_ = false;
  std::vector<sync::WireEvent> since_refresh_;
  std::unordered_map<std::string, std::uint64_t> last_seq_;  // newest event applied, per token
};

}  // namespace guichet::counter
