#include "guichet/sync/client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace guichet::sync {
namespace {

// curl_global_init is not thread-safe on every libcurl build; run it once, before any handle.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl initialisation failed");
  });
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i])))
      return false;
  }
  return true;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (iequals_prefix(line, kRetryAfter)) {
    std::string value(line.substr(kRetryAfter.size()));
    *static_cast<int*>(user) = std::atoi(value.c_str());
  }
  return size * count;
}

// Abandons a transfer when the caller's cancel flag is set; libcurl calls this often while a
// request is under way (at least once a second even when no bytes move).
int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load() ? 1 : 0;
}

struct HeaderList {
  curl_slist* list = nullptr;
  void add(const std::string& h) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    if (!next) throw std::bad_alloc();
    list = next;
  }
  ~HeaderList() { curl_slist_free_all(list); }
};

// A string field of the error object in {"error":{"code":…,"message":…}}, or "" if absent.
std::string error_field(const std::string& body, const char* field) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return {};
  auto err = parsed.find("error");
  if (err == parsed.end() || !err->is_object()) return {};
  auto value = err->find(field);
  if (value == err->end() || !value->is_string()) return {};
  return value->get<std::string>();
}

}  // namespace

std::string HttpResponse::error_message() const {
  if (status == 0) return transport_error.empty() ? "no response from the server" : transport_error;
  std::string message = error_field(body, "message");
  if (!message.empty() || ok()) return message;
  return "the server answered HTTP " + std::to_string(status);
}

std::string HttpResponse::error_code() const { return error_field(body, "code"); }

ApiClient::ApiClient(ServerEndpoint endpoint) : endpoint_(std::move(endpoint)) {
  global_init();
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("cannot create an HTTP client handle");
  while (!endpoint_.base_url.empty() && endpoint_.base_url.back() == '/') endpoint_.base_url.pop_back();
}

ApiClient::~ApiClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse ApiClient::get(const std::string& path, const RequestOptions& options) {
  return perform("GET", path, nullptr, options);
}

HttpResponse ApiClient::post(const std::string& path, const json& body, const RequestOptions& options) {
  std::string text = body.dump();
  return perform("POST", path, &text, options);
}

HttpResponse ApiClient::del(const std::string& path, const RequestOptions& options) {
  return perform("DELETE", path, nullptr, options);
}

HttpResponse ApiClient::send(const std::string& method, const std::string& path, const std::string& body,
                             const RequestOptions& options) {
  return perform(method, path, (body.empty() && method != "POST") ? nullptr : &body, options);
}

HttpResponse ApiClient::perform(const std::string& method, const std::string& path, const std::string* body,
                                const RequestOptions& options) {
  auto* curl = static_cast<CURL*>(curl_);
  // Reset clears the previous request's options but keeps the connection cache, so the
  // connection to the server stays open between requests.
  curl_easy_reset(curl);

  HttpResponse response;
  std::string url = endpoint_.base_url + path;
  HeaderList headers;
  headers.add("X-Guichet-Device: " + endpoint_.device_id);
  headers.add("X-Guichet-Secret: " + endpoint_.device_secret);
  headers.add("Accept: application/json");
  if (body) headers.add("Content-Type: application/json");
  if (!options.bearer.empty()) headers.add("Authorization: Bearer " + options.bearer);
  if (!options.idempotency_key.empty()) headers.add("Idempotency-Key: " + options.idempotency_key);
  for (const auto& h : options.headers) headers.add(h);
  // libcurl would otherwise send "Expect: 100-continue" for larger bodies and wait for it.
  headers.add("Expect:");

  const long timeout_ms = static_cast<long>(options.timeout.count());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.retry_after_seconds);
  if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
  }
  if (options.cancel) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_cancel);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(options.cancel));
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    response.status = 0;
    response.body.clear();
    response.transport_error = std::string(method) + " " + path + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return response;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace guichet::sync
