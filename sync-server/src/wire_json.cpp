#include "guichet/server/wire_json.hpp"

#include <charconv>
#include <chrono>

namespace guichet::server {
namespace {

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}

void append_optional_time(std::string& out, const std::optional<domain::Instant>& t, int offset) {
  if (t) {
    append_iso_local(out, *t, offset);
  } else {
    out += "null";
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  // Runs of characters that need no escape are appended whole: most strings are one run.
  static const char* hex = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[(c >> 4) & 0xf];
        out += hex[c & 0xf];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// The same text as domain::format_iso_local: "2026-11-23T09:05:00+05:30", milliseconds only when
// present.
void append_iso_local(std::string& out, domain::Instant t, int utc_offset_minutes) {
  using namespace std::chrono;
  const auto local = t + minutes{utc_offset_minutes};
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const auto ms_of_day = (local - day).count();
  const int year = static_cast<int>(ymd.year());
  out += '"';
  if (year >= 0 && year <= 9999) {
    out += static_cast<char>('0' + year / 1000);
    out += static_cast<char>('0' + year / 100 % 10);
    append_2(out, static_cast<unsigned>(year % 100));
  } else {
    append_int(out, year);
  }
  out += '-';
  append_2(out, static_cast<unsigned>(ymd.month()));
  out += '-';
  append_2(out, static_cast<unsigned>(ymd.day()));
  out += 'T';
  append_2(out, static_cast<unsigned>(ms_of_day / 3'600'000));
  out += ':';
  append_2(out, static_cast<unsigned>(ms_of_day / 60'000 % 60));
  out += ':';
  append_2(out, static_cast<unsigned>(ms_of_day / 1000 % 60));
  if (const auto ms = static_cast<unsigned>(ms_of_day % 1000); ms != 0) {
    out += '.';
    out += static_cast<char>('0' + ms / 100);
    append_2(out, ms % 100);
  }
  const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  out += utc_offset_minutes < 0 ? '-' : '+';
  append_2(out, static_cast<unsigned>(off / 60));
  out += ':';
  append_2(out, static_cast<unsigned>(off % 60));
  out += '"';
}

// Keys in the order nlohmann::json keeps them (sorted), so the text equals to_json(t).dump().
void append_token_json(std::string& out, const domain::Token& t, int offset) {
  out += "{\"business_day\":";
  append_json_string(out, t.business_day);
  out += ",\"called_at\":";
  append_optional_time(out, t.called_at, offset);
  out += ",\"carried_over\":";
  out += t.carried_over ? "true" : "false";
  out += ",\"counter\":";
  append_json_string(out, t.counter);
  out += ",\"display\":";
  append_json_string(out, t.display_number());
  out += ",\"finished_at\":";
  append_optional_time(out, t.finished_at, offset);
  out += ",\"id\":";
  append_json_string(out, t.id);
  out += ",\"issued_at\":";
  append_iso_local(out, t.issued_at, offset);
  out += ",\"issued_by\":";
  append_json_string(out, t.issued_by);
  out += ",\"language\":";
  append_json_string(out, t.language);
  out += ",\"number\":";
  append_int(out, t.number);
  out += ",\"prefix\":";
  append_json_string(out, t.prefix);
  out += ",\"priority\":";
  append_json_string(out, t.priority);
  out += ",\"recalls\":";
  append_int(out, t.recalls);
  out += ",\"service\":";
  append_json_string(out, t.service);
  out += ",\"spoken\":";
  append_json_string(out, t.spoken_number());
  out += ",\"started_at\":";
  append_optional_time(out, t.started_at, offset);
  out += ",\"state\":";
  append_json_string(out, domain::to_string(t.state));
  out += ",\"target_counter\":";
  append_json_string(out, t.target_counter);
  out += '}';
}

void append_event_json(std::string& out, const sync::WireEvent& w, int offset) {
  const domain::QueueEvent& e = w.event;
  out += "{\"actor\":";
  append_json_string(out, e.actor);
  out += ",\"at\":";
  append_iso_local(out, e.at, offset);
  out += ",\"counter\":";
  append_json_string(out, e.counter);
  out += ",\"counter_number\":";
  append_int(out, w.counter_number);
  out += ",\"explanation\":";
  append_json_string(out, e.explanation);
  out += ",\"reason\":";
  if (e.reason) {
    append_json_string(out, domain::to_string(*e.reason));
  } else {
    out += "null";
  }
  out += ",\"seq\":";
  append_int(out, w.seq);
  out += ",\"token\":";
  if (e.token.id.empty()) {
    out += "null";
  } else {
    append_token_json(out, e.token, offset);
  }
  out += ",\"type\":";
  append_json_string(out, domain::to_string(e.type));
  out += '}';
}

std::string token_json(const domain::Token& t, int offset) {
  std::string out;
  out.reserve(512);
  append_token_json(out, t, offset);
  return out;
}

std::string event_json(const sync::WireEvent& e, int offset) {
  std::string out;
  out.reserve(768);
  append_event_json(out, e, offset);
  return out;
}

}  // namespace guichet::server
