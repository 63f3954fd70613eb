// The server's check of an application filing (pure), and protocol v1 bookkeeping through the API
// without sockets: the queue's row of the change log once per batch, and per-device progress.
#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <tuple>

#include "guichet/domain/calendar.hpp"
#include "guichet/domain/hlc.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/server/applications.hpp"
#include "guichet/server/attachments.hpp"
#include "guichet/server/wire_json.hpp"
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
  // Each separator in its place, and nothing but digits after the second.
  EXPECT_FALSE(receipt_belongs_to("LDH01xK1-000042", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K1x000042", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K1--000042", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K2-000042", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("LDH01-K1-", "LDH01", "K1"));
  EXPECT_FALSE(receipt_belongs_to("", "LDH01", "K1"));
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

// The relay sends central each filing written from what the centre stored (no copy of the
// terminal's body): central's check takes it as the centre took the terminal's, to the same record,
// a counter's operator included.
TEST(CheckFiling, TheFilingWrittenFromTheStoredRecordChecksToTheSameRecord) {
  auto cat = demo_catalogue();
  json kiosk = filing(*cat, "LDH01-K1-000001");
  kiosk["token"] = "A-001";
  json counter = filing(*cat, "LDH01-D1-000001", "counter");
  counter["operator_id"] = "op1";
  counter["fee_minor"] = 5000;
  for (auto [sent, device, kind] : {std::tuple{kiosk, "K1", DeviceKind::Kiosk}, {counter, "D1", DeviceKind::Counter}}) {
    auto checked = check_filing(*cat, sent.dump(), device, kind);
    ASSERT_TRUE(checked.ok()) << checked.error().body;
    const ApplicationRecord& a = checked.value();
    const std::string body = relay_filing_body(a);
    auto again = check_relayed_filing(*cat, body, device);
    ASSERT_TRUE(again.ok()) << again.error().body << "\n" << body;
    const ApplicationRecord& b = again.value();
    EXPECT_EQ(b.receipt, a.receipt);
    EXPECT_EQ(b.service, a.service);
    EXPECT_EQ(b.language, a.language);
    EXPECT_EQ(b.channel, a.channel);
    EXPECT_EQ(b.token, sent.value("token", ""));
    EXPECT_EQ(b.operator_id, sent.value("operator_id", ""));
    EXPECT_EQ(b.filed_on, a.filed_on);
    EXPECT_EQ(b.due_on, a.due_on);
    EXPECT_EQ(b.fee_minor, a.fee_minor);
    EXPECT_EQ(b.fields_json, a.fields_json);
    EXPECT_EQ(b.documents_json, a.documents_json);
    // The same stored record gives the same text every time (central's key fingerprints it), and
    // it is the JSON tree's text (sorted keys, no spaces).
    EXPECT_EQ(relay_filing_body(b), body);
    EXPECT_EQ(json::parse(body).dump(), body);
  }
}

// A counter's filing names the operator who took it; a kiosk's names none. An empty or null
// operator_id names none. What operator_id names is checked against the centre's operators by
// the caller (it needs storage): here it is only read.
TEST(CheckFiling, ACounterFilingNamesItsOperatorAndAKioskFilingNamesNone) {
  auto cat = demo_catalogue();
  json counter = filing(*cat, "LDH01-D1-000001", "counter");
  counter["operator_id"] = "op1";
  auto named = check_filing(*cat, counter.dump(), "D1", DeviceKind::Counter);
  ASSERT_TRUE(named.ok()) << named.error().body;
  EXPECT_EQ(named.value().operator_id, "op1");
  for (json none : {json(""), json(nullptr)}) {
    counter["operator_id"] = none;
    auto unnamed = check_filing(*cat, counter.dump(), "D1", DeviceKind::Counter);
    ASSERT_TRUE(unnamed.ok()) << unnamed.error().body;
    EXPECT_EQ(unnamed.value().operator_id, "");
  }

  json kiosk = filing(*cat, "LDH01-K1-000001");
  kiosk["operator_id"] = "op1";
  for (const bool relayed : {false, true}) {
    auto refused = relayed ? check_relayed_filing(*cat, kiosk.dump(), "K1")
                           : check_filing(*cat, kiosk.dump(), "K1", DeviceKind::Kiosk);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 422) << refused.error().body;
    const json error = json::parse(refused.error().body)["error"];
    EXPECT_EQ(error["code"], "invalid_application");
    EXPECT_EQ(error["message"],
              "a kiosk filing names no operator (operator_id is the operator who took the application at a counter; "
              "device K1 is a kiosk)");
  }

  json typed = filing(*cat, "LDH01-D1-000001", "counter");
  typed["operator_id"] = 7;
  auto not_text = check_filing(*cat, typed.dump(), "D1", DeviceKind::Counter);
  ASSERT_FALSE(not_text.ok());
  EXPECT_EQ(not_text.error().status, 400);
  EXPECT_EQ(json::parse(not_text.error().body)["error"]["message"], "field 'operator_id' must be a string");
  typed["operator_id"] = std::string(65, 'o');
  auto too_long = check_filing(*cat, typed.dump(), "D1", DeviceKind::Counter);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().status, 400);
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

// A file's hash for tests: the n-th, 64 lower-case hex digits.
std::string sha(int n) { return sha256_hex("page " + std::to_string(n)); }
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string file_json(int n, const std::string& type = "image/png", std::int64_t bytes = 1000) {
  return R"({"sha256":")" + sha(n) + R"(","media_type":")" + type + R"(","bytes":)" + std::to_string(bytes) + "}";
}
std::string many_files(int first, int count) {
  std::string out;
  for (int n = first; n < first + count; ++n) out += (out.empty() ? "" : ",") + file_json(n);
  return out;
}

// check_filing on text reads well-formed filings with simdjson and builds a JSON tree only to
// refuse: for any text, the answer must be the tree reader's (check_filing on the parsed tree),
// refusal messages included, or nlohmann's own parse error for text that is not JSON.
TEST(CheckFiling, TheFastReaderAnswersAsTheTreeReaderForAnyText) {
  auto cat = demo_catalogue();
  const std::string good = filing(*cat, "LDH01-K1-000001").dump();
  auto replaced = [&good](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  // A counter's filing, for the operator it names (a kiosk's refuses it before any name is read).
  const std::string counter_good = filing(*cat, "LDH01-D1-000001", "counter").dump();
  auto counter_with = [&counter_good](const std::string& first) { return "{" + first + counter_good.substr(1); };
  // A document entry with files (the text of the array's items).
  auto with_files = [&replaced](const std::string& items) {
    return replaced(R"("present":true)", R"("present":true,"files":[)" + items + "]");
  };
  std::vector<std::string> texts = {
      good,
      counter_good,
      counter_with(R"("operator_id":"op1",)"),
      counter_with(R"("operator_id":"op1","operator_id":"op2",)"),
      counter_with(R"("operator_id":"op1","operator_id":null,)"),
      counter_with(R"("operator_id":"",)"),
      counter_with(R"("operator_id":null,)"),
      counter_with(R"("operator_id":7,)"),
      counter_with(R"("operator_id":{"id":"op1"},)"),
      counter_with(R"("operator_id":")" + std::string(64, 'o') + R"(",)"),
      counter_with(R"("operator_id":")" + std::string(65, 'o') + R"(",)"),
      counter_with(R"("operat\u006fr_id":"op1",)"),
      counter_with(R"("operator_id":"op\"1",)"),
      replaced("{", R"({"extra":{"a":[1,2,{"b":null}]},"token":null,)"),  // unknown keys, null token
      replaced("{", R"({"channel":"counter",)"),                          // a key twice: the last counts
      replaced("{", R"({"fee_minor":5,)"),
      replaced("{", R"({"fields":{"extra":"1"},)"),                             // the last object only
      replaced("{", R"({"documents":[{"id":"parents-id","present":false}],)"),  // the last array only
      replaced("{", R"({"operator_id":"op1",)"),                                // a kiosk names no operator
      replaced("{", R"({"operator_id":"op1","operator_id":null,)"),             // the last counts: none
      replaced("{", R"({"operator_id":"",)"),
      replaced("{", R"({"operator_id":["op1"],)"),
      replaced(R"("fee_minor":0)", R"("fee_minor":0.0)"),
      replaced(R"("fee_minor":0)", R"("fee_minor":18446744073709551615)"),
      replaced(R"("fee_minor":0)", R"("fee_minor":1e400)"),
      replaced(R"("fee_minor":0)", R"("fee_minor":-0)"),
      replaced(R"("fee_minor":0)", R"("fee_minor":null)"),
      replaced(R"("fields":{)", R"("fields":{"gender":"male",)"),  // a field twice
      replaced(R"("fields":{)", R"("fields":{"unknown-field":"x",)"),
      replaced(R"("present":true)", R"("present":true,"id":"other")"),
      replaced(R"("present":true)", R"("present":1)"),
      replaced(R"("documents":[)", R"("documents":[{"id":"parents-id","present":false},)"),
      replaced(R"("documents":[)", R"("documents":[null,)"),
      replaced(R"({"id":"parents-id","present":true})", ""),
      // Scanned files on a document (docs/server.md, "Attachments"): good and bad.
      with_files(file_json(1)),
      with_files(file_json(1) + "," + file_json(2)),
      with_files(""),
      replaced(R"("present":true)", R"("present":true,"files":null)"),
      replaced(R"("present":true)", R"("present":true,"files":{})"),
      replaced(R"("present":true)", R"("present":true,"files":"x")"),
      replaced(R"("present":true)", R"("files":[)" + file_json(1) + R"(],"present":true)"),  // files first
      replaced(R"("present":true)", R"("present":false,"files":[)" + file_json(1) + "]"),
      replaced(R"("present":true)", R"("present":true,"files":[)" + file_json(1) + R"(],"files":[])"),
      with_files(file_json(1) + "," + file_json(1)),
      with_files("null"),
      with_files("[]"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"image/png"})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"image/png","bytes":1,"extra":[1]})"),
      with_files(R"({"media_type":"image/png","bytes":1,"sha256":")" + sha(1) + R"("})"),  // keys in any order
      with_files(R"({"sha256":")" + sha(1) + R"(","sha256":")" + sha(2) + R"(","media_type":"image/png","bytes":1})"),
      with_files(R"({"sha256":")" + sha(1).substr(1) + R"(","media_type":"image/png","bytes":1})"),
      with_files(R"({"sha256":")" + upper(sha(1)) + R"(","media_type":"image/png","bytes":1})"),
      with_files(R"({"sha256":")" + sha(1).substr(1) + R"(g","media_type":"image/png","bytes":1})"),
      with_files(R"({"sha256":"\u0030)" + sha(1).substr(1) + R"(","media_type":"image/png","bytes":1})"),
      with_files(R"({"sha256":7,"media_type":"image/png","bytes":1})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"image/gif","bytes":1})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"IMAGE/PNG","bytes":1})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":null,"bytes":1})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":0})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":-1})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":-0})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":8388608})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":8388609})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":1.0})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":1e3})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":"1"})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":18446744073709551615})"),
      with_files(R"({"sha256":")" + sha(1) + R"(","media_type":"application/pdf","bytes":1e400})"),
      with_files(many_files(1, 20)),
      with_files(many_files(1, 21)),
      replaced(R"("language":"pa")", R"("language":"")"),
      replaced(R"("language":"pa")", R"("language":null)"),
      replaced(R"("language":"pa")", R"("lang\u0075age":"pa")"),  // an escaped key is the same key
      replaced(R"("receipt":")", R"("receipt":"x)"),
      replaced(R"("receipt":")", R"("receipt":")" + std::string(100, '1')),
      replaced(R"("due_on":")", R"("due_on":"2026-1-)"),
      replaced(R"("filed_on":"2026-11-23")", R"("filed_on":"2026-02-30")"),
      replaced(R"("service":"birth-certificate")", R"("service":"no-such-service")"),
      replaced(R"("mother-name":"Test Mother")", R"("mother-name":"Test \"Mother\"\\ ਮਾਂ")"),
      replaced(R"("mother-name":"Test Mother")", R"("mother-name":"Test\u0001Mother\t")"),
      good + " ",
      good + " x",
      good + "{}",
      replaced("}", "},"),
      replaced(R"(,"fee_minor")", R"( "fee_minor")"),
      replaced(R"("pa")", "\"p\xff\""),  // not UTF-8
      replaced(R"("pa")", "\"p\ta\""),   // a raw control character
      replaced(R"("pa")", "\"p\x01\""),
      replaced(R"("mother-name":"Test Mother")", R"("mother-name":"Test \ud800 Mother")"),  // lone surrogates
      replaced(R"("mother-name":"Test Mother")", R"("mother-name":"Test \udc00 Mother")"),
      replaced(R"("mother-name":"Test Mother")", R"("mother-name":"Test \ud83d\ude00 Mother")"),
      replaced(R"("mother-name":"Test Mother")", R"("mother-name":"Test \u0000 Mother")"),
      replaced(R"("fee_minor":0)", R"("fee_minor":00)"),
      replaced(R"("fee_minor":0)", R"("fee_minor":+0)"),
      replaced(R"(,"fee_minor")", R"(,,"fee_minor")"),
      replaced("{", "\xef\xbb\xbf{"),  // a byte-order mark
      "[1,2]",
      "\"text\"",
      "",
      "{",
      std::string(2000, '[') + std::string(2000, ']'),
  };
  for (const std::string& text : texts) {
    for (auto [device, kind] : {std::pair{"K1", DeviceKind::Kiosk}, std::pair{"D1", DeviceKind::Counter}}) {
      auto fast = check_filing(*cat, text, device, kind);
      json tree;
      try {
        tree = json::parse(text);
      } catch (const json::parse_error& e) {
        ASSERT_FALSE(fast.ok()) << text;
        EXPECT_EQ(fast.error().status, 400) << text;
        EXPECT_EQ(json::parse(fast.error().body)["error"]["message"],
                  "the body is not valid JSON (at byte " + std::to_string(e.byte) + ")")
            << text;
        continue;
      } catch (const json::out_of_range&) {
        ASSERT_FALSE(fast.ok()) << text;
        EXPECT_EQ(json::parse(fast.error().body)["error"]["message"],
                  "the body is not valid JSON (a number is out of range)")
            << text;
        continue;
      }
      auto slow = check_filing(*cat, tree, device, kind);
      ASSERT_EQ(fast.ok(), slow.ok()) << text << "\n" << (fast.ok() ? slow.error().body : fast.error().body);
      if (!fast.ok()) {
        EXPECT_EQ(fast.error().status, slow.error().status) << text;
        EXPECT_EQ(fast.error().body, slow.error().body) << text;
        continue;
      }
      const ApplicationRecord& a = fast.value();
      const ApplicationRecord& b = slow.value();
      EXPECT_EQ(std::tie(a.receipt, a.service, a.language, a.channel, a.token, a.operator_id, a.filed_on, a.due_on,
                         a.fee_minor, a.fields_json, a.documents_json, a.status),
                std::tie(b.receipt, b.service, b.language, b.channel, b.token, b.operator_id, b.filed_on, b.due_on,
                         b.fee_minor, b.fields_json, b.documents_json, b.status))
          << text;
    }
  }
}

