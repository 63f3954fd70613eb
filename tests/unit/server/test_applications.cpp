// The server's check of an application filing (pure), and protocol v1 bookkeeping through the API
// without sockets: the queue's row of the change log once per batch, and per-device progress.
#include <gtest/gtest.h>

#include "guichet/domain/calendar.hpp"
#include "guichet/domain/hlc.hpp"
#include "guichet/server/applications.hpp"
#include "server_fixture.hpp"

namespace guichet::server {
namespace {

using nlohmann::json;
using test::demo_catalogue;
using test::ServerFixture;

std::string due(const domain::Catalogue& cat, const std::string& filed_on) {
  domain::Date d{};
  domain::parse_date(filed_on, d);
  return domain::format_date(
      domain::due_date(cat.calendar, d, cat.service("birth-certificate")->time_limit_days, domain::Filed::AtCentre));
}

json filing(const domain::Catalogue& cat, const std::string& receipt, const std::string& channel = "kiosk") {
  return json{{"receipt", receipt},
              {"service", "birth-certificate"},
              {"language", "pa"},
              {"channel", channel},
              {"filed_on", "2026-11-23"},
              {"due_on", due(cat, "2026-11-23")},
              {"fields",
               {{"date-of-birth", "01/11/2026"},
                {"gender", "female"},
                {"place-of-birth", "home"},
                {"father-name", "  Test   Father "},
                {"mother-name", "Test Mother"},
                {"address", "House 12, Test Street, Ludhiana"},
                {"mobile", "98140 12345"}}},
              {"documents", json::array({{{"id", "parents-id"}, {"present", true}}})},
              {"fee_minor", 0}};
}

TEST(CheckFiling, ReceiptsBelongToTheirCentreAndDevice) {
  EXPECT_TRUE(receipt_belongs_to("LDH01-K1-000042", "LDH01", "K1"));
  EXPECT_TRUE(receipt_belongs_to("LDH01-K1-1000000", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K1-00042", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K12-000042", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K1-00004x", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH02-K1-000042", "LDH01", "K1"));
}

TEST(CheckFiling, StoresNormalisedValuesAndNoPersonalDataInThePublicStatus) {
  auto cat = demo_catalogue();
  auto checked = check_filing(*cat, filing(*cat, "LDH01-K1-000001").dump(), "K1", DeviceKind::Kiosk);
  ASSERT_TRUE(checked.ok()) << checked.error().body;
  json fields = json::parse(checked.value().fields_json);
  EXPECT_EQ(fields["mobile"], "9814012345");
  EXPECT_EQ(fields["father-name"], "Test Father");
  EXPECT_EQ(fields["date-of-birth"], "2026-11-01");
  EXPECT_EQ(checked.value().status, "received");
  ApplicationRecord a = checked.value();
  a.updated_ms = 1'795'000'000'000;
  std::string status = public_status_json(a, {{"received", a.updated_ms, "", "K1"}}, 330);
  EXPECT_EQ(status.find("Father"), std::string::npos);
  EXPECT_EQ(status.find("9814012345"), std::string::npos);
  EXPECT_EQ(status.find("K1\""), std::string::npos);  // nor who filed it
  EXPECT_NE(status.find("+05:30"), std::string::npos);
}

TEST(CheckFiling, RefusesWhatDoesNotFitWithACodeAndTheField) {
  auto cat = demo_catalogue();
  auto refuse = [&](json body, DeviceKind kind, int status, const std::string& code) {
    auto r = check_filing(*cat, body.dump(), kind == DeviceKind::Counter ? "D1" : "K1", kind);
    ASSERT_FALSE(r.ok()) << body.dump();
    EXPECT_EQ(r.error().status, status) << r.error().body;
    EXPECT_EQ(json::parse(r.error().body)["error"]["code"], code) << r.error().body;
  };
  json counter_from_kiosk = filing(*cat, "LDH01-K1-000001", "counter");
  refuse(counter_from_kiosk, DeviceKind::Kiosk, 422, "invalid_application");
  json twice = filing(*cat, "LDH01-K1-000001");
  twice["documents"].push_back({{"id", "parents-id"}, {"present", false}});
  refuse(twice, DeviceKind::Kiosk, 422, "unknown_document");
  json negative_fee = filing(*cat, "LDH01-D1-000001", "counter");
  negative_fee["fee_minor"] = -5;
  refuse(negative_fee, DeviceKind::Counter, 400, "bad_request");
  json not_a_string = filing(*cat, "LDH01-K1-000001");
  not_a_string["fields"]["gender"] = 3;
  refuse(not_a_string, DeviceKind::Kiosk, 400, "bad_request");
  json future_birth = filing(*cat, "LDH01-K1-000001");
  future_birth["fields"]["date-of-birth"] = "2026-11-24";  // after filed_on
  refuse(future_birth, DeviceKind::Kiosk, 422, "invalid_form");
  auto ok = check_filing(*cat, filing(*cat, "LDH01-D1-000001", "counter").dump(), "D1", DeviceKind::Counter);
  EXPECT_TRUE(ok.ok());
}

class ProtocolBookkeeping : public ServerFixture {};

TEST_F(ProtocolBookkeeping, TheQueueRowMovesOncePerBatchAndDeviceProgressIsStored) {
  json entries = json::array();
  for (int seq : {3, 5, 9}) {
    entries.push_back({{"seq", seq},
                       {"kind", "token.issue"},
                       {"hlc", domain::format_hlc(domain::HlcTime{1'795'000'000'000, 0, "K1"})},
                       {"method", "POST"},
                       {"path", "/api/v1/tokens"},
                       {"body", R"({"service":"birth-certificate"})"}});
  }
  Response r = call("POST", "/api/v1/sync/upload", "K1", json{{"protocol", 1}, {"entries", entries}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["durable_through"], 9);

  store::Db db(this->db);
  Repository repo(db);
  auto progress = repo.sync_device("K1");
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->applied_seq, 9);
  auto queue = repo.change("queue:2026-11-23");
  ASSERT_TRUE(queue.has_value());
  EXPECT_EQ(json::parse(queue->body)["last_event"], 3);
  // Three operations, at most one queue row write per committed batch: the row's sequence
  // number is no further than the catalogue's row plus the number of batches.
  EXPECT_LE(queue->seq,
            repo.change("catalogue")->seq + static_cast<std::int64_t>(api->centre().commit_stats().batches));

  // Progress only moves forward: a resent older batch leaves it where it is.
  Response again = call("POST", "/api/v1/sync/upload", "K1", json{{"protocol", 1}, {"entries", {entries[0]}}}.dump());
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(repo.sync_device("K1")->applied_seq, 9);
}

// The batch answer is written as text with each entry's answer spliced in: it must read exactly as
// the JSON tree of it would print (sorted keys, no spaces), for answers of every kind — a token, an
// application, a refusal and a replay.
TEST_F(ProtocolBookkeeping, TheBatchAnswerIsTheCanonicalJsonOfEachEntrysAnswer) {
  auto cat = demo_catalogue();
  const std::string hlc = domain::format_hlc(domain::HlcTime{1'795'000'000'000, 0, "K1"});
  auto entry = [&](int seq, const std::string& kind, const std::string& path, const std::string& body) {
    return json{{"seq", seq}, {"kind", kind}, {"hlc", hlc}, {"method", "POST"}, {"path", path}, {"body", body}};
  };
  json entries =
      json::array({entry(1, "token.issue", "/api/v1/tokens", R"({"service":"birth-certificate"})"),
                   entry(2, "application.file", "/api/v1/applications", filing(*cat, "LDH01-K1-000001").dump()),
                   entry(3, "token.issue", "/api/v1/tokens", R"({"service":"no-such-service"})")});
  Response r = call("POST", "/api/v1/sync/upload", "K1", json{{"protocol", 1}, {"entries", entries}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body);
  EXPECT_EQ(answer.dump(), r.body);
  ASSERT_EQ(answer["results"].size(), 3u) << r.body;
  EXPECT_EQ(answer["results"][0]["status"], 201) << r.body;
  EXPECT_TRUE(answer["results"][0]["body"].contains("token")) << r.body;
  EXPECT_EQ(answer["results"][1]["status"], 201) << r.body;
  EXPECT_EQ(answer["results"][1]["body"]["application"]["receipt"], "LDH01-K1-000001") << r.body;
  EXPECT_GE(answer["results"][2]["status"].get<int>(), 400) << r.body;
  EXPECT_TRUE(answer["results"][2]["body"].contains("error")) << r.body;
  EXPECT_EQ(answer["durable_through"], 3);
  EXPECT_TRUE(answer["server_hlc"].is_string());

  // The same batch again: every answer is a replay, in the same content.
  Response again = call("POST", "/api/v1/sync/upload", "K1", json{{"protocol", 1}, {"entries", entries}}.dump());
  ASSERT_EQ(again.status, 200) << again.body;
  const json replayed = json::parse(again.body);
  EXPECT_EQ(replayed.dump(), again.body);
  EXPECT_EQ(replayed["results"], answer["results"]);
}

}  // namespace
}  // namespace guichet::server
