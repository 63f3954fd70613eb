// Every handler through Api::handle_sync, on a real database, without sockets.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "guichet/server/resources.hpp"
#include "server_fixture.hpp"

namespace guichet::server::test {
namespace {

using Api_ = ServerFixture;

TEST_F(Api_, HealthNeedsNoCredentials) {
  Response r = call("GET", "/api/v1/health");
  ASSERT_EQ(r.status, 200);
  json b = body_of(r);
  EXPECT_EQ(b["status"], "ok");
  EXPECT_EQ(b["role"], "centre");
  EXPECT_EQ(b["centre"], "LDH01");
  EXPECT_EQ(b["business_day"], "2026-11-23");
  EXPECT_EQ(b["time"], "2026-11-23T10:00:00+05:30");
}

TEST_F(Api_, CatalogueNeedsAValidDevice) {
  EXPECT_EQ(call("GET", "/api/v1/catalogue").status, 401);
  Request wrong = request("GET", "/api/v1/catalogue");
  wrong.with_header("X-Guichet-Device", "K1").with_header("X-Guichet-Secret", std::string(64, 'a'));
  Response w = api->handle_sync(wrong);
  EXPECT_EQ(w.status, 401);
  EXPECT_EQ(body_of(w)["error"]["code"], "unauthenticated");
  Response ok = call("GET", "/api/v1/catalogue", "B1");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(body_of(ok)["centre"]["id"], "LDH01");
  EXPECT_GE(body_of(ok)["services"].size(), 12u);
}

TEST_F(Api_, RevokedDeviceIsRefusedWithAMessage) {
  auto r = revoke_device(db, "K2");
  ASSERT_TRUE(r.ok());
  Response resp = call("POST", "/api/v1/tokens", "K2", R"({"service":"birth-certificate"})");
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(body_of(resp)["error"]["code"], "device_revoked");
  EXPECT_NE(body_of(resp)["error"]["message"].get<std::string>().find("K2"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 0);
}

TEST_F(Api_, IssueTokenIsDurableAndRecordsTheKioskAsActor) {
  json b = issue("birth-certificate", "K1", "elderly");
  ASSERT_TRUE(b.contains("token"));
  EXPECT_EQ(b["token"]["id"], "LDH01-20261123-A001");
  EXPECT_EQ(b["token"]["display"], "A001");
  EXPECT_EQ(b["token"]["priority"], "elderly");
  EXPECT_EQ(b["token"]["issued_by"], "K1");
  EXPECT_EQ(b["wait"]["ahead"], 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens WHERE id = 'LDH01-20261123-A001'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'issued' AND actor = 'K1' AND device = 'K1'"), 1);
}

TEST_F(Api_, IssueRefusesDisplaysAndBadBodies) {
  EXPECT_EQ(call("POST", "/api/v1/tokens", "B1", R"({"service":"birth-certificate"})").status, 403);
  Response missing = call("POST", "/api/v1/tokens", "K1", R"({"priority":"elderly"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(body_of(missing)["error"]["message"].get<std::string>().find("'service'"), std::string::npos);
  Response wrong_type = call("POST", "/api/v1/tokens", "K1", R"({"service":42})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(body_of(wrong_type)["error"]["message"].get<std::string>().find("'service'"), std::string::npos);
  Response malformed = call("POST", "/api/v1/tokens", "K1", R"({"service": "birth-)");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(body_of(malformed)["error"]["message"].get<std::string>().find("JSON"), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/tokens", "K1", "[1,2]").status, 400);
  Response unknown = call("POST", "/api/v1/tokens", "K1", R"({"service":"moon-landing"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(body_of(unknown)["error"]["code"], "unknown_service");
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 0);
}

TEST_F(Api_, ClosedServiceIsA409WithTheQueueCode) {
  clock->set(clock->now() + std::chrono::hours(12));  // 22:00: closed
  Response r = call("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(body_of(r)["error"]["code"], "service_closed");
}

TEST_F(Api_, IdempotentRetryReturnsTheFirstAnswerAndChangesNothing) {
  const std::string body = R"({"service":"birth-certificate"})";
  Response first = call("POST", "/api/v1/tokens", "K1", body, "", "K1:1");
  ASSERT_EQ(first.status, 201);
  Response again = call("POST", "/api/v1/tokens", "K1", body, "", "K1:1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 1);

  // The same key from another device is another key.
  Response other = call("POST", "/api/v1/tokens", "K2", body, "", "K1:1");
  EXPECT_EQ(other.status, 201);
  EXPECT_NE(body_of(other)["token"]["id"], body_of(first)["token"]["id"]);

  // Reusing a key for a different request is refused.
  Response reused = call("POST", "/api/v1/tokens", "K1", R"({"service":"death-certificate"})", "", "K1:1");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(body_of(reused)["error"]["code"], "idempotency_key_reused");

  // After a restart the key is still known (it is stored with the answer).
  restart();
  Response after_restart = call("POST", "/api/v1/tokens", "K1", body, "", "K1:1");
  EXPECT_EQ(after_restart.body, first.body);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 2);
}

TEST_F(Api_, ConcurrentDuplicatesGetOneEffect) {
  const std::string body = R"({"service":"birth-certificate"})";
  std::vector<std::thread> threads;
  std::vector<Response> answers(16);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    threads.emplace_back([&, i] { answers[i] = call("POST", "/api/v1/tokens", "K1", body, "", "K1:77"); });
  }
  for (auto& t : threads) t.join();
  for (const auto& a : answers) {
    EXPECT_EQ(a.status, 201);
    EXPECT_EQ(body_of(a)["token"]["id"], body_of(answers[0])["token"]["id"]);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 1);
}

TEST_F(Api_, RefusalsAreRememberedUnderTheirKey) {
  std::string s = login("D1", "op1", "1234", "C1");
  Response first = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s, "D1:1");
  EXPECT_EQ(first.status, 409);
  EXPECT_EQ(body_of(first)["error"]["code"], "nothing_waiting");
  issue();
  Response again = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s, "D1:1");
  EXPECT_EQ(again.status, 409);  // the first answer, not a new call
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'called'"), 0);
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", s, "D1:2").status, 200);
}

// A kiosk that got no answer in time withdraws its token request: the same body with
// "withdrawn": true under the same key.
TEST_F(Api_, AWithdrawalOfAnUnansweredRequestIsStoredAndChangesNothingInTheQueue) {
  const std::string request = R"({"language":"pa","priority":"elderly","service":"birth-certificate"})";
  const std::string withdrawal =
      R"({"language":"pa","priority":"elderly","service":"birth-certificate","withdrawn":true})";
  const auto changes = count("SELECT COUNT(*) FROM changes");
  Response first = call("POST", "/api/v1/tokens", "K1", withdrawal, "", "K1:5");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, R"({"withdrawn":true})");
  EXPECT_EQ(first.header("Idempotent-Replayed"), "");
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 0) << "no queue event";
  EXPECT_EQ(count("SELECT COUNT(*) FROM changes"), changes) << "nothing for the terminals' change feeds";
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency WHERE device = 'K1' AND key = 'K1:5' AND status = 200"), 1)
      << "the answer is stored under the request's key";

