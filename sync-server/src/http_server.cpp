#include "guichet/server/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "guichet/server/log.hpp"

namespace guichet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr auto kTuple = asio::as_tuple(use_awaitable);
constexpr std::size_t kMaxFeedBacklog = 32 * 1024 * 1024;
constexpr std::chrono::seconds kWriteTimeout{30};

// Completes with the Api's answer on the caller's executor, whichever thread produced it.
template <class Token>
auto async_handle(Api& api, Request request, Token&& token) {
  return asio::async_initiate<Token, void(Response)>(
      [&api](auto handler, Request req) {
        using H = decltype(handler);
        auto shared = std::make_shared<H>(std::move(handler));
        api.handle(req, [shared](Response r) {
          auto ex = asio::get_associated_executor(*shared);
          asio::post(ex, [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); });
        });
      },
      token, std::move(request));
}

http::response<http::string_body> to_beast(Response&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "guichet-server");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// One connected live-feed client: batches are queued by the publishing thread and written by the
// connection's coroutine. The timer is only a wake-up signal.
class FeedClient final : public FeedSubscriber, public std::enable_shared_from_this<FeedClient> {
 public:
  explicit FeedClient(const asio::any_io_executor& ex) : wake_(ex) {
    wake_.expires_at(asio::steady_timer::time_point::max());
  }

  void push(const std::shared_ptr<const FeedBatch>& batch) override {
    bool notify = false;
    {
      std::lock_guard lock(mu_);
      if (overflowed_) return;
      backlog_bytes_ += batch->text.size();
      if (backlog_bytes_ > kMaxFeedBacklog) {
        // A client this far behind is dropped; it resumes from storage with Last-Event-ID.
        overflowed_ = true;
        pending_.clear();
      } else {
        pending_.push_back(batch);
      }
      notify = !notified_;
      notified_ = true;
    }
    if (notify) {
      asio::post(wake_.get_executor(), [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->wake_.cancel();
      });
    }
  }

  std::vector<std::shared_ptr<const FeedBatch>> take(bool& overflowed) {
    std::lock_guard lock(mu_);
    notified_ = false;
    overflowed = overflowed_;
    backlog_bytes_ = 0;
    std::vector<std::shared_ptr<const FeedBatch>> out;
    out.swap(pending_);
    return out;
  }

  asio::steady_timer& wake() { return wake_; }

 private:
  asio::steady_timer wake_;
  std::mutex mu_;
  std::vector<std::shared_ptr<const FeedBatch>> pending_;
  std::size_t backlog_bytes_ = 0;
  bool notified_ = false;
  bool overflowed_ = false;
};

}  // namespace

