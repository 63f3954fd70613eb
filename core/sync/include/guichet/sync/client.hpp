// Terminal side of the protocol: an HTTP client for the centre server (libcurl), the terminal's
// outbox (every write goes to local SQLite first, with an idempotency key), a sync engine that
// drains the outbox in the background with backoff, and a live-feed (SSE) reader.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "guichet/store/sqlite.hpp"
#include "guichet/sync/protocol.hpp"

namespace guichet::sync {

struct ServerEndpoint {
  std::string base_url;  // "http://127.0.0.1:8080"
  std::string device_id;
  std::string device_secret;
};

struct HttpResponse {
  int status = 0;          // 0 = no response (connection refused, timeout, …)
  std::string body;
  std::string transport_error;  // set when status == 0
  bool ok() const { return status >= 200 && status < 300; }
  // The server's error message from {"error":{"message":…}}, or a transport description.
  std::string error_message() const;
};

struct RequestOptions {
  std::string idempotency_key;  // "device:seq" for writes
  std::string bearer;           // operator session
  std::chrono::milliseconds timeout{3000};
};

// One blocking HTTP/1.1 client (keeps its connection alive). Not thread-safe: one per thread.
class ApiClient {
 public:
  explicit ApiClient(ServerEndpoint endpoint);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  HttpResponse get(const std::string& path, const RequestOptions& options = {});
  HttpResponse post(const std::string& path, const json& body, const RequestOptions& options = {});
  HttpResponse del(const std::string& path, const RequestOptions& options = {});
  const ServerEndpoint& endpoint() const { return endpoint_; }

 private:
  HttpResponse perform(const std::string& method, const std::string& path, const std::string* body,
                       const RequestOptions& options);
  ServerEndpoint endpoint_;
  void* curl_ = nullptr;
};

enum class OutboxState { Pending, Done, Failed };

struct OutboxEntry {
  std::int64_t seq = 0;  // per-device sequence; idempotency key is "device:seq"
  std::string method;    // "POST"
  std::string path;      // "/api/v1/tokens"
  std::string body;      // JSON text
  std::string bearer;    // operator session at the time of the action (may be empty)
  std::int64_t created_ms = 0;
  OutboxState state = OutboxState::Pending;
  int attempts = 0;
  int response_status = 0;
  std::string response_body;
};

// The terminal's outbox in its SQLite file. Entries are durable before they are sent; they leave
// the Pending state only when the server answered (2xx → Done, 4xx → Failed: refused for good).
class Outbox {
 public:
  Outbox(const std::string& db_path, std::string device_id);
  const std::string& device_id() const { return device_id_; }
  std::string idempotency_key(std::int64_t seq) const { return device_id_ + ":" + std::to_string(seq); }

  OutboxEntry append(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& bearer, std::int64_t now_ms);
  std::vector<OutboxEntry> pending(int limit = 100);
  std::optional<OutboxEntry> get(std::int64_t seq);
  void complete(std::int64_t seq, int status, const std::string& body);  // Done or Failed by status
  void record_attempt(std::int64_t seq);
  std::int64_t pending_count();

 private:
  std::unique_ptr<store::Db> db_;
  std::string device_id_;
  std::mutex mu_;
};

// Drains the outbox on its own thread: sends each pending entry with its idempotency key, retries
// transport failures and 5xx with exponential backoff (capped), never waits for a new local write.
class SyncEngine {
 public:
  using Completion = std::function<void(const OutboxEntry&)>;  // called on the engine's thread

  SyncEngine(Outbox& outbox, ServerEndpoint endpoint);
  ~SyncEngine();
  void start();
  void stop();

  // Writes the action to the outbox (durable), wakes the engine, returns the entry.
  OutboxEntry submit(const std::string& method, const std::string& path, const json& body,
                     const std::string& bearer = {});
  // Like submit, then waits up to `timeout` for the server's answer. If the server is not
  // reachable in time the entry stays in the outbox and is sent later; the result says so.
  OutboxEntry submit_and_wait(const std::string& method, const std::string& path, const json& body,
                              const std::string& bearer, std::chrono::milliseconds timeout);

  void on_complete(Completion callback);
  bool online() const { return online_.load(); }
  std::int64_t backlog() { return outbox_.pending_count(); }

 private:
  void run();
  Outbox& outbox_;
  ServerEndpoint endpoint_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::atomic<bool> online_{false};
  std::vector<Completion> callbacks_;
  std::condition_variable done_cv_;
};

// Reads the server's live feed (GET /api/v1/events) on its own thread and reconnects with
// Last-Event-ID after any failure, so no event is missed.
class EventStream {
 public:
  using Handler = std::function<void(const WireEvent&)>;  // called on the stream's thread
  EventStream(ServerEndpoint endpoint, Handler handler, std::uint64_t last_event_id = 0);
  ~EventStream();
  void start();
  void stop();
  bool connected() const { return connected_.load(); }
  std::uint64_t last_event_id() const { return last_id_.load(); }

 private:
  void run();
  ServerEndpoint endpoint_;
  Handler handler_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> last_id_{0};
};

}  // namespace guichet::sync
