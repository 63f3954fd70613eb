#include "model.hpp"

#include <algorithm>

namespace guichet::kiosk {

const char* to_string(PrinterPolicy policy) { return policy == PrinterPolicy::Screen ? "screen" : "stop"; }

bool parse_printer_policy(const std::string& text, PrinterPolicy& out) {
  if (text == "screen") {
    out = PrinterPolicy::Screen;
    return true;
  }
  if (text == "stop") {
    out = PrinterPolicy::Stop;
    return true;
  }
  return false;
}

std::chrono::seconds KioskModel::pin_delay(int failures) {
  if (failures < 3) return std::chrono::seconds(0);
  int doublings = std::min(failures - 3, 6);
  return std::min(std::chrono::seconds(5 << doublings), std::chrono::seconds(300));
}

void KioskModel::start_over() {
  state_.step = state_.policy == PrinterPolicy::Stop && state_.printer.known && !state_.printer.ready ? Step::Stopped
                                                                                                      : Step::Language;
  state_.service.clear();
  state_.priority.clear();
  state_.result.reset();
  state_.pin.clear();
  state_.staff_message.clear();
  if (state_.catalogue && !state_.catalogue->centre.languages.empty()) {
    state_.language = state_.catalogue->centre.languages.front();
  } else {
    state_.language = "en";
  }
}

std::vector<Effect> KioskModel::issue_now() {
  state_.step = Step::Issuing;
  state_.result.reset();
  return {Effect{Effect::Kind::Issue, state_.service, state_.priority, state_.language, {}, {}}};
}

std::vector<Effect> KioskModel::apply(const Action& a, Clock::time_point now) {
  using K = Action::Kind;
  switch (a.kind) {
    case K::ChooseLanguage:
      if (state_.step != Step::Language) return {};
      state_.language = a.value;
      state_.step = Step::Service;
      return {};
    case K::ChooseService: {
      if (state_.step != Step::Service || !state_.catalogue) return {};
      const domain::Service* svc = state_.catalogue->service(a.value);
      if (!svc) return {};
      state_.service = a.value;
      state_.priority.clear();
      if (svc->priority_categories.empty()) return issue_now();
      state_.step = Step::Priority;
      return {};
    }
    case K::ChoosePriority: {
      if (state_.step != Step::Priority || !state_.catalogue) return {};
      const domain::Service* svc = state_.catalogue->service(state_.service);
      if (!svc) return {};
      if (!a.value.empty() && std::find(svc->priority_categories.begin(), svc->priority_categories.end(), a.value) ==
                                  svc->priority_categories.end()) {
        return {};
      }
      state_.priority = a.value;
      return issue_now();
    }
    case K::Back:
      if (state_.step == Step::Service) state_.step = Step::Language;
      if (state_.step == Step::Priority) state_.step = Step::Service;
      return {};
    case K::StartOver:
      if (state_.step == Step::Issuing) return {};
      start_over();
      return {};
    case K::OpenStaff:
      if (state_.step == Step::Issuing) return {};
      state_.step = Step::AdminPin;
      state_.pin.clear();
      state_.staff_message.clear();
      return {};
    case K::PinChanged:
      if (state_.step != Step::AdminPin) return {};
      state_.pin = a.value;
      return {};
    case K::PinSubmit: {
      if (state_.step != Step::AdminPin || state_.pin_checking || state_.pin.empty()) return {};
      if (state_.pin_locked_until && now < *state_.pin_locked_until) {
        state_.pin.clear();
        return {};
      }
      state_.pin_checking = true;
      Effect e{Effect::Kind::VerifyPin, {}, {}, {}, state_.pin, {}};
      state_.pin.clear();
      return {e};
    }
    case K::PinCancel:
      if (state_.step != Step::AdminPin) return {};
      start_over();
      return {};
    case K::SetPolicy: {
      if (state_.step != Step::Settings) return {};
      PrinterPolicy p;
      if (!parse_printer_policy(a.value, p)) return {};
      state_.policy = p;
      return {};
    }
    case K::TestPrint:
      if (state_.step != Step::Settings || state_.test_printing) return {};
      state_.test_printing = true;
      state_.staff_message.clear();
      return {Effect{Effect::Kind::TestPrint, {}, {}, {}, {}, {}}};
    case K::SetTheme:
      if (state_.step != Step::Settings) return {};
      state_.theme = a.value;
      return {Effect{Effect::Kind::ApplyTheme, {}, {}, {}, {}, a.value}};
    case K::CloseSettings:
      if (state_.step != Step::Settings) return {};
      start_over();
      if (state_.step == Step::Stopped) return {Effect{Effect::Kind::WatchPrinter, {}, {}, {}, {}, {}}};
      return {};
    case K::Exit:
      if (state_.step != Step::Settings) return {};
      return {Effect{Effect::Kind::Exit, {}, {}, {}, {}, {}}};
  }
  return {};
}

std::vector<Effect> KioskModel::on_issue_result(const IssueResult& result) {
  if (state_.step != Step::Issuing) return {};
  state_.result = result;
  std::vector<Effect> effects;
  switch (result.kind) {
    case IssueResult::Kind::Printed:
    case IssueResult::Kind::OnScreen:
      state_.printer.known = true;
      state_.printer.ready = result.kind == IssueResult::Kind::Printed;
      if (result.kind == IssueResult::Kind::OnScreen) state_.printer.message = result.detail;
      break;
    case IssueResult::Kind::PrinterFault:
    case IssueResult::Kind::PrintFailed:
      state_.printer = {true, false, result.detail};
      // Stop issuing until the printer is fine again; the controller watches it.
      if (state_.policy == PrinterPolicy::Stop)
        effects.push_back(Effect{Effect::Kind::WatchPrinter, {}, {}, {}, {}, {}});
      break;
    case IssueResult::Kind::Refused:
      state_.server_online = true;
      break;
    case IssueResult::Kind::Unreachable:
      state_.server_online = false;
      break;
  }
  state_.step = Step::Result;
  return effects;
}

void KioskModel::on_catalogue(std::shared_ptr<const domain::Catalogue> catalogue, bool from_cache) {
  bool first = !state_.catalogue;
  state_.catalogue = std::move(catalogue);
  state_.catalogue_cached = from_cache;
  if (!from_cache) state_.server_online = true;
  // A service chosen from an older catalogue may be gone: start again rather than issue for it.
  if (!state_.service.empty() && !state_.catalogue->service(state_.service) && state_.step != Step::Issuing &&
      state_.step != Step::Result) {
    start_over();
  }
  if (first && state_.step == Step::Language && !state_.catalogue->centre.languages.empty()) {
    state_.language = state_.catalogue->centre.languages.front();
  }
}

std::vector<Effect> KioskModel::on_printer_status(bool ready, const std::string& message) {
  state_.printer = {true, ready, message};
  if (state_.policy != PrinterPolicy::Stop) return {};
  if (!ready && (state_.step == Step::Language)) {
    state_.step = Step::Stopped;
    return {Effect{Effect::Kind::WatchPrinter, {}, {}, {}, {}, {}}};
  }
  if (ready && state_.step == Step::Stopped) state_.step = Step::Language;
  if (!ready && state_.step == Step::Stopped) return {Effect{Effect::Kind::WatchPrinter, {}, {}, {}, {}, {}}};
  return {};
}

void KioskModel::on_pin_checked(bool ok, Clock::time_point now) {
  state_.pin_checking = false;
  if (state_.step != Step::AdminPin) return;
  if (ok) {
    state_.pin_failures = 0;
    state_.pin_locked_until.reset();
    state_.step = Step::Settings;
    state_.staff_message.clear();
    return;
  }
  ++state_.pin_failures;
  auto delay = pin_delay(state_.pin_failures);
  if (delay.count() > 0) state_.pin_locked_until = now + delay;
  state_.staff_message = "Wrong PIN";
}

void KioskModel::on_test_print(bool ok, const std::string& message) {
  state_.test_printing = false;
  state_.printer = {true, ok, ok ? std::string() : message};
  state_.staff_message = ok ? "Test page printed" : message;
}

bool KioskModel::idle_applies() const {
  return state_.step != Step::Issuing && state_.step != Step::Language && state_.step != Step::Stopped &&
         !state_.pin_checking && !state_.test_printing;
}

bool KioskModel::on_idle() {
  if (!idle_applies()) return false;
  start_over();
  return true;
}

}  // namespace guichet::kiosk
