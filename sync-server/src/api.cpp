#include "guichet/server/api.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <map>
#include <set>
#include <string_view>

#include "guichet/server/admin.hpp"
#include "guichet/server/applications.hpp"
#include "guichet/server/attachments.hpp"
#include "guichet/server/credentials.hpp"
#include "guichet/server/log.hpp"
#include "guichet/server/resources.hpp"
#include "guichet/server/wire_json.hpp"
#include "padded_json.hpp"

namespace guichet::server {

using nlohmann::json;

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < query.size()) {
    std::size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    std::string_view pair = query.substr(i, j - i);
    std::size_t eq = pair.find('=');
    if (!pair.empty()) {
      if (eq == std::string_view::npos) {
        out[percent_decode(pair)] = "";
      } else {
        out[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
      }
    }
    i = j + 1;
  }
  return out;
}

Response bad_request(const std::string& message) { return Response::error(400, "bad_request", message); }

Response forbidden(const std::string& message) { return Response::error(403, "forbidden", message); }

// The body as a JSON object; an empty body is an empty object.
std::optional<Response> parse_body(const Request& request, json& out) {
  if (request.body.empty()) {
    out = json::object();
    return std::nullopt;
  }
  try {
    out = json::parse(request.body);
  } catch (const json::parse_error& e) {
    return bad_request("the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    // A number beyond what a double holds (1e400): nlohmann names no byte for it.
    return bad_request("the body is not valid JSON (a number is out of range)");
  }
  if (!out.is_object()) return bad_request("the body must be a JSON object");
  return std::nullopt;
}

std::optional<Response> string_field(const json& body, const char* name, bool required, std::string& out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return bad_request(std::string("field '") + name + "' is missing");
    return std::nullopt;
  }
  if (!it->is_string()) return bad_request(std::string("field '") + name + "' must be a string");
  out = it->get<std::string>();
  if (required && out.empty()) return bad_request(std::string("field '") + name + "' must not be empty");
  if (out.size() > 200) return bad_request(std::string("field '") + name + "' is longer than 200 characters");
  return std::nullopt;
}

std::optional<Response> bool_field(const json& body, const char* name, bool& out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return bad_request(std::string("field '") + name + "' must be true or false");
  out = it->get<bool>();
  return std::nullopt;
}

// The fingerprint of a request: the first 32 hex digits of secret_hash (BLAKE2b) of the parts one
// after another, hashed as they are rather than joined into a copy first (the same digest).
std::string fingerprint(std::initializer_list<std::string_view> parts) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not be initialised");
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  for (std::string_view p : parts) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  }
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash_final(&state, digest, sizeof digest);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, digest, 16);
  return std::string(hex, 32);
}

// Idempotency-Key: up to 128 visible ASCII characters.
// The key of a request (`method target` with `body`), fingerprinted so that reusing it for
// another request is noticed.
std::optional<Response> idempotency_key(std::string_view key, std::string_view method, std::string_view target,
                                        std::string_view body, std::optional<IdempotencyKey>& out) {
  bool valid = !key.empty() && key.size() <= 128 &&
               std::all_of(key.begin(), key.end(), [](char c) { return c > 32 && c < 127; });
  if (!valid) return bad_request("header 'Idempotency-Key' must be 1 to 128 visible ASCII characters");
  out = IdempotencyKey{std::string(key), fingerprint({method, " ", target, "\n", body})};
  return std::nullopt;
}

std::optional<Response> idempotency_of(const Request& request, std::optional<IdempotencyKey>& out) {
  if (!request.has_header("idempotency-key")) return std::nullopt;
  return idempotency_key(request.header("idempotency-key"), request.method, request.target, request.body, out);
}

json token_value(const domain::Token& t, int offset) { return sync::to_json(t, offset); }

json lease_value(const domain::NumberLease& l, int offset) {
  return json{
      {"service", l.service}, {"prefix", l.prefix}, {"business_day", l.business_day},
      {"first", l.first},     {"count", l.count},   {"leased_at", domain::format_iso_local(l.leased_at, offset)}};
}

// A time with its offset ("2026-11-23T09:05:00+05:30" or "…Z"): a kiosk's local time without one
// would be read as UTC and put the token hours out of place.
bool parse_iso_with_offset(const std::string& text, domain::Instant& out) {
  if (!domain::parse_iso(text, out)) return false;
  if (text.back() == 'Z' || text.back() == 'z') return true;
  return text.size() > 6 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-') &&
         text[text.size() - 3] == ':';
}

// The 201 answer of an issue: the token and its estimated wait.
Response issued_response(const domain::Token& token, const domain::WaitEstimate& wait, int offset) {
  std::string text = "{\"token\":";
  append_token_json(text, token, offset);
  text += ",\"wait\":";
  text += sync::to_json(wait).dump();
  text += '}';
  return Response::json_text(201, std::move(text));
}

Response key_required(const std::string& what) {
  return bad_request("header 'Idempotency-Key' is required to " + what +
                     " (the device id and its outbox sequence number, e.g. K1:42), so that a repeat is answered "
                     "the same and changes nothing");
}

}  // namespace

struct Api::Call {
  const Request& request;
  std::vector<std::string> params;
  std::map<std::string, std::string> query;
  Respond done;
  std::string action;  // for counter actions: the last path segment
};

const std::vector<Route>& Api::routes() {
  static const std::vector<Route> list = [] {
    std::vector<Route> r;
    for (const char* p : {"GET /api/v1/health",
                          "GET /api/v1/openapi.yaml",
                          "GET /api/v1/catalogue",
                          "POST /api/v1/tokens",
                          "GET /api/v1/tokens/{id}",
                          "POST /api/v1/tokens/{id}/cancel",
                          "GET /api/v1/queue",
                          "POST /api/v1/sessions",
                          "DELETE /api/v1/sessions/current",
                          "POST /api/v1/counters/{counter}/call-next",
                          "POST /api/v1/counters/{counter}/call",
                          "POST /api/v1/counters/{counter}/recall",
                          "POST /api/v1/counters/{counter}/start",
                          "POST /api/v1/counters/{counter}/finish",
                          "POST /api/v1/counters/{counter}/no-show",
                          "POST /api/v1/counters/{counter}/park",
                          "POST /api/v1/counters/{counter}/transfer",
                          "POST /api/v1/counters/{counter}/resume",
                          "GET /api/v1/calls",
                          "GET /api/v1/events",
                          "GET /api/v1/dashboard",
                          "POST /api/v1/admin/day-close",
                          "GET /dashboard",
                          "POST /api/v1/enrollment-codes",
                          "POST /api/v1/enroll",
                          "POST /api/v1/applications",
                          "GET /api/v1/applications/{receipt}",
                          "POST /api/v1/sync/upload",
                          "GET /api/v1/sync/changes",
                          "POST /api/v1/applications/{receipt}/status",
                          "POST /api/v1/leases",
                          "GET /api/v1/leases",
                          "GET /api/v1/enrollment-codes",
                          "POST /api/v1/enrollment-codes/{ref}/cancel",
                          "GET /api/v1/devices",
                          "POST /api/v1/devices/{id}/revoke",
                          "PUT /api/v1/attachments/{sha256}",
                          "GET /api/v1/attachments/{sha256}",
                          "GET /api/v1/applications/{receipt}/documents"}) {
      std::string s(p);
      auto sp = s.find(' ');
      r.push_back(Route{s.substr(0, sp), s.substr(sp + 1)});
    }
    return r;
  }();
  return list;
}

