// guichet-server as a real process on 127.0.0.1, driven over HTTP.
#include <sqlite3.h>

#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "centre_server.hpp"

namespace guichet::server::itest {
namespace {

// What the server has stored, read straight from its SQLite file.
std::map<std::string, std::int64_t> stored(const fs::path& db) {
  std::map<std::string, std::int64_t> out;
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (const char* table : {"tokens", "events", "idempotency", "sessions", "pin_failures", "counter_states"}) {
    sqlite3_stmt* st = nullptr;
    std::string sql = std::string("SELECT COUNT(*) FROM ") + table;
    sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) out[table] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return out;
}

std::string event_body(const fs::path& db, const std::string& type) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "SELECT actor || '|' || device || '|' || body FROM events WHERE type = ?1 ORDER BY seq DESC",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, type.c_str(), -1, SQLITE_TRANSIENT);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

TEST(CentreServer, FullTokenFlowRecordsTheCallAndItsReason) {
  CentreServer s;
  s.start();
  auto health = s.get("/api/v1/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health.json_body()["role"], "centre");

  json issued = s.issue();
  std::string token = issued["token"]["id"];
  EXPECT_EQ(token, "LDH01-20261123-A001");
  EXPECT_EQ(issued["wait"]["ahead"], 0);

  std::string session = s.login("D1", "op1", "1234", "C1");
  auto called = s.post("/api/v1/counters/C1/call-next", s.as("D1", session, "D1:1"));
  ASSERT_EQ(called.status, 200) << called.body;
  json e = called.json_body()["event"];
  EXPECT_EQ(e["type"], "called");
  EXPECT_EQ(e["token"]["id"], token);
  EXPECT_EQ(e["reason"], "first_in_line");
  EXPECT_FALSE(e["explanation"].get<std::string>().empty());
  EXPECT_EQ(e["actor"], "op1");

  ASSERT_EQ(s.post("/api/v1/counters/C1/start", s.as("D1", session, "D1:2")).status, 200);
  auto finished = s.post("/api/v1/counters/C1/finish", s.as("D1", session, "D1:3"));
  ASSERT_EQ(finished.status, 200);
  EXPECT_EQ(finished.json_body()["event"]["token"]["state"], "served");

  auto t = s.get("/api/v1/tokens/" + token, s.as("B1"));
  EXPECT_EQ(t.json_body()["token"]["state"], "served");
  auto calls = s.get("/api/v1/calls?limit=3", s.as("B1"));
  ASSERT_EQ(calls.json_body()["calls"].size(), 1u);
  EXPECT_EQ(calls.json_body()["calls"][0]["reason"], "first_in_line");

  // The server recorded the call with its reason, the operator and the device.
  std::string recorded = event_body(s.db(), "called");
  ASSERT_FALSE(recorded.empty());
  EXPECT_EQ(recorded.rfind("op1|D1|", 0), 0u) << recorded;
  EXPECT_EQ(json::parse(recorded.substr(7))["reason"], "first_in_line");
  EXPECT_EQ(s.stop(), 0);
}

TEST(CentreServer, TwoCountersCallingAtTheSameInstantNeverGetTheSameToken) {
  CentreServer s;
  s.start();
  std::string s1 = s.login("D1", "op1", "1234", "C1");
  std::string s2 = s.login("D2", "op2", "2345", "C2");
  std::set<std::string> all_called;
  std::set<std::string> all_issued;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 30; ++i) all_issued.insert(s.issue()["token"]["id"].get<std::string>());
    std::vector<std::string> got1, got2;
    std::atomic<bool> go{false};
    auto counter = [&](const std::string& device, const std::string& session, const std::string& c,
                       std::vector<std::string>& got) {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 40; ++i) {
        auto r = s.post("/api/v1/counters/" + c + "/call-next", s.as(device, session));
        if (r.status == 409) {
          EXPECT_EQ(r.error_code(), "nothing_waiting");
          break;
        }
        ASSERT_EQ(r.status, 200) << r.body;
        got.push_back(r.json_body()["event"]["token"]["id"]);
        ASSERT_EQ(s.post("/api/v1/counters/" + c + "/finish", s.as(device, session)).status, 200);
      }
    };
    std::thread a(counter, "D1", s1, "C1", std::ref(got1));
    std::thread b(counter, "D2", s2, "C2", std::ref(got2));
    go = true;
    a.join();
    b.join();
    for (const auto& id : got1) EXPECT_TRUE(all_called.insert(id).second) << id << " called twice";
    for (const auto& id : got2) EXPECT_TRUE(all_called.insert(id).second) << id << " called twice";
  }
  EXPECT_EQ(all_called, all_issued);
}

