// Applications on the real centre server: filing (POST /api/v1/applications) and the public status
// (GET /api/v1/applications/{receipt}), with every refusal leaving nothing stored.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "centre_server.hpp"
#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/calendar.hpp"
#include "guichet/server/attachments.hpp"
#include "guichet/testing/filing.hpp"

namespace guichet::server::itest {
namespace {

// Rows of the applications table, read straight from the file.
long long count_applications(const fs::path& db) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM applications", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

std::string due_for(const std::string& service, const std::string& filed_on) {
  auto cat = config::load_catalogue(kDemoCatalogue);
  EXPECT_TRUE(cat.ok());
  const auto* s = cat.value().service(service);
  domain::Date d{};
  EXPECT_TRUE(domain::parse_date(filed_on, d));
  return domain::format_date(domain::due_date(cat.value().calendar, d, s->time_limit_days, domain::Filed::AtCentre));
}

json filing(const std::string& receipt, const std::string& channel = "kiosk") {
  testing::SampleFiling f;
  f.receipt = receipt;
  f.due_on = due_for("birth-certificate", "2026-11-23");
  f.channel = channel;
  return testing::sample_filing(f);
}

class Applications : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }
  HttpResult file(const json& body, const std::string& device = "K1", const std::string& key = "",
                  const std::string& bearer = "") {
    return server_.post("/api/v1/applications", server_.as(device, bearer, key), body.dump());
  }
  CentreServer server_;
};

TEST_F(Applications, FilingIsStoredAndItsPublicStatusHasNoPersonalData) {
  auto r = file(filing("LDH01-K1-000001"), "K1", "K1:1");
  ASSERT_EQ(r.status, 201) << r.body;
  json app = r.json_body()["application"];
  EXPECT_EQ(app["receipt"], "LDH01-K1-000001");
  EXPECT_EQ(app["status"], "received");
  EXPECT_EQ(app["filed_on"], "2026-11-23");
  EXPECT_EQ(app["due_on"], due_for("birth-certificate", "2026-11-23"));
  ASSERT_EQ(app["history"].size(), 1u);
  EXPECT_EQ(app["history"][0]["status"], "received");
  EXPECT_NE(app["updated_at"].get<std::string>().find("+05:30"), std::string::npos);

  auto got = server_.get("/api/v1/applications/LDH01-K1-000001", server_.as("K2"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json_body()["application"], app);
  EXPECT_EQ(got.body.find("Test Father"), std::string::npos);
  EXPECT_EQ(got.body.find("9814012345"), std::string::npos);
  EXPECT_EQ(got.body.find("fields"), std::string::npos);

  auto missing = server_.get("/api/v1/applications/LDH01-K1-999999", server_.as("K1"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "unknown_application");
  EXPECT_EQ(server_.get("/api/v1/applications/LDH01-K1-000001").status, 401);

  // The log never holds the citizen's data.
  server_.stop();
  EXPECT_EQ(server_.process().stderr_text().find("Test Father"), std::string::npos);
}

TEST_F(Applications, ReplayGetsTheSameAnswerAndAnotherKeyGetsReceiptTaken) {
  auto first = file(filing("LDH01-K1-000002"), "K1", "K1:7");
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = file(filing("LDH01-K1-000002"), "K1", "K1:7");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  auto other = file(filing("LDH01-K1-000002"), "K1", "K1:8");
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(other.error_code(), "receipt_taken");
  EXPECT_EQ(count_applications(server_.db()), 1);
}

TEST_F(Applications, CounterFilingRecordsTheOperator) {
  std::string session = server_.login("D1", "op1", "1234", "C1");
  json body = filing("LDH01-D1-000001", "counter");
  body["fee_minor"] = 5000;
  body["token"] = "LDH01-20261123-A001";
  auto r = file(body, "D1", "D1:1", session);
  ASSERT_EQ(r.status, 201) << r.body;
  server_.stop();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(server_.db().c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(raw, "SELECT operator_id, device, fee_minor, token_id FROM applications", -1, &st, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "op1");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), "D1");
  EXPECT_EQ(sqlite3_column_int64(st, 2), 5000);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 3)), "LDH01-20261123-A001");
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

