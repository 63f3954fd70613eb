// The centre node's link to the central server (docs/server.md, "Central"): a relay thread that
// uploads the applications queued in relay_outbox in protocol v1 batches (each entry with its
// origin terminal) and records central's answers, and a puller thread that reads central's status
// changes for this centre since a durable cursor and applies them. A WAN outage of days is
// normal: the queue stays on disk and both threads retry with capped backoff.
#pragma once

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "guichet/server/centre.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/sync/stall_watch.hpp"

namespace guichet::server {

struct RelayOptions {
  sync::ServerEndpoint upstream;  // central's URL, this centre's device id and secret there
  int batch_entries = static_cast<int>(sync::kMaxUploadEntries);
  std::chrono::milliseconds poll_interval{1000};  // how often central's changes are read when idle
  std::chrono::milliseconds backoff_min{200};
  // Low enough that a link back after days of outage is noticed within seconds; one failed
  // connection attempt every 3 s costs nothing.
  std::chrono::milliseconds backoff_max{3000};
  // While central gives no answer at all (connection refused, unreachable), the relay does not
  // resend its batch with backoff: it asks central's health this often (one small request, the
  // queue untouched) and uploads as soon as anything answers, so a link back after days is used
  // within a fraction of a second.
  std::chrono::milliseconds link_probe{250};
  // Only a backstop: a request whose connection moves no byte is given up by the watch below
  // (4 s, or as soon as the link is seen back), and one whose bytes move must not be: on a slow
  // line a full batch's answer takes longer than 10 s to come down, and its resend as long again.
  std::chrono::milliseconds request_timeout{60000};
  // A request to central with no answer after this long is watched: central's health is asked
  // every link_probe on a fresh connection. When a probe found the link down and a later one is
  // answered, the link came back while the request was out, and a connection that lived through
  // the outage may never answer (its bytes lost, its peer gone): the request is abandoned (its
  // connection closed) and sent again at once instead of waiting out request_timeout. A resent
  // batch is a replay that central answers from its idempotency records.
  std::chrono::milliseconds stall_probe_after{750};
  // An outage shorter than stall_probe_after is not seen by the probes, yet may have killed the
  // request's connection. Such a request is abandoned and resent as soon as a probe is answered
  // while its bytes met two retransmission timeouts unacknowledged (the connection's path died;
  // StallWatchOptions::dead_after_resends), and at the latest when it is still without an answer
  // this long after it was sent, while every probe is answered. A request that is only slow is then
  // sent again as well; central answers the copy once the first is done (same keys), so nothing
  // is filed twice and little time is lost.
  std::chrono::milliseconds unanswered_limit{4000};
};

class Relay {
 public:
  Relay(Centre& centre, RelayOptions options);
  ~Relay();  // stops both threads
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  void start();
  void stop();
  void wake();  // something new was queued

 private:
  void run_upload();
  void run_pull();
  // One batch: true when it made progress (more may be waiting).
  // Unreachable: no connection carried the request (the link is down). Resend: the request was
  // abandoned because the link came back while it was out (see stall_probe_after).
  enum class Step { Progress, Idle, Failed, Unreachable, Resend };
  // A thread's loop: `once` again and again, at once after progress, after poll_interval when
  // idle (woken early by wake() when `upload`), when the link is back after it was unreachable,
  // else with backoff.
  void run_steps(Step (Relay::*once)(sync::ApiClient&), bool upload);
  // A request to central from one of the two threads, watched while it is out (watch_).
  enum Slot { kUpload = 0, kPull = 1 };
  // The watch over `slot` from now until unwatch(): what watch_.send does around its request, for
  // requests begun and received apart (pipelined uploads). unwatch returns why the watch gave the
  // request up, or "" (and "" for an answer that came anyway).
  void watch(Slot slot, const sync::ApiClient& client) { watch_.watch(slot, client); }
  std::string unwatch(Slot slot, const sync::HttpResponse& r) { return watch_.unwatch(slot, r); }
  // One upload: the queued rows and the request's text.
  struct Batch {
    std::vector<RelayEntry> entries;
    std::string text;
  };
  static std::string batch_text(const std::vector<RelayEntry>& entries);
  Step upload_once(sync::ApiClient& client);
  Step pull_once(sync::ApiClient& client);
  bool wait(std::chrono::milliseconds d, bool upload);  // false when stopping
  // Probes central every link_probe until it answers: whether a probe found it unreachable first
  // (the link was down and is back), or nothing when stopping.
  std::optional<bool> wait_for_link(sync::ApiClient& client);
  // Records how a request to central ended in the centre's UpstreamLink.
  void note_link(const sync::HttpResponse& r, const std::string& abandoned);
  // Waits for the previous batch's answers to be stored at the centre; false when that failed
  // (its rows stay pending and are sent again: central answers them as replays).
  bool finish_marking();

  Centre& centre_;
  RelayOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::atomic<bool> cancel_{false};
  std::thread upload_thread_, pull_thread_;
  // Requests to central out on a connection that lived through an outage are given up and resent
  // (see stall_probe_after).
  sync::StallWatch watch_;
  // Upload thread only. Central's answers to one batch are stored at the centre while the next
  // batch travels: at most one such write in flight, its rows left out of the next read. The rows
  // are built on a thread of their own (staging_, Centre::relay_answered up to handing them to the
  // writer), so that the upload thread sends the next batch meanwhile; marking_ is the durable
  // answer of the write.
  std::future<void> staging_;
  std::future<Response> marking_;
  std::set<std::int64_t> marking_seqs_;
  // Upload thread only: the batch sent right behind the one last answered whole, on the same
  // connection (pipelined, see upload_once); its answer is the next one to receive. Empty when
  // nothing is out. Held by pointer: the request is sent from its text.
  std::unique_ptr<Batch> sent_next_;
  // Readers of central's answers (upload thread) and change pages (pull thread), their buffers
  // kept between requests.
  simdjson::dom::parser parser_;
  simdjson::dom::parser pull_parser_;
};

}  // namespace guichet::server
