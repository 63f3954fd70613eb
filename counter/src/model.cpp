#include "model.hpp"

#include <algorithm>

namespace guichet::counter {

namespace d = guichet::domain;

std::string reason_label(d::CallReason reason) {
  switch (reason) {
    case d::CallReason::FirstInLine:
      return "First in line";
    case d::CallReason::NormalTurn:
      return "Normal turn under the priority ratio";
    case d::CallReason::PriorityTurn:
      return "Priority turn";
    case d::CallReason::OnlyPriorityWaiting:
      return "Only priority tokens waiting";
    case d::CallReason::WaitCap:
      return "Waited longer than the limit";
    case d::CallReason::DirectedToCounter:
      return "Transferred to this counter";
    case d::CallReason::Specific:
      return "Called out of order";
    case d::CallReason::Scanned:
      return "Token scanned here";
    case d::CallReason::Resumed:
      return "Resumed from parked";
  }
  return "Called";
}

std::string state_label(d::TokenState state) {
  switch (state) {
    case d::TokenState::Waiting:
      return "Waiting";
    case d::TokenState::Called:
      return "Called, walking to the counter";
    case d::TokenState::Serving:
      return "Being served";
    case d::TokenState::Parked:
      return "Parked";
    case d::TokenState::Served:
      return "Served";
    case d::TokenState::NoShow:
      return "No-show";
    case d::TokenState::Cancelled:
      return "Cancelled";
    case d::TokenState::Expired:
      return "Expired";
  }
  return "";
}

Model::Model(std::string device) : device_id(std::move(device)) {}

void Model::set_catalogue(std::shared_ptr<const d::Catalogue> catalogue) { catalogue_ = std::move(catalogue); }

std::vector<const d::Service*> Model::counter_services() const {
  if (!catalogue_ || counter.empty()) return {};
  return catalogue_->services_of_counter(counter);
}

std::vector<const d::Service*> Model::application_services() const {
  std::vector<const d::Service*> out;
  for (const auto* s : counter_services()) {
    if (!s->form.empty()) out.push_back(s);
  }
  return out;
}

bool Model::may_call(const d::Token& t) const {
  if (counter.empty()) return false;
  if (!t.target_counter.empty()) return t.target_counter == counter;
  for (const auto* s : counter_services()) {
    if (s->id == t.service) return true;
  }
  return false;
}

bool Model::enabled(Action action) const {
  if (!logged_in() || !busy.empty()) return false;
  // Without a session at the server only what needs no queue: applications, and leaving.
  if (offline_session && action != Action::NewApplication && action != Action::Logout) return false;
  const bool has_current = current.has_value();
  const bool called = has_current && current->token.state == d::TokenState::Called;
  switch (action) {
    case Action::CallNext:
      return !has_current;
    case Action::CallSpecific:
      return !has_current && !waiting.empty();
    case Action::Recall:
    case Action::Start:
    case Action::NoShow:
      return called;
    case Action::Finish:
    case Action::Park:
    case Action::Transfer:
      return has_current;
    case Action::Resume:
      return !has_current && !parked.empty();
    case Action::Logout:
      return true;
    case Action::NewApplication:
      // From the citizen at the counter or for a walk-in; needs the catalogue's forms.
      return catalogue_ != nullptr && !application_services().empty();
  }
  return false;
}

void Model::remove_token(const std::string& id) {
  auto same = [&](const d::Token& t) { return t.id == id; };
  waiting.erase(std::remove_if(waiting.begin(), waiting.end(), same), waiting.end());
  parked.erase(std::remove_if(parked.begin(), parked.end(), same), parked.end());
}

void Model::insert_waiting(const d::Token& t) {
  // Carried-over tokens first, then by issue time: the order people joined the line.
  auto before = [](const d::Token& a, const d::Token& b) {
    if (a.carried_over != b.carried_over) return a.carried_over;
    if (a.issued_at != b.issued_at) return a.issued_at < b.issued_at;
    return a.id < b.id;
  };
  waiting.insert(std::upper_bound(waiting.begin(), waiting.end(), t, before), t);
}

void Model::apply_event(const sync::WireEvent& w) {
  if (w.seq != 0 && !w.event.token.id.empty()) {
    std::uint64_t& newest = last_seq_[w.event.token.id];
    if (w.seq <= newest) return;
    newest = w.seq;
  }
  if (refreshing_) since_refresh_.push_back(w);
  apply(w);
}

void Model::apply(const sync::WireEvent& w) {
  const d::QueueEvent& e = w.event;
  const d::Token& t = e.token;
  if (t.id.empty()) return;  // counter opened/closed: nothing in the lists changes
  remove_token(t.id);
  const bool here = !counter.empty() && t.counter == counter;
  const bool at_counter = here && (t.state == d::TokenState::Called || t.state == d::TokenState::Serving);
  switch (t.state) {
    case d::TokenState::Waiting:
      if (may_call(t)) insert_waiting(t);
      break;
    case d::TokenState::Parked:
      if (here) parked.push_back(t);
      break;
    default:
      break;
  }
  if (at_counter) {
    const bool new_call = e.type == d::EventType::Called || e.type == d::EventType::Resumed;
    if (new_call || !current || current->token.id != t.id) {
      CurrentCitizen c;
      c.token = t;
      if (new_call) {
        c.reason = e.reason;
        c.explanation = e.explanation;
      }
      current = std::move(c);
    } else {
      current->token = t;  // recall, start: same call, same reason
    }
  } else if (current && current->token.id == t.id) {
    current.reset();
    if (picker == Picker::Transfer) picker = Picker::None;
  }
  if (picker != Picker::None && picker_index >= picker_size()) picker_index = picker_size() - 1;
}

void Model::begin_refresh() {
  refreshing_ = true;
  since_refresh_.clear();
}

void Model::apply_snapshot(const QueueSnapshot& s) {
  waiting.clear();
  for (const auto& t : s.waiting) {
    if (may_call(t)) insert_waiting(t);
  }
  if (s.parked) parked = *s.parked;
  if (s.current) {
    if (current && current->token.id == s.current->id) {
      current->token = *s.current;
    } else {
      current = CurrentCitizen{*s.current, std::nullopt, {}};
    }
  } else {
    current.reset();
  }
  // Events that arrived while the snapshot was being fetched may be newer than it.
  std::vector<sync::WireEvent> replay;
  replay.swap(since_refresh_);
  refreshing_ = false;
  for (const auto& e : replay) apply(e);
}

void Model::cancel_refresh() {
  refreshing_ = false;
  since_refresh_.clear();
}

void Model::opened(std::string session_token, std::string op_id, std::string name, std::string op_role,
                   std::string counter_id) {
  session = std::move(session_token);
  operator_id = std::move(op_id);
  operator_name = std::move(name);
  role = std::move(op_role);
  counter = std::move(counter_id);
  pending_pin.assign(pending_pin.size(), '\0');
  pending_pin.clear();
  offline_session = false;
  screen = ScreenId::Main;
  waiting.clear();
  parked.clear();
  current.reset();
  picker = Picker::None;
  notice.reset();
  last_seq_.clear();
}

void Model::opened_offline(std::string op_id, std::string name, std::string op_role, std::string counter_id) {
  std::string pin;
  pin.swap(pending_pin);  // moved aside, not copied: no copy of the PIN is left behind
  opened("", std::move(op_id), std::move(name), std::move(op_role), std::move(counter_id));
  pending_pin.swap(pin);
  offline_session = true;
}

void Model::joined_server(std::string session_token) {
  session = std::move(session_token);
  offline_session = false;
  pending_pin.assign(pending_pin.size(), '\0');
  pending_pin.clear();
}

void Model::logged_out() {
  session.clear();
  offline_session = false;
  operator_id.clear();
  operator_name.clear();
  role.clear();
  counter.clear();
  pending_pin.assign(pending_pin.size(), '\0');
  pending_pin.clear();
  pin_input.clear();
  operator_input.clear();
  login_step = LoginStep::Operator;
  login_message.clear();
  waiting.clear();
  parked.clear();
  current.reset();
  picker = Picker::None;
  picker_index = -1;
  refreshing_ = false;
  since_refresh_.clear();
  last_seq_.clear();
  screen = ScreenId::Login;
}

int Model::waited_minutes(const d::Token& t, std::int64_t now_ms) const {
  std::int64_t waited = now_ms + clock_offset_ms - d::to_unix_ms(t.issued_at);
  return waited <= 0 ? 0 : static_cast<int>(waited / 60000);
}

std::string Model::priority_name(const std::string& category) const {
  if (category.empty()) return {};
  if (catalogue_) {
    if (const auto* p = catalogue_->priority_category(category)) return p->name.get();
  }
  return category;
}

std::string Model::service_name(const std::string& service) const {
  if (catalogue_) {
    if (const auto* s = catalogue_->service(service)) return s->name.get();
  }
  return service;
}

ConnectionStatus Model::connection() const {
  using K = ConnectionStatus::Kind;
  auto actions = [](std::int64_t n) { return std::to_string(n) + (n == 1 ? " action" : " actions"); };
  if (!server_reachable) {
    return {K::Offline, "Centre server unreachable" + (backlog > 0 ? " - " + actions(backlog) + " saved" : "")};
  }
  if (backlog > 0) {
    return {K::Sending, "Sending " + std::to_string(backlog) + " saved " + (backlog == 1 ? "action" : "actions")};
  }
  if (!feed_connected) return {K::Reconnecting, "Live updates reconnecting"};
  return {K::Live, "Live"};
}

std::string Model::files_status() const {
  if (files_waiting <= 0) return {};
  return std::to_string(files_waiting) + (files_waiting == 1 ? " scanned page" : " scanned pages") +
         " waiting to upload";
}

std::string Model::counter_name(const std::string& counter_id) const {
  if (catalogue_) {
    if (const auto* c = catalogue_->counter(counter_id)) return c->name.get();
  }
  return counter_id;
}

std::vector<WaitingGroup> Model::waiting_groups(std::int64_t now_ms) const {
  std::vector<WaitingGroup> groups;
  auto group_of = [&](const std::string& service) -> WaitingGroup& {
    for (auto& g : groups) {
      if (g.service == service) return g;
    }
    WaitingGroup g;
    g.service = service;
    g.name = service_name(service);
    if (catalogue_) {
      if (const auto* s = catalogue_->service(service)) g.prefix = s->prefix;
    }
    groups.push_back(std::move(g));
    return groups.back();
  };
  for (const auto* s : counter_services()) group_of(s->id);
  for (const auto& t : waiting) {
    group_of(t.service).rows.push_back(WaitingRow{&t, waited_minutes(t, now_ms), priority_name(t.priority)});
  }
  return groups;
}

std::vector<TransferOption> Model::transfer_options() const {
  std::vector<TransferOption> out;
  if (!catalogue_) return out;
  const std::string from_service = current ? current->token.service : std::string();
  // Counters first: the short list, and the usual move (the same service, another desk).
  for (const auto& c : catalogue_->counters) {
    if (c.id == counter) continue;
    // Only counters that serve the citizen's service can take them without a change of service.
    if (!from_service.empty()) {
      const auto* s = catalogue_->service(from_service);
      if (s && std::find(s->counters.begin(), s->counters.end(), c.id) == s->counters.end()) continue;
    }
    std::string label = "Counter: " + c.name.get();
    if (!c.location.empty()) label += " - " + c.location;
    out.push_back({"", c.id, label});
  }
  for (const auto& s : catalogue_->services) {
    if (s.id == from_service) continue;
    out.push_back({s.id, "", "Service: " + s.name.get() + " (" + s.prefix + ")"});
  }
  return out;
}

std::string Model::unavailable_reason(Action action) const {
  if (enabled(action)) return {};
  const std::string name = info(action).name;
  if (!logged_in()) return name + " needs an operator logged in at a counter.";
  if (!busy.empty()) return "Wait: " + busy;
  if (offline_session && action != Action::NewApplication) {
    return name +
           " needs the centre server, which could not be reached when you logged in. Applications can be "
           "taken now [F11]; the queue opens by itself when the server answers.";
  }
  const std::string who = current ? current->token.display_number() : std::string();
  switch (action) {
    case Action::CallNext:
      return "Finish, park or transfer " + who + " before calling the next citizen.";
    case Action::CallSpecific:
      return current ? "Finish, park or transfer " + who + " before calling another token."
                     : std::string("Nobody is waiting for this counter.");
    case Action::Recall:
    case Action::Start:
    case Action::NoShow:
      return current ? name + " is for a citizen who has been called and has not arrived; " + who + " is " +
                           state_label(current->token.state) + "."
                     : name + " needs a called citizen. Call one first [F1].";
    case Action::Finish:
    case Action::Park:
    case Action::Transfer:
      return name + " needs a citizen at the counter. Call one first [F1].";
    case Action::Resume:
      return current ? "Finish, park or transfer " + who + " before resuming another token."
                     : std::string("No token is parked at this counter.");
    case Action::Logout:
      break;
    case Action::NewApplication:
      return catalogue_ ? std::string("None of this counter's services takes applications.")
                        : std::string("The centre's catalogue is not loaded yet.");
  }
  return {};
}

std::string Model::describe(const sync::WireEvent& w) const {
  const d::QueueEvent& e = w.event;
  const std::string number = e.token.display_number();
  switch (e.type) {
    case d::EventType::Called:
      return number + " called" + (e.reason ? ": " + reason_label(*e.reason) : std::string()) + ".";
    case d::EventType::Recalled:
      return number + " recalled (" + std::to_string(e.token.recalls) + ").";
    case d::EventType::Started:
      return "Serving " + number + ".";
    case d::EventType::Finished:
      return number + " finished.";
    case d::EventType::NoShow:
      return number + " marked as no-show.";
    case d::EventType::Transferred: {
      std::string to =
          e.token.target_counter.empty() ? service_name(e.token.service) : counter_name(e.token.target_counter);
      return number + " transferred to " + to + ".";
    }
    case d::EventType::Parked:
      return number + " parked. Resume it with [F9].";
    case d::EventType::Resumed:
      return number + " resumed.";
    default:
      break;
  }
  return number.empty() ? std::string(d::to_string(e.type)) : number + ": " + d::to_string(e.type) + ".";
}

int Model::picker_size() const {
  switch (picker) {
    case Picker::CallSpecific:
      return static_cast<int>(waiting.size());
    case Picker::Resume:
      return static_cast<int>(parked.size());
    case Picker::Transfer:
      return static_cast<int>(transfer_options().size());
    case Picker::None:
      break;
  }
  return 0;
}

std::vector<std::string> Model::picker_rows(std::int64_t now_ms) const {
  std::vector<std::string> rows;
  auto token_row = [&](const d::Token& t) {
    std::string row =
        t.display_number() + "  " + service_name(t.service) + "  " + std::to_string(waited_minutes(t, now_ms)) + " min";
    if (t.is_priority()) row += "  Priority: " + priority_name(t.priority);
    return row;
  };
  switch (picker) {
    case Picker::CallSpecific:
      for (const auto& t : waiting) rows.push_back(token_row(t));
      break;
    case Picker::Resume:
      for (const auto& t : parked) rows.push_back(token_row(t));
      break;
    case Picker::Transfer:
      for (const auto& o : transfer_options()) rows.push_back(o.label);
      break;
    case Picker::None:
      break;
  }
  return rows;
}

}  // namespace guichet::counter