  // Sent again (a lost answer), it is answered the same, and still changes nothing.
  Response again = call("POST", "/api/v1/tokens", "K1", withdrawal, "", "K1:5");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  // The request itself, arriving after its withdrawal (an old copy), is never issued.
  Response late = call("POST", "/api/v1/tokens", "K1", request, "", "K1:5");
  EXPECT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(late.body, first.body);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency WHERE key = 'K1:5'"), 1) << "stored once";

  // Durable: the same after a restart.
  restart();
  Response after_restart = call("POST", "/api/v1/tokens", "K1", withdrawal, "", "K1:5");
  EXPECT_EQ(after_restart.status, 200);
  EXPECT_EQ(after_restart.body, first.body);

  // No number was used: the next token is the first of the day.
  auto next = issue();
  EXPECT_EQ(next["token"]["id"], "LDH01-20261123-A001") << next.dump();
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 1);
}

TEST_F(Api_, AWithdrawalOfARequestAlreadyIssuedGetsTheTokenBack) {
  const std::string request = R"({"language":"en","service":"birth-certificate"})";
  Response issued = call("POST", "/api/v1/tokens", "K1", request, "", "K1:8");
  ASSERT_EQ(issued.status, 201) << issued.body;
  // The body changed under the same key: matched with the request it withdraws, not refused.
  Response withdrawal = call("POST", "/api/v1/tokens", "K1",
                             R"({"language":"en","service":"birth-certificate","withdrawn":true})", "", "K1:8");
  EXPECT_EQ(withdrawal.status, 201) << withdrawal.body;
  EXPECT_EQ(withdrawal.body, issued.body) << "the token, which the kiosk then cancels";
  EXPECT_EQ(withdrawal.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), 1);

  // A refusal stored under the key is its answer too.
  Response closed = call("POST", "/api/v1/tokens", "K1", R"({"service":"moon-landing"})", "", "K1:9");
  ASSERT_EQ(closed.status, 404) << closed.body;
  Response closed_again =
      call("POST", "/api/v1/tokens", "K1", R"({"service":"moon-landing","withdrawn":true})", "", "K1:9");
  EXPECT_EQ(closed_again.status, 404);
  EXPECT_EQ(closed_again.body, closed.body);

  // A withdrawal of another request than the one answered under the key is still a reused key.
  Response other = call("POST", "/api/v1/tokens", "K1",
                        R"({"language":"en","service":"death-certificate","withdrawn":true})", "", "K1:8");
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(body_of(other)["error"]["code"], "idempotency_key_reused");
  // So is one of a request written otherwise than a JSON library prints it (spaces, key order):
  // terminals write their bodies in that form.
  Response spaced =
      call("POST", "/api/v1/tokens", "K1", R"({"service": "birth-certificate", "language": "en"})", "", "K1:10");
  ASSERT_EQ(spaced.status, 201) << spaced.body;
  Response spaced_withdrawal =
      call("POST", "/api/v1/tokens", "K1", R"({"service": "birth-certificate", "language": "en", "withdrawn": true})",
           "", "K1:10");
  EXPECT_EQ(spaced_withdrawal.status, 422) << spaced_withdrawal.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 2);
}

