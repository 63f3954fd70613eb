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
// too. Either way the copy is a replay: the server answers it from its idempotency records, so
// nothing is stored twice. A transfer that moves, however slowly (a large answer on a slow line), is
// never given up: the bytes its connection moves are counted (ApiClient::bytes_moved).
//
// Used by the centre node's relay (uploads and pulls to central) and by every terminal's sync engine
// (uploads to the centre node).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
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
  // How the reasons name the server: "the link to <name> came back", "<name> answers on new
  // connections but not on the one in use".
  std::string server_name = "the server";

  // A sender's watch: probes wait at most a second, less when the sender's own requests time out
  // sooner (`request_timeout`).
  static StallWatchOptions for_sender(std::chrono::milliseconds probe_after, std::chrono::milliseconds probe_every,
                                      std::chrono::milliseconds request_timeout,
                                      std::chrono::milliseconds unanswered_limit, std::string server_name) {
    return StallWatchOptions{probe_after, probe_every, std::min(request_timeout, std::chrono::milliseconds(1000)),
                             unanswered_limit, std::move(server_name)};
  }
};

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
  // The slot's request is out from now until unwatch(); `moved` counts the bytes its connection
  // moves (ApiClient::bytes_moved; without it, only time since watch() counts).
  void watch(std::size_t slot, const std::atomic<std::uint64_t>* moved = nullptr);
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
    const std::atomic<std::uint64_t>* moved = nullptr;
    std::uint64_t moved_seen = 0;
    std::chrono::steady_clock::time_point moved_at;  // watch() or the last byte seen moving since
    bool saw_down = false;                           // a probe found the server unreachable, and no byte moved since
    bool given_up = false;                           // by the watch (not by stop())
    std::string why;
    std::atomic<bool> cancel{false};
  };
  void run();
  // Notes bytes moved on the slot's connection since the last look; true if any did.
  static bool moved_since(Slot& s, std::chrono::steady_clock::time_point now);

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
