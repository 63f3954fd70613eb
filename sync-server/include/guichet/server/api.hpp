// The HTTP API of docs/api.md as plain functions of Request → Response, so every handler runs in
// tests without sockets. The HTTP layer (http_server.hpp) only moves bytes and streams the live
// feed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/server/centre.hpp"
#include "guichet/server/message.hpp"

namespace guichet::server {

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
// POST /api/v1/sync/upload carries up to 500 requests in one body.
inline constexpr std::size_t kMaxUploadBodyBytes = sync::kMaxUploadBytes;
// PUT /api/v1/attachments/{sha256} carries one scanned file: only that route takes 8 MiB.
inline constexpr std::size_t kMaxAttachmentBodyBytes = 8 * 1024 * 1024;

struct Route {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/tokens/{id}"
};

class Api {
 public:
  explicit Api(Centre& centre) : centre_(centre) {}

  // Answers any request; `done` may run on another thread (writes answer once durable).
  void handle(const Request& request, Respond done);
  // Waits for the answer; for tests and tools.
  Response handle_sync(const Request& request, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // The live feed (GET /api/v1/events) is streamed by the HTTP layer; this authenticates the
  // request and says where it resumes. Without Last-Event-ID the feed starts with new events.
  struct FeedOpen {
    std::optional<Response> refusal;
    std::optional<std::uint64_t> last_event_id;
    std::string device;
  };
  bool is_feed(const Request& request) const;
  FeedOpen open_feed(const Request& request);

  Centre& centre() { return centre_; }
  static const std::vector<Route>& routes();

 private:
  struct Call;
  void health(Call& c);
  void openapi(Call& c);
  void dashboard_page(Call& c);
  void catalogue(Call& c);
  void issue_token(Call& c);
  void get_token(Call& c);
  void cancel_token(Call& c);
  void queue(Call& c);
  void login(Call& c);
  void logout(Call& c);
  void counter_action(Call& c);
  void calls(Call& c);
  void events_snapshot(Call& c);
  void dashboard(Call& c);
  // The dashboard's "sync" part: each terminal's last request, last upload and what its outbox
  // still holds; the filings and scanned files waiting to go to central, and the link's state.
  nlohmann::json sync_state();
  void day_close(Call& c);
  void create_enrollment_code(Call& c);
  void list_codes(Call& c);     // GET /api/v1/enrollment-codes
  void cancel_code(Call& c);    // POST /api/v1/enrollment-codes/{ref}/cancel
  void list_devices(Call& c);   // GET /api/v1/devices
  void revoke_device(Call& c);  // POST /api/v1/devices/{id}/revoke
  // PUT /api/v1/attachments/{sha256}: a scanned file's bytes (docs/server.md, "Attachments").
  void put_attachment(Call& c);
  // Central: GET /api/v1/attachments/{sha256}, the bytes to an officer or an admin.
  void get_attachment(Call& c);
  // Central: GET /api/v1/applications/{receipt}/documents, the officer's view of the documents
  // with their files and whether each file's bytes were received.
  void application_documents(Call& c);
  // Central: the session of an officer or an admin on `c`'s device; the refusal otherwise.
  domain::Result<AuthSession, Response> officer_or_admin(Call& c);
  void enroll(Call& c);
  void file_application(Call& c);
  void get_application(Call& c);
  void sync_upload(Call& c);
  void sync_changes(Call& c);
  void set_status(Call& c);
  void lease_numbers(Call& c);
  void list_leases(Call& c);
  // POST /api/v1/tokens with "leased_number": a token the kiosk issued from its number block.
  void report_leased(Call& c, const AuthDevice& device, const domain::IssueRequest& issue, const nlohmann::json& body,
                     const std::optional<IdempotencyKey>& key);
  // POST /api/v1/tokens with "withdrawn": true: the terminal gave up on the request written under
  // this key (no answer in time). Never issues: a key with no answer gets {"withdrawn":true},
  // stored under it; a key already answered gets that answer (the request is matched with the one
  // it withdraws, `body` without "withdrawn").
  void withdraw_token(Call& c, const AuthDevice& device, nlohmann::json body);
  // Central: one entry of a centre node's upload (an application filed by terminal `origin`),
  // checked against that centre's catalogue; a refusal travels in the filing (kept under its key).
  Centre::Filing relayed_filing(const AuthDevice& centre_node, std::int64_t seq, const std::string& origin,
                                std::int64_t received_ms, const std::string& body, Respond done);
  // POST /api/v1/applications's checks on an authenticated device, in this order, and the filing
  // they make: the device's kind may file; the operator's session when `auth` carries an
  // Authorization header; the idempotency key `key` when given (fingerprinted with POST, `target`
  // and `body`); check_filing; then the record filled in (device, operator, key). The single
  // route and each filing of a sync upload both go through it, so the checks exist once; a
  // refusal is the answer the route gives. Its `done` is left for the caller to set.
  domain::Result<Centre::Filing, Response> application_filing(const AuthDevice& device, const Request& auth,
                                                              std::optional<std::string_view> key,
                                                              std::string_view target, const std::string& body);
  // Centre: one POST /api/v1/applications entry of `device`'s upload, checked by
  // application_filing; empty when it was refused (and answered through `done`).
  std::optional<Centre::Filing> upload_filing(const AuthDevice& device, std::int64_t seq, std::string body,
                                              const std::string& bearer, const Respond& done);

  Centre& centre_;
};

}  // namespace guichet::server