TEST(CentreServer, MalformedOversizedAndUnauthenticatedRequestsChangeNothing) {
  CentreServer s;
  s.start();
  s.issue();
  std::string session = s.login("D1", "op1", "1234", "C1");
  auto rev = testing::run(kServer, {"revoke-device", "--db", s.db().string(), "--id", "K2"});
  ASSERT_EQ(rev.status, 0) << rev.err;
  auto before = stored(s.db());
  auto queue_before = s.get("/api/v1/queue?counter=C1", s.as("B1")).body;

  auto malformed = s.post("/api/v1/tokens", s.as("K1"), R"({"service": "birth-)");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.error_message().find("JSON"), std::string::npos);
  auto missing = s.post("/api/v1/tokens", s.as("K1"), R"({"language":"pa"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.error_message().find("'service'"), std::string::npos);
  auto no_token = s.post("/api/v1/counters/C1/call", s.as("D1", session), R"({"scanned":true})");
  EXPECT_EQ(no_token.status, 400);
  EXPECT_NE(no_token.error_message().find("'token'"), std::string::npos);

  std::string big = R"({"service":"birth-certificate","pad":")" + std::string(70 * 1024, 'x') + "\"}";
  auto oversized = s.post("/api/v1/tokens", s.as("K1"), big);
  EXPECT_EQ(oversized.status, 413) << oversized.error;
  EXPECT_EQ(oversized.error_code(), "too_large");

  auto anonymous = s.post("/api/v1/tokens", {}, R"({"service":"birth-certificate"})");
  EXPECT_EQ(anonymous.status, 401);
  Credentials wrong = s.as("K1");
  wrong.secret = std::string(64, '0');
  EXPECT_EQ(s.post("/api/v1/tokens", wrong, R"({"service":"birth-certificate"})").status, 401);
  auto revoked = s.post("/api/v1/tokens", s.as("K2"), R"({"service":"birth-certificate"})");
  EXPECT_EQ(revoked.status, 403);
  EXPECT_EQ(revoked.error_code(), "device_revoked");
  EXPECT_EQ(s.post("/api/v1/counters/C1/call-next", s.as("D1")).status, 401);            // no session
  EXPECT_EQ(s.post("/api/v1/counters/C1/call-next", s.as("D1", "forged")).status, 401);  // bad session
  EXPECT_EQ(s.post("/api/v1/counters/C1/call-next", s.as("K1", session)).status, 403);   // kiosk, not counter
  EXPECT_EQ(s.get("/api/v1/nowhere", s.as("B1")).status, 404);
  auto wrong_method = http(s.url() + "/api/v1/tokens", "DELETE", s.as("K1"));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "POST");

  // The connection-level refusal did not take the server down, and nothing was stored.
  EXPECT_EQ(s.get("/api/v1/health").status, 200);
  EXPECT_EQ(stored(s.db()), before);
  EXPECT_EQ(s.get("/api/v1/queue?counter=C1", s.as("B1")).body, queue_before);
}

TEST(CentreServer, WrongPinsAreRefusedAndSlowedDown) {
  CentreServer s;
  s.start();
  auto attempt = [&](const std::string& pin) {
    return s.post("/api/v1/sessions", s.as("D1"), json{{"operator", "op1"}, {"pin", pin}}.dump());
  };
  for (int i = 0; i < 3; ++i) {
    auto r = attempt("000" + std::to_string(i));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.error_code(), "wrong_pin");
  }
  auto locked = attempt("1234");  // the right PIN must wait too
  EXPECT_EQ(locked.status, 429);
  ASSERT_TRUE(locked.headers.count("retry-after"));
  long wait = std::stol(locked.headers["retry-after"]);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 2);
  std::this_thread::sleep_for(std::chrono::seconds(wait) + 200ms);
  EXPECT_EQ(attempt("0009").status, 401);  // fourth wrong PIN: the lockout doubles
  auto longer = attempt("1234");
  EXPECT_EQ(longer.status, 429);
  EXPECT_GE(std::stol(longer.headers["retry-after"]), 2);
  std::this_thread::sleep_for(std::chrono::seconds(std::stol(longer.headers["retry-after"])) + 200ms);
  auto ok = attempt("1234");
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(attempt("0000").status, 401);  // reset by the success: answered at once again
  // No PIN, secret or session token appears in the server's log.
  s.stop();
  std::string log = s.process().stderr_text();
  EXPECT_EQ(log.find("1234"), std::string::npos);
  EXPECT_EQ(log.find(ok.json_body()["session"].get<std::string>()), std::string::npos);
  EXPECT_EQ(log.find(s.as("D1").secret), std::string::npos);
}

