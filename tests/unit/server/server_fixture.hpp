// A centre server without sockets for unit tests: a real SQLite file in a temp dir, the demo
// catalogue, a manual queue clock (Monday 2026-11-23 10:00 in Ludhiana, inside opening hours) and
// a settable real-time clock for throttling.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/server/admin.hpp"
#include "guichet/server/api.hpp"
#include "guichet/server/centre.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::server::test {

using nlohmann::json;

inline std::shared_ptr<const domain::Catalogue> demo_catalogue() {
  static std::shared_ptr<const domain::Catalogue> cat = [] {
    auto loaded = config::load_catalogue(GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml");
    if (!loaded) throw std::runtime_error(loaded.error().to_string());
    return std::make_shared<const domain::Catalogue>(std::move(loaded).value());
  }();
  return cat;
}

inline domain::Instant monday_10am() {
  domain::Instant t;
  domain::parse_iso("2026-11-23T10:00:00+05:30", t);
  return t;
}

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    db = (dir / "centre.db").string();
    auto ready = init_database(db);
    ASSERT_TRUE(ready.ok()) << ready.error().message;
    for (auto [id, kind] : {std::pair{"K1", "kiosk"},
                            {"K2", "kiosk"},
                            {"D1", "counter"},
                            {"D2", "counter"},
                            {"D3", "counter"},
                            {"B1", "display"}}) {
      auto d = add_device(db, id, kind);
      ASSERT_TRUE(d.ok()) << d.error().message;
      secrets[id] = d->secret;
    }
    for (auto [id, role, pin] : {std::tuple{"op1", "operator", "1234"},
                                 {"op2", "operator", "2345"},
                                 {"op3", "operator", "3456"},
                                 {"mgr", "manager", "9876"}}) {
      auto o = add_operator(db, id, std::string("Name of ") + id, role, pin);
      ASSERT_TRUE(o.ok()) << o.error().message;
    }
    start();
  }

  void TearDown() override { stop(); }

  void start() {
    CentreOptions options;
    options.db_path = db;
    options.catalogue = demo_catalogue();
    options.clock = clock;
    options.wall_clock = [this] { return wall.load(); };
    options.relay = relay_node;
    centre = std::make_unique<Centre>(options);
    api = std::make_unique<Api>(*centre);
  }

  void stop() {
    api.reset();
    centre.reset();
  }

  void restart() {
    stop();
    start();
  }

  Request request(const std::string& method, const std::string& target, const std::string& device = "",
                  const std::string& body = "", const std::string& bearer = "", const std::string& key = "") {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!device.empty()) {
      r.with_header("X-Guichet-Device", device);
      r.with_header("X-Guichet-Secret", secrets.at(device));
    }
    if (!bearer.empty()) r.with_header("Authorization", "Bearer " + bearer);
    if (!key.empty()) r.with_header("Idempotency-Key", key);
    return r;
  }

  Response call(const std::string& method, const std::string& target, const std::string& device = "",
                const std::string& body = "", const std::string& bearer = "", const std::string& key = "") {
    return api->handle_sync(request(method, target, device, body, bearer, key));
  }

  static json body_of(const Response& r) { return json::parse(r.body); }

  // Logs in and returns the session token.
  std::string login(const std::string& device, const std::string& op, const std::string& pin,
                    const std::string& counter) {
    json body = {{"operator", op}, {"pin", pin}};
    if (!counter.empty()) body["counter"] = counter;
    Response r = call("POST", "/api/v1/sessions", device, body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return {};
    return body_of(r)["session"].get<std::string>();
  }

  json issue(const std::string& service = "birth-certificate", const std::string& device = "K1",
             const std::string& priority = "") {
    json body = {{"service", service}};
    if (!priority.empty()) body["priority"] = priority;
    Response r = call("POST", "/api/v1/tokens", device, body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? body_of(r) : json();
  }

  // A protocol v1 upload of `n` token requests from `device`, seqs from `first_seq`, carrying the
  // outbox report `report` (X-Guichet-Outbox; none when empty).
  Response upload_tokens(const std::string& device, int first_seq, int n, const std::string& report = "") {
    json entries = json::array();
    for (int seq = first_seq; seq < first_seq + n; ++seq) {
      entries.push_back({{"seq", seq},
                         {"kind", "token.issue"},
                         {"hlc", domain::format_hlc(domain::HlcTime{1'795'000'000'000, 0, device})},
                         {"method", "POST"},
                         {"path", "/api/v1/tokens"},
                         {"body", R"({"service":"birth-certificate"})"}});
    }
    Request r = request("POST", "/api/v1/sync/upload", device, json{{"protocol", 1}, {"entries", entries}}.dump());
    if (!report.empty()) r.with_header("X-Guichet-Outbox", report);
    return api->handle_sync(r);
  }

  std::int64_t count(const std::string& sql) {
    store::Db reader(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
    auto st = reader.prepare(sql);
    st.step();
    return st.int64(0);
  }

  testing::TempDir dir{"guichet-server-unit"};
  std::string db;
  std::map<std::string, std::string> secrets;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(monday_10am());
  std::atomic<std::int64_t> wall{1'800'000'000'000};
  bool relay_node = false;  // a centre node that queues its applications for central (set before SetUp)
  std::unique_ptr<Centre> centre;
  std::unique_ptr<Api> api;
};

}  // namespace guichet::server::test
