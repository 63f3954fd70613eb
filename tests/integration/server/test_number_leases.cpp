// Number blocks on the real centre server: a kiosk leases a block of a service's next numbers
// (POST /api/v1/leases), the server's own numbering skips it, and tokens the kiosk issued from it
// while the node was unreachable are reported later (POST /api/v1/tokens with leased_number),
// directly or in a protocol v1 batch, and survive kill -9 with the lease.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "centre_server.hpp"
#include "guichet/domain/hlc.hpp"
#include "guichet/domain/time.hpp"

namespace guichet::server::itest {
namespace {

constexpr const char* kService = "birth-certificate";  // prefix A, daily cap 150

domain::Instant parse_time(const json& text) {
  domain::Instant t{};
  EXPECT_TRUE(text.is_string() && domain::parse_iso(text.get<std::string>(), t)) << text.dump();
  return t;
}

std::string local(domain::Instant t) { return domain::format_iso_local(t, 330); }  // the demo centre: +05:30

class NumberLeases : public ::testing::Test {
 protected:
  void SetUp() override {
    // Ten minutes of the centre's clock pass in a real second, so that tokens reported from a
    // block can carry issue times minutes apart without the test waiting minutes.
    server_.set_time_scale("600");
    server_.start();
  }

  HttpResult lease(const std::string& device, const std::string& key, const json& body) {
    return server_.post("/api/v1/leases", server_.as(device, "", key), body.dump());
  }
  HttpResult report(const std::string& device, const std::string& key, int number, const std::string& issued_at,
                    const std::string& service = kService) {
    json body = {{"service", service}, {"leased_number", number}, {"issued_at", issued_at}};
    return server_.post("/api/v1/tokens", server_.as(device, "", key), body.dump());
  }
  json leases_of(const std::string& device) {
    auto r = server_.get("/api/v1/leases", server_.as(device));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json_body();
  }
  domain::Instant server_time() {
    auto r = server_.get("/api/v1/health");
    EXPECT_EQ(r.status, 200) << r.body;
    return parse_time(r.json_body()["time"]);
  }
  // Waits (polling the server, never a fixed sleep) until the centre's clock has passed `t`.
  bool wait_for_server_time(domain::Instant t) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_time() > t) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  // Waiting tokens of the service, in the order the queue will call them.
  json waiting() {
    auto r = server_.get(std::string("/api/v1/queue?service=") + kService, server_.as("B1"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json_body()["waiting"];
  }

  CentreServer server_;
};

TEST_F(NumberLeases, ALeasedBlockIsSkippedReportedOutOfOrderQueuedByIssueTimeAndSurvivesKill9) {
  EXPECT_EQ(server_.issue(kService, "K2")["token"]["number"], 1);

  auto leased = lease("K1", "K1:1", {{"service", kService}, {"count", 50}});
  ASSERT_EQ(leased.status, 201) << leased.body;
  const json block = leased.json_body()["lease"];
  EXPECT_EQ(block["service"], kService);
  EXPECT_EQ(block["prefix"], "A");
  EXPECT_EQ(block["business_day"], "2026-11-23");
  EXPECT_EQ(block["first"], 2);
  EXPECT_EQ(block["count"], 50);
  const domain::Instant leased_at = parse_time(block["leased_at"]);

  // The same key is the same lease: the answer again, no second block.
  auto again = lease("K1", "K1:1", {{"service", kService}, {"count", 50}});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(again.json_body()["lease"], block);

  // The centre's own numbering skips the block.
  EXPECT_EQ(server_.issue(kService, "K2")["token"]["number"], 52);

  // Three tokens K1 issued from the block while it could not reach the node, reported in another
  // order than they were issued; the reports come after a later normal token.
  using std::chrono::minutes;
  ASSERT_TRUE(wait_for_server_time(leased_at + minutes(6)));
  EXPECT_EQ(server_.issue(kService, "K2")["token"]["number"], 53);
  const std::vector<std::pair<int, domain::Instant>> reports = {
      {4, leased_at + minutes(4)}, {2, leased_at + minutes(2)}, {3, leased_at + minutes(3)}};
  int seq = 10;
  for (const auto& [number, at] : reports) {
    auto r = report("K1", "K1:" + std::to_string(++seq), number, local(at));
    ASSERT_EQ(r.status, 201) << r.body;
    const json token = r.json_body()["token"];
    EXPECT_EQ(token["number"], number);
    EXPECT_EQ(token["issued_by"], "K1");
    EXPECT_EQ(token["state"], "waiting");
    EXPECT_EQ(parse_time(token["issued_at"]), at);
    EXPECT_TRUE(r.json_body().contains("wait"));
  }
  // In line by time of issue: A001, the reported A002–A004 (before A053, issued after them, and
  // in their order of issue, not of report); A052 wherever its time puts it.
  json line = waiting();
  ASSERT_EQ(line.size(), 6u) << line.dump();
  std::vector<int> numbers;
  for (const auto& t : line) numbers.push_back(t["number"].get<int>());
  EXPECT_EQ(numbers.front(), 1);
  EXPECT_EQ(numbers.back(), 53);
  std::vector<int> leased_order;
  for (int n : numbers) {
    if (n >= 2 && n <= 51) leased_order.push_back(n);
  }
  EXPECT_EQ(leased_order, (std::vector<int>{2, 3, 4}));
  for (std::size_t i = 1; i < line.size(); ++i) {
    EXPECT_LE(parse_time(line[i - 1]["issued_at"]), parse_time(line[i]["issued_at"])) << line.dump();
  }

  // The kiosk's view of its blocks: what it already reported.
  json mine = leases_of("K1");
  EXPECT_EQ(mine["business_day"], "2026-11-23");
  ASSERT_EQ(mine["leases"].size(), 1u);
  EXPECT_EQ(mine["leases"][0]["first"], 2);
  EXPECT_EQ(mine["leases"][0]["reported"], json::array({2, 3, 4}));
  EXPECT_EQ(mine["leases"][0]["unused"], 47);
  EXPECT_EQ(leases_of("K2")["leases"], json::array());

  // The answer to a report was lost: the same key gets the same answer.
  auto replay = report("K1", "K1:11", 4, local(leased_at + minutes(4)));
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");

  // A second block, topping the first up: nothing has been issued above it yet, so only the
  // stored lease keeps a restarted server from issuing its numbers.
  auto top_up = lease("K1", "K1:30", {{"service", kService}, {"count", 10}});
  ASSERT_EQ(top_up.status, 201) << top_up.body;
  EXPECT_EQ(top_up.json_body()["lease"]["first"], 54);

  server_.kill9();
  server_.start();
  // The blocks are still out of the numbering, and what was reported from them is still there.
  EXPECT_EQ(server_.issue(kService, "K2")["token"]["number"], 64);
  for (int n : {2, 3, 4}) {
    char id[32];
    std::snprintf(id, sizeof id, "LDH01-20261123-A%03d", n);
    auto t = server_.get(std::string("/api/v1/tokens/") + id, server_.as("B1"));
    EXPECT_EQ(t.status, 200) << id << ": " << t.body;
  }
  mine = leases_of("K1");
  ASSERT_EQ(mine["leases"].size(), 2u);
  EXPECT_EQ(mine["leases"][0]["leased_at"], block["leased_at"]);
  EXPECT_EQ(mine["leases"][0]["reported"], json::array({2, 3, 4}));
  EXPECT_EQ(mine["leases"][1]["first"], 54);
  EXPECT_EQ(mine["leases"][1]["unused"], 10);
  // Reporting goes on after the restart, from the block the server kept.
  auto after = report("K1", "K1:20", 51, local(leased_at + minutes(5)));
  EXPECT_EQ(after.status, 201) << after.body;
  // And the replay of an answer given before kill -9 is still that answer.
  auto replay_after = report("K1", "K1:12", 2, local(leased_at + minutes(2)));
  EXPECT_EQ(replay_after.status, 201);
  EXPECT_EQ(replay_after.headers["idempotent-replayed"], "true");
}

TEST_F(NumberLeases, AReportedTokenReachesTheLiveFeed) {
  auto leased = lease("K1", "K1:1", {{"service", kService}, {"count", 5}});
  ASSERT_EQ(leased.status, 201) << leased.body;
  const std::string at = leased.json_body()["lease"]["leased_at"];
  HttpResult reported;
  auto feed =
      read_feed(server_.url(), server_.as("B1"), std::nullopt, 1, 10s, [&] { reported = report("K1", "K1:2", 3, at); });
  ASSERT_EQ(reported.status, 201) << reported.body;
  ASSERT_EQ(feed.events.size(), 1u);
  EXPECT_EQ(feed.events[0].event, "queue");
  EXPECT_EQ(feed.events[0].data["type"], "issued");
  EXPECT_EQ(feed.events[0].data["token"]["id"], "LDH01-20261123-A003");
  EXPECT_EQ(feed.events[0].data["actor"], "K1");
  EXPECT_NE(feed.events[0].data["explanation"].get<std::string>().find("leased number block"), std::string::npos);
}

TEST_F(NumberLeases, RefusalsAreClearAndChangeNothing) {
  auto leased = lease("K1", "K1:1", {{"service", kService}, {"count", 10}});
  ASSERT_EQ(leased.status, 201) << leased.body;
  const std::string at = leased.json_body()["lease"]["leased_at"];
  ASSERT_EQ(report("K1", "K1:2", 5, at).status, 201);

  // The same number again under another key: already issued.
  auto taken = report("K1", "K1:3", 5, at);
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(taken.error_code(), "number_taken");
  EXPECT_NE(taken.error_message().find("A005"), std::string::npos) << taken.body;
  // Another kiosk reporting a number of K1's block: 422, the number was never K2's to give (no
  // retry can succeed).
  auto not_leased = report("K2", "K2:1", 6, at);
  EXPECT_EQ(not_leased.status, 422) << not_leased.body;
  EXPECT_EQ(not_leased.error_code(), "not_leased");
  EXPECT_NE(not_leased.error_message().find("K2"), std::string::npos) << not_leased.body;
  // Outside any block, and a block of another service's prefix.
  EXPECT_EQ(report("K1", "K1:4", 11, at).error_code(), "not_leased");
  EXPECT_EQ(report("K1", "K1:5", 6, at, "death-certificate").error_code(), "not_leased");
  // Counters do not issue from blocks.
  auto counter = report("D1", "D1:1", 6, at);
  EXPECT_EQ(counter.status, 403) << counter.body;

  // issued_at: missing, malformed, without its offset; leased_number not a whole number.
  auto missing = server_.post("/api/v1/tokens", server_.as("K1", "", "K1:6"),
                              json{{"service", kService}, {"leased_number", 6}}.dump());
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.error_message().find("issued_at"), std::string::npos) << missing.body;
  for (const char* bad : {"yesterday", "2026-11-23T10:00:00", "2026-11-23T25:00:00+05:30"}) {
    auto r = report("K1", "K1:7", 6, bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.error_message().find("issued_at"), std::string::npos) << r.body;
  }
  auto fraction = server_.post("/api/v1/tokens", server_.as("K1", "", "K1:8"),
                               json{{"service", kService}, {"leased_number", 6.5}, {"issued_at", at}}.dump());
  EXPECT_EQ(fraction.status, 400);
  EXPECT_NE(fraction.error_message().find("leased_number"), std::string::npos) << fraction.body;
  // A report without an Idempotency-Key could not be answered the same when resent.
  auto keyless = report("K1", "", 6, at);
  EXPECT_EQ(keyless.status, 400);
  EXPECT_NE(keyless.error_message().find("Idempotency-Key"), std::string::npos) << keyless.body;

  // Leases: only kiosks, a size of 1 to 200, a known service, a key.
  EXPECT_EQ(lease("D1", "D1:2", {{"service", kService}, {"count", 5}}).status, 403);
  EXPECT_EQ(lease("B1", "B1:1", {{"service", kService}, {"count", 5}}).status, 403);
  EXPECT_EQ(server_.get("/api/v1/leases", server_.as("D1")).status, 403);
  for (int count : {0, -3, 201, 5000000}) {
    auto r = lease("K2", "K2:c" + std::to_string(count), {{"service", kService}, {"count", count}});
    EXPECT_EQ(r.status, 422) << count << ": " << r.body;
    EXPECT_EQ(r.error_code(), "bad_lease");
  }
  auto unknown = lease("K2", "K2:2", {{"service", "no-such-service"}, {"count", 5}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.error_code(), "unknown_service");
  auto no_count = lease("K2", "K2:3", {{"service", kService}});
  EXPECT_EQ(no_count.status, 400);
  EXPECT_NE(no_count.error_message().find("count"), std::string::npos) << no_count.body;
  auto text_count = lease("K2", "K2:4", {{"service", kService}, {"count", "5"}});
  EXPECT_EQ(text_count.status, 400);
  auto keyless_lease = lease("K2", "", {{"service", kService}, {"count", 5}});
  EXPECT_EQ(keyless_lease.status, 400);
  EXPECT_NE(keyless_lease.error_message().find("Idempotency-Key"), std::string::npos) << keyless_lease.body;

  // A daily cap: the block is cut to what is left, then there is none.
  auto capped = lease("K2", "K2:5", {{"service", "marriage-registration"}, {"count", 50}});
  ASSERT_EQ(capped.status, 201) << capped.body;
  EXPECT_EQ(capped.json_body()["lease"]["count"], 30);
  auto none_left = lease("K2", "K2:6", {{"service", "marriage-registration"}, {"count", 1}});
  EXPECT_EQ(none_left.status, 409) << none_left.body;
  EXPECT_EQ(none_left.error_code(), "daily_cap_reached");

  // Nothing refused changed anything: K1 still holds one block with one number reported, K2
  // only its capped block, and the numbering goes on after K1's block.
  json mine = leases_of("K1");
  ASSERT_EQ(mine["leases"].size(), 1u);
  EXPECT_EQ(mine["leases"][0]["reported"], json::array({5}));
  ASSERT_EQ(leases_of("K2")["leases"].size(), 1u);
  EXPECT_EQ(server_.issue(kService, "K2")["token"]["number"], 11);
  EXPECT_EQ(waiting().size(), 2u);
}

TEST_F(NumberLeases, ReportsTravelInAProtocolBatch) {
  auto leased = lease("K1", "K1:1", {{"service", kService}, {"count", 20}});
  ASSERT_EQ(leased.status, 201) << leased.body;
  const std::string at = leased.json_body()["lease"]["leased_at"];
  json batch = {{"protocol", 1}, {"entries", json::array()}};
  const std::int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::int64_t seq = 100;
  for (int n : {7, 3, 5}) {
    batch["entries"].push_back({{"seq", ++seq},
                                {"kind", "token.issue"},
                                {"hlc", domain::format_hlc(domain::HlcTime{ms, 0, "K1"})},
                                {"method", "POST"},
                                {"path", "/api/v1/tokens"},
                                {"body", json{{"service", kService}, {"leased_number", n}, {"issued_at", at}}.dump()}});
  }
  // One entry refused in its result (another block's number), the rest applied.
  batch["entries"].push_back({{"seq", 200},
                              {"kind", "token.issue"},
                              {"hlc", domain::format_hlc(domain::HlcTime{ms, 0, "K1"})},
                              {"method", "POST"},
                              {"path", "/api/v1/tokens"},
                              {"body", json{{"service", kService}, {"leased_number", 30}, {"issued_at", at}}.dump()}});
  auto upload = [&] { return http(server_.url() + "/api/v1/sync/upload", "POST", server_.as("K1"), batch.dump()); };
  auto r = upload();
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = r.json_body();
  ASSERT_EQ(answer["results"].size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(answer["results"][i]["status"], 201) << answer["results"][i].dump();
    EXPECT_EQ(answer["results"][i]["body"]["token"]["issued_by"], "K1");
  }
  EXPECT_EQ(answer["results"][0]["body"]["token"]["number"], 7);
  EXPECT_EQ(answer["results"][3]["status"], 422);
  EXPECT_EQ(answer["results"][3]["body"]["error"]["code"], "not_leased");
  EXPECT_EQ(answer["durable_through"], 200);

  // The batch resent (its answer was lost): the same answers, nothing reported twice.
  auto resent = upload();
  ASSERT_EQ(resent.status, 200) << resent.body;
  EXPECT_EQ(resent.json_body()["results"], answer["results"]);
  EXPECT_EQ(leases_of("K1")["leases"][0]["reported"], json::array({3, 5, 7}));
  EXPECT_EQ(waiting().size(), 3u);
}

}  // namespace
}  // namespace guichet::server::itest
