// HTTP requests and responses as plain values, so the whole API can be driven without sockets.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guichet::server {

struct Request {
  std::string method;                                        // "GET", "POST", "DELETE"
  std::string target;                                        // path and query, "/api/v1/queue?counter=C1"
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // the client's network address, "" when unknown (tests)

  // The header's value, or an empty view when absent (`name` in lower case).
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  Request& with_header(std::string name, std::string value);
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const nlohmann::json& body);
  static Response json_text(int status, std::string body);
  // {"error":{"code":…,"message":…}}
  static Response error(int status, const std::string& code, const std::string& message);
  std::string_view header(std::string_view name) const;
};

using Respond = std::function<void(Response)>;

}  // namespace guichet::server