TEST_F(Api_, AWithdrawalNeedsItsKeyAndIsNeverAReport) {
  Response no_key = call("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate","withdrawn":true})");
  EXPECT_EQ(no_key.status, 400) << no_key.body;
  EXPECT_NE(body_of(no_key)["error"]["message"].get<std::string>().find("Idempotency-Key"), std::string::npos);
  Response leased = call("POST", "/api/v1/tokens", "K1",
                         R"({"issued_at":"2026-11-23T09:05:00+05:30","leased_number":3,)"
                         R"("service":"birth-certificate","withdrawn":true})",
                         "", "K1:1");
  EXPECT_EQ(leased.status, 400) << leased.body;
  EXPECT_NE(body_of(leased)["error"]["message"].get<std::string>().find("leased_number"), std::string::npos);
  Response not_bool =
      call("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate","withdrawn":"yes"})", "", "K1:2");
  EXPECT_EQ(not_bool.status, 400) << not_bool.body;
  EXPECT_NE(body_of(not_bool)["error"]["message"].get<std::string>().find("'withdrawn'"), std::string::npos);
  EXPECT_EQ(
      call("POST", "/api/v1/tokens", "B1", R"({"service":"birth-certificate","withdrawn":true})", "", "B1:1").status,
      403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency"), 0) << "refusals before the key is looked at store nothing";
  // "withdrawn": false is an ordinary issue.
  Response plain =
      call("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate","withdrawn":false})", "", "K1:3");
  EXPECT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), 1);
}

// A request and its withdrawal arriving at the same moment (the engine was sending the request
// when the kiosk gave up): whichever the node takes first answers both, and a token exists only
// when that answer is a token.
TEST_F(Api_, ARequestAndItsWithdrawalAtOnceGetOneAnswer) {
  constexpr int kPairs = 12;
  std::vector<Response> requests(kPairs), withdrawals(kPairs);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPairs; ++i) {
    const std::string key = "K1:" + std::to_string(100 + i);
    threads.emplace_back([&, i, key] {
      requests[i] = call("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate"})", "", key);
    });
    threads.emplace_back([&, i, key] {
      withdrawals[i] =
          call("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate","withdrawn":true})", "", key);
    });
  }
  for (auto& t : threads) t.join();
  int tokens = 0;
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(requests[i].status, withdrawals[i].status) << i;
    EXPECT_EQ(requests[i].body, withdrawals[i].body) << i;
    if (requests[i].status == 201) ++tokens;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM tokens"), tokens);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events"), tokens);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency"), kPairs);
}

