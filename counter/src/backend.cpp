#include "backend.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "filing_port.hpp"
#include "guichet/hardware/printer/receipt_printer.hpp"
#include "guichet/store/files.hpp"

namespace guichet::counter {

namespace fs = std::filesystem;
using sync::json;

namespace {

constexpr const char* kCursor = "feed.last_event_id";
constexpr const char* kUnreachable =
    "Centre server unreachable: the action is saved here and will be sent when the connection returns.";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// For whoever runs the counter: the app's messages go to standard error.
void log_warning(const std::string& message) { std::fprintf(stderr, "guichet-counter: %s\n", message.c_str()); }

std::optional<json> parse_object(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Backend::Backend(BackendConfig config, ui::Poster poster) : config_(std::move(config)), poster_(std::move(poster)) {
  fs::create_directories(config_.data_dir);
  if (config_.printer.kind != PrinterSetting::Kind::None) {
    printer_report_ = std::make_shared<sync::PrinterReporter>();
    config_.endpoint.printer = printer_report_;  // before any client copies the endpoint
  }
  outbox_ = std::make_unique<sync::Outbox>((fs::path(config_.data_dir) / "outbox.sqlite").string(),
                                           config_.endpoint.device_id);
  sync::SyncOptions options;
  options.request_timeout = std::chrono::milliseconds(3000);
  engine_ = std::make_unique<sync::SyncEngine>(*outbox_, config_.endpoint, options);
  attachments_ = std::make_unique<sync::AttachmentStore>((fs::path(config_.data_dir) / "attachments.sqlite").string());
  if (config_.offline_login.count() > 0) {
    OperatorCache::Options o;
    o.valid_for = config_.offline_login;
    operators_ = std::make_unique<OperatorCache>((fs::path(config_.data_dir) / "operators.sqlite").string(), o);
    operators_->purge(wall_ms());
  } else {
    // Offline logins turned off: hashes kept by an earlier start are not left behind.
    std::error_code ec;
    fs::remove(fs::path(config_.data_dir) / "operators.sqlite", ec);
  }
  drafts_ = std::make_unique<DraftStore>((fs::path(config_.data_dir) / "draft.sqlite").string(), *outbox_);
  uploader_ = std::make_unique<sync::AttachmentUploader>(*attachments_, config_.endpoint);
  client_ = std::make_unique<sync::ApiClient>(config_.endpoint);
  worker_ = std::make_unique<ui::Worker>("counter-net");
  printer_worker_ = std::make_unique<ui::Worker>("counter-printer");
  scanner_worker_ = std::make_unique<ui::Worker>("counter-scanner");
  draft_worker_ = std::make_unique<ui::Worker>("counter-draft");
}

Backend::~Backend() { stop(); }

void Backend::stop() {
  printer_looks_.reset();  // before the printer's thread it posts to
  // The engine first: a job waiting on it in the worker returns at once.
  if (engine_) engine_->stop();
  if (uploader_) uploader_->stop();
  cancel_scan();
  worker_.reset();
  printer_worker_.reset();  // a filing under way settles the draft thread first: it goes after
  scanner_worker_.reset();
  if (draft_worker_) {
    draft_worker_.reset();
    write_drafts();  // the last change, when its job had not started: the app is closing
  }
  if (feed_) feed_->stop();
}

void Backend::load_draft(std::function<void(std::optional<DraftStore::Kept>, std::string)> done) {
  draft_worker_->run([this, done = std::move(done)] {
    std::optional<DraftStore::Kept> kept;
    std::string problem;
    try {
      kept = drafts_->load();
    } catch (const std::exception& e) {
      problem = std::string("the form in progress could not be read: ") + e.what();
      log_warning(problem);
    }
    poster_.post([done, kept = std::move(kept), problem]() mutable { done(std::move(kept), problem); });
  });
}

void Backend::keep_draft(std::string text, std::vector<std::string> page_ids, std::vector<ScannedPage> new_pages) {
  std::lock_guard lock(draft_mu_);
  for (auto& p : new_pages) draft_writes_.pages.push_back(std::move(p));
  draft_writes_.text = std::make_pair(std::move(text), std::move(page_ids));
  queue_draft_writes();
}

void Backend::clear_draft() {
  std::lock_guard lock(draft_mu_);
  draft_writes_.pages.clear();
  draft_writes_.text.reset();
  draft_writes_.clear = true;
  queue_draft_writes();
}

void Backend::queue_draft_writes() {
  if (draft_writes_.queued || !draft_worker_) return;
  draft_writes_.queued = true;
  draft_worker_->run([this] { write_drafts(); });
}

void Backend::set_draft_aside(std::string why) {
  draft_worker_->run([this, why = std::move(why)] {
    try {
      drafts_->set_aside(why);
      drafts_->drop_unnamed_pages();
    } catch (const std::exception& e) {
      log_warning(std::string("the form in progress that could not be restored was not set aside: ") + e.what());
    }
  });
}

void Backend::write_drafts() {
  DraftWrites w;
  {
    std::lock_guard lock(draft_mu_);
    w = std::move(draft_writes_);
    draft_writes_ = DraftWrites{};
  }
  try {
    if (w.clear) drafts_->clear();
    for (const auto& p : w.pages) drafts_->keep_page(p);
    if (w.text) drafts_->save(w.text->first, w.text->second);
  } catch (const std::exception& e) {
    // The form is still on the screen; the next change tries again. Only a crash meanwhile loses it.
    log_warning(std::string("the form in progress could not be kept on disk: ") + e.what());
  }
}

void Backend::settle_drafts() {
  {
    std::lock_guard lock(draft_mu_);
    const bool queued = draft_writes_.queued;
    draft_writes_ = DraftWrites{};
    draft_writes_.queued = queued;  // its job finds nothing left to write
  }
  std::promise<void> idle;
  auto done = idle.get_future();
  draft_worker_->run([&idle] { idle.set_value(); });
  done.wait();  // also when the draft thread was stopped before the job ran (a broken promise)
}

void Backend::start(EventHandler on_event, FeedHandler on_feed, LateHandler on_late, SyncHandler on_sync,
                    FilesHandler on_files) {
  on_late_ = std::move(on_late);
  on_sync_ = std::move(on_sync);
  on_files_ = std::move(on_files);
  uploader_->on_change([this] {
    drop_sent_pages();
    report_files();
  });
  drop_sent_pages();
  uploader_->start();
  report_files();
  engine_->on_complete([this](const sync::OutboxEntry& entry) {
    bool late = false;
    {
      std::lock_guard lock(mu_);
      late = abandoned_.erase(entry.seq) > 0;
    }
    if (late) {
      ActionOutcome o = outcome_of(entry);
      o.late = true;
      poster_.post([handler = on_late_, o] { handler(o); });
    }
    report_sync();
  });
  engine_->start();
  look_at_printer();  // the centre knows the printer's state from the first requests
  if (config_.printer.kind != PrinterSetting::Kind::None) {
    // Looked at again while idle, between papers (a look behind a paper would tell nothing new).
    printer_looks_ = std::make_unique<ui::Ticker>("counter-look", config_.printer_look_every, [this] {
      if (!printer_worker_->busy()) look_at_printer();
    });
  }

  std::uint64_t cursor = 0;
  if (auto stored = outbox_->get_meta(kCursor)) cursor = std::strtoull(stored->c_str(), nullptr, 10);
  feed_ = std::make_unique<sync::EventStream>(
      config_.endpoint,
      [this, on_event](const sync::WireEvent& e) {
        poster_.post([on_event, e] { on_event(e); });
        try {
          outbox_->set_meta(kCursor, std::to_string(e.seq));
        } catch (const store::DbError&) {
          // The cursor only saves replaying events after a restart; the event itself is applied.
        }
      },
      cursor);
  feed_->on_status([this, on_feed](bool connected, const std::string&) {
    poster_.post([on_feed, connected] { on_feed(connected); });
  });
  feed_->start();
  report_sync();
}

void Backend::report_sync() {
  if (!on_sync_) return;
  const std::int64_t backlog = engine_->backlog();
  const bool reachable = engine_->online() || backlog == 0;
  poster_.post([handler = on_sync_, reachable, backlog] { handler(reachable, backlog); });
}

void Backend::drop_sent_pages() {
  const auto keep = std::chrono::duration_cast<std::chrono::milliseconds>(config_.keep_sent_pages).count();
  try {
    attachments_->drop_sent_content(wall_ms() - keep + 1);
  } catch (const store::DbError& e) {
    // Tried again after the next answer; the pages are the centre's already.
    log_warning(std::string("scanned pages the centre has could not be removed here: ") + e.what());
  }
}

void Backend::report_files() {
  if (!on_files_) return;
  std::int64_t waiting = 0;
  try {
    waiting = uploader_->waiting();
  } catch (const store::DbError&) {
    return;  // the count only informs the operator; the files themselves are untouched
  }
  poster_.post([handler = on_files_, waiting] { handler(waiting); });
}

void Backend::scan(std::function<void(ScanOutcome)> done) {
  const ScanPort port = config_.scanner;
  scanner_worker_->run([this, port, done = std::move(done)] {
    ScanOutcome out;
    if (!port.scan) {
      out.problem = "No scanner is set for this counter.";
    } else {
      try {
        out = port.scan();
      } catch (const std::exception& e) {
        out = ScanOutcome{};
        out.problem = std::string("The scanner failed: ") + e.what();
      }
    }
    poster_.post([done, out = std::move(out)] { done(out); });
  });
}

void Backend::cancel_scan() {
  if (config_.scanner.cancel) config_.scanner.cancel();
}

void Backend::load_catalogue(std::function<void(CatalogueOutcome)> done) {
  worker_->run([this, done = std::move(done)] {
    CatalogueOutcome out;
    const fs::path cache = fs::path(config_.data_dir) / "catalogue.json";
    const std::int64_t before = wall_ms();
    sync::HttpResponse health = client_->get("/api/v1/health");
    const std::int64_t after = wall_ms();
    if (health.ok()) {
      if (auto j = parse_object(health.body); j && j->contains("time") && (*j)["time"].is_string()) {
        domain::Instant server_time;
        if (domain::parse_iso((*j)["time"].get<std::string>(), server_time)) {
          // The server read its clock about halfway through the round trip.
          out.clock_offset_ms = domain::to_unix_ms(server_time) - (before + after) / 2;
        }
      }
    }
    sync::HttpResponse r = client_->get("/api/v1/catalogue");
    if (r.ok()) {
      try {
        auto catalogue = std::make_shared<domain::Catalogue>(sync::catalogue_from_json(json::parse(r.body)));
        out.catalogue = std::move(catalogue);
        // A crash never leaves half a catalogue behind.
        store::write_file_atomically(cache, r.body);
      } catch (const std::exception& e) {
        out.message = std::string("the server's catalogue could not be read: ") + e.what();
      }
    } else {
      out.message = r.status == 0 ? "The centre server cannot be reached (" + r.error_message() + ")."
                                  : "The centre server refused this counter: " + r.error_message();
    }
    if (!out.catalogue) {
      if (auto text = read_text(cache)) {
        try {
          out.catalogue = std::make_shared<domain::Catalogue>(sync::catalogue_from_json(json::parse(*text)));
          out.from_cache = true;
        } catch (const std::exception&) {
          // A damaged cache is as good as none; the message above says why the server failed.
        }
      }
    }
    poster_.post([done, out] { done(out); });
  });
}

void Backend::login(std::string operator_id, std::string pin, std::string counter, bool offline_check,
                    std::function<void(LoginOutcome)> done) {
  worker_->run([this, operator_id = std::move(operator_id), pin = std::move(pin), counter = std::move(counter),
                offline_check, done = std::move(done)]() mutable {
    json body = {{"operator", operator_id}, {"pin", pin}};
    if (!counter.empty()) body["counter"] = counter;
    // Not through the outbox: a PIN is never written to disk, and a login replayed later, when
    // the operator has gone, would open a counter nobody is at.
    sync::RequestOptions options;
    options.timeout = std::chrono::milliseconds(8000);
    sync::HttpResponse r = client_->post("/api/v1/sessions", body, options);
    body["pin"] = std::string(body["pin"].get<std::string>().size(), '\0');
    LoginOutcome out;
    out.counter = counter;
    if (r.ok()) {
      auto j = parse_object(r.body);
      if (j && (*j)["session"].is_string()) {
        out.ok = true;
        out.session = (*j)["session"].get<std::string>();
        out.operator_id = j->value("operator", operator_id);
        out.name = j->value("name", operator_id);
        out.role = j->value("role", "");
        // Hashed once per login: on the check of the PIN alone, not again when the counter is
        // opened with it a moment later (each hash takes tens of milliseconds and 64 MiB).
        if (counter.empty()) remember_operator(out, pin);
      } else {
        out.message = "the server's answer to the login could not be read";
      }
    } else if (r.transient()) {
      out.unreachable = true;
      out.message = "The centre server cannot be reached. Check the network cable and try again.";
      if (offline_check) out = offline_login(std::move(out), operator_id, pin);
    } else {
      out.message = r.error_message();
      out.retry_after_s = r.retry_after_seconds;
      // The server refused this PIN: the one kept here (an older one, or an operator removed
      // since) must not open the counter offline.
      if (r.error_code() == "wrong_pin" && operators_) forget_operator(operator_id);
    }
    pin.assign(pin.size(), '\0');
    poster_.post([done, out] { done(out); });
  });
}

void Backend::remember_operator(const LoginOutcome& accepted, const std::string& pin) {
  if (!operators_) return;
  try {
    operators_->remember(CachedOperator{accepted.operator_id, accepted.name, accepted.role}, pin, wall_ms());
  } catch (const std::exception& e) {
    // The login itself stands; only a later offline login will not find this operator.
    log_warning(std::string("the operator could not be kept for offline logins: ") + e.what());
  }
}

void Backend::forget_operator(const std::string& operator_id) {
  try {
    operators_->forget(operator_id);
  } catch (const std::exception& e) {
    log_warning(std::string("an operator refused by the server could not be removed from the offline logins: ") +
                e.what());
  }
}

LoginOutcome Backend::offline_login(LoginOutcome out, const std::string& operator_id, const std::string& pin) {
  if (!operators_) return out;
  OfflineCheck check;
  try {
    check = operators_->check(operator_id, pin, wall_ms());
  } catch (const std::exception& e) {
    log_warning(std::string("the offline logins could not be read: ") + e.what());
    return out;
  }
  const std::string days = std::to_string(config_.offline_login.count() / 24);
  switch (check.kind) {
    case OfflineCheck::Kind::Accepted:
      out.ok = true;
      out.offline = true;
      out.operator_id = check.op.id;
      out.name = check.op.name;
      out.role = check.op.role;
      out.message.clear();
      break;
    case OfflineCheck::Kind::WrongPin:
      out.message = "Wrong operator ID or PIN (checked on this counter: the centre server cannot be reached).";
      out.retry_after_s = static_cast<int>((check.retry_after_ms + 999) / 1000);
      break;
    case OfflineCheck::Kind::LockedOut:
      out.message = "Too many wrong PINs. Wait until the countdown ends.";
      out.retry_after_s = static_cast<int>((check.retry_after_ms + 999) / 1000);
      break;
    case OfflineCheck::Kind::Unknown:
      out.message =
          "The centre server cannot be reached, and this operator has not logged in on this counter in "
          "the last " +
          days + (days == "1" ? " day" : " days") +
          ", so the PIN cannot be checked here. Check the network cable, or ask the centre manager.";
      break;
  }
  return out;
}

void Backend::fetch_queue(std::string counter, std::function<void(SnapshotOutcome)> done) {
  worker_->run([this, counter = std::move(counter), done = std::move(done)] {
    SnapshotOutcome out;
    sync::HttpResponse r = client_->get("/api/v1/queue?counter=" + counter);
    if (!r.ok()) {
      out.message = r.error_message();
    } else {
      try {
        json j = json::parse(r.body);
        out.snapshot.counter = counter;
        if (j.contains("counter") && j["counter"].is_object()) {
          out.snapshot.operator_id = sync::counter_state_from_json(j["counter"]).operator_id;
        }
        if (j.contains("current") && !j["current"].is_null())
          out.snapshot.current = sync::token_from_json(j["current"]);
        for (const auto& t : j.at("waiting")) out.snapshot.waiting.push_back(sync::token_from_json(t));
        if (j.contains("parked") && j["parked"].is_array()) {
          std::vector<domain::Token> parked;
          for (const auto& t : j["parked"]) parked.push_back(sync::token_from_json(t));
          out.snapshot.parked = std::move(parked);
        }
        out.ok = true;
      } catch (const std::exception& e) {
        out.message = std::string("the server's queue could not be read: ") + e.what();
      }
    }
    poster_.post([done, out] { done(out); });
  });
}

std::string Backend::action_path(Action action, const std::string& counter) {
  return "/api/v1/counters/" + counter + "/" + info(action).endpoint;
}

void Backend::act(Action action, std::string counter, json body, std::string bearer,
                  std::function<void(ActionOutcome)> done) {
  worker_->run([this, path = action_path(action, counter), body = std::move(body), bearer = std::move(bearer),
                done = std::move(done)] {
    ActionOutcome out = submit("POST", path, body, bearer);
    poster_.post([done, out] { done(out); });
  });
}

void Backend::logout(std::string bearer, std::function<void(ActionOutcome)> done) {
  worker_->run([this, bearer = std::move(bearer), done = std::move(done)] {
    ActionOutcome out = submit("DELETE", "/api/v1/sessions/current", json(), bearer);
    poster_.post([done, out] { done(out); });
  });
}

ActionOutcome Backend::submit(const std::string& method, const std::string& path, const json& body,
                              const std::string& bearer) {
  sync::OutboxEntry entry;
  try {
    entry = engine_->submit_and_wait(method, path, body, bearer, config_.action_timeout);
  } catch (const store::DbError& e) {
    // Not written, so not sent either: the operator must know the action did not happen.
    ActionOutcome out;
    out.kind = ActionOutcome::Kind::Refused;
    out.message = std::string("This counter could not save the action, so it was not sent: ") + e.what();
    return out;
  }
  if (entry.state == sync::OutboxState::Pending) {
    {
      std::lock_guard lock(mu_);
      abandoned_.insert(entry.seq);
    }
    // The answer may have landed between the wait giving up and the line above.
    if (auto again = outbox_->get(entry.seq); again && again->state != sync::OutboxState::Pending) {
      std::lock_guard lock(mu_);
      abandoned_.erase(entry.seq);
      entry = *again;
    }
  }
  report_sync();
  return outcome_of(entry);
}

ActionOutcome Backend::outcome_of(const sync::OutboxEntry& entry) const {
  ActionOutcome out;
  out.seq = entry.seq;
  switch (entry.state) {
    case sync::OutboxState::Pending:
      out.kind = ActionOutcome::Kind::Queued;
      out.message = kUnreachable;
      break;
    case sync::OutboxState::Failed:
      out.kind = ActionOutcome::Kind::Refused;
      out.message = entry.response().error_message();
      break;
    case sync::OutboxState::Done:
      out.kind = ActionOutcome::Kind::Done;
      if (auto j = parse_object(entry.response_body); j && j->contains("event")) {
        try {
          out.event = sync::event_from_json((*j)["event"]);
        } catch (const std::exception& e) {
          out.message = std::string("the server's answer could not be read: ") + e.what();
        }
      }
      break;
  }
  return out;
}

namespace {

std::unique_ptr<hardware::printer::Transport> make_transport(const PrinterSetting& p) {
  if (p.kind == PrinterSetting::Kind::File) return hardware::printer::make_file_transport({p.path, false});
  hardware::printer::TcpOptions o;
  o.host = p.host;
  o.port = static_cast<std::uint16_t>(p.port);
  o.connect_timeout = std::chrono::milliseconds(1500);
  return hardware::printer::make_tcp_transport(o);
}

}  // namespace

void Backend::printer_found(std::string_view word) {
  if (!printer_report_ || word.empty() || !printer_report_->found(word)) return;
  // Another state than the last: said at once with the smallest read there is (the last call),
  // since an idle counter makes no request of its own (its live feed's request is long made).
  worker_->run([this] { client_->get("/api/v1/calls?limit=1"); });
}

void Backend::look_at_printer() {
  if (config_.printer.kind == PrinterSetting::Kind::None) return;
  printer_worker_->run([this] {
    hardware::printer::ReceiptPrinter printer(make_transport(config_.printer));
    if (!printer.transport().bidirectional()) return;  // a file cannot answer; its jobs tell
    auto st = printer.status();
    printer_found(st.ok() ? hardware::printer::condition_word(st.value())
                          : hardware::printer::condition_word(st.error()));
  });
}

void Backend::file_application(FilingJob job, std::function<void(kiosk::FilingResult)> done) {
  printer_worker_->run([this, job = std::move(job), done = std::move(done)]() mutable {
    job.input.catalogue = job.catalogue.get();
    // The draft of this form is removed in the transaction that writes its filing: no write of it
    // may be left to come after (the UI keeps no draft of a form being saved).
    settle_drafts();
    CounterFilingPort port(
        *outbox_, *attachments_, job.bearer, std::move(job.pages), [this] { engine_->wake(); },
        [this] {
          uploader_->wake();
          report_files();
        },
        {{DraftStore::kDraftName, std::nullopt}});
    std::unique_ptr<hardware::printer::ReceiptPrinter> printer;
    if (config_.printer.kind != PrinterSetting::Kind::None) {
      printer = std::make_unique<hardware::printer::ReceiptPrinter>(make_transport(config_.printer));
    }
    kiosk::PrintPort print;
    print.ready = [&](std::string& problem) {
      if (!printer) {
        problem = "no printer is set for this counter";
        return false;
      }
      // A file cannot answer: the job itself tells if writing fails.
      if (!printer->transport().bidirectional()) return true;
      auto st = printer->status();
      if (!st.ok()) {
        printer_found(hardware::printer::condition_word(st.error()));
        problem = st.error().message;
        return false;
      }
      printer_found(hardware::printer::condition_word(st.value()));
      if (!st.value().ready()) {
        problem = st.value().message();
        return false;
      }
      return true;
    };
    print.print = [&](const kiosk::FilingRequest& request, std::string& problem) {
      auto papers = build_counter_papers(*job.catalogue, config_.translations, request, job.token_display,
                                         job.counter_id, job.paid_at, &paper_);
      if (!papers.ok()) {
        problem = papers.error();
        return false;
      }
      for (const auto* paper : {&papers.value().fee_receipt, &papers.value().acknowledgement}) {
        auto r = printer->print(*paper);
        if (!r.ok()) {
          printer_found(hardware::printer::condition_word(r.error()));
          problem = r.error().message;
          return false;
        }
        printer_found(r.value().status_checked ? hardware::printer::condition_word(r.value().status) : "ready");
      }
      return true;
    };
    kiosk::FilingResult result = kiosk::file_application(port, print, job.input);
    try {
      drafts_->drop_unnamed_pages();  // filed: its pages are in the attachments now
    } catch (const std::exception& e) {
      log_warning(std::string("the pages of the form just saved are still in draft.sqlite: ") + e.what());
    }
    report_sync();
    poster_.post([done, result] { done(result); });
  });
}

}  // namespace guichet::counter
