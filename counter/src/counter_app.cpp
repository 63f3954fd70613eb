#include "counter_app.hpp"

#include <SDL.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace guichet::counter {

using sync::json;

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Operator ids as the server accepts them: 1 to 32 letters, digits, '-' or '_'.
bool valid_operator_id(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

constexpr std::int64_t kCatalogueRetryMs = 3000;
// Logged in offline: how often the counter tries to open itself at the server.
constexpr std::int64_t kReopenRetryMs = 5000;
constexpr std::int64_t kBlindReopenRetryMs = 30000;

}  // namespace

CounterApp::CounterApp(ui::App& app, BackendConfig config, ScanOptions scan)
    : model_(config.endpoint.device_id), backend_(std::move(config), app.poster()), main_(scan) {
  backend_.start(
      [this](const sync::WireEvent& e) {
        if (model_.logged_in()) model_.apply_event(e);
      },
      [this](bool connected) {
        model_.feed_connected = connected;
        if (!connected) return;
        model_.server_reachable = true;
        // Events missed while disconnected are replayed after Last-Event-ID; the snapshot also
        // puts right anything the feed cannot (a counter restarted with an old cursor).
        refresh_queue();
        if (!model_.catalogue() && !loading_catalogue_) load_catalogue();
      },
      [this](const ActionOutcome& o) { apply_late(o); },
      [this](bool reachable, std::int64_t backlog) {
        model_.backlog = backlog;
        if (reachable) model_.server_reachable = true;
      },
      [this](std::int64_t waiting) { model_.files_waiting = waiting; });
  load_catalogue();
  load_draft();
}

void CounterApp::load_draft() {
  if (draft_loading_) return;
  draft_loading_ = true;
  backend_.load_draft([this](std::optional<DraftStore::Kept> kept, const std::string& problem) {
    draft_loading_ = false;
    kept_draft_ = std::move(kept);
    if (!problem.empty()) model_.notice = Notice{Notice::Kind::Error, problem};
  });
}

void CounterApp::restore_kept_draft() {
  if (!kept_draft_ || application_ || !model_.logged_in() || !model_.catalogue()) return;
  DraftStore::Kept kept = std::move(*kept_draft_);
  kept_draft_.reset();
  auto restored = restore_draft(kept.text, kept.pages, model_);
  if (!restored) {
    backend_.set_draft_aside(restored.error());
    model_.notice =
        Notice{Notice::Kind::Error, "The form in progress when the counter stopped could not be restored (" +
                                        restored.error() + "). It was kept aside, unchanged."};
    return;
  }
  ++scan_ticket_;
  application_ = std::move(restored.value());
  forget_draft();
  draft_text_ = draft_json(*application_);
  for (const auto& id : draft_page_ids(*application_)) draft_pages_.insert(id);
  if (draft_text_.empty()) {
    // Its service is not taken here now: the values cannot be shown. It is kept aside, not lost.
    backend_.set_draft_aside("its service is not taken at counter " + model_.counter);
  }
}

void CounterApp::forget_draft() {
  draft_text_.clear();
  draft_pages_.clear();
}

void CounterApp::keep_draft() {
  if (!application_ || application_->step == FormStep::Saving || application_->step == FormStep::Done) return;
  std::string text = draft_json(*application_);
  if (text == draft_text_) return;
  // The operator changed something: the form is theirs now.
  if (!draft_text_.empty()) application_->restored_note.clear();
  // Pages the text no longer names leave the disk with this write: one scanned again is new again.
  std::vector<std::string> ids = draft_page_ids(*application_);
  std::erase_if(draft_pages_,
                [&ids](const std::string& id) { return std::find(ids.begin(), ids.end(), id) == ids.end(); });
  std::vector<ScannedPage> new_pages;
  for (const auto& [document, pages] : application_->pages) {
    for (const auto& p : pages) {
      if (draft_pages_.insert(p.file.sha256).second) new_pages.push_back(p);
    }
  }
  draft_text_ = text;
  backend_.keep_draft(std::move(text), std::move(ids), std::move(new_pages));
}

