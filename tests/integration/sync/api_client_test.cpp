// ApiClient against a real HTTP server on loopback: credentials and keys on the wire, one kept-alive
// connection, timeouts and refused connections reported as values.
#include <gtest/gtest.h>

#include <chrono>

#include "guichet/sync/client.hpp"
#include "loopback_server.hpp"

using guichet::sync::ApiClient;
using guichet::sync::RequestOptions;
using guichet::sync::ServerEndpoint;
using guichet::testing::LoopbackServer;
using guichet::testing::LoopbackState;

namespace {

ServerEndpoint endpoint_for(const LoopbackServer& server, const LoopbackState& state) {
  return {server.url(), state.device, state.secret};
}

// Requests 1…n: bodies {"n":i} under the keys T1:i.
struct Numbered {
  explicit Numbered(std::size_t n) {
    for (std::size_t i = 1; i <= n; ++i) {
      body.push_back(R"({"n":)" + std::to_string(i) + "}");
      options.emplace_back().idempotency_key = "T1:" + std::to_string(i);
    }
  }
  std::vector<std::string> body;
  std::vector<RequestOptions> options;
};

// The server goes away and comes back on the same port: a client's kept connection is dead.
void restart_on_its_port(std::unique_ptr<LoopbackServer>& server, const std::shared_ptr<LoopbackState>& state) {
  const auto port = server->port();
  server.reset();
  server = std::make_unique<LoopbackServer>(state, port);
}

TEST(ApiClient, SendsDeviceCredentialsSessionAndIdempotencyKey) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  RequestOptions options;
  options.bearer = "session-123";
  options.idempotency_key = "T1:77";
  auto r = client.post("/api/v1/anything", {{"service", "birth-certificate"}}, options);
  ASSERT_EQ(r.status, 201) << r.error_message();
  std::map<std::string, std::string> headers;
  {
    std::lock_guard lock(state->mu);
    headers = state->last_headers;
  }
  EXPECT_EQ(headers["x-guichet-device"], "T1");
  EXPECT_EQ(headers["x-guichet-secret"], state->secret);
  EXPECT_EQ(headers["authorization"], "Bearer session-123");
  EXPECT_EQ(headers["idempotency-key"], "T1:77");
  EXPECT_EQ(headers["content-type"], "application/json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["body"]["service"], "birth-certificate");
}

TEST(ApiClient, WrongSecretGivesTheServersMessage) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client({server.url(), "T1", "not-the-secret"});
  auto r = client.get("/headers");
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.refused());
  EXPECT_EQ(r.error_message(), "unknown device or wrong secret");
  EXPECT_EQ(r.error_code(), "unauthorized");
}

TEST(ApiClient, KeepsOneConnectionForManyRequests) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  for (int i = 0; i < 20; ++i) {
    RequestOptions options;
    options.idempotency_key = "T1:" + std::to_string(i + 1);
    auto r = i % 2 ? client.get("/headers") : client.post("/api/v1/x", nlohmann::json::object(), options);
    ASSERT_TRUE(r.ok()) << r.error_message();
  }
  EXPECT_EQ(state->connections_made(), 1);
}

// A batch of most of a megabyte (the test server takes 1 MB) goes out whole and its answer (the
// server echoes it back) comes in whole, read by its Content-Length; the connection stays open.
TEST(ApiClient, ALargeBodyAndItsLargeAnswerArriveWholeOnTheKeptConnection) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  nlohmann::json batch = nlohmann::json::array();
  for (int i = 0; i < 2000; ++i)
    batch.push_back({{"seq", i}, {"text", std::string(400, static_cast<char>('a' + i % 26))}});
  RequestOptions options;
  options.idempotency_key = "T1:1";
  auto r = client.send("POST", "/api/v1/sync/upload", batch.dump(), options);
  ASSERT_EQ(r.status, 201) << r.error_message();
  ASSERT_GT(r.body.size(), 800'000u);
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], batch);
  ASSERT_TRUE(client.get("/headers").ok());
  EXPECT_EQ(state->connections_made(), 1);
}