void Api::handle(const Request& request, Respond done) {
  using H = void (Api::*)(Call&);
  // Same order as routes(). A vector rather than a built-in array: GCC's bounds sanitizer
  // misjudges the size of an array of member-function pointers and stops the server.
  static const std::vector<H> handlers = {
      &Api::health,
      &Api::openapi,
      &Api::catalogue,
      &Api::issue_token,
      &Api::get_token,
      &Api::cancel_token,
      &Api::queue,
      &Api::login,
      &Api::logout,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::counter_action,
      &Api::calls,
      &Api::events_snapshot,
      &Api::dashboard,
      &Api::day_close,
      &Api::dashboard_page,
      &Api::create_enrollment_code,
      &Api::enroll,
      &Api::file_application,
      &Api::get_application,
      &Api::sync_upload,
      &Api::sync_changes,
      &Api::set_status,
      &Api::lease_numbers,
      &Api::list_leases,
      &Api::list_codes,
      &Api::cancel_code,
      &Api::list_devices,
      &Api::revoke_device,
      &Api::put_attachment,
      &Api::get_attachment,
      &Api::application_documents,
  };
  // The central server has no queue: only these routes are open there.
  static const std::set<std::string> central_routes = {"GET /api/v1/health",
                                                       "GET /api/v1/openapi.yaml",
                                                       "POST /api/v1/sessions",
                                                       "DELETE /api/v1/sessions/current",
                                                       "GET /api/v1/applications/{receipt}",
                                                       "POST /api/v1/applications/{receipt}/status",
                                                       "POST /api/v1/sync/upload",
                                                       "GET /api/v1/sync/changes",
                                                       "PUT /api/v1/attachments/{sha256}",
                                                       "GET /api/v1/attachments/{sha256}",
                                                       "GET /api/v1/applications/{receipt}/documents"};

  std::string_view target = request.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
  auto parts = split_path(path);

  const auto& table = routes();
  // Split once: this runs for every request.
  static const std::vector<std::vector<std::string>> patterns = [&table] {
    std::vector<std::vector<std::string>> out;
    for (const auto& r : table) out.push_back(split_path(r.pattern));
    return out;
  }();
  if (handlers.size() != table.size()) throw std::logic_error("api: every route needs its handler");
  std::vector<std::string> allowed;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& pattern = patterns[i];
    if (pattern.size() != parts.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (std::size_t k = 0; k < parts.size() && match; ++k) {
      if (pattern[k].size() > 2 && pattern[k].front() == '{') {
        params.push_back(percent_decode(parts[k]));
        if (params.back().empty()) match = false;
      } else if (pattern[k] != parts[k]) {
        match = false;
      }
    }
    if (!match) continue;
    if (table[i].method != request.method) {
      allowed.push_back(table[i].method);
      continue;
    }
    const bool at_central = centre_.role() == NodeRole::Central;
    const std::string route = table[i].method + " " + table[i].pattern;
    if (at_central && central_routes.count(route) == 0) {
      done(Response::error(404, "not_at_central",
                           request.method + " " + std::string(path) +
                               " is served by a centre node; the central server has no queue and takes applications "
                               "only from centre nodes (POST /api/v1/sync/upload)"));
      return;
    }
    if (!at_central && route == "POST /api/v1/applications/{receipt}/status") {
      done(Response::error(404, "not_at_centre",
                           "application statuses are changed at the central server, by the department's officers"));
      return;
    }
    if (!at_central &&
        (route == "GET /api/v1/attachments/{sha256}" || route == "GET /api/v1/applications/{receipt}/documents")) {
      done(Response::error(404, "not_at_centre",
                           "scanned files are read at the central server, by the department's officers"));
      return;
    }
    Call call{request, std::move(params), parse_query(query), std::move(done), parts.back()};
    try {
      (this->*handlers[i])(call);
    } catch (const store::DbError& e) {
      log_error(std::string("request failed on storage: ") + e.what());
      if (call.done) {
        call.done(Response::error(503, "storage_failed", "the centre server could not read its database"));
      }
    }
    return;
  }
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r =
        Response::error(405, "method_not_allowed",
                        request.method + " is not allowed on " + std::string(path) + " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    done(std::move(r));
    return;
  }
  done(Response::error(404, "not_found", "there is no " + std::string(path) + " on this server"));
}

Response Api::handle_sync(const Request& request, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Response>>();
  auto future = promise->get_future();
  handle(request, [promise](Response r) { promise->set_value(std::move(r)); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Response::error(504, "timeout", "no answer in time");
  }
  return future.get();
}

bool Api::is_feed(const Request& request) const {
  std::string_view target = request.target;
  return request.method == "GET" && target.substr(0, target.find('?')) == "/api/v1/events";
}

Api::FeedOpen Api::open_feed(const Request& request) {
  FeedOpen out;
  auto device = centre_.authenticate_device(request);
  if (!device) {
    out.refusal = device.error();
    return out;
  }
  out.device = device->id;
  if (request.has_header("last-event-id")) {
    std::string_view v = request.header("last-event-id");
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
      out.refusal = bad_request("header 'Last-Event-ID' must be an event number");
      return out;
    }
    out.last_event_id = n;
  }
  return out;
}

void Api::health(Call& c) {
  if (centre_.role() == NodeRole::Central) {
    json centres = json::array();
    for (const auto& [id, cat] : centre_.centres()) centres.push_back(id);
    json body = {{"status", "ok"},
                 {"role", "central"},
                 {"centres", std::move(centres)},
                 {"time", domain::format_iso_local(centre_.now(), centre_.utc_offset())}};
    return c.done(Response::json(200, body));
  }
  json body = {{"status", "ok"},
               {"role", "centre"},
               {"centre", centre_.catalogue().centre.id},
               {"business_day", centre_.business_day()},
               {"time", domain::format_iso_local(centre_.now(), centre_.utc_offset())}};
  if (centre_.relaying()) {
    const RelayCounts counts = centre_.relay_counts();
    body["relay"] = {{"pending", counts.pending}, {"sent", counts.sent}, {"refused", counts.refused}};
  }
  c.done(Response::json(200, body));
}

void Api::openapi(Call& c) {
  Response r = Response::json_text(200, std::string(openapi_yaml()));
  r.content_type = "application/yaml";
  c.done(std::move(r));
}

void Api::dashboard_page(Call& c) {
  Response r = Response::json_text(200, std::string(dashboard_html()));
  r.content_type = "text/html; charset=utf-8";
  c.done(std::move(r));
}

void Api::catalogue(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  c.done(Response::json_text(200, centre_.catalogue_json()));
}

