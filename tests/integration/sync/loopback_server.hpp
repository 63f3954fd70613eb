// A small HTTP server on 127.0.0.1 for the sync client's tests. It behaves like the centre server
// where the client can tell (device credentials, idempotency keys answered with the first
// response, {"error":…} bodies, a server-sent event feed that resumes after Last-Event-ID) and can
// be told to fail the way networks and servers fail: answer 5xx, answer too late, drop the
// connection after doing the work, or go away and come back on the same port.
//
// Its memory (effects, stored answers, events) lives in a LoopbackState that outlives one server
// instance, as a real server's database outlives a restart.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>  // before Asio: its awaitable.hpp uses std::exchange
#include <vector>

#include "guichet/sync/attachments.hpp"

namespace guichet::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// Holds a loopback port with nothing listening on it: connections are refused, as from a server
// that is down, and no other process can take the port meanwhile (a port found free and released
// could be taken by a test running in parallel). A LoopbackServer may then listen on the same port
// while the reservation is held (both set SO_REUSEADDR and the reservation never listens).
class PortReservation {
 public:
  PortReservation() : socket_(io_) {
    socket_.open(net::ip::tcp::v4());
    socket_.set_option(net::socket_base::reuse_address(true));
    socket_.bind({net::ip::make_address("127.0.0.1"), 0});
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }

 private:
  net::io_context io_;
  net::ip::tcp::socket socket_;
};
using tcp = net::ip::tcp;
using json = nlohmann::json;

struct LoopbackState {
  std::mutex mu;
  std::string device = "T1";
  std::string secret = "0123abcd";

  // Fault injection, consumed one request at a time.
  int fail_next_5xx = 0;  // answer 503 without doing anything
  int drop_next = 0;      // do the work, then close the connection without an answer
  int delay_next = 0;     // do the work, then answer after delay_ms
  int delay_ms = 0;
  int cut_next = 0;              // do the work, then send the answer's header and half its body, and close
  bool refuse_protocol = false;  // answer 400 unsupported_protocol to POST /api/v1/sync/upload
  int refuse_device_next = 0;    // answer 401 unauthenticated, as to credentials the server does not know
  bool revoked = false;          // answer 403 device_revoked to every request of the device
  // Answer POST /api/v1/sync/upload as protocol v1 does: each entry applied as its request alone
  // would be, under the key device:seq, with its answer in the batch's results. Otherwise the
  // upload is refused whole (400: it carries no Idempotency-Key) and the engine sends alone.
  bool uploads = false;
  int sse_cut_after = 0;  // close each feed connection after sending this many events (0 = never)

  // What the server saw and did.
  int connections = 0;
  int requests = 0;  // every request read, the refused ones too
  int probes = 0;    // of which the stall watch's link probes (GET /api/v1/health)
  int upload_requests = 0;
  std::vector<std::string> outbox_reports;  // the X-Guichet-Outbox header of each upload ("" if none)
  std::vector<std::string> disk_reports;    // the X-Guichet-Disk header of each upload ("" if none)
  std::map<std::string, int> requests_by_key;
  std::map<std::string, int> effects_by_key;
  std::vector<std::string> effect_order;                       // idempotency keys in the order their effect happened
  std::map<std::string, std::pair<int, std::string>> answers;  // key → (status, body)
  std::vector<std::string> last_event_ids;          // Last-Event-ID header of each feed connection ("" if none)
  std::map<std::string, std::string> last_headers;  // of the last request, lower-case names

  // Scanned files (PUT /api/v1/attachments/{sha256}), answered as the centre node does.
  std::map<std::string, std::string> attachments;  // sha256 → bytes, once each
  std::vector<std::string> attachment_puts;        // sha256 of every PUT read (refused ones too), in order

  // The live feed: event JSON by seq.
  std::vector<std::pair<std::uint64_t, std::string>> events;

