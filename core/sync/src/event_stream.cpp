#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "guichet/sync/client.hpp"

namespace guichet::sync {
namespace {

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

struct Connection {
  SseParser* parser = nullptr;
  CURL* easy = nullptr;
  long status = 0;
  std::string error_body;  // body of a non-200 answer, for the message
  std::function<void()> on_open;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* c = static_cast<Connection*>(user);
  std::string_view line(data, size * count);
  if (line == "\r\n" || line == "\n") {
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
    if (c->status == 200 && c->on_open) c->on_open();
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* c = static_cast<Connection*>(user);
  std::string_view bytes(data, size * count);
  if (c->status != 200) {
    if (c->error_body.size() < 4096) c->error_body.append(bytes.substr(0, 4096 - c->error_body.size()));
  } else {
    c->parser->feed(bytes);
  }
  return size * count;
}

}  // namespace

EventStream::EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id)
    : EventStream(std::move(endpoint), std::move(handler), last_event_id, {}) {}

EventStream::EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id,
                         const EventStreamOptions& options)
    : endpoint_(std::move(endpoint)), handler_(std::move(handler)), options_(options) {
  last_id_ = last_event_id;
  while (!endpoint_.base_url.empty() && endpoint_.base_url.back() == '/') endpoint_.base_url.pop_back();
  // ApiClient's constructor performs libcurl's one-time global initialisation.
  ApiClient init(endpoint_);
  multi_ = curl_multi_init();
  if (!multi_) throw std::runtime_error("cannot create the live feed's HTTP handle");
}

EventStream::~EventStream() {
  stop();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

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
  if (multi_) curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
}

void EventStream::set_connected(bool connected, const std::string& detail) {
  connected_ = connected;
  if (status_) status_(connected, detail);
}

void EventStream::run() {
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
  CURL* easy = curl_easy_init();
  if (!easy) return "cannot create an HTTP handle";
  auto* multi = static_cast<CURLM*>(multi_);

  SseParser parser([this](const SseMessage& m) {
    std::uint64_t id = 0;
    const bool has_id = parse_u64(m.id, id);
    if (m.event == "queue") {
      try {
        WireEvent event = event_from_json(json::parse(m.data));
        if (!has_id) id = event.seq;
        handler_(event);
      } catch (const std::exception& e) {
        // A malformed event cannot be applied, and asking for it again returns the same bytes:
        // report it and move past it rather than reconnecting in a loop.
        if (status_) status_(true, std::string("ignored a malformed event: ") + e.what());
      }
    }
    if (id > last_id_.load()) last_id_ = id;
  });

  Connection conn;
  conn.parser = &parser;
  conn.easy = easy;
  conn.on_open = [this] {
    ++connections_;
    set_connected(true, {});
  };

  std::string url = endpoint_.base_url + options_.path;
  curl_slist* headers = nullptr;
  auto add = [&](const std::string& h) {
    if (curl_slist* next = curl_slist_append(headers, h.c_str())) headers = next;
  };
  add("X-Guichet-Device: " + endpoint_.device_id);
  add("X-Guichet-Secret: " + endpoint_.device_secret);
  add("Accept: text/event-stream");
  add("Cache-Control: no-cache");
  if (last_id_.load() > 0) add("Last-Event-ID: " + std::to_string(last_id_.load()));

  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  // The server's keep-alive comments count as traffic; a silent connection is a dead one.
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                   std::max<long>(1, static_cast<long>(options_.idle_timeout.count() / 1000)));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &conn);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &conn);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);

  curl_multi_add_handle(multi, easy);
  CURLcode result = CURLE_OK;
  bool finished = false;
  while (!stop_ && !finished) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
        result = msg->data.result;
        finished = true;
      }
    }
    if (finished || running == 0) break;
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  curl_multi_remove_handle(multi, easy);
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);

  if (stop_) return "stopped";
  if (conn.status != 0 && conn.status != 200) {
    HttpResponse r;
    r.status = static_cast<int>(conn.status);
    r.body = conn.error_body;
    return "the server refused the live feed: " + r.error_message();
  }
  if (result != CURLE_OK) return std::string("live feed: ") + (errbuf[0] ? errbuf : curl_easy_strerror(result));
  return "the server closed the live feed";
}

}  // namespace guichet::sync