struct HttpServer::Impl {
  Impl(Api& a, HttpOptions o)
      : api(a),
        options(std::move(o)),
        threads(options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency())),
        ioc(threads),
        acceptor(asio::make_strand(ioc)),
        signals(ioc),
        keep_alive_timer(ioc) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options.address, ec);
    if (ec) throw std::runtime_error("cannot listen on '" + options.address + "': not an IP address");
    tcp::endpoint endpoint(address, options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                               ec.message());
    }
  }

  ~Impl() {
    std::lock_guard lock(clients_mu);
    for (auto* c : clients) api.centre().feed().unsubscribe(c);
    clients.clear();
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        // Out of file descriptors and the like: pause instead of spinning.
        log_error("accepting a connection failed: " + ec.message());
        asio::steady_timer pause(ioc, std::chrono::milliseconds(100));
        co_await pause.async_wait(kTuple);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> keep_alive_loop() {
    auto comment = std::make_shared<FeedBatch>();
    comment->text = std::string(kKeepAliveFrame);
    for (;;) {
      keep_alive_timer.expires_after(options.keep_alive);
      auto [ec] = co_await keep_alive_timer.async_wait(kTuple);
      if (ec || stopping) co_return;
      api.centre().feed().publish(comment);
    }
  }

  // Writes an error and closes politely: the client may still be sending a body we refuse, and
  // closing with unread data would reset the connection before it reads our answer.
  static awaitable<void> refuse_and_close(beast::tcp_stream& stream, Response r, unsigned version) {
    auto res = to_beast(std::move(r), version, false);
    stream.expires_after(std::chrono::seconds(5));
    co_await http::async_write(stream, res, kTuple);
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::vector<char> sink(16 * 1024);
    std::size_t drained = 0;
    while (drained < 4 * 1024 * 1024) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      drained += n;
    }
    stream.socket().close(ec);
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxBodyBytes);
      parser.header_limit(16 * 1024);
      stream.expires_after(options.idle_timeout);
      auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      if (!hec && parser.get()[http::field::expect] == "100-continue") {
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
        hec = cec;
      }
      boost::system::error_code ec = hec;
      if (!ec && !parser.is_done()) {
        auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
        ec = bec;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        break;
      }
      if (ec == http::error::body_limit) {
        co_await refuse_and_close(stream, Response::error(413, "too_large", "the request body is over 64 KiB"), 11);
        co_return;
      }
      if (ec == http::error::header_limit) {
        co_await refuse_and_close(stream,
                                  Response::error(431, "headers_too_large", "the request headers are too large"), 11);
        co_return;
      }
      if (ec) {
        co_await refuse_and_close(stream,
                                  Response::error(400, "bad_request", "malformed HTTP request: " + ec.message()), 11);
        co_return;
      }
      auto& req = parser.get();
      Request request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      // Only the headers the API reads are copied: this runs for every request.
      static constexpr std::string_view kUsedHeaders[] = {"x-guichet-device", "x-guichet-secret", "authorization",
                                                          "idempotency-key", "last-event-id"};
      for (std::string_view name : kUsedHeaders) {
        if (auto it = req.find(name); it != req.end()) request.headers.emplace_back(name, it->value());
      }
      request.body = std::move(req.body());
      const unsigned version = req.version();
      const bool keep_alive = req.keep_alive();

      if (api.is_feed(request)) {
        co_await serve_feed(stream, std::move(request), version);
        co_return;
      }
      auto started = std::chrono::steady_clock::now();
      std::string line;  // method, path and device for the request log
      if (options.log_requests) {
        std::string_view device = request.header("x-guichet-device");
        line = request.method + " " + request.target.substr(0, request.target.find('?')) +
               " device=" + (device.empty() ? std::string("-") : std::string(device));
      }
      Response response = co_await async_handle(api, std::move(request), use_awaitable);
      if (options.log_requests) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
        log_info(line + " " + std::to_string(response.status) + " " + std::to_string(us.count()) + "us");
      }
      auto res = to_beast(std::move(response), version, keep_alive);
      stream.expires_after(kWriteTimeout);
      auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
      if (wec || !keep_alive) break;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
  }

  awaitable<void> serve_feed(beast::tcp_stream& stream, Request request, unsigned version) {
    auto open = api.open_feed(request);
    if (open.refusal) {
      auto res = to_beast(std::move(*open.refusal), version, false);
      stream.expires_after(kWriteTimeout);
      co_await http::async_write(stream, res, kTuple);
      co_return;
    }
    auto& feed = api.centre().feed();
    auto client = std::make_shared<FeedClient>(stream.get_executor());
    std::uint64_t published = feed.subscribe(client);
    {
      std::lock_guard lock(clients_mu);
      clients.insert(client.get());
    }
    struct Leave {
      Impl& impl;
      FeedClient* client;
      ~Leave() {
        impl.api.centre().feed().unsubscribe(client);
        std::lock_guard lock(impl.clients_mu);
        impl.clients.erase(client);
      }
    } leave{*this, client.get()};

    std::string head =
        "HTTP/1.1 200 OK\r\nServer: guichet-server\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n"
        "retry: 2000\n\n";
    stream.expires_after(kWriteTimeout);
    auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(head), kTuple);
    if (hec) co_return;

    // Events already stored: everything after the client's last id up to the moment we subscribed.
    std::uint64_t sent = open.last_event_id.value_or(published);
    while (sent < published) {
      std::vector<EventRecord> stored;
      {
        auto conn = api.centre().reads().acquire();
        stored = conn->events_after(sent, 512);
      }
      std::string chunk;
      for (const auto& e : stored) {
        if (e.seq > published) break;
        chunk += sse_frame(e.seq, e.body);
        sent = e.seq;
      }
      if (chunk.empty()) break;
      stream.expires_after(kWriteTimeout);
      auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(chunk), kTuple);
      if (cec) co_return;
    }
    sent = std::max(sent, published);

    std::vector<asio::const_buffer> buffers;
    for (;;) {
      bool overflowed = false;
      auto batches = client->take(overflowed);
      if (overflowed || stopping) co_return;
      if (batches.empty()) {
        stream.expires_never();
        co_await client->wake().async_wait(kTuple);
        continue;
      }
      buffers.clear();
      for (const auto& b : batches) {
        std::string_view text = b->after(sent);
        if (!b->entries.empty()) sent = std::max(sent, b->last_seq());
        if (!text.empty()) buffers.emplace_back(text.data(), text.size());
      }
      if (buffers.empty()) continue;
      stream.expires_after(kWriteTimeout);
      auto [wec, wn] = co_await asio::async_write(stream, buffers, kTuple);
      if (wec) co_return;
    }
  }

  Api& api;
  HttpOptions options;
  int threads;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer keep_alive_timer;
  std::atomic<bool> stopping{false};
  std::mutex clients_mu;
  std::set<FeedClient*> clients;
};

HttpServer::HttpServer(Api& api, HttpOptions options) : impl_(std::make_unique<Impl>(api, std::move(options))) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run(bool stop_on_signals) {
  auto& impl = *impl_;
  if (stop_on_signals) {
    impl.signals.add(SIGINT);
    impl.signals.add(SIGTERM);
    impl.signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) stop();
    });
  }
  asio::co_spawn(impl.acceptor.get_executor(), impl.accept_loop(), asio::detached);
  asio::co_spawn(impl.ioc, impl.keep_alive_loop(), asio::detached);
  std::vector<std::thread> extra;
  for (int i = 1; i < impl.threads; ++i) extra.emplace_back([&impl] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : extra) t.join();
}

void HttpServer::stop() {
  auto& impl = *impl_;
  impl.stopping = true;
  asio::post(impl.acceptor.get_executor(), [&impl] {
    boost::system::error_code ec;
    impl.acceptor.close(ec);
    impl.signals.cancel(ec);
    impl.keep_alive_timer.cancel();
    impl.ioc.stop();
  });
}

}  // namespace guichet::server