// The stored form values and documents are written as text: exactly as the JSON tree of them
// prints (sorted keys, no spaces, the same escapes).
TEST(CheckFiling, StoredValuesAreTheJsonTreesText) {
  auto cat = demo_catalogue();
  json body = filing(*cat, "LDH01-K1-000001");
  body["fields"]["mother-name"] = "Test \"Mother\" \\ ਮਾਂ";
  auto checked = check_filing(*cat, body.dump(), "K1", DeviceKind::Kiosk);
  ASSERT_TRUE(checked.ok()) << checked.error().body;
  const ApplicationRecord& a = checked.value();
  EXPECT_EQ(json::parse(a.fields_json).dump(), a.fields_json);
  EXPECT_EQ(json::parse(a.fields_json)["mother-name"], "Test \"Mother\" \\ ਮਾਂ");
  EXPECT_EQ(a.documents_json, R"([{"id":"parents-id","present":true}])");
  body["documents"] = json::array();
  auto none = check_filing(*cat, body.dump(), "K1", DeviceKind::Kiosk);
  ASSERT_TRUE(none.ok()) << none.error().body;
  EXPECT_EQ(none.value().documents_json, "[]");
}

// Central reads the terminal's kind from the filing's channel.
TEST(CheckFiling, ARelayedFilingIsCheckedAsItsChannelsKind) {
  auto cat = demo_catalogue();
  auto counter = check_relayed_filing(*cat, filing(*cat, "LDH01-D1-000001", "counter").dump(), "D1");
  ASSERT_TRUE(counter.ok()) << counter.error().body;
  EXPECT_EQ(counter.value().channel, "counter");
  auto kiosk = check_relayed_filing(*cat, filing(*cat, "LDH01-K1-000001").dump(), "K1");
  ASSERT_TRUE(kiosk.ok()) << kiosk.error().body;
  json fee = filing(*cat, "LDH01-K1-000001");
  fee["fee_minor"] = 500;
  auto refused = check_relayed_filing(*cat, fee.dump(), "K1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 422);
  auto not_json = check_relayed_filing(*cat, "{\"receipt\":", "K1");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.error().body.find("the body is not valid JSON (at byte"), std::string::npos)
      << not_json.error().body;
  json wrong = filing(*cat, "LDH01-K1-000001");
  wrong["channel"] = 7;
  auto typed = check_relayed_filing(*cat, wrong.dump(), "K1");
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.error().body.find("field 'channel' must be a string"), std::string::npos) << typed.error().body;
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

