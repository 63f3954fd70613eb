// A watch over requests out on a kept-alive connection, for links that come back with their
// connections dead: a modem that reconnected with a new address, a NAT or a Wi-Fi access point that
// forgot its connections. Nothing resets them; what they carry is lost, and a request on one would
// wait out its whole timeout (10 to 15 s) after the link is back.
//
// A request whose connection moved no byte for probe_after is watched: the server's health is asked
// every probe_every on a fresh connection. When a probe found the server unreachable and a later one
// is answered, with no byte moved on the request's connection since, the link came back while the
// request was out: it is given up (its cancel flag set, so its connection is closed) and its sender
// sends it again at once on a new connection. A request whose connection moved nothing for
// unanswered_limit while every probe is answered (an outage too short for the probes) is given up
// too, and so, sooner, is one whose connection's bytes met dead_after_resends retransmission
// timeouts in a row without an acknowledgement while a probe is answered
// (ConnectionActivity::unacked_resends): its path is dead, since a server slow to answer still
// acknowledges what it receives. Either way the copy is a replay: the server answers it from its idempotency records,
// so nothing is stored twice. A transfer that moves, however slowly (a large answer on a slow line), is never given up:
// the bytes its connection moves are counted, with the time they moved (ApiClient::activity).
//
// Used by the centre node's relay (uploads and pulls to central) and by every terminal's sync engine
// (uploads to the centre node).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "guichet/sync/client.hpp"

namespace guichet::sync {

struct StallWatchOptions {
  std::chrono::milliseconds probe_after{750};
  std::chrono::milliseconds probe_every{250};
  std::chrono::milliseconds probe_timeout{1000};
  std::chrono::milliseconds unanswered_limit{4000};
  // Retransmission timeouts in a row, with nothing acknowledged, that mark a connection dead once
  // a probe on a new one is answered (at least 200 ms, then 400 ms apart on any link: about 0.6 s
  // on a near one; more on a far one, whose timeouts are longer). One alone may be a lost packet.
  std::uint32_t dead_after_resends = 2;
  // How the reasons name the server: "the link to <name> came back", "<name> answers on new
  // connections but not on the one in use".
  std::string server_name = "the server";

  // A sender's watch: probes wait at most a second, less when the sender's own requests time out
  // sooner (`request_timeout`).
  static StallWatchOptions for_sender(std::chrono::milliseconds probe_after, std::chrono::milliseconds probe_every,
                                      std::chrono::milliseconds request_timeout,
                                      std::chrono::milliseconds unanswered_limit, std::string server_name) {
    StallWatchOptions o;
    o.probe_after = probe_after;
    o.probe_every = probe_every;
    o.probe_timeout = std::min(request_timeout, std::chrono::milliseconds(1000));
    o.unanswered_limit = unanswered_limit;
    o.server_name = std::move(server_name);
    return o;
  }
};

// Asks `client`'s server for its health (GET /api/v1/health) every `every`, each wait made through
// `wait` (false when stopping), until it answers: whether a probe found it unreachable first (the
// link was down and is back), or nothing when stopping. A probe times out after `timeout`, and
// `cancel` abandons one in flight. For senders that were told a request reached no server
// (HttpResponse::unreachable): a link back is used at once, not after a backoff.
std::optional<bool> wait_for_link(ApiClient& client, std::chrono::milliseconds every, std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* cancel,
                                  const std::function<bool(std::chrono::milliseconds)>& wait);

class StallWatch {
 public:
  // `slots`: how many requests may be watched at once (one per sending thread).
  StallWatch(ServerEndpoint server, StallWatchOptions options, std::size_t slots);
  ~StallWatch();  // stop()
  StallWatch(const StallWatch&) = delete;
  StallWatch& operator=(const StallWatch&) = delete;

  // Starts the probing thread (again after stop()); requests are no longer cancelled.
  void start();
  // Cancels every slot's request, now and until start(), and ends the probing thread.
  void stop();

  // For RequestOptions::cancel of the slot's requests: set when the watch gives the request up, and
  // by stop().
  const std::atomic<bool>* cancel_flag(std::size_t slot) const;
  // The slot's request is out from now until unwatch(), on a connection that does `activity`
  // (ApiClient::activity: the bytes it moves and when, its retransmissions; without it, only time
  // since watch() counts, and only the unanswered limit tells a dead connection while probes are
  // answered).
  void watch(std::size_t slot, const ConnectionActivity* activity = nullptr);
  // The slot's request out on `client`'s connection.
  void watch(std::size_t slot, const ApiClient& client);
  // Ends the watch over the slot's request: why the watch gave it up, or "" when it did not, when an
  // answer came anyway, or when stopping.
  std::string unwatch(std::size_t slot, const HttpResponse& response);
  // One request of the slot under the watch, with the slot's cancel flag: watch(), the request,
  // unwatch(). `given_up` is what unwatch() said.
  HttpResponse send(std::size_t slot, ApiClient& client, const std::string& method, const std::string& path,
                    const std::string& body, RequestOptions options, std::string& given_up);
  // Requests given up by the watch since construction.
  std::uint64_t given_up() const { return given_up_.load(); }

 private:
  struct Slot {
    bool active = false;
    std::uint64_t generation = 0;  // bumped by every watch() and unwatch() of this slot
    const ConnectionActivity* activity = nullptr;
    std::uint64_t moved_seen = 0;
    std::chrono::steady_clock::time_point moved_at;  // watch(), or when the last byte moved since
    bool saw_down = false;                           // a probe found the server unreachable, and no byte moved since
    bool given_up = false;                           // by the watch (not by stop())
    std::string why;
    std::atomic<bool> cancel{false};
  };
  void run();
  // Notes bytes moved on the slot's connection since the last look, and when; true if any did.
  static bool moved_since(Slot& s);

  ServerEndpoint server_;
  StallWatchOptions options_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t slot_count_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = true;  // until start()
  std::atomic<bool> probe_cancel_{false};
  std::atomic<std::uint64_t> given_up_{0};
  std::thread thread_;
};

}  // namespace guichet::sync
