#include <algorithm>
#include <random>

#include "guichet/crash/crash_point.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/sync/stall_watch.hpp"
#include "guichet/sync/upload_wire.hpp"

namespace guichet::sync {
namespace {

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Entries per read from the outbox while draining; each one is still sent on its own, in order.
constexpr int kBatch = 64;

// While idle the engine is woken by submit() or wake(); this slow poll only covers entries appended
// to the outbox directly by a program that does not call wake().
constexpr std::chrono::seconds kIdlePoll{10};

}  // namespace

SyncEngine::SyncEngine(Outbox& outbox, ServerEndpoint endpoint) : SyncEngine(outbox, std::move(endpoint), {}) {}

SyncEngine::SyncEngine(Outbox& outbox, ServerEndpoint endpoint, const SyncOptions& options)
    : outbox_(outbox), endpoint_(std::move(endpoint)), options_(options) {
  if (options_.stall_probe_after.count() > 0) {
    watch_ = std::make_unique<StallWatch>(
        endpoint_,
        StallWatchOptions::for_sender(options_.stall_probe_after, options_.link_probe, options_.request_timeout,
                                      options_.unanswered_limit, "the centre server"),
        1);
  }
}

SyncEngine::~SyncEngine() { stop(); }

void SyncEngine::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  abort_ = false;
  wake_ = true;  // drain whatever an earlier run left in the outbox
  {
    // Started anew (new credentials, a restart): a refusal of the device is asked again.
    std::lock_guard refusal(refusal_mu_);
    device_refusal_kind_ = DeviceRefusal::None;
    device_refusal_.clear();
  }
  if (watch_) watch_->start();
  thread_ = std::thread(&SyncEngine::run, this);
}

void SyncEngine::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    abort_ = true;
  }
  if (watch_) watch_->stop();  // cancels the request out
  cv_.notify_all();
  done_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncEngine::wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void SyncEngine::on_complete(Completion callback) {
  std::lock_guard lock(mu_);
  callbacks_.push_back(std::move(callback));
}

OutboxEntry SyncEngine::submit(const std::string& method, const std::string& path, const json& body,
                               const std::string& bearer, const std::string& kind) {
  std::string text;
  if (!body.is_null()) {
    text = body.dump();
  } else if (method != "GET" && method != "DELETE") {
    text = "{}";
  }
  OutboxEntry entry = outbox_.append(method, path, text, bearer, wall_ms(), kind);
  wake();
  return entry;
}

OutboxEntry SyncEngine::submit_and_wait(const std::string& method, const std::string& path, const json& body,
                                        const std::string& bearer, std::chrono::milliseconds timeout,
                                        const std::string& kind) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint64_t rounds_at_submit;
  {
    std::lock_guard lock(mu_);
    rounds_at_submit = failed_rounds_;
  }
  const OutboxEntry submitted = submit(method, path, body, bearer, kind);
  std::unique_lock lock(mu_);
  for (;;) {
    // Read the generation before looking at the entry, so an answer that lands in between
    // still ends the wait below.
    const std::uint64_t generation = done_generation_;
    lock.unlock();
    std::optional<OutboxEntry> current = outbox_.get(submitted.seq);
    lock.lock();
    if (!current) return submitted;
    if (current->state != OutboxState::Pending) return *current;
    // Two rounds without an answer since this action was written: the server is unreachable now.
    // Say so at once rather than at the deadline; the entry stays queued and is sent later.
    if (failed_rounds_ >= rounds_at_submit + 2 || stop_ || halted()) return *current;
    // A round since this action was written found the device refused: say so now, not at the deadline.
    if (failed_rounds_ > rounds_at_submit && device_refusal_kind() != DeviceRefusal::None) return *current;
    if (!done_cv_.wait_until(lock, deadline, [&] { return done_generation_ != generation || stop_; })) {
      lock.unlock();
      current = outbox_.get(submitted.seq);
      return current ? *current : submitted;
    }
  }
}

bool SyncEngine::wait_drained(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    const std::uint64_t generation = done_generation_;
    lock.unlock();
    const bool drained = outbox_.pending_count() == 0;
    lock.lock();
    // An entry is marked answered before its completion callbacks run, which the round of
    // sending does before it ends: drained means nothing pending and no round in progress.
    if (drained && !draining_) return true;
    if (!done_cv_.wait_until(lock, deadline, [&] { return done_generation_ != generation || stop_; })) return false;
    if (stop_) return outbox_.pending_count() == 0;
  }
}

