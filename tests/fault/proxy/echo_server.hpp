// An echo server on 127.0.0.1 for the proxy's tests, with a blocking client. The server sends back
// every byte it receives and remembers, per connection, what it received and how the connection
// ended (an orderly end or a reset).
#pragma once

// <utility> before Asio: its awaitable.hpp uses std::exchange.
#include <utility>
//
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace guichet::fault::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class EchoServer {
 public:
  struct Connection {
    std::string received;
    bool ended = false;
    bool reset = false;  // ended by an error rather than an orderly end
  };

  EchoServer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Waits until connection `i` (in order of arrival) ended; false on timeout.
  bool wait_ended(std::size_t i, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return connections_.size() > i && connections_[i].ended; });
  }
  // Waits until connection `i` received at least `bytes`; false on timeout.
  bool wait_received(std::size_t i, std::size_t bytes, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout,
                        [&] { return connections_.size() > i && connections_[i].received.size() >= bytes; });
  }
  Connection connection(std::size_t i) {
    std::lock_guard lock(mu_);
    return i < connections_.size() ? connections_[i] : Connection{};
  }
  std::size_t connections() {
    std::lock_guard lock(mu_);
    return connections_.size();
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      std::size_t i;
      {
        std::lock_guard lock(mu_);
        i = connections_.size();
        connections_.emplace_back();
      }
      asio::co_spawn(io_, echo(std::move(socket), i), asio::detached);
    }
  }
  asio::awaitable<void> echo(tcp::socket socket, std::size_t i) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        std::lock_guard lock(mu_);
        connections_[i].ended = true;
        connections_[i].reset = ec != asio::error::eof;
        cv_.notify_all();
        co_return;
      }
      {
        std::lock_guard lock(mu_);
        connections_[i].received.append(buf.data(), n);
        cv_.notify_all();
      }
      auto [wec, w] =
          co_await asio::async_write(socket, asio::buffer(buf.data(), n), asio::as_tuple(asio::use_awaitable));
      (void)w;
      if (wec) {
        std::lock_guard lock(mu_);
        connections_[i].ended = true;
        connections_[i].reset = true;
        cv_.notify_all();
        co_return;
      }
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> connections_;
};

// A blocking loopback client with a receive timeout.
class Client {
 public:
  enum class End { Open, Eof, Reset, Timeout };

  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  // Retransmission timeouts in a row of the oldest bytes sent and not acknowledged (0 when all
  // were acknowledged): the kernel's TCP_INFO.
  unsigned unacked_resends() const {
    tcp_info info{};
    socklen_t size = sizeof info;
    if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return 0;
    return info.tcpi_unacked > 0 ? info.tcpi_retransmits : 0;
  }
  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `bytes` arrived, the connection ended or `timeout` passed; `end` says which.
  std::string receive(std::size_t bytes, std::chrono::milliseconds timeout, End* end = nullptr) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    End how = End::Open;
    while (out.size() < bytes) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        how = End::Timeout;
        break;
      }
      timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, std::min(sizeof buf, bytes - out.size()), 0);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        how = End::Eof;
        break;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        how = End::Timeout;
        break;
      } else if (errno != EINTR) {
        how = End::Reset;
        break;
      }
    }
    if (end) *end = how;
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace guichet::fault::testing