// One column of the single stored application.
std::string stored_column(const fs::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return "(no database)";
  sqlite3_stmt* st = nullptr;
  std::string out = "(no row)";
  if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return out;
}

json counter_filing(const std::string& receipt, const std::string& operator_id) {
  json body = filing(receipt, "counter");
  body["fee_minor"] = 5000;
  body["operator_id"] = operator_id;
  return body;
}

// The counter names the operator who took the application in the filing itself and sends no
// session: a filing saved offline and uploaded after the operator logged out is stored, theirs.
// The closed session sent with it would have it refused (the application lost).
TEST_F(Applications, ACounterFilingNamesItsOperatorAndIsTheirsAfterTheyLoggedOut) {
  const std::string session = server_.login("D1", "op1", "1234", "C1");
  ASSERT_FALSE(session.empty());
  auto out = http(server_.url() + "/api/v1/sessions/current", "DELETE", server_.as("D1", session));
  ASSERT_EQ(out.status, 200) << out.body;

  const json body = counter_filing("LDH01-D1-000001", "op1");
  auto with_closed_session = file(body, "D1", "D1:1", session);
  EXPECT_EQ(with_closed_session.status, 401) << with_closed_session.body;
  EXPECT_EQ(count_applications(server_.db()), 0);

  auto r = file(body, "D1", "D1:2");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json_body()["application"].dump().find("op1"), std::string::npos) << "the public status names nobody";
  server_.stop();
  EXPECT_EQ(stored_column(server_.db(), "SELECT operator_id FROM applications"), "op1");
  EXPECT_EQ(stored_column(server_.db(), "SELECT channel || ' ' || device || ' ' || fee_minor FROM applications"),
            "counter D1 5000");
  EXPECT_EQ(stored_column(server_.db(), "SELECT actor FROM application_history WHERE status = 'received'"), "op1");
}

// The operator a filing names: only a counter's, only one of this centre's operators, and the same
// as the session's when one is sent. Each refusal is final (4xx) and stores nothing.
TEST_F(Applications, TheOperatorAFilingNamesIsACounterOperatorOfThisCentre) {
  json kiosk = filing("LDH01-K1-000001");
  kiosk["operator_id"] = "op1";
  auto r = file(kiosk, "K1", "K1:1");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_application");
  EXPECT_EQ(r.error_message(),
            "a kiosk filing names no operator (operator_id is the operator who took the application at a counter; "
            "device K1 is a kiosk)");

  r = file(counter_filing("LDH01-D1-000001", "op9"), "D1", "D1:1");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "unknown_operator");
  EXPECT_EQ(r.error_message(),
            "operator 'op9' is not an operator of this centre (operator_id names the operator who took the "
            "application; nothing was stored)");

  const std::string session = server_.login("D1", "op1", "1234", "C1");
  r = file(counter_filing("LDH01-D1-000002", "op2"), "D1", "D1:2", session);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_application");
  EXPECT_EQ(r.error_message(),
            "the filing names operator 'op2' but was sent with the session of operator 'op1'; operator_id must name "
            "the operator who took it");
  EXPECT_EQ(count_applications(server_.db()), 0);

  // op2 exists (the names differ only from the session's); with the session that agrees, stored.
  r = file(counter_filing("LDH01-D1-000003", "op1"), "D1", "D1:3", session);
  EXPECT_EQ(r.status, 201) << r.body;
  r = file(counter_filing("LDH01-D1-000004", "op2"), "D1", "D1:4");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(count_applications(server_.db()), 2);
  server_.stop();
  EXPECT_EQ(stored_column(server_.db(),
                          "SELECT group_concat(operator_id, ',') FROM (SELECT operator_id FROM "
                          "applications ORDER BY receipt)"),
            "op1,op2");
}

