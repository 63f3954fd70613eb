// Raw TCP to a network receipt printer (the "port 9100" / JetDirect convention): bytes in are
// printed, status replies come back on the same connection.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "guichet/hardware/printer/transport.hpp"

namespace guichet::hardware::printer {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(TcpOptions options) : options_(std::move(options)) {}
  ~TcpTransport() override { close(); }

  Error open() override {
    if (fd_ >= 0) return {};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options_.port);
    if (int rc = getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return {ErrorKind::connect_failed, "cannot resolve printer host '" + options_.host + "': " + gai_strerror(rc)};
    }
    Error last{ErrorKind::connect_failed, "no address for printer host '" + options_.host + "'"};
    const auto deadline = Clock::now() + options_.connect_timeout;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      last = connect_one(ai, deadline);
      if (!last) break;
    }
    freeaddrinfo(found);
    return last;
  }

  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool is_open() const override { return fd_ >= 0; }

  Error write(std::span<const std::uint8_t> bytes) override {
    if (auto err = open()) return err;
    const auto deadline = Clock::now() + options_.write_timeout;
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // A printer that stops reading (paper out with a full buffer) must not hang the caller.
        pollfd p{fd_, POLLOUT, 0};
        int left = remaining_ms(deadline);
        int rc = left > 0 ? ::poll(&p, 1, left) : 0;
        if (rc == 0) {
          close();
          return {ErrorKind::timeout, "Printer not responding: " + describe() + " accepted " + std::to_string(sent) +
                                          " of " + std::to_string(bytes.size()) + " bytes within " +
                                          std::to_string(options_.write_timeout.count()) + " ms"};
        }
        if (rc < 0 && errno != EINTR) return fail_io("waiting to send");
        continue;
      }
      return fail_io("sending");
    }
    return {};
  }

  Result<Bytes> read(std::size_t max_bytes, Millis timeout) override {
    if (auto err = open()) return err;
    const auto deadline = Clock::now() + timeout;
    Bytes out(std::max<std::size_t>(max_bytes, 1));
    for (;;) {
      ssize_t n = ::recv(fd_, out.data(), out.size(), 0);
      if (n > 0) {
        out.resize(static_cast<std::size_t>(n));
        return out;
      }
      if (n == 0) {
        close();
        return Error{ErrorKind::io, "printer " + describe() + " closed the connection"};
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return fail_io("reading");
      pollfd p{fd_, POLLIN, 0};
      int left = remaining_ms(deadline);
      int rc = left > 0 ? ::poll(&p, 1, left) : 0;
      if (rc == 0) {
        return Error{ErrorKind::timeout, "Printer not responding: no reply from " + describe() + " within " +
                                             std::to_string(timeout.count()) + " ms"};
      }
      if (rc < 0 && errno != EINTR) return fail_io("waiting for a reply");
    }
  }

  void discard_pending() override {
    if (fd_ < 0) return;
    std::uint8_t buf[256];
    // Bounded: a printer cannot have sent more than a few status bytes unasked.
    for (int i = 0; i < 64; ++i) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
    }
  }

  bool bidirectional() const override { return true; }

  std::string describe() const override { return "tcp " + options_.host + ":" + std::to_string(options_.port); }

 private:
  Error connect_one(addrinfo* ai, Clock::time_point deadline) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) return {ErrorKind::connect_failed, "cannot create socket: " + std::string(std::strerror(errno))};
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      do {
        int left = remaining_ms(deadline);
        rc = left > 0 ? ::poll(&p, 1, left) : 0;
      } while (rc < 0 && errno == EINTR);
      if (rc == 0) {
        ::close(fd);
        return {ErrorKind::timeout, "Printer not responding: cannot connect to " + describe() + " within " +
                                        std::to_string(options_.connect_timeout.count()) + " ms"};
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      rc = so_error == 0 ? 0 : -1;
      errno = so_error;
    }
    if (rc < 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return {ErrorKind::connect_failed, "Printer not reachable: cannot connect to " + describe() + ": " + why};
    }
    // Status queries are a few bytes written right after a job: without this, Nagle's algorithm
    // holds them back until the printer acknowledges the job, some 40 ms later.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
    return {};
  }

  Error fail_io(const char* doing) {
    std::string why = std::strerror(errno);
    close();
    return {ErrorKind::io, std::string("connection to printer ") + describe() + " failed while " + doing + ": " + why};
  }

  TcpOptions options_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<Transport> make_tcp_transport(const TcpOptions& options) {
  return std::make_unique<TcpTransport>(options);
}

}  // namespace guichet::hardware::printer
