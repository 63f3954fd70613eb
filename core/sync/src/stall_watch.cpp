#include "guichet/sync/stall_watch.hpp"

#include <optional>

namespace guichet::sync {

std::optional<bool> wait_for_link(ApiClient& client, std::chrono::milliseconds every, std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* cancel,
                                  const std::function<bool(std::chrono::milliseconds)>& wait) {
  RequestOptions ro;
  ro.timeout = timeout;
  ro.cancel = cancel;
  bool saw_down = false;
  // Bounded by stopping: each round waits `every` and makes one request.
  for (;;) {
    if (!wait(every)) return std::nullopt;
    if (client.get("/api/v1/health", ro).status != 0) return saw_down;
    saw_down = true;
  }
}

StallWatch::StallWatch(ServerEndpoint server, StallWatchOptions options, std::size_t slots)
    : server_(std::move(server)),
      options_(std::move(options)),
      slots_(std::make_unique<Slot[]>(slots)),
      slot_count_(slots) {
  for (std::size_t i = 0; i < slot_count_; ++i) slots_[i].cancel = true;  // until start()
}

StallWatch::~StallWatch() { stop(); }

void StallWatch::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  probe_cancel_ = false;
  for (std::size_t i = 0; i < slot_count_; ++i) slots_[i].cancel = false;
  thread_ = std::thread([this] { run(); });
}

void StallWatch::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (std::size_t i = 0; i < slot_count_; ++i) slots_[i].cancel = true;
  }
  probe_cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

const std::atomic<bool>* StallWatch::cancel_flag(std::size_t slot) const { return &slots_[slot].cancel; }

void StallWatch::watch(std::size_t slot, const ApiClient& client) { watch(slot, &client.activity()); }

void StallWatch::watch(std::size_t slot, const ConnectionActivity* activity) {
  Slot& s = slots_[slot];
  {
    std::lock_guard lock(mu_);
    s.active = true;
    ++s.generation;
    s.activity = activity;
    s.moved_seen = activity ? activity->bytes.load(std::memory_order_acquire) : 0;
    s.moved_at = std::chrono::steady_clock::now();
    s.saw_down = false;
    s.given_up = false;
    s.why.clear();
    s.cancel = stopping_;  // stop() may have come first
  }
  cv_.notify_all();
}

std::string StallWatch::unwatch(std::size_t slot, const HttpResponse& response) {
  Slot& s = slots_[slot];
  std::string why;
  {
    std::lock_guard lock(mu_);
    s.active = false;
    ++s.generation;
    // An answer that came as the watch gave the request up is still an answer.
    if (response.status == 0 && s.given_up && !stopping_) why = s.why;
  }
  cv_.notify_all();
  return why;
}

HttpResponse StallWatch::send(std::size_t slot, ApiClient& client, const std::string& method, const std::string& path,
                              const std::string& body, RequestOptions options, std::string& given_up) {
  options.cancel = cancel_flag(slot);
  watch(slot, client);
  HttpResponse r = client.send(method, path, body, options);
  given_up = unwatch(slot, r);
  return r;
}

bool StallWatch::moved_since(Slot& s) {
  if (!s.activity) return false;
  const std::uint64_t v = s.activity->bytes.load(std::memory_order_acquire);
  if (v == s.moved_seen) return false;
  s.moved_seen = v;
  // When they moved, not when the watch saw it: the request's own bytes, written just after
  // watch(), must not put its first probe off by a probe_after.
  using Clock = std::chrono::steady_clock;
  const Clock::time_point at{Clock::duration(s.activity->moved_at.load(std::memory_order_relaxed))};
  s.moved_at = std::max(s.moved_at, at);
  s.saw_down = false;  // the connection lives
  return true;
}

void StallWatch::run() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  std::vector<std::uint64_t> generations(slot_count_);
  // Bounded by stop(): every wait ends when stopping_ is set, and a probe by its timeout or
  // probe_cancel_.
  for (;;) {
    if (stopping_) return;
    // When the first request out will have moved nothing for probe_after.
    std::optional<Clock::time_point> due;
    const auto now = Clock::now();
    for (std::size_t i = 0; i < slot_count_; ++i) {
      Slot& s = slots_[i];
      if (!s.active) continue;
      moved_since(s);
      const auto at = s.moved_at + options_.probe_after;
      if (!due || at < *due) due = at;
    }
    if (!due) {
      cv_.wait(lock, [this] {
        if (stopping_) return true;
        for (std::size_t i = 0; i < slot_count_; ++i) {
          if (slots_[i].active) return true;
        }
        return false;
      });
      continue;
    }
    if (now < *due) {
      for (std::size_t i = 0; i < slot_count_; ++i) generations[i] = slots_[i].generation;
      cv_.wait_until(lock, *due, [&] {
        if (stopping_) return true;
        for (std::size_t i = 0; i < slot_count_; ++i) {
          if (slots_[i].generation != generations[i]) return true;
        }
        return false;
      });
      continue;
    }
    // The requests watched by this probe (0: none of that slot).
    for (std::size_t i = 0; i < slot_count_; ++i) {
      const Slot& s = slots_[i];
      generations[i] = s.active && s.moved_at + options_.probe_after <= now ? s.generation : 0;
    }
    lock.unlock();
    bool answered = false;
    {
      // On a fresh connection: a kept-alive one may have lived through the outage.
      ApiClient probe(server_);
      RequestOptions ro;
      ro.timeout = options_.probe_timeout;
      ro.cancel = &probe_cancel_;
      answered = probe.get("/api/v1/health", ro).status != 0;
    }
    lock.lock();
    const auto probed = Clock::now();
    for (std::size_t i = 0; i < slot_count_; ++i) {
      Slot& s = slots_[i];
      if (generations[i] == 0 || !s.active || s.generation != generations[i] || s.given_up) continue;
      if (moved_since(s)) continue;  // bytes moved while the probe was out: it lives
      if (!answered) {
        s.saw_down = true;
        continue;
      }
      const bool unacknowledged =
          s.activity && s.activity->unacked_resends.load(std::memory_order_relaxed) >= options_.dead_after_resends;
      if (s.saw_down || unacknowledged || probed - s.moved_at >= options_.unanswered_limit) {
        s.given_up = true;
        s.why = s.saw_down       ? "the link to " + options_.server_name + " came back"
                : unacknowledged ? options_.server_name +
                                       " answers on new connections, and what was sent on the one in use is not "
                                       "acknowledged"
                                 : options_.server_name + " answers on new connections but not on the one in use";
        s.cancel = true;
        ++given_up_;
      }
    }
    cv_.wait_until(lock, Clock::now() + options_.probe_every, [this] { return stopping_; });
  }
}

}  // namespace guichet::sync
