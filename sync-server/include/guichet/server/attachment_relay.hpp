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

namespace guichet::server {

struct AttachmentRelayOptions {
  sync::ServerEndpoint upstream;              // central's URL, this centre's device id and secret there
  std::chrono::milliseconds idle_poll{5000};  // how often the queue is read when nothing woke the thread
  std::chrono::milliseconds backoff_min{200};
  std::chrono::milliseconds backoff_max{3000};
  // One file is up to 8 MiB: over a slow line it takes a while.
  std::chrono::milliseconds request_timeout{120000};
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
  enum class Step { Sent, Idle, Retry };
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
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace guichet::server
