// The server writes each answer's status line and headers itself instead of through Beast's
// serializer: they must be byte for byte what Beast would have written for the same response.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <sstream>
#include <string>

#include "guichet/server/http_server.hpp"

namespace guichet::server {
namespace {

namespace http = boost::beast::http;

// How the server built its answers with Beast before writing them itself.
std::string beast_text(Response r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "guichet-server");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string own_text(const Response& r, unsigned version, bool keep_alive) {
  std::string head = "left over from the previous answer";
  write_answer_head(r, version, keep_alive, head);
  return head + r.body;
}

void expect_same(const Response& r) {
  for (unsigned version : {10u, 11u}) {
    for (bool keep_alive : {true, false}) {
      EXPECT_EQ(own_text(r, version, keep_alive), beast_text(r, version, keep_alive))
          << "status " << r.status << ", HTTP/" << version / 10 << "." << version % 10
          << (keep_alive ? ", kept alive" : ", closed");
    }
  }
}

TEST(AnswerHead, IsWhatBeastWouldWrite) {
  expect_same(Response::json_text(200, R"({"event":{"seq":1}})"));
  expect_same(Response::json_text(201, "{}"));
  expect_same(Response::error(404, "not_found", "there is no /x on this server"));
  Response yaml = Response::json_text(200, "openapi: 3.0.3\n");
  yaml.content_type = "application/yaml";
  expect_same(yaml);
  Response replayed = Response::json_text(201, R"({"token":{}})");
  replayed.headers.emplace_back("Idempotent-Replayed", "true");
  expect_same(replayed);
  Response not_allowed = Response::error(405, "method_not_allowed", "GET is not allowed");
  not_allowed.headers.emplace_back("Allow", "POST, DELETE");
  expect_same(not_allowed);
  Response throttled = Response::error(429, "too_many_attempts", "wait");
  throttled.headers.emplace_back("Retry-After", "30");
  expect_same(throttled);
  // A header the server always sets, given again by the answer: the answer's value, in its place.
  Response secret = Response::json_text(201, R"({"secret":"s"})");
  secret.headers.emplace_back("Cache-Control", "no-store");
  expect_same(secret);
  Response lower = Response::json_text(200, "{}");
  lower.headers.emplace_back("content-type", "text/plain");
  expect_same(lower);
  // A status Beast knows no reason for, and one that never carries a body.
  expect_same(Response::json_text(599, "{}"));
  Response empty = Response::json_text(204, "");
  expect_same(empty);
}

}  // namespace
}  // namespace guichet::server
