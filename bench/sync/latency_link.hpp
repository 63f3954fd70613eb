#pragma once
// A wide-area link on loopback for the benchmarks: a TCP forwarder on 127.0.0.1 that delivers
// every byte `one_way` after it was sent, in both directions, without holding later bytes back
// behind earlier ones (a link's latency, not a bandwidth limit). What a centre's line to the
// central service adds to each round trip; the loopback alone adds almost nothing.
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <thread>

namespace guichet::bench {

class LatencyLink {
 public:
  LatencyLink(std::uint16_t upstream_port, std::chrono::milliseconds one_way);
  ~LatencyLink();
  LatencyLink(const LatencyLink&) = delete;
  LatencyLink& operator=(const LatencyLink&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket client);

  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::uint16_t upstream_port_;
  std::chrono::milliseconds one_way_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace guichet::bench
