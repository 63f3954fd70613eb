// How the client reads the server's answers: error bodies, and which failures are retried.
#include <gtest/gtest.h>

#include "guichet/sync/client.hpp"

using guichet::sync::HttpResponse;

namespace {

HttpResponse make(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(HttpResponse, ServerErrorBodyGivesMessageAndCode) {
  auto r = make(429, R"({"error":{"code":"too_many_attempts","message":"Wrong PIN. Try again in 30 s."}})");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_message(), "Wrong PIN. Try again in 30 s.");
  EXPECT_EQ(r.error_code(), "too_many_attempts");
}

TEST(HttpResponse, BodyWithoutErrorObjectFallsBackToTheStatus) {
  auto r = make(502, "<html>bad gateway</html>");
  EXPECT_EQ(r.error_message(), "the server answered HTTP 502");
  EXPECT_EQ(r.error_code(), "");
  auto odd = make(400, R"({"error":"flat string"})");
  EXPECT_EQ(odd.error_message(), "the server answered HTTP 400");
}

TEST(HttpResponse, NoAnswerReportsTheTransportError) {
  HttpResponse r;
  r.transport_error = "POST /x: Connection refused";
  EXPECT_EQ(r.error_message(), "POST /x: Connection refused");
  EXPECT_EQ(HttpResponse{}.error_message(), "no response from the server");
}

TEST(HttpResponse, SuccessHasNoErrorMessage) {
  auto r = make(201, R"({"token":{}})");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.error_message(), "");
}

TEST(HttpResponse, WhatIsRetriedAndWhatIsFinal) {
  EXPECT_TRUE(make(0, "").transient());
  EXPECT_TRUE(make(500, "").transient());
  EXPECT_TRUE(make(503, "").transient());
  EXPECT_TRUE(make(408, "").transient());
  EXPECT_FALSE(make(408, "").refused());
  for (int s : {400, 401, 403, 404, 409, 413, 429}) {
    EXPECT_TRUE(make(s, "").refused()) << s;
    EXPECT_FALSE(make(s, "").transient()) << s;
  }
  EXPECT_FALSE(make(200, "").transient());
  EXPECT_FALSE(make(200, "").refused());
}

}  // namespace
