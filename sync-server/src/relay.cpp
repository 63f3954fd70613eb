#include "guichet/server/relay.hpp"

#include <simdjson.h>

#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>

#include "guichet/crash/crash_point.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/server/log.hpp"
#include "guichet/server/wire_json.hpp"
#include "guichet/store/sqlite.hpp"

namespace guichet::server {

namespace {

// Runs a Centre write and waits for its durable answer.
template <class Submit>
Response wait_for(Submit submit) {
  auto promise = std::make_shared<std::promise<Response>>();
  auto future = promise->get_future();
  submit([promise](Response r) { promise->set_value(std::move(r)); });
  return future.get();
}

// Central's answers and change pages are read with simdjson (one pass, no tree of allocations):
// a catch-up reads thousands of applications. A member missing or of another type reads as empty.
std::string text_of(simdjson::dom::object o, const char* key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

std::int64_t int_of(simdjson::dom::object o, const char* key) {
  std::int64_t v = 0;
  if (o[key].get_int64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

// An application's public status as central serves it (its status and history, times parsed, the
// actor "central"); false when it is not one.
bool central_application(simdjson::dom::element e, std::string& receipt, std::string& status,
                         std::vector<ApplicationHistoryEntry>& history) {
  simdjson::dom::object a;
  if (e.get_object().get(a) != simdjson::SUCCESS) return false;
  receipt = text_of(a, "receipt");
  status = text_of(a, "status");
  if (receipt.empty() || status.empty()) return false;
  simdjson::dom::array h;
  if (a["history"].get_array().get(h) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : h) {
      simdjson::dom::object entry;
      if (item.get_object().get(entry) != simdjson::SUCCESS) continue;
      domain::Instant at;
      if (!domain::parse_iso(text_of(entry, "at"), at)) continue;
      history.push_back(ApplicationHistoryEntry{text_of(entry, "status"), domain::to_unix_ms(at),
                                                text_of(entry, "note"), kCentralNode});
    }
  }
  return true;
}

}  // namespace

Relay::Relay(Centre& centre, RelayOptions options)
    : centre_(centre),
      options_(std::move(options)),
      watch_(options_.upstream,
             sync::StallWatchOptions::for_sender(options_.stall_probe_after, options_.link_probe,
                                                 options_.request_timeout, options_.unanswered_limit, "central"),
             2) {}

Relay::~Relay() { stop(); }

void Relay::start() {
  centre_.set_relay_wakeup([this] { wake(); });
  watch_.start();
  upload_thread_ = std::thread([this] { run_upload(); });
  pull_thread_ = std::thread([this] { run_pull(); });
}

void Relay::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  watch_.stop();  // cancels the requests out
  cv_.notify_all();
  if (upload_thread_.joinable()) upload_thread_.join();
  if (pull_thread_.joinable()) pull_thread_.join();
  if (staging_.valid()) staging_.wait();  // hands its rows to the writer (or fails) before the centre goes
  centre_.set_relay_wakeup(nullptr);
}

void Relay::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool Relay::wait(std::chrono::milliseconds d, bool upload) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this, upload] { return stopping_ || (upload && woken_); });
  if (upload) woken_ = false;
  return !stopping_;
}

std::string Relay::batch_text(const std::vector<RelayEntry>& entries) {
  // Written as text (the same text the JSON tree of it prints, keys sorted): a catch-up sends
  // thousands of filings, and building a tree of each first costs more than sending it.
  std::string text = "{\"entries\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (i > 0) text += ',';
    text += "{\"body\":";
    append_json_string(text, e.body);
    text += ",\"hlc\":";
    append_json_string(text, e.hlc);
    text += ",\"kind\":\"application.file\",\"method\":\"POST\",\"origin\":";
    append_json_string(text, e.origin);
    text += ",\"path\":\"/api/v1/applications\",\"received_ms\":";
    text += std::to_string(e.received_ms);
    text += ",\"seq\":";
    text += std::to_string(e.seq);
    text += '}';
  }
  text += "],\"protocol\":";
  text += std::to_string(sync::kProtocolVersion);
  text += '}';
  return text;
}

