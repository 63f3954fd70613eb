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
  // Nothing a citizen typed outlives them at the kiosk.
  state_.draft = ApplicationDraft{};
  state_.filing.reset();
  state_.status_query.clear();
  state_.lookup.reset();
  state_.pin.clear();
  state_.staff_message.clear();
  state_.view.clear();
  state_.audio = false;
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
      ++state_.session;
      state_.step = Step::Menu;
      return {};
    case K::ChooseView:
      if (state_.step != Step::Menu || (a.value != "high-contrast" && a.value != "large-text")) return {};
      state_.view = state_.view == a.value ? std::string() : a.value;
      return {Effect{Effect::Kind::ApplyTheme, {}, {}, {}, {}, state_.shown_theme()}};
    case K::SetAudio: {
      // A citizen's choice: not on the staff screens, nor while the kiosk is stopped.
      const Step st = state_.step;
      if (st == Step::AdminPin || st == Step::Settings || st == Step::Stopped) return {};
      if (a.value != "on" && a.value != "off" && !a.value.empty()) return {};
      state_.audio = a.value.empty() ? !state_.audio : a.value == "on";
      return {};
    }
    case K::ChooseMenu:
      if (state_.step != Step::Menu) return {};
      if (a.value == "token") state_.step = Step::Service;
      if (a.value == "apply") {
        state_.draft = ApplicationDraft{};
        state_.step = Step::AppService;
      }
      if (a.value == "status") {
        state_.status_query.clear();
        state_.lookup.reset();
        state_.step = Step::StatusEntry;
      }
      return {};
    case K::ChooseAppService:
    case K::FieldInput:
    case K::FieldNext:
    case K::EditField:
    case K::ToggleDocument:
    case K::DocumentsDone:
    case K::SaveApplication:
    case K::StatusInput:
    case K::StatusSubmit:
      return apply_application(a);
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
      switch (state_.step) {
        case Step::Menu:
          state_.step = Step::Language;
          break;
        case Step::Service:
        case Step::AppService:
        case Step::StatusEntry:
          state_.step = Step::Menu;
          break;
        case Step::Priority:
          state_.step = Step::Service;
          break;
        case Step::AppField:
          if (state_.draft.from_review) {
            state_.draft.from_review = false;
            check_review();
          } else if (state_.draft.field > 0) {
            --state_.draft.field;
          } else {
            state_.step = Step::AppService;
          }
          break;
        case Step::AppDocuments: {
          const auto* svc = state_.catalogue ? state_.catalogue->service(state_.draft.service) : nullptr;
          if (svc && !svc->form.empty()) {
            state_.draft.field = svc->form.size() - 1;
            state_.step = Step::AppField;
          } else {
            state_.step = Step::AppService;
          }
          break;
        }
        case Step::AppReview: {
          const auto* svc = state_.catalogue ? state_.catalogue->service(state_.draft.service) : nullptr;
          if (svc && !svc->documents.empty()) {
            state_.step = Step::AppDocuments;
          } else if (svc && !svc->form.empty()) {
            state_.draft.field = svc->form.size() - 1;
            state_.step = Step::AppField;
          } else {
            state_.step = Step::AppService;
          }
          break;
        }
        case Step::StatusShown:
          state_.step = Step::StatusEntry;
          break;
        default:
          break;
      }
      return {};
    case K::StartOver:
      if (state_.step == Step::Issuing || state_.step == Step::Filing) return {};
      start_over();
      return {};
    case K::OpenStaff:
      if (state_.step == Step::Issuing || state_.step == Step::Filing || state_.step == Step::StatusLoading) return {};
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
      return {Effect{Effect::Kind::ApplyTheme, {}, {}, {}, {}, state_.shown_theme()}};
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
      set_online(true);
      break;
    case IssueResult::Kind::Unreachable:
      set_online(false);
      break;
  }
  state_.step = Step::Result;
  return effects;
}

