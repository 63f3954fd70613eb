#include "guichet/server/attachment_relay.hpp"

#include <algorithm>

#include "guichet/crash/crash_point.hpp"
#include "guichet/server/log.hpp"

namespace guichet::server {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

AttachmentRelay::AttachmentRelay(AttachmentStore& store, AttachmentRelayOptions options)
    : store_(store),
      options_(std::move(options)),
      watch_(options_.upstream,
             sync::StallWatchOptions::for_sender(options_.stall_probe_after, options_.link_probe,
                                                 options_.request_timeout, options_.unanswered_limit, "central"),
             1) {}

AttachmentRelay::~AttachmentRelay() { stop(); }

void AttachmentRelay::start() {
  store_.set_queued_hook([this] { wake(); });
  watch_.start();
  thread_ = std::thread([this] { run(); });
}

void AttachmentRelay::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  watch_.stop();  // a file being sent is given up (it stays queued)
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  store_.set_queued_hook(nullptr);
}

void AttachmentRelay::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool AttachmentRelay::wait(std::chrono::milliseconds d, bool wakeable) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this, wakeable] { return stopping_ || (wakeable && woken_); });
  woken_ = false;
  return !stopping_;
}

AttachmentRelay::Step AttachmentRelay::send_next(sync::ApiClient& client) {
  auto next = store_.next_queued();
  if (!next) return Step::Idle;
  sync::RequestOptions ro;
  ro.timeout = options_.request_timeout;
  ro.headers.push_back("Content-Type: " + next->media_type);
  std::string given_up;
  const auto r = watch_.send(0, client, "PUT", "/api/v1/attachments/" + next->sha256, next->bytes, ro, given_up);
  const std::string file = "file " + next->sha256.substr(0, 12) + "…";
  if (!given_up.empty()) {
    // Central answers a file it already has with 200 "already": nothing is stored twice.
    log_info("relay: " + given_up + " while " + file +
             " was out without an answer; sending it again on a new connection");
    return Step::Resend;
  }
  if (r.status == 200 || r.status == 201) {
    crash::point(crash::kRelayFileAnswered);  // central has the file, this centre's queue not yet marked
    store_.mark_queued(next->seq, true, r.status, "", now_ms());
    return Step::Sent;
  }
  // No answer, a failure at central, or the centre's own credentials refused there (they are
  // put right at central; the file must not be given up meanwhile): kept queued, sent again.
  if (r.transient() || r.status == 401 || r.status == 403 || r.status == 429) {
    log_error("relay: central did not take " + file + " (" + r.outcome() + "); it stays queued and is sent again");
    return r.status == 0 && r.unreachable ? Step::Unreachable : Step::Retry;
  }
  // Refused for good: kept with central's message, so the queue moves on. The log names the file
  // by its hash and the code only.
  log_error("relay: central refused " + file + " (status " + std::to_string(r.status) +
            (r.error_code().empty() ? std::string() : ", " + r.error_code()) + "); kept as refused");
  store_.mark_queued(next->seq, false, r.status, r.error_message(), now_ms());
  return Step::Sent;
}

void AttachmentRelay::run() {
  sync::ApiClient client(options_.upstream);
  auto backoff = options_.backoff_min;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    Step step = Step::Retry;
    try {
      step = send_next(client);
    } catch (const std::exception& e) {
      log_error(std::string("relay: sending a file: ") + e.what());
    }
    if (step == Step::Unreachable) {
      // As the relay's batches: central is asked for its health every link_probe, and a link that
      // was down and answers again is used at once; a first probe answered means the backoff.
      const auto was_down = sync::wait_for_link(
          client, options_.link_probe, std::min(options_.request_timeout, std::chrono::milliseconds(2000)), &cancel_,
          [this](std::chrono::milliseconds d) { return wait(d, false); });
      if (!was_down) return;
      if (*was_down) {
        backoff = options_.backoff_min;
        continue;
      }
    }
    if (step == Step::Sent || step == Step::Resend) {
      backoff = options_.backoff_min;
      continue;
    }
    if (step == Step::Idle) {
      backoff = options_.backoff_min;
      if (!wait(options_.idle_poll, true)) return;
      continue;
    }
    if (!wait(backoff, false)) return;  // a new file does not cut the backoff short
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

}  // namespace guichet::server
