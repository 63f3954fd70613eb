// Enrollment with one-time codes: the code's format, its hash, durations, the throttle on wrong
// codes, and POST /api/v1/enroll and /api/v1/enrollment-codes through Api::handle_sync.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "guichet/domain/time.hpp"
#include "guichet/server/admin.hpp"
#include "guichet/server/enrollment.hpp"
#include "server_fixture.hpp"

namespace guichet::server::test {
namespace {

using namespace std::chrono_literals;

TEST(EnrollmentCode, HasTenCharactersOfTheAlphabetAndDiffers) {
  std::set<std::string> seen;
  std::set<char> used;
  for (int i = 0; i < 300; ++i) {
    std::string code = generate_enrollment_code();
    ASSERT_EQ(code.size(), 10u);
    for (char c : code) {
      ASSERT_NE(kEnrollmentAlphabet.find(c), std::string_view::npos) << code;
      used.insert(c);
    }
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 300u);
  // 3,000 draws from 31 characters: every one of them shows up.
  EXPECT_EQ(used.size(), kEnrollmentAlphabet.size());
}

TEST(EnrollmentCode, AlphabetHasNoLookAlikes) {
  EXPECT_EQ(kEnrollmentAlphabet.size(), 31u);
  for (char c : std::string("01OIL")) EXPECT_EQ(kEnrollmentAlphabet.find(c), std::string_view::npos) << c;
}

TEST(EnrollmentCode, IsShownInGroupsAndReadBackAsTyped) {
  EXPECT_EQ(format_enrollment_code("7KQ4M9XT2R"), "7KQ4-M9XT-2R");
  EXPECT_EQ(normalize_enrollment_code("7KQ4-M9XT-2R"), "7KQ4M9XT2R");
  EXPECT_EQ(normalize_enrollment_code("7kq4 m9xt 2r"), "7KQ4M9XT2R");
  EXPECT_EQ(normalize_enrollment_code(" 7KQ4M9XT2R\t"), "7KQ4M9XT2R");
  EXPECT_FALSE(normalize_enrollment_code("7KQ4-M9XT-2"));
  EXPECT_FALSE(normalize_enrollment_code("7KQ4-M9XT-2RR"));
  EXPECT_FALSE(normalize_enrollment_code("7KQ4-M9XT-0R"));  // 0 is not in the alphabet
  EXPECT_FALSE(normalize_enrollment_code("7KQ4-M9XT-IR"));
  EXPECT_FALSE(normalize_enrollment_code("7KQ4_M9XT_2R"));
  EXPECT_FALSE(normalize_enrollment_code(""));
  for (int i = 0; i < 20; ++i) {
    std::string code = generate_enrollment_code();
    EXPECT_EQ(normalize_enrollment_code(format_enrollment_code(code)), code);
  }
}

TEST(EnrollmentCode, IsStoredAsAHash) {
  std::string code = generate_enrollment_code();
  std::string hash = enrollment_code_hash(code);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find(code), std::string::npos);
  EXPECT_EQ(hash, enrollment_code_hash(code));
  std::string other = code;
  other[0] = other[0] == 'A' ? 'B' : 'A';
  EXPECT_NE(hash, enrollment_code_hash(other));
}

TEST(EnrollmentCode, Durations) {
  EXPECT_EQ(parse_duration("24h"), std::chrono::milliseconds(24h));
  EXPECT_EQ(parse_duration("90m"), std::chrono::milliseconds(90min));
  EXPECT_EQ(parse_duration("7d"), std::chrono::milliseconds(7 * 24h));
  EXPECT_EQ(parse_duration("30s"), std::chrono::milliseconds(30s));
  EXPECT_FALSE(parse_duration("0h"));
  EXPECT_FALSE(parse_duration("-1h"));
  EXPECT_FALSE(parse_duration("24"));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("1.5h"));
  EXPECT_FALSE(parse_duration("24x"));
}

