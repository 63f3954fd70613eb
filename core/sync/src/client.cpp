#include "guichet/sync/client.hpp"

#include <boost/asio/read.hpp>
#include <charconv>
#include <deque>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "guichet/sync/body_by_length.hpp"
#include "http_connection.hpp"

namespace guichet::sync {

std::string disk_report_of(const ServerEndpoint& endpoint) {
  if (endpoint.storage_dir.empty()) return {};
  std::error_code ec;
  const auto space = std::filesystem::space(endpoint.storage_dir, ec);
  if (ec) return {};
  return format_disk_report(static_cast<std::int64_t>(space.available >> 20));
}

bool PrinterReporter::found(std::string_view state, Clock::time_point checked) {
  if (!valid_printer_state(state)) return false;
  std::lock_guard lock(mu_);
  const bool news = state_ != state;
  state_ = std::string(state);
  checked_ = checked;
  return news;
}

std::optional<PrinterReport> PrinterReporter::report(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  if (state_.empty()) return std::nullopt;
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - checked_).count();
  return PrinterReport{state_, std::max<std::int64_t>(0, age)};
}

std::string printer_report_of(const ServerEndpoint& endpoint) {
  if (!endpoint.printer) return {};
  const auto report = endpoint.printer->report();
  return report ? format_printer_report(*report) : std::string();
}

namespace {

namespace asio = detail::asio;
namespace beast = detail::beast;
namespace http = detail::http;

// The connection ended (closed or reset by the other end) rather than timed out or failed here.
bool ended_without_answer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

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

std::string HttpResponse::outcome() const {
  if (status == 0) return "no answer: " + (transport_error.empty() ? std::string("nothing said why") : transport_error);
  const std::string code = error_code();
  return "status " + std::to_string(status) + (code.empty() ? "" : ", " + code);
}

// A request begun and not yet answered. Shared with the write's handler, which may run after the
// request was given up (its connection closed).
struct Outgoing {
  std::string method, path;  // for the error texts
  http::request<http::span_body<const char>> req;
  detail::Clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  bool written = false;      // the whole request is on the wire (or its write failed)
  bool reused = false;       // written on a connection kept from an earlier exchange
  int attempt = 0;           // 1 once sent again on a new connection
  std::string failed;        // why it cannot be answered, known before its answer is read
  bool unreachable = false;  // HttpResponse::unreachable
};

struct ApiClient::Impl {
  detail::BaseUrl url;
  asio::io_context ioc{1};
  std::optional<detail::Stream> stream;
  beast::flat_buffer buffer;
  ConnectionActivity activity;  // of every connection so far (activity())
  bool connected = false;
  std::deque<std::shared_ptr<Outgoing>> out;  // begun, in the order sent; answers read in that order
  bool writing = false;                       // a request's write is under way on `stream`
  std::uint64_t generation = 0;               // of the connection: a closed one's write handlers do nothing
  beast::error_code write_error;              // a write on `stream` failed: the connection is broken

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(detail::tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
    }
    stream.reset();
    buffer.clear();
    activity.unacked_resends.store(0, std::memory_order_relaxed);
    connected = false;
    writing = false;
    write_error = {};
    ++generation;
  }

  // The connection for `o`: kept from before (o.reused) or made now within o's deadline.
  bool connect_for(Outgoing& o) {
    o.reused = connected;
    if (connected) return true;
    close();
    stream.emplace(detail::CountingRatePolicy(&activity), ioc);
    if (auto error = detail::connect(ioc, *stream, url, o.deadline, o.cancel)) {
      close();
      o.failed = *error;
      o.unreachable = !(o.cancel && o.cancel->load());
      return false;
    }
    connected = true;
    return true;
  }

  // Writes the requests begun and not yet written, one after another, while answers are read: a
  // server that answers the first while the next is still being sent is read meanwhile.
  void write_next() {
    if (writing || !stream) return;
    for (auto& o : out) {
      if (o->written || !o->failed.empty()) continue;
      writing = true;
      http::async_write(*stream, o->req, [this, o, gen = generation](const beast::error_code& e, std::size_t) {
        if (gen != generation) return;  // its connection was closed meanwhile
        o->written = true;
        writing = false;
        if (e) {
          // The connection is broken: the answer being read is not awaited further (the read is
          // cancelled), and the write's error says why; nothing more is written on it.
          write_error = e;
          beast::error_code ignored;
          stream->socket().cancel(ignored);
          return;
        }
        write_next();
      });
      return;
    }
  }

