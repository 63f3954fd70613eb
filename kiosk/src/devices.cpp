#include "devices.hpp"

#include <algorithm>
#include <iostream>

#include "format.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/hardware/receipts/application_slip.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "services.hpp"

namespace guichet::kiosk {

namespace hw = guichet::hardware;

namespace {
constexpr const char* kLeasedKind = "token.leased";      // outbox kind of a token reported from a block
constexpr const char* kWithdrawKind = "token.withdraw";  // a token request the kiosk gave up on

// {"withdrawn":true}: the centre node's answer to a withdrawal it got before the request itself.
bool withdrawn_answer(const std::string& body) {
  auto j = sync::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto it = j.find("withdrawn");
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
}  // namespace

std::unique_ptr<hw::printer::Transport> make_transport(const PrinterSpec& spec) {
  if (spec.kind == PrinterSpec::Kind::File) return hw::printer::make_file_transport({spec.path, false});
  hw::printer::TcpOptions o;
  o.host = spec.host;
  o.port = static_cast<std::uint16_t>(spec.port);
  o.connect_timeout = std::chrono::milliseconds(1500);
  return hw::printer::make_tcp_transport(o);
}

HardwarePrinter::HardwarePrinter(std::unique_ptr<hw::printer::Transport> transport,
                                 std::shared_ptr<sync::PrinterReporter> reporter)
    : printer_(std::move(transport)), reporter_(std::move(reporter)) {}

void HardwarePrinter::found(std::string_view word) {
  if (reporter_ && !word.empty() && reporter_->found(word) && on_change_) on_change_();
}

PrinterCheck HardwarePrinter::status() {
  // A file cannot answer: it is taken as ready, and the job itself tells if writing fails.
  if (!printer_.transport().bidirectional()) {
    found("ready");
    return {};
  }
  auto st = printer_.status();
  if (!st.ok()) {
    found(hw::printer::condition_word(st.error()));
    return {false, st.error().message};
  }
  found(hw::printer::condition_word(st.value()));
  if (!st.value().ready()) return {false, st.value().message()};
  return {};
}

PrinterCheck HardwarePrinter::print(const std::vector<std::uint8_t>& job) {
  auto r = printer_.print(job);
  if (!r.ok()) {
    found(hw::printer::condition_word(r.error()));
    return {false, r.error().message};
  }
  found(r.value().status_checked ? hw::printer::condition_word(r.value().status) : "ready");
  return {};
}

ServerTokens::ServerTokens(sync::SyncEngine& engine, sync::Outbox& outbox, KioskStore& store,
                           std::function<void(std::function<void()>)> schedule, std::chrono::milliseconds wait,
                           LeaseOptions lease)
    : engine_(engine),
      outbox_(outbox),
      store_(store),
      schedule_(std::move(schedule)),
      wait_(wait),
      lease_(lease),
      lease_at_start_(store_.load_catalogue().has_value()) {}

ServerTokens::~ServerTokens() { stop_leasing(); }

std::int64_t ServerTokens::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<IssuedToken> parse_issue_response(const std::string& body, std::string& problem) {
  try {
    auto j = sync::json::parse(body);
    IssuedToken t;
    t.token = sync::token_from_json(j.at("token"));
    if (j.contains("wait")) t.wait = sync::wait_from_json(j.at("wait"));
    return t;
  } catch (const std::exception& e) {
    problem = std::string("unexpected answer from the server: ") + e.what();
    return std::nullopt;
  }
}

TokenRequest ServerTokens::request(const std::string& service, const std::string& priority,
                                   const std::string& language) {
  TokenRequest r;
  // The node is known to be down (the engine has work it could not send): the block at once,
  // without another request the node would only answer with a token to cancel.
  if (lease_.enabled && !engine_.online() && engine_.backlog() > 0) {
    if (auto leased = take_leased(service, priority, language)) {
      r.kind = TokenRequest::Kind::Issued;
      r.issued = std::move(*leased);
      return r;
    }
  }
  sync::json body = {{"service", service}, {"priority", priority}, {"language", language}};
  sync::OutboxEntry e = engine_.submit_and_wait("POST", "/api/v1/tokens", body, "", wait_);
  if (e.state == sync::OutboxState::Pending) {
    // The request is withdrawn: the server, when it gets it, issues nothing. If it had issued it
    // already (an answer lost on the way), reconcile() cancels the token. The citizen gets a
    // number from the leased block, or is told plainly that nothing was issued. Abandoned first:
    // a crash before the withdrawal is written leaves it to recover().
    store_.set_state(e.seq, "", IssueLogState::Abandoned, now_ms());
    withdraw(e.seq);
    if (engine_.device_refusal_kind() != sync::DeviceRefusal::None) {
      // The node answered, and refuses this kiosk itself (revoked, or its credentials not
      // accepted): not a network failure, and no number from the leased block either.
      r.kind = TokenRequest::Kind::Refused;
      r.message = engine_.device_refusal();
      return r;
    }
    if (auto leased = take_leased(service, priority, language)) {
      r.kind = TokenRequest::Kind::Issued;
      r.issued = std::move(*leased);
      return r;
    }
    r.kind = TokenRequest::Kind::Unreachable;
    r.message = e.last_error;
    return r;
  }
  if (e.state == sync::OutboxState::Failed) {
    r.kind = TokenRequest::Kind::Refused;
    r.message = e.response().error_message();
    return r;
  }
  std::string problem;
  auto issued = parse_issue_response(e.response_body, problem);
  if (!issued) {
    r.kind = TokenRequest::Kind::Unreachable;
    r.message = problem;
    return r;
  }
  issued->seq = e.seq;
  // The sync engine's completion callback usually logged it already (it runs before this wait
  // ends); one durable write fewer on the citizen's path.
  auto row = store_.get(e.seq);
  if (!row || row->token_id != issued->token.id) {
    store_.set_state(e.seq, issued->token.id, IssueLogState::Issued, now_ms());
  }
  r.kind = TokenRequest::Kind::Issued;
  r.issued = std::move(*issued);
  return r;
}

void ServerTokens::delivered(const IssuedToken& token) {
  if (token.leased) {
    report_leased(token);
    return;
  }
  store_.set_state(token.seq, token.token.id, IssueLogState::Delivered, now_ms());
}

CancelOutcome ServerTokens::cancel(const IssuedToken& token) {
  if (token.leased) {
    // Never reported: the number stays unused in the server's lease and never reaches the queue.
    store_.set_leased_state(token.token.prefix, token.token.business_day, token.token.number, LeasedState::Void, 0,
                            now_ms());
    return {true, {}};
  }
  store_.set_state(token.seq, token.token.id, IssueLogState::CancelQueued, now_ms());
  auto e =
      engine_.submit_and_wait("POST", "/api/v1/tokens/" + token.token.id + "/cancel", sync::json::object(), "", wait_);
  if (e.state == sync::OutboxState::Done) {
    store_.set_state(token.seq, token.token.id, IssueLogState::Cancelled, now_ms());
    return {true, {}};
  }
  if (e.state == sync::OutboxState::Failed) {
    store_.set_state(token.seq, token.token.id, IssueLogState::CancelRefused, now_ms());
    return {false, e.response().error_message()};
  }
  return {false, e.last_error};
}

void ServerTokens::on_complete(const sync::OutboxEntry& entry) {
  if (entry.method != "POST") return;
  if (entry.kind == kLeasedKind) {
    if (entry.state == sync::OutboxState::Done) {
      store_.set_leased_state_by_seq(entry.seq, LeasedState::Uploaded, now_ms());
    } else if (entry.state == sync::OutboxState::Failed) {
      // number_taken: an earlier report of the same number (written again after a crash) is
      // already queued.
      const auto response = entry.response();
      const bool queued = response.error_code() == "number_taken";
      store_.set_leased_state_by_seq(entry.seq, queued ? LeasedState::Uploaded : LeasedState::Refused, now_ms());
      if (!queued) {
        std::cerr << "guichet-kiosk: the server refused a token issued from a number block (outbox entry " << entry.seq
                  << "): " << response.error_message() << "\n";
      }
    }
    return;
  }
  if (entry.path == "/api/v1/tokens") {
    settle_answer(entry);
    return;
  }
  const std::string prefix = "/api/v1/tokens/";
  const std::string suffix = "/cancel";
  if (entry.path.starts_with(prefix) && entry.path.ends_with(suffix)) {
    std::string id = entry.path.substr(prefix.size(), entry.path.size() - prefix.size() - suffix.size());
    store_.set_state_by_token(
        id, entry.state == sync::OutboxState::Done ? IssueLogState::Cancelled : IssueLogState::CancelRefused, now_ms());
  }
}

void ServerTokens::settle_answer(const sync::OutboxEntry& entry) {
  if (entry.state == sync::OutboxState::Failed && entry.kind == kWithdrawKind) {
    // Unexpected (a withdrawal is answered like the request it withdraws); nothing was issued
    // under this key by it, so the row stays abandoned, and the reason is kept.
    std::cerr << "guichet-kiosk: the server refused the withdrawal of token request " << entry.seq << ": "
              << entry.response().error_message() << "\n";
    return;
  }
  if (entry.state != sync::OutboxState::Done) return;
  if (withdrawn_answer(entry.response_body)) {
    store_.set_state(entry.seq, "", IssueLogState::Withdrawn, now_ms());
    return;
  }
  std::string problem;
  auto issued = parse_issue_response(entry.response_body, problem);
  if (!issued) return;
  store_.record_token(entry.seq, issued->token.id, now_ms());
  schedule_([this] { reconcile(); });
}

bool ServerTokens::withdraw(std::int64_t seq) {
  auto e = outbox_.get(seq);
  if (!e || e->state != sync::OutboxState::Pending) return false;
  if (e->kind == kWithdrawKind) return true;
  auto body = sync::json::parse(e->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return false;
  body["withdrawn"] = true;
  // Printed like the request (sorted keys, no spaces): the node matches the two by it.
  return outbox_.rewrite_pending(seq, body.dump(), kWithdrawKind);
}

void ServerTokens::reconcile() {
  for (const auto& row : store_.undelivered()) {
    store_.set_state(row.seq, row.token_id, IssueLogState::CancelQueued, now_ms());
    // No wait: the outbox holds it durably and the engine sends it whenever it can.
    engine_.submit("POST", "/api/v1/tokens/" + row.token_id + "/cancel", sync::json::object());
  }
}

void ServerTokens::recover() {
  // Sequence numbers are consecutive: whatever was appended after the last logged request was
  // written just before a crash and never logged.
  const std::int64_t last = store_.max_seq();
  if (last > 0) {
    for (std::int64_t seq = last + 1; seq < last + 10000; ++seq) {
      auto e = outbox_.get(seq);
      if (!e) break;
      if (e->method != "POST" || e->path != "/api/v1/tokens" || e->kind == kLeasedKind) continue;
      if (e->state == sync::OutboxState::Done) {
        std::string problem;
        if (auto issued = parse_issue_response(e->response_body, problem)) {
          store_.record_token(seq, issued->token.id, now_ms());
        }
      } else if (e->state == sync::OutboxState::Pending) {
        store_.set_state(seq, "", IssueLogState::Abandoned, now_ms());
      }
    }
  }
  // Abandoned requests with no answer known: withdrawn if still waiting in the outbox (a crash
  // before the withdrawal was written, or the ones just found), else settled from their answer
  // (a crash before the engine's completion reached the issue log).
  for (const auto& row : store_.abandoned_unanswered()) {
    auto e = outbox_.get(row.seq);
    if (!e) continue;
    if (e->state == sync::OutboxState::Pending) {
      withdraw(row.seq);
    } else {
      settle_answer(*e);
    }
  }
  reconcile();
  // Numbers a crash caught between taken and reported: a slip not known to be delivered is void
  // (as an online token is cancelled); a delivered one is reported (again, if the crash came just
  // after its report was written: the server then answers number_taken and queues it once).
  for (const auto& row : store_.leased_unsettled()) {
    if (row.state == LeasedState::Taken) {
      store_.set_leased_state(row.prefix, row.business_day, row.number, LeasedState::Void, 0, now_ms());
    } else {
      auto e = engine_.submit("POST", "/api/v1/tokens", sync::json::parse(row.report), "", kLeasedKind);
      store_.set_leased_state(row.prefix, row.business_day, row.number, LeasedState::Reported, e.seq, now_ms());
    }
  }
  start_leasing();
}

void ServerTokens::report_leased(const IssuedToken& token) {
  const auto& t = token.token;
  store_.set_leased_state(t.prefix, t.business_day, t.number, LeasedState::Delivered, 0, now_ms());
  auto row = store_.leased(t.prefix, t.business_day, t.number);
  if (!row) return;
  // Uploaded whenever the node is back; the sync engine's completion marks it uploaded.
  auto e = engine_.submit("POST", "/api/v1/tokens", sync::json::parse(row->report), "", kLeasedKind);
  store_.set_leased_state(t.prefix, t.business_day, t.number, LeasedState::Reported, e.seq, now_ms());
}

std::string ServerTokens::today() {
  if (auto b = store_.latest_block()) {
    return domain::business_day(domain::from_unix_ms(now_ms() + b->clock_offset_ms), b->utc_offset_minutes);
  }
  auto catalogue = load_cached_catalogue(store_);
  return domain::business_day(domain::from_unix_ms(now_ms()), catalogue ? catalogue->centre.utc_offset_minutes : 0);
}

std::optional<IssuedToken> ServerTokens::take_leased(const std::string& service, const std::string& priority,
                                                     const std::string& language) {
  if (!lease_.enabled) return std::nullopt;
  const std::int64_t now = now_ms();
  domain::Instant issued_at{};
  auto taken = store_.take_number(
      service, today(),
      [&](const TakenNumber& t) {
        // The server's time of issue (the kiosk's clock corrected by the offset seen at the lease).
        issued_at = domain::from_unix_ms(now + t.block.clock_offset_ms);
        sync::json body = {{"service", service},
                           {"priority", priority},
                           {"language", language},
                           {"leased_number", t.number},
                           {"issued_at", domain::format_iso_local(issued_at, t.block.utc_offset_minutes)}};
        return body.dump();
      },
      now);
  wake_leaser();  // the block may be running low
  if (!taken) return std::nullopt;
  IssuedToken out;
  domain::Token& t = out.token;
  t.service = service;
  t.prefix = taken->block.prefix;
  t.number = taken->number;
  t.business_day = taken->block.business_day;
  t.id = taken->block.centre + "-" + domain::compact_day(t.business_day) + "-" + t.display_number();
  t.priority = priority;
  t.language = language;
  t.issued_at = issued_at;
  t.state = domain::TokenState::Waiting;
  t.issued_by = outbox_.device_id();
  out.leased = true;
  return out;
}

void ServerTokens::wake_leaser() {
  {
    std::lock_guard lock(lease_mu_);
    lease_wake_ = true;
  }
  lease_cv_.notify_all();
}

void ServerTokens::start_leasing() {
  std::lock_guard lock(lease_mu_);
  if (!lease_.enabled || leaser_.joinable()) return;
  lease_stop_ = false;
  lease_abort_ = false;
  leaser_ = std::thread([this] { lease_loop(); });
}

void ServerTokens::stop_leasing() {
  {
    std::lock_guard lock(lease_mu_);
    lease_stop_ = true;
    lease_abort_ = true;
  }
  lease_cv_.notify_all();
  if (leaser_.joinable()) leaser_.join();
}

void ServerTokens::lease_loop() {
  // A kiosk that knows its catalogue leases at once. A new one (no catalogue cached when it
  // started) leases at the first check after that, so a first start settles before it leases.
  bool first = true;
  for (;;) {
    try {
      if (!first || lease_at_start_) top_up();
      first = false;
    } catch (const std::exception& e) {
      std::cerr << "guichet-kiosk: leasing number blocks: " << e.what() << "\n";
    }
    std::unique_lock lock(lease_mu_);
    lease_cv_.wait_for(lock, lease_.check, [this] { return lease_stop_ || lease_wake_; });
    if (lease_stop_) return;
    lease_wake_ = false;
  }
}

namespace {

// {"lease": {service, prefix, business_day, first, count, leased_at}} into a block.
std::optional<NumberBlock> parse_lease(const std::string& body, std::string& problem) {
  try {
    auto j = sync::json::parse(body).at("lease");
    NumberBlock b;
    b.service = j.at("service").get<std::string>();
    b.prefix = j.at("prefix").get<std::string>();
    b.business_day = j.at("business_day").get<std::string>();
    b.first = j.at("first").get<int>();
    b.count = j.at("count").get<int>();
    b.next = b.first;
    domain::Instant leased_at{};
    if (!domain::parse_iso(j.at("leased_at").get<std::string>(), leased_at)) {
      problem = "the lease's time '" + j.at("leased_at").get<std::string>() + "' is not an ISO 8601 time";
      return std::nullopt;
    }
    b.leased_ms = domain::to_unix_ms(leased_at);  // the server's clock, until made the kiosk's
    if (b.first < 1 || b.count < 1) {
      problem = "the lease's numbers (first " + std::to_string(b.first) + ", count " + std::to_string(b.count) +
                ") are not a block";
      return std::nullopt;
    }
    return b;
  } catch (const std::exception& e) {
    problem = std::string("unexpected answer to a lease: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace

int ServerTokens::top_up() {
  if (!lease_.enabled) return 0;
  auto catalogue = load_cached_catalogue(store_);
  if (!catalogue) return 0;  // nothing to lease for until the catalogue is known
  std::string day = today();
  store_.drop_blocks_before(day);
  sync::ApiClient client(engine_.endpoint());
  int leased = 0;
  for (const auto& service : catalogue->services) {
    {
      std::lock_guard lock(lease_mu_);
      if (lease_stop_) break;
      auto refused = lease_refused_.find(service.id);
      if (refused != lease_refused_.end() && refused->second == day) continue;
    }
    // Numbers leased and not used count against a daily cap for everyone: a kiosk holds a tenth
    // of the cap at most.
    const int size = service.daily_cap > 0 ? std::clamp(service.daily_cap / 10, 1, std::max(1, lease_.block))
                                           : std::max(1, lease_.block);
    const int left = store_.numbers_left(service.id, day);
    if (left * std::max(1, lease_.low_fraction) >= size) continue;
    const LeaseRequest req = store_.lease_request(service.id, size, outbox_.device_id());
    sync::RequestOptions o;
    o.idempotency_key = req.key;
    o.timeout = lease_.timeout;
    o.cancel = &lease_abort_;
    const std::int64_t sent = now_ms();
    auto r = client.post("/api/v1/leases", sync::json{{"service", req.service}, {"count", req.count}}, o);
    const std::int64_t answered = now_ms();
    if (r.transient()) break;  // the node is unreachable: the request is kept and asked again later
    std::string problem;
    std::optional<NumberBlock> block;
    if (r.ok()) {
      block = parse_lease(r.body, problem);
    } else {
      problem = r.error_message();
    }
    if (!block) {
      store_.finish_lease_request(req.key, std::nullopt);
      {
        std::lock_guard lock(lease_mu_);
        lease_refused_[service.id] = day;
      }
      std::cerr << "guichet-kiosk: no number block for " << service.id << " today: " << problem << "\n";
      continue;
    }
    // The server's clock against the kiosk's, at the middle of the round trip.
    block->clock_offset_ms = block->leased_ms - (sent + answered) / 2;
    block->leased_ms = answered;
    block->centre = catalogue->centre.id;
    block->utc_offset_minutes = catalogue->centre.utc_offset_minutes;
    store_.finish_lease_request(req.key, block);
    ++leased;
    if (block->business_day > day) {
      day = block->business_day;  // the kiosk's clock was behind the server's day
      store_.drop_blocks_before(day);
    }
  }
  return leased;
}

std::optional<std::vector<std::uint8_t>> build_slip(const domain::Catalogue& catalogue,
                                                    const text::Translations& translations, const std::string& language,
                                                    const IssuedToken& token, std::string& problem,
                                                    PaperText* paper_text) {
  const domain::Service* svc = catalogue.service(token.token.service);
  const hw::receipts::EncodeOptions options = paper_text ? paper_text->options() : hw::receipts::EncodeOptions{};
  auto make = [&](const PaperTry& attempt) {
    const std::string& lang = attempt.language;
    const Tr t(translations, lang);
    auto paper = [&](std::string s) { return attempt.plain ? plain_for_paper(s) : s; };
    hw::receipts::TokenSlip slip;
    slip.language = lang;
    slip.centre_name = catalogue.centre.name.get(lang);
    slip.centre_address = catalogue.centre.address;
    if (svc) {
      slip.service_name = svc->name.get(lang);
      if (const auto* dep = catalogue.department(svc->department)) slip.department = dep->name.get(lang);
    }
    slip.display_number = token.token.display_number();
    if (!token.token.priority.empty()) {
      const auto* cat = catalogue.priority_category(token.token.priority);
      slip.priority_label = cat ? cat->name.get(lang) : token.token.priority;
    }
    slip.issued_time = paper(slip_time(t, token.token.issued_at, catalogue.centre.utc_offset_minutes));
    // A token from the leased block has no estimate: the node that knows the queue is down.
    if (!token.leased) slip.estimated_wait = paper(wait_short(t, token.wait.ahead, token.wait.minutes));
    slip.qr_payload = token.token.id;
    slip.labels.token_number = t.trc("slip", "Your token number");
    slip.labels.issued = t.trc("slip", "Issued");
    slip.labels.estimated_wait = t.trc("slip", "Estimated wait");
    slip.footer_lines = {t.tr("Please wait until your number is called."),
                         t.tr("Keep this slip until you are served.")};
    return hw::receipts::encode_token_slip(slip, options);
  };
  return first_printable(language, make, problem);
}

namespace {
sync::ChangeFeedOptions feed_options(std::chrono::milliseconds poll) {
  sync::ChangeFeedOptions o;
  o.poll_interval = poll;
  o.request_timeout = std::chrono::seconds(10);
  o.first_pull_delay = std::chrono::seconds(3);  // after the first screens are up
  return o;
}
}  // namespace

ServerApplications::ServerApplications(sync::SyncEngine& engine, sync::Outbox& outbox, sync::ServerEndpoint endpoint,
                                       const std::string& feed_path, std::chrono::milliseconds poll)
    : engine_(engine), outbox_(outbox), endpoint_(endpoint), feed_(feed_path, endpoint, feed_options(poll)) {}

ServerApplications::~ServerApplications() { stop(); }

void ServerApplications::start() { feed_.start(); }

void ServerApplications::stop() { feed_.stop(); }

void ServerApplications::on_server_reached(std::function<void(bool)> callback) {
  feed_.on_pulled([callback = std::move(callback)](const sync::ChangeFeed::Pull& pull) { callback(pull.reached); });
}

std::string ServerApplications::next_receipt(const std::string& centre_id) {
  // Durable in the outbox file before it is returned: never given twice, across crashes too.
  return outbox_.next_application_receipt(centre_id);
}

void ServerApplications::file(const sync::json& body) {
  engine_.submit("POST", "/api/v1/applications", body, "", "application.file");
}

StatusLookup ServerApplications::lookup(const std::string& receipt, std::chrono::milliseconds timeout) {
  StatusLookup out;
  out.receipt = receipt;
  sync::ApiClient client(endpoint_);
  sync::RequestOptions options;
  // The engine already knows the server is out of reach: the citizen waits briefly, not the full
  // timeout, before the kiosk answers from its own copies.
  options.timeout = engine_.online() ? timeout : std::min(timeout, std::chrono::milliseconds(1500));
  auto r = client.get("/api/v1/applications/" + receipt, options);
  if (r.ok()) {
    std::string problem;
    if (auto status = parse_public_status(r.body, problem)) {
      out.kind = StatusLookup::Kind::Found;
      out.status = std::move(*status);
      feed_.wake();  // statuses move: bring the kiosk's copy up to date too
      return out;
    }
    out.detail = problem;
  } else if (r.status == 404 && r.error_code() == "unknown_application") {
    out.kind = StatusLookup::Kind::Unknown;
  } else {
    out.detail = r.status == 0 ? r.transport_error : "HTTP " + std::to_string(r.status) + ": " + r.error_message();
  }
  // Filed here and not yet delivered: the server cannot know it yet, whether it answered or not.
  if (auto mine = waiting_in_outbox(receipt)) {
    out.kind = StatusLookup::Kind::Found;
    out.source = StatusLookup::Source::ThisKiosk;
    out.status = std::move(*mine);
    return out;
  }
  if (out.kind == StatusLookup::Kind::Unknown) return out;
  out.kind = StatusLookup::Kind::Unreachable;
  std::string problem;
  if (auto copy = last_copy(receipt, problem)) {
    out.kind = StatusLookup::Kind::Found;
    out.source = StatusLookup::Source::LastCopy;
    out.status = std::move(*copy);
  } else if (!problem.empty()) {
    out.detail += "; " + problem;
  }
  return out;
}

std::optional<PublicStatus> ServerApplications::waiting_in_outbox(const std::string& receipt) {
  // Looked up by its receipt number, newest first, however long the backlog an outage left.
  const auto e = outbox_.find_pending("application.file", "receipt", receipt);
  if (!e) return std::nullopt;
  auto body = sync::json::parse(e->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  PublicStatus s;
  s.receipt = receipt;
  s.service = body.value("service", "");
  s.status = "not_sent";
  s.filed_on = body.value("filed_on", "");
  s.due_on = body.value("due_on", "");
  return s;
}

std::optional<PublicStatus> ServerApplications::last_copy(const std::string& receipt, std::string& problem) {
  try {
    auto stored = feed_.local_status(receipt);
    if (!stored) return std::nullopt;
    return parse_public_status(sync::json{{"application", *stored}}.dump(), problem);
  } catch (const std::exception& e) {
    problem = std::string("the kiosk's copy of statuses cannot be read: ") + e.what();
    return std::nullopt;
  }
}

std::vector<std::uint8_t> build_test_page(const domain::Catalogue* catalogue, const std::string& device_id) {
  hw::receipts::TokenSlip slip;
  slip.centre_name = catalogue ? catalogue->centre.name.get("en") : "Guichet";
  slip.service_name = "Printer test";
  slip.display_number = "TEST";
  slip.issued_time = "kiosk " + device_id;
  slip.qr_payload = "TEST-" + device_id;
  slip.footer_lines = {"This is not a token."};
  auto bytes = hw::receipts::encode_token_slip(slip);
  return bytes.ok() ? std::move(bytes).value() : std::vector<std::uint8_t>{};
}

}  // namespace guichet::kiosk