void CounterApp::load_catalogue() {
  loading_catalogue_ = true;
  backend_.load_catalogue([this](CatalogueOutcome o) {
    loading_catalogue_ = false;
    next_catalogue_try_ms_ = wall_ms() + kCatalogueRetryMs;
    if (o.catalogue) {
      model_.set_catalogue(o.catalogue);
      if (!o.from_cache) model_.clock_offset_ms = o.clock_offset_ms;
      if (model_.screen == ScreenId::Login && !o.from_cache) model_.login_message.clear();
      if (o.from_cache) model_.server_reachable = false;
    } else {
      model_.login_message = o.message;
      model_.server_reachable = false;
    }
  });
}

void CounterApp::draw(ui::Frame& frame) {
  model_.now_ms = wall_ms();
  if (!model_.catalogue() && !loading_catalogue_) {
    if (model_.now_ms >= next_catalogue_try_ms_) {
      load_catalogue();
    } else {
      frame.redraw_at(frame.now() + std::chrono::milliseconds(next_catalogue_try_ms_ - model_.now_ms));
    }
  }
  // Logged in on this counter alone: as soon as the server answers, the counter is opened there
  // with the PIN held since (and again every few seconds while it does not).
  // Tries are spaced by 5 s while the server seems to answer (the live feed or the outbox reached
  // it), by 30 s while it does not.
  if (model_.offline_session && !reopening_ && !reopen_refused_ && model_.busy.empty()) {
    const std::int64_t due = model_.server_reachable ? next_reopen_ms_ : std::max(next_reopen_ms_, blind_reopen_ms_);
    if (model_.now_ms >= due) {
      reopen_at_server();
    } else {
      frame.redraw_at(frame.now() + std::chrono::milliseconds(due - model_.now_ms));
    }
  }
  std::vector<Command> commands;
  switch (model_.screen) {
    case ScreenId::Login:
      commands = login_.draw(frame, model_);
      break;
    case ScreenId::CounterChoice:
      commands = choice_.draw(frame, model_);
      break;
    case ScreenId::Main:
      restore_kept_draft();
      if (application_ && model_.logged_in()) {
        commands = application_screen_.draw(frame, model_, *application_, backend_.can_scan());
      } else {
        if (application_) {
          // Logged out with a form open: it stays on disk, restored at the next login.
          application_.reset();
          forget_draft();
          load_draft();
        }
        commands = main_.draw(frame, model_, SDL_GetTicks());
      }
      break;
  }
  for (const auto& c : commands) handle(c);
  keep_draft();
  // The model changed after this frame was drawn: show it.
  if (!commands.empty()) frame.animate();
}