void Api::issue_token(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (device->kind != DeviceKind::Kiosk && device->kind != DeviceKind::Counter) {
    return c.done(
        forbidden("only kiosks and counters issue tokens; device " + device->id + " is a " + to_string(device->kind)));
  }
  json body;
  domain::IssueRequest issue;
  const auto& languages = centre_.catalogue().centre.languages;
  issue.language = languages.empty() ? "en" : languages.front();
  std::optional<IdempotencyKey> key;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "service", true, issue.service)) return c.done(*e);
  if (auto e = string_field(body, "priority", false, issue.priority)) return c.done(*e);
  if (auto e = string_field(body, "language", false, issue.language)) return c.done(*e);
  bool withdrawn = false;
  if (auto e = bool_field(body, "withdrawn", withdrawn)) return c.done(*e);
  if (withdrawn) return withdraw_token(c, device.value(), std::move(body));
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  issue.device = device->id;
  const int offset = centre_.utc_offset();
  if (auto leased = body.find("leased_number"); leased != body.end() && !leased->is_null()) {
    return report_leased(c, device.value(), issue, body, key);
  }
  centre_.mutate(
      WriteContext{device->id, key},
      [issue, offset](domain::Queue& q, domain::Instant now, Mutation& m) -> std::optional<Response> {
        auto issued = q.issue(issue, now);
        if (!issued) return queue_error_response(issued.error());
        m.record(issued.value(), q, q.business_day());
        domain::Token token = issued->token;
        domain::WaitEstimate wait = q.estimate_wait(token.id);
        m.respond = [token, wait, offset](const std::vector<std::string>&) {
          return issued_response(token, wait, offset);
        };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::report_leased(Call& c, const AuthDevice& device, const domain::IssueRequest& issue, const json& body,
                        const std::optional<IdempotencyKey>& key) {
  if (device.kind != DeviceKind::Kiosk) {
    return c.done(forbidden("only kiosks issue tokens from leased number blocks; device " + device.id + " is a " +
                            to_string(device.kind)));
  }
  const json& number = body.at("leased_number");
  if (!number.is_number_integer()) return c.done(bad_request("field 'leased_number' must be a whole number"));
  const auto n = number.get<std::int64_t>();
  if (n < 1 || n > 999999) return c.done(bad_request("field 'leased_number' must be between 1 and 999999"));
  std::string issued_at_text;
  if (auto e = string_field(body, "issued_at", true, issued_at_text)) return c.done(*e);
  domain::LeasedIssue leased;
  if (!parse_iso_with_offset(issued_at_text, leased.issued_at)) {
    return c.done(
        bad_request("field 'issued_at' must be an ISO 8601 time with its offset, e.g. "
                    "2026-11-23T09:05:00+05:30"));
  }
  if (!key) return c.done(key_required("report a token issued from a number block"));
  leased.service = issue.service;
  leased.priority = issue.priority;
  leased.language = issue.language;
  leased.device = device.id;
  leased.number = static_cast<int>(n);
  const int offset = centre_.utc_offset();
  centre_.mutate(
      WriteContext{device.id, key},
      [leased, offset](domain::Queue& q, domain::Instant now, Mutation& m) -> std::optional<Response> {
        auto issued = q.issue_leased(leased, now);
        if (!issued) return queue_error_response(issued.error());
        m.record(issued.value(), q, q.business_day());
        domain::Token token = issued->token;
        domain::WaitEstimate wait;
        if (const auto* t = q.find(token.id); t && t->state == domain::TokenState::Waiting) {
          wait = q.estimate_wait(token.id);
        }
        m.respond = [token, wait, offset](const std::vector<std::string>&) {
          return issued_response(token, wait, offset);
        };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::withdraw_token(Call& c, const AuthDevice& device, json body) {
  if (auto leased = body.find("leased_number"); leased != body.end() && !leased->is_null()) {
    return c.done(bad_request(
        "field 'withdrawn' cannot go with 'leased_number': a token issued from a number block was given to a "
        "citizen and is reported, never withdrawn"));
  }
  if (!c.request.has_header("idempotency-key")) {
    return c.done(key_required("withdraw a token request (the key of the request it withdraws)"));
  }
  // The withdrawal stands for the request first written under this key: its fingerprint is that
  // request's, the body without "withdrawn" as a JSON library prints it (sorted keys, no spaces:
  // how terminals write their bodies). So a key already answered, or being answered, gets that
  // answer (a token, which the terminal then cancels), and the first request sent after its
  // withdrawal gets the withdrawal's answer: it is never issued.
  body.erase("withdrawn");
  std::optional<IdempotencyKey> key;
  if (auto e =
          idempotency_key(c.request.header("idempotency-key"), c.request.method, c.request.target, body.dump(), key)) {
    return c.done(*e);
  }
  // Nothing in the queue changes: no token, no event, no number used; only the answer is stored.
  centre_.mutate(
      WriteContext{device.id, key},
      [](domain::Queue&, domain::Instant, Mutation& m) -> std::optional<Response> {
        m.respond = [](const std::vector<std::string>&) { return Response::json_text(200, R"({"withdrawn":true})"); };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::lease_numbers(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (device->kind != DeviceKind::Kiosk) {
    return c.done(
        forbidden("only kiosks lease number blocks; device " + device->id + " is a " + to_string(device->kind)));
  }
  json body;
  std::string service;
  std::optional<IdempotencyKey> key;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "service", true, service)) return c.done(*e);
  auto count_it = body.find("count");
  if (count_it == body.end() || count_it->is_null()) return c.done(bad_request("field 'count' is missing"));
  if (!count_it->is_number_integer()) return c.done(bad_request("field 'count' must be a whole number"));
  const auto wanted = count_it->get<std::int64_t>();
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  if (!key) return c.done(key_required("lease a number block"));
  // Out of int's range is refused by the queue's own rule (1 to kMaxLeaseNumbers) all the same.
  const int count = wanted < 0 ? -1 : static_cast<int>(std::min<std::int64_t>(wanted, domain::kMaxLeaseNumbers + 1));
  const std::string id = device->id;
  const int offset = centre_.utc_offset();
  centre_.mutate(
      WriteContext{device->id, key},
      [service, id, count, wanted, offset](domain::Queue& q, domain::Instant now,
                                           Mutation& m) -> std::optional<Response> {
        auto lease = q.lease_numbers(service, id, count, now);
        if (!lease) {
          domain::QueueError error = lease.error();
          if (error.kind == domain::QueueErrorKind::BadLease && wanted != count) {
            error.message = "a number block holds 1 to " + std::to_string(domain::kMaxLeaseNumbers) + " numbers; " +
                            std::to_string(wanted) + " were asked for";
          }
          return queue_error_response(error);
        }
        m.leases.push_back(lease.value());
        m.respond = [value = lease_value(lease.value(), offset)](const std::vector<std::string>&) {
          return Response::json(201, json{{"lease", value}});
        };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::list_leases(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (device->kind != DeviceKind::Kiosk) {
    return c.done(
        forbidden("only kiosks hold number blocks; device " + device->id + " is a " + to_string(device->kind)));
  }
  const int offset = centre_.utc_offset();
  const std::string id = device->id;
  json out = centre_.with_queue([&id, offset](const domain::Queue& q, domain::Instant) {
    json leases = json::array();
    for (const auto& l : q.leases()) {
      if (l.device != id) continue;
      std::vector<int> reported;
      for (const auto& t : q.tokens()) {
        if (t.business_day == l.business_day && t.prefix == l.prefix && t.issued_by == id && l.covers(t.number)) {
          reported.push_back(t.number);
        }
      }
      std::sort(reported.begin(), reported.end());
      json value = lease_value(l, offset);
      value["unused"] = l.count - static_cast<int>(reported.size());
      value["reported"] = std::move(reported);
      leases.push_back(std::move(value));
    }
    return json{{"business_day", q.business_day()}, {"leases", std::move(leases)}};
  });
  c.done(Response::json(200, out));
}

void Api::get_token(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  const std::string& id = c.params[0];
  auto found = centre_.with_queue([&id](const domain::Queue& q, domain::Instant) {
    std::optional<std::pair<domain::Token, domain::WaitEstimate>> out;
    if (const auto* t = q.find(id)) {
      domain::WaitEstimate wait;
      if (t->state == domain::TokenState::Waiting) wait = q.estimate_wait(id);
      out.emplace(*t, wait);
    }
    return out;
  });
  if (!found) {
    // A token of an earlier day is no longer in the queue but still on record.
    auto conn = centre_.reads().acquire();
    if (auto t = conn->token(id)) found.emplace(*t, domain::WaitEstimate{});
  }
  if (!found) return c.done(Response::error(404, "unknown_token", "there is no token '" + id + "'"));
  c.done(Response::json(
      200, {{"token", token_value(found->first, centre_.utc_offset())}, {"wait", sync::to_json(found->second)}}));
}

void Api::cancel_token(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (device->kind != DeviceKind::Kiosk) return c.done(forbidden("only the kiosk that issued a token can cancel it"));
  json body;
  std::optional<IdempotencyKey> key;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  std::string id = c.params[0];
  std::string actor = device->id;
  centre_.mutate(
      WriteContext{device->id, key},
      [id, actor](domain::Queue& q, domain::Instant now, Mutation& m) -> std::optional<Response> {
        const domain::Token* t = q.find(id);
        if (t == nullptr) return Response::error(404, "unknown_token", "there is no waiting token '" + id + "'");
        if (t->issued_by != actor) return forbidden("only the kiosk that issued a token can cancel it");
        auto cancelled = q.cancel(id, actor, now);
        if (!cancelled) return queue_error_response(cancelled.error());
        m.record(cancelled.value(), q, q.business_day());
        m.respond = [](const std::vector<std::string>& events) {
          return Response::json_text(200, "{\"event\":" + events.at(0) + "}");
        };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::queue(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  const int offset = centre_.utc_offset();
  auto counter = c.query.find("counter");
  auto service = c.query.find("service");
  if (counter != c.query.end()) {
    const std::string id = counter->second;
    if (centre_.catalogue().counter(id) == nullptr) {
      return c.done(Response::error(404, "unknown_counter", "there is no counter '" + id + "' in this centre"));
    }
    struct Snapshot {
      domain::CounterState state;
      std::optional<domain::Token> current;
      std::vector<domain::Token> waiting;
    };
    auto snap = centre_.with_queue([&id](const domain::Queue& q, domain::Instant) {
      Snapshot s;
      if (const auto* cs = q.counter_state(id)) s.state = *cs;
      s.state.counter = id;
      if (const auto* t = q.current(id)) s.current = *t;
      for (const auto* t : q.waiting_for_counter(id)) s.waiting.push_back(*t);
      return s;
    });
    json waiting = json::array();
    for (const auto& t : snap.waiting) waiting.push_back(token_value(t, offset));
    json body = {{"counter", sync::to_json(snap.state)},
                 {"current", snap.current ? token_value(*snap.current, offset) : json(nullptr)},
                 {"waiting", std::move(waiting)}};
    return c.done(Response::json(200, body));
  }
  if (service != c.query.end()) {
    const std::string id = service->second;
    if (centre_.catalogue().service(id) == nullptr) {
      return c.done(Response::error(404, "unknown_service", "there is no service '" + id + "' in this centre"));
    }
    auto waiting_tokens = centre_.with_queue([&id](const domain::Queue& q, domain::Instant) {
      std::vector<domain::Token> out;
      for (const auto* t : q.waiting_for_service(id)) out.push_back(*t);
      return out;
    });
    json waiting = json::array();
    for (const auto& t : waiting_tokens) waiting.push_back(token_value(t, offset));
    return c.done(Response::json(200, {{"service", id}, {"waiting", std::move(waiting)}}));
  }
  c.done(bad_request("query parameter 'counter' or 'service' is required"));
}

void Api::login(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (device->kind != DeviceKind::Counter) {
    return c.done(
        forbidden("operators log in at counter devices; device " + device->id + " is a " + to_string(device->kind)));
  }
  json body;
  std::string op, pin, counter;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "operator", true, op)) return c.done(*e);
  if (auto e = string_field(body, "pin", true, pin)) return c.done(*e);
  if (auto e = string_field(body, "counter", false, counter)) return c.done(*e);
  if (!counter.empty() && centre_.catalogue().counter(counter) == nullptr) {
    return c.done(Response::error(404, "unknown_counter", "there is no counter '" + counter + "' in this centre"));
  }
  centre_.login(device.value(), op, pin, counter, std::move(c.done));
}

void Api::logout(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  std::optional<IdempotencyKey> key;
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  centre_.logout(WriteContext{device->id, key}, session.value(), std::move(c.done));
}

void Api::counter_action(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (device->kind != DeviceKind::Counter) {
    return c.done(forbidden("counter actions come from counter devices; device " + device->id + " is a " +
                            to_string(device->kind)));
  }
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  const std::string counter = c.params[0];
  if (centre_.catalogue().counter(counter) == nullptr) {
    return c.done(Response::error(404, "unknown_counter", "there is no counter '" + counter + "' in this centre"));
  }
  if (session->counter != counter) {
    return c.done(forbidden(session->counter.empty()
                                ? "log in at counter " + counter + " to act there"
                                : "you are logged in at counter " + session->counter + ", not " + counter));
  }
  json body;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  std::string token;
  bool scanned = false;
  domain::TransferTarget target;
  const std::string& action = c.action;
  if (action == "call" || action == "resume") {
    if (auto e = string_field(body, "token", true, token)) return c.done(*e);
    if (auto e = bool_field(body, "scanned", scanned)) return c.done(*e);
  } else if (action == "transfer") {
    if (auto e = string_field(body, "service", false, target.service)) return c.done(*e);
    if (auto e = string_field(body, "counter", false, target.counter)) return c.done(*e);
    if (target.service.empty() && target.counter.empty()) {
      return c.done(bad_request("field 'service' or 'counter' is required to transfer"));
    }
  }
  std::optional<IdempotencyKey> key;
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  const std::string actor = session->operator_id;
  centre_.mutate(
      WriteContext{device->id, key},
      [=](domain::Queue& q, domain::Instant now, Mutation& m) -> std::optional<Response> {
        auto result = [&]() -> domain::QueueResult<domain::QueueEvent> {
          if (action == "call-next") return q.call_next(counter, actor, now);
          if (action == "call") return q.call_specific(counter, token, scanned, actor, now);
          if (action == "recall") return q.recall(counter, actor, now);
          if (action == "start") return q.start(counter, actor, now);
          if (action == "finish") return q.finish(counter, actor, now);
          if (action == "no-show") return q.no_show(counter, actor, now);
          if (action == "park") return q.park(counter, actor, now);
          if (action == "transfer") return q.transfer(counter, target, actor, now);
          return q.resume(counter, token, actor, now);
        }();
        if (!result) return queue_error_response(result.error());
        m.record(result.value(), q, q.business_day());
        m.respond = [](const std::vector<std::string>& events) {
          return Response::json_text(200, "{\"event\":" + events.at(0) + "}");
        };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::calls(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  int limit = 10;
  if (auto it = c.query.find("limit"); it != c.query.end()) {
    const std::string& v = it->second;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || limit < 1 || limit > 100) {
      return c.done(bad_request("query parameter 'limit' must be a number from 1 to 100"));
    }
  }
  std::vector<EventRecord> calls;
  {
    auto conn = centre_.reads().acquire();
    calls = conn->last_calls(limit);
  }
  std::string body = "{\"calls\":[";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i) body += ',';
    body += calls[i].body;
  }
  body += "]}";
  c.done(Response::json_text(200, std::move(body)));
}

// Without a streaming transport (tests, tools) the feed answers with the stored events after
// Last-Event-ID, up to 1,000, as a finite event stream.
void Api::events_snapshot(Call& c) {
  auto open = open_feed(c.request);
  if (open.refusal) return c.done(*open.refusal);
  std::vector<EventRecord> events;
  {
    auto conn = centre_.reads().acquire();
    events = conn->events_after(open.last_event_id.value_or(0), 1000);
  }
  Response r;
  r.content_type = "text/event-stream";
  for (const auto& e : events) r.body += sse_frame(e.seq, e.body);
  c.done(std::move(r));
}

void Api::dashboard(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Manager && session->role != Role::Admin) {
    return c.done(forbidden("the dashboard is for managers and admins"));
  }
  const int offset = centre_.utc_offset();
  json body = centre_.with_queue([offset](const domain::Queue& q, domain::Instant now) {
    const auto& cat = q.catalogue();
    struct Tally {
      int waiting = 0, priority_waiting = 0, served = 0, issued = 0, no_show = 0, cancelled = 0;
      std::optional<domain::Instant> oldest;
    };
    std::map<std::string, Tally> by_service;
    Tally total;
    for (const auto& t : q.tokens()) {
      auto& s = by_service[t.service];
      for (Tally* tally : {&s, &total}) {
        if (t.state != domain::TokenState::Cancelled) tally->issued += 1;
        switch (t.state) {
          case domain::TokenState::Waiting:
            tally->waiting += 1;
            if (t.is_priority()) tally->priority_waiting += 1;
            if (!tally->oldest || t.issued_at < *tally->oldest) tally->oldest = t.issued_at;
            break;
          case domain::TokenState::Served:
            tally->served += 1;
            break;
          case domain::TokenState::NoShow:
            tally->no_show += 1;
            break;
          case domain::TokenState::Cancelled:
            tally->cancelled += 1;
            break;
          default:
            break;
        }
      }
    }
    auto minutes_since = [now](const std::optional<domain::Instant>& t) {
      if (!t || *t > now) return 0L;
      return static_cast<long>(std::chrono::duration_cast<std::chrono::minutes>(now - *t).count());
    };
    json services = json::array();
    for (const auto& s : cat.services) {
      const Tally& t = by_service[s.id];
      services.push_back({{"id", s.id},
                          {"name", s.name.get()},
                          {"prefix", s.prefix},
                          {"waiting", t.waiting},
                          {"priority_waiting", t.priority_waiting},
                          {"longest_wait_minutes", minutes_since(t.oldest)},
                          {"issued", t.issued},
                          {"served", t.served},
                          {"no_show", t.no_show},
                          {"daily_cap", s.daily_cap}});
    }
    json counters = json::array();
    for (const auto& counter : cat.counters) {
      const auto* cs = q.counter_state(counter.id);
      const auto* current = q.current(counter.id);
      std::string state = "closed";
      if (cs != nullptr && !cs->operator_id.empty()) {
        state = "free";
        if (current != nullptr) state = current->state == domain::TokenState::Serving ? "serving" : "calling";
      }
      counters.push_back({{"id", counter.id},
                          {"number", counter.number},
                          {"name", counter.name.get()},
                          {"state", state},
                          {"operator", cs ? cs->operator_id : std::string()},
                          {"current", current ? json(current->display_number()) : json(nullptr)}});
    }
    return json{{"centre", cat.centre.id},
                {"business_day", q.business_day()},
                {"generated_at", domain::format_iso_local(now, offset)},
                {"totals",
                 {{"waiting", total.waiting},
                  {"priority_waiting", total.priority_waiting},
                  {"longest_wait_minutes", minutes_since(total.oldest)},
                  {"issued", total.issued},
                  {"served", total.served},
                  {"no_show", total.no_show}}},
                {"services", std::move(services)},
                {"counters", std::move(counters)}};
  });
  body["sync"] = sync_state();
  c.done(Response::json(200, body));
}

json Api::sync_state() {
  const int offset = centre_.utc_offset();
  const std::int64_t now = centre_.wall_now();
  // Times in Unix ms; 0 stands for none (null in the answer).
  auto at = [offset](std::int64_t ms) {
    return ms > 0 ? json(domain::format_iso_local(domain::from_unix_ms(ms), offset)) : json(nullptr);
  };
  auto minutes_ago = [now](std::int64_t ms) {
    return ms > 0 ? json(std::max<std::int64_t>(0, (now - ms) / 60000)) : json(nullptr);
  };
  std::vector<DeviceRecord> devices;
  std::map<std::string, std::int64_t> uploaded;
  std::int64_t oldest_filing = 0;
  {
    auto conn = centre_.reads().acquire();
    devices = server::list_devices(conn->db());
    for (const auto& d : conn->sync_devices()) uploaded[d.device] = d.updated_ms;
    if (centre_.relaying()) oldest_filing = conn->oldest_relay_received_ms().value_or(0);
  }
  const auto seen = centre_.activity().snapshot(now);
  json terminals = json::array();
  for (const auto& d : devices) {
    if (d.revoked_ms || d.kind == DeviceKind::Centre) continue;
    const auto s = seen.find(d.id);
    const DeviceSeen none;
    const DeviceSeen& state = s == seen.end() ? none : s->second;
    const auto u = uploaded.find(d.id);
    const std::int64_t upload_ms = u == uploaded.end() ? 0 : u->second;
    const std::int64_t oldest_ms = state.oldest_waiting_ms().value_or(0);
    const auto waiting = state.waiting();
    terminals.push_back({{"id", d.id},
                         {"kind", to_string(d.kind)},
                         {"name", d.name},
                         {"last_heard_at", at(state.heard_ms)},
                         {"minutes_since_heard", minutes_ago(state.heard_ms)},
                         {"live_feed", state.feeds > 0},
                         {"last_upload_at", at(upload_ms)},
                         {"waiting", waiting ? json(*waiting) : json(nullptr)},
                         {"oldest_waiting_at", at(oldest_ms)},
                         {"oldest_waiting_minutes", minutes_ago(oldest_ms)},
                         {"reported_at", at(state.report ? state.report_ms : 0)},
                         {"disk_free_mib", state.disk_free_mib ? json(*state.disk_free_mib) : json(nullptr)},
                         {"printer", state.printer_state.empty() ? json(nullptr) : json(state.printer_state)},
                         {"printer_checked_at", at(state.printer_checked_ms)},
                         {"printer_checked_minutes", minutes_ago(state.printer_checked_ms)}});
  }
  json central = nullptr;
  if (centre_.relaying()) {
    const UpstreamState link = centre_.upstream_link().state();
    const AttachmentRelayCounts files = centre_.attachments().relay_counts();
    const RelayCounts filings = centre_.relay_counts();
    central = {{"pending", filings.pending},
               {"refused", filings.refused},
               {"oldest_pending_at", at(oldest_filing)},
               {"files_pending", files.pending},
               {"last_answer_at", at(link.last_answer_ms)},
               {"down_since", at(link.down_since_ms)},
               {"problem", link.problem}};
  }
  return {{"terminals", std::move(terminals)}, {"central", std::move(central)}};
}

void Api::day_close(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Manager && session->role != Role::Admin) {
    return c.done(forbidden("closing the business day is for managers and admins"));
  }
  json body;
  std::string requested;
  std::optional<IdempotencyKey> key;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "next_business_day", false, requested)) return c.done(*e);
  if (!requested.empty()) {
    domain::Instant parsed;
    if (requested.size() != 10 || !domain::parse_iso(requested + "T00:00Z", parsed)) {
      return c.done(bad_request("field 'next_business_day' must be a date, YYYY-MM-DD"));
    }
  }
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  const std::string actor = session->operator_id;
  const int offset = centre_.utc_offset();
  centre_.mutate(
      WriteContext{device->id, key},
      [requested, actor, offset, wall = centre_.wall_now()](domain::Queue& q, domain::Instant now,
                                                            Mutation& m) -> std::optional<Response> {
        const std::string closing = q.business_day();
        std::string next = requested;
        if (next.empty()) {
          // Closing in the evening opens tomorrow; closing a forgotten day next morning opens today.
          next = domain::business_day(now, offset);
          if (next <= closing) {
            domain::Instant midday;
            domain::parse_iso(closing + "T12:00Z", midday);
            next = domain::business_day(midday + std::chrono::hours(24), 0);
          }
        }
        if (next <= closing) {
          return Response::error(409, "invalid_day", "the next business day must come after " + closing);
        }
        auto report = q.close_day(next, actor, now);
        for (const auto& e : report.events) {
          m.record(e, q, e.type == domain::EventType::CarriedOver ? next : closing);
        }
        m.replace_counters = true;
        m.counters = q.counters();
        m.new_business_day = next;
        m.prune_idempotency_before = wall - Centre::idempotency_keep_ms();
        m.respond = [closing, next, report](const std::vector<std::string>&) {
          return Response::json(200, {{"closed", closing},
                                      {"business_day", next},
                                      {"carried_over", report.carried_over},
                                      {"expired", report.expired}});
        };
        return std::nullopt;
      },
      std::move(c.done));
}

void Api::create_enrollment_code(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Admin) return c.done(forbidden("enrollment codes are created by admins"));
  json body;
  std::string kind, chosen_id, name, expires_in;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "kind", true, kind)) return c.done(*e);
  if (auto e = string_field(body, "device_id", false, chosen_id)) return c.done(*e);
  if (auto e = string_field(body, "name", false, name)) return c.done(*e);
  if (auto e = string_field(body, "expires_in", false, expires_in)) return c.done(*e);
  std::chrono::milliseconds lifetime = kDefaultEnrollmentLifetime;
  if (!expires_in.empty()) {
    auto parsed = parse_duration(expires_in);
    if (!parsed) return c.done(bad_request("field 'expires_in' must be a duration such as 30m, 24h or 7d"));
    lifetime = *parsed;
  }
  centre_.create_enrollment_code(device.value(), session.value(), kind, chosen_id, name, lifetime, std::move(c.done));
}

namespace {

// Administration over HTTP: reads on a pooled connection; the rare writes (cancel a code, revoke a
// device) on a connection of their own with full durability, as the guichet-server commands do
// beside a running server. A revocation takes effect within the device cache's second.
store::Db admin_writer(Repository& reader) {
  store::Statement st = reader.db().prepare("SELECT file FROM pragma_database_list WHERE name = 'main'");
  if (!st.step()) throw store::DbError(SQLITE_ERROR, "the database file is not known");
  return store::Db(st.text(0), store::OpenOptions{store::Durability::Full, false, 5000, false});
}

json code_json(const EnrollmentCodeListing& l, int offset) {
  auto at = [offset](std::int64_t ms) { return domain::format_iso_local(domain::from_unix_ms(ms), offset); };
  const EnrollmentCodeRecord& r = l.record;
  json j = {{"ref", l.ref},
            {"kind", to_string(r.kind)},
            {"device_id", r.chosen_id},
            {"name", r.name},
            {"created_at", at(r.created_ms)},
            {"created_by", r.created_by},
            {"expires_at", at(r.expires_ms)},
            {"state", to_string(l.state)}};
  if (l.state == EnrollmentCodeState::Used) {
    j["device_id"] = r.device_id;
    j["used_at"] = at(*r.used_ms);
  }
  if (l.state == EnrollmentCodeState::Cancelled) j["cancelled_at"] = at(*r.cancelled_ms);
  return j;
}

json device_json(const DeviceRecord& d, int offset) {
  auto at = [offset](std::int64_t ms) { return domain::format_iso_local(domain::from_unix_ms(ms), offset); };
  json j = {{"id", d.id}, {"kind", to_string(d.kind)}, {"name", d.name}, {"created_at", at(d.created_ms)}};
  j["revoked_at"] = d.revoked_ms ? json(at(*d.revoked_ms)) : json(nullptr);
  return j;
}

}  // namespace

void Api::list_codes(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Manager && session->role != Role::Admin) {
    return c.done(forbidden("enrollment codes are listed for managers and admins"));
  }
  auto conn = centre_.reads().acquire();
  json list = json::array();
  for (const auto& l : list_enrollment_codes(conn->db(), centre_.wall_now())) {
    list.push_back(code_json(l, centre_.utc_offset()));
  }
  c.done(Response::json(200, {{"codes", std::move(list)}}));
}

void Api::cancel_code(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Admin) return c.done(forbidden("enrollment codes are cancelled by admins"));
  const std::string ref = percent_decode(c.params[0]);
  auto conn = centre_.reads().acquire();
  store::Db db = admin_writer(*conn);
  auto cancelled = cancel_enrollment_code(db, ref, centre_.wall_now(), centre_.utc_offset());
  if (!cancelled) {
    const bool unknown = cancelled.error().message.rfind("there is no enrollment code", 0) == 0;
    return c.done(unknown ? Response::error(404, "not_found", cancelled.error().message)
                          : Response::error(409, "invalid_state", cancelled.error().message));
  }
  log_info(cancelled.value() + " by operator " + session->operator_id);
  json out = {{"message", cancelled.value()}};
  for (const auto& l : list_enrollment_codes(db, centre_.wall_now())) {
    if (l.state == EnrollmentCodeState::Cancelled && cancelled.value().find(" " + l.ref + " ") != std::string::npos) {
      out["code"] = code_json(l, centre_.utc_offset());
    }
  }
  c.done(Response::json(200, out));
}

void Api::list_devices(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Manager && session->role != Role::Admin) {
    return c.done(forbidden("devices are listed for managers and admins"));
  }
  auto conn = centre_.reads().acquire();
  json list = json::array();
  for (const auto& d : server::list_devices(conn->db())) list.push_back(device_json(d, centre_.utc_offset()));
  c.done(Response::json(200, {{"devices", std::move(list)}}));
}

