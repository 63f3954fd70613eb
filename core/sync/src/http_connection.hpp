// The terminals' HTTP/1.1 transport on Boost.Beast: one connection to the server kept alive across
// requests, every step under a deadline, a caller's cancel flag honoured within a few
// milliseconds. Beast is header-only and already the server's HTTP stack; a terminal that used
// libcurl loaded some thirty shared libraries (TLS, HTTP/2, LDAP, SSH, Kerberos…) it never used.
// Terminals speak plain HTTP to the centre node on the centre's own network.
#pragma once

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/rate_policy.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/sync/client.hpp"

namespace guichet::sync::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A stream's rate policy that limits nothing and counts the bytes the connection moves, both ways,
// with the time they moved, into what another thread may read: a watch (StallWatch) tells a slow
// transfer that moves from a dead connection by it.
class CountingRatePolicy {
 public:
  explicit CountingRatePolicy(ConnectionActivity* activity = nullptr) : activity_(activity) {}

 private:
  friend class beast::rate_policy_access;
  static constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
  std::size_t available_read_bytes() const noexcept { return kAll; }
  std::size_t available_write_bytes() const noexcept { return kAll; }
  void transfer_read_bytes(std::size_t n) const noexcept { count(n); }
  void transfer_write_bytes(std::size_t n) const noexcept { count(n); }
  void on_timer() const noexcept {}
  void count(std::size_t n) const noexcept {
    if (!activity_ || n == 0) return;
    // The time first: a reader that sees the new count sees a time at least this recent.
    activity_->moved_at.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    activity_->bytes.fetch_add(n, std::memory_order_release);
  }
  ConnectionActivity* activity_;
};

// The terminals' TCP stream: beast::tcp_stream with the bytes it moves counted.
using Stream = beast::basic_stream<tcp, asio::any_io_executor, CountingRatePolicy>;

// "http://host:port/prefix" split into its parts; `error` says what is wrong with it.
struct BaseUrl {
  std::string host;
  std::string port = "80";
  std::string prefix;  // path before the request's own path, without a trailing '/'
  std::string host_header;
  std::string error;
  static BaseUrl parse(std::string_view url);
};

// "Name: value" lines into the request's fields; a line without a colon is ignored.
void add_header_lines(http::fields& fields, const std::vector<std::string>& lines);

// How many retransmission timeouts in a row the connection's oldest unacknowledged bytes have
// met (the kernel's TCP_INFO): 0 while nothing it sent waits for an acknowledgement, or when the
// socket is closed. A count that grows while new connections to the same server are answered
// tells a connection whose path died (a NAT or access point that forgot it) from a server that
// is only slow to answer: a slow server still acknowledges what it receives.
std::uint32_t unacked_resends(Stream& stream);

// Runs `ioc` until `done` is set. When `cancel` (a flag the caller sets, polled every 20 ms while
// the operation runs) or `stop` (a flag set together with ioc.stop(), so no polling: an idle live
// feed costs no CPU) is set, the stream's operations are cancelled, complete with an error, and
// false is returned. With `cancel`, `resends` (when given) is kept at unacked_resends(stream),
// read at most every 20 ms, for a watch on another thread.
bool run_until(asio::io_context& ioc, Stream& stream, const bool& done, const std::atomic<bool>* cancel,
               const std::atomic<bool>* stop = nullptr, std::atomic<std::uint32_t>* resends = nullptr);

// Resolves and connects `stream` within `deadline`; the error text on failure.
std::optional<std::string> connect(asio::io_context& ioc, Stream& stream, const BaseUrl& url,
                                   Clock::time_point deadline, const std::atomic<bool>* cancel,
                                   const std::atomic<bool>* stop = nullptr);

// What an error says, in words people read in a log line ("Connection refused", "timed out").
std::string describe(const beast::error_code& ec);

}  // namespace guichet::sync::detail