void CounterApp::handle(const Command& c) {
  switch (c.kind) {
    case CommandKind::SubmitOperator:
      if (!valid_operator_id(c.text)) {
        model_.login_message = "An operator ID has 1 to 32 letters, digits, '-' or '_'.";
        return;
      }
      model_.operator_input = c.text;
      model_.login_step = LoginStep::Pin;
      model_.login_message.clear();
      return;
    case CommandKind::SubmitPin:
      submit_pin(c.text);
      return;
    case CommandKind::BackToOperator:
      model_.login_step = LoginStep::Operator;
      model_.login_message.clear();
      return;
    case CommandKind::RetryConnect:
      if (!loading_catalogue_) load_catalogue();
      return;
    case CommandKind::ChooseCounter:
      choose_counter(c.text);
      return;
    case CommandKind::CancelCounterChoice:
      model_.logged_out();
      login_.clear_all();
      return;
    case CommandKind::Act:
      act(c.action);
      return;
    case CommandKind::ClosePicker:
      model_.picker = Picker::None;
      return;
    case CommandKind::PickerMove: {
      const int n = model_.picker_size();
      if (n == 0) return;
      model_.picker_index = std::clamp(model_.picker_index < 0 ? 0 : model_.picker_index + c.index, 0, n - 1);
      return;
    }
    case CommandKind::PickerSelect:
      if (c.index >= 0 && c.index < model_.picker_size()) model_.picker_index = c.index;
      return;
    case CommandKind::PickerConfirm:
      confirm_picker();
      return;
    case CommandKind::Scanned:
      scanned(c.text);
      return;
    case CommandKind::DismissNotice:
      model_.notice.reset();
      return;
    case CommandKind::AppChooseService:
      if (application_) choose_service(*application_, c.text);
      return;
    case CommandKind::AppToggleDocument:
      if (application_ && application_->step == FormStep::Fill) toggle_document(*application_, c.text);
      return;
    case CommandKind::AppSave:
      save_application();
      return;
    case CommandKind::AppClose:
      // Leaving while saving would hide the result: the form stays until it is known.
      if (application_ && application_->step != FormStep::Saving) {
        if (!application_->scanning.empty()) backend_.cancel_scan();  // the page is not wanted any more
        ++scan_ticket_;
        application_.reset();
        forget_draft();
        backend_.clear_draft();
      }
      return;
    case CommandKind::AppScan:
      scan_page(c.text);
      return;
    case CommandKind::AppRemovePage:
      if (application_ && c.index >= 0) remove_page(*application_, c.text, static_cast<std::size_t>(c.index));
      return;
    case CommandKind::AppPaperLanguage:
      if (application_ && application_->step == FormStep::Fill && model_.catalogue())
        next_paper_language(*application_, *model_.catalogue());
      return;
    case CommandKind::AppChangeService:
      if (application_ && application_->step == FormStep::Fill) application_->step = FormStep::ChooseService;
      return;
  }
}

domain::Date CounterApp::centre_today() const {
  const auto* cat = model_.catalogue();
  const int offset = cat ? cat->centre.utc_offset_minutes : 0;
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
                   std::chrono::milliseconds(model_.clock_offset_ms);
  domain::Date d;
  if (!domain::parse_date(domain::business_day(now, offset), d)) return {};
  return d;
}

void CounterApp::scan_page(const std::string& document_id) {
  if (!application_ || !backend_.can_scan()) return;
  if (!begin_scan(*application_, document_id)) return;
  // Off the UI thread: a page takes seconds, and the operator goes on typing meanwhile. The form
  // may have been closed, or another opened, by the time it comes back.
  const std::uint64_t ticket = ++scan_ticket_;
  backend_.scan([this, ticket, document_id](const ScanOutcome& outcome) {
    if (!application_ || ticket != scan_ticket_ || application_->scanning != document_id) return;
    finish_scan(*application_, document_id, outcome);
  });
}

void CounterApp::save_application() {
  if (!application_ || application_->step != FormStep::Fill || !model_.catalogue()) return;
  ApplicationForm& form = *application_;
  if (!form.scanning.empty()) {
    form.scan_message = "Wait for the page being scanned, then save.";
    return;
  }
  const domain::Date today = centre_today();
  // Problems are shown next to their fields; nothing is saved until there are none.
  if (!check_application(form, *model_.catalogue(), today)) return;
  form.step = FormStep::Saving;
  // The filing removes the draft as it is written. Should it come back with problems, the form is
  // kept again from its next frame.
  draft_text_.clear();
  FilingJob job;
  job.input = filing_input(form, *model_.catalogue(), today);
  job.pages = page_bytes(form);
  job.catalogue = model_.catalogue_ptr();
  // The operator who takes it is named in the filing itself (form.operator_id), not by sending
  // the session: one saved offline may be sent after the operator has logged out, and the server
  // refuses a closed session — the application would be lost. The device's own credentials file
  // it, and the centre checks that the operator named is one of its own.
  job.bearer.clear();
  job.token_display = form.token_display;
  job.counter_id = model_.counter;
  job.paid_at = domain::Instant(std::chrono::milliseconds(wall_ms() + model_.clock_offset_ms));
  backend_.file_application(std::move(job), [this](const kiosk::FilingResult& r) {
    if (!application_ || application_->step != FormStep::Saving) return;
    if (r.kind == kiosk::FilingResult::Kind::Invalid) {
      application_->draft.problems = r.problems;
      application_->step = FormStep::Fill;
      return;
    }
    application_->step = FormStep::Done;
    application_->receipt = r.receipt;
    application_->due_on = r.due_on;
    application_->print_failed = r.kind == kiosk::FilingResult::Kind::NotPrinted;
    application_->outcome = filing_message(r);
    model_.notice = Notice{r.receipt.empty() ? Notice::Kind::Error : Notice::Kind::Success, application_->outcome};
  });
}

