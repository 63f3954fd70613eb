// HTTP/1.1 transport on Boost.Beast/Asio: keeps connections alive, limits bodies to 64 KiB,
// answers through Api, and streams the live feed (server-sent events) from EventFeed. Beast stays
// inside http_server.cpp; this header is plain C++.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "guichet/server/api.hpp"

namespace guichet::server {

struct HttpOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;                       // 0 = any free port (see port())
  int threads = 0;                              // 0 = one per core
  std::chrono::milliseconds keep_alive{15000};  // comment line on idle feeds
  std::chrono::seconds idle_timeout{60};        // an idle keep-alive connection is closed after this
  bool log_requests = false;
};

// The status line and headers of an answer, into `out` (cleared first), exactly as Beast would
// serialize them for this response (Server, Content-Type, Cache-Control, the answer's own headers
// replacing any of the same name, Connection, Content-Length). The body follows as it is.
void write_answer_head(const Response& r, unsigned version, bool keep_alive, std::string& out);

class HttpServer {
 public:
  // Binds and listens; throws std::runtime_error saying what failed.
  HttpServer(Api& api, HttpOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // From now on SIGINT and SIGTERM stop the server (once run() is running; a signal that comes
  // earlier waits for it) instead of killing the process. Call it before telling anyone the
  // server is there (the port file): a supervisor may stop it at once.
  void stop_on_signals();
  // Serves until stop() or SIGINT/SIGTERM (when stop_on_signals), on options.threads threads.
  void run(bool stop_on_signals = true);
  void stop();  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace guichet::server
