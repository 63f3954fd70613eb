#include <pthread.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <stdexcept>

#include "guichet/sync/client.hpp"
#include "http_connection.hpp"

namespace guichet::sync {
namespace {

namespace asio = detail::asio;
namespace beast = detail::beast;
namespace http = detail::http;
using detail::Clock;

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

constexpr std::size_t kMaxErrorBody = 4096;

}  // namespace

// The stream thread's I/O context; stop() stops it from another thread to end a wait at once.
struct EventStream::Io {
  asio::io_context ioc{1};
};

EventStream::EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id)
    : EventStream(std::move(endpoint), std::move(handler), last_event_id, {}) {}

EventStream::EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id,
                         const EventStreamOptions& options)
    : endpoint_(std::move(endpoint)), handler_(std::move(handler)), options_(options), io_(std::make_unique<Io>()) {
  last_id_ = last_event_id;
  while (!endpoint_.base_url.empty() && endpoint_.base_url.back() == '/') endpoint_.base_url.pop_back();
}

EventStream::~EventStream() { stop(); }

void EventStream::on_status(StatusHandler handler) { status_ = std::move(handler); }

void EventStream::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread(&EventStream::run, this);
}

void EventStream::stop() {
  {
    std::lock_guard lock(wait_mu_);
    stop_ = true;
  }
  wait_cv_.notify_all();
  // After stop_ is set: the stream thread either sees the flag before it waits, or is woken.
  io_->ioc.stop();
  if (thread_.joinable()) thread_.join();
}

void EventStream::set_connected(bool connected, const std::string& detail) {
  connected_ = connected;
  if (status_) status_(connected, detail);
}

void EventStream::run() {
  // Named, so it can be told apart in top -H and in /proc (at most 15 characters).
  pthread_setname_np(pthread_self(), "guichet-feed");
  auto delay = options_.reconnect_initial;
  while (!stop_) {
    const int before = connections_.load();
    std::string why = connect_once();
    if (stop_) break;
    set_connected(false, why);
    // A connection that worked restarts the backoff; repeated failures stretch it to the cap.
    if (connections_.load() != before) delay = options_.reconnect_initial;
    std::unique_lock lock(wait_mu_);
    wait_cv_.wait_for(lock, delay, [&] { return stop_.load(); });
    delay = std::min(delay * 2, options_.reconnect_max);
  }
  connected_ = false;
}

std::string EventStream::connect_once() {
  const auto url = detail::BaseUrl::parse(endpoint_.base_url);
  if (!url.error.empty()) return "live feed: " + url.error;
  auto& ioc = io_->ioc;
  detail::Stream stream(ioc);
  if (auto error = detail::connect(ioc, stream, url, Clock::now() + options_.connect_timeout, nullptr, &stop_)) {
    return stop_ ? "stopped" : "live feed: " + *error;
  }

  SseParser parser([this](const SseMessage& m) {
    std::uint64_t id = 0;
    const bool has_id = parse_u64(m.id, id);
    // The cursor moves before the handler runs, so whoever sees an event's effects also sees its
    // id in last_event_id() (a feed stopped then resumed from there does not hear it again).
    auto advance = [this](std::uint64_t to) {
      if (to > last_id_.load()) last_id_ = to;
    };
    if (m.event == "queue") {
      try {
        WireEvent event = event_from_json(json::parse(m.data));
        if (!has_id) id = event.seq;
        advance(id);
        handler_(event);
      } catch (const std::exception& e) {
        // A malformed event cannot be applied, and asking for it again returns the same bytes:
        // report it and move past it rather than reconnecting in a loop.
        if (status_) status_(true, std::string("ignored a malformed event: ") + e.what());
      }
    }
    advance(id);
  });

  http::request<http::empty_body> req{http::verb::get, url.prefix + options_.path, 11};
  req.set(http::field::host, url.host_header);
  req.set("X-Guichet-Device", endpoint_.device_id);
  req.set("X-Guichet-Secret", endpoint_.device_secret);
  if (const std::string disk = disk_report_of(endpoint_); !disk.empty()) req.set(kDiskHeader, disk);
  if (const std::string printer = printer_report_of(endpoint_); !printer.empty()) req.set(kPrinterHeader, printer);
  req.set(http::field::accept, "text/event-stream");
  req.set(http::field::cache_control, "no-cache");
  if (last_id_.load() > 0) req.set("Last-Event-ID", std::to_string(last_id_.load()));
  req.keep_alive(true);

  bool done = false;
  beast::error_code ec;
  auto finish = [&](const beast::error_code& e, std::size_t) {
    ec = e;
    done = true;
  };
  stream.expires_after(options_.connect_timeout);
  http::async_write(stream, req, finish);
  if (!detail::run_until(ioc, stream, done, nullptr, &stop_)) return "stopped";
  if (ec) return "live feed: " + detail::describe(ec);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> response;
  response.body_limit(boost::none);  // an event stream has no end
  char chunk[8192];
  bool open = false;
  std::string error_body;
  for (;;) {
    response.get().body().data = chunk;
    response.get().body().size = sizeof chunk;
    // The server's keep-alive comments count as traffic; a silent connection is a dead one.
    stream.expires_after(options_.idle_timeout);
    done = false;
    if (!response.is_header_done()) {
      http::async_read_header(stream, buffer, response, finish);
    } else {
      http::async_read_some(stream, buffer, response, finish);
    }
    if (!detail::run_until(ioc, stream, done, nullptr, &stop_)) return "stopped";
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      if (ec == http::error::end_of_stream || ec == asio::error::eof) break;
      return "live feed: " + detail::describe(ec);
    }
    if (response.is_header_done() && !open) {
      const auto status = response.get().result_int();
      if (status != 200) {
        // Read what the server says (bounded), for the message.
        if (error_body.size() < kMaxErrorBody) {
          const std::size_t got = sizeof chunk - response.get().body().size;
          error_body.append(chunk, std::min(got, kMaxErrorBody - error_body.size()));
        }
        if (!response.is_done() && error_body.size() < kMaxErrorBody) continue;
        HttpResponse r;
        r.status = static_cast<int>(status);
        r.body = error_body;
        return "the server refused the live feed: " + r.error_message();
      }
      open = true;
      ++connections_;
      set_connected(true, {});
    }
    const std::size_t got = sizeof chunk - response.get().body().size;
    if (got > 0) parser.feed(std::string_view(chunk, got));
    if (response.is_done()) break;
  }
  return "the server closed the live feed";
}

}  // namespace guichet::sync