void CounterApp::submit_pin(const std::string& pin) {
  if (!model_.busy.empty()) return;
  if (model_.now_ms < model_.retry_at_ms) {
    model_.login_message = "Too many wrong PINs. Wait until the countdown ends.";
    return;
  }
  model_.busy = "Checking PIN…";
  model_.login_message.clear();
  // The PIN is checked without a counter first, so a wrong PIN is told on this screen. It is held
  // in memory only until the chosen counter is opened with it.
  backend_.login(model_.operator_input, pin, "", [this, pin](LoginOutcome o) {
    model_.busy.clear();
    if (!o.ok) {
      model_.login_message = o.message;
      if (o.retry_after_s > 0) model_.retry_at_ms = wall_ms() + o.retry_after_s * 1000LL;
      if (o.unreachable) model_.server_reachable = false;
      return;
    }
    model_.server_reachable = !o.offline;
    model_.operator_id = o.operator_id;
    model_.operator_name = o.name;
    model_.role = o.role;
    model_.pending_pin = pin;
    model_.notice.reset();
    model_.screen = ScreenId::CounterChoice;
    if (o.offline) {
      model_.notice = Notice{Notice::Kind::Offline,
                             "The centre server cannot be reached: your PIN was checked on this counter. You can take "
                             "applications; calling tokens waits until the server answers."};
      return;
    }
    // That first session only proved the PIN; the counter gets its own.
    backend_.logout(o.session, [](const ActionOutcome&) {});
  });
}

void CounterApp::choose_counter(const std::string& counter) {
  if (!model_.busy.empty()) return;
  model_.busy = "Opening " + model_.counter_name(counter) + "…";
  model_.notice.reset();
  backend_.login(model_.operator_id, model_.pending_pin, counter, [this](LoginOutcome o) {
    model_.busy.clear();
    if (!o.ok) {
      if (o.unreachable) model_.server_reachable = false;
      model_.notice = Notice{Notice::Kind::Error, o.message};
      return;
    }
    login_.clear_all();
    if (o.offline) {
      model_.server_reachable = false;
      model_.opened_offline(o.operator_id, o.name, o.role, o.counter);
      next_reopen_ms_ = wall_ms() + kReopenRetryMs;
      blind_reopen_ms_ = wall_ms() + kBlindReopenRetryMs;
      reopen_refused_ = false;
      model_.notice = Notice{Notice::Kind::Offline, model_.counter_name(o.counter) +
                                                        " opened here only: the centre server cannot be reached."};
      return;
    }
    model_.server_reachable = true;
    reopen_refused_ = false;
    model_.opened(o.session, o.operator_id, o.name, o.role, o.counter);
    model_.notice =
        Notice{Notice::Kind::Info, model_.counter_name(o.counter) + " is open. Call the first citizen with [F1]."};
    refresh_queue();
  });
}