Relay::Step Relay::upload_once(sync::ApiClient& client) {
  // Whatever way this call ends, a batch sent behind this one is kept only as sent_next_; any
  // other request still out on the connection is given up with it (its rows are read again and
  // central answers them as replays).
  struct DropUnkept {
    Relay& relay;
    sync::ApiClient& client;
    ~DropUnkept() {
      if (!relay.sent_next_ && client.outstanding() > 0) client.abandon();
    }
  } drop_unkept{*this, client};
  sync::RequestOptions ro;
  ro.timeout = options_.request_timeout;
  ro.headers.push_back("X-Guichet-Protocol: " + std::to_string(sync::kProtocolVersion));
  ro.cancel = watch_.cancel_flag(kUpload);
  // Watched from the first request sent (or the answer awaited) to the answer.
  sync::HttpResponse r;
  struct Watch {
    Relay& relay;
    const sync::ApiClient& client;
    const sync::HttpResponse& r;
    bool on = false;
    void start() {
      if (!on) relay.watch(kUpload, client);
      on = true;
    }
    std::string stop() {
      if (!on) return "";
      on = false;
      return relay.unwatch(kUpload, r);
    }
    ~Watch() { stop(); }
  } watched{*this, client, r};

  std::unique_ptr<Batch> batch;
  if (sent_next_) {
    // Sent behind the batch answered last: already out, its answer comes next.
    batch = std::move(sent_next_);
  } else {
    batch = std::make_unique<Batch>();
    {
      auto conn = centre_.reads().acquire();
      batch->entries = conn->relay_pending(options_.batch_entries + static_cast<int>(marking_seqs_.size()));
    }
    // Rows whose answers are being stored are still pending on disk: not sent twice.
    std::erase_if(batch->entries, [this](const RelayEntry& e) { return marking_seqs_.count(e.seq) > 0; });
    if (batch->entries.size() > static_cast<std::size_t>(options_.batch_entries)) {
      batch->entries.resize(static_cast<std::size_t>(options_.batch_entries));
    }
    if (batch->entries.empty()) {
      if (!marking_.valid()) return Step::Idle;
      return finish_marking() ? Step::Progress : Step::Failed;  // read again once they are stored
    }
    batch->text = batch_text(batch->entries);
    watched.start();
    client.begin("POST", "/api/v1/sync/upload", batch->text, ro);
  }
  watched.start();
  const std::vector<RelayEntry>& entries = batch->entries;
  // A full batch: more are likely queued. The next one (the rows after this one's last) is read
  // while this one is out and sent right behind it on the same connection (HTTP pipelining), so
  // that central checks it while it stores this one. Central takes one connection's batches in
  // the order they came; a resend after a failure starts from the oldest unanswered row.
  std::unique_ptr<Batch> behind;
  const int limit = options_.batch_entries;
  if (entries.size() == static_cast<std::size_t>(limit) && limit > 1) {
    try {
      auto next = std::make_unique<Batch>();
      {
        auto conn = centre_.reads().acquire();
        next->entries = conn->relay_pending(limit, entries.back().seq);
      }
      const bool clear = std::none_of(next->entries.begin(), next->entries.end(),
                                      [this](const RelayEntry& e) { return marking_seqs_.count(e.seq) > 0; });
      if (clear && next->entries.size() == static_cast<std::size_t>(limit)) {
        next->text = batch_text(next->entries);
        client.begin("POST", "/api/v1/sync/upload", next->text, ro);
        behind = std::move(next);
      }
    } catch (const std::exception& e) {
      log_error(std::string("relay: reading the next batch: ") + e.what());
    }
  }
  r = client.receive();
  const std::string abandoned = watched.stop();
  note_link(r, abandoned);
  if (!abandoned.empty()) {
    log_info("relay: " + abandoned + " while " + std::to_string(entries.size()) +
             " applications were out without an answer; sending them again on a new connection (central answers "
             "what it has as replays)");
    return Step::Resend;
  }
  if (r.transient() || r.status == 401 || r.status == 403 || r.status == 429) {
    log_error("relay: central did not take " + std::to_string(entries.size()) + " applications (" + r.outcome() +
              "); they stay queued and are sent again");
    // No connection carried it (refused, unreachable, turned away before a byte of answer): the
    // link is down, not central slow.
    return r.status == 0 && r.unreachable ? Step::Unreachable : Step::Failed;
  }
  // Central has stored the batch (or refused it); the centre has not recorded its answers yet.
  crash::point(crash::kRelayAnswered);
  std::vector<Centre::RelayAnswer> answers;
  if (r.status != 200) {
    // The whole batch was refused. Alone, an entry gets its own verdict; refused alone, it is kept
    // as refused so the queue moves on.
    if (entries.size() > 1) {
      options_.batch_entries = 1;
      return Step::Progress;
    }
    answers.push_back(
        Centre::RelayAnswer{entries[0].seq, entries[0].receipt, false, r.status, r.error_message(), "", {}});
  } else {
    simdjson::dom::object body;
    simdjson::dom::array results;
    if (parser_.parse(r.body).get_object().get(body) != simdjson::SUCCESS ||
        body["results"].get_array().get(results) != simdjson::SUCCESS) {
      log_error("relay: central's answer to an upload is not protocol v1; the applications stay queued");
      return Step::Failed;
    }
    std::map<std::int64_t, const RelayEntry*> by_seq;
    for (const auto& e : entries) by_seq[e.seq] = &e;
    for (simdjson::dom::element item : results) {
      simdjson::dom::object result;
      if (item.get_object().get(result) != simdjson::SUCCESS) break;  // sent again later
      const std::int64_t seq = int_of(result, "seq");
      const int status = static_cast<int>(int_of(result, "status"));
      auto it = by_seq.find(seq);
      if (it == by_seq.end() || status >= 500 || status == 0) break;  // sent again later
      simdjson::dom::object b;
      const bool has_body = result["body"].get_object().get(b) == simdjson::SUCCESS;
      if (status < 300) {
        Centre::RelayAnswer a{seq, it->second->receipt, true, status, "", "", {}};
        // The application as central filed it: the centre takes its status now (see relay_answered).
        simdjson::dom::element application;
        if (has_body && b["application"].get(application) == simdjson::SUCCESS) {
          std::string receipt, central_status;
          std::vector<ApplicationHistoryEntry> history;
          if (central_application(application, receipt, central_status, history) && receipt == a.receipt) {
            a.central_status = std::move(central_status);
            a.central_history = std::move(history);
          }
        }
        answers.push_back(std::move(a));
      } else {
        std::string code, message;
        simdjson::dom::object err;
        if (has_body && b["error"].get_object().get(err) == simdjson::SUCCESS) {
          code = text_of(err, "code");
          message = text_of(err, "message");
        }
        // The receipt and the code only: the message may quote what the citizen typed.
        log_error("relay: central refused application " + it->second->receipt + " (status " + std::to_string(status) +
                  (code.empty() ? std::string() : ", " + code) + "); kept as refused");
        answers.push_back(Centre::RelayAnswer{seq, it->second->receipt, false, status, message, "", {}});
      }
    }
    options_.batch_entries = std::max(options_.batch_entries, static_cast<int>(sync::kMaxUploadEntries));
  }
  if (answers.empty()) return Step::Failed;
  // The previous batch's answers first (one write at a time, in order), then these are stored
  // while the next batch's answer is awaited.
  if (!finish_marking()) return Step::Failed;
  // The batch behind is kept out only when this one was answered whole: its rows come right
  // after this one's, nothing before them is pending.
  if (answers.size() == entries.size()) sent_next_ = std::move(behind);
  auto promise = std::make_shared<std::promise<Response>>();
  marking_ = promise->get_future();
  for (const auto& a : answers) marking_seqs_.insert(a.seq);
  // Building the rows (the applications' new statuses and history, about 10 us each) runs beside
  // the next batch's round trip instead of before it; the next call waits for it (finish_marking),
  // so the centre still stores central's answers one batch at a time, in order.
  staging_ = std::async(std::launch::async, [this, answers = std::move(answers), promise]() mutable {
    try {
      centre_.relay_answered(std::move(answers), [promise](Response stored) { promise->set_value(std::move(stored)); });
    } catch (const std::exception& e) {
      log_error(std::string("relay: storing central's answers failed: ") + e.what());
      try {
        promise->set_value(Response::error(500, "internal", "storing central's answers failed"));
      } catch (const std::future_error&) {
        // answered already: that answer stands
      }
    }
  });
  return Step::Progress;
}