TEST_F(Api_, BadIdempotencyKeyIsRefused) {
  Request r = request("POST", "/api/v1/tokens", "K1", R"({"service":"birth-certificate"})");
  r.with_header("Idempotency-Key", "has space");
  Response resp = api->handle_sync(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(body_of(resp)["error"]["message"].get<std::string>().find("Idempotency-Key"), std::string::npos);
}

TEST_F(Api_, FullFlowRecordsTheReasonForEveryCall) {
  json t = issue();
  std::string s = login("D1", "op1", "1234", "C1");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'counter_opened' AND actor = 'op1'"), 1);
  Response called = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s);
  ASSERT_EQ(called.status, 200) << called.body;
  json e = body_of(called)["event"];
  EXPECT_EQ(e["type"], "called");
  EXPECT_EQ(e["token"]["id"], t["token"]["id"]);
  EXPECT_EQ(e["counter"], "C1");
  EXPECT_EQ(e["counter_number"], 1);
  EXPECT_EQ(e["reason"], "first_in_line");
  EXPECT_FALSE(e["explanation"].get<std::string>().empty());
  EXPECT_EQ(e["actor"], "op1");
  EXPECT_GT(e["seq"].get<int>(), 0);

  EXPECT_EQ(body_of(call("POST", "/api/v1/counters/C1/recall", "D1", "", s))["event"]["type"], "recalled");
  EXPECT_EQ(body_of(call("POST", "/api/v1/counters/C1/start", "D1", "", s))["event"]["type"], "started");
  Response finished = call("POST", "/api/v1/counters/C1/finish", "D1", "", s);
  EXPECT_EQ(body_of(finished)["event"]["type"], "finished");

  Response token = call("GET", "/api/v1/tokens/" + t["token"]["id"].get<std::string>(), "B1");
  EXPECT_EQ(body_of(token)["token"]["state"], "served");
  // Stored with the reason and the operator.
  store::Db reader(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
  auto st = reader.prepare("SELECT actor, device, body FROM events WHERE type = 'called'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "op1");
  EXPECT_EQ(st.text(1), "D1");
  EXPECT_EQ(json::parse(st.text(2))["reason"], "first_in_line");
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE actor = ''"), 0);

  Response calls = call("GET", "/api/v1/calls?limit=5", "B1");
  ASSERT_EQ(calls.status, 200);
  auto list = body_of(calls)["calls"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["type"], "recalled");  // newest first
  EXPECT_EQ(list[1]["type"], "called");
  EXPECT_EQ(call("GET", "/api/v1/calls?limit=0", "B1").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/calls?limit=x", "B1").status, 400);
}

TEST_F(Api_, EveryCounterAction) {
  json a = issue();
  json b = issue();
  std::string s = login("D1", "op1", "1234", "C1");
  Response specific =
      call("POST", "/api/v1/counters/C1/call", "D1", json{{"token", b["token"]["id"]}, {"scanned", true}}.dump(), s);
  ASSERT_EQ(specific.status, 200) << specific.body;
  EXPECT_EQ(body_of(specific)["event"]["reason"], "scanned");
  Response busy = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s);
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(body_of(busy)["error"]["code"], "counter_busy");
  EXPECT_EQ(body_of(call("POST", "/api/v1/counters/C1/park", "D1", "", s))["event"]["type"], "parked");
  Response resumed = call("POST", "/api/v1/counters/C1/resume", "D1", json{{"token", b["token"]["id"]}}.dump(), s);
  EXPECT_EQ(body_of(resumed)["event"]["type"], "resumed");
  EXPECT_EQ(body_of(resumed)["event"]["reason"], "resumed");
  Response transferred = call("POST", "/api/v1/counters/C1/transfer", "D1", R"({"service":"income-certificate"})", s);
  EXPECT_EQ(body_of(transferred)["event"]["type"], "transferred");
  EXPECT_EQ(body_of(transferred)["event"]["token"]["service"], "income-certificate");
  EXPECT_EQ(body_of(call("POST", "/api/v1/counters/C1/call-next", "D1", "", s))["event"]["token"]["id"],
            a["token"]["id"]);
  EXPECT_EQ(body_of(call("POST", "/api/v1/counters/C1/no-show", "D1", "", s))["event"]["type"], "no_show");
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/transfer", "D1", "{}", s).status, 400);
  Response no_token = call("POST", "/api/v1/counters/C1/call", "D1", "{}", s);
  EXPECT_EQ(no_token.status, 400);
  EXPECT_NE(body_of(no_token)["error"]["message"].get<std::string>().find("'token'"), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/call", "D1", R"({"token":"x","scanned":"yes"})", s).status, 400);
  Response unknown = call("POST", "/api/v1/counters/C1/call", "D1", R"({"token":"LDH01-20261123-Z999"})", s);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(body_of(unknown)["error"]["code"], "unknown_token");
}

TEST_F(Api_, OperatorsActOnlyAtTheirCounterFromACounterDevice) {
  issue();
  std::string s = login("D1", "op1", "1234", "C1");
  Response elsewhere = call("POST", "/api/v1/counters/C2/call-next", "D1", "", s);
  EXPECT_EQ(elsewhere.status, 403);
  EXPECT_NE(body_of(elsewhere)["error"]["message"].get<std::string>().find("C1"), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D2", "", s).status, 401);  // session of D1
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "").status, 401);     // no session
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", "forged").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/counters/C9/call-next", "D1", "", s).status, 404);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'called'"), 0);
}

