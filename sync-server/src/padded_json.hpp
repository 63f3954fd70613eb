// simdjson's parse of a request's JSON text (sync path: upload batches and the filings in them).
// simdjson reads a few bytes past the end of the text: a string with room for them is parsed in
// place, any other is first copied into this thread's padded buffer (kept for the next one).
#pragma once

#include <simdjson.h>

#include <string>

namespace guichet::server::detail {

inline simdjson::simdjson_result<simdjson::dom::element> parse_padded(simdjson::dom::parser& parser,
                                                                      const std::string& text) {
  if (text.capacity() >= text.size() + simdjson::SIMDJSON_PADDING) {
    return parser.parse(text.data(), text.size(), false);
  }
  thread_local std::string padded;
  padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(text);
  return parser.parse(padded.data(), padded.size(), false);
}

// A copy of `s` with room for the padding, so that it is parsed in place later.
inline std::string padded_copy(std::string_view s) {
  std::string out;
  out.reserve(s.size() + simdjson::SIMDJSON_PADDING);
  out.assign(s);
  return out;
}

}  // namespace guichet::server::detail