bool Relay::finish_marking() {
  if (staging_.valid()) staging_.get();
  if (!marking_.valid()) return true;
  const Response stored = marking_.get();
  marking_seqs_.clear();
  return stored.status < 300;
}

Relay::Step Relay::pull_once(sync::ApiClient& client) {
  std::string cursor = "0";
  {
    auto conn = centre_.reads().acquire();
    if (auto c = conn->meta("upstream_cursor")) cursor = *c;
  }
  sync::RequestOptions ro;
  ro.timeout = options_.request_timeout;
  ro.headers.push_back("X-Guichet-Protocol: " + std::to_string(sync::kProtocolVersion));
  std::string abandoned;
  auto r = watch_.send(kPull, client, "GET", "/api/v1/sync/changes?since=" + cursor + "&limit=500", "", std::move(ro),
                       abandoned);
  note_link(r, abandoned);
  if (!abandoned.empty()) return Step::Resend;
  if (r.status == 400 && (r.error_code() == "cursor_ahead" || r.error_code() == "cursor_unknown") && cursor != "0") {
    // Central's database no longer has what this centre read (restored from a backup): read its
    // changes all again from 0. What this centre already holds stays; only what is new to it is
    // applied (apply_central adds history past what it has).
    log_error("relay: central's changes no longer include this centre's cursor " + cursor +
              " (central restored from a backup?); reading them again from the start");
    Response reset = wait_for([&](Respond done) { centre_.apply_upstream({}, "0", std::move(done)); });
    return reset.status >= 300 ? Step::Failed : Step::Progress;
  }
  if (r.status != 200) {
    log_error("relay: reading central's changes failed (" + r.outcome() + "); trying again later");
    return r.status == 0 && r.unreachable ? Step::Unreachable : Step::Failed;
  }
  simdjson::dom::object body;
  std::string_view next_text;
  simdjson::dom::array changes;
  if (pull_parser_.parse(r.body).get_object().get(body) != simdjson::SUCCESS ||
      body["cursor"].get_string().get(next_text) != simdjson::SUCCESS ||
      body["changes"].get_array().get(changes) != simdjson::SUCCESS) {
    log_error("relay: central's changes are not protocol v1; trying again later");
    return Step::Failed;
  }
  std::vector<Centre::UpstreamStatus> statuses;
  for (simdjson::dom::element item : changes) {
    simdjson::dom::object change;
    if (item.get_object().get(change) != simdjson::SUCCESS) continue;
    simdjson::dom::element application;
    if (text_of(change, "type") != "application.status" || change["application"].get(application) != simdjson::SUCCESS)
      continue;
    Centre::UpstreamStatus u;
    if (!central_application(application, u.receipt, u.status, u.history)) continue;
    statuses.push_back(std::move(u));
  }
  const std::string next(next_text);
  bool more = false;
  if (body["more"].get_bool().get(more) != simdjson::SUCCESS) more = false;
  if (statuses.empty() && next == cursor) return Step::Idle;
  crash::point(crash::kRelayPulled);  // central's changes read, not yet stored here
  Response stored = wait_for([&](Respond done) { centre_.apply_upstream(std::move(statuses), next, std::move(done)); });
  if (stored.status >= 300) return Step::Failed;
  return more ? Step::Progress : Step::Idle;
}