TEST(CentreServer, IdempotentRetryReturnsTheFirstAnswer) {
  CentreServer s;
  s.start();
  auto first = s.post("/api/v1/tokens", s.as("K1", "", "K1:1"), R"({"service":"birth-certificate"})");
  ASSERT_EQ(first.status, 201);
  auto before = stored(s.db());
  auto retry = s.post("/api/v1/tokens", s.as("K1", "", "K1:1"), R"({"service":"birth-certificate"})");
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.headers["idempotent-replayed"], "true");
  EXPECT_EQ(stored(s.db()), before);
  auto reused = s.post("/api/v1/tokens", s.as("K1", "", "K1:1"), R"({"service":"death-certificate"})");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(stored(s.db()), before);
  // Still the first answer after a restart.
  s.stop();
  s.start();
  EXPECT_EQ(s.post("/api/v1/tokens", s.as("K1", "", "K1:1"), R"({"service":"birth-certificate"})").body, first.body);
  EXPECT_EQ(stored(s.db())["tokens"], before["tokens"]);
}

TEST(CentreServer, LiveFeedDeliversEventsAndResumesAfterLastEventId) {
  CentreServer s({"--sse-keepalive", "0.3"});
  s.start();
  std::thread issuer;
  SseRead live = read_feed(s.url(), s.as("B1"), std::nullopt, 3, 10s, [&] {
    issuer = std::thread([&] {
      for (int i = 0; i < 3; ++i) s.issue();
    });
  });
  if (issuer.joinable()) issuer.join();
  ASSERT_EQ(live.status, 200);
  ASSERT_EQ(live.events.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(live.events[i].event, "queue");
    EXPECT_EQ(live.events[i].id, i + 1);
    EXPECT_EQ(live.events[i].data["seq"], i + 1);
    EXPECT_EQ(live.events[i].data["type"], "issued");
  }
  // Disconnected; two more events happen; the board comes back with its last id.
  s.issue();
  s.issue();
  std::thread later;
  SseRead resumed = read_feed(s.url(), s.as("B1"), live.events.back().id, 3, 10s, [&] {
    later = std::thread([&] {
      std::this_thread::sleep_for(100ms);
      s.issue();
    });
  });
  if (later.joinable()) later.join();
  ASSERT_EQ(resumed.events.size(), 3u);
  EXPECT_EQ(resumed.events[0].id, 4u);
  EXPECT_EQ(resumed.events[1].id, 5u);
  EXPECT_EQ(resumed.events[2].id, 6u);  // the live one, no gap and no repeat

  // An idle feed gets keep-alive comments.
  SseRead idle = read_feed(s.url(), s.as("B1"), std::nullopt, 1, 1500ms);
  EXPECT_TRUE(idle.events.empty());
  EXPECT_GE(idle.comments, 2);
  EXPECT_EQ(read_feed(s.url(), {"B1", std::string(64, 'f'), "", ""}, std::nullopt, 1, 2s).status, 401);
}

TEST(CentreServer, RestartKeepsTheQueue) {
  CentreServer s;
  s.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(s.issue()["token"]["id"]);
  std::string session = s.login("D1", "op1", "1234", "C1");
  auto called = s.post("/api/v1/counters/C1/call-next", s.as("D1", session));
  ASSERT_EQ(called.status, 200);
  auto before = s.get("/api/v1/queue?counter=C1", s.as("B1")).json_body();
  EXPECT_EQ(s.stop(), 0);
  s.start();
  auto after = s.get("/api/v1/queue?counter=C1", s.as("B1")).json_body();
  EXPECT_EQ(after["current"]["id"], before["current"]["id"]);
  EXPECT_EQ(after["waiting"], before["waiting"]);
  EXPECT_EQ(after["counter"]["operator"], "op1");
  // The operator's session survived, and the next call continues the line.
  auto next = s.post("/api/v1/counters/C1/finish", s.as("D1", session));
  ASSERT_EQ(next.status, 200) << next.body;
  auto again = s.post("/api/v1/counters/C1/call-next", s.as("D1", session));
  EXPECT_EQ(again.json_body()["event"]["token"]["id"], ids[1]);
}

TEST(CentreServer, EveryAnsweredWriteSurvivesKill9) {
  CentreServer s;
  s.start();
  std::vector<std::string> answered;
  for (int i = 0; i < 25; ++i) answered.push_back(s.issue()["token"]["id"]);
  s.kill9();
  s.start();
  for (const auto& id : answered) {
    auto t = s.get("/api/v1/tokens/" + id, s.as("B1"));
    EXPECT_EQ(t.status, 200) << id;
  }
  EXPECT_EQ(s.issue()["token"]["number"], 26);
}