void SyncEngine::notify_done(const OutboxEntry& entry) {
  std::vector<Completion> callbacks;
  {
    std::lock_guard lock(mu_);
    ++done_generation_;
    callbacks = callbacks_;
  }
  done_cv_.notify_all();
  for (const auto& cb : callbacks) cb(entry);
}

void SyncEngine::notify_answered(std::int64_t first_seq, std::int64_t last_seq) {
  std::vector<Completion> callbacks;
  {
    std::lock_guard lock(mu_);
    ++done_generation_;
    callbacks = callbacks_;
  }
  done_cv_.notify_all();
  if (callbacks.empty()) return;
  for (const OutboxEntry& entry : outbox_.entries(first_seq, last_seq)) {
    if (entry.state == OutboxState::Pending) continue;
    for (const auto& cb : callbacks) cb(entry);
  }
}

std::string SyncEngine::protocol_refusal() const {
  std::lock_guard lock(refusal_mu_);
  return protocol_refusal_;
}

std::string SyncEngine::device_refusal() const {
  std::lock_guard lock(refusal_mu_);
  return device_refusal_;
}

DeviceRefusal SyncEngine::device_refusal_kind() const {
  std::lock_guard lock(refusal_mu_);
  return device_refusal_kind_;
}

bool SyncEngine::halted() const {
  std::lock_guard lock(refusal_mu_);
  return !protocol_refusal_.empty() || device_refusal_kind_ == DeviceRefusal::Revoked;
}

DeviceRefusal device_refusal_of(const HttpResponse& response, bool any_401) {
  if (response.status == 403 && response.error_code() == "device_revoked") return DeviceRefusal::Revoked;
  if (response.status == 401 && (any_401 || response.error_code() == "unauthenticated")) {
    return DeviceRefusal::Unauthenticated;
  }
  return DeviceRefusal::None;
}

std::string device_refusal_sentence(DeviceRefusal kind, const std::string& said, const std::string& kept) {
  switch (kind) {
    case DeviceRefusal::Revoked:
      return "this device was revoked at the centre server: ask the centre manager to enroll it again (" + said +
             "); nothing is sent until then, and every " + kept + " waiting here is kept";
    case DeviceRefusal::Unauthenticated:
      return "the centre server did not accept this device's credentials (" + said + "); every " + kept +
             " waiting here is kept and sent again later; if this lasts, ask the centre manager";
    case DeviceRefusal::None:
      break;
  }
  return {};
}

std::string SyncEngine::note_device_refusal(const HttpResponse& response, bool upload) {
  const DeviceRefusal kind = device_refusal_of(response, upload);
  std::lock_guard lock(refusal_mu_);
  if (kind == DeviceRefusal::None) {
    if (device_refusal_kind_ == DeviceRefusal::Unauthenticated) {  // the credentials were taken again
      device_refusal_kind_ = DeviceRefusal::None;
      device_refusal_.clear();
    }
    return {};
  }
  device_refusal_ = device_refusal_sentence(kind, response.error_message(), "action");
  device_refusal_kind_ = kind;
  return device_refusal_;
}

std::uint64_t SyncEngine::resent_after_stall() const { return watch_ ? watch_->given_up() : 0; }

std::int64_t SyncEngine::wall_ms() const { return options_.wall_clock ? options_.wall_clock() : now_unix_ms(); }

HttpResponse SyncEngine::send(ApiClient& client, const std::string& method, const std::string& path,
                              const std::string& body, RequestOptions request, std::string& given_up) {
  if (!watch_) {
    request.cancel = &abort_;
    return client.send(method, path, body, request);
  }
  return watch_->send(0, client, method, path, body, std::move(request), given_up);
}

