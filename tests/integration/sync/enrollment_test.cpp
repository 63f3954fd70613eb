// Enrollment against the real centre server process: a code made with `guichet-server
// enroll-code` is sent over HTTP, the credentials it gives work, the code works once, expired and
// wrong-kind codes are refused, guessing is throttled, a retry after a dropped connection gets
// the same device, and a revoked device is told so on every request and on the live feed.
#include "guichet/sync/enrollment.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "centre_server.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/testing/process.hpp"

using namespace std::chrono_literals;
using guichet::sync::ApiClient;
using guichet::sync::HttpResponse;
using guichet::sync::json;
using guichet::testing::CentreServer;

namespace {

class EnrollmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
  }

  // `guichet-server enroll-code`; the code is the only line on standard output.
  std::string make_code(const std::string& kind, const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"enroll-code", "--db", centre_.db().string(), "--kind", kind};
    args.insert(args.end(), more.begin(), more.end());
    auto r = guichet::testing::run(CentreServer::program(), args);
    EXPECT_EQ(r.status, 0) << r.err;
    std::string code = r.out;
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
    EXPECT_EQ(code.size(), 12u) << code;
    EXPECT_EQ(r.err.find(code), std::string::npos) << "the code goes to standard output only";
    return code;
  }

  static json enroll_body(const std::string& code, const std::string& kind, const std::string& nonce = "") {
    json body = {{"code", code}, {"kind", kind}};
    if (!nonce.empty()) body["nonce"] = nonce;
    return body;
  }

  HttpResponse enroll(const std::string& code, const std::string& kind, const std::string& nonce = "") {
    ApiClient anonymous({centre_.url(), "", ""});
    return anonymous.post("/api/v1/enroll", enroll_body(code, kind, nonce));
  }

  HttpResponse get_as(const std::string& device, const std::string& secret, const std::string& path) {
    ApiClient client(centre_.endpoint(device, secret));
    return client.get(path);
  }

  // A raw connection to the server (-1 on failure), for what an HTTP client would not do.
  int connect_raw() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(centre_.port());
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Sends the request and closes the connection without reading the answer, as a terminal whose
  // network dropped right after sending.
  void send_and_hang_up(const std::string& path, const std::string& body) {
    int fd = connect_raw();
    ASSERT_GE(fd, 0);
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    ::close(fd);
  }

  CentreServer centre_;
};

TEST_F(EnrollmentTest, ACodeFromTheCommandLineEnrollsOnceAndItsCredentialsWork) {
  const std::string code = make_code("kiosk", {"--name", "Entrance kiosk"});
  HttpResponse r = enroll(code, "kiosk", "nonce-first-kiosk-0001");
  ASSERT_EQ(r.status, 201) << r.body;
  json b = json::parse(r.body);
  EXPECT_EQ(b["device_id"], "K2");
  EXPECT_EQ(b["name"], "Entrance kiosk");
  EXPECT_EQ(b["centre"]["id"], "LDH01");
  EXPECT_FALSE(b["time"].get<std::string>().empty());
  const std::string secret = b["secret"];

  // The credentials work for a normal request, and for a write.
  EXPECT_EQ(get_as("K2", secret, "/api/v1/catalogue").status, 200);
  ApiClient kiosk(centre_.endpoint("K2", secret));
  guichet::sync::RequestOptions o;
  o.idempotency_key = "K2:1";
  HttpResponse token = kiosk.post("/api/v1/tokens", {{"service", "birth-certificate"}}, o);
  EXPECT_EQ(token.status, 201) << token.body;

  // The code works once.
  HttpResponse again = enroll(code, "kiosk", "nonce-someone-else-02");
  EXPECT_EQ(again.status, 410);
  EXPECT_EQ(again.error_code(), "enrollment_code_used");
  // Neither the code nor the secret reaches the log.
  centre_.stop();
  const std::string log = guichet::testing::read_file(centre_.dir() / "guichet-server-1.err");
  EXPECT_NE(log.find("device K2 (kiosk) enrolled"), std::string::npos) << log;
  EXPECT_EQ(log.find(code), std::string::npos);
  EXPECT_EQ(log.find(code.substr(0, 4) + code.substr(5, 4)), std::string::npos);
  EXPECT_EQ(log.find(secret), std::string::npos);
}

