// Reading a body of known length straight into the message (body_by_length.hpp), as the server
// reads an upload batch and the sync client an answer: the body's start taken from what the
// header's read buffered, exactly the rest read from the socket, whatever follows left unread,
// and an early end of the peer's sending reported as a message cut short.
#include "guichet/sync/body_by_length.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using guichet::sync::body_read_result;
using guichet::sync::start_body_by_length;

void put(beast::flat_buffer& buffer, const std::string& text) {
  auto room = buffer.prepare(text.size());
  asio::buffer_copy(room, asio::buffer(text));
  buffer.commit(text.size());
}

std::string text_of(const beast::flat_buffer& buffer) {
  return std::string(static_cast<const char*>(buffer.data().data()), buffer.size());
}

TEST(BodyByLength, TheBufferedStartIsTakenAndOnlyTheRestIsLeftToRead) {
  beast::flat_buffer buffer;
  put(buffer, "{\"entries\":");
  std::string body = "left over from an earlier request";
  auto rest = start_body_by_length(body, 20, buffer);
  EXPECT_EQ(body.size(), 20u);
  EXPECT_EQ(body.substr(0, 11), "{\"entries\":");
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(rest.size(), 9u);
  EXPECT_EQ(static_cast<char*>(rest.data()), body.data() + 11);
}

TEST(BodyByLength, WhatFollowsTheBodyInTheBufferStaysThereForTheNextRequest) {
  beast::flat_buffer buffer;
  put(buffer, "[1,2,3]GET /api/v1/health HTTP/1.1\r\n\r\n");
  std::string body;
  auto rest = start_body_by_length(body, 7, buffer);
  EXPECT_EQ(body, "[1,2,3]");
  EXPECT_EQ(rest.size(), 0u);
  EXPECT_EQ(text_of(buffer), "GET /api/v1/health HTTP/1.1\r\n\r\n");
}

TEST(BodyByLength, NothingBufferedMeansTheWholeBodyIsReadFromTheSocket) {
  beast::flat_buffer buffer;
  std::string body;
  auto rest = start_body_by_length(body, 5, buffer);
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(rest.size(), 5u);
  EXPECT_EQ(static_cast<char*>(rest.data()), body.data());
  std::string empty_body = "x";
  EXPECT_EQ(start_body_by_length(empty_body, 0, buffer).size(), 0u);
  EXPECT_EQ(empty_body, "");
}

// Two connected sockets: `a` sends, `b` reads.
struct SocketPair {
  SocketPair() { asio::local::connect_pair(a, b); }
  asio::io_context io;
  asio::local::stream_protocol::socket a{io}, b{io};
};

// Over a real socket pair: the rest arrives in pieces, and the bytes after it are not taken.
TEST(BodyByLength, TheRestIsReadExactlyFromTheSocketAndTheNextMessageStaysUnread) {
  SocketPair pair;
  auto& a = pair.a;
  auto& b = pair.b;
  beast::flat_buffer buffer;
  put(buffer, "hello, ");
  std::string body;
  auto rest = start_body_by_length(body, 12, buffer);
  asio::write(a, asio::buffer(std::string("wor")));
  asio::write(a, asio::buffer(std::string("ldNEXT")));
  boost::system::error_code ec;
  const std::size_t n = asio::read(b, rest, ec);
  EXPECT_EQ(body_read_result(ec), boost::system::error_code());
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(body, "hello, world");
  std::string next(4, '\0');
  asio::read(b, asio::buffer(next));
  EXPECT_EQ(next, "NEXT");
}

TEST(BodyByLength, AnEarlyEndOfSendingIsAMessageCutShortNotAShortBody) {
  SocketPair pair;
  auto& a = pair.a;
  auto& b = pair.b;
  beast::flat_buffer buffer;
  std::string body;
  auto rest = start_body_by_length(body, 10, buffer);
  asio::write(a, asio::buffer(std::string("half")));
  a.shutdown(asio::socket_base::shutdown_send);
  boost::system::error_code ec;
  asio::read(b, rest, ec);
  EXPECT_EQ(body_read_result(ec), beast::error_code(beast::http::error::partial_message));
  // Other failures are passed on as they are.
  EXPECT_EQ(body_read_result(asio::error::connection_reset), beast::error_code(asio::error::connection_reset));
}

}  // namespace
