// A test's own network: the calling thread (and every process and thread it starts after) moves
// into a new network namespace whose loopback is up and empty, so that a packet filter the test
// sets there reaches nothing else on the machine. In it, cut() and cut_connections_to() make TCP
// connections that are established now dead without a word: their packets vanish both ways
// (nftables, at the input hook), as when a NAT or a Wi-Fi access point forgets its connections,
// while new connections to the same port are answered. Needs CAP_NET_ADMIN (root).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct nft_ctx;

namespace guichet::testing {

class PrivateNetwork {
 public:
  // Moves the calling thread into a new network namespace and brings its loopback up. Throws,
  // saying why, when this process may not (no CAP_SYS_ADMIN / CAP_NET_ADMIN).
  PrivateNetwork();
  ~PrivateNetwork();  // the filter table removed (the namespace lives on with the thread)
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

  // The local ports of the TCP connections established now to 127.0.0.1:`port` (from
  // /proc/net/tcp, which shows this namespace's only).
  static std::vector<std::uint16_t> connected_ports(std::uint16_t port);
  // Drops, from now on, every packet between 127.0.0.1:`port` and the ports `peers` (the other
  // ends of connections to `port`), both ways. Throws when the filter is refused. Safe to call
  // from any thread (a fault proxy's).
  void cut(std::uint16_t port, const std::vector<std::uint16_t>& peers);
  // cut() of every connection established now to 127.0.0.1:`port`; returns their local ports.
  // Throws when there is none.
  std::vector<std::uint16_t> cut_connections_to(std::uint16_t port);
  // Packets the filter has dropped so far.
  std::uint64_t dropped() const;

 private:
  // With mu_ held.
  void run(const std::string& commands) const;
  mutable std::mutex mu_;  // libnftables' context is not shared between threads
  ::nft_ctx* ctx_ = nullptr;
  bool table_ = false;
};

}  // namespace guichet::testing