  int requests_for(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = requests_by_key.find(key);
    return it == requests_by_key.end() ? 0 : it->second;
  }
  int effects_for(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = effects_by_key.find(key);
    return it == effects_by_key.end() ? 0 : it->second;
  }
  int connections_made() {
    std::lock_guard lock(mu);
    return connections;
  }
  std::vector<std::string> order() {
    std::lock_guard lock(mu);
    return effect_order;
  }
  void publish(std::uint64_t seq, const std::string& event_json) {
    std::lock_guard lock(mu);
    events.emplace_back(seq, event_json);
  }
};

class LoopbackServer {
 public:
  explicit LoopbackServer(std::shared_ptr<LoopbackState> state, std::uint16_t port = 0)
      : state_(std::move(state)), acceptor_(io_) {
    tcp::endpoint at(net::ip::make_address("127.0.0.1"), port);
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Goes away like a crashed server: the port closes and every open connection is cut.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    io_.stop();
    thread_.join();
    beast::error_code ec;
    acceptor_.close(ec);
    for (auto& weak : sockets_) {
      if (auto s = weak.lock()) s->close(ec);
    }
  }

 private:
  struct Reply {
    http::status status = http::status::ok;
    std::string body;
    bool drop = false;
    bool cut = false;
    int delay_ms = 0;
    int retry_after = 0;
    bool sse = false;
    std::uint64_t after = 0;
  };

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(io_);
      auto [ec] = co_await acceptor_.async_accept(*socket, net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      {
        std::lock_guard lock(state_->mu);
        ++state_->connections;
      }
      sockets_.push_back(socket);
      net::co_spawn(io_, session(socket), net::detached);
    }
  }

  static std::string error_body(const std::string& code, const std::string& message) {
    return json{{"error", {{"code", code}, {"message", message}}}}.dump();
  }

  Reply handle(const http::request<http::string_body>& req) {
    std::lock_guard lock(state_->mu);
    Reply r;
    state_->last_headers.clear();
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      state_->last_headers[name] = std::string(field.value());
    }
    ++state_->requests;
    std::string key(req["Idempotency-Key"]);
    if (!key.empty()) ++state_->requests_by_key[key];
    std::string target(req.target());
    if (target == "/api/v1/sync/upload") {
      ++state_->upload_requests;
      state_->outbox_reports.emplace_back(req["X-Guichet-Outbox"]);
      state_->disk_reports.emplace_back(req["X-Guichet-Disk"]);
    }
    if (target == "/api/v1/health") ++state_->probes;
    const std::string attachment_path = "/api/v1/attachments/";
    if (req.method() == http::verb::put && target.starts_with(attachment_path)) {
      state_->attachment_puts.push_back(target.substr(attachment_path.size()));
    }

    if (req["X-Guichet-Device"] != state_->device || req["X-Guichet-Secret"] != state_->secret) {
      r.status = http::status::unauthorized;
      r.body = error_body("unauthorized", "unknown device or wrong secret");
      return r;
    }
    if (state_->revoked) {
      r.status = http::status::forbidden;
      r.body = json{{"error",
                     {{"code", "device_revoked"},
                      {"message", "device " + state_->device + " was revoked on 2026-11-23T10:00:00+05:30"},
                      {"device", state_->device},
                      {"revoked_at", "2026-11-23T10:00:00+05:30"}}}}
                   .dump();
      return r;
    }
    if (state_->refuse_device_next > 0) {
      --state_->refuse_device_next;
      r.status = http::status::unauthorized;
      r.body = error_body("unauthenticated", "unknown device or wrong device secret");
      return r;
    }
    if (state_->fail_next_5xx > 0) {
      --state_->fail_next_5xx;
      r.status = http::status::service_unavailable;
      r.body = error_body("unavailable", "the server is starting");
      return r;
    }
    if (state_->refuse_protocol && target == "/api/v1/sync/upload") {
      r.status = http::status::bad_request;
      r.body = error_body("unsupported_protocol", "protocol version " + std::string(req["X-Guichet-Protocol"]) +
                                                      " is not spoken here; this server speaks version 2");
      return r;
    }
    if (state_->uploads && req.method() == http::verb::post && target == "/api/v1/sync/upload") {
      json batch = json::parse(req.body(), nullptr, false);
      if (batch.is_discarded() || !batch.contains("entries") || !batch["entries"].is_array()) {
        r.status = http::status::bad_request;
        r.body = error_body("bad_request", "not a protocol v1 batch");
        return r;
      }
      json results = json::array();
      std::int64_t through = 0;
      for (const json& e : batch["entries"]) {
        through = e.at("seq").get<std::int64_t>();
        const std::string entry_key = state_->device + ":" + std::to_string(through);
        ++state_->requests_by_key[entry_key];
        auto [status, body] = apply(entry_key, e.at("path").get<std::string>(), e.at("body").get<std::string>());
        results.push_back({{"seq", through}, {"status", status}, {"body", json::parse(body)}});
      }
      r.body = json{{"protocol", 1}, {"durable_through", through}, {"results", results}}.dump();
      return r;
    }
    if (req.method() == http::verb::put && target.starts_with("/api/v1/attachments/")) {
      return put_attachment(target.substr(attachment_path.size()), req);
    }
    if (req.method() == http::verb::get && target == "/api/v1/events") {
      r.sse = true;
      std::string last(req["Last-Event-ID"]);
      state_->last_event_ids.push_back(last);
      r.after = last.empty() ? 0 : std::stoull(last);
      return r;
    }
    if (req.method() == http::verb::get && target == "/limited") {
      r.status = http::status::too_many_requests;
      r.retry_after = 30;
      r.body = error_body("too_many_attempts", "Too many wrong PINs. Try again in 30 seconds.");
      return r;
    }
    if (req.method() == http::verb::get && target == "/headers") {
      r.body = json(state_->last_headers).dump();
      return r;
    }
    if (req.method() == http::verb::post || req.method() == http::verb::delete_) {
      if (key.empty()) {
        r.status = http::status::bad_request;
        r.body = error_body("missing_field", "the Idempotency-Key header is missing");
        return r;
      }
      const bool replay = state_->answers.count(key) > 0;
      auto [status, body] = apply(key, target, req.body());
      r.status = static_cast<http::status>(status);
      r.body = std::move(body);
      if (replay) return r;
      if (state_->drop_next > 0) {
        --state_->drop_next;
        r.drop = true;
      } else if (state_->cut_next > 0) {
        --state_->cut_next;
        r.cut = true;
      } else if (state_->delay_next > 0) {
        --state_->delay_next;
        r.delay_ms = state_->delay_ms;
      }
      return r;
    }
    r.status = http::status::not_found;
    r.body = error_body("not_found", "no such path: " + target);
    return r;
  }

  // PUT /api/v1/attachments/{sha256} (state_->mu held), with the answers of the contract.
  Reply put_attachment(const std::string& sha, const http::request<http::string_body>& req) {
    Reply r;
    const std::string& bytes = req.body();
    const std::string type(req[http::field::content_type]);
    if (!sync::valid_sha256_hex(sha)) {
      r.status = http::status::bad_request;
      r.body = error_body("bad_request", "the path must end with 64 lower-case hex digits");
    } else if (bytes.size() > static_cast<std::size_t>(sync::kMaxAttachmentBytes)) {
      r.status = http::status::payload_too_large;
      r.body = error_body("payload_too_large", "a file has at most 8 MiB");
    } else if (!sync::valid_attachment_media_type(type)) {
      r.status = http::status::unsupported_media_type;
      r.body = error_body("unsupported_media_type", "Content-Type " + type + " is not taken");
    } else if (const std::string got = sync::sha256_hex(bytes.data(), bytes.size()); got != sha) {
      r.status = http::status::unprocessable_entity;
      r.body = error_body("attachment_hash_mismatch",
                          "the bytes' SHA-256 is " + got.substr(0, 12) + "…, the path says " + sha.substr(0, 12) + "…");
    } else if ((type == "image/png" && !bytes.starts_with("\x89PNG\r\n\x1a\n")) ||
               (type == "image/jpeg" && !bytes.starts_with("\xff\xd8\xff")) ||
               (type == "application/pdf" && !bytes.starts_with("%PDF-"))) {
      r.status = http::status::unprocessable_entity;
      r.body = error_body("attachment_not_media_type", "the bytes are not " + type);
    } else {
      const bool known = state_->attachments.count(sha) > 0;
      if (!known) state_->attachments[sha] = bytes;
      r.status = known ? http::status::ok : http::status::created;
      r.body =
          json{
              {"attachment",
               {{"sha256", sha}, {"media_type", type}, {"bytes", bytes.size()}, {"stored", known ? "already" : "new"}}}}
              .dump();
    }
    return r;
  }

  // One write under its key (state_->mu held): the answer stored for the key, or the effect and
  // its answer, stored.
  std::pair<int, std::string> apply(const std::string& key, const std::string& target, const std::string& text) {
    auto stored = state_->answers.find(key);
    if (stored != state_->answers.end()) return stored->second;
    std::pair<int, std::string> answer;
    if (target == "/refuse") {
      answer = {409, error_body("counter_busy", "Counter C1 is already serving A001.")};
    } else {
      ++state_->effects_by_key[key];
      state_->effect_order.push_back(key);
      json body = text.empty() ? json() : json::parse(text, nullptr, false);
      answer = {201,
                json{{"effect", state_->effect_order.size()}, {"key", key}, {"path", target}, {"body", body}}.dump()};
    }
    state_->answers[key] = answer;
    return answer;
  }

  net::awaitable<void> session(std::shared_ptr<tcp::socket> socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(*socket, buffer, req, net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      Reply reply = handle(req);
      if (reply.sse) {
        co_await feed(socket, reply.after);
        co_return;
      }
      if (reply.drop) {
        beast::error_code ignored;
        socket->close(ignored);
        co_return;
      }
      if (reply.delay_ms > 0) {
        net::steady_timer timer(io_, std::chrono::milliseconds(reply.delay_ms));
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      }
      http::response<http::string_body> res{reply.status, req.version()};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      if (reply.retry_after > 0) res.set(http::field::retry_after, std::to_string(reply.retry_after));
      res.body() = reply.body;
      res.prepare_payload();
      if (reply.cut) {
        std::ostringstream head;
        head << res.base();
        const std::string partial = head.str() + res.body().substr(0, res.body().size() / 2);
        co_await net::async_write(*socket, net::buffer(partial), net::as_tuple(net::use_awaitable));
        beast::error_code ignored;
        socket->close(ignored);
        co_return;
      }
      auto [wec, wn] = co_await http::async_write(*socket, res, net::as_tuple(net::use_awaitable));
      if (wec || !req.keep_alive()) co_return;
    }
  }

  // Streams stored events after `after`, then new ones as they are published.
  net::awaitable<void> feed(std::shared_ptr<tcp::socket> socket, std::uint64_t after) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
    auto [hec, hn] = co_await net::async_write(*socket, net::buffer(head), net::as_tuple(net::use_awaitable));
    if (hec) co_return;
    int sent = 0;
    std::uint64_t last = after;
    for (;;) {
      std::string out;
      int cut_after = 0;
      {
        std::lock_guard lock(state_->mu);
        cut_after = state_->sse_cut_after;
        for (const auto& [seq, data] : state_->events) {
          if (seq <= last) continue;
          if (cut_after > 0 && sent >= cut_after) break;
          out += "id: " + std::to_string(seq) + "\nevent: queue\ndata: " + data + "\n\n";
          last = seq;
          ++sent;
        }
      }
      if (!out.empty()) {
        auto [wec, wn] = co_await net::async_write(*socket, net::buffer(out), net::as_tuple(net::use_awaitable));
        if (wec) co_return;
      }
      if (cut_after > 0 && sent >= cut_after) {
        beast::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
        co_return;
      }
      net::steady_timer timer(io_, std::chrono::milliseconds(10));
      co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
  }

  std::shared_ptr<LoopbackState> state_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::weak_ptr<tcp::socket>> sockets_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace guichet::testing
