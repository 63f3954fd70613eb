#pragma once
// Reading an HTTP body of known length straight into the message, shared by the server (an upload
// batch, up to 4 MiB) and the sync client (an upload's answer, hundreds of kB).
//
// Beast's reader takes a body 64 KiB at a time into the connection's buffer and copies each piece
// into the body, re-arming the timeout for each read. Here what was read past the header is the
// body's start, and exactly the rest is read from the socket into the body itself, so whatever
// follows the body (a next request on the connection) stays unread.
//
// Header only; the includer links Boost's headers (asio, beast).
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <string>

namespace guichet::sync {

// Sizes `body` to `length`, moves the body's start from `buffer` (what the header's read took
// past the header, never more than the body) into it, and returns the part of `body` still to
// be read from the socket (empty when the buffer held it all).
template <class DynamicBuffer>
boost::asio::mutable_buffer start_body_by_length(std::string& body, std::size_t length, DynamicBuffer& buffer) {
  const std::size_t have = std::min(buffer.size(), length);
  // One contiguous piece: Beast's flat_buffer, which both ends use, is always contiguous.
  body.assign(static_cast<const char*>(buffer.data().data()), have);
  buffer.consume(have);
  body.resize(length);
  return boost::asio::buffer(body.data() + have, length - have);
}

// The outcome of reading the rest: the peer's end of sending before the whole body arrived is a
// message cut short, reported as Beast reports it ("partial message"), never a short body.
inline boost::beast::error_code body_read_result(const boost::beast::error_code& ec) {
  return ec == boost::asio::error::eof ? boost::beast::error_code(boost::beast::http::error::partial_message) : ec;
}

}  // namespace guichet::sync