TEST_F(EnrollmentTest, ExpiredAndWrongKindCodesAreRefused) {
  const std::string expiring = make_code("kiosk", {"--expires-in", "1s"});
  std::this_thread::sleep_for(1100ms);
  HttpResponse expired = enroll(expiring, "kiosk", "nonce-expired-000001");
  EXPECT_EQ(expired.status, 410);
  EXPECT_EQ(expired.error_code(), "enrollment_code_expired");

  const std::string for_counter = make_code("counter", {"--id", "C7"});
  HttpResponse wrong_kind = enroll(for_counter, "kiosk", "nonce-wrong-kind-0001");
  EXPECT_EQ(wrong_kind.status, 403);
  EXPECT_EQ(wrong_kind.error_code(), "enrollment_kind_mismatch");
  HttpResponse right_kind = enroll(for_counter, "counter", "nonce-right-kind-0001");
  ASSERT_EQ(right_kind.status, 201) << right_kind.body;
  EXPECT_EQ(json::parse(right_kind.body)["device_id"], "C7");
}

TEST_F(EnrollmentTest, GuessingCodesIsThrottled) {
  const std::string good = make_code("display");
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = enroll("2345-6789-AB", "display");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.error_code(), "enrollment_code_unknown");
  }
  HttpResponse locked = enroll(good, "display");
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_GE(locked.retry_after_seconds, 1);
  std::this_thread::sleep_for(std::chrono::seconds(locked.retry_after_seconds) + 100ms);
  HttpResponse ok = enroll(good, "display");
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(EnrollmentTest, ARetryAfterADroppedConnectionGetsTheSameDevice) {
  const std::string code = make_code("kiosk");
  const std::string nonce = "nonce-dropped-answer-01";
  send_and_hang_up("/api/v1/enroll", enroll_body(code, "kiosk", nonce).dump());

  // The terminal tries again with the same code and nonce until it has an answer.
  HttpResponse retry;
  for (int i = 0; i < 50; ++i) {
    retry = enroll(code, "kiosk", nonce);
    if (retry.status != 429) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(retry.status, 201) << retry.body;
  json b = json::parse(retry.body);
  EXPECT_EQ(b["device_id"], "K2");
  EXPECT_EQ(b["repeated"], true) << "the first request was stored before the connection dropped";
  EXPECT_EQ(get_as("K2", b["secret"], "/api/v1/catalogue").status, 200);

  // No second device: the next enrollment gets K3.
  HttpResponse next = enroll(make_code("kiosk"), "kiosk", "nonce-next-kiosk-0001");
  ASSERT_EQ(next.status, 201);
  EXPECT_EQ(json::parse(next.body)["device_id"], "K3");
}

TEST_F(EnrollmentTest, ARevokedDeviceIsRefusedWithDeviceRevokedEverywhere) {
  HttpResponse r = enroll(make_code("display"), "display", "nonce-board-000000001");
  ASSERT_EQ(r.status, 201);
  const std::string id = json::parse(r.body)["device_id"], secret = json::parse(r.body)["secret"];
  ASSERT_EQ(get_as(id, secret, "/api/v1/calls").status, 200);

  auto revoked =
      guichet::testing::run(CentreServer::program(), {"revoke-device", "--db", centre_.db().string(), "--id", id});
  ASSERT_EQ(revoked.status, 0) << revoked.err;
  // Device records are cached for a second.
  HttpResponse calls;
  for (int i = 0; i < 40; ++i) {
    calls = get_as(id, secret, "/api/v1/calls");
    if (calls.status == 403) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(calls.status, 403) << calls.body;
  EXPECT_EQ(calls.error_code(), "device_revoked");
  EXPECT_FALSE(json::parse(calls.body)["error"]["revoked_at"].get<std::string>().empty());
  EXPECT_NE(calls.error_message().find("revoked"), std::string::npos);

  HttpResponse feed = get_as(id, secret, "/api/v1/events");
  EXPECT_EQ(feed.status, 403) << feed.body;
  EXPECT_EQ(feed.error_code(), "device_revoked");
  EXPECT_EQ(get_as(id, secret, "/api/v1/catalogue").error_code(), "device_revoked");

  // An unknown device is told apart from a revoked one.
  HttpResponse unknown = get_as("K99", secret, "/api/v1/calls");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.error_code(), "unauthenticated");
}

// A live feed opened with raw sockets, read until it closes, timing when it closed.
class OpenFeed {
 public:
  OpenFeed(int fd, const std::string& device, const std::string& secret) : fd_(fd) {
    std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Guichet-Device: " + device +
                          "\r\nX-Guichet-Secret: " + secret + "\r\n\r\n";
    sent_ = ::write(fd_, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  }
  ~OpenFeed() {
    if (fd_ >= 0) ::close(fd_);
  }
  OpenFeed(const OpenFeed&) = delete;
  OpenFeed& operator=(const OpenFeed&) = delete;

  bool sent() const { return sent_; }
  // Reads until `until` appears (true), or with `until` empty until the server closes (true), or
  // `timeout` passes (false).
  bool read_until(const std::string& until, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!until.empty() && received.find(until) != std::string::npos) return true;
      if (closed_at) return until.empty();
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        closed_at = std::chrono::steady_clock::now();
        continue;
      }
      received.append(buf, static_cast<std::size_t>(n));
    }
    return false;
  }

  std::string received;
  std::optional<std::chrono::steady_clock::time_point> closed_at;

 private:
  int fd_;
  bool sent_ = false;
};

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Revocation reaches an open feed within a second, well before the next keep-alive (left at 15 s
// here): the old server closed it only at that tick. The bound is generous for a loaded machine.
constexpr double kRevokedFeedBound = 3.0;

// A board whose feed is already open when `guichet-server revoke-device` (another process writing
// the database) revokes its device is told so on the feed and disconnected at once.
TEST_F(EnrollmentTest, AnOpenLiveFeedOfADeviceRevokedFromTheCommandLineIsToldAndClosedWithinASecond) {
  centre_.stop();
  centre_.extra_args = {"--sse-keepalive", "15"};
  const std::string secret = centre_.add_device("B7", "display");
  const std::string other = centre_.add_device("B8", "display");
  ASSERT_TRUE(centre_.start()) << centre_.stderr_text();

  OpenFeed feed(connect_raw(), "B7", secret);
  OpenFeed stays(connect_raw(), "B8", other);
  ASSERT_TRUE(feed.sent() && stays.sent());
  ASSERT_TRUE(feed.read_until("retry:", 10s)) << feed.received;
  ASSERT_TRUE(stays.read_until("retry:", 10s)) << stays.received;
  ASSERT_NE(feed.received.find("200 OK"), std::string::npos) << feed.received;

  auto revoked =
      guichet::testing::run(CentreServer::program(), {"revoke-device", "--db", centre_.db().string(), "--id", "B7"});
  const auto stored = std::chrono::steady_clock::now();  // the revocation is in the file by now
  ASSERT_EQ(revoked.status, 0) << revoked.err;
  ASSERT_TRUE(feed.read_until("", 10s)) << "the feed stayed open after the device was revoked:\n" << feed.received;
  const double took = seconds_between(stored, *feed.closed_at);
  std::cout << "feed closed " << took << " s after revoke-device returned\n";
  EXPECT_LT(took, kRevokedFeedBound);
  EXPECT_NE(feed.received.find("event: revoked"), std::string::npos) << feed.received;
  EXPECT_NE(feed.received.find("device_revoked"), std::string::npos) << feed.received;

  // Another board's feed is left open.
  EXPECT_FALSE(stays.read_until("", 300ms)) << stays.received;
  EXPECT_EQ(stays.received.find("revoked"), std::string::npos) << stays.received;
}

// The same over HTTP (POST /api/v1/devices/{id}/revoke by an admin): the feed ends at once.
TEST_F(EnrollmentTest, AnOpenLiveFeedOfADeviceRevokedOverHttpIsToldAndClosedAtOnce) {
  centre_.stop();
  centre_.extra_args = {"--sse-keepalive", "15"};
  const std::string secret = centre_.add_device("B9", "display");
  const std::string desk = centre_.add_device("D9", "counter");
  centre_.add_operator("adm", "Admin", "admin", "5555");
  ASSERT_TRUE(centre_.start()) << centre_.stderr_text();

  OpenFeed feed(connect_raw(), "B9", secret);
  ASSERT_TRUE(feed.sent());
  ASSERT_TRUE(feed.read_until("retry:", 10s)) << feed.received;

  ApiClient admin(centre_.endpoint("D9", desk));
  HttpResponse login = admin.post("/api/v1/sessions", {{"operator", "adm"}, {"pin", "5555"}});
  ASSERT_EQ(login.status, 201) << login.body;
  guichet::sync::RequestOptions o;
  o.bearer = json::parse(login.body)["session"];
  o.timeout = 10s;
  HttpResponse revoked = admin.post("/api/v1/devices/B9/revoke", json::object(), o);
  const auto answered = std::chrono::steady_clock::now();
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  ASSERT_TRUE(feed.read_until("", 10s)) << "the feed stayed open after the device was revoked:\n" << feed.received;
  const double took = seconds_between(answered, *feed.closed_at);
  std::cout << "feed closed " << took << " s after the revocation was answered\n";
  EXPECT_LT(took, kRevokedFeedBound);
  EXPECT_NE(feed.received.find("event: revoked"), std::string::npos) << feed.received;
}

// The terminals' side (guichet-kiosk/guichet-counter --enroll): sync::enroll stores the device id
// and a 0600 secret in the data directory, load_credentials reads them back and they work; a
// second enrollment into the same directory and a refused code store nothing.
TEST_F(EnrollmentTest, TheTerminalClientStoresCredentialsThatWorkAndRefusesASecondEnrollment) {
  guichet::testing::TempDir dir{"guichet-enroll-client"};
  guichet::sync::EnrollOptions o;
  o.server = centre_.url();
  o.code = make_code("counter");
  o.kind = "counter";
  o.data_dir = dir.path() / "data";
  auto got = guichet::sync::enroll(o);
  ASSERT_TRUE(got) << got.error();
  EXPECT_FALSE(std::filesystem::exists(guichet::sync::enroll_pending_path(o.data_dir)));
  auto perms = std::filesystem::status(guichet::sync::device_secret_path(o.data_dir)).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto stored = guichet::sync::load_credentials(o.data_dir);
  ASSERT_TRUE(stored) << stored.error();
  EXPECT_EQ(stored->device_id, got->device_id);
  EXPECT_EQ(get_as(stored->device_id, stored->secret, "/api/v1/catalogue").status, 200);

  o.code = make_code("counter");
  auto again = guichet::sync::enroll(o);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("already holds"), std::string::npos) << again.error();
}