TEST_F(Api_, LoginNeedsACounterDeviceAndTheRightPin) {
  EXPECT_EQ(call("POST", "/api/v1/sessions", "K1", R"({"operator":"op1","pin":"1234"})").status, 403);
  Response missing = call("POST", "/api/v1/sessions", "D1", R"({"operator":"op1"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(body_of(missing)["error"]["message"].get<std::string>().find("'pin'"), std::string::npos);
  Response wrong = call("POST", "/api/v1/sessions", "D1", R"({"operator":"op1","pin":"0000"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(body_of(wrong)["error"]["code"], "wrong_pin");
  Response nobody = call("POST", "/api/v1/sessions", "D1", R"({"operator":"ghost","pin":"1234"})");
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(body_of(nobody)["error"]["message"], body_of(wrong)["error"]["message"]);  // no hint which
  Response ok = call("POST", "/api/v1/sessions", "D1", R"({"operator":"op1","pin":"1234","counter":"C1"})");
  ASSERT_EQ(ok.status, 201);
  json b = body_of(ok);
  EXPECT_EQ(b["operator"], "op1");
  EXPECT_EQ(b["role"], "operator");
  EXPECT_EQ(b["counter"], "C1");
  EXPECT_EQ(b["session"].get<std::string>().size(), 64u);
  // Only a hash of the session is stored; the login answer is never stored.
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions WHERE token_hash = '" + b["session"].get<std::string>() + "'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM pin_failures WHERE operator_id = 'op1'"), 0);  // success cleared it
  EXPECT_EQ(call("POST", "/api/v1/sessions", "D1", R"({"operator":"op1","pin":"1234","counter":"C42"})").status, 404);
}

TEST_F(Api_, WrongPinsAreThrottledPerOperatorAndResetBySuccess) {
  auto attempt = [&](const std::string& op, const std::string& pin) {
    return call("POST", "/api/v1/sessions", "D1", json{{"operator", op}, {"pin", pin}}.dump());
  };
  EXPECT_EQ(attempt("op1", "0000").status, 401);
  EXPECT_EQ(attempt("op1", "0001").status, 401);
  EXPECT_EQ(attempt("op1", "0002").status, 401);
  Response locked = attempt("op1", "1234");  // even the right PIN waits
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.header("Retry-After"), "1");
  EXPECT_EQ(body_of(locked)["error"]["code"], "too_many_attempts");
  EXPECT_EQ(attempt("op2", "2345").status, 201);  // other operators are not affected

  wall += 1000;
  EXPECT_EQ(attempt("op1", "0003").status, 401);  // fourth wrong PIN: now 2 s
  Response longer = attempt("op1", "1234");
  EXPECT_EQ(longer.status, 429);
  EXPECT_EQ(longer.header("Retry-After"), "2");
  EXPECT_EQ(count("SELECT failures FROM pin_failures WHERE operator_id = 'op1'"), 4);

  // The lockout survives a restart.
  restart();
  EXPECT_EQ(attempt("op1", "1234").status, 429);
  wall += 2000;
  EXPECT_EQ(attempt("op1", "1234").status, 201);
  EXPECT_EQ(count("SELECT COUNT(*) FROM pin_failures WHERE operator_id = 'op1'"), 0);
  EXPECT_EQ(attempt("op1", "0000").status, 401);  // counting starts again
  EXPECT_EQ(attempt("op1", "0000").status, 401);
}

TEST_F(Api_, LogoutClosesTheCounterAndEndsTheSession) {
  std::string s = login("D1", "op1", "1234", "C1");
  issue();
  ASSERT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", s).status, 200);
  Response busy = call("DELETE", "/api/v1/sessions/current", "D1", "", s);
  EXPECT_EQ(busy.status, 409);  // a citizen is at the desk
  ASSERT_EQ(call("POST", "/api/v1/counters/C1/finish", "D1", "", s).status, 200);
  Response out = call("DELETE", "/api/v1/sessions/current", "D1", "", s);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'counter_closed' AND actor = 'op1'"), 1);
  EXPECT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", s).status, 401);
  Response q = call("GET", "/api/v1/queue?counter=C1", "D1");
  EXPECT_EQ(body_of(q)["counter"]["open"], false);
}

TEST_F(Api_, QueueViewsPerCounterAndService) {
  issue();
  issue("death-certificate");
  issue("birth-certificate", "K2", "elderly");
  std::string s = login("D1", "op1", "1234", "C1");
  ASSERT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", s).status, 200);
  Response q = call("GET", "/api/v1/queue?counter=C1", "B1");
  ASSERT_EQ(q.status, 200);
  json b = body_of(q);
  EXPECT_EQ(b["counter"]["operator"], "op1");
  EXPECT_TRUE(b["current"].is_object());
  EXPECT_EQ(b["waiting"].size(), 2u);
  Response by_service = call("GET", "/api/v1/queue?service=death-certificate", "B1");
  EXPECT_EQ(body_of(by_service)["waiting"].size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/queue", "B1").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/queue?counter=C77", "B1").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/queue?service=nope", "B1").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/tokens/nope", "B1").status, 404);
}

TEST_F(Api_, OnlyTheIssuingKioskCancels) {
  json t = issue();
  const std::string path = "/api/v1/tokens/" + t["token"]["id"].get<std::string>() + "/cancel";
  EXPECT_EQ(call("POST", path, "K2").status, 403);
  EXPECT_EQ(call("POST", path, "D1").status, 403);
  Response ok = call("POST", path, "K1");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body_of(ok)["event"]["type"], "cancelled");
  EXPECT_EQ(call("POST", path, "K1").status, 409);  // already cancelled
}