void Api::revoke_device(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Admin) return c.done(forbidden("devices are revoked by admins"));
  const std::string id = percent_decode(c.params[0]);
  if (id == device->id) {
    return c.done(Response::error(409, "invalid_state",
                                  "device " + id + " is the one this request comes from; revoke it from another"));
  }
  auto conn = centre_.reads().acquire();
  store::Db db = admin_writer(*conn);
  Repository repo(db);
  if (!repo.revoke_device(id, centre_.wall_now())) {
    return c.done(Response::error(404, "not_found", "there is no device " + id));
  }
  auto record = repo.device(id);
  centre_.forget_device(id);  // refused from its next request on, not when the cached record ages
  centre_.feed().revoke(id);  // its open live feeds are told so and closed now
  log_info("device " + id + " revoked by operator " + session->operator_id);
  c.done(Response::json(200, {{"device", device_json(*record, centre_.utc_offset())}}));
}

// No device credentials: the code is the credential. Wrong codes are throttled per address.
void Api::enroll(Call& c) {
  json body;
  Centre::EnrollRequest request;
  request.source = c.request.remote;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "code", true, request.code)) return c.done(*e);
  if (auto e = string_field(body, "kind", true, request.kind)) return c.done(*e);
  if (auto e = string_field(body, "name", false, request.name)) return c.done(*e);
  if (auto e = string_field(body, "nonce", false, request.nonce)) return c.done(*e);
  const auto& n = request.nonce;
  if (!n.empty() && (n.size() < 16 || n.size() > 128 ||
                     !std::all_of(n.begin(), n.end(), [](char ch) { return ch > 32 && ch < 127; }))) {
    return c.done(bad_request("field 'nonce' must be 16 to 128 visible ASCII characters"));
  }
  centre_.enroll(request, std::move(c.done));
}