TEST(EnrollThrottle_, LocksASourceOutAfterFiveWrongCodesAndDoublesTheWait) {
  EnrollThrottle t;
  std::int64_t now = 1'000'000;
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(t.failed("10.0.0.5", now), i);
    EXPECT_FALSE(t.locked("10.0.0.5", now));
  }
  t.failed("10.0.0.5", now);  // the fifth starts the lockouts
  EXPECT_EQ(t.locked("10.0.0.5", now), std::chrono::milliseconds(1000));
  EXPECT_FALSE(t.locked("10.0.0.6", now)) << "another address is not locked out";
  now += 1000;
  EXPECT_FALSE(t.locked("10.0.0.5", now));
  t.failed("10.0.0.5", now);
  EXPECT_EQ(t.locked("10.0.0.5", now), std::chrono::milliseconds(2000));
  for (int i = 0; i < 20; ++i) t.failed("10.0.0.5", now);
  EXPECT_EQ(t.locked("10.0.0.5", now), std::chrono::milliseconds(std::chrono::minutes(5))) << "capped";
  t.succeeded("10.0.0.5");
  EXPECT_FALSE(t.locked("10.0.0.5", now));
}

TEST(EnrollThrottle_, ASourceQuietForADayStartsAfresh) {
  EnrollThrottle t;
  std::int64_t now = 1'000'000;
  for (int i = 0; i < 4; ++i) t.failed("a", now);
  now += 25LL * 3600 * 1000;
  EXPECT_EQ(t.failed("a", now), 1);
}

class Enrollment : public ServerFixture {
 protected:
  // Codes made from the command line carry the real time; the fixture's clock for expiry and
  // throttling starts there too.
  void SetUp() override {
    wall = wall_ms();
    ServerFixture::SetUp();
  }

  // A code made the way `guichet-server enroll-code` makes it.
  std::string code_for(const std::string& kind, const std::string& id = "", const std::string& name = "",
                       std::chrono::milliseconds lifetime = 24h) {
    auto made = create_enrollment_code(db, kind, id, name, lifetime);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error().message);
    return made.ok() ? made->code : std::string();
  }

  Response enroll(const std::string& code, const std::string& kind, const std::string& nonce = "",
                  const std::string& from = "192.0.2.10", const std::string& name = "") {
    json body = {{"code", code}, {"kind", kind}};
    if (!nonce.empty()) body["nonce"] = nonce;
    if (!name.empty()) body["name"] = name;
    Request r = request("POST", "/api/v1/enroll", "", body.dump());
    r.remote = from;
    return api->handle_sync(r);
  }

  Response as_device(const std::string& device, const std::string& secret, const std::string& target) {
    Request r = request("GET", target);
    r.with_header("X-Guichet-Device", device).with_header("X-Guichet-Secret", secret);
    return api->handle_sync(r);
  }

  std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