TEST_F(Api_, DashboardIsForManagers) {
  issue();
  issue("birth-certificate", "K1", "elderly");
  std::string op = login("D1", "op1", "1234", "C1");
  std::string mgr = login("D2", "mgr", "9876", "");
  EXPECT_EQ(call("GET", "/api/v1/dashboard", "D1", "", op).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/dashboard", "D2").status, 401);
  clock->advance(std::chrono::minutes(12));
  ASSERT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", op).status, 200);
  Response d = call("GET", "/api/v1/dashboard", "D2", "", mgr);
  ASSERT_EQ(d.status, 200) << d.body;
  json b = body_of(d);
  EXPECT_EQ(b["totals"]["issued"], 2);
  EXPECT_EQ(b["totals"]["waiting"], 1);
  EXPECT_EQ(b["totals"]["longest_wait_minutes"], 12);
  bool found = false;
  for (const auto& c : b["counters"]) {
    if (c["id"] == "C1") {
      found = true;
      EXPECT_EQ(c["state"], "calling");
      EXPECT_EQ(c["operator"], "op1");
    }
  }
  EXPECT_TRUE(found);
}

// The dashboard's sync part: every active terminal, when it was last heard, its last upload and
// what its outbox still holds by the report its last upload carried, those answered taken off.
TEST_F(Api_, DashboardShowsEachTerminalsLastRequestAndWhatItsOutboxStillHolds) {
  const std::int64_t start = wall.load();
  // K1 holds 5 entries, the oldest written 10 minutes ago, and sends 3 of them.
  Response k1 = upload_tokens("K1", 1, 3, "pending=5, oldest-age=600");
  ASSERT_EQ(k1.status, 200) << k1.body;
  // K2's report is not one: ignored, and its upload is taken all the same.
  Response k2 = upload_tokens("K2", 1, 2, "pending=lots");
  ASSERT_EQ(k2.status, 200) << k2.body;
  EXPECT_EQ(json::parse(k2.body)["durable_through"], 2);
  wall += 12 * 60'000;
  std::string mgr = login("D2", "mgr", "9876", "");
  Response d = call("GET", "/api/v1/dashboard", "D2", "", mgr);
  ASSERT_EQ(d.status, 200) << d.body;
  const json sync = body_of(d)["sync"];
  EXPECT_TRUE(sync["central"].is_null());  // this centre node does not relay
  std::map<std::string, json> t;
  for (const auto& row : sync["terminals"]) t[row["id"].get<std::string>()] = row;
  EXPECT_EQ(t.size(), 6u);  // K1, K2, D1, D2, D3, B1
  const std::string then = domain::format_iso_local(domain::from_unix_ms(start), 330);
  EXPECT_EQ(t["K1"]["kind"], "kiosk");
  EXPECT_EQ(t["K1"]["minutes_since_heard"], 12);
  EXPECT_EQ(t["K1"]["last_heard_at"], then);
  EXPECT_EQ(t["K1"]["last_upload_at"], then);
  EXPECT_EQ(t["K1"]["reported_at"], then);
  EXPECT_EQ(t["K1"]["waiting"], 2);
  EXPECT_TRUE(t["K1"]["oldest_waiting_at"].is_null());  // its oldest three were answered
  EXPECT_TRUE(t["K2"]["waiting"].is_null());
  EXPECT_EQ(t["K2"]["last_upload_at"], then);
  EXPECT_EQ(t["D2"]["minutes_since_heard"], 0);
  EXPECT_TRUE(t["D2"]["last_upload_at"].is_null());
  EXPECT_TRUE(t["B1"]["last_heard_at"].is_null());  // not heard since the server started
  EXPECT_TRUE(t["B1"]["minutes_since_heard"].is_null());
  EXPECT_EQ(t["B1"]["live_feed"], false);
  EXPECT_TRUE(t["K1"]["disk_free_mib"].is_null());  // it never said
  EXPECT_TRUE(t["K1"]["printer"].is_null());

  // K1 reports again and nothing of its upload goes through (the protocol is refused): its
  // oldest entry is still the one reported. The request says its free disk (any request does).
  wall += 60'000;
  Request refused = request("POST", "/api/v1/sync/upload", "K1", R"({"protocol":1,"entries":[]})");
  refused.with_header("X-Guichet-Outbox", "pending=2, oldest-age=900");
  refused.with_header("X-Guichet-Protocol", "9");
  refused.with_header("X-Guichet-Disk", "free-mib=310");
  refused.with_header("X-Guichet-Printer", "state=paper_out, checked-age=120");
  ASSERT_EQ(api->handle_sync(refused).status, 400);
  // B1's values are not ones: ignored, and its request is answered all the same.
  Request board = request("GET", "/api/v1/catalogue", "B1", "");
  board.with_header("X-Guichet-Disk", "free-mib=plenty");
  board.with_header("X-Guichet-Printer", "state=on fire, checked-age=0");
  ASSERT_EQ(api->handle_sync(board).status, 200);
  d = call("GET", "/api/v1/dashboard", "D2", "", mgr);
  const json after_refusal = body_of(d)["sync"]["terminals"];
  bool k1_listed = false;
  for (const auto& row : after_refusal) {
    if (row["id"] == "B1") {
      EXPECT_EQ(row["minutes_since_heard"], 0);
      EXPECT_TRUE(row["disk_free_mib"].is_null());
      EXPECT_TRUE(row["printer"].is_null());
      EXPECT_TRUE(row["printer_checked_at"].is_null());
    }
    if (row["id"] != "K1") continue;
    k1_listed = true;
    EXPECT_EQ(row["waiting"], 2);
    EXPECT_EQ(row["oldest_waiting_at"],
              domain::format_iso_local(domain::from_unix_ms(start + 13 * 60'000 - 900'000), 330));
    EXPECT_EQ(row["minutes_since_heard"], 0);
    EXPECT_EQ(row["disk_free_mib"], 310);
    EXPECT_EQ(row["printer"], "paper_out");
    EXPECT_EQ(row["printer_checked_at"],
              domain::format_iso_local(domain::from_unix_ms(start + 13 * 60'000 - 120'000), 330));
    EXPECT_EQ(row["printer_checked_minutes"], 2);
  }
  EXPECT_TRUE(k1_listed);

  // A revoked terminal leaves the list.
  ASSERT_TRUE(revoke_device(db, "K2").ok());
  d = call("GET", "/api/v1/dashboard", "D2", "", mgr);
  const json after_revoking = body_of(d)["sync"]["terminals"];
  EXPECT_EQ(after_revoking.size(), 5u);
  for (const auto& row : after_revoking) EXPECT_NE(row["id"], "K2");
}

TEST_F(Api_, DayCloseCarriesOverAndSurvivesRestart) {
  json served = issue();
  json left = issue();
  std::string op = login("D1", "op1", "1234", "C1");
  std::string mgr = login("D2", "mgr", "9876", "");
  ASSERT_EQ(call("POST", "/api/v1/counters/C1/call-next", "D1", "", op).status, 200);
  ASSERT_EQ(call("POST", "/api/v1/counters/C1/finish", "D1", "", op).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/admin/day-close", "D1", "", op).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/admin/day-close", "D2", R"({"next_business_day":"tomorrow"})", mgr).status, 400);
  clock->set(clock->now() + std::chrono::hours(8));  // 18:00
  Response closed = call("POST", "/api/v1/admin/day-close", "D2", "", mgr, "D2:1");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(body_of(closed)["closed"], "2026-11-23");
  EXPECT_EQ(body_of(closed)["business_day"], "2026-11-24");
  EXPECT_EQ(body_of(closed)["carried_over"], 1);
  EXPECT_EQ(body_of(call("GET", "/api/v1/health"))["business_day"], "2026-11-24");

  restart();
  EXPECT_EQ(body_of(call("GET", "/api/v1/health"))["business_day"], "2026-11-24");
  Response q = call("GET", "/api/v1/queue?service=birth-certificate", "B1");
  ASSERT_EQ(body_of(q)["waiting"].size(), 1u);
  EXPECT_EQ(body_of(q)["waiting"][0]["id"], left["token"]["id"]);
  EXPECT_EQ(body_of(q)["waiting"][0]["carried_over"], true);
  // Yesterday's served token is still on record.
  Response old = call("GET", "/api/v1/tokens/" + served["token"]["id"].get<std::string>(), "B1");
  ASSERT_EQ(old.status, 200);
  EXPECT_EQ(body_of(old)["token"]["state"], "served");
}

