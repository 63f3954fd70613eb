#include "guichet/server/message.hpp"

#include <algorithm>
#include <cctype>

namespace guichet::server {
namespace {

// Header names are ASCII: comparing them needs no locale (std::tolower is a call per character,
// and every request looks up several headers).
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

bool Request::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [name](const auto& h) { return iequals(h.first, name); });
}

Request& Request::with_header(std::string name, std::string value) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response Response::json(int status, const nlohmann::json& body) { return json_text(status, body.dump()); }

Response Response::json_text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::error(int status, const std::string& code, const std::string& message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  // Messages may quote what a client sent; replacing invalid UTF-8 keeps the answer well-formed.
  return json_text(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

}  // namespace guichet::server