bool SyncEngine::send_one(ApiClient& client, const OutboxEntry& entry, std::chrono::milliseconds& backoff) {
  outbox_.record_attempt(entry.seq);
  RequestOptions request;
  request.idempotency_key = outbox_.idempotency_key(entry.seq);
  request.bearer = entry.bearer;
  request.timeout = options_.request_timeout;
  std::string given_up;
  HttpResponse response = send(client, entry.method, entry.path, entry.body, request, given_up);
  if (abort_) return true;
  if (!given_up.empty()) {  // the link is back: sent again at once, without a backoff
    online_ = true;
    resend_now_ = true;
    outbox_.record_error(entry.seq, "no answer: " + given_up + "; sent again on a new connection");
    return false;
  }
  if (response.transient()) {
    // Order per device is part of the contract: nothing behind this entry goes first.
    online_ = response.status != 0;
    outbox_.record_error(entry.seq, response.error_message());
    return false;
  }
  online_ = true;
  if (std::string refused = note_device_refusal(response, false); !refused.empty()) {
    // The device is refused, not this entry: it stays pending, and so does everything behind it.
    outbox_.record_error(entry.seq, refused);
    return false;
  }
  backoff = options_.backoff_initial;
  outbox_.complete(entry.seq, response.status, response.body);
  std::optional<OutboxEntry> done = outbox_.get(entry.seq);
  if (done) notify_done(*done);
  return true;
}

SyncEngine::Upload SyncEngine::upload(ApiClient& client, const std::vector<OutboxEntry>& entries,
                                      std::chrono::milliseconds& backoff) {
  RequestOptions request;
  request.timeout = options_.upload_timeout;
  request.headers.push_back("X-Guichet-Protocol: " + std::to_string(kProtocolVersion));
  // The outbox as it stands, this batch included: the centre's dashboard shows managers what each
  // terminal still holds. Reading it must never stop the upload.
  try {
    request.headers.push_back(std::string(kOutboxHeader) + ": " + format_outbox_report(outbox_.report()));
  } catch (const std::exception&) {
  }
  ++uploads_;
  std::string given_up;
  HttpResponse response = send(client, "POST", "/api/v1/sync/upload", wire::upload_body(entries), request, given_up);
  if (abort_) return Upload::Progress;
  // How the attempt ended, written in one transaction: the attempt counted for every entry sent,
  // the answers, the error kept on the first entry left pending, the server's clock time.
  Outbox::UploadResult result;
  result.first_seq = entries.front().seq;
  result.last_seq = entries.back().seq;
  auto give_up = [&](std::string error, Upload outcome) {
    result.error_seq = entries.front().seq;
    result.error = std::move(error);
    outbox_.record_upload(result);
    return outcome;
  };
  if (!given_up.empty()) {  // the link is back: sent again at once, without a backoff
    online_ = true;
    resend_now_ = true;
    return give_up("no answer: " + given_up + "; sent again on a new connection", Upload::NoAnswer);
  }
  if (response.transient()) {
    online_ = response.status != 0;
    return give_up(response.error_message(), Upload::NoAnswer);
  }
  online_ = true;
  // A refusal of the device (credentials, revocation) would be the same for every entry sent alone:
  // none of them is marked, all stay pending.
  if (std::string refused = note_device_refusal(response, true); !refused.empty()) {
    return give_up(std::move(refused), Upload::DeviceRefused);
  }
  if (response.status == 404 || response.status == 405) {
    outbox_.record_upload(result);
    return Upload::Unsupported;
  }
  if (response.status == 400 && response.error_code() == "unsupported_protocol") {
    const std::string reason = "the centre server refused sync protocol " + std::to_string(kProtocolVersion) + ": " +
                               response.error_message() + "; this terminal needs a software update";
    {
      std::lock_guard lock(refusal_mu_);
      protocol_refusal_ = reason;
    }
    return give_up(reason, Upload::Refused);
  }
  if (!response.ok()) {  // the entry gets its own verdict
    outbox_.record_upload(result);
    return Upload::SendFirstAlone;
  }
  wire::UploadAnswer answer;
  std::string error;
  if (!wire::parse_upload_answer(response.body, entries, answer, error)) return give_up(error, Upload::NoAnswer);
  // The centre has stored the batch; the outbox does not know it yet (a copy sent after a restart
  // is a replay there).
  crash::point(crash::kTerminalAnswered);
  // Answers in entry order; the first without a final answer (5xx) stops the round, so nothing
  // behind it is marked before it.
  result.answers = std::move(answer.answers);
  if (answer.unanswered_seq != 0) {
    result.error_seq = answer.unanswered_seq;
    result.error = "the server answered HTTP " + std::to_string(answer.unanswered_status);
  }
  result.server_hlc = answer.server_hlc;
  result.now_ms = wall_ms();
  outbox_.record_upload(result);
  if (result.answers.empty()) return Upload::NoAnswer;
  backoff = options_.backoff_initial;
  notify_answered(result.answers.front().seq, result.answers.back().seq);
  if (answer.unanswered_seq != 0) return Upload::NoAnswer;
  return Upload::Progress;
}