TEST_F(EnrollmentTest, TheTerminalClientReportsARefusedCodeAndDamagedCredentials) {
  guichet::testing::TempDir dir{"guichet-enroll-client"};
  guichet::sync::EnrollOptions o;
  o.server = centre_.url();
  o.code = "7KQ4-M9XT-2R";
  o.kind = "kiosk";
  o.data_dir = dir.path() / "data";
  o.attempts = 1;
  auto refused = guichet::sync::enroll(o);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("refused the enrollment (401)"), std::string::npos) << refused.error();
  EXPECT_FALSE(guichet::sync::has_stored_credentials(o.data_dir));
  auto none = guichet::sync::load_credentials(o.data_dir);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("--enroll CODE"), std::string::npos) << none.error();

  {
    std::ofstream(guichet::sync::device_id_path(o.data_dir)) << "K9\n";
    std::ofstream(guichet::sync::device_secret_path(o.data_dir)) << "not-a-secret\n";
  }
  auto damaged = guichet::sync::load_credentials(o.data_dir);
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().find("device.secret does not hold a device secret"), std::string::npos) << damaged.error();
}

}  // namespace

// An admin at a counter lists and cancels codes and revokes a device over HTTP, against the real
// server: the cancelled code is refused when a terminal sends it, the revoked device is told so.
TEST_F(EnrollmentTest, AnAdminCancelsACodeAndRevokesADeviceOverHttp) {
  const std::string counter_secret = centre_.add_device("C1", "counter");
  centre_.add_operator("adm", "Admin", "admin", "5555");
  HttpResponse made = enroll(make_code("kiosk", {"--name", "Kept kiosk"}), "kiosk", "nonce-kept-kiosk-00001");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string kiosk_id = json::parse(made.body)["device_id"], kiosk_secret = json::parse(made.body)["secret"];
  const std::string code = make_code("display", {"--name", "Hall board"});

  ApiClient counter(centre_.endpoint("C1", counter_secret));
  HttpResponse login = counter.post("/api/v1/sessions", {{"operator", "adm"}, {"pin", "5555"}});
  ASSERT_EQ(login.status, 201) << login.body;
  guichet::sync::RequestOptions as_admin;
  as_admin.bearer = json::parse(login.body)["session"].get<std::string>();

  HttpResponse codes = counter.get("/api/v1/enrollment-codes", as_admin);
  ASSERT_EQ(codes.status, 200) << codes.body;
  EXPECT_EQ(codes.body.find(code), std::string::npos) << "never the code itself";
  std::string ref;
  const json code_list = json::parse(codes.body)["codes"];
  for (const auto& c : code_list) {
    if (c["name"] == "Hall board") ref = c["ref"].get<std::string>();
    if (c["name"] == "Kept kiosk") {
      EXPECT_EQ(c["state"], "used");
    }
  }
  ASSERT_EQ(ref.size(), 8u) << codes.body;
  HttpResponse cancelled = counter.post("/api/v1/enrollment-codes/" + ref + "/cancel", json::object(), as_admin);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  HttpResponse refused = enroll(code, "display", "nonce-hall-board-00001");
  EXPECT_EQ(refused.status, 410);
  EXPECT_EQ(refused.error_code(), "enrollment_code_cancelled");
  EXPECT_NE(refused.error_message().find("cancelled by an administrator"), std::string::npos) << refused.body;

  ASSERT_EQ(get_as(kiosk_id, kiosk_secret, "/api/v1/catalogue").status, 200);
  HttpResponse revoked = counter.post("/api/v1/devices/" + kiosk_id + "/revoke", json::object(), as_admin);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  HttpResponse after;
  for (int i = 0; i < 40; ++i) {
    after = get_as(kiosk_id, kiosk_secret, "/api/v1/catalogue");
    if (after.status == 403) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(after.error_code(), "device_revoked") << after.body;
  HttpResponse devices = counter.get("/api/v1/devices", as_admin);
  ASSERT_EQ(devices.status, 200) << devices.body;
  const json device_list = json::parse(devices.body)["devices"];
  for (const auto& d : device_list) {
    EXPECT_EQ(d["revoked_at"].is_string(), d["id"] == kiosk_id) << d.dump();
  }
  // The command line sees the same.
  auto listed = guichet::testing::run(CentreServer::program(), {"devices", "--db", centre_.db().string()});
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find(kiosk_id + "  kiosk  name \"Kept kiosk\""), std::string::npos) << listed.out;
  centre_.stop();
  const std::string log = guichet::testing::read_file(centre_.dir() / "guichet-server-1.err");
  EXPECT_NE(log.find("device " + kiosk_id + " revoked by operator adm"), std::string::npos) << log;
}