void CounterApp::reopen_at_server() {
  reopening_ = true;
  next_reopen_ms_ = wall_ms() + kReopenRetryMs;
  blind_reopen_ms_ = wall_ms() + kBlindReopenRetryMs;
  const std::string op = model_.operator_id, counter = model_.counter;
  // Only the server can open the counter: no check here if it does not answer.
  backend_.login(op, model_.pending_pin, counter, false, [this, op, counter](LoginOutcome o) {
    reopening_ = false;
    // Logged out, or another operator, meanwhile: that session is not this one's.
    if (!model_.offline_session || model_.operator_id != op || model_.counter != counter) {
      if (o.ok && !o.offline) backend_.logout(o.session, [](const ActionOutcome&) {});
      return;
    }
    if (o.ok && !o.offline) {
      model_.server_reachable = true;
      model_.joined_server(o.session);
      model_.notice = Notice{Notice::Kind::Success, "The centre server answers again: " + model_.counter_name(counter) +
                                                        " is open there. Call the next citizen with [F1]."};
      refresh_queue();
      return;
    }
    if (o.unreachable) {  // still out of reach
      model_.server_reachable = false;
      return;
    }
    if (o.retry_after_s > 0) {  // the server asks to wait (another login of this operator is being checked)
      next_reopen_ms_ = wall_ms() + o.retry_after_s * 1000LL;
      return;
    }
    // Refused for good: the PIN was changed or the operator removed at the server, or the counter
    // cannot be opened there. The PIN is not tried again.
    model_.server_reachable = true;
    model_.pending_pin.assign(model_.pending_pin.size(), '\0');
    model_.pending_pin.clear();
    reopen_refused_ = true;
    model_.notice = Notice{Notice::Kind::Error,
                           "The centre server refused your login: " + o.message + ". Log out [F10] and log in again."};
  });
}

void CounterApp::act(Action action) {
  if (!model_.enabled(action)) {
    if (model_.logged_in()) model_.notice = Notice{Notice::Kind::Info, model_.unavailable_reason(action)};
    return;
  }
  switch (action) {
    case Action::NewApplication:
      model_.picker = Picker::None;
      ++scan_ticket_;
      application_ = open_application(model_);
      application_->started_ms = wall_ms();
      forget_draft();
      return;
    case Action::CallSpecific:
      model_.picker = Picker::CallSpecific;
      model_.picker_index = 0;
      return;
    case Action::Resume:
      model_.picker = Picker::Resume;
      model_.picker_index = 0;
      return;
    case Action::Transfer:
      model_.picker = Picker::Transfer;
      model_.picker_index = model_.picker_size() > 0 ? 0 : -1;
      return;
    case Action::Logout:
      model_.picker = Picker::None;
      if (model_.offline_session) {
        // No session was opened at the server: there is nothing to tell it.
        model_.logged_out();
        login_.clear_all();
        model_.notice.reset();
        reopen_refused_ = false;
        return;
      }
      model_.busy = "Logging out…";
      backend_.logout(model_.session, [this](const ActionOutcome& o) {
        model_.busy.clear();
        if (o.kind == ActionOutcome::Kind::Refused) {
          model_.notice = Notice{Notice::Kind::Error, o.message};
          return;
        }
        model_.logged_out();
        login_.clear_all();
        model_.notice.reset();
        if (o.kind == ActionOutcome::Kind::Queued) {
          model_.server_reachable = false;
          model_.login_message =
              "Logged out here. The centre server could not be reached; it will be told as soon as the connection "
              "returns.";
        }
      });
      return;
    default:
      send(action, json::object());
      return;
  }
}

void CounterApp::confirm_picker() {
  const int i = model_.picker_index;
  if (i < 0 || i >= model_.picker_size()) return;
  switch (model_.picker) {
    case Picker::CallSpecific:
      send(Action::CallSpecific, {{"token", model_.waiting[i].id}, {"scanned", false}});
      return;
    case Picker::Resume:
      send(Action::Resume, {{"token", model_.parked[i].id}});
      return;
    case Picker::Transfer: {
      const TransferOption option = model_.transfer_options()[i];
      json body = json::object();
      if (!option.service.empty()) body["service"] = option.service;
      if (!option.counter.empty()) body["counter"] = option.counter;
      send(Action::Transfer, body);
      return;
    }
    case Picker::None:
      return;
  }
}

void CounterApp::send(Action action, json body) {
  if (!model_.busy.empty() || !model_.logged_in() || model_.offline_session) return;
  model_.picker = Picker::None;
  model_.busy = std::string(info(action).name) + "…";
  model_.notice.reset();
  const std::string counter = model_.counter;
  backend_.act(action, counter, std::move(body), model_.session, [this, counter](const ActionOutcome& o) {
    model_.busy.clear();
    if (counter != model_.counter) return;
    apply_outcome(o);
  });
}