// An answer whose body ends before its Content-Length is a transport error, never a short answer.
TEST(ApiClient, AnAnswerCutShortIsATransportErrorNotAnAnswer) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  state->cut_next = 1;
  RequestOptions options;
  options.idempotency_key = "T1:1";
  const std::string body = std::string(R"({"text":")") + std::string(200000, 'x') + "\"}";
  auto r = client.send("POST", "/api/v1/x", body, options);
  EXPECT_EQ(r.status, 0) << r.body.size();
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(r.transport_error.find("partial message"), std::string::npos) << r.transport_error;
  EXPECT_FALSE(r.unreachable) << "the answer had begun: the server was reached";
  // The next request opens a new connection and gets the stored answer.
  auto again = client.send("POST", "/api/v1/x", body, options);
  ASSERT_EQ(again.status, 201) << again.error_message();
  EXPECT_GT(again.body.size(), 200000u);
}

// The kept-alive connection dies with the server; the next request opens a new one to the server
// that came back on the same port, instead of failing on the dead connection.
TEST(ApiClient, ReconnectsWhenTheKeptConnectionWasClosed) {
  auto state = std::make_shared<LoopbackState>();
  auto server = std::make_unique<LoopbackServer>(state);
  ApiClient client(endpoint_for(*server, *state));
  ASSERT_TRUE(client.get("/headers").ok());
  restart_on_its_port(server, state);
  auto r = client.get("/headers");
  ASSERT_TRUE(r.ok()) << r.error_message();
  EXPECT_EQ(state->connections_made(), 2);
}

// Pipelining: requests begun one behind another go out on the one kept connection without
// waiting, and their answers come back in the order they were sent.
TEST(ApiClient, PipelinedRequestsAreAnsweredInTheOrderSentOnOneConnection) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  std::vector<std::string> bodies;
  for (int i = 1; i <= 3; ++i)
    bodies.push_back(R"({"n":)" + std::to_string(i) + R"(,"text":")" + std::string(150000, 'x') + "\"}");
  for (int i = 1; i <= 3; ++i) {
    RequestOptions options;
    options.idempotency_key = "T1:" + std::to_string(i);
    client.begin("POST", "/api/v1/x", bodies[static_cast<std::size_t>(i - 1)], options);
  }
  EXPECT_EQ(client.outstanding(), 3u);
  for (int i = 1; i <= 3; ++i) {
    auto r = client.receive();
    ASSERT_EQ(r.status, 201) << r.error_message();
    EXPECT_EQ(nlohmann::json::parse(r.body)["body"]["n"], i);
  }
  EXPECT_EQ(client.outstanding(), 0u);
  EXPECT_EQ(state->order(), (std::vector<std::string>{"T1:1", "T1:2", "T1:3"}));
  EXPECT_EQ(state->connections_made(), 1);
}

// The connection fails under the first of two pipelined requests: the first says why, the one
// behind it fails too (no answer can come for it), and both sent again are done once each.
TEST(ApiClient, WhenAPipelinedConnectionFailsTheRequestsBehindTheFailedOneFailToo) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  state->drop_next = 1;  // the first is done, then its connection closed without an answer
  const Numbered requests(2);
  for (std::size_t i = 0; i < 2; ++i) client.begin("POST", "/api/v1/x", requests.body[i], requests.options[i]);
  auto r1 = client.receive();
  auto r2 = client.receive();
  EXPECT_EQ(r1.status, 0);
  EXPECT_EQ(r2.status, 0);
  EXPECT_NE(r2.transport_error.find("the connection failed before the answer"), std::string::npos)
      << r2.transport_error;
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(client.send("POST", "/api/v1/x", requests.body[i], requests.options[i]).status, 201);
  }
  EXPECT_EQ(state->effects_for("T1:1"), 1);
  EXPECT_EQ(state->effects_for("T1:2"), 1);
}

// The kept connection died while idle (the server restarted): pipelined requests begun on it are
// sent again on a new connection, in the same order, and answered.
TEST(ApiClient, PipelinedRequestsOnAConnectionClosedWhileIdleAreSentAgainInOrder) {
  auto state = std::make_shared<LoopbackState>();
  auto server = std::make_unique<LoopbackServer>(state);
  ApiClient client(endpoint_for(*server, *state));
  ASSERT_TRUE(client.get("/headers").ok());
  restart_on_its_port(server, state);
  const Numbered requests(2);
  for (std::size_t i = 0; i < 2; ++i) client.begin("POST", "/api/v1/x", requests.body[i], requests.options[i]);
  auto r1 = client.receive();
  ASSERT_EQ(r1.status, 201) << r1.error_message();
  EXPECT_EQ(nlohmann::json::parse(r1.body)["body"]["n"], 1);
  auto r2 = client.receive();
  ASSERT_EQ(r2.status, 201) << r2.error_message();
  EXPECT_EQ(nlohmann::json::parse(r2.body)["body"]["n"], 2);
  EXPECT_EQ(state->order(), (std::vector<std::string>{"T1:1", "T1:2"}));
  EXPECT_EQ(state->connections_made(), 2);
}

