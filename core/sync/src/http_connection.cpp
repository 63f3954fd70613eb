#include "http_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>

namespace guichet::sync::detail {

BaseUrl BaseUrl::parse(std::string_view url) {
  BaseUrl out;
  constexpr std::string_view kHttp = "http://";
  if (url.rfind("https://", 0) == 0) {
    out.error = "https:// is not supported: terminals speak HTTP to the centre node on the centre's network";
    return out;
  }
  if (url.rfind(kHttp, 0) != 0) {
    out.error = "the server URL must start with http:// (got '" + std::string(url) + "')";
    return out;
  }
  std::string_view rest = url.substr(kHttp.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.prefix = std::string(path);
  }
  if (authority.empty()) {
    out.error = "the server URL has no host (got '" + std::string(url) + "')";
    return out;
  }
  out.host_header = std::string(authority);
  if (authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      out.error = "the server URL has an unclosed [ in its host";
      return out;
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        out.error = "the server URL has text after its host";
        return out;
      }
      out.port = std::string(after.substr(1));
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty() || out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos ||
      out.port.size() > 5 || std::stoi(out.port) == 0 || std::stoi(out.port) > 65535) {
    out.error = "the server URL needs a host and a port from 1 to 65535 (got '" + std::string(url) + "')";
  }
  return out;
}

void add_header_lines(http::fields& fields, const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    std::string_view value(line);
    value.remove_prefix(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    fields.set(std::string_view(line).substr(0, colon), value);
  }
}

std::uint32_t unacked_resends(Stream& stream) {
  auto& socket = stream.socket();
  if (!socket.is_open()) return 0;
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return 0;
  return info.tcpi_unacked > 0 ? info.tcpi_retransmits : 0;
}

bool run_until(asio::io_context& ioc, Stream& stream, const bool& done, const std::atomic<bool>* cancel,
               const std::atomic<bool>* stop, std::atomic<std::uint32_t>* resends) {
  constexpr auto kSlice = std::chrono::milliseconds(20);
  bool cancelled = false;
  Clock::time_point looked{};
  ioc.restart();
  while (!done) {
    if (resends && cancel && !cancelled) {
      const auto now = Clock::now();
      if (now - looked >= kSlice) {
        looked = now;
        resends->store(unacked_resends(stream), std::memory_order_relaxed);
      }
    }
    if (!cancelled && ((cancel && cancel->load()) || (stop && stop->load()))) {
      cancelled = true;
      beast::error_code ignored;
      stream.socket().cancel(ignored);
      stream.socket().close(ignored);
    }
    if (cancelled && ioc.stopped()) ioc.restart();  // let the aborted operation complete
    if (cancel) {
      // A flag nobody signals: look at it in short slices (only while a request is under way).
      ioc.run_one_for(kSlice);
    } else {
      // Woken by the operation, its deadline, or ioc.stop() from whoever set `stop`.
      ioc.run_one();
    }
  }
  return !cancelled;
}

std::optional<std::string> connect(asio::io_context& ioc, Stream& stream, const BaseUrl& url,
                                   Clock::time_point deadline, const std::atomic<bool>* cancel,
                                   const std::atomic<bool>* stop) {
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  // A literal address needs no resolver (and no resolver thread).
  const auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, static_cast<unsigned short>(std::stoi(url.port)));
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(url.host, url.port, ec);
    if (ec) return "cannot resolve " + url.host + ": " + describe(ec);
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  bool done = false;
  beast::error_code result;
  stream.expires_at(deadline);
  stream.async_connect(endpoints, [&](const beast::error_code& e, const tcp::endpoint&) {
    result = e;
    done = true;
  });
  if (!run_until(ioc, stream, done, cancel, stop)) return std::string("cancelled");
  if (result) return "cannot connect to " + url.host_header + ": " + describe(result);
  stream.socket().set_option(tcp::no_delay(true), ec);
  stream.socket().set_option(asio::socket_base::keep_alive(true), ec);
  return std::nullopt;
}

std::string describe(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  if (ec == http::error::end_of_stream || ec == asio::error::eof) return "the server closed the connection";
  if (ec == asio::error::operation_aborted) return "cancelled";
  return ec.message();
}

}  // namespace guichet::sync::detail