  // The connection is gone: every request still waiting for an answer on it fails with `why`.
  void lose_outstanding(const std::string& why) {
    close();
    for (auto& o : out) {
      if (o->failed.empty()) o->failed = why;
    }
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

void ApiClient::begin(const std::string& method, const std::string& path, const std::string& body,
                      const RequestOptions& options) {
  start(method, path, (body.empty() && method != "POST") ? nullptr : &body, options);
}

std::size_t ApiClient::outstanding() const { return impl_->out.size(); }

const ConnectionActivity& ApiClient::activity() const { return impl_->activity; }

void ApiClient::abandon() {
  impl_->close();
  impl_->out.clear();
}

HttpResponse ApiClient::perform(const std::string& method, const std::string& path, const std::string* body,
                                const RequestOptions& options) {
  // One exchange on its own: requests begun before it and not received are given up.
  if (!impl_->out.empty()) abandon();
  start(method, path, body, options);
  return receive();
}

void ApiClient::start(const std::string& method, const std::string& path, const std::string* body,
                      const RequestOptions& options) {
  Impl& io = *impl_;
  auto o = std::make_shared<Outgoing>();
  o->method = method;
  o->path = path;
  // The whole exchange, connection included, has one deadline, as a person waiting at the
  // kiosk experiences it.
  o->deadline = detail::Clock::now() + options.timeout;
  o->cancel = options.cancel;
  io.out.push_back(o);
  if (!io.url.error.empty()) {
    o->failed = io.url.error;
    return;
  }
  const auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    o->failed = "unknown HTTP method";
    return;
  }
  // The body is sent from the caller's text, not a copy of it (an upload batch may be 4 MiB).
  auto& req = o->req;
  req = http::request<http::span_body<const char>>{verb, io.url.prefix + path, 11};
  req.set(http::field::host, io.url.host_header);
  req.set("X-Guichet-Device", endpoint_.device_id);
  req.set("X-Guichet-Secret", endpoint_.device_secret);
  if (const std::string disk = disk_report_of(endpoint_); !disk.empty()) req.set(kDiskHeader, disk);
  if (const std::string printer = printer_report_of(endpoint_); !printer.empty()) req.set(kPrinterHeader, printer);
  req.set(http::field::accept, "application/json");
  if (body) req.set(http::field::content_type, "application/json");
  if (!options.bearer.empty()) req.set(http::field::authorization, "Bearer " + options.bearer);
  if (!options.idempotency_key.empty()) req.set("Idempotency-Key", options.idempotency_key);
  detail::add_header_lines(req.base(), options.headers);
  req.keep_alive(true);
  if (body) req.body() = http::span_body<const char>::value_type(body->data(), body->size());
  req.prepare_payload();
  if (!io.connect_for(*o)) return;
  io.write_next();
  // What the socket takes now is sent now, not when the answer is awaited.
  io.ioc.restart();
  io.ioc.poll();
}

HttpResponse ApiClient::receive() {
  Impl& io = *impl_;
  HttpResponse response;
  if (io.out.empty()) {
    response.transport_error = "no request is waiting for an answer";
    return response;
  }
  const std::shared_ptr<Outgoing> o = io.out.front();
  io.out.pop_front();
  auto fail = [&](const std::string& why) {
    response = HttpResponse{};
    response.transport_error = o->method + " " + o->path + ": " + why;
    response.unreachable = o->unreachable;
    return response;
  };
  // Runs the connection until `done`; false when the caller's cancel flag stopped it, and then
  // the connection and every request behind this one are given up.
  auto run_until = [&](const bool& done) {
    if (detail::run_until(io.ioc, *io.stream, done, o->cancel, nullptr, &io.activity.unacked_resends)) return true;
    io.lose_outstanding("cancelled while an earlier request was waiting for its answer");
    return false;
  };
  // A kept-alive connection that the server closed while it was idle ends without a byte of
  // answer: the request is sent once more on a new connection (with any sent behind it), as HTTP
  // clients do. Writes carry idempotency keys, so a request that did reach the server is answered
  // with its first result.
  for (;;) {
    if (!o->failed.empty()) return fail(o->failed);
    if (!io.stream) return fail("not connected");
    auto& stream = *io.stream;
    stream.expires_at(o->deadline);
    bool done = false;
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    bool received_any = false;
    if (io.write_error) {
      ec = io.write_error;
      done = true;
    } else {
      http::async_read_header(stream, io.buffer, parser, [&](const beast::error_code& e, std::size_t n) {
        ec = e;
        received_any = n > 0 || io.buffer.size() > 0;
        done = true;
      });
    }
    if (!run_until(done)) return fail("cancelled");
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
      if (!run_until(done)) return fail("cancelled");
    }
    // An answer may come before the whole request was sent (a refusal of its size): the
    // connection is then closed by the server, and the write ends too.
    if (!ec && !o->written && !run_until(o->written)) return fail("cancelled");
    if (io.write_error) ec = io.write_error;  // the read ended (or never began) because a write failed
    if (ec) {
      const bool stale = o->reused && o->attempt == 0 && !received_any && ended_without_answer(ec);
      io.close();
      if (!stale) {
        io.lose_outstanding("the connection failed before the answer (" + detail::describe(ec) +
                            " on the request before it)");
        // Not stale, so a connection made for this request: closed or reset before a byte of the
        // answer, something in the path turned it away (or the server went down), as a refusal would.
        o->unreachable = !received_any && ended_without_answer(ec);
        return fail(detail::describe(ec));
      }
      // Sent again, with those behind it, in order, on a new connection.
      io.out.push_front(o);
      for (auto& again : io.out) {
        again->written = false;
        again->attempt = 1;
      }
      if (io.connect_for(*o)) {
        for (auto& again : io.out) again->reused = false;
        io.write_next();
      } else {
        for (auto& again : io.out) again->failed = o->failed;
      }
      io.out.pop_front();
      continue;
    }
    auto res = parser.release();
    response.status = static_cast<int>(res.result_int());
    response.retry_after_seconds = retry_after(res.base());
    response.body = std::move(res.body());
    if (!res.keep_alive()) io.lose_outstanding("the server closed the connection after the answer before it");
    return response;
  }
}

}  // namespace guichet::sync
