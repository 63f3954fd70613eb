// A real guichet-server process on 127.0.0.1 for integration tests, with its database prepared
// through the program's own commands, and a small libcurl client (plain requests and the
// server-sent event feed).
#pragma once

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "guichet/testing/process.hpp"

namespace guichet::server::itest {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

inline const fs::path kServer = GUICHET_BINARY_DIR "/sync-server/guichet-server";
inline const std::string kDemoCatalogue = GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml";
// Monday morning in Ludhiana: every demo service is open.
inline const std::string kMonday10 = "2026-11-23T10:00:00+05:30";

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string error;
  json json_body() const { return json::parse(body, nullptr, false); }
  std::string error_code() const {
    json j = json_body();
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  std::string error_message() const {
    json j = json_body();
    return j.is_object() && j.contains("error") ? j["error"].value("message", "") : "";
  }
};

namespace detail {
inline std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}
inline std::size_t header_line(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}
}  // namespace detail

struct Credentials {
  std::string device;
  std::string secret;
  std::string bearer;
  std::string key;  // Idempotency-Key
};

inline HttpResult http(const std::string& url, const std::string& method, const Credentials& c = {},
                       const std::string& body = "", std::vector<std::string> extra_headers = {},
                       long timeout_ms = 15000) {
  HttpResult out;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  if (!c.device.empty()) headers = curl_slist_append(headers, ("X-Guichet-Device: " + c.device).c_str());
  if (!c.secret.empty()) headers = curl_slist_append(headers, ("X-Guichet-Secret: " + c.secret).c_str());
  if (!c.bearer.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + c.bearer).c_str());
  if (!c.key.empty()) headers = curl_slist_append(headers, ("Idempotency-Key: " + c.key).c_str());
  // JSON unless the caller gives its own Content-Type (a scanned file's).
  const bool typed = std::any_of(extra_headers.begin(), extra_headers.end(), [](const std::string& h) {
    return h.size() > 13 && (h.compare(0, 13, "Content-Type:") == 0 || h.compare(0, 13, "content-type:") == 0);
  });
  if (!body.empty() && !typed) headers = curl_slist_append(headers, "Content-Type: application/json");
  for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST" || !body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, detail::collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, detail::header_line);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) out.error = curl_easy_strerror(rc);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return out;
}

struct SseEvent {
  std::uint64_t id = 0;
  std::string event;
  json data;
};

// Reads the live feed until `want` events arrived, `timeout` passed, or `stop` is set.
// `on_open` runs once the stream is open (the server's first bytes arrived).
struct SseRead {
  long status = 0;
  std::vector<SseEvent> events;
  int comments = 0;
};