bool SyncEngine::drain(ApiClient& client, std::chrono::milliseconds& backoff) {
  const std::size_t per_batch = std::clamp<std::size_t>(options_.batch_entries, 1, kMaxUploadEntries);
  for (;;) {
    if (abort_) return true;
    if (halted()) return true;
    std::vector<OutboxEntry> batch = outbox_.pending(static_cast<int>(std::max<std::size_t>(per_batch, kBatch)));
    if (batch.empty()) return true;
    // The leading run of entries that can travel in one upload, within its size limit.
    std::size_t n = 0;
    if (options_.batch_upload && !batches_unsupported_) {
      std::size_t bytes = 256;
      while (n < batch.size() && n < per_batch && batchable_write(batch[n].method, batch[n].path)) {
        const std::size_t size = batch[n].body.size() * 2 + batch[n].path.size() + batch[n].bearer.size() + 160;
        if (n > 0 && bytes + size > kMaxUploadBytes / 2) break;
        bytes += size;
        ++n;
      }
    }
    if (n == 0) {
      for (const OutboxEntry& entry : batch) {
        if (abort_) return true;
        if (options_.batch_upload && !batches_unsupported_ && batchable_write(entry.method, entry.path)) break;
        if (!send_one(client, entry, backoff)) return false;
      }
      continue;
    }
    batch.resize(n);
    switch (upload(client, batch, backoff)) {
      case Upload::Progress:
        break;
      case Upload::NoAnswer:
      case Upload::DeviceRefused:  // sent again after the backoff, or not at all once revoked
        return false;
      case Upload::SendFirstAlone:
        if (!send_one(client, batch.front(), backoff)) return false;
        break;
      case Upload::Unsupported:
        batches_unsupported_ = true;
        break;
      case Upload::Refused: {
        std::lock_guard lock(mu_);
        ++done_generation_;
      }
        done_cv_.notify_all();
        return true;
    }
  }
}

void SyncEngine::run() {
  ApiClient client(endpoint_);
  std::minstd_rand rng(std::random_device{}());
  auto backoff = options_.backoff_initial;

  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      wake_ = false;
    }
    if (halted()) {
      // Retrying cannot help: wait for stop(); the entries stay in the outbox for a newer version
      // or for the device's new credentials.
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_; });
      return;
    }
    bool failed_round = false;
    {
      std::lock_guard lock(mu_);
      draining_ = true;
    }
    try {
      failed_round = !drain(client, backoff);
    } catch (const std::exception&) {
      // The outbox file failed (disk full, I/O error): nothing was lost, the entries stay
      // Pending; try again after the backoff rather than ending the thread.
      failed_round = true;
    }
    {
      std::lock_guard lock(mu_);
      draining_ = false;
      ++done_generation_;
    }
    done_cv_.notify_all();

    std::unique_lock lock(mu_);
    if (stop_) return;
    if (failed_round) {
      ++failed_rounds_;
      ++done_generation_;
      done_cv_.notify_all();
      if (halted()) continue;  // revoked: the top of the loop waits for stop()
      if (std::exchange(resend_now_, false)) {
        backoff = options_.backoff_initial;
        continue;
      }
      // Jitter spreads the retries of many terminals that lost the server at the same moment.
      std::uniform_real_distribution<double> jitter(0.8, 1.2);
      auto wait =
          std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(backoff.count()) * jitter(rng)));
      // A refusal of the credentials may last: asked again less often than after a network failure.
      const auto cap = device_refusal_kind() == DeviceRefusal::Unauthenticated
                           ? std::max(options_.backoff_max, options_.refused_backoff_max)
                           : options_.backoff_max;
      backoff = std::min(backoff * 2, cap);
      cv_.wait_for(lock, wait, [&] { return stop_ || wake_; });
    } else {
      cv_.wait_for(lock, kIdlePoll, [&] { return stop_ || wake_; });
    }
  }
}

}  // namespace guichet::sync