TEST_F(Api_, RestartRestoresTheQueueCountersSessionsAndSequence) {
  issue();
  issue();
  json third = issue();
  std::string s = login("D1", "op1", "1234", "C1");
  Response called = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s);
  ASSERT_EQ(called.status, 200);
  int seq = body_of(called)["event"]["seq"];
  restart();
  Response q = call("GET", "/api/v1/queue?counter=C1", "B1");
  json b = body_of(q);
  EXPECT_EQ(b["counter"]["operator"], "op1");
  EXPECT_EQ(b["current"]["id"], body_of(called)["event"]["token"]["id"]);
  EXPECT_EQ(b["waiting"].size(), 2u);
  // The session survived; numbering and event sequence continue.
  Response finished = call("POST", "/api/v1/counters/C1/finish", "D1", "", s);
  ASSERT_EQ(finished.status, 200) << finished.body;
  EXPECT_EQ(body_of(finished)["event"]["seq"], seq + 1);
  EXPECT_EQ(issue()["token"]["number"], third["token"]["number"].get<int>() + 1);
}

TEST_F(Api_, TwoCountersCallingAtOnceNeverGetTheSameToken) {
  constexpr int kTokens = 120;
  std::set<std::string> issued;
  for (int i = 0; i < kTokens; ++i) issued.insert(issue()["token"]["id"].get<std::string>());
  std::string s1 = login("D1", "op1", "1234", "C1");
  std::string s2 = login("D2", "op2", "2345", "C2");
  std::vector<std::string> got1, got2;
  auto worker = [&](const std::string& device, const std::string& session, const std::string& counter,
                    std::vector<std::string>& got) {
    for (int i = 0; i < kTokens + 5; ++i) {  // bounded: at most every token plus a few refusals
      Response r = call("POST", "/api/v1/counters/" + counter + "/call-next", device, "", session);
      if (r.status == 409) break;
      ASSERT_EQ(r.status, 200) << r.body;
      got.push_back(body_of(r)["event"]["token"]["id"]);
      ASSERT_EQ(call("POST", "/api/v1/counters/" + counter + "/finish", device, "", session).status, 200);
    }
  };
  std::thread a(worker, "D1", s1, "C1", std::ref(got1));
  std::thread b(worker, "D2", s2, "C2", std::ref(got2));
  a.join();
  b.join();
  std::set<std::string> all(got1.begin(), got1.end());
  for (const auto& id : got2) EXPECT_TRUE(all.insert(id).second) << id << " was called twice";
  EXPECT_EQ(all, issued);
  EXPECT_FALSE(got1.empty());
  EXPECT_FALSE(got2.empty());
}

TEST_F(Api_, EventsAfterLastEventIdComeFromStorage) {
  issue();
  issue();
  issue();
  Response all = call("GET", "/api/v1/events", "B1");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.content_type, "text/event-stream");
  EXPECT_NE(all.body.find("id: 1\n"), std::string::npos);
  Request resume = request("GET", "/api/v1/events", "B1");
  resume.with_header("Last-Event-ID", "2");
  Response rest = api->handle_sync(resume);
  EXPECT_EQ(rest.body.find("id: 2\n"), std::string::npos);
  EXPECT_NE(rest.body.find("id: 3\nevent: queue\ndata: {"), std::string::npos);
  Request bad = request("GET", "/api/v1/events", "B1");
  bad.with_header("Last-Event-ID", "two");
  EXPECT_EQ(api->handle_sync(bad).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/events").status, 401);
}