namespace {

Response unsupported_protocol(const std::string& asked) {
  return Response::error(400, "unsupported_protocol",
                         "protocol version " + asked + " is not spoken here; this server speaks version " +
                             std::to_string(sync::kProtocolVersion));
}

// X-Guichet-Protocol, when present, must name a version this server speaks.
std::optional<Response> protocol_header(const Request& request) {
  if (!request.has_header("x-guichet-protocol")) return std::nullopt;
  std::string_view v = request.header("x-guichet-protocol");
  if (v == std::to_string(sync::kProtocolVersion)) return std::nullopt;
  return unsupported_protocol("'" + std::string(v.substr(0, 32)) + "'");
}

// One entry of an upload batch, checked.
struct UploadEntry {
  std::int64_t seq = 0;
  std::string method, path, body, bearer, origin;
  std::int64_t received_ms = 0;
  domain::HlcTime hlc;
};

// The batch read as a tree: the refusal names the first entry and field that is not as it must be.
std::optional<Response> read_batch(const Request& request, bool at_central, std::vector<UploadEntry>& list) {
  json body;
  if (auto e = parse_body(request, body)) return e;
  auto version = body.find("protocol");
  if (version == body.end()) return bad_request("field 'protocol' is missing (this server speaks version 1)");
  if (!version->is_number_integer() || version->get<std::int64_t>() != sync::kProtocolVersion) {
    return unsupported_protocol(version->dump().substr(0, 32));
  }
  auto entries = body.find("entries");
  if (entries == body.end() || !entries->is_array()) {
    return bad_request("field 'entries' must be an array of outbox entries");
  }
  if (entries->size() > sync::kMaxUploadEntries) {
    return bad_request("a batch holds at most " + std::to_string(sync::kMaxUploadEntries) + " entries, not " +
                       std::to_string(entries->size()));
  }

  list.reserve(entries->size());
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json& e = (*entries)[i];
    std::string where = "entries[" + std::to_string(i) + "]";
    if (!e.is_object()) return bad_request(where + " must be an object");
    UploadEntry out;
    auto seq = e.find("seq");
    if (seq == e.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 1) {
      return bad_request(where + ": field 'seq' must be a positive whole number");
    }
    out.seq = seq->get<std::int64_t>();
    where += " (seq " + std::to_string(out.seq) + ")";
    if (out.seq <= previous) {
      return bad_request(where + ": sequence numbers must increase through the batch (the entry before has seq " +
                         std::to_string(previous) + ")");
    }
    previous = out.seq;
    auto str = [&](const char* name, bool required, std::string& value) -> std::optional<Response> {
      auto it = e.find(name);
      if (it == e.end() || it->is_null()) {
        if (required) return bad_request(where + ": field '" + name + "' is missing");
        return std::nullopt;
      }
      if (!it->is_string()) return bad_request(where + ": field '" + name + "' must be a string");
      value = it->get<std::string>();
      return std::nullopt;
    };
    std::string kind, hlc;
    if (auto r = str("kind", true, kind)) return r;
    if (auto r = str("hlc", true, hlc)) return r;
    if (auto r = str("method", true, out.method)) return r;
    if (auto r = str("path", true, out.path)) return r;
    if (auto r = str("body", false, out.body)) return r;
    if (auto r = str("bearer", false, out.bearer)) return r;
    if (!sync::valid_outbox_kind(kind)) {
      return bad_request(where + ": kind '" + kind.substr(0, 64) + "' is not lower-case dotted words");
    }
    std::string error;
    if (!domain::parse_hlc(hlc, out.hlc, error)) {
      return bad_request(where + ": field 'hlc' is not a clock time: " + error);
    }
    if (!sync::batchable_write(out.method, out.path)) {
      return bad_request(where + ": " + out.method.substr(0, 16) + " " + out.path.substr(0, 100) +
                         " is not a write that can travel in a batch");
    }
    if (at_central) {
      // A centre node relays what its terminals filed: each entry names the terminal (origin).
      if (auto r = str("origin", true, out.origin)) return r;
      if (!valid_id(out.origin)) {
        return bad_request(where + ": field 'origin' must be the id of the terminal that filed it");
      }
      if (out.method != "POST" || out.path != "/api/v1/applications") {
        return bad_request(where + ": the central server takes only applications (POST /api/v1/applications)");
      }
      auto received = e.find("received_ms");
      if (received == e.end() || !received->is_number_integer() || received->get<std::int64_t>() <= 0) {
        return bad_request(where + ": field 'received_ms' must be the Unix time in ms the centre stored it");
      }
      out.received_ms = received->get<std::int64_t>();
    }
    list.push_back(std::move(out));
  }