TEST_F(Enrollment, ACodeGivesADeviceIdAndASecretThatWork) {
  const std::string code = code_for("kiosk", "", "Entrance kiosk");
  ASSERT_EQ(code.size(), 12u);
  Response r = enroll(code, "kiosk", "nonce-0123456789abcdef");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  json b = body_of(r);
  EXPECT_EQ(b["device_id"], "K3") << "K1 and K2 exist: the next kiosk id";
  EXPECT_EQ(b["kind"], "kiosk");
  EXPECT_EQ(b["name"], "Entrance kiosk");
  EXPECT_EQ(b["centre"]["id"], "LDH01");
  EXPECT_FALSE(b["centre"]["name"].get<std::string>().empty());
  EXPECT_EQ(b["time"], "2026-11-23T10:00:00+05:30");
  EXPECT_EQ(b["repeated"], false);
  const std::string secret = b["secret"];
  EXPECT_EQ(secret.size(), 64u);

  Response cat = as_device("K3", secret, "/api/v1/catalogue");
  EXPECT_EQ(cat.status, 200) << cat.body;
  Response issued = api->handle_sync(request("POST", "/api/v1/tokens", "", R"({"service":"birth-certificate"})")
                                         .with_header("X-Guichet-Device", "K3")
                                         .with_header("X-Guichet-Secret", secret));
  EXPECT_EQ(issued.status, 201) << issued.body;

  // Only hashes are stored: neither the code nor the secret is in the database file.
  centre->shutdown();
  std::string plain = *normalize_enrollment_code(code);
  for (const auto& file : {db, db + "-wal"}) {
    std::string bytes = file_text(file);
    EXPECT_EQ(bytes.find(secret), std::string::npos) << file;
    EXPECT_EQ(bytes.find(plain), std::string::npos) << file;
    EXPECT_EQ(bytes.find(code), std::string::npos) << file;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices WHERE id = 'K3' AND name = 'Entrance kiosk'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM enrollment_codes WHERE used_ms IS NOT NULL AND device_id = 'K3'"), 1);
}

TEST_F(Enrollment, ACodeWorksOnce) {
  const std::string code = code_for("counter", "C9");
  ASSERT_EQ(enroll(code, "counter", "first-nonce-0123456").status, 201);
  Response again = enroll(code, "counter", "other-nonce-0123456");
  EXPECT_EQ(again.status, 410);
  EXPECT_EQ(body_of(again)["error"]["code"], "enrollment_code_used");
  Response bare = enroll(code, "counter");
  EXPECT_EQ(bare.status, 410);
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices WHERE kind = 'counter'"), 4) << "D1, D2, D3 and C9";
}

TEST_F(Enrollment, AnExpiredCodeIsRefusedAndCreatesNothing) {
  const std::string code = code_for("kiosk", "", "", 1min);
  // From the code's own creation time: setting up the fixture may take over a second here.
  wall = wall_ms() + 61'000;
  Response r = enroll(code, "kiosk", "nonce-0123456789abcdef");
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(body_of(r)["error"]["code"], "enrollment_code_expired");
  EXPECT_NE(body_of(r)["error"]["message"].get<std::string>().find("expired"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices"), 6);
}

TEST_F(Enrollment, TheKindMustMatchAndTheCodeStaysValid) {
  const std::string code = code_for("display");
  Response r = enroll(code, "kiosk", "nonce-0123456789abcdef");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(body_of(r)["error"]["code"], "enrollment_kind_mismatch");
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices"), 6);
  Response ok = enroll(code, "display", "nonce-0123456789abcdef");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(body_of(ok)["device_id"], "B2");
}

TEST_F(Enrollment, MalformedRequestsAreRefusedWithTheField) {
  EXPECT_EQ(enroll("7KQ4", "kiosk").status, 400);
  EXPECT_EQ(enroll(code_for("kiosk"), "printer").status, 400);
  Response nonce = enroll(code_for("kiosk"), "kiosk", "short");
  EXPECT_EQ(nonce.status, 400);
  EXPECT_NE(body_of(nonce)["error"]["message"].get<std::string>().find("nonce"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices"), 6);
}

TEST_F(Enrollment, WrongCodesAreThrottledPerAddress) {
  const std::string good = code_for("kiosk");
  for (int i = 0; i < 5; ++i) {
    Response r = enroll(format_enrollment_code(generate_enrollment_code()), "kiosk", "", "192.0.2.66");
    EXPECT_EQ(r.status, 401) << i;
    EXPECT_EQ(body_of(r)["error"]["code"], "enrollment_code_unknown");
  }
  Response locked = enroll(good, "kiosk", "", "192.0.2.66");
  EXPECT_EQ(locked.status, 429) << "even the right code waits while the address is locked out";
  EXPECT_EQ(locked.header("Retry-After"), "1");
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices"), 6);
  // Another address is not held up.
  EXPECT_EQ(enroll(code_for("kiosk"), "kiosk", "", "192.0.2.67").status, 201);
  wall += 1000;
  EXPECT_EQ(enroll(good, "kiosk", "", "192.0.2.66").status, 201);
}

TEST_F(Enrollment, ARetryWithTheSameNonceGetsTheSameDeviceWithANewSecret) {
  const std::string code = code_for("kiosk");
  const std::string nonce = "terminal-nonce-5b1e0c9d";
  Response first = enroll(code, "kiosk", nonce);
  ASSERT_EQ(first.status, 201);
  const std::string id = body_of(first)["device_id"], old_secret = body_of(first)["secret"];
  ASSERT_EQ(as_device(id, old_secret, "/api/v1/catalogue").status, 200);

  wall += 60'000;  // the answer was lost; the terminal tries again a minute later
  Response retry = enroll(code, "kiosk", nonce);
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(body_of(retry)["device_id"], id);
  EXPECT_EQ(body_of(retry)["repeated"], true);
  const std::string new_secret = body_of(retry)["secret"];
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(as_device(id, new_secret, "/api/v1/catalogue").status, 200);
  EXPECT_EQ(as_device(id, old_secret, "/api/v1/catalogue").status, 401) << "the first secret is replaced at once";
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices"), 7);

  EXPECT_EQ(enroll(code, "kiosk", "another-nonce-12345678").status, 410) << "someone else with the code";
  EXPECT_EQ(enroll(code, "counter", nonce).status, 410) << "the same nonce for another kind";
  wall += std::chrono::milliseconds(kEnrollmentRetryWindow).count();
  EXPECT_EQ(enroll(code, "kiosk", nonce).status, 410) << "after the retry window";
  EXPECT_EQ(as_device(id, new_secret, "/api/v1/catalogue").status, 200);
}

TEST_F(Enrollment, ARevokedDeviceCannotBeRevivedByRepeatingItsEnrollment) {
  const std::string code = code_for("kiosk");
  const std::string nonce = "terminal-nonce-5b1e0c9d";
  Response first = enroll(code, "kiosk", nonce);
  ASSERT_EQ(first.status, 201);
  const std::string id = body_of(first)["device_id"];
  ASSERT_TRUE(revoke_device(db, id).ok());
  EXPECT_EQ(enroll(code, "kiosk", nonce).status, 410);
}

TEST_F(Enrollment, AChosenIdTakenMeanwhileIsRefused) {
  const std::string code = code_for("kiosk", "K9");
  ASSERT_TRUE(add_device(db, "K9", "kiosk").ok());
  Response r = enroll(code, "kiosk", "nonce-0123456789abcdef");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(body_of(r)["error"]["code"], "device_exists");
}

TEST_F(Enrollment, CodesAreCheckedWhenMade) {
  EXPECT_FALSE(create_enrollment_code(db, "kiosk", "K1", "", 24h).ok()) << "K1 exists";
  EXPECT_FALSE(create_enrollment_code(db, "kiosk", "bad id", "", 24h).ok());
  EXPECT_FALSE(create_enrollment_code(db, "toaster", "", "", 24h).ok());
  EXPECT_FALSE(create_enrollment_code(db, "kiosk", "", "", 31 * 24h).ok());
  EXPECT_FALSE(create_enrollment_code(db, "kiosk", "", "two\nlines", 24h).ok());
  ASSERT_TRUE(create_enrollment_code(db, "kiosk", "K8", "", 24h).ok());
  EXPECT_FALSE(create_enrollment_code(db, "kiosk", "K8", "", 24h).ok()) << "one unused code per chosen id";
}

TEST_F(Enrollment, AnAdminCreatesCodesThroughTheApi) {
  ASSERT_TRUE(add_operator(db, "adm", "Admin", "admin", "5555").ok());
  const std::string op_session = login("D1", "op1", "1234", "");
  Response refused = call("POST", "/api/v1/enrollment-codes", "D1", R"({"kind":"kiosk"})", op_session);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(call("POST", "/api/v1/enrollment-codes", "D1", R"({"kind":"kiosk"})").status, 401);

  const std::string session = login("D2", "adm", "5555", "");
  Response made = call("POST", "/api/v1/enrollment-codes", "D2",
                       R"({"kind":"counter","device_id":"C5","name":"Desk 5","expires_in":"2h"})", session, "D2:77");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.header("Cache-Control"), "no-store");
  json b = body_of(made);
  EXPECT_EQ(b["kind"], "counter");
  EXPECT_EQ(b["device_id"], "C5");
  EXPECT_EQ(b["name"], "Desk 5");
  EXPECT_EQ(b["expires_at"], domain::format_iso_local(domain::from_unix_ms(wall + 2 * 3'600'000), 330));
  const std::string code = b["code"];
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency"), 0) << "the answer holds the code: it is never stored";
  EXPECT_EQ(count("SELECT COUNT(*) FROM enrollment_codes WHERE created_by = 'adm'"), 1);

  Response bad = call("POST", "/api/v1/enrollment-codes", "D2", R"({"kind":"counter","expires_in":"soon"})", session);
  EXPECT_EQ(bad.status, 400);
  Response taken = call("POST", "/api/v1/enrollment-codes", "D2", R"({"kind":"kiosk","device_id":"K1"})", session);
  EXPECT_EQ(taken.status, 422);

  Response enrolled = enroll(code, "counter", "nonce-0123456789abcdef");
  ASSERT_EQ(enrolled.status, 201) << enrolled.body;
  EXPECT_EQ(body_of(enrolled)["device_id"], "C5");
  EXPECT_EQ(body_of(enrolled)["name"], "Desk 5");
}

TEST_F(Enrollment, ARevokedDeviceIsToldSoOnEveryRequestAndTheFeed) {
  ASSERT_TRUE(revoke_device(db, "B1").ok());
  for (auto [method, target] : {std::pair{"GET", "/api/v1/catalogue"},
                                {"GET", "/api/v1/calls"},
                                {"GET", "/api/v1/events"},
                                {"GET", "/api/v1/queue?counter=C1"}}) {
    Response r = call(method, target, "B1");
    EXPECT_EQ(r.status, 403) << target;
    json e = body_of(r)["error"];
    EXPECT_EQ(e["code"], "device_revoked") << target;
    EXPECT_EQ(e["device"], "B1");
    EXPECT_FALSE(e["revoked_at"].get<std::string>().empty());
    EXPECT_NE(e["message"].get<std::string>().find("revoked"), std::string::npos);
  }
  auto feed = api->open_feed(request("GET", "/api/v1/events", "B1"));
  ASSERT_TRUE(feed.refusal);
  EXPECT_EQ(feed.refusal->status, 403);
  EXPECT_EQ(body_of(*feed.refusal)["error"]["code"], "device_revoked");
  // An unknown device is another matter.
  Request unknown = request("GET", "/api/v1/catalogue");
  unknown.with_header("X-Guichet-Device", "ZZ").with_header("X-Guichet-Secret", std::string(64, 'a'));
  Response u = api->handle_sync(unknown);
  EXPECT_EQ(u.status, 401);
  EXPECT_EQ(body_of(u)["error"]["code"], "unauthenticated");
}

TEST_F(Enrollment, ACancelledCodeIsRefusedAndSaysSo) {
  const std::string code = code_for("kiosk", "K7", "Back door");
  store::Db handle = open_database(db);
  auto listed = list_enrollment_codes(handle, wall_ms());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, EnrollmentCodeState::Unused);
  const std::string ref = listed[0].ref;
  ASSERT_EQ(ref.size(), kEnrollmentRefLength);

  auto cancelled = cancel_enrollment_code(db, ref);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_NE(cancelled.value().find("cancelled"), std::string::npos);
  EXPECT_EQ(list_enrollment_codes(handle, wall_ms())[0].state, EnrollmentCodeState::Cancelled);

  Response r = enroll(code, "kiosk", "nonce-0123456789abcdef");
  EXPECT_EQ(r.status, 410) << r.body;
  EXPECT_EQ(body_of(r)["error"]["code"], "enrollment_code_cancelled");
  EXPECT_NE(body_of(r)["error"]["message"].get<std::string>().find("cancelled"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices WHERE id = 'K7'"), 0);

  auto again = cancel_enrollment_code(db, ref);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already cancelled"), std::string::npos);
  // The chosen id is free again for a new code.
  EXPECT_TRUE(create_enrollment_code(db, "kiosk", "K7", "", 24h).ok());
}

TEST_F(Enrollment, ACodeCanBeCancelledByItselfButNotOnceUsedOrExpired) {
  const std::string by_code = code_for("counter");
  auto cancelled = cancel_enrollment_code(db, by_code);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;

  const std::string used = code_for("counter", "C8");
  ASSERT_EQ(enroll(used, "counter", "nonce-0123456789abcdef").status, 201);
  auto refused = cancel_enrollment_code(db, used);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("already used by device C8"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("revoke-device --id C8"), std::string::npos);

  const std::string expiring = code_for("display", "", "", 1min);
  store::Db handle = open_database(db);
  auto in_two_minutes = cancel_enrollment_code(handle, expiring, wall_ms() + 120'000, 0);
  ASSERT_FALSE(in_two_minutes.ok());
  EXPECT_NE(in_two_minutes.error().message.find("already expired"), std::string::npos);

  auto unknown = cancel_enrollment_code(db, "abcdef12");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no enrollment code 'abcdef12'"), std::string::npos);
  EXPECT_FALSE(cancel_enrollment_code(db, "K1").ok()) << "neither a reference nor a code";
}

TEST_F(Enrollment, TheListingShowsEachCodesStateButNeverTheCode) {
  const std::string unused = code_for("kiosk", "K6", "Entrance kiosk");
  const std::string used = code_for("counter", "C6");
  const std::string cancelled = code_for("display");
  const std::string expiring = code_for("kiosk", "", "", 1min);
  ASSERT_EQ(enroll(used, "counter", "nonce-0123456789abcdef").status, 201);
  ASSERT_TRUE(cancel_enrollment_code(db, cancelled).ok());

  store::Db handle = open_database(db);
  std::map<std::string, std::string> state_by_kind_id;
  for (const auto& c : list_enrollment_codes(handle, wall_ms() + 120'000)) {
    state_by_kind_id[std::string(to_string(c.record.kind)) + "/" + c.record.chosen_id] = to_string(c.state);
  }
  EXPECT_EQ(state_by_kind_id["kiosk/K6"], "unused");
  EXPECT_EQ(state_by_kind_id["counter/C6"], "used");
  EXPECT_EQ(state_by_kind_id["display/"], "cancelled");
  EXPECT_EQ(state_by_kind_id["kiosk/"], "expired");

  auto report = enrollment_codes_report(db);
  ASSERT_TRUE(report.ok());
  const std::string text = report.value();
  EXPECT_NE(text.find("kiosk  id K6  name \"Entrance kiosk\""), std::string::npos) << text;
  EXPECT_NE(text.find("used by device C6"), std::string::npos) << text;
  EXPECT_NE(text.find("cancelled on"), std::string::npos) << text;
  for (const auto& code : {unused, used, cancelled, expiring}) {
    EXPECT_EQ(text.find(code), std::string::npos) << "the code itself is never listed";
    EXPECT_EQ(text.find(*normalize_enrollment_code(code)), std::string::npos);
  }
}

TEST_F(Enrollment, DevicesAreListedWithTheirState) {
  ASSERT_TRUE(revoke_device(db, "B1").ok());
  auto report = devices_report(db);
  ASSERT_TRUE(report.ok()) << report.error().message;
  const std::string text = report.value();
  EXPECT_NE(text.find("K1  kiosk"), std::string::npos) << text;
  EXPECT_NE(text.find("active"), std::string::npos) << text;
  const auto b1 = text.find("B1  display");
  ASSERT_NE(b1, std::string::npos) << text;
  EXPECT_NE(text.substr(b1, text.find('\n', b1) - b1).find("revoked on"), std::string::npos) << text;
  store::Db handle = open_database(db);
  EXPECT_EQ(list_devices(handle).size(), 6u);
}

TEST_F(Enrollment, AnAdminListsAndCancelsCodesAndRevokesDevicesThroughTheApi) {
  ASSERT_TRUE(add_operator(db, "adm", "Admin", "admin", "5555").ok());
  const std::string code = code_for("kiosk", "K5", "Hall kiosk");
  const std::string op_session = login("D1", "op1", "1234", "");
  EXPECT_EQ(call("GET", "/api/v1/enrollment-codes", "D1", "", op_session).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/devices", "D1", "", op_session).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/devices", "D1").status, 401);

  // A manager sees the codes (never the code) and the devices, but changes nothing.
  const std::string mgr = login("D1", "mgr", "9876", "");
  Response listed = call("GET", "/api/v1/enrollment-codes", "D1", "", mgr);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.body.find(*normalize_enrollment_code(code)), std::string::npos);
  json codes = body_of(listed)["codes"];
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes[0]["device_id"], "K5");
  EXPECT_EQ(codes[0]["name"], "Hall kiosk");
  EXPECT_EQ(codes[0]["state"], "unused");
  const std::string ref = codes[0]["ref"];
  EXPECT_EQ(call("POST", "/api/v1/enrollment-codes/" + ref + "/cancel", "D1", "{}", mgr).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/devices/K2/revoke", "D1", "{}", mgr).status, 403);
  Response devices = call("GET", "/api/v1/devices", "D1", "", mgr);
  ASSERT_EQ(devices.status, 200) << devices.body;
  EXPECT_EQ(body_of(devices)["devices"].size(), 6u);
  EXPECT_EQ(devices.body.find("secret"), std::string::npos);

  const std::string admin = login("D2", "adm", "5555", "");
  Response cancelled = call("POST", "/api/v1/enrollment-codes/" + ref + "/cancel", "D2", "{}", admin);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(body_of(cancelled)["code"]["state"], "cancelled");
  Response twice = call("POST", "/api/v1/enrollment-codes/" + ref + "/cancel", "D2", "{}", admin);
  EXPECT_EQ(twice.status, 409);
  EXPECT_NE(body_of(twice)["error"]["message"].get<std::string>().find("already cancelled"), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/enrollment-codes/abcdef99/cancel", "D2", "{}", admin).status, 404);
  Response refused = enroll(code, "kiosk", "nonce-0123456789abcdef");
  EXPECT_EQ(refused.status, 410);
  EXPECT_EQ(body_of(refused)["error"]["code"], "enrollment_code_cancelled");

  // Revoked over HTTP: the device is refused with device_revoked at once, though its record was
  // cached by the request just before, and the live feed hears of it at once (its open feeds end).
  struct RevocationCollector : FeedSubscriber {
    void push(const std::shared_ptr<const FeedBatch>&) override {}
    void revoked(const std::string& device) override { devices.push_back(device); }
    std::vector<std::string> devices;
  };
  auto heard = std::make_shared<RevocationCollector>();
  centre->feed().subscribe(heard);
  EXPECT_EQ(call("GET", "/api/v1/catalogue", "K2").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/devices/D2/revoke", "D2", "{}", admin).status, 409) << "not itself";
  EXPECT_EQ(call("POST", "/api/v1/devices/ZZ9/revoke", "D2", "{}", admin).status, 404);
  Response revoked = call("POST", "/api/v1/devices/K2/revoke", "D2", "{}", admin);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(body_of(revoked)["device"]["id"], "K2");
  EXPECT_TRUE(body_of(revoked)["device"]["revoked_at"].is_string());
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices WHERE id = 'K2' AND revoked_ms IS NOT NULL"), 1);
  Response after = call("GET", "/api/v1/catalogue", "K2");
  EXPECT_EQ(after.status, 403);
  EXPECT_EQ(body_of(after)["error"]["code"], "device_revoked");
  EXPECT_EQ(heard->devices, std::vector<std::string>{"K2"}) << "only the revocation that succeeded";
  centre->feed().unsubscribe(heard.get());
}

// A cancellation has its own column: the code is not marked used, and the listings (command line
// and HTTP) give the time it was cancelled.
TEST_F(Enrollment, ACancellationIsStoredApartFromUsesAndListedWithItsTime) {
  code_for("display", "B5");
  store::Db handle = open_database(db);
  const std::string ref = list_enrollment_codes(handle, wall_ms()).at(0).ref;
  const std::int64_t at = wall_ms() + 1'000;
  auto cancelled = cancel_enrollment_code(handle, ref, at, 0);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(count("SELECT COUNT(*) FROM enrollment_codes WHERE cancelled_ms = " + std::to_string(at) +
                  " AND used_ms IS NULL AND device_id = '' AND nonce_hash = ''"),
            1);

  auto listed = list_enrollment_codes(handle, wall_ms());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, EnrollmentCodeState::Cancelled);
  const std::string line = format_enrollment_code_line(listed[0], 0);
  EXPECT_NE(line.find("cancelled on " + domain::format_iso_local(domain::from_unix_ms(at), 0)), std::string::npos)
      << line;

  const std::string mgr = login("D1", "mgr", "9876", "");
  Response r = call("GET", "/api/v1/enrollment-codes", "D1", "", mgr);
  ASSERT_EQ(r.status, 200) << r.body;
  const json code = body_of(r)["codes"].at(0);
  EXPECT_EQ(code["state"], "cancelled");
  EXPECT_EQ(code["cancelled_at"], domain::format_iso_local(domain::from_unix_ms(at), 330));
  EXPECT_FALSE(code.contains("used_at")) << code.dump();
}

// A database from before migration 6 stored a cancellation as a use by no device. Opened by this
// server it is migrated: the code is listed as cancelled at that time (command line and HTTP) and
// refused at enrollment as cancelled, while the other codes keep working.
TEST_F(Enrollment, CodesCancelledInAnOlderDatabaseStayCancelledAfterTheMigration) {
  const std::string kept = code_for("kiosk", "K7", "Back door");
  const std::string old_cancelled = code_for("display", "B6");
  stop();
  const std::int64_t at = wall_ms() + 1'000;
  {
    // A real version-5 file (the first five migrations) holding what this one holds, with a code
    // cancelled the old way: used by no device.
    const std::string older = db + ".v5";
    {
      store::Db v5(older, store::OpenOptions{});
      const auto& all = schema_migrations();
      v5.migrate(std::vector<std::string>(all.begin(), all.begin() + 5));
      ASSERT_EQ(v5.schema_version(), 5);
      v5.exec("PRAGMA foreign_keys = OFF");
      v5.exec("ATTACH DATABASE '" + db + "' AS now");
      std::vector<std::string> tables;
      for (auto st = v5.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table'"); st.step();)
        tables.push_back(st.text(0));
      for (const auto& table : tables) {
        std::string columns;
        for (auto st = v5.prepare("SELECT name FROM pragma_table_info('" + table + "')"); st.step();)
          columns += (columns.empty() ? "" : ", ") + st.text(0);
        v5.exec("INSERT INTO main." + table + "(" + columns + ") SELECT " + columns + " FROM now." + table);
      }
      v5.exec("DETACH DATABASE now");
      auto st = v5.prepare(
          "UPDATE enrollment_codes SET used_ms = ?1, device_id = '', nonce_hash = '' WHERE chosen_id = 'B6'");
      st.bind(1, at).run();
      ASSERT_EQ(v5.changes(), 1);
    }
    std::filesystem::remove(db + "-wal");
    std::filesystem::remove(db + "-shm");
    std::filesystem::rename(older, db);
  }
  start();  // opening the file migrates it
  EXPECT_EQ(count("PRAGMA user_version"), static_cast<std::int64_t>(schema_migrations().size()));
  EXPECT_EQ(count("SELECT COUNT(*) FROM enrollment_codes WHERE chosen_id = 'B6' AND used_ms IS NULL AND "
                  "cancelled_ms = " +
                  std::to_string(at)),
            1);

  auto report = enrollment_codes_report(db);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_NE(report.value().find("id B6  name \"\"  created"), std::string::npos) << report.value();
  EXPECT_NE(report.value().find("cancelled on " + domain::format_iso_local(domain::from_unix_ms(at), 0)),
            std::string::npos)
      << report.value();
  EXPECT_NE(report.value().find("id K7  name \"Back door\""), std::string::npos) << report.value();
  EXPECT_EQ(report.value().find("used by"), std::string::npos) << report.value();

  const std::string mgr = login("D1", "mgr", "9876", "");
  Response r = call("GET", "/api/v1/enrollment-codes", "D1", "", mgr);
  ASSERT_EQ(r.status, 200) << r.body;
  const json listing = body_of(r);
  std::map<std::string, json> by_id;
  for (const auto& c : listing["codes"]) by_id[c["device_id"].get<std::string>()] = c;
  ASSERT_EQ(by_id.size(), 2u) << r.body;
  EXPECT_EQ(by_id["B6"]["state"], "cancelled");
  EXPECT_EQ(by_id["B6"]["cancelled_at"], domain::format_iso_local(domain::from_unix_ms(at), 330));
  EXPECT_FALSE(by_id["B6"].contains("used_at"));
  EXPECT_EQ(by_id["K7"]["state"], "unused");

  Response refused = enroll(old_cancelled, "display", "nonce-0123456789abcdef");
  EXPECT_EQ(refused.status, 410) << refused.body;
  EXPECT_EQ(body_of(refused)["error"]["code"], "enrollment_code_cancelled");
  EXPECT_NE(body_of(refused)["error"]["message"].get<std::string>().find(
                domain::format_iso_local(domain::from_unix_ms(at), 330)),
            std::string::npos)
      << refused.body;
  Response enrolled = enroll(kept, "kiosk", "nonce-abcdef0123456789");
  EXPECT_EQ(enrolled.status, 201) << enrolled.body;
}

}  // namespace
}  // namespace guichet::server::test
