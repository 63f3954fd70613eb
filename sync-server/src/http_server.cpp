#include "guichet/server/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "guichet/server/log.hpp"
#include "guichet/sync/body_by_length.hpp"

namespace guichet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr auto kTuple = asio::as_tuple(use_awaitable);
using RequestParser = http::request_parser<http::string_body, std::pmr::polymorphic_allocator<char>>;
constexpr std::size_t kMaxFeedBacklog = 32 * 1024 * 1024;
constexpr std::chrono::seconds kWriteTimeout{30};
// Upload batches of one connection read and handled before the oldest one's answer is written.
constexpr std::size_t kPipelineDepth = 2;
constexpr std::chrono::milliseconds kFeedTick{10};
// How often open feeds are checked against the revoked devices (one query for the whole server).
constexpr std::chrono::milliseconds kRevocationCheck{250};

// An answer produced while the writer thread answers a committed batch: resumes its connection,
// which lives on the executor `ex` (one network thread's io_context).
struct GatheredAnswer {
  asio::any_io_executor ex;
  std::function<void()> resume;
};

// While the writer thread answers a committed batch, the answers are gathered here and handed to
// the network threads together (see HttpServer::Impl::flush_answers).
thread_local std::vector<GatheredAnswer>* gathered_answers = nullptr;

// Completes with the Api's answer on the caller's executor, whichever thread produced it.
template <class Token>
auto async_handle(Api& api, Request request, Token&& token) {
  return asio::async_initiate<Token, void(Response)>(
      [&api](auto handler, Request req) {
        using H = decltype(handler);
        auto shared = std::make_shared<H>(std::move(handler));
        api.handle(req, [shared](Response r) {
          auto ex = asio::get_associated_executor(*shared);
          auto resume = [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); };
          if (gathered_answers != nullptr) {
            gathered_answers->push_back(GatheredAnswer{ex, std::move(resume)});
          } else {
            asio::post(ex, std::move(resume));
          }
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

// A connected live-feed client. Lives on the feed thread only: no locks.
struct FeedClient {
  explicit FeedClient(asio::io_context& ioc) : wake(ioc) { wake.expires_at(asio::steady_timer::time_point::max()); }
  asio::steady_timer wake;  // cancelled to wake the connection's coroutine
  std::vector<std::shared_ptr<const FeedBatch>> pending;
  std::size_t backlog_bytes = 0;
  std::string device;  // whose credentials opened the feed
  bool waiting = false;
  bool overflowed = false;
  bool revoked = false;  // the device was revoked while connected: told so, then closed
};

// The live feed's only subscriber to the Centre's EventFeed. The writer thread hands it each
// committed batch once; the feed thread then gives every connected client a pointer to it. One
// hand-off per batch instead of one per client keeps a thousand boards from crowding the threads
// that answer the counters.
class FeedHub final : public FeedSubscriber {
 public:
  explicit FeedHub(asio::io_context& feed_ioc) : ioc_(feed_ioc), tick_(std::in_place, feed_ioc) {}

  // Before the feed's io_context goes: the hub outlives it (connections leave the hub as the
  // context destroys them), but its timer must not.
  void release_timer() { tick_.reset(); }

  void start_after(std::uint64_t seq) { distributed_ = seq; }

  void push(const std::shared_ptr<const FeedBatch>& batch) override {
    bool schedule = false;
    {
      std::lock_guard lock(mu_);
      inbox_.push_back(batch);
      schedule = !scheduled_;
      scheduled_ = true;
    }
    if (schedule) asio::post(ioc_, [this] { schedule_distribution(); });
  }

  // Feed thread. Returns the seq of the last event already given out: a new client reads events
  // up to it from storage and receives everything after it from here, with no gap or repeat.
  std::uint64_t join(FeedClient* c) {
    clients_.insert(c);
    return distributed_;
  }
  void leave(FeedClient* c) { clients_.erase(c); }
  void to_all(const std::shared_ptr<const FeedBatch>& batch) {
    for (auto* c : clients_) deliver(*c, batch);
  }
  bool has_clients() const { return !clients_.empty(); }
  // Any thread: a device was revoked over HTTP; its connections say so and close.
  void revoked(const std::string& device) override {
    asio::post(ioc_, [this, device] { drop_revoked([&device](const std::string& d) { return d == device; }); });
  }
  // Feed thread: wakes the connections of every device `is_revoked` names, so they say so and close.
  template <class IsRevoked>
  void drop_revoked(IsRevoked&& is_revoked) {
    for (auto* c : clients_) {
      if (c->revoked || !is_revoked(c->device)) continue;
      c->revoked = true;
      if (c->waiting) {
        c->waiting = false;
        c->wake.cancel();
      }
    }
  }

 private:
  // Hands out at most once per kFeedTick: under load each client then writes many events in one
  // system call instead of one per commit. A board sees an event at most a tick later.
  void schedule_distribution() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_distribution_ >= kFeedTick) {
      distribute();
      return;
    }
    if (!tick_) return;
    tick_->expires_at(last_distribution_ + kFeedTick);
    tick_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) distribute();
    });
  }

  void distribute() {
    last_distribution_ = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<const FeedBatch>> batches;
    {
      std::lock_guard lock(mu_);
      batches.swap(inbox_);
      scheduled_ = false;
    }
    for (const auto& b : batches) {
      if (!b->entries.empty()) distributed_ = std::max(distributed_, b->last_seq());
      to_all(b);
    }
  }

  static void deliver(FeedClient& c, const std::shared_ptr<const FeedBatch>& batch) {
    if (c.overflowed) return;
    c.backlog_bytes += batch->text.size();
    if (c.backlog_bytes > kMaxFeedBacklog) {
      // A client this far behind is dropped; it resumes from storage with Last-Event-ID.
      c.overflowed = true;
      c.pending.clear();
    } else {
      c.pending.push_back(batch);
    }
    if (c.waiting) {
      c.waiting = false;
      c.wake.cancel();
    }
  }

  asio::io_context& ioc_;
  std::optional<asio::steady_timer> tick_;
  std::chrono::steady_clock::time_point last_distribution_{};
  std::mutex mu_;
  std::vector<std::shared_ptr<const FeedBatch>> inbox_;
  bool scheduled_ = false;
  std::uint64_t distributed_ = 0;  // feed thread
  std::set<FeedClient*> clients_;  // feed thread
};