  return std::nullopt;
}

// The batch read with simdjson (validating, no tree of allocations), each object in one pass. It
// accepts only a batch read_batch accepts, with the same entries: anything else (a field missing
// or of the wrong type, a key given twice, an entry read_batch refuses, JSON simdjson does not
// take) is false, and read_batch then finds the refusal and its message. Terminals and centre
// nodes send well-formed batches, so the tree is built only for the rare bad one.
bool read_batch_fast(const std::string& text, bool at_central, std::vector<UploadEntry>& list) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object body;
  if (detail::parse_padded(parser, text).get(root) != simdjson::SUCCESS ||
      root.get_object().get(body) != simdjson::SUCCESS) {
    return false;
  }
  std::int64_t version = 0;
  simdjson::dom::array entries;
  unsigned seen = 0;
  for (auto [key, value] : body) {
    if (key == "protocol") {
      if ((seen & 1u) != 0 || value.get_int64().get(version) != simdjson::SUCCESS) return false;
      seen |= 1u;
    } else if (key == "entries") {
      if ((seen & 2u) != 0 || value.get_array().get(entries) != simdjson::SUCCESS) return false;
      seen |= 2u;
    }
  }
  if (seen != 3u || version != sync::kProtocolVersion || entries.size() > sync::kMaxUploadEntries) return false;

  list.reserve(entries.size());
  std::int64_t previous = 0;
  std::string error;
  for (simdjson::dom::element element : entries) {
    simdjson::dom::object e;
    if (element.get_object().get(e) != simdjson::SUCCESS) return false;
    enum : unsigned {
      kSeq = 1u << 0,
      kKind = 1u << 1,
      kHlc = 1u << 2,
      kMethod = 1u << 3,
      kPath = 1u << 4,
      kBody = 1u << 5,
      kBearer = 1u << 6,
      kOrigin = 1u << 7,
      kReceived = 1u << 8,
    };
    UploadEntry out;
    std::string_view kind, hlc, method, path, text_body, bearer, origin;
    unsigned fields = 0;
    for (auto [key, value] : e) {
      unsigned bit = 0;
      bool ok = true;
      auto str = [&value](bool required, std::string_view& out_value) {
        if (value.is_null()) return !required;
        return value.get_string().get(out_value) == simdjson::SUCCESS;
      };
      if (key == "seq") {
        bit = kSeq, ok = value.get_int64().get(out.seq) == simdjson::SUCCESS;
      } else if (key == "kind") {
        bit = kKind, ok = str(true, kind);
      } else if (key == "hlc") {
        bit = kHlc, ok = str(true, hlc);
      } else if (key == "method") {
        bit = kMethod, ok = str(true, method);
      } else if (key == "path") {
        bit = kPath, ok = str(true, path);
      } else if (key == "body") {
        bit = kBody, ok = str(false, text_body);
      } else if (key == "bearer") {
        bit = kBearer, ok = str(false, bearer);
      } else if (at_central && key == "origin") {
        bit = kOrigin, ok = str(true, origin);
      } else if (at_central && key == "received_ms") {
        bit = kReceived, ok = value.get_int64().get(out.received_ms) == simdjson::SUCCESS;
      } else {
        continue;  // not read, as by read_batch
      }
      // A key given twice is read by the tree as its last value: left to read_batch.
      if (!ok || (fields & bit) != 0) return false;
      fields |= bit;
    }
    const unsigned required = kSeq | kKind | kHlc | kMethod | kPath | (at_central ? kOrigin | kReceived : 0u);
    if ((fields & required) != required || out.seq < 1 || out.seq <= previous) return false;
    previous = out.seq;
    if (!sync::valid_outbox_kind(kind) || !domain::parse_hlc(hlc, out.hlc, error) ||
        !sync::batchable_write(method, path)) {
      return false;
    }
    out.method.assign(method);
    out.path.assign(path);
    out.bearer.assign(bearer);
    if (at_central) {
      out.origin.assign(origin);
      if (!valid_id(out.origin) || method != "POST" || path != "/api/v1/applications" || out.received_ms <= 0) {
        return false;
      }
    }
    // With room for simdjson's padding: the filing is parsed in place (check_filing).
    out.body = detail::padded_copy(text_body);
    list.push_back(std::move(out));
  }
  return true;
}

constexpr std::string_view kOfficerStatuses[] = {"approved", "rejected", "ready", "delivered"};

bool device_may_file(DeviceKind kind) { return kind == DeviceKind::Kiosk || kind == DeviceKind::Counter; }

}  // namespace

void Api::file_application(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  std::optional<std::string_view> key;
  if (c.request.has_header("idempotency-key")) key = c.request.header("idempotency-key");
  auto filing = application_filing(device.value(), c.request, key, c.request.target, c.request.body);
  if (!filing) return c.done(filing.error());
  Centre::Filing& f = filing.value();
  centre_.file_application(f.context, std::move(f.record), std::move(c.done));
}

namespace {

// The application stored under this receipt, or the 404 that says there is none.
domain::Result<ApplicationRecord, Response> stored_application(Centre& centre, const std::string& receipt) {
  std::optional<ApplicationRecord> found;
  if (receipt.size() <= 100) {
    auto conn = centre.reads().acquire();
    found = conn->application(receipt);
  }
  if (!found) {
    return Response::error(404, "unknown_application",
                           "there is no application with receipt '" + receipt.substr(0, 100) + "'");
  }
  return std::move(*found);
}

}  // namespace

domain::Result<Centre::Filing, Response> Api::application_filing(const AuthDevice& device, const Request& auth,
                                                                 std::optional<std::string_view> key,
                                                                 std::string_view target, const std::string& body) {
  if (!device_may_file(device.kind)) {
    return forbidden("only kiosks and counters file applications; device " + device.id + " is a " +
                     to_string(device.kind));
  }
  std::string session_operator;
  if (auth.has_header("authorization")) {
    auto session = centre_.authenticate_operator(auth, device);
    if (!session) return session.error();
    session_operator = session->operator_id;
  }
  std::optional<IdempotencyKey> idempotency;
  if (key) {
    if (auto e = idempotency_key(*key, "POST", target, body, idempotency)) return *e;
  }
  auto checked = check_filing(centre_.catalogue(), body, device.id, device.kind);
  if (!checked) return checked.error();
  Centre::Filing filing;
  filing.record = std::move(checked.value());
  filing.record.device = device.id;
  // The operator who took the application: named in the filing (a counter files without a
  // session, so that one uploaded after the operator logged out is not lost), or the session's.
  std::string& named = filing.record.operator_id;
  if (!session_operator.empty() && !named.empty() && named != session_operator) {
    return Response::error(422, "invalid_application",
                           "the filing names operator '" + named + "' but was sent with the session of operator '" +
                               session_operator + "'; operator_id must name the operator who took it");
  }
  if (named.empty()) {
    named = std::move(session_operator);
  } else if (session_operator.empty() && !centre_.operator_known(named)) {
    return Response::error(422, "unknown_operator",
                           "operator '" + named + "' is not an operator of this centre (operator_id names the " +
                               "operator who took the application; nothing was stored)");
  }
  if (idempotency) filing.record.idempotency_key = idempotency->key;
  filing.context = WriteContext{device.id, std::move(idempotency)};
  return filing;
}

