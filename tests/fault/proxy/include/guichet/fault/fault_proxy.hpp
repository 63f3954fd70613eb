// A TCP proxy on 127.0.0.1 in front of one upstream address, that fails the way networks fail:
// partitions, delays with jitter, connections reset at once or after a number of bytes (a request
// or an answer cut in the middle), and bandwidth limits. Faults are set through this class (for
// tests in the same process) or through a line-based control socket (see docs/testing.md), and
// random choices (jitter) come from a generator seeded by the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace guichet::fault {

// Bytes from the client to the upstream (requests) are Up; from the upstream back, Down.
enum class Direction { Up, Down };

enum class Partition {
  None,
  Stall,  // new connections are refused; open ones stay open but nothing passes until healed
  Drop,   // new connections are refused; open ones are reset
  // New connections are refused; open ones stay open but what they carry is lost, also after the
  // heal, without a reset: a link that came back with its connections dead (a modem that
  // reconnected with a new address, a NAT that forgot them). New connections after the heal pass.
  Lose,
};

struct DirectionFaults {
  int delay_ms = 0;              // every chunk is held this long before it is passed on…
  int jitter_ms = 0;             // …plus a uniform random 0…jitter_ms
  std::int64_t bytes_per_s = 0;  // bandwidth limit, 0 = none
  std::int64_t cut_after = -1;   // ≥ 0: reset the connection once this many more bytes passed
};

struct ProxyStats {
  std::uint64_t accepted = 0;    // connections passed to the upstream
  std::uint64_t refused = 0;     // connections refused (partition, upstream down)
  std::uint64_t reset = 0;       // connections reset by a fault (cut, cut-after, drop)
  std::uint64_t open = 0;        // connections open now
  std::uint64_t bytes_up = 0;    // bytes passed client → upstream
  std::uint64_t bytes_down = 0;  // bytes passed upstream → client
};

struct ProxyOptions {
  std::uint16_t listen_port = 0;  // 0: any free port (see FaultProxy::port)
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 0;
  std::uint64_t seed = 1;
  // Also listen for control commands on 127.0.0.1 (port control_port, 0 = any free port).
  bool control = false;
  std::uint16_t control_port = 0;
  // When set, a `partition lose` also has the packets of the connections it loses dropped between
  // their clients and the proxy: called on the proxy's thread with the proxy's port and the
  // clients' ports (a test's PrivateNetwork::cut). Each client's kernel then sees what it sends go
  // unacknowledged, as on a real link. Without it, only the proxy discards what they carry, and
  // its own kernel still acknowledges it. What it throws is the command's error.
  std::function<void(std::uint16_t port, const std::vector<std::uint16_t>& clients)> lose_paths;
};

// The proxy runs on its own thread from construction to destruction. Every method is safe to call
// from any thread and returns once the change is in force.
class FaultProxy {
 public:
  explicit FaultProxy(const ProxyOptions& options);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const;          // where clients connect
  std::uint16_t control_port() const;  // 0 without a control socket

  // Back to a clean network: no partition, no delay, no limit, no armed cut.
  void pass();
  void partition(Partition mode);  // throws what a `lose` partition's lose_paths threw
  void delay(Direction direction, int delay_ms, int jitter_ms);
  void bandwidth(Direction direction, std::int64_t bytes_per_s);
  void cut();  // resets every open connection now
  // Resets the connection that carries the byte `bytes` from now in `direction` (counted over
  // all connections), after passing the bytes before it. One shot.
  void cut_after(Direction direction, std::int64_t bytes);
  // Sends new connections to another upstream port (a restarted server); open ones are kept.
  void set_upstream_port(std::uint16_t port);

  ProxyStats stats() const;
  // Runs one control command ("partition stall", …) and returns its one-line answer.
  std::string command(const std::string& line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "up", "down"; nullopt otherwise.
std::optional<Direction> parse_direction(const std::string& word);

}  // namespace guichet::fault
