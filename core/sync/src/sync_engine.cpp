#include <algorithm>
#include <random>

#include "guichet/sync/client.hpp"

namespace guichet::sync {
namespace {

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Entries per read from the outbox while draining; each one is still sent on its own, in order.
constexpr int kBatch = 64;

// While idle the engine is woken by submit(); this slow poll only covers entries appended to the
// outbox directly, without submit().
constexpr std::chrono::seconds kIdlePoll{10};

}  // namespace

SyncEngine::SyncEngine(Outbox& outbox, ServerEndpoint endpoint) : SyncEngine(outbox, std::move(endpoint), {}) {}

SyncEngine::SyncEngine(Outbox& outbox, ServerEndpoint endpoint, const SyncOptions& options)
    : outbox_(outbox), endpoint_(std::move(endpoint)), options_(options) {}

SyncEngine::~SyncEngine() { stop(); }

void SyncEngine::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  abort_ = false;
  wake_ = true;  // drain whatever an earlier run left in the outbox
  thread_ = std::thread(&SyncEngine::run, this);
}

void SyncEngine::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    abort_ = true;
  }
  cv_.notify_all();
  done_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
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
  OutboxEntry entry = outbox_.append(method, path, text, bearer, now_unix_ms(), kind);
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
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
    if (failed_rounds_ >= rounds_at_submit + 2 || stop_) return *current;
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
    if (drained) return true;
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

bool SyncEngine::drain(ApiClient& client, std::chrono::milliseconds& backoff) {
  for (;;) {
    std::vector<OutboxEntry> batch = outbox_.pending(kBatch);
    if (batch.empty()) return true;
    for (const OutboxEntry& entry : batch) {
      if (abort_) return true;
      outbox_.record_attempt(entry.seq);
      RequestOptions request;
      request.idempotency_key = outbox_.idempotency_key(entry.seq);
      request.bearer = entry.bearer;
      request.timeout = options_.request_timeout;
      request.cancel = &abort_;
      HttpResponse response = client.send(entry.method, entry.path, entry.body, request);
      if (abort_) return true;
      if (response.transient()) {
        // Order per device is part of the contract: nothing behind this entry goes first.
        online_ = response.status != 0;
        outbox_.record_error(entry.seq, response.error_message());
        return false;
      }
      online_ = true;
      backoff = options_.backoff_initial;
      outbox_.complete(entry.seq, response.status, response.body);
      std::optional<OutboxEntry> done = outbox_.get(entry.seq);
      if (done) notify_done(*done);
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
    bool failed_round = false;
    try {
      failed_round = !drain(client, backoff);
    } catch (const std::exception&) {
      // The outbox file failed (disk full, I/O error): nothing was lost, the entries stay
      // Pending; try again after the backoff rather than ending the thread.
      failed_round = true;
    }

    std::unique_lock lock(mu_);
    if (stop_) return;
    if (failed_round) {
      ++failed_rounds_;
      ++done_generation_;
      done_cv_.notify_all();
      // Jitter spreads the retries of many terminals that lost the server at the same moment.
      std::uniform_real_distribution<double> jitter(0.8, 1.2);
      auto wait =
          std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(backoff.count()) * jitter(rng)));
      backoff = std::min(backoff * 2, options_.backoff_max);
      cv_.wait_for(lock, wait, [&] { return stop_ || wake_; });
    } else {
      cv_.wait_for(lock, kIdlePoll, [&] { return stop_ || wake_; });
    }
  }
}

}  // namespace guichet::sync