void Api::get_application(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto found = stored_application(centre_, c.params[0]);
  if (!found) return c.done(found.error());
  c.done(Response::json_text(200, application_answer(found->public_json)));
}

void Api::sync_upload(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (auto e = protocol_header(c.request)) return c.done(*e);
  const bool at_central = centre_.role() == NodeRole::Central;
  if (at_central && device->kind != DeviceKind::Centre) {
    return c.done(forbidden("only centre nodes upload to the central server; device " + device->id + " is a " +
                            to_string(device->kind)));
  }
  if (!at_central && device->kind == DeviceKind::Centre) {
    return c.done(forbidden("device " + device->id + " is a centre node; centre nodes upload to the central server"));
  }
  if (at_central && centre_.centre_catalogue(device->id) == nullptr) {
    return c.done(Response::error(403, "unknown_centre",
                                  "centre node " + device->id + " has no catalogue at the central server (add " +
                                      device->id + ".toml to the catalogue directory and restart)"));
  }
  // The whole batch is checked before any entry is applied: a malformed batch changes nothing.
  // The fast reader takes a well-formed batch; any other is read again as a tree, for the refusal.
  std::vector<UploadEntry> list;
  if (!read_batch_fast(c.request.body, at_central, list)) {
    list.clear();
    if (auto refusal = read_batch(c.request, at_central, list)) return c.done(std::move(*refusal));
  }

  // Device times are observed with the server's clock: drift 0 and Clamp, so a terminal clock
  // ahead is recorded as the server's wall clock and never drags the server along.
  domain::HlcTime device_hlc;
  for (const auto& e : list) {
    domain::HlcReceive r = centre_.observe_hlc(e.hlc);
    device_hlc = std::max(device_hlc, r.bounded);
  }

  struct Batch {
    std::mutex mu;
    std::vector<std::optional<Response>> results;
    std::size_t remaining = 0;
    std::vector<std::int64_t> seqs;
    std::string device;
    std::string device_hlc;
    Respond done;
  };
  auto batch = std::make_shared<Batch>();
  batch->results.resize(list.size());
  batch->remaining = list.size();
  batch->device = device->id;
  batch->device_hlc = device_hlc.node.empty() ? std::string() : domain::format_hlc(device_hlc);
  batch->done = std::move(c.done);
  for (const auto& e : list) batch->seqs.push_back(e.seq);

  auto finish = [this, at_central](const std::shared_ptr<Batch>& b) {
    // Entries answered for good, in order; the first without a final answer (5xx) ends the prefix.
    std::int64_t durable_through = 0;
    bool all_final = true;
    // Written as text, keys in the order nlohmann::json gives them (sorted), so the answer reads
    // exactly as the tree built before: each entry's answer is spliced in as it is, since the
    // server's JSON answers are already that tree's text.
    std::string results = "[";
    for (std::size_t i = 0; i < b->results.size(); ++i) {
      const Response& r = *b->results[i];
      const bool final = r.status < 500;
      if (!final) all_final = false;
      if (all_final) durable_through = b->seqs[i];
      if (i > 0) results += ',';
      results += "{\"body\":";
      if (r.content_type == "application/json" && !r.body.empty() && r.body.front() == '{') {
        results += r.body;
      } else {
        json answer = json::parse(r.body, nullptr, false);
        if (answer.is_discarded()) answer = r.body;
        results += answer.dump(-1, ' ', false, json::error_handler_t::replace);
      }
      results += ",\"seq\":";
      results += std::to_string(b->seqs[i]);
      results += ",\"status\":";
      results += std::to_string(r.status);
      results += '}';
    }
    results += ']';
    // The terminal's outbox report counted this batch: what was answered for good has left it.
    if (!at_central) {
      std::int64_t answered = 0;
      for (const auto& r : b->results) answered += r->status < 500 ? 1 : 0;
      centre_.activity().answered(b->device, answered);
    }
    const std::string server_hlc = domain::format_hlc(centre_.hlc_now());
    std::string out = "{\"durable_through\":" + std::to_string(durable_through) +
                      ",\"protocol\":" + std::to_string(sync::kProtocolVersion) + ",\"results\":" + results +
                      ",\"server_hlc\":";
    append_json_string(out, server_hlc);
    out += '}';
    Response response = Response::json_text(200, std::move(out));
    if (!all_final || durable_through == 0) {
      // Nothing more to record (and a storage failure may be under way): answer as it stands.
      return b->done(std::move(response));
    }
    centre_.record_upload(b->device, durable_through, b->device_hlc, server_hlc, std::move(response),
                          std::move(b->done));
  };

  if (list.empty()) {
    return finish(batch);
  }
  // Applications go to the writer together: each run of consecutive filings is checked here and
  // written as one job (Centre::file_applications), answered exactly as one by one. Other entries
  // (tokens, counters…) go through their own route, in order between the runs.
  std::vector<Centre::Filing> run;
  auto flush = [this, &run] {
    if (run.empty()) return;
    centre_.file_applications(std::move(run));
    run.clear();
  };
  for (std::size_t i = 0; i < list.size(); ++i) {
    UploadEntry& e = list[i];
    auto answer = [batch, i, finish](Response r) {
      bool last = false;
      {
        std::lock_guard lock(batch->mu);
        if (batch->results[i]) return;  // answered once already
        batch->results[i] = std::move(r);
        last = --batch->remaining == 0;
      }
      if (last) finish(batch);
    };
    if (at_central) {
      run.push_back(relayed_filing(device.value(), e.seq, e.origin, e.received_ms, e.body, std::move(answer)));
      continue;
    }
    if (e.method == "POST" && e.path == "/api/v1/applications") {
      if (auto filing = upload_filing(device.value(), e.seq, std::move(e.body), e.bearer, answer))
        run.push_back(std::move(*filing));
      continue;
    }
    flush();
    Request sub;
    sub.method = e.method;
    sub.target = e.path;
    sub.body = std::move(e.body);
    sub.remote = c.request.remote;
    for (const auto& [name, value] : c.request.headers) {
      if (name == "x-guichet-device" || name == "x-guichet-secret") sub.headers.emplace_back(name, value);
    }
    sub.headers.emplace_back("idempotency-key", device->id + ":" + std::to_string(e.seq));
    if (!e.bearer.empty()) sub.headers.emplace_back("authorization", "Bearer " + e.bearer);
    handle(sub, std::move(answer));
  }
  flush();
}

std::optional<Centre::Filing> Api::upload_filing(const AuthDevice& device, std::int64_t seq, std::string body,
                                                 const std::string& bearer, const Respond& done) {
  // The single route's checks (application_filing) on the batch's device, authenticated once for
  // the batch, with the entry's bearer as the operator session and <device>:<seq> as its key: a
  // refusal is answered at once, as that route answers it.
  try {
    Request auth;
    if (!bearer.empty()) auth.headers.emplace_back("authorization", "Bearer " + bearer);
    const std::string key = device.id + ":" + std::to_string(seq);
    auto filing = application_filing(device, auth, key, "/api/v1/applications", body);
    if (!filing) {
      done(filing.error());
      return std::nullopt;
    }
    filing->done = done;
    return std::move(filing.value());
  } catch (const store::DbError& e) {
    log_error(std::string("request failed on storage: ") + e.what());
    done(Response::error(503, "storage_failed", "the centre server could not read its database"));
    return std::nullopt;
  }
}

Centre::Filing Api::relayed_filing(const AuthDevice& centre_node, std::int64_t seq, const std::string& origin,
                                   std::int64_t received_ms, const std::string& body, Respond done) {
  Centre::Filing filing;
  filing.done = std::move(done);
  filing.received_ms = received_ms;
  // The key is the centre's, the terminal's and the relay's sequence: a resent batch is a replay.
  std::string key = centre_node.id + "/" + origin + ":" + std::to_string(seq);
  filing.context = WriteContext{centre_node.id,
                                IdempotencyKey{key, fingerprint({"POST /api/v1/applications\n", origin, "\n", body})}};
  const domain::Catalogue* catalogue = centre_.centre_catalogue(centre_node.id);
  auto checked = check_relayed_filing(*catalogue, body, origin);
  if (!checked) {
    // Refusals are answered under the key too, so a resent batch gets the same answer.
    filing.refusal = std::move(checked.error());
    return filing;
  }
  filing.record = std::move(checked.value());
  filing.record.device = origin;
  filing.record.centre = centre_node.id;
  filing.record.idempotency_key = std::move(key);
  const domain::Service* service = catalogue->service(filing.record.service);
  filing.record.department = service != nullptr ? service->department : std::string();
  return filing;
}

void Api::set_status(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return c.done(session.error());
  if (session->role != Role::Officer) {
    return c.done(forbidden("application statuses are changed by department officers; operator " +
                            session->operator_id + " is a " + to_string(session->role)));
  }
  std::optional<IdempotencyKey> key;
  if (auto e = idempotency_of(c.request, key)) return c.done(*e);
  if (!key) {
    return c.done(
        bad_request("a status change needs an Idempotency-Key header, so that a retry is not a second change"));
  }
  json body;
  std::string status, note;
  if (auto e = parse_body(c.request, body)) return c.done(*e);
  if (auto e = string_field(body, "status", true, status)) return c.done(*e);
  if (auto e = string_field(body, "note", false, note)) return c.done(*e);
  if (std::find(std::begin(kOfficerStatuses), std::end(kOfficerStatuses), status) == std::end(kOfficerStatuses)) {
    return c.done(bad_request("field 'status' must be approved, rejected, ready or delivered (got \"" +
                              status.substr(0, 40) + "\")"));
  }
  const std::string& receipt = c.params[0];
  if (receipt.size() > 100) {
    return c.done(Response::error(404, "unknown_application", "there is no application with that receipt"));
  }
  centre_.set_application_status(WriteContext{device->id, key}, session.value(), receipt, status, note,
                                 std::move(c.done));
}