// Batches are read with simdjson and, only when that reader does not take one, as a tree for the
// refusal: what the tree reads (a key given twice is its last value; unknown keys and null
// optional fields are ignored) is what is applied, and refusals keep naming the entry and field.
TEST_F(ProtocolBookkeeping, ABatchIsReadAsItsJsonTreeReadsIt) {
  auto cat = demo_catalogue();
  const std::string hlc = domain::format_hlc(domain::HlcTime{1'795'000'000'000, 0, "K1"});
  auto escaped = [](const std::string& text) {
    std::string out;
    append_json_string(out, text);
    return out;
  };
  const std::string body = escaped(filing(*cat, "LDH01-K1-000001").dump());
  // protocol given twice: the tree takes the last (1).
  Response first =
      call("POST", "/api/v1/sync/upload", "K1",
           R"({"protocol":2,"entries":[{"seq":1,"kind":"application.file","hlc":")" + hlc +
               R"(","method":"POST","path":"/api/v1/applications","body":)" + body + R"(}],"protocol":1})");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body)["results"][0]["status"], 201) << first.body;
  // In an entry: seq given twice (the tree takes 7), an unknown key, a bearer given twice (the
  // tree takes the null: no operator session, so the filing is not refused for its session).
  const std::string batch =
      R"({"protocol":1,"entries":[{"seq":2,"kind":"application.file","hlc":")" + hlc +
      R"(","method":"POST","path":"/api/v1/applications","bearer":"no-such-session","note":[1,{}],"body":)" +
      escaped(filing(*cat, "LDH01-K1-000002").dump()) + R"(,"seq":7,"bearer":null}]})";
  Response r = call("POST", "/api/v1/sync/upload", "K1", batch);
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body);
  EXPECT_EQ(answer["durable_through"], 7) << r.body;
  EXPECT_EQ(answer["results"][0]["seq"], 7) << r.body;
  EXPECT_EQ(answer["results"][0]["status"], 201) << r.body;

  // Refusals: what and where, the whole batch refused.
  auto refusal = [&](const std::string& text) {
    Response bad = call("POST", "/api/v1/sync/upload", "K1", text);
    EXPECT_EQ(bad.status, 400) << bad.body;
    return json::parse(bad.body)["error"]["message"].get<std::string>();
  };
  const std::string entry = R"({"seq":8,"kind":"application.file","hlc":")" + hlc +
                            R"(","method":"POST","path":"/api/v1/applications","body":)" + body + "}";
  EXPECT_EQ(refusal(R"({"protocol":1,"entries":[)" + entry + R"(,{"seq":9,"kind":"token.issue","hlc":5}]})"),
            "entries[1] (seq 9): field 'hlc' must be a string");
  EXPECT_EQ(refusal(R"({"protocol":1,"entries":[)" + entry + "," + entry + "]}"),
            "entries[1] (seq 8): sequence numbers must increase through the batch (the entry before has seq 8)");
  const std::string cut = R"({"protocol":1,"entries":[)" + entry + "]";
  std::size_t byte = 0;
  try {
    EXPECT_TRUE(json::parse(cut).is_null());
  } catch (const json::parse_error& e) {
    byte = e.byte;
  }
  EXPECT_EQ(refusal(cut), "the body is not valid JSON (at byte " + std::to_string(byte) + ")");
  EXPECT_EQ(refusal(R"({"protocol":1,"entries":[)" + entry + R"(,{"seq":9.0}]})"),
            "entries[1]: field 'seq' must be a positive whole number");
  EXPECT_EQ(refusal(R"({"protocol":1,"entries":{}})"), "field 'entries' must be an array of outbox entries");
  // None of the refused batches was applied.
  store::Db db(this->db);
  EXPECT_EQ(Repository(db).sync_device("K1")->applied_seq, 7);
}