TEST(ApiClient, UnsupportedAndMalformedUrlsAreRefusedAsValues) {
  for (const auto& [url, expected] :
       std::vector<std::pair<std::string, std::string>>{{"https://127.0.0.1:8443", "https:// is not supported"},
                                                        {"ftp://127.0.0.1", "must start with http://"},
                                                        {"http://:8080", "needs a host"},
                                                        {"http://127.0.0.1:99999", "port from 1 to 65535"},
                                                        {"http://127.0.0.1:80x", "port from 1 to 65535"}}) {
    ApiClient client(ServerEndpoint{url, "T1", "secret"});
    auto r = client.get("/api/v1/health");
    EXPECT_EQ(r.status, 0) << url;
    EXPECT_NE(r.transport_error.find(expected), std::string::npos) << url << ": " << r.transport_error;
    EXPECT_EQ(r.transport_error.find("secret"), std::string::npos) << "no credentials in messages";
  }
}

TEST(ApiClient, SlowServerIsATimeoutNotAnAnswer) {
  auto state = std::make_shared<LoopbackState>();
  state->delay_next = 1;
  state->delay_ms = 1500;
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  RequestOptions options;
  options.idempotency_key = "T1:1";
  options.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  auto r = client.post("/api/v1/x", nlohmann::json::object(), options);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.transient());
  EXPECT_NE(r.error_message().find("imed out"), std::string::npos) << r.error_message();
  EXPECT_FALSE(r.unreachable) << "the connection took the request";
  EXPECT_LT(took, std::chrono::milliseconds(1000));
  // The same client works for the next request.
  auto again = client.get("/headers");
  EXPECT_TRUE(again.ok()) << again.error_message();
}

TEST(ApiClient, NobodyListeningIsATransportError) {
  std::uint16_t port;
  {
    auto state = std::make_shared<LoopbackState>();
    LoopbackServer server(state);
    port = server.port();
  }
  ApiClient client({"http://127.0.0.1:" + std::to_string(port), "T1", "x"});
  auto r = client.get("/api/v1/health");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.transient());
  EXPECT_TRUE(r.unreachable);
  EXPECT_FALSE(r.transport_error.empty());
  EXPECT_EQ(r.outcome(), "no answer: " + r.transport_error);
}

// A connection made for the request, closed before a byte of the answer (something in the path
// turned it away, or the server went down), is unreachable as a refusal is; the same end on a
// kept-alive connection is sent again on a new one first (ReconnectsWhenTheKeptConnectionWasClosed).
TEST(ApiClient, ANewConnectionClosedBeforeAnyAnswerIsUnreachable) {
  auto state = std::make_shared<LoopbackState>();
  state->drop_next = 1;
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  RequestOptions options;
  options.idempotency_key = "T1:1";
  auto r = client.post("/api/v1/x", nlohmann::json::object(), options);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.unreachable) << r.transport_error;
  auto again = client.post("/api/v1/x", nlohmann::json::object(), options);
  EXPECT_EQ(again.status, 201) << again.error_message();
  EXPECT_FALSE(again.unreachable);
  EXPECT_EQ(again.outcome(), "status 201");
}

TEST(ApiClient, CancelFlagAbandonsARequestInFlight) {
  auto state = std::make_shared<LoopbackState>();
  state->delay_next = 1;
  state->delay_ms = 5000;
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  std::atomic<bool> cancel{false};
  RequestOptions options;
  options.idempotency_key = "T1:1";
  options.timeout = std::chrono::milliseconds(10000);
  options.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto r = client.post("/api/v1/x", nlohmann::json::object(), options);
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.unreachable);
  EXPECT_LT(took, std::chrono::milliseconds(3000));
}

TEST(ApiClient, RetryAfterHeaderIsRead) {
  auto state = std::make_shared<LoopbackState>();
  LoopbackServer server(state);
  ApiClient client(endpoint_for(server, *state));
  auto limited = client.get("/limited");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.retry_after_seconds, 30);
  EXPECT_EQ(limited.error_code(), "too_many_attempts");
  auto plain = client.get("/headers");
  EXPECT_EQ(plain.retry_after_seconds, 0);
}

}  // namespace