void Api::sync_changes(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  if (auto e = protocol_header(c.request)) return c.done(*e);
  const bool at_central = centre_.role() == NodeRole::Central;
  if (at_central != (device->kind == DeviceKind::Centre)) {
    return c.done(forbidden(at_central ? "only centre nodes read the central server's changes; device " + device->id +
                                             " is a " + to_string(device->kind)
                                       : "device " + device->id + " is a centre node; it reads the central server"));
  }
  // A cursor is "<seq>.<history>" (Centre::change_cursor); a bare "<seq>" is one given before
  // cursors named their history, or 0 for everything.
  std::int64_t since = 0;
  std::string_view since_text;  // as sent
  std::string_view history;
  if (auto it = c.query.find("since"); it != c.query.end()) {
    const std::string_view v = since_text = it->second;
    const std::size_t dot = v.find('.');
    const std::string_view number = v.substr(0, dot);
    if (dot != std::string_view::npos) history = v.substr(dot + 1);
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), since);
    const bool history_ok = dot == std::string_view::npos ||
                            (history.size() == 16 && std::all_of(history.begin(), history.end(), [](char ch) {
                               return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                             }));
    if (number.empty() || number.size() > 18 || ec != std::errc() || ptr != number.data() + number.size() ||
        since < 0 || !history_ok) {
      return c.done(
          bad_request("query parameter 'since' must be a cursor this server gave (or 0 for everything); got '" +
                      std::string(v.substr(0, 40)) + "'"));
    }
  }
  int limit = 1000;
  if (auto it = c.query.find("limit"); it != c.query.end()) {
    const std::string& v = it->second;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || limit < 1 || limit > 5000) {
      return c.done(bad_request("query parameter 'limit' must be a number from 1 to 5000"));
    }
  }
  const std::int64_t through = centre_.durable_change_seq();
  if (!history.empty()) {
    // The cursor's history must be one this database had, and the cursor within what the histories
    // after it kept: otherwise the database was restored from a backup taken before the client's
    // last read (or replaced), and changes after the cursor's number are not the ones it missed.
    const auto end = centre_.change_history_end(history);
    if (!end || since > *end) {
      return c.done(Response::error(
          400, "cursor_unknown",
          "cursor " + std::string(since_text) +
              (end ? " counts changes this server's database no longer has (restored from a backup after change " +
                         std::to_string(*end) + "?)"
                   : " was not given by this server's database as it is now (restored from a backup, or replaced)") +
              "; start again from 0"));
    }
  }
  if (since > through) {
    // A cursor past every change this server has (its database restored from a backup, say): its
    // own code, so that a client knows to read everything again from 0 (a compacted snapshot).
    return c.done(Response::error(400, "cursor_ahead",
                                  "cursor " + std::to_string(since) +
                                      " is ahead of this server's changes (the newest is " + std::to_string(through) +
                                      "); start again from 0"));
  }
  std::vector<ChangeRecord> rows;
  {
    auto conn = centre_.reads().acquire();
    rows = at_central ? conn->scoped_changes_after(device->id, since, through, limit + 1)
                      : conn->changes_after(since, through, limit + 1);
  }
  const bool more = rows.size() > static_cast<std::size_t>(limit);
  if (more) rows.resize(static_cast<std::size_t>(limit));
  const std::int64_t cursor = rows.empty() ? since : rows.back().seq;
  std::string text = "{\"protocol\":" + std::to_string(sync::kProtocolVersion) + ",\"cursor\":\"" +
                     centre_.change_cursor(cursor) + "\",\"more\":" + (more ? "true" : "false") + ",\"changes\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) text += ',';
    text += rows[i].body;
  }
  text += "]}";
  c.done(Response::json_text(200, std::move(text)));
}

void Api::put_attachment(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return c.done(device.error());
  const bool at_central = centre_.role() == NodeRole::Central;
  if (at_central && device->kind != DeviceKind::Centre) {
    return c.done(forbidden("only centre nodes send scanned files to the central server; device " + device->id +
                            " is a " + to_string(device->kind)));
  }
  if (!at_central && device->kind != DeviceKind::Kiosk && device->kind != DeviceKind::Counter) {
    return c.done(forbidden("only kiosks and counters send scanned files; device " + device->id + " is a " +
                            to_string(device->kind)));
  }
  const std::string& sha256 = c.params[0];
  if (!valid_sha256_hex(sha256)) {
    return c.done(bad_request("the path must end in the file's SHA-256, 64 lower-case hex digits (got \"" +
                              sha256.substr(0, 70) + "\")"));
  }
  const std::string media_type = media_type_of(c.request.header("content-type"));
  if (!attachment_media_type(media_type)) {
    return c.done(Response::error(
        415, "unsupported_media_type",
        "Content-Type must be image/png, image/jpeg or application/pdf (got \"" + media_type.substr(0, 60) + "\")"));
  }
  // The transport refuses a longer body before it is read; this is for callers without it.
  if (c.request.body.size() > kMaxAttachmentBytes) {
    return c.done(Response::error(413, "payload_too_large", "a scanned file is at most 8 MiB (8388608 bytes)"));
  }
  if (!looks_like(media_type, c.request.body)) {
    return c.done(Response::error(422, "attachment_not_media_type",
                                  "the bytes do not begin as " + media_type + " files do (" +
                                      (media_type == "image/png"    ? std::string("the PNG signature")
                                       : media_type == "image/jpeg" ? std::string("FF D8 FF")
                                                                    : std::string("%PDF-")) +
                                      ")"));
  }
  // Hashed and stored on the attachments' own thread; answered once durable.
  centre_.attachments().put(sha256, media_type, c.request.body, device->id, centre_.wall_now(), std::move(c.done));
}

domain::Result<AuthSession, Response> Api::officer_or_admin(Call& c) {
  auto device = centre_.authenticate_device(c.request);
  if (!device) return device.error();
  auto session = centre_.authenticate_operator(c.request, device.value());
  if (!session) return session.error();
  if (session->role != Role::Officer && session->role != Role::Admin) {
    return forbidden("scanned files are read by department officers and administrators; operator " +
                     session->operator_id + " is a " + to_string(session->role));
  }
  return session;
}

void Api::get_attachment(Call& c) {
  auto session = officer_or_admin(c);
  if (!session) return c.done(session.error());
  const std::string& sha256 = c.params[0];
  if (!valid_sha256_hex(sha256)) {
    return c.done(bad_request("the path must end in the file's SHA-256, 64 lower-case hex digits"));
  }
  if (session->role == Role::Officer) {
    bool named = false;
    {
      auto conn = centre_.reads().acquire();
      named = conn->department_names_file(session->department, sha256);
    }
    if (!named) {
      return c.done(Response::error(
          404, "unknown_attachment",
          "no application of department '" + session->department + "' names file " + sha256.substr(0, 12) + "…"));
    }
  }
  auto content = centre_.attachments().content(sha256);
  if (!content) {
    return c.done(Response::error(404, "attachment_not_received",
                                  "file " + sha256.substr(0, 12) + "… has not been received yet"));
  }
  Response r;
  r.status = 200;
  r.content_type = std::move(content->media_type);
  r.body = std::move(content->bytes);
  c.done(std::move(r));
}

void Api::application_documents(Call& c) {
  auto session = officer_or_admin(c);
  if (!session) return c.done(session.error());
  auto found = stored_application(centre_, c.params[0]);
  if (!found) return c.done(found.error());
  if (session->role == Role::Officer && found->department != session->department) {
    return c.done(Response::error(403, "other_department",
                                  "application " + found->receipt + " is filed with department '" + found->department +
                                      "'; officer " + session->operator_id + " is of department '" +
                                      session->department + "'"));
  }
  json documents = json::parse(found->documents_json, nullptr, false);
  if (!documents.is_array()) documents = json::array();
  std::vector<std::string> named;
  for (const auto& d : documents) {
    if (!d.is_object() || !d.contains("files")) continue;
    for (const auto& f : d["files"]) named.push_back(f.value("sha256", ""));
  }
  const std::set<std::string> received = centre_.attachments().stored(named);
  json out_docs = json::array();
  for (const auto& d : documents) {
    if (!d.is_object()) continue;
    json files = json::array();
    if (d.contains("files")) {
      for (const auto& f : d["files"]) {
        const std::string sha = f.value("sha256", "");
        files.push_back(json::object({{"sha256", sha},
                                      {"media_type", f.value("media_type", "")},
                                      {"bytes", f.value("bytes", 0)},
                                      {"received", received.count(sha) > 0}}));
      }
    }
    out_docs.push_back(
        json::object({{"id", d.value("id", "")}, {"present", d.value("present", false)}, {"files", files}}));
  }
  c.done(Response::json(200, json{{"application",
                                   {{"receipt", found->receipt},
                                    {"service", found->service},
                                    {"department", found->department},
                                    {"status", found->status},
                                    {"documents", std::move(out_docs)}}}}));
}

}  // namespace guichet::server