TEST(CentreServer, BrokenCatalogueStopsTheServerWithFileAndLine) {
  CentreServer s;
  std::string text = testing::read_file(kDemoCatalogue);
  auto pos = text.find("daily_cap = 150");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 15, "daily_cap = \"lots\"");
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
  fs::path broken = s.dir() / "broken.toml";
  std::ofstream(broken) << text;
  auto r = testing::run(kServer,
                        {"serve", "--role", "centre", "--db", s.db().string(), "--catalogue", broken.string(),
                         "--listen", "127.0.0.1:0", "--port-file", s.port_file().string()},
                        "", 30s);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("broken.toml:" + std::to_string(line) + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("daily_cap"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.port_file()));
}

TEST(CentreServer, CentralRoleChecksItsCataloguesAndDatabase) {
  CentreServer s;
  // Central takes a directory of centres' catalogues, not one catalogue.
  auto r = testing::run(kServer, {"serve", "--role", "central", "--db", s.db().string(), "--catalogue", kDemoCatalogue,
                                  "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--role central needs --catalogue-dir"), std::string::npos) << r.err;

  // A broken centre catalogue stops it with file:line.
  const fs::path dir = s.dir() / "centres";
  fs::create_directories(dir);
  std::string text = testing::read_file(kDemoCatalogue);
  const auto at = text.find("daily_cap = 150");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 15, "daily_cap = -1");
  const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  {
    std::ofstream out(dir / "LDH01.toml");
    out << text;
  }
  const fs::path central_db = s.dir() / "central.db";
  r = testing::run(kServer, {"serve", "--role", "central", "--db", central_db.string(), "--catalogue-dir", dir.string(),
                             "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("LDH01.toml:" + std::to_string(line) + ":"), std::string::npos) << r.err;

  // A centre's database is not central's.
  fs::remove(dir / "LDH01.toml");
  fs::copy_file(kDemoCatalogue, dir / "LDH01.toml");
  s.start();
  s.stop();
  r = testing::run(kServer, {"serve", "--role", "central", "--db", s.db().string(), "--catalogue-dir", dir.string(),
                             "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("belongs to centre LDH01"), std::string::npos) << r.err;
}

TEST(CentreServer, AdminCommandsCheckTheirInput) {
  CentreServer s;
  auto shown = testing::run(kServer, {"add-device", "--db", s.db().string(), "--id", "K9", "--kind", "kiosk"});
  EXPECT_EQ(shown.status, 0) << shown.err;
  EXPECT_EQ(shown.out.size(), 65u);  // the secret, once, on stdout
  auto dup = testing::run(kServer, {"add-device", "--db", s.db().string(), "--id", "K9", "--kind", "kiosk"});
  EXPECT_NE(dup.status, 0);
  EXPECT_NE(dup.err.find("already exists"), std::string::npos);
  auto weak = testing::run(
      kServer, {"add-operator", "--db", s.db().string(), "--id", "op9", "--name", "N", "--role", "operator"}, "12\n");
  EXPECT_NE(weak.status, 0);
  EXPECT_NE(weak.err.find("PIN"), std::string::npos);
  auto role = testing::run(
      kServer, {"add-operator", "--db", s.db().string(), "--id", "op9", "--name", "N", "--role", "king"}, "1234\n");
  EXPECT_NE(role.status, 0);
  EXPECT_NE(testing::run(kServer, {"revoke-device", "--db", s.db().string(), "--id", "nobody"}).status, 0);
}

TEST(CentreServer, ServesOpenApiAndTheDashboard) {
  CentreServer s;
  s.start();
  auto doc = s.get("/api/v1/openapi.yaml");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.headers["content-type"], "application/yaml");
  EXPECT_EQ(doc.body, testing::read_file(GUICHET_SOURCE_DIR "/sync-server/openapi.yaml"));
  auto page = s.get("/dashboard");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.headers["content-type"].find("text/html"), std::string::npos);
  std::string mgr = s.login("D3", "mgr", "9876", "");
  s.issue();
  auto dash = s.get("/api/v1/dashboard", s.as("D3", mgr));
  ASSERT_EQ(dash.status, 200) << dash.body;
  EXPECT_EQ(dash.json_body()["totals"]["waiting"], 1);
  std::string op = s.login("D1", "op1", "1234", "");
  EXPECT_EQ(s.get("/api/v1/dashboard", s.as("D1", op)).status, 403);
}

}  // namespace
}  // namespace guichet::server::itest