void CounterApp::apply_outcome(const ActionOutcome& o) {
  switch (o.kind) {
    case ActionOutcome::Kind::Done:
      model_.server_reachable = true;
      if (o.event) {
        model_.apply_event(*o.event);
        model_.notice = Notice{Notice::Kind::Success, model_.describe(*o.event)};
      } else if (!o.message.empty()) {
        model_.notice = Notice{Notice::Kind::Error, o.message};
      }
      return;
    case ActionOutcome::Kind::Refused:
      model_.server_reachable = true;
      model_.notice = Notice{Notice::Kind::Error, o.message};
      // A refusal often means this screen was behind the server (someone else called that token).
      refresh_queue();
      return;
    case ActionOutcome::Kind::Queued:
      model_.server_reachable = false;
      model_.notice = Notice{Notice::Kind::Offline, o.message};
      return;
  }
}

void CounterApp::apply_late(const ActionOutcome& o) {
  model_.server_reachable = true;
  if (!model_.logged_in()) return;
  if (o.kind == ActionOutcome::Kind::Done && o.event) {
    model_.apply_event(*o.event);
    model_.notice = Notice{Notice::Kind::Success, "Sent when the connection returned: " + model_.describe(*o.event)};
  } else if (o.kind == ActionOutcome::Kind::Refused) {
    model_.notice = Notice{Notice::Kind::Error, "An action saved while offline was refused: " + o.message};
    refresh_queue();
  }
}

void CounterApp::scanned(const std::string& text) {
  const std::string id = normalize_scan(text);
  if (!model_.logged_in()) return;
  if (!looks_like_token_id(id)) {
    model_.notice = Notice{Notice::Kind::Error, "The scanned code is not a queue token: " + id.substr(0, 40)};
    return;
  }
  const auto* cat = model_.catalogue();
  if (cat && id.rfind(cat->centre.id + "-", 0) != 0) {
    model_.notice = Notice{Notice::Kind::Error, "Token " + id + " was issued by another centre."};
    return;
  }
  const std::string number = id.substr(id.rfind('-') + 1);
  if (!model_.busy.empty()) {
    model_.notice =
        Notice{Notice::Kind::Info, "Wait for " + model_.busy + " to finish, then scan " + number + " again."};
    return;
  }
  if (model_.offline_session) {
    model_.notice = Notice{Notice::Kind::Offline, "Calling " + number +
                                                      " waits until the centre server answers. Take the application "
                                                      "as a walk-in's now [F11]."};
    return;
  }
  if (model_.current && model_.current->token.id == id) {
    model_.notice = Notice{Notice::Kind::Info, number + " is already at this counter."};
    return;
  }
  for (const auto& t : model_.parked) {
    if (t.id == id) {
      if (model_.current) break;
      send(Action::Resume, {{"token", id}});
      return;
    }
  }
  if (model_.current) {
    model_.notice = Notice{Notice::Kind::Error, "Finish, park or transfer " + model_.current->token.display_number() +
                                                    " before calling " + number + "."};
    return;
  }
  send(Action::CallSpecific, {{"token", id}, {"scanned", true}});
}

void CounterApp::refresh_queue() {
  if (!model_.logged_in() || model_.offline_session) return;
  model_.begin_refresh();
  const std::string counter = model_.counter;
  backend_.fetch_queue(counter, [this, counter](const SnapshotOutcome& o) {
    if (counter != model_.counter) return;
    if (!o.ok) {
      model_.cancel_refresh();
      return;
    }
    model_.apply_snapshot(o.snapshot);
    if (!o.snapshot.operator_id.empty() && o.snapshot.operator_id != model_.operator_id) {
      model_.notice = Notice{Notice::Kind::Error, model_.counter_name(counter) + " is now held by operator " +
                                                      o.snapshot.operator_id + ". Log out and choose another counter."};
    }
  });
}

}  // namespace guichet::counter