void Relay::note_link(const sync::HttpResponse& r, const std::string& abandoned) {
  // For the managers' dashboard: went through, or why not (transport errors and statuses only;
  // an answer's message may quote what a citizen typed).
  UpstreamLink& link = centre_.upstream_link();
  const std::int64_t now = centre_.wall_now();
  if (!abandoned.empty()) {
    link.did_not_go_through(now, false, "no answer: " + abandoned);
  } else if (r.status == 0) {
    link.did_not_go_through(now, false, r.outcome());
  } else if (r.status == 401 || r.status == 403) {
    link.did_not_go_through(now, true, "central refuses this centre (" + r.outcome() + ")");
  } else if (r.status == 429 || r.status >= 500) {
    link.did_not_go_through(now, true, "central answered " + r.outcome());
  } else {
    link.went_through(now);
  }
}

std::optional<bool> Relay::wait_for_link(sync::ApiClient& client) {
  return sync::wait_for_link(client, options_.link_probe,
                             std::min(options_.request_timeout, std::chrono::milliseconds(2000)), &cancel_,
                             [this](std::chrono::milliseconds d) { return wait(d, false); });
}

void Relay::run_upload() { run_steps(&Relay::upload_once, true); }

void Relay::run_pull() { run_steps(&Relay::pull_once, false); }

void Relay::run_steps(Step (Relay::*once)(sync::ApiClient&), bool upload) {
  sync::ApiClient client(options_.upstream);
  auto backoff = options_.backoff_min;
  for (;;) {
    Step step = Step::Failed;
    try {
      step = (this->*once)(client);
    } catch (const std::exception& e) {
      log_error(std::string("relay: ") + e.what());
    }
    if (step == Step::Unreachable) {
      // Nothing answered: wait for the link instead of sending again with backoff. A link that was
      // down and answers again is used at once; when the first probe is answered while the
      // request was turned away, the usual backoff applies (it is not the link).
      const auto was_down = wait_for_link(client);
      if (!was_down) return;
      if (*was_down) {
        backoff = options_.backoff_min;
        continue;
      }
    }
    if (step == Step::Progress || step == Step::Resend) {
      backoff = options_.backoff_min;
      std::lock_guard lock(mu_);
      if (stopping_) return;
      continue;
    }
    if (step == Step::Idle) {
      // Uploads are woken by a new filing (wake()); reads of central's changes poll.
      backoff = options_.backoff_min;
      if (!wait(options_.poll_interval, upload)) return;
      continue;
    }
    if (!wait(backoff, false)) return;
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

}  // namespace guichet::server