// Header names are ASCII: comparing them needs no locale (std::tolower is a call per character).
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace

// Every answer goes out this way: building Beast's field list and running its serializer cost
// more than the answer's own JSON.
void write_answer_head(const Response& r, unsigned version, bool keep_alive, std::string& out) {
  // Reused by each network thread: no allocation once warm.
  thread_local std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.clear();
  fields.emplace_back("Server", "guichet-server");
  fields.emplace_back("Content-Type", r.content_type);
  fields.emplace_back("Cache-Control", "no-store");
  for (const auto& [k, v] : r.headers) {
    // Like Beast's set(): any field of that name goes, and the new one is added last.
    std::erase_if(fields, [&name = k](const auto& f) { return same_name(f.first, name); });
    fields.emplace_back(k, v);
  }
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(r.status));
  out += "\r\n";
  auto field = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  for (const auto& [k, v] : fields) field(k, v);
  if (version >= 11 && !keep_alive) field("Connection", "close");
  if (version < 11 && keep_alive) field("Connection", "keep-alive");
  // As prepare_payload(): the length always, 0 included (the server never answers 1xx, 204 or 304
  // with a body, which Beast would have refused).
  field("Content-Length", std::to_string(r.body.size()));
  out += "\r\n";
}

struct HttpServer::Impl {
  Impl(Api& a, HttpOptions o)
      : api(a),
        options(std::move(o)),
        threads(options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency())),
        iocs(make_contexts(threads)),
        acceptor(*iocs.front()),
        signals(*iocs.front()),
        feed_ioc(1),
        keep_alive_timer(feed_ioc),
        revocation_timer(feed_ioc) {
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
    hub = std::make_shared<FeedHub>(feed_ioc);
    hub->start_after(api.centre().feed().subscribe(hub));
    api.centre().set_answer_hooks([this] { gathered_answers = &answers; }, [this] { flush_answers(); });
  }

  // One io_context per network thread, each run by that thread alone: a connection stays on the
  // thread that accepted it for its whole life, so its handlers need no strand and its answers no
  // second hand-off.
  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  // Writer thread: hands a batch's answers to the network threads in one post per thread that has
  // any; there each answer resumes its connection directly (the thread is the connection's only).
  void flush_answers() {
    gathered_answers = nullptr;
    if (answers.empty()) return;
    for (auto& context : iocs) {
      std::vector<std::function<void()>> part;
      for (auto& a : answers) {
        if (a.resume && &asio::query(a.ex, asio::execution::context) == context.get()) {
          part.push_back(std::move(a.resume));
          a.resume = nullptr;
        }
      }
      if (part.empty()) continue;
      asio::post(*context, [part = std::move(part)]() mutable {
        for (auto& answer : part) answer();
      });
    }
    // Not a network thread's connection (none today): resumed through its own executor.
    for (auto& a : answers) {
      if (a.resume) asio::post(a.ex, std::move(a.resume));
    }
    answers.clear();
  }

  ~Impl() {
    api.centre().set_answer_hooks({}, {});
    if (hub) {
      api.centre().feed().unsubscribe(hub.get());
      hub->release_timer();
    }
  }

  // Runs on the first network thread; hands each connection to the network threads in turn.
  awaitable<void> accept_loop() {
    for (std::size_t next = 0;; ++next) {
      auto [ec, socket] = co_await acceptor.async_accept(*iocs[next % iocs.size()], kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        // Out of file descriptors and the like: pause instead of spinning.
        log_error("accepting a connection failed: " + ec.message());
        asio::steady_timer pause(*iocs.front(), std::chrono::milliseconds(100));
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
      hub->to_all(comment);
    }
  }

  // A device revoked while its feed is open is told so and cut within kRevocationCheck. One query
  // lists the revoked devices for every open feed (none while no feed is open): a revocation by
  // `guichet-server revoke-device`, another process writing the file, is seen this way; one over
  // HTTP also reaches the hub at once (EventFeed::revoke).
  awaitable<void> revocation_loop() {
    bool failing = false;
    for (;;) {
      revocation_timer.expires_after(kRevocationCheck);
      auto [ec] = co_await revocation_timer.async_wait(kTuple);
      if (ec || stopping) co_return;
      if (!hub->has_clients()) continue;
      std::vector<std::string> ids;
      try {
        auto conn = api.centre().reads().acquire();
        ids = conn->revoked_device_ids();
        failing = false;
      } catch (const std::exception& e) {
        // A storage hiccup must not cut every board in the hall: the feeds stay, the next check retries.
        if (!failing) log_error(std::string("reading revoked devices failed: ") + e.what());
        failing = true;
        continue;
      }
      if (ids.empty()) continue;
      const std::set<std::string> revoked(ids.begin(), ids.end());
      hub->drop_revoked([&revoked](const std::string& device) { return revoked.count(device) != 0; });
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

  // A request being handled whose answer is not yet written: answers leave in the order their
  // requests came (HTTP/1.1 pipelining).
  struct Pending {
    explicit Pending(const asio::any_io_executor& ex) : ready(ex) {
      ready.expires_at(asio::steady_timer::time_point::max());
    }
    std::optional<Response> response;
    asio::steady_timer ready;  // cancelled when the answer is in
    unsigned version = 11;
    bool keep_alive = true;
    bool upload = false;
    std::string line;  // method, path and device for the request log
    std::chrono::steady_clock::time_point started;
  };

  // Writes the oldest pending answer once it is in; false when the connection is to close.
  awaitable<bool> write_oldest(beast::tcp_stream& stream, std::deque<std::shared_ptr<Pending>>& pending,
                               std::string& head) {
    std::shared_ptr<Pending> p = std::move(pending.front());
    pending.pop_front();
    while (!p->response) co_await p->ready.async_wait(kTuple);
    if (options.log_requests) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - p->started);
      log_info(p->line + " " + std::to_string(p->response->status) + " " + std::to_string(us.count()) + "us");
    }
    write_answer_head(*p->response, p->version, p->keep_alive, head);
    const std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(p->response->body)};
    stream.expires_after(kWriteTimeout);
    auto [wec, wn] = co_await asio::async_write(stream, message, kTuple);
    co_return !wec && p->keep_alive;
  }

  // Every pending answer written, in order; false when the connection is to close.
  awaitable<bool> write_all(beast::tcp_stream& stream, std::deque<std::shared_ptr<Pending>>& pending,
                            std::string& head) {
    bool open = true;
    while (open && !pending.empty()) open = co_await write_oldest(stream, pending, head);
    pending.clear();
    co_return open;
  }

  awaitable<void> session(tcp::socket socket) {
    std::string remote;  // the client's address, for throttling wrong enrollment codes
    {
      boost::system::error_code rec;
      if (auto endpoint = socket.remote_endpoint(rec); !rec) remote = endpoint.address().to_string();
    }
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::string head;  // the answer's status line and headers, reused
    // Each request's header fields are laid out in this arena, emptied before the next request:
    // Beast would otherwise allocate (and free) every field, the method and the target on their own.
    std::array<std::byte, 2048> arena_bytes;
    std::pmr::monotonic_buffer_resource arena(arena_bytes.data(), arena_bytes.size());
    // Requests read and handed to the Api whose answers are not yet written. An upload batch sent
    // right behind another (a centre node's relay pipelines them) is read and checked while the
    // one before it is stored: the Api hands their writes to the writer in the order they came,
    // as it does for one device's uploads on two connections. Any other request is read only
    // once every earlier answer is written, so it sees what they stored.
    std::deque<std::shared_ptr<Pending>> pending;
    bool open = true;
    for (;;) {
      // Answers due before the next request is read: those already in, and the oldest while the
      // next request is not an upload on its way behind uploads, or the pipeline is full.
      while (open && !pending.empty()) {
        boost::system::error_code aec;
        const bool next_on_its_way = buffer.size() > 0 || stream.socket().available(aec) > 0;
        const bool may_read_ahead =
            next_on_its_way && pending.size() < kPipelineDepth && pending.back()->upload && pending.back()->keep_alive;
        if (!pending.front()->response && may_read_ahead) break;
        open = co_await write_oldest(stream, pending, head);
      }
      if (!open) break;
      arena.release();
      RequestParser parser(std::piecewise_construct, std::make_tuple(),
                           std::make_tuple(std::pmr::polymorphic_allocator<char>(&arena)));
      // The largest body any endpoint takes (a scanned file) while the header is read; each
      // request's own limit is applied once its target is known.
      parser.body_limit(kMaxAttachmentBodyBytes);
      parser.header_limit(16 * 1024);
      stream.expires_after(options.idle_timeout);
      auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      // Only a protocol v1 upload (up to 500 requests, 4 MiB) and a scanned file (PUT
      // /api/v1/attachments/…, 8 MiB) may be larger than 64 KiB.
      const bool upload =
          !hec && parser.get().method() == http::verb::post && parser.get().target() == "/api/v1/sync/upload";
      const bool attachment =
          !hec && parser.get().method() == http::verb::put && parser.get().target().starts_with("/api/v1/attachments/");
      if (!hec && !pending.empty() && !upload) {
        // Read behind uploads, it is not one: the answers before it go out first (see above).
        if (!co_await write_all(stream, pending, head)) break;
      }
      if (!hec) {
        const std::size_t limit = upload ? kMaxUploadBodyBytes : attachment ? kMaxAttachmentBodyBytes : kMaxBodyBytes;
        if (parser.content_length() && *parser.content_length() > limit) hec = http::error::body_limit;
        parser.body_limit(limit);
      }
      if (!hec && upload && parser.content_length() && *parser.content_length() <= kMaxUploadBodyBytes) {
        // Room for simdjson's padding (64 bytes) after the batch: it is then parsed where it lies
        // rather than copied first (padded_json.hpp).
        parser.get().body().reserve(static_cast<std::size_t>(*parser.content_length()) + 64);
      }
      if (!hec && parser.get()[http::field::expect] == "100-continue") {
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
        hec = cec;
      }
      boost::system::error_code ec = hec;
      if (!ec && upload && !parser.is_done() && !parser.chunked() && parser.content_length()) {
        // An upload batch (up to 4 MiB) of known length is read straight into its body, exactly
        // its length, so a next request stays unread (body_by_length.hpp). A body cut short by the
        // client's end of sending is answered as Beast answers it.
        auto rest =
            sync::start_body_by_length(parser.get().body(), static_cast<std::size_t>(*parser.content_length()), buffer);
        auto [bec, bn] = co_await asio::async_read(stream, rest, kTuple);
        ec = sync::body_read_result(bec);
      } else if (!ec && !parser.is_done()) {
        auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
        ec = bec;
      }
      if (ec) {
        // What was taken before this request is answered first; then this one's fault.
        if (!co_await write_all(stream, pending, head)) break;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        break;
      }
      if (ec == http::error::body_limit) {
        // Built before the co_await, in plain statements: a conditional choosing between two
        // temporaries inside a co_await expression is miscompiled by GCC (both are destroyed).
        const auto target = parser.get().target();
        Response refusal;
        if (target.starts_with("/api/v1/attachments/")) {
          refusal = Response::error(413, "payload_too_large", "a scanned file is at most 8 MiB (8388608 bytes)");
        } else {
          refusal =
              Response::error(413, "too_large",
                              target == "/api/v1/sync/upload" ? "the upload batch is over 4 MiB: send fewer entries"
                                                              : "the request body is over 64 KiB");
        }
        co_await refuse_and_close(stream, std::move(refusal), 11);
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
      // Only the headers the API reads are copied: this runs for every request. (A header the API
      // reads must be named here: the demo's end-to-end test sees the terminals' reports through it.)
      static constexpr std::string_view kUsedHeaders[] = {
          "x-guichet-device",   "x-guichet-secret", "authorization",  "idempotency-key",   "last-event-id",
          "x-guichet-protocol", "x-guichet-outbox", "x-guichet-disk", "x-guichet-printer", "content-type"};
      for (std::string_view name : kUsedHeaders) {
        if (auto it = req.find(name); it != req.end()) request.headers.emplace_back(name, it->value());
      }
      request.body = std::move(req.body());
      request.remote = remote;

      if (api.is_feed(request)) {
        co_await serve_feed(stream, std::move(request), req.version());
        co_return;
      }
      auto p = std::make_shared<Pending>(stream.get_executor());
      p->version = req.version();
      p->keep_alive = req.keep_alive();
      p->upload = upload;
      p->started = std::chrono::steady_clock::now();
      if (options.log_requests) {
        std::string_view device = request.header("x-guichet-device");
        p->line = request.method + " " + request.target.substr(0, request.target.find('?')) +
                  " device=" + (device.empty() ? std::string("-") : std::string(device));
      }
      pending.push_back(p);
      // The answer completes on this connection's thread (async_handle): no lock needed.
      async_handle(api, std::move(request), asio::bind_executor(stream.get_executor(), [p](Response r) {
                     p->response = std::move(r);
                     p->ready.cancel();
                   }));
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
  }

  // Authenticates on the network thread, then moves the connection to the feed thread.
  awaitable<void> serve_feed(beast::tcp_stream& stream, Request request, unsigned version) {
    auto open = api.open_feed(request);
    if (open.refusal) {
      auto res = to_beast(std::move(*open.refusal), version, false);
      stream.expires_after(kWriteTimeout);
      co_await http::async_write(stream, res, kTuple);
      co_return;
    }
    boost::system::error_code ec;
    stream.expires_never();
    tcp::socket socket = stream.release_socket();
    auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) co_return;
    auto fd = socket.release(ec);
    if (ec) co_return;
    tcp::socket moved(feed_ioc);
    moved.assign(protocol, fd, ec);
    if (ec) co_return;
    asio::co_spawn(feed_ioc, feed_session(std::move(moved), open.last_event_id, std::move(open.device)),
                   asio::detached);
  }

  // Runs on the feed thread.
  awaitable<void> feed_session(tcp::socket socket, std::optional<std::uint64_t> last_event_id, std::string device) {
    beast::tcp_stream stream(std::move(socket));
    FeedClient client(feed_ioc);
    client.device = std::move(device);
    const std::uint64_t published = hub->join(&client);
    // While the feed is open its device counts as heard (the dashboard's "last heard").
    Centre& centre = api.centre();
    centre.activity().feed_opened(client.device, centre.wall_now());
    struct Leave {
      FeedHub& hub;
      FeedClient* client;
      Centre& centre;
      ~Leave() {
        hub.leave(client);
        centre.activity().feed_closed(client->device, centre.wall_now());
      }
    } leave{*hub, &client, centre};

    static const std::string head =
        "HTTP/1.1 200 OK\r\nServer: guichet-server\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n"
        "retry: 2000\n\n";
    stream.expires_after(kWriteTimeout);
    auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(head), kTuple);
    if (hec) co_return;

    // Events already given out before this client joined come from storage.
    std::uint64_t sent = last_event_id.value_or(published);
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

    std::vector<std::shared_ptr<const FeedBatch>> batches;
    std::vector<asio::const_buffer> buffers;
    for (;;) {
      if (client.overflowed || stopping) co_return;
      if (client.revoked) {
        std::string frame = "event: revoked\ndata: {\"error\":{\"code\":\"device_revoked\",\"message\":\"device " +
                            client.device + " was revoked; it can no longer use this centre\"}}\n\n";
        stream.expires_after(kWriteTimeout);
        co_await asio::async_write(stream, asio::buffer(frame), kTuple);
        co_return;
      }
      if (client.pending.empty()) {
        client.waiting = true;
        stream.expires_never();
        co_await client.wake.async_wait(kTuple);
        continue;
      }
      batches.clear();
      batches.swap(client.pending);
      client.backlog_bytes = 0;
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
  std::vector<std::unique_ptr<asio::io_context>> iocs;  // one per network thread
  tcp::acceptor acceptor;
  asio::signal_set signals;
  bool catching_signals = false;
  // Declared before the feed's io_context: feed connections leave the hub when that context is
  // destroyed, so the hub must outlive it.
  std::shared_ptr<FeedHub> hub;
  asio::io_context feed_ioc;
  asio::steady_timer keep_alive_timer;
  asio::steady_timer revocation_timer;
  std::atomic<bool> stopping{false};
  std::vector<GatheredAnswer> answers;  // writer thread: answers of the batch being answered
};

HttpServer::HttpServer(Api& api, HttpOptions options) : impl_(std::make_unique<Impl>(api, std::move(options))) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::stop_on_signals() {
  auto& impl = *impl_;
  if (impl.catching_signals) return;
  impl.catching_signals = true;
  impl.signals.add(SIGINT);
  impl.signals.add(SIGTERM);
  impl.signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
}

void HttpServer::run(bool on_signals) {
  auto& impl = *impl_;
  if (on_signals) stop_on_signals();
  asio::co_spawn(impl.acceptor.get_executor(), impl.accept_loop(), asio::detached);
  asio::co_spawn(impl.feed_ioc, impl.keep_alive_loop(), asio::detached);
  asio::co_spawn(impl.feed_ioc, impl.revocation_loop(), asio::detached);
  auto feed_work = asio::make_work_guard(impl.feed_ioc);
  std::thread feed_thread([&impl] { impl.feed_ioc.run(); });
  // A network thread without connections yet must keep waiting for them: stop() ends the run.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> network_work;
  for (auto& context : impl.iocs) network_work.push_back(asio::make_work_guard(*context));
  std::vector<std::thread> extra;
  for (std::size_t i = 1; i < impl.iocs.size(); ++i) extra.emplace_back([&impl, i] { impl.iocs[i]->run(); });
  impl.iocs.front()->run();
  for (auto& t : extra) t.join();
  feed_work.reset();
  impl.feed_ioc.stop();
  feed_thread.join();
}

void HttpServer::stop() {
  auto& impl = *impl_;
  impl.stopping = true;
  asio::post(impl.acceptor.get_executor(), [&impl] {
    boost::system::error_code ec;
    impl.acceptor.close(ec);
    impl.signals.cancel(ec);
    for (auto& context : impl.iocs) context->stop();
  });
  asio::post(impl.feed_ioc, [&impl] {
    impl.keep_alive_timer.cancel();
    impl.revocation_timer.cancel();
  });
}

}  // namespace guichet::server