// The public status as the JSON tree printed it before it was written as text.
std::string public_status_tree(const ApplicationRecord& a, const std::vector<ApplicationHistoryEntry>& history,
                               int offset) {
  json h = json::array();
  for (const auto& e : history) {
    json item = {{"status", e.status}, {"at", domain::format_iso_local(domain::from_unix_ms(e.at_ms), offset)}};
    if (!e.note.empty()) item["note"] = e.note;
    h.push_back(std::move(item));
  }
  return json{
      {"receipt", a.receipt},   {"service", a.service},
      {"status", a.status},     {"filed_on", a.filed_on},
      {"due_on", a.due_on},     {"updated_at", domain::format_iso_local(domain::from_unix_ms(a.updated_ms), offset)},
      {"history", std::move(h)}}
      .dump();
}

TEST(PublicStatus, TheTextIsTheJsonTreesText) {
  ApplicationRecord a;
  a.receipt = "LDH01-K1-000001";
  a.service = "birth-certificate";
  a.filed_on = "2026-11-23";
  a.due_on = "2026-12-09";
  a.status = "approved";
  a.updated_ms = 1'795'000'002'345;
  const std::vector<ApplicationHistoryEntry> notes[] = {
      {},
      {{"received", 1'795'000'000'000, "", "K1"}},
      {{"received", 1'795'000'000'000, "", "K1"},
       {"forwarded", 1'795'000'000'017, "", "LDH01"},
       {"with_department", 1'795'000'001'000, "", "central"},
       {"approved", 1'795'000'002'345, "Collect at \"counter 2\" \\ ਕਾਊਂਟਰ\n\t\x01 ok", "central"}}};
  for (int offset : {330, 0, -300}) {
    for (const auto& h : notes) EXPECT_EQ(public_status_json(a, h, offset), public_status_tree(a, h, offset));
  }
}