TEST_F(Api_, CommittedEventsArePublishedToTheFeedInOrder) {
  struct Collector : FeedSubscriber {
    void push(const std::shared_ptr<const FeedBatch>& b) override {
      std::lock_guard lock(mu);
      for (const auto& e : b->entries) seqs.push_back(e.seq);
    }
    std::mutex mu;
    std::vector<std::uint64_t> seqs;
  };
  auto c = std::make_shared<Collector>();
  EXPECT_EQ(centre->feed().subscribe(c), 0u);
  for (int i = 0; i < 20; ++i) issue();
  centre->feed().unsubscribe(c.get());
  std::lock_guard lock(c->mu);
  ASSERT_EQ(c->seqs.size(), 20u);
  for (std::size_t i = 0; i < c->seqs.size(); ++i) EXPECT_EQ(c->seqs[i], i + 1);
}

TEST_F(Api_, AFailedCommitAnswers503AndTheQueueFallsBackToWhatIsStored) {
  json t = issue();
  std::string s = login("D1", "op1", "1234", "C1");
  {
    // Another program breaks the database under the server: writing a call now fails.
    store::Db other(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
    other.exec(
        "CREATE TRIGGER break_calls BEFORE INSERT ON events WHEN NEW.type = 'called' "
        "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
  }
  Response failed = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s, "D1:5");
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(body_of(failed)["error"]["code"], "storage_failed");
  // Nothing changed: the token still waits, the counter is free, the key is not spent.
  Response q = call("GET", "/api/v1/queue?counter=C1", "B1");
  EXPECT_TRUE(body_of(q)["current"].is_null());
  EXPECT_EQ(body_of(q)["waiting"].size(), 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency"), 0);
  {
    store::Db other(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
    other.exec("DROP TRIGGER break_calls");
  }
  Response retried = call("POST", "/api/v1/counters/C1/call-next", "D1", "", s, "D1:5");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(body_of(retried)["event"]["token"]["id"], t["token"]["id"]);
}

TEST_F(Api_, AFailedCommitUndoesALeaseAndDayCloseEndsTheLeases) {
  const std::string lease_body = R"({"service":"birth-certificate","count":10})";
  {
    store::Db other(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
    other.exec(
        "CREATE TRIGGER break_leases BEFORE INSERT ON number_leases BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
  }
  Response failed = call("POST", "/api/v1/leases", "K1", lease_body, "", "K1:1");
  EXPECT_EQ(failed.status, 503) << failed.body;
  // The block went back with the failed commit: the numbering goes on from 1, no lease is held.
  EXPECT_EQ(body_of(call("GET", "/api/v1/leases", "K1"))["leases"].size(), 0u);
  EXPECT_EQ(issue()["token"]["number"], 1);
  {
    store::Db other(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
    other.exec("DROP TRIGGER break_leases");
  }
  Response leased = call("POST", "/api/v1/leases", "K1", lease_body, "", "K1:1");
  ASSERT_EQ(leased.status, 201) << leased.body;
  EXPECT_EQ(body_of(leased)["lease"]["first"], 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM number_leases"), 1);
  const std::string report_body =
      R"({"service":"birth-certificate","leased_number":3,"issued_at":"2026-11-23T10:00:00+05:30"})";
  ASSERT_EQ(call("POST", "/api/v1/tokens", "K1", report_body, "", "K1:2").status, 201);

  // The block ends with its day: a report of it the next day is refused, and no lease is listed.
  std::string mgr = login("D2", "mgr", "9876", "");
  clock->set(clock->now() + std::chrono::hours(8));
  ASSERT_EQ(call("POST", "/api/v1/admin/day-close", "D2", "", mgr, "D2:1").status, 200);
  const std::string late =
      R"({"service":"birth-certificate","leased_number":4,"issued_at":"2026-11-23T17:00:00+05:30"})";
  Response refused = call("POST", "/api/v1/tokens", "K1", late, "", "K1:3");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(body_of(refused)["error"]["code"], "not_leased");
  restart();
  json mine = body_of(call("GET", "/api/v1/leases", "K1"));
  EXPECT_EQ(mine["business_day"], "2026-11-24");
  EXPECT_EQ(mine["leases"].size(), 0u);
}

TEST_F(Api_, UnknownPathsAndMethods) {
  Response nf = call("GET", "/api/v1/nothing", "B1");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(body_of(nf)["error"]["code"], "not_found");
  Response na = call("DELETE", "/api/v1/tokens", "K1");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.header("Allow"), "POST");
  EXPECT_EQ(call("PUT", "/api/v1/counters/C1/call-next", "D1").status, 405);
}

TEST_F(Api_, ServesItsOpenApiDocumentAndTheDashboardPage) {
  Response doc = call("GET", "/api/v1/openapi.yaml");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.content_type, "application/yaml");
  EXPECT_EQ(doc.body, std::string(openapi_yaml()));
  EXPECT_EQ(doc.body.rfind("openapi: 3.0", 0), 0u);
  Response page = call("GET", "/dashboard");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.content_type.find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("/api/v1/events"), std::string::npos);
}

TEST_F(Api_, ADatabaseBelongsToOneCentre) {
  stop();
  auto other = std::make_shared<domain::Catalogue>(*demo_catalogue());
  other->centre.id = "AMR02";
  CentreOptions options;
  options.db_path = db;
  options.catalogue = other;
  options.clock = clock;
  try {
    Centre c(options);
    FAIL() << "a database of another centre must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("LDH01"), std::string::npos) << e.what();
  }
  start();
}

}  // namespace
}  // namespace guichet::server::test
