// The centre node's file sender (docs/server.md, "Attachments"): beside the relay, a thread that
// PUTs the scanned files queued in attachments.sqlite to central, one at a time in the order they
// were stored, and records central's final answer. A WAN outage of days is normal: the queue is
// on disk and the thread retries with capped backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "guichet/server/attachments.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/sync/stall_watch.hpp"

namespace guichet::server {

struct AttachmentRelayOptions {
  sync::ServerEndpoint upstream;              // central's URL, this centre's device id and secret there
  std::chrono::milliseconds idle_poll{5000};  // how often the queue is read when nothing woke the thread
  std::chrono::milliseconds backoff_min{200};
  std::chrono::milliseconds backoff_max{3000};
  // One file is up to 8 MiB: over a slow line it takes a while.
  std::chrono::milliseconds request_timeout{120000};
  // The watch over a file out on a connection the link may have killed (sync::StallWatch, as the
  // relay's): a file whose connection moved nothing for stall_probe_after is watched, central's
  // health is asked every link_probe on a fresh connection, and the file is sent again on a new
  // connection once the link came back under it, once what it sent met two retransmission
  // timeouts unacknowledged while a probe is answered (its connection's path died), or once it
  // went unanswered for unanswered_limit while every probe is answered. A transfer that moves,
  // however slowly, is never given up.
  std::chrono::milliseconds stall_probe_after{750};
  std::chrono::milliseconds link_probe{250};
  std::chrono::milliseconds unanswered_limit{4000};
};

class AttachmentRelay {
 public:
  AttachmentRelay(AttachmentStore& store, AttachmentRelayOptions options);
  ~AttachmentRelay();  // stops the thread
  AttachmentRelay(const AttachmentRelay&) = delete;
  AttachmentRelay& operator=(const AttachmentRelay&) = delete;

  void start();
  void stop();
  void wake();  // a file was queued

 private:
  // Unreachable: no connection carried the file (HttpResponse::unreachable: the link is down).
  enum class Step { Sent, Idle, Retry, Resend, Unreachable };
  Step send_next(sync::ApiClient& client);
  void run();
  // False when stopping; `wakeable`: a new file ends the wait.
  bool wait(std::chrono::milliseconds d, bool wakeable);

  AttachmentStore& store_;
  AttachmentRelayOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::atomic<bool> cancel_{false};  // set by stop(): a link probe out is abandoned
  sync::StallWatch watch_;           // its stop() also gives up the file out when stopping
  std::thread thread_;
};

}  // namespace guichet::server
