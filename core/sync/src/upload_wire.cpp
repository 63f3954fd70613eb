#include "guichet/sync/upload_wire.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace guichet::sync::wire {
namespace {

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_field(std::string& out, const char* name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

// Whether one of the eight bytes in `w` is below 0x20, '"' or '\\' (exact as a whole; the classic
// bit tricks "has a zero byte" and "has a byte less than n").
bool needs_escape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

// Thrown inside the parse below when a value is not what the protocol says (reported as an error).
struct Malformed {
  std::string what;
};

template <class T>
T take(simdjson::simdjson_result<T>&& r, const std::string& where) {
  T value;
  if (const auto ec = std::move(r).get(value); ec) throw Malformed{where + ": " + simdjson::error_message(ec)};
  return value;
}

// A result's body as text: a string as its value, anything else as the server wrote it.
std::string body_text(simdjson::ondemand::value v, const std::string& where) {
  switch (take(v.type(), where)) {
    case simdjson::ondemand::json_type::string:
      return std::string(take(v.get_string(), where));
    case simdjson::ondemand::json_type::object:
      return std::string(take(take(v.get_object(), where).raw_json(), where));
    case simdjson::ondemand::json_type::array:
      return std::string(take(take(v.get_array(), where).raw_json(), where));
    default: {
      std::string_view token = v.raw_json_token();
      while (!token.empty() &&
             (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      return std::string(token);
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Written in place into room for the worst case (every byte as \u00XX), then trimmed: JSON
  // bodies have many quotes to escape, and appending each piece would cost more than the copy.
  const std::size_t start = out.size();
  out.resize(start + 2 + 6 * s.size());
  char* p = out.data() + start;
  *p++ = '"';
  const char* in = s.data();
  const char* const end = in + s.size();
  while (in < end) {
    // Eight bytes at a time while none of them needs escaping.
    if (end - in >= 8) {
      std::uint64_t w;
      std::memcpy(&w, in, 8);
      if (!needs_escape(w)) {
        std::memcpy(p, in, 8);
        p += 8;
        in += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(*in++);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
        *p++ = '"';
        break;
      case '\\':
        *p++ = '\\';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      default:
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 15];
    }
  }
  *p++ = '"';
  out.resize(static_cast<std::size_t>(p - out.data()));
}

std::string upload_body(const std::vector<OutboxEntry>& entries) {
  std::size_t size = 64;
  // Room for the worst case of the last string escaped (see append_json_string) on top.
  std::size_t longest = 0;
  for (const OutboxEntry& e : entries) {
    size += e.body.size() + e.body.size() / 4 + e.path.size() + e.bearer.size() + 160;
    longest = std::max(longest, e.body.size());
  }
  size += 6 * longest;
  std::string out;
  out.reserve(size);
  out += "{\"protocol\":";
  append_int(out, kProtocolVersion);
  out += ",\"entries\":[";
  bool first = true;
  for (const OutboxEntry& e : entries) {
    if (!first) out += ',';
    first = false;
    out += "{\"seq\":";
    append_int(out, e.seq);
    append_field(out, "kind", e.kind);
    append_field(out, "hlc", domain::format_hlc(e.hlc));
    append_field(out, "method", e.method);
    append_field(out, "path", e.path);
    append_field(out, "body", e.body);
    if (!e.bearer.empty()) append_field(out, "bearer", e.bearer);
    out += '}';
  }
  out += "]}";
  return out;
}

bool parse_upload_answer(std::string& body, const std::vector<OutboxEntry>& sent, UploadAnswer& out,
                         std::string& error) {
  out = UploadAnswer{};
  const std::size_t length = body.size();
  body.reserve(length + simdjson::SIMDJSON_PADDING);
  // One parser per thread (each sync engine has its own): its buffers are reused batch after batch.
  thread_local simdjson::ondemand::parser parser;
  try {
    auto doc = take(parser.iterate(simdjson::padded_string_view(body.data(), length, body.capacity())), "the answer");
    auto root = take(doc.get_object(), "the answer");
    bool saw_results = false;
    bool collecting = true;  // false once a result does not match the entries sent, or is not final
    std::size_t next = 0;
    for (auto field : root) {
      const std::string_view key = take(field.unescaped_key(), "the answer");
      if (key == "results") {
        saw_results = true;
        auto results = take(field.value().get_array(), "the answer's results");
        std::size_t index = 0;
        for (auto item : results) {
          const std::string where = "results[" + std::to_string(index++) + "]";
          auto value = take(std::move(item), where);
          if (!collecting) continue;  // skipped, still read through: a damaged answer is refused whole
          if (take(value.type(), where) != simdjson::ondemand::json_type::object || next >= sent.size()) {
            collecting = false;
            continue;
          }
          auto result = take(value.get_object(), where);
          std::int64_t seq = 0;
          int status = 0;
          std::optional<std::string> text;
          bool usable = true;
          for (auto member : result) {
            const std::string_view name = take(member.unescaped_key(), where);
            auto v = take(member.value(), where + "." + std::string(name));
            if (name == "seq" || name == "status") {
              std::int64_t n = 0;
              if (v.get_int64().get(n)) {
                usable = false;
                continue;
              }
              if (name == "seq") {
                seq = n;
              } else {
                status = static_cast<int>(n);
              }
            } else if (name == "body") {
              text = body_text(v, where + ".body");
            }
          }
          if (!usable || seq != sent[next].seq) {
            collecting = false;
            continue;
          }
          HttpResponse one;
          one.status = status;
          if (one.transient()) {
            out.unanswered_seq = seq;
            out.unanswered_status = status;
            collecting = false;
            continue;
          }
          out.answers.push_back(Outbox::Answer{seq, status, text ? std::move(*text) : std::string("null")});
          ++next;
        }
      } else if (key == "server_hlc") {
        auto v = take(field.value(), "the answer's server_hlc");
        std::string_view text;
        if (!v.get_string().get(text)) {
          domain::HlcTime t;
          std::string why;
          if (domain::parse_hlc(text, t, why)) out.server_hlc = t;
        }
      }
    }
    if (!saw_results) throw Malformed{"it has no results"};
  } catch (const Malformed& m) {
    out = UploadAnswer{};
    error = "the server's answer to an upload was not understood (" + m.what + ")";
    return false;
  }
  return true;
}

}  // namespace guichet::sync::wire