inline SseRead read_feed(const std::string& url, const Credentials& c, std::optional<std::uint64_t> last_event_id,
                         std::size_t want, std::chrono::milliseconds timeout, std::function<void()> on_open = {}) {
  struct State {
    std::string buffer;
    SseRead result;
    std::size_t want;
    bool opened = false;
    std::function<void()> on_open;
  } st;
  st.want = want;
  st.on_open = std::move(on_open);
  auto on_data = +[](char* data, std::size_t size, std::size_t n, void* p) -> std::size_t {
    auto& s = *static_cast<State*>(p);
    if (!s.opened) {
      s.opened = true;
      if (s.on_open) s.on_open();
    }
    s.buffer.append(data, size * n);
    std::size_t end;
    while ((end = s.buffer.find("\n\n")) != std::string::npos) {
      std::string frame = s.buffer.substr(0, end);
      s.buffer.erase(0, end + 2);
      SseEvent e;
      bool has_data = false;
      std::size_t pos = 0;
      while (pos <= frame.size()) {
        std::size_t nl = frame.find('\n', pos);
        std::string line = frame.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.rfind(":", 0) == 0) s.result.comments++;
        if (line.rfind("id: ", 0) == 0) e.id = std::stoull(line.substr(4));
        if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
        if (line.rfind("data: ", 0) == 0) {
          e.data = json::parse(line.substr(6));
          has_data = true;
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      if (has_data) s.result.events.push_back(std::move(e));
    }
    return s.result.events.size() >= s.want ? 0 : size * n;  // 0 ends the transfer
  };
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("X-Guichet-Device: " + c.device).c_str());
  headers = curl_slist_append(headers, ("X-Guichet-Secret: " + c.secret).c_str());
  if (last_event_id) headers = curl_slist_append(headers, ("Last-Event-ID: " + std::to_string(*last_event_id)).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, (url + "/api/v1/events").c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &st.result.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return st.result;
}

// A centre: database prepared with the CLI, server started and stopped by the test.
class CentreServer {
 public:
  explicit CentreServer(std::vector<std::string> extra_args = {}) : extra_(std::move(extra_args)) {
    db_ = dir_ / "centre.db";
    auto init = testing::run(kServer, {"init", "--db", db_.string()});
    EXPECT_EQ(init.status, 0) << init.err;
    for (auto [id, kind] : {std::pair{"K1", "kiosk"},
                            {"K2", "kiosk"},
                            {"D1", "counter"},
                            {"D2", "counter"},
                            {"D3", "counter"},
                            {"B1", "display"}}) {
      fs::path secret_file = dir_ / (std::string(id) + ".secret");
      auto r = testing::run(kServer, {"add-device", "--db", db_.string(), "--id", id, "--kind", kind, "--secret-file",
                                      secret_file.string()});
      EXPECT_EQ(r.status, 0) << r.err;
      secrets_[id] = testing::read_file(secret_file);
      while (!secrets_[id].empty() && secrets_[id].back() == '\n') secrets_[id].pop_back();
    }
    for (auto [id, role, pin] :
         {std::tuple{"op1", "operator", "1234"}, {"op2", "operator", "2345"}, {"mgr", "manager", "9876"}}) {
      auto r = testing::run(
          kServer,
          {"add-operator", "--db", db_.string(), "--id", id, "--name", std::string("Name of ") + id, "--role", role},
          std::string(pin) + "\n");
      EXPECT_EQ(r.status, 0) << r.err;
    }
  }

  void start(const std::string& catalogue = kDemoCatalogue) {
    fs::remove(port_file());
    std::vector<std::string> args{"serve",
                                  "--role",
                                  "centre",
                                  "--db",
                                  db_.string(),
                                  "--catalogue",
                                  catalogue,
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--port-file",
                                  port_file().string(),
                                  "--time-origin",
                                  kMonday10,
                                  "--time-scale",
                                  time_scale_,
                                  "--threads",
                                  "2"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    testing::ProcessOptions options;
    options.args = args;
    options.log_dir = dir_.path();
    process_ = std::make_unique<testing::Process>("guichet-server-" + std::to_string(++starts_), kServer, options);
    auto port = testing::wait_for_file(port_file(), 10s);
    ASSERT_TRUE(port.has_value()) << "server did not start: " << process_->stderr_text();
    url_ = "http://127.0.0.1:" + *port;
  }

  // The simulated clock's speed ("1": real time) for the next start.
  void set_time_scale(std::string scale) { time_scale_ = std::move(scale); }

  int stop() { return process_ ? process_->stop() : -1; }
  void kill9() { process_->kill9(); }
  testing::Process& process() { return *process_; }

  const std::string& url() const { return url_; }
  const fs::path& db() const { return db_; }
  const testing::TempDir& dir() const { return dir_; }
  fs::path port_file() const { return dir_ / "port"; }

  Credentials as(const std::string& device, const std::string& bearer = "", const std::string& key = "") const {
    return Credentials{device, secrets_.at(device), bearer, key};
  }
  HttpResult get(const std::string& path, const Credentials& c = {}) const { return http(url_ + path, "GET", c); }
  HttpResult post(const std::string& path, const Credentials& c, const std::string& body = "") const {
    return http(url_ + path, "POST", c, body);
  }

  std::string login(const std::string& device, const std::string& op, const std::string& pin,
                    const std::string& counter) const {
    json body = {{"operator", op}, {"pin", pin}};
    if (!counter.empty()) body["counter"] = counter;
    auto r = post("/api/v1/sessions", as(device), body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.json_body()["session"].get<std::string>() : "";
  }

  json issue(const std::string& service = "birth-certificate", const std::string& device = "K1",
             const std::string& key = "") const {
    auto r = post("/api/v1/tokens", as(device, "", key), json{{"service", service}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json_body();
  }

 private:
  testing::TempDir dir_{"guichet-centre-server"};
  fs::path db_;
  std::vector<std::string> extra_;
  std::map<std::string, std::string> secrets_;
  std::unique_ptr<testing::Process> process_;
  std::string url_;
  std::string time_scale_ = "1";
  int starts_ = 0;
};

}  // namespace guichet::server::itest