TEST_F(Applications, BadFilingsAreRefusedWithWhatAndWhereAndNothingIsStored) {
  // A form with problems: every one listed.
  json bad_form = filing("LDH01-K1-000010");
  bad_form["fields"].erase("gender");
  bad_form["fields"]["mobile"] = "12345";
  auto r = file(bad_form, "K1", "K1:10");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_form");
  json problems = r.json_body()["error"]["problems"];
  ASSERT_EQ(problems.size(), 2u) << r.body;
  std::set<std::string> fields;
  for (const auto& p : problems) {
    fields.insert(p["field"].get<std::string>());
    EXPECT_FALSE(p["code"].get<std::string>().empty());
    EXPECT_FALSE(p["message"].get<std::string>().empty());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"gender", "mobile"}));

  // A due date the server does not agree with: both dates named.
  json wrong_due = filing("LDH01-K1-000011");
  wrong_due["due_on"] = "2026-11-24";
  r = file(wrong_due, "K1", "K1:11");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "wrong_due_date");
  EXPECT_NE(r.error_message().find("2026-11-24"), std::string::npos);
  EXPECT_NE(r.error_message().find(due_for("birth-certificate", "2026-11-23")), std::string::npos);

  json unknown_service = filing("LDH01-K1-000012");
  unknown_service["service"] = "moon-licence";
  r = file(unknown_service, "K1", "K1:12");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.error_code(), "unknown_service");

  // Another device's receipt, another centre's, or too few digits.
  for (const char* receipt : {"LDH01-K2-000013", "AMR01-K1-000013", "LDH01-K1-13"}) {
    r = file(filing(receipt), "K1");
    EXPECT_EQ(r.status, 422) << receipt << ": " << r.body;
    EXPECT_EQ(r.error_code(), "invalid_receipt");
    EXPECT_NE(r.error_message().find("LDH01-K1-"), std::string::npos);
  }

  json unknown_doc = filing("LDH01-K1-000014");
  unknown_doc["documents"].push_back({{"id", "passport"}, {"present", true}});
  r = file(unknown_doc, "K1");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "unknown_document");

  json kiosk_fee = filing("LDH01-K1-000015");
  kiosk_fee["fee_minor"] = 100;
  r = file(kiosk_fee, "K1");
  EXPECT_EQ(r.status, 422) << r.body;

  // Malformed bodies.
  r = server_.post("/api/v1/applications", server_.as("K1"), "{\"receipt\":");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("not valid JSON"), std::string::npos);
  json no_fields = filing("LDH01-K1-000016");
  no_fields.erase("fields");
  r = file(no_fields, "K1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("'fields'"), std::string::npos);
  json bad_date = filing("LDH01-K1-000017");
  bad_date["filed_on"] = "23/11/2026";
  r = file(bad_date, "K1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("filed_on"), std::string::npos);

  // Oversized.
  json huge = filing("LDH01-K1-000018");
  huge["fields"]["address"] = std::string(70 * 1024, 'x');
  r = file(huge, "K1");
  EXPECT_EQ(r.status, 413);

  // A display board files nothing.
  r = file(filing("LDH01-B1-000001"), "B1");
  EXPECT_EQ(r.status, 403);

  EXPECT_EQ(count_applications(server_.db()), 0);
}

TEST_F(Applications, FilingsSurviveARestart) {
  ASSERT_EQ(file(filing("LDH01-K2-000001"), "K2", "K2:1").status, 201);
  server_.kill9();
  server_.start();
  auto got = server_.get("/api/v1/applications/LDH01-K2-000001", server_.as("K1"));
  EXPECT_EQ(got.status, 200) << got.body;
  auto again = file(filing("LDH01-K2-000001"), "K2", "K2:1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
}

// Scanned files on the real server (docs/server.md, "Attachments"): PUT /api/v1/attachments/{sha256}
// over HTTP, its 8 MiB limit (this route only), each refusal leaving what is stored as it was, and
// the files kept across a restart.
long long count_files(const fs::path& db, const std::string& where = "") {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2((db.parent_path() / "attachments.sqlite").c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    return -1;
  }
  sqlite3_stmt* st = nullptr;
  long long n = -1;
  const std::string sql = "SELECT COUNT(*) FROM attachments" + where;
  if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

TEST_F(Applications, ScannedFilesAreStoredOnceOverHttpAndEveryRefusalLeavesThemAsTheyWere) {
  auto put = [&](const std::string& sha, const std::string& type, const std::string& bytes,
                 const std::string& device = "D1") {
    std::vector<std::string> headers;
    if (!type.empty()) headers.push_back("Content-Type: " + type);
    return http(server_.url() + "/api/v1/attachments/" + sha, "PUT", server_.as(device), bytes, headers, 60000);
  };
  // The largest file there may be: exactly 8 MiB.
  std::string page(kMaxAttachmentBytes, 'p');
  page.replace(0, 5, "%PDF-");
  const std::string sha = sha256_hex(page);
  auto first = put(sha, "application/pdf", page);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json_body(), json::parse(R"({"attachment":{"sha256":")" + sha +
                                           R"(","media_type":"application/pdf","bytes":8388608,"stored":"new"}})"));
  auto again = put(sha, "application/pdf", page, "K1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_body()["attachment"]["stored"], "already");
  EXPECT_EQ(count_files(server_.db()), 1);

  // A file named by a filing before its bytes come: the filing is stored.
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "a page";
  json body = filing("LDH01-K1-000001");
  body["documents"][0]["files"] =
      json::array({json{{"sha256", sha256_hex(png)}, {"media_type", "image/png"}, {"bytes", png.size()}},
                   json{{"sha256", sha}, {"media_type", "application/pdf"}, {"bytes", page.size()}}});
  auto filed = file(body, "K1", "K1:1");
  ASSERT_EQ(filed.status, 201) << filed.body;
  EXPECT_EQ(filed.body.find(sha), std::string::npos);  // the public status lists no files

  std::string over = page + "x";
  auto too_big = put(sha256_hex(over), "application/pdf", over);
  EXPECT_EQ(too_big.status, 413) << too_big.error << too_big.body;
  EXPECT_EQ(too_big.error_code(), "payload_too_large");
  EXPECT_EQ(put(sha256_hex(png), "image/png", png + "x").error_code(), "attachment_hash_mismatch");
  EXPECT_EQ(put(sha256_hex(png), "image/gif", png).status, 415);
  EXPECT_EQ(put(sha256_hex(png), "image/jpeg", png).error_code(), "attachment_not_media_type");
  EXPECT_EQ(put("not-a-hash", "image/png", png).status, 400);
  EXPECT_EQ(http(server_.url() + "/api/v1/attachments/" + sha256_hex(png), "PUT", {}, png, {"Content-Type: image/png"})
                .status,
            401);
  EXPECT_EQ(put(sha256_hex(png), "image/png", png, "B1").status, 403);
  auto revoked = testing::run(kServer, {"revoke-device", "--db", server_.db().string(), "--id", "D2"});
  ASSERT_EQ(revoked.status, 0) << revoked.err;
  std::this_thread::sleep_for(1100ms);  // the server reads a device's record again after a second
  auto refused = put(sha256_hex(png), "image/png", png, "D2");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.error_code(), "device_revoked");
  EXPECT_EQ(count_files(server_.db()), 1);
  EXPECT_EQ(count_files(server_.db(), " WHERE device = 'D1' AND bytes = 8388608"), 1);

  // Other routes keep their limit of 64 KiB.
  auto big_filing = server_.post("/api/v1/applications", server_.as("K1"), std::string(100 * 1024, ' '));
  EXPECT_EQ(big_filing.status, 413);
  EXPECT_EQ(big_filing.error_code(), "too_large");

  ASSERT_EQ(server_.stop(), 0);
  server_.start();
  EXPECT_EQ(put(sha, "application/pdf", page).status, 200);
  ASSERT_EQ(put(sha256_hex(png), "image/png", png).status, 201);
  EXPECT_EQ(count_files(server_.db()), 2);
}

}  // namespace
}  // namespace guichet::server::itest