// A centre node's statuses as central's answers and pulls bring them (Centre::relay_answered and
// apply_upstream), without the relay's threads: the answers are handed to the centre directly.
class RelayedStatuses : public ServerFixture {
 protected:
  void SetUp() override {
    relay_node = true;
    ServerFixture::SetUp();
  }
  std::string receipt(int n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "LDH01-K1-%06d", n);
    return buf;
  }
  void file(int n) {
    Response r = call("POST", "/api/v1/applications", "K1", filing(*demo_catalogue(), receipt(n)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::int64_t relay_seq(int n) {
    auto conn = centre->reads().acquire();
    for (const auto& e : conn->relay_pending(1000)) {
      if (e.receipt == receipt(n)) return e.seq;
    }
    return 0;
  }
  // Central's history of an application filed at `at` ms: received, forwarded, with_department.
  std::vector<ApplicationHistoryEntry> central_history(std::int64_t received_ms, std::int64_t at) {
    return {{"received", received_ms, "", kCentralNode},
            {"forwarded", at, "", kCentralNode},
            {"with_department", at, "", kCentralNode}};
  }
  Centre::RelayAnswer sent(int n, bool with_central, std::int64_t received_ms, std::int64_t at) {
    Centre::RelayAnswer a{relay_seq(n), receipt(n), true, 201, "", "", {}};
    if (with_central) {
      a.central_status = "with_department";
      a.central_history = central_history(received_ms, at);
    }
    return a;
  }
  Response answered(std::vector<Centre::RelayAnswer> answers) {
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    centre->relay_answered(std::move(answers), [promise](Response r) { promise->set_value(std::move(r)); });
    return future.get();
  }
  Response pulled(std::vector<Centre::UpstreamStatus> statuses, const std::string& cursor) {
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    centre->apply_upstream(std::move(statuses), cursor, [promise](Response r) { promise->set_value(std::move(r)); });
    return future.get();
  }
  // The status check a kiosk makes, with the receipt blanked so two applications compare.
  std::string status_check(int n) {
    Response r = call("GET", "/api/v1/applications/" + receipt(n), "K2");
    EXPECT_EQ(r.status, 200) << r.body;
    json a = json::parse(r.body)["application"];
    a["receipt"] = "";
    return a.dump();
  }
  // The terminals' change feed entry of an application.
  std::optional<ChangeRecord> change(int n) {
    store::Db reader(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
    Repository repo(reader);
    return repo.change("application:" + receipt(n));
  }
  std::int64_t received_ms() const { return domain::to_unix_ms(test::monday_10am()); }
};

// Central's answer to a relayed batch says with_department: the centre writes the final state at
// once (forwarded and with_department in one write, one change), and the kiosk's status check
// reads exactly as after the two steps before (forwarded when answered, with_department when
// pulled); the pull then finds it current and writes nothing.
// The dashboard's view of the link to central: what waits to go up and since when, and the
// relay's last word on central (here given by hand: no relay thread runs in these tests).
TEST_F(RelayedStatuses, TheDashboardShowsWhatWaitsForCentralSinceWhenAndWhyTheLinkIsDown) {
  file(1);
  clock->advance(std::chrono::minutes(3));
  file(2);
  std::string mgr = login("D2", "mgr", "9876", "");
  auto central = [&] {
    Response d = call("GET", "/api/v1/dashboard", "D2", "", mgr);
    EXPECT_EQ(d.status, 200) << d.body;
    return body_of(d)["sync"]["central"];
  };
  auto at = [](std::int64_t ms) { return domain::format_iso_local(domain::from_unix_ms(ms), 330); };
  json c = central();
  EXPECT_EQ(c["pending"], 2);
  EXPECT_EQ(c["oldest_pending_at"], at(received_ms()));
  EXPECT_EQ(c["refused"], 0);
  EXPECT_EQ(c["files_pending"], 0);
  EXPECT_TRUE(c["last_answer_at"].is_null());
  EXPECT_TRUE(c["down_since"].is_null());

  const std::int64_t w = wall.load();
  centre->upstream_link().did_not_go_through(w, false, "no answer: connection refused");
  centre->upstream_link().did_not_go_through(w + 60'000, false, "no answer: timed out");
  c = central();
  EXPECT_EQ(c["down_since"], at(w));
  EXPECT_EQ(c["problem"], "no answer: timed out");

  // The first one is answered: the oldest waiting is now the second, filed 3 minutes later.
  ASSERT_EQ(answered({sent(1, false, received_ms(), received_ms())}).status, 200);
  centre->upstream_link().went_through(w + 120'000);
  c = central();
  EXPECT_EQ(c["pending"], 1);
  EXPECT_EQ(c["oldest_pending_at"], at(received_ms() + 3 * 60'000));
  EXPECT_EQ(c["last_answer_at"], at(w + 120'000));
  EXPECT_TRUE(c["down_since"].is_null());
  EXPECT_EQ(c["problem"], "");
  ASSERT_EQ(answered({sent(2, false, received_ms(), received_ms())}).status, 200);
  c = central();
  EXPECT_EQ(c["pending"], 0);
  EXPECT_TRUE(c["oldest_pending_at"].is_null());
}

TEST_F(RelayedStatuses, AnAnswerWithWithDepartmentGivesTheHistoryOfForwardedThenPulled) {
  file(1);
  file(2);
  const std::int64_t at_central = received_ms() + 1500;
  clock->advance(std::chrono::seconds(2));
  const std::int64_t forwarded_ms = received_ms() + 2000;
  // 1: the two steps (an answer that carries no application, then the pull).
  ASSERT_EQ(answered({sent(1, false, received_ms(), at_central)}).status, 200);
  {
    json one = json::parse(call("GET", "/api/v1/applications/" + receipt(1), "K2").body)["application"];
    EXPECT_EQ(one["status"], "forwarded");
    ASSERT_EQ(one["history"].size(), 2u);
  }
  // 2: the answer carries central's application.
  ASSERT_EQ(answered({sent(2, true, received_ms(), at_central)}).status, 200);
  const std::int64_t change_after_answer = change(2)->seq;
  ASSERT_EQ(pulled({{receipt(1), "with_department", central_history(received_ms(), at_central)},
                    {receipt(2), "with_department", central_history(received_ms(), at_central)}},
                   "7")
                .body,
            R"({"applied":1})");

  EXPECT_EQ(status_check(2), status_check(1));
  json two = json::parse(call("GET", "/api/v1/applications/" + receipt(2), "K2").body)["application"];
  EXPECT_EQ(two["status"], "with_department");
  ASSERT_EQ(two["history"].size(), 3u) << two.dump();
  EXPECT_EQ(two["history"][0]["status"], "received");
  EXPECT_EQ(two["history"][1]["status"], "forwarded");
  EXPECT_EQ(two["history"][1]["at"], domain::format_iso_local(domain::from_unix_ms(forwarded_ms), 330));
  EXPECT_EQ(two["history"][2]["status"], "with_department");
  EXPECT_EQ(two["updated_at"], domain::format_iso_local(domain::from_unix_ms(at_central), 330));
  // The change terminals download is that status; the pull did not write it again.
  auto c2 = change(2);
  ASSERT_TRUE(c2.has_value());
  EXPECT_EQ(c2->seq, change_after_answer);
  EXPECT_EQ(json::parse(c2->body)["application"],
            json::parse(call("GET", "/api/v1/applications/" + receipt(2), "K2").body)["application"]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM application_history WHERE receipt = '" + receipt(2) + "'"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM application_history WHERE receipt = '" + receipt(2) +
                  "' AND n = 2 AND status = 'forwarded' AND actor = 'LDH01'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM relay_outbox WHERE state = 'sent'"), 2);
  EXPECT_EQ(centre->relay_counts().sent, 2);
  EXPECT_EQ(centre->relay_counts().pending, 0);

  // An officer's later decision comes with the pull and adds only itself.
  auto approved = central_history(received_ms(), at_central);
  approved.push_back({"approved", at_central + 60'000, "Collect at counter 2", kCentralNode});
  ASSERT_EQ(pulled({{receipt(2), "approved", approved}}, "8").body, R"({"applied":1})");
  json after = json::parse(call("GET", "/api/v1/applications/" + receipt(2), "K2").body)["application"];
  EXPECT_EQ(after["status"], "approved");
  ASSERT_EQ(after["history"].size(), 4u);
  EXPECT_EQ(after["history"][3]["note"], "Collect at counter 2");
  EXPECT_GT(change(2)->seq, change_after_answer);
}

// The pull takes an application as the relay's answer left it as current without reading it; an
// officer's decision in the pull's first page after the answer (a status and an entry past what the
// answer brought) is applied all the same, as the next history entry, and the page after that
// (the same status again) writes nothing.
TEST_F(RelayedStatuses, ThePullsFirstPageAfterAnAnswerStillAppliesCentralsNews) {
  file(8);
  file(9);
  const std::int64_t at_central = received_ms() + 700;
  clock->advance(std::chrono::seconds(1));
  ASSERT_EQ(answered({sent(8, true, received_ms(), at_central), sent(9, true, received_ms(), at_central)}).status, 200);
  const std::int64_t change_9 = change(9)->seq;
  auto approved = central_history(received_ms(), at_central);
  approved.push_back({"approved", at_central + 100, "Bring the original", kCentralNode});
  ASSERT_EQ(pulled({{receipt(8), "approved", approved},
                    {receipt(9), "with_department", central_history(received_ms(), at_central)}},
                   "11")
                .body,
            R"({"applied":1})");
  json eight = json::parse(call("GET", "/api/v1/applications/" + receipt(8), "K2").body)["application"];
  EXPECT_EQ(eight["status"], "approved");
  ASSERT_EQ(eight["history"].size(), 4u);
  EXPECT_EQ(eight["history"][3]["note"], "Bring the original");
  EXPECT_EQ(count("SELECT COUNT(*) FROM application_history WHERE receipt = '" + receipt(8) +
                  "' AND n = 4 AND status = 'approved'"),
            1);
  EXPECT_EQ(change(9)->seq, change_9);
  // Pulled again (the next page holds it again): no news, nothing written.
  ASSERT_EQ(pulled({{receipt(8), "approved", approved}}, "12").body, R"({"applied":0})");
  EXPECT_EQ(count("SELECT COUNT(*) FROM application_history WHERE receipt = '" + receipt(8) + "'"), 4);
}

// Central's news may come down before its answer to the batch: the answer then changes no status
// (nothing goes back to forwarded) and the entry is still marked sent.
TEST_F(RelayedStatuses, AnAnswerAfterThePulledStatusLeavesTheStatusAsPulled) {
  file(3);
  const std::int64_t at_central = received_ms() + 500;
  clock->advance(std::chrono::seconds(1));
  auto approved = central_history(received_ms(), at_central);
  approved.push_back({"approved", at_central + 100, "", kCentralNode});
  ASSERT_EQ(pulled({{receipt(3), "approved", approved}}, "3").body, R"({"applied":1})");
  const std::string before = status_check(3);
  const std::int64_t change_before = change(3)->seq;
  ASSERT_EQ(answered({sent(3, true, received_ms(), at_central)}).status, 200);
  EXPECT_EQ(status_check(3), before);
  EXPECT_EQ(change(3)->seq, change_before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM application_history WHERE receipt = '" + receipt(3) + "'"), 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM relay_outbox WHERE state = 'sent'"), 1);
  // A status for a receipt this centre does not hold is skipped; the cursor still moves.
  ASSERT_EQ(pulled({{"LDH01-K1-999999", "approved", approved}}, "4").body, R"({"applied":0})");
  store::Db reader(db, store::OpenOptions{store::Durability::Normal, false, 5000, false});
  EXPECT_EQ(Repository(reader).meta("upstream_cursor").value_or(""), "4");
}

// A refused entry and sent ones in one answer: one mark per verdict, counts kept.
TEST_F(RelayedStatuses, SentAndRefusedEntriesOfOneAnswerAreMarkedEachOnce) {
  for (int n = 4; n <= 7; ++n) file(n);
  std::vector<Centre::RelayAnswer> answers;
  for (int n = 4; n <= 7; ++n) answers.push_back(sent(n, n != 6, received_ms(), received_ms() + 10));
  answers[1].sent = false;
  answers[1].status = 422;
  answers[1].answer = "refused at central";
  answers[1].central_status.clear();
  ASSERT_EQ(answered(answers).status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM relay_outbox WHERE state = 'sent'"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM relay_outbox WHERE state = 'refused' AND answer_status = 422"), 1);
  EXPECT_EQ(centre->relay_counts().sent, 3);
  EXPECT_EQ(centre->relay_counts().refused, 1);
  EXPECT_EQ(centre->relay_counts().pending, 0);
  EXPECT_EQ(json::parse(status_check(5))["status"], "received");   // refused: stays as filed
  EXPECT_EQ(json::parse(status_check(6))["status"], "forwarded");  // no application in the answer
  EXPECT_EQ(json::parse(status_check(7))["status"], "with_department");
  // The same answers again (a batch answered twice) change nothing more.
  ASSERT_EQ(answered(answers).status, 200);
  EXPECT_EQ(centre->relay_counts().sent, 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM application_history WHERE receipt = '" + receipt(7) + "'"), 3);
}

// Scanned files on a filing's documents (docs/server.md, "Attachments"): stored normalised in
// documents_json, keys in the contract's order; a document without files is stored as before.
TEST(CheckFiling, ScannedFilesAreStoredNormalisedAndOldBodiesUnchanged) {
  auto cat = demo_catalogue();
  json body = filing(*cat, "LDH01-K1-000001");
  auto plain = check_filing(*cat, body.dump(), "K1", DeviceKind::Kiosk);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.value().documents_json, R"([{"id":"parents-id","present":true}])");
  body["documents"][0]["files"] = json::array();
  auto empty = check_filing(*cat, body.dump(), "K1", DeviceKind::Kiosk);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value().documents_json, plain.value().documents_json);  // no files: as before
  // Keys in any order, unknown keys dropped, escapes read: stored in the contract's order.
  body["documents"][0]["files"] =
      json::array({json{{"bytes", 183422}, {"media_type", "image/png"}, {"sha256", sha(1)}, {"note", "x"}},
                   json{{"sha256", sha(2)}, {"media_type", "application/pdf"}, {"bytes", 8388608}}});
  auto with = check_filing(*cat, body.dump(), "K1", DeviceKind::Kiosk);
  ASSERT_TRUE(with.ok()) << with.error().body;
  EXPECT_EQ(with.value().documents_json, R"([{"id":"parents-id","present":true,"files":[{"sha256":")" + sha(1) +
                                             R"(","media_type":"image/png","bytes":183422},{"sha256":")" + sha(2) +
                                             R"(","media_type":"application/pdf","bytes":8388608}]}])");
  // Central checks the relayed body the same way, to the same documents.
  const std::string relayed = relay_filing_body(with.value());
  auto again = check_relayed_filing(*cat, relayed, "K1");
  ASSERT_TRUE(again.ok()) << again.error().body;
  EXPECT_EQ(again.value().documents_json, with.value().documents_json);
  EXPECT_EQ(relay_filing_body(again.value()), relayed);
}

TEST(CheckFiling, EveryRuleOfScannedFilesIsRefusedNamingWhere) {
  auto cat = demo_catalogue();
  auto refuse = [&](const json& documents, int status, const std::string& code, const std::string& message) {
    json body = filing(*cat, "LDH01-D1-000001", "counter");
    body["documents"] = documents;
    for (const bool relayed : {false, true}) {
      auto r = relayed ? check_relayed_filing(*cat, body.dump(), "D1")
                       : check_filing(*cat, body.dump(), "D1", DeviceKind::Counter);
      ASSERT_FALSE(r.ok()) << documents.dump();
      EXPECT_EQ(r.error().status, status) << r.error().body;
      const json error = json::parse(r.error().body)["error"];
      EXPECT_EQ(error["code"], code) << r.error().body;
      EXPECT_EQ(error["message"], message);
    }
  };
  auto doc = [](const std::string& id, bool present, json files) {
    return json{{"id", id}, {"present", present}, {"files", std::move(files)}};
  };
  auto file = [](const json& sha256, const json& type = "image/png", const json& bytes = 1000) {
    return json{{"sha256", sha256}, {"media_type", type}, {"bytes", bytes}};
  };
  const json birth = json{{"id", "discharge-slip"}, {"present", true}};
  refuse(json::array({birth, doc("parents-id", true, file(sha(1)))}), 400, "bad_request",
         "documents[1].files must be an array of files");
  refuse(json::array({birth, doc("parents-id", true, json::array({"x"}))}), 400, "bad_request",
         "documents[1].files[0] must be an object");
  for (const json& bad : {json(upper(sha(1))), json(sha(1).substr(1)), json(7), json(sha(1) + "0")}) {
    refuse(json::array({birth, doc("parents-id", true, json::array({file(sha(2)), file(bad)}))}), 400, "bad_request",
           "documents[1].files[1].sha256 must be 64 lower-case hex digits");
  }
  for (const json& bad : {json("image/gif"), json("IMAGE/PNG"), json(nullptr)}) {
    refuse(json::array({doc("parents-id", true, json::array({file(sha(1), bad)}))}), 400, "bad_request",
           "documents[0].files[0].media_type must be image/png, image/jpeg or application/pdf");
  }
  for (const json& bad : {json(0), json(-1), json(8388609), json(1.5), json("10")}) {
    refuse(json::array({doc("parents-id", true, json::array({file(sha(1), "image/jpeg", bad)}))}), 400, "bad_request",
           "documents[0].files[0].bytes must be a whole number from 1 to 8388608");
  }
  json twenty_one = json::array();
  for (int n = 1; n <= 21; ++n) twenty_one.push_back(file(sha(n)));
  refuse(json::array({doc("parents-id", true, twenty_one)}), 400, "bad_request",
         "documents[0].files has more than 20 files");
  // 61 files over four documents (20 + 20 + 20 + 1): each document within its 20.
  json documents = json::array();
  int n = 0;
  for (const char* id : {"parents-id", "discharge-slip", "address-proof", "late-affidavit"}) {
    json files = json::array();
    for (int k = 0; k < (n < 60 ? 20 : 1) && n < 61; ++k) files.push_back(file(sha(++n)));
    documents.push_back(doc(id, true, files));
  }
  refuse(documents, 400, "bad_request", "field 'documents' names more than 60 files in all");
  refuse(json::array({birth, doc("parents-id", false, json::array({file(sha(1))}))}), 422, "invalid_files",
         "documents[1] has scanned files but is not present (a document with files must be present: true)");
  refuse(json::array({doc("parents-id", true, json::array({file(sha(1)), file(sha(1), "image/jpeg")}))}), 422,
         "invalid_files",
         "documents[0].files[1].sha256 is the file of documents[0].files[0] again (each file once per filing)");
  refuse(json::array({doc("parents-id", true, json::array({file(sha(1))})),
                      doc("discharge-slip", true, json::array({file(sha(2)), file(sha(1))}))}),
         422, "invalid_files",
         "documents[1].files[1].sha256 is the file of documents[0].files[0] again (each file once per filing)");
}

}  // namespace
}  // namespace guichet::server