void KioskModel::on_catalogue(std::shared_ptr<const domain::Catalogue> catalogue, bool from_cache) {
  bool first = !state_.catalogue;
  state_.catalogue = std::move(catalogue);
  state_.catalogue_cached = from_cache;
  if (!from_cache) set_online(true);
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

std::vector<Effect> KioskModel::apply_application(const Action& a) {
  using K = Action::Kind;
  const domain::Service* svc =
      state_.catalogue && !state_.draft.service.empty() ? state_.catalogue->service(state_.draft.service) : nullptr;
  switch (a.kind) {
    case K::ChooseAppService: {
      if (state_.step != Step::AppService || !state_.catalogue) return {};
      const domain::Service* chosen = state_.catalogue->service(a.value);
      if (!chosen) return {};
      if (state_.draft.service != a.value) state_.draft = ApplicationDraft{};
      state_.draft.service = a.value;
      state_.draft.field = 0;
      state_.draft.from_review = false;
      state_.draft.problems.clear();
      if (!chosen->form.empty()) {
        state_.step = Step::AppField;
      } else if (!chosen->documents.empty()) {
        state_.step = Step::AppDocuments;
      } else {
        check_review();
      }
      return {};
    }
    case K::FieldInput:
      if (state_.step != Step::AppField || !svc || state_.draft.field >= svc->form.size()) return {};
      state_.draft.values[svc->form[state_.draft.field].id] = a.value;
      return {};
    case K::FieldNext: {
      if (state_.step != Step::AppField || !svc || state_.draft.field >= svc->form.size()) return {};
      const domain::FormField& field = svc->form[state_.draft.field];
      auto it = state_.draft.values.find(field.id);
      domain::FormCheckOptions options;
      options.today = state_.today;
      auto checked = domain::check_value(field, it == state_.draft.values.end() ? "" : it->second, options);
      auto& problems = state_.draft.problems;
      problems.erase(std::remove_if(problems.begin(), problems.end(),
                                    [&](const domain::FieldProblem& p) { return p.field == field.id; }),
                     problems.end());
      if (checked.problem) {
        problems.push_back(*checked.problem);
        return {};
      }
      next_after_field();
      return {};
    }
    case K::EditField: {
      if (state_.step != Step::AppReview || !svc) return {};
      for (std::size_t i = 0; i < svc->form.size(); ++i) {
        if (svc->form[i].id == a.value) {
          state_.draft.field = i;
          state_.draft.from_review = true;
          state_.step = Step::AppField;
        }
      }
      return {};
    }
    case K::ToggleDocument: {
      if (state_.step != Step::AppDocuments || !svc) return {};
      bool known = std::any_of(svc->documents.begin(), svc->documents.end(),
                               [&](const domain::RequiredDocument& d) { return d.id == a.value; });
      if (!known) return {};
      state_.draft.documents[a.value] = !state_.draft.documents[a.value];
      return {};
    }
    case K::DocumentsDone:
      if (state_.step != Step::AppDocuments) return {};
      check_review();
      return {};
    case K::SaveApplication:
      if (state_.step != Step::AppReview || !svc) return {};
      check_review();
      if (!state_.draft.problems.empty()) return {};
      state_.step = Step::Filing;
      state_.filing.reset();
      return {Effect{Effect::Kind::FileApplication, state_.draft.service, {}, state_.language, {}, {}}};
    case K::StatusInput:
      if (state_.step != Step::StatusEntry) return {};
      state_.status_query = a.value.size() > 64 ? a.value.substr(0, 64) : a.value;
      return {};
    case K::StatusSubmit: {
      if (state_.step != Step::StatusEntry) return {};
      std::string receipt = normalise_receipt(state_.status_query);
      if (receipt.empty()) return {};
      state_.status_query = receipt;
      state_.lookup.reset();
      state_.step = Step::StatusLoading;
      return {Effect{Effect::Kind::LookupStatus, {}, {}, state_.language, {}, receipt}};
    }
    default:
      return {};
  }
}

void KioskModel::next_after_field() {
  const domain::Service* svc = state_.catalogue ? state_.catalogue->service(state_.draft.service) : nullptr;
  if (!svc) return;
  if (state_.draft.from_review) {
    state_.draft.from_review = false;
    check_review();
    return;
  }
  if (state_.draft.field + 1 < svc->form.size()) {
    ++state_.draft.field;
    return;
  }
  if (!svc->documents.empty()) {
    state_.step = Step::AppDocuments;
    return;
  }
  check_review();
}

void KioskModel::check_review() {
  const domain::Service* svc = state_.catalogue ? state_.catalogue->service(state_.draft.service) : nullptr;
  if (!svc) return;
  domain::FormCheckOptions options;
  options.today = state_.today;
  state_.draft.problems = domain::check_form(svc->form, state_.draft.values, options).problems;
  state_.step = Step::AppReview;
}

std::vector<Effect> KioskModel::on_filing_result(const FilingResult& result) {
  if (state_.step != Step::Filing) return {};
  if (result.kind == FilingResult::Kind::Invalid) {
    state_.draft.problems = result.problems;
    state_.step = Step::AppReview;
    return {};
  }
  state_.filing = result;
  if (result.kind == FilingResult::Kind::Printed) state_.printer = {true, true, {}};
  if (result.kind == FilingResult::Kind::NotPrinted) state_.printer = {true, false, result.detail};
  // The answers leave the screen's state once saved; the receipt number stays on screen.
  if (result.kind != FilingResult::Kind::Failed) state_.draft.values.clear();
  state_.step = Step::Filed;
  // The application is saved whatever the printer does; under the stop policy the kiosk then
  // stops (as after a failed token slip) until the printer is fine again.
  if (result.kind == FilingResult::Kind::NotPrinted && state_.policy == PrinterPolicy::Stop) {
    return {Effect{Effect::Kind::WatchPrinter, {}, {}, {}, {}, {}}};
  }
  return {};
}

void KioskModel::on_status_lookup(const StatusLookup& lookup) {
  if (state_.step != Step::StatusLoading) return;
  state_.lookup = lookup;
  if (lookup.kind == StatusLookup::Kind::Unreachable || lookup.source == StatusLookup::Source::LastCopy) {
    set_online(false);
  }
  state_.step = Step::StatusShown;
}

bool KioskModel::idle_applies() const {
  // The start screen times out only to end a session's audio mode the citizen left on.
  if (state_.step == Step::Language) return state_.audio;
  return state_.step != Step::Issuing && state_.step != Step::Stopped && state_.step != Step::Filing &&
         state_.step != Step::StatusLoading && !state_.pin_checking && !state_.test_printing;
}

bool KioskModel::on_idle() {
  if (!idle_applies()) return false;
  if (state_.step == Step::Language) {
    state_.audio = false;
    return true;
  }
  start_over();
  return true;
}

}  // namespace guichet::kiosk
