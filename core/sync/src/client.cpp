#include "guichet/sync/client.hpp"

#include <boost/asio/read.hpp>
#include <charconv>
#include <stdexcept>

#include "guichet/sync/body_by_length.hpp"
#include "http_connection.hpp"

namespace guichet::sync {
namespace {

namespace asio = detail::asio;
namespace beast = detail::beast;
namespace http = detail::http;

// Bodies above this are refused rather than held in memory: the largest answer the protocol has
// is a page of the change feed, a few megabytes.
constexpr std::uint64_t kMaxResponseBody = 64ull << 20;

int retry_after(const http::fields& fields) {
  auto it = fields.find(http::field::retry_after);
  if (it == fields.end()) return 0;
  int seconds = 0;
  const auto value = it->value();
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  return ec == std::errc() ? seconds : 0;
}

// A string field of the error object in {"error":{"code":…,"message":…}}, or "" if absent.
std::string error_field(const std::string& body, const char* field) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return {};
  auto err = parsed.find("error");
  if (err == parsed.end() || !err->is_object()) return {};
  auto value = err->find(field);
  if (value == err->end() || !value->is_string()) return {};
  return value->get<std::string>();
}

}  // namespace

std::string HttpResponse::error_message() const {
  if (status == 0) return transport_error.empty() ? "no response from the server" : transport_error;
  std::string message = error_field(body, "message");
  if (!message.empty() || ok()) return message;
  return "the server answered HTTP " + std::to_string(status);
}

std::string HttpResponse::error_code() const { return error_field(body, "code"); }

struct ApiClient::Impl {
  detail::BaseUrl url;
  asio::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool connected = false;

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(detail::tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
    }
    stream.reset();
    buffer.clear();
    connected = false;
  }
};

ApiClient::ApiClient(ServerEndpoint endpoint) : endpoint_(std::move(endpoint)), impl_(std::make_unique<Impl>()) {
  while (!endpoint_.base_url.empty() && endpoint_.base_url.back() == '/') endpoint_.base_url.pop_back();
  impl_->url = detail::BaseUrl::parse(endpoint_.base_url);
}

ApiClient::~ApiClient() {
  if (impl_) impl_->close();
}

HttpResponse ApiClient::get(const std::string& path, const RequestOptions& options) {
  return perform("GET", path, nullptr, options);
}

HttpResponse ApiClient::post(const std::string& path, const json& body, const RequestOptions& options) {
  std::string text = body.dump();
  return perform("POST", path, &text, options);
}

HttpResponse ApiClient::del(const std::string& path, const RequestOptions& options) {
  return perform("DELETE", path, nullptr, options);
}

HttpResponse ApiClient::send(const std::string& method, const std::string& path, const std::string& body,
                             const RequestOptions& options) {
  return perform(method, path, (body.empty() && method != "POST") ? nullptr : &body, options);
}

HttpResponse ApiClient::perform(const std::string& method, const std::string& path, const std::string* body,
                                const RequestOptions& options) {
  HttpResponse response;
  auto fail = [&](const std::string& why) {
    response = HttpResponse{};
    response.transport_error = method + " " + path + ": " + why;
    return response;
  };
  Impl& io = *impl_;
  if (!io.url.error.empty()) return fail(io.url.error);
  const auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return fail("unknown HTTP method");

  // The body is sent from the caller's text, not a copy of it (an upload batch may be 4 MiB).
  http::request<http::span_body<const char>> req{verb, io.url.prefix + path, 11};
  req.set(http::field::host, io.url.host_header);
  req.set("X-Guichet-Device", endpoint_.device_id);
  req.set("X-Guichet-Secret", endpoint_.device_secret);
  req.set(http::field::accept, "application/json");
  if (body) req.set(http::field::content_type, "application/json");
  if (!options.bearer.empty()) req.set(http::field::authorization, "Bearer " + options.bearer);
  if (!options.idempotency_key.empty()) req.set("Idempotency-Key", options.idempotency_key);
  detail::add_header_lines(req.base(), options.headers);
  req.keep_alive(true);
  if (body) req.body() = http::span_body<const char>::value_type(body->data(), body->size());
  req.prepare_payload();

  // The whole exchange, connection included, has one deadline, as a person waiting at the
  // kiosk experiences it.
  const auto deadline = detail::Clock::now() + options.timeout;
  // A kept-alive connection that the server closed while it was idle ends without a byte of
  // answer: send the request once more on a new connection, as HTTP clients do. Writes carry
  // idempotency keys, so a request that did reach the server is answered with its first result.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = io.connected;
    if (!io.connected) {
      io.close();
      io.stream.emplace(io.ioc);
      if (auto error = detail::connect(io.ioc, *io.stream, io.url, deadline, options.cancel)) {
        io.close();
        return fail(*error);
      }
      io.connected = true;
    }
    auto& stream = *io.stream;
    bool done = false;
    beast::error_code ec;
    stream.expires_at(deadline);
    http::async_write(stream, req, [&](const beast::error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!detail::run_until(io.ioc, stream, done, options.cancel)) {
      io.close();
      return fail("cancelled");
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    bool received_any = false;
    if (!ec) {
      done = false;
      http::async_read_header(stream, io.buffer, parser, [&](const beast::error_code& e, std::size_t n) {
        ec = e;
        received_any = n > 0 || io.buffer.size() > 0;
        done = true;
      });
      if (!detail::run_until(io.ioc, stream, done, options.cancel)) {
        io.close();
        return fail("cancelled");
      }
    }
    if (!ec && !parser.is_done()) {
      received_any = true;
      done = false;
      if (!parser.chunked() && parser.content_length()) {
        // A body of known length (an upload's answer may be hundreds of kB) is read straight into
        // the answer's body, exactly its length (body_by_length.hpp); an early end is a
        // "partial message", never a short answer.
        auto rest =
            start_body_by_length(parser.get().body(), static_cast<std::size_t>(*parser.content_length()), io.buffer);
        asio::async_read(stream, rest, [&](const beast::error_code& e, std::size_t) {
          ec = body_read_result(e);
          done = true;
        });
      } else {
        http::async_read(stream, io.buffer, parser, [&](const beast::error_code& e, std::size_t) {
          ec = e;
          done = true;
        });
      }
      if (!detail::run_until(io.ioc, stream, done, options.cancel)) {
        io.close();
        return fail("cancelled");
      }
    }
    if (ec) {
      io.close();
      const bool stale = reused && !received_any && ec != beast::error::timeout &&
                         (ec == http::error::end_of_stream || ec == asio::error::eof ||
                          ec == asio::error::connection_reset || ec == asio::error::broken_pipe);
      if (stale && attempt == 0) continue;
      return fail(detail::describe(ec));
    }
    auto res = parser.release();
    response.status = static_cast<int>(res.result_int());
    response.retry_after_seconds = retry_after(res.base());
    response.body = std::move(res.body());
    if (!res.keep_alive()) io.close();
    return response;
  }
  return fail("the server closed the connection");
}

}  // namespace guichet::sync
