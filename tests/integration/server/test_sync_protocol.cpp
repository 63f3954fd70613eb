// Protocol v1 on the real centre server: batch upload (POST /api/v1/sync/upload) and the change
// feed (GET /api/v1/sync/changes).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "centre_server.hpp"
#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/calendar.hpp"
#include "guichet/domain/hlc.hpp"
#include "guichet/testing/filing.hpp"

namespace guichet::server::itest {
namespace {

long long count_rows(const fs::path& db, const char* table) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  long long n = -1;
  std::string sql = std::string("SELECT COUNT(*) FROM ") + table;
  if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

// Everything the server has stored, read straight from its SQLite file: each table's rows as text,
// sorted, by table name.
using StoredState = std::map<std::string, std::vector<std::string>>;
StoredState stored_state(const fs::path& db) {
  StoredState out;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db;
    sqlite3_close(h);
    return out;
  }
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  for (const std::string& table : tables) {
    std::vector<std::string>& rows = out[table];
    const std::string sql = "SELECT * FROM \"" + table + "\"";
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot read table " << table << ": " << sqlite3_errmsg(h);
      continue;
    }
    const int columns = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < columns; ++i) {
        if (i) row += '|';
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        row += text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : "NULL";
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    std::sort(rows.begin(), rows.end());
  }
  sqlite3_close(h);
  return out;
}

// The tables whose rows differ, for a failure's message.
std::string what_changed(const StoredState& before, const StoredState& after) {
  std::string out;
  for (const auto& [table, rows] : after) {
    auto it = before.find(table);
    if (it == before.end()) {
      out += "table " + table + " is new; ";
    } else if (it->second != rows) {
      out += table + ": " + std::to_string(it->second.size()) + " rows before, " + std::to_string(rows.size()) +
             " after; ";
    }
  }
  for (const auto& [table, rows] : before) {
    if (!after.count(table)) out += "table " + table + " is gone; ";
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hlc(std::int64_t ms, const std::string& node) { return domain::format_hlc(domain::HlcTime{ms, 0, node}); }

std::string application_body(const std::string& receipt) {
  static const std::string due = [] {
    auto cat = config::load_catalogue(kDemoCatalogue);
    domain::Date d{};
    domain::parse_date("2026-11-23", d);
    return domain::format_date(domain::due_date(
        cat.value().calendar, d, cat.value().service("birth-certificate")->time_limit_days, domain::Filed::AtCentre));
  }();
  testing::SampleFiling f;
  f.receipt = receipt;
  f.due_on = due;
  f.language = "en";
  return testing::sample_filing(f).dump();
}

json entry(std::int64_t seq, const std::string& device, const std::string& receipt) {
  return json{{"seq", seq},       {"kind", "application.file"},     {"hlc", hlc(now_ms(), device)},
              {"method", "POST"}, {"path", "/api/v1/applications"}, {"body", application_body(receipt)}};
}

std::string receipt_of(const std::string& device, int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06d", n);
  return "LDH01-" + device + "-" + buf;
}

// A raw connection to the server at `url` (http://127.0.0.1:PORT), for what an HTTP client does not
// do: a body sent in pieces, a second request before the first is answered, a body cut short.
class RawConnection {
 public:
  explicit RawConnection(const std::string& url) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    timeval tv{10, 0};  // a read that waits longer fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void end_sending() { ::shutdown(fd_, SHUT_WR); }
  // Everything the server sends until it closes the connection (or 10 s pass without a byte).
  std::string read_to_end() {
    std::string out;
    char buf[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

std::string upload_head(const CentreServer& server, const std::string& device, std::size_t length, bool close = false) {
  const Credentials c = server.as(device);
  return "POST /api/v1/sync/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Guichet-Device: " + c.device +
         "\r\nX-Guichet-Secret: " + c.secret + "\r\nX-Guichet-Protocol: 1\r\nContent-Type: application/json\r\n" +
         (close ? "Connection: close\r\n" : "") + "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

class SyncProtocol : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }
  HttpResult upload(const json& batch, const std::string& device = "K1", std::vector<std::string> headers = {}) {
    return http(server_.url() + "/api/v1/sync/upload", "POST", server_.as(device), batch.dump(), std::move(headers));
  }
  HttpResult changes(const std::string& since, int limit = 1000) {
    return server_.get("/api/v1/sync/changes?since=" + since + "&limit=" + std::to_string(limit), server_.as("K2"));
  }
  CentreServer server_;
};

TEST_F(SyncProtocol, BatchIsAppliedInOrderAndAResentBatchDoublesNothing) {
  json batch = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 1; i <= 50; ++i) batch["entries"].push_back(entry(100 + 2 * i, "K1", receipt_of("K1", i)));
  batch["entries"].push_back({{"seq", 1000},
                              {"kind", "token.issue"},
                              {"hlc", hlc(now_ms(), "K1")},
                              {"method", "POST"},
                              {"path", "/api/v1/tokens"},
                              {"body", R"({"service":"birth-certificate"})"}});
  auto r = upload(batch);
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = r.json_body();
  EXPECT_EQ(answer["protocol"], 1);
  EXPECT_EQ(answer["durable_through"], 1000);
  ASSERT_EQ(answer["results"].size(), 51u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(answer["results"][i]["seq"], 102 + 2 * i);
    EXPECT_EQ(answer["results"][i]["status"], 201) << answer["results"][i].dump();
    EXPECT_EQ(answer["results"][i]["body"]["application"]["receipt"], receipt_of("K1", i + 1));
  }
  EXPECT_EQ(answer["results"][50]["status"], 201);
  EXPECT_TRUE(answer["results"][50]["body"].contains("token"));
  domain::HlcTime server_time;
  std::string error;
  ASSERT_TRUE(domain::parse_hlc(answer["server_hlc"].get<std::string>(), server_time, error)) << error;
  EXPECT_EQ(server_time.node, "LDH01");

  // The answer was lost: the same batch again gets the same answers and stores nothing twice.
  auto again = upload(batch);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_body()["results"], answer["results"]);
  EXPECT_EQ(count_rows(server_.db(), "applications"), 50);
  EXPECT_EQ(count_rows(server_.db(), "tokens"), 1);

  // Each entry is the request with the key device:seq: a direct retry of one is a replay too.
  auto direct = http(server_.url() + "/api/v1/applications", "POST", server_.as("K1", "", "K1:102"),
                     batch["entries"][0]["body"].get<std::string>());
  EXPECT_EQ(direct.status, 201);
  EXPECT_EQ(direct.headers["idempotent-replayed"], "true");
}

// An upload's body is read straight from the socket by its Content-Length: in pieces, some with the
// header and some after a pause, and not a byte further, so the request after it on the same
// connection is read and answered whole.
TEST_F(SyncProtocol, AnUploadSentInPiecesIsReadExactlyAndTheNextRequestOnItsConnectionIsAnswered) {
  json batch = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 1; i <= 3; ++i) batch["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  const std::string body = batch.dump();
  ASSERT_GT(body.size(), 1700u);
  RawConnection c(server_.url());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(upload_head(server_, "K1", body.size()) + body.substr(0, 700)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(c.send(body.substr(700, 900)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The body's last piece and the next request leave together.
  ASSERT_TRUE(
      c.send(body.substr(1600) + "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const std::string answers = c.read_to_end();
  EXPECT_EQ(answers.rfind("HTTP/1.1 200", 0), 0u) << answers.substr(0, 300);
  EXPECT_EQ(count_of(answers, "HTTP/1.1 200"), 2u) << answers;
  EXPECT_EQ(count_of(answers, "\"status\":201"), 3u) << answers;
  EXPECT_NE(answers.find("\"durable_through\":3"), std::string::npos) << answers;
  EXPECT_EQ(count_rows(server_.db(), "applications"), 3);
}

// The answers on one connection, in the order they came, each from its status line on.
std::vector<std::string> split_answers(const std::string& text) {
  std::vector<std::string> out;
  for (auto at = text.find("HTTP/1.1 "); at != std::string::npos;) {
    const auto next = text.find("HTTP/1.1 ", at + 9);
    out.push_back(text.substr(at, next == std::string::npos ? std::string::npos : next - at));
    at = next;
  }
  return out;
}

// Upload batches sent back to back on one connection (as a centre node's relay sends them) are
// read and checked while the one before is stored, and answered in order. The second batch files
// a receipt the first one is still storing: refused as taken, not filed twice. A request of
// another kind behind them is read only once they are answered, so it sees what they stored.
TEST_F(SyncProtocol, UploadsSentBackToBackOnOneConnectionAreAnsweredInOrderAndWhatFollowsSeesThem) {
  json first = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 1; i <= 40; ++i) first["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  json second = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 41; i <= 80; ++i) second["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  second["entries"].push_back(entry(81, "K1", receipt_of("K1", 40)));  // the first batch's last receipt
  const std::string a = first.dump(), b = second.dump();
  const Credentials k1 = server_.as("K1");
  RawConnection c(server_.url());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(upload_head(server_, "K1", a.size()) + a + upload_head(server_, "K1", b.size()) + b +
                     "GET /api/v1/applications/" + receipt_of("K1", 80) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                     "X-Guichet-Device: " + k1.device + "\r\nX-Guichet-Secret: " + k1.secret +
                     "\r\nConnection: close\r\n\r\n"));
  const std::vector<std::string> answers = split_answers(c.read_to_end());
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].rfind("HTTP/1.1 200", 0), 0u) << answers[0].substr(0, 300);
  EXPECT_NE(answers[0].find("\"durable_through\":40"), std::string::npos) << answers[0].substr(0, 300);
  EXPECT_EQ(count_of(answers[0], "\"status\":201"), 40u);
  EXPECT_EQ(answers[1].rfind("HTTP/1.1 200", 0), 0u) << answers[1].substr(0, 300);
  EXPECT_NE(answers[1].find("\"durable_through\":81"), std::string::npos) << answers[1].substr(0, 300);
  EXPECT_EQ(count_of(answers[1], "\"status\":201"), 40u);
  EXPECT_EQ(count_of(answers[1], "\"status\":409"), 1u) << answers[1];
  EXPECT_NE(answers[1].find("receipt_taken"), std::string::npos);
  EXPECT_EQ(answers[2].rfind("HTTP/1.1 200", 0), 0u) << answers[2];
  EXPECT_NE(answers[2].find(receipt_of("K1", 80)), std::string::npos) << answers[2];
  EXPECT_EQ(count_rows(server_.db(), "applications"), 80);
}

// A body that ends before its Content-Length (the client stopped sending) is refused with a message
// and nothing of it is applied.
TEST_F(SyncProtocol, AnUploadCutShortIsRefusedAndNothingOfItApplied) {
  json batch = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 1; i <= 3; ++i) batch["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  const std::string body = batch.dump();
  RawConnection c(server_.url());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(upload_head(server_, "K1", body.size(), true) + body.substr(0, body.size() / 2)));
  c.end_sending();
  const std::string answer = c.read_to_end();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("partial message"), std::string::npos) << answer;
  EXPECT_EQ(count_rows(server_.db(), "applications"), 0);
  EXPECT_EQ(server_.get("/api/v1/health").status, 200);
}

TEST_F(SyncProtocol, RefusedEntriesAreAnsweredInTheirResultAndTheRestApplied) {
  json bad = entry(2, "K1", receipt_of("K2", 1));  // another device's receipt
  json batch = {{"protocol", 1},
                {"entries", {entry(1, "K1", receipt_of("K1", 1)), bad, entry(3, "K1", receipt_of("K1", 3))}}};
  auto r = upload(batch);
  ASSERT_EQ(r.status, 200) << r.body;
  json results = r.json_body()["results"];
  EXPECT_EQ(results[0]["status"], 201);
  EXPECT_EQ(results[1]["status"], 422);
  EXPECT_EQ(results[1]["body"]["error"]["code"], "invalid_receipt");
  EXPECT_EQ(results[2]["status"], 201);
  EXPECT_EQ(r.json_body()["durable_through"], 3);
  EXPECT_EQ(count_rows(server_.db(), "applications"), 2);
}

TEST_F(SyncProtocol, AMalformedBatchIsRefusedWholeAndNothingOfItApplied) {
  // Something stored first (applications, a token, the device's sync row), so that a refused batch
  // that changed anything, or took anything back, shows.
  json stored = {{"protocol", 1},
                 {"entries",
                  {entry(1, "K1", receipt_of("K1", 1)),
                   entry(2, "K1", receipt_of("K1", 2)),
                   {{"seq", 3},
                    {"kind", "token.issue"},
                    {"hlc", hlc(now_ms(), "K1")},
                    {"method", "POST"},
                    {"path", "/api/v1/tokens"},
                    {"body", R"({"service":"birth-certificate"})"}}}}};
  ASSERT_EQ(upload(stored).status, 200);
  const StoredState before = stored_state(server_.db());
  ASSERT_EQ(before.at("applications").size(), 2u);
  ASSERT_EQ(before.at("tokens").size(), 1u);

  auto refused = [&](json batch, const std::string& words) {
    auto r = upload(batch);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.error_message().find(words), std::string::npos) << r.error_message();
  };
  // Each batch starts with an entry that alone would be filed: refused whole, it is not.
  json good1 = entry(10, "K1", receipt_of("K1", 10));
  json good2 = entry(11, "K1", receipt_of("K1", 11));
  refused({{"protocol", 1}, {"entries", {good2, good1}}}, "entries[1] (seq 10)");
  refused({{"protocol", 1}, {"entries", {good1, good1}}}, "increase");
  json no_path = good2;
  no_path.erase("path");
  refused({{"protocol", 1}, {"entries", {good1, no_path}}}, "entries[1] (seq 11): field 'path' is missing");
  json bad_hlc = good2;
  bad_hlc["hlc"] = "yesterday";
  refused({{"protocol", 1}, {"entries", {good1, bad_hlc}}}, "'hlc'");
  json bad_kind = good2;
  bad_kind["kind"] = "Application File";
  refused({{"protocol", 1}, {"entries", {good1, bad_kind}}}, "kind");
  json login = good2;
  login["path"] = "/api/v1/sessions";
  refused({{"protocol", 1}, {"entries", {good1, login}}}, "not a write that can travel in a batch");
  json upload_itself = good2;
  upload_itself["path"] = "/api/v1/sync/upload";
  refused({{"protocol", 1}, {"entries", {good1, upload_itself}}}, "not a write");
  json many = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 10; i <= 510; ++i) {
    many["entries"].push_back({{"seq", i},
                               {"kind", "token.issue"},
                               {"hlc", hlc(now_ms(), "K1")},
                               {"method", "POST"},
                               {"path", "/api/v1/tokens"},
                               {"body", "{}"}});
  }
  refused(many, "at most 500");
  auto r = http(server_.url() + "/api/v1/sync/upload", "POST", server_.as("K1"), "{\"protocol\":1,\"entries\":[");
  EXPECT_EQ(r.status, 400);
  const StoredState after = stored_state(server_.db());
  EXPECT_TRUE(after == before) << what_changed(before, after);
  EXPECT_EQ(count_rows(server_.db(), "applications"), 2);
  EXPECT_EQ(count_rows(server_.db(), "tokens"), 1);
}

// An upload over the 4 MiB limit is refused with 413 before any of it is read as a batch, whether
// its length is declared or it comes in chunks, and nothing of it is stored; the server goes on.
TEST_F(SyncProtocol, AnUploadOverTheBodyLimitIsRefusedWith413AndNothingOfItStored) {
  ASSERT_EQ(upload({{"protocol", 1}, {"entries", {entry(1, "K1", receipt_of("K1", 1))}}}).status, 200);
  const StoredState before = stored_state(server_.db());
  json big = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 2; i <= 4; ++i) big["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  big["entries"].push_back(
      {{"seq", 5},
       {"kind", "token.issue"},
       {"hlc", hlc(now_ms(), "K1")},
       {"method", "POST"},
       {"path", "/api/v1/tokens"},
       {"body", json{{"service", "birth-certificate"}, {"note", std::string(4 * 1024 * 1024, 'x')}}.dump()}});
  const std::string body = big.dump();
  ASSERT_GT(body.size(), std::size_t{4} * 1024 * 1024);
  ASSERT_LT(body.size(), std::size_t{5} * 1024 * 1024);
  const std::string url = server_.url() + "/api/v1/sync/upload";
  // Declared length: refused from the header, before the body is sent (the client waits for 100).
  auto declared = http(url, "POST", server_.as("K1"), body, {"X-Guichet-Protocol: 1", "Expect: 100-continue"});
  EXPECT_EQ(declared.status, 413) << declared.error << declared.body;
  EXPECT_EQ(declared.error_code(), "too_large");
  EXPECT_NE(declared.error_message().find("4 MiB"), std::string::npos) << declared.body;
  // In chunks: refused once the body read passes the limit.
  auto chunked = http(url, "POST", server_.as("K1"), body, {"X-Guichet-Protocol: 1", "Transfer-Encoding: chunked"});
  EXPECT_EQ(chunked.status, 413) << chunked.error << chunked.body;
  EXPECT_EQ(chunked.error_code(), "too_large");

  EXPECT_EQ(server_.get("/api/v1/health").status, 200);
  const StoredState after = stored_state(server_.db());
  EXPECT_TRUE(after == before) << what_changed(before, after);
  EXPECT_EQ(count_rows(server_.db(), "applications"), 1);
  EXPECT_EQ(count_rows(server_.db(), "tokens"), 0);
  // The same entries within the limit are taken: the refusal was the size.
  big["entries"].erase(big["entries"].size() - 1);
  EXPECT_EQ(upload(big).status, 200);
  EXPECT_EQ(count_rows(server_.db(), "applications"), 4);
}

// Credentials the server does not know get 401 `unauthenticated`, and a revoked device 403
// `device_revoked` (with the device and when), on both sync endpoints; nothing is stored.
TEST_F(SyncProtocol, SyncRefusesUnknownCredentialsWith401AndARevokedDeviceWith403) {
  ASSERT_EQ(upload({{"protocol", 1}, {"entries", {entry(1, "K1", receipt_of("K1", 1))}}}).status, 200);
  server_.stop();
  auto revoke = testing::run(kServer, {"revoke-device", "--db", server_.db().string(), "--id", "K2"});
  ASSERT_EQ(revoke.status, 0) << revoke.err;
  server_.start();
  const StoredState before = stored_state(server_.db());

  const std::string upload_url = server_.url() + "/api/v1/sync/upload";
  const std::string changes_url = server_.url() + "/api/v1/sync/changes?since=0";
  const std::vector<std::string> protocol{"X-Guichet-Protocol: 1"};
  Credentials wrong_secret = server_.as("K1");
  wrong_secret.secret = std::string(64, '0');
  const Credentials unknown_device{"K9", std::string(64, '1'), "", ""};
  const Credentials no_secret{"K1", "", "", ""};
  for (const Credentials& c : {wrong_secret, unknown_device, no_secret}) {
    json batch = {{"protocol", 1}, {"entries", {entry(2, c.device, receipt_of(c.device, 2))}}};
    auto up = http(upload_url, "POST", c, batch.dump(), protocol);
    EXPECT_EQ(up.status, 401) << c.device << ": " << up.body;
    EXPECT_EQ(up.error_code(), "unauthenticated") << up.body;
    auto down = http(changes_url, "GET", c, "", protocol);
    EXPECT_EQ(down.status, 401) << c.device << ": " << down.body;
    EXPECT_EQ(down.error_code(), "unauthenticated") << down.body;
  }
  json k2_batch = {{"protocol", 1}, {"entries", {entry(1, "K2", receipt_of("K2", 1))}}};
  for (const HttpResult& r : {http(upload_url, "POST", server_.as("K2"), k2_batch.dump(), protocol),
                              http(changes_url, "GET", server_.as("K2"), "", protocol)}) {
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.error_code(), "device_revoked") << r.body;
    json error = r.json_body()["error"];
    EXPECT_EQ(error.value("device", ""), "K2") << r.body;
    EXPECT_FALSE(error.value("revoked_at", "").empty()) << r.body;
    EXPECT_NE(error.value("message", "").find("revoked"), std::string::npos) << r.body;
  }
  const StoredState after = stored_state(server_.db());
  EXPECT_TRUE(after == before) << what_changed(before, after);
  EXPECT_EQ(count_rows(server_.db(), "applications"), 1);
  // The device with its own credentials is served: the refusals were about the credentials.
  EXPECT_EQ(upload({{"protocol", 1}, {"entries", {entry(2, "K1", receipt_of("K1", 2))}}}).status, 200);
  EXPECT_EQ(http(changes_url, "GET", server_.as("K1"), "", protocol).status, 200);
}

TEST_F(SyncProtocol, AnUnknownProtocolVersionIsRefusedNamingTheVersions) {
  auto r = upload({{"protocol", 2}, {"entries", {entry(1, "K1", receipt_of("K1", 1))}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "unsupported_protocol");
  EXPECT_NE(r.error_message().find("2"), std::string::npos);
  EXPECT_NE(r.error_message().find("speaks version 1"), std::string::npos);
  r = upload({{"protocol", 1}, {"entries", {entry(1, "K1", receipt_of("K1", 1))}}}, "K1", {"X-Guichet-Protocol: 7"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "unsupported_protocol");
  EXPECT_NE(r.error_message().find("'7'"), std::string::npos);
  auto c = http(server_.url() + "/api/v1/sync/changes?since=0", "GET", server_.as("K1"), "", {"X-Guichet-Protocol: 3"});
  EXPECT_EQ(c.status, 400);
  EXPECT_EQ(c.error_code(), "unsupported_protocol");
  EXPECT_EQ(count_rows(server_.db(), "applications"), 0);
}

TEST_F(SyncProtocol, ATerminalClockAnHourAheadDoesNotDragTheServerClock) {
  json e = entry(1, "K1", receipt_of("K1", 1));
  e["hlc"] = hlc(now_ms() + 3600 * 1000, "K1");
  const std::int64_t before = now_ms();
  auto r = upload({{"protocol", 1}, {"entries", {e}}});
  ASSERT_EQ(r.status, 200) << r.body;
  domain::HlcTime t;
  std::string error;
  ASSERT_TRUE(domain::parse_hlc(r.json_body()["server_hlc"].get<std::string>(), t, error));
  EXPECT_LE(t.wall_ms, now_ms() + 1);
  EXPECT_GE(t.wall_ms, before - 1000);
}

TEST_F(SyncProtocol, FirstSyncIsCatalogueAndEveryStatusThenOnlyNewChanges) {
  json batch = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 1; i <= 5; ++i) batch["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  ASSERT_EQ(upload(batch).status, 200);

  auto first = changes("0");
  ASSERT_EQ(first.status, 200) << first.body;
  json f = first.json_body();
  EXPECT_EQ(f["protocol"], 1);
  EXPECT_FALSE(f["more"].get<bool>());
  ASSERT_EQ(f["changes"].size(), 6u) << first.body;
  EXPECT_EQ(f["changes"][0]["type"], "catalogue");
  EXPECT_FALSE(f["changes"][0]["version"].get<std::string>().empty());
  EXPECT_EQ(f["changes"][0]["catalogue"]["centre"]["id"], "LDH01");
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(f["changes"][i]["type"], "application.status");
    EXPECT_EQ(f["changes"][i]["application"]["receipt"], receipt_of("K1", i));
    EXPECT_EQ(f["changes"][i]["application"]["status"], "received");
  }
  const std::string cursor = f["cursor"];

  // Paging: two at a time, the same changes in the same order.
  std::vector<json> paged;
  std::string at = "0";
  for (int guard = 0; guard < 10; ++guard) {
    json page = changes(at, 2).json_body();
    for (const auto& c : page["changes"]) paged.push_back(c);
    at = page["cursor"];
    if (!page["more"].get<bool>()) break;
  }
  EXPECT_EQ(json(paged), f["changes"]);
  EXPECT_EQ(at, cursor);

  // Nothing new: nothing, same cursor.
  json none = changes(cursor).json_body();
  EXPECT_TRUE(none["changes"].empty());
  EXPECT_EQ(none["cursor"], cursor);

  // A new application and a token: only those, the queue day once.
  ASSERT_EQ(upload({{"protocol", 1}, {"entries", {entry(6, "K1", receipt_of("K1", 6))}}}).status, 200);
  server_.issue();
  server_.issue();
  json next = changes(cursor).json_body();
  ASSERT_EQ(next["changes"].size(), 2u) << next.dump();
  EXPECT_EQ(next["changes"][0]["type"], "application.status");
  EXPECT_EQ(next["changes"][0]["application"]["receipt"], receipt_of("K1", 6));
  EXPECT_EQ(next["changes"][1]["type"], "queue");
  EXPECT_EQ(next["changes"][1]["day"], "2026-11-23");
  EXPECT_EQ(next["changes"][1]["last_event"], 2);

  // The cursor survives a restart of the server; a cursor it never gave is refused.
  server_.stop();
  server_.start();
  EXPECT_TRUE(changes(next["cursor"]).json_body()["changes"].empty());
  for (const char* bad : {"abc", "-1", "99999999"}) {
    auto r = changes(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.error_message().find("cursor"), std::string::npos) << r.body;
  }
}

// A copy of the server's database (with its write-ahead log, if any) at `to`, as a backup is
// taken or restored while the server is stopped.
void copy_database(const fs::path& from, const fs::path& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const fs::path source = from.string() + suffix;
    const fs::path target = to.string() + suffix;
    fs::remove(target);
    if (fs::exists(source)) fs::copy_file(source, target);
  }
}

// The server's database is restored from a backup taken before a terminal's last read of the
// changes. The terminal's cursor names the history it was read in, which the restored database never
// had: refused with its own code (the terminal must read everything again from 0, not keep asking),
// also once the restored server has written more changes than the cursor counts. Reading from 0
// gives the restored state. A cursor of the days before cursors named their history (a bare number)
// is still refused as ahead when it is; a cursor the server could never have given stays a plain
// bad_request.
TEST_F(SyncProtocol, ACursorFromBeforeARestoreIsRefusedWithItsOwnCodeEvenOnceTheServerHasMoreChanges) {
  ASSERT_EQ(upload({{"protocol", 1}, {"entries", {entry(1, "K1", receipt_of("K1", 1))}}}).status, 200);
  server_.stop();
  const fs::path backup = server_.dir() / "backup.db";
  copy_database(server_.db(), backup);
  server_.start();
  json later = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 2; i <= 4; ++i) later["entries"].push_back(entry(i, "K1", receipt_of("K1", i)));
  ASSERT_EQ(upload(later).status, 200);
  auto read = changes("0");
  ASSERT_EQ(read.status, 200) << read.body;
  ASSERT_EQ(read.json_body()["changes"].size(), 5u) << read.body;
  const std::string cursor = read.json_body()["cursor"];
  ASSERT_EQ(cursor.substr(0, 2), "5.") << cursor;
  EXPECT_EQ(changes(cursor).status, 200);

  server_.stop();
  copy_database(backup, server_.db());
  server_.start();
  auto unknown = changes(cursor);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.error_code(), "cursor_unknown") << unknown.body;
  EXPECT_NE(unknown.error_message().find("cursor " + cursor + " was not given by this server's database as it is now"),
            std::string::npos)
      << unknown.body;
  EXPECT_NE(unknown.error_message().find("start again from 0"), std::string::npos) << unknown.body;
  // The same on every page size, and again: the refusal is steady, not a passing fault.
  EXPECT_EQ(changes(cursor, 1).error_code(), "cursor_unknown");
  // The bare number, as a terminal kept it before cursors named their history: ahead.
  auto ahead = changes("5");
  EXPECT_EQ(ahead.error_code(), "cursor_ahead") << ahead.body;
  EXPECT_NE(ahead.error_message().find("cursor 5 is ahead"), std::string::npos) << ahead.body;

  auto snapshot = changes("0");
  ASSERT_EQ(snapshot.status, 200) << snapshot.body;
  json restored = snapshot.json_body();
  ASSERT_EQ(restored["changes"].size(), 2u) << snapshot.body;
  EXPECT_EQ(restored["changes"][0]["type"], "catalogue");
  EXPECT_EQ(restored["changes"][1]["application"]["receipt"], receipt_of("K1", 1));
  EXPECT_FALSE(restored["more"].get<bool>());

  // The restored server files six others: it now has more changes than the old cursor counts, and
  // its change 5 is not the one the terminal read. Still refused.
  json since = {{"protocol", 1}, {"entries", json::array()}};
  for (int i = 1; i <= 6; ++i) since["entries"].push_back(entry(i, "K2", receipt_of("K2", i)));
  auto filed = upload(since, "K2");
  ASSERT_EQ(filed.status, 200) << filed.body;
  const json results = filed.json_body()["results"];
  ASSERT_EQ(results.size(), 6u) << filed.body;
  for (const auto& result : results) ASSERT_EQ(result["status"], 201) << filed.body;
  EXPECT_EQ(changes(cursor).error_code(), "cursor_unknown");
  EXPECT_EQ(changes("0").json_body()["changes"].size(), 8u);

  for (const char* bad : {"abc", "-1", "1x", "5.", "5.xyz", "5.0123456789ABCDEF", ".0123456789abcdef"}) {
    auto r = changes(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.error_code(), "bad_request") << bad << ": " << r.body;
  }
}

// Each start of the server begins a new history of its change log, but a cursor given before an
// ordinary restart holds: it is answered with what changed since, under the new history's name. A
// cursor counting past the change where its history ended cannot come from this database (only
// from a copy that went on after it was taken): refused.
TEST_F(SyncProtocol, ACursorHoldsAcrossRestartsUpToWhereItsHistoryEnded) {
  ASSERT_EQ(upload({{"protocol", 1}, {"entries", {entry(1, "K1", receipt_of("K1", 1))}}}).status, 200);
  const std::string before = changes("0").json_body()["cursor"];
  ASSERT_EQ(before.substr(0, 2), "2.") << before;
  const std::string first_history = before.substr(2);
  server_.stop();
  server_.start();
  ASSERT_EQ(upload({{"protocol", 1}, {"entries", {entry(2, "K1", receipt_of("K1", 2))}}}).status, 200);
  auto after = changes(before);
  ASSERT_EQ(after.status, 200) << after.body;
  ASSERT_EQ(after.json_body()["changes"].size(), 1u) << after.body;
  EXPECT_EQ(after.json_body()["changes"][0]["application"]["receipt"], receipt_of("K1", 2));
  const std::string now = after.json_body()["cursor"];
  EXPECT_EQ(now.substr(0, 2), "3.") << now;
  EXPECT_NE(now.substr(2), first_history) << "a new start names a new history";
  EXPECT_TRUE(changes(now).json_body()["changes"].empty());

  auto past = changes("3." + first_history);
  EXPECT_EQ(past.status, 400) << past.body;
  EXPECT_EQ(past.error_code(), "cursor_unknown") << past.body;
  EXPECT_NE(past.error_message().find("no longer has (restored from a backup after change 2?)"), std::string::npos)
      << past.body;
}

// Applications in a batch are written together (one job of the writer); every answer must be the
// one the entry gets when sent on its own, with the key device:seq, to the same state.
TEST(SyncBatch, AMixedBatchIsAnsweredAsItsEntriesSentOneByOne) {
  // Both servers' clocks stand still at the same instant, so their answers can be compared whole.
  CentreServer batched, single;
  for (auto* s : {&batched, &single}) {
    s->set_time_scale("0.000000001");
    s->start();
  }
  auto token_entry = [](std::int64_t seq) {
    return json{{"seq", seq},       {"kind", "token.issue"},    {"hlc", hlc(now_ms(), "K1")},
                {"method", "POST"}, {"path", "/api/v1/tokens"}, {"body", R"({"service":"birth-certificate"})"}};
  };
  json refused_body = json::parse(application_body(receipt_of("K1", 3)));
  refused_body["fee_minor"] = -5;
  json refused = entry(3, "K1", receipt_of("K1", 3));
  refused["body"] = refused_body.dump();
  json batch = {{"protocol", 1},
                {"entries",
                 {entry(1, "K1", receipt_of("K1", 1)), entry(2, "K1", receipt_of("K1", 2)), refused, token_entry(4),
                  entry(5, "K1", receipt_of("K1", 1)),  // the receipt of seq 1 again: receipt_taken
                  entry(6, "K1", receipt_of("K1", 6)), token_entry(7), entry(8, "K1", receipt_of("K1", 8))}}};

  auto r = http(batched.url() + "/api/v1/sync/upload", "POST", batched.as("K1"), batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = r.json_body();
  ASSERT_EQ(answer["results"].size(), 8u) << r.body;
  EXPECT_EQ(answer["durable_through"], 8);

  std::vector<int> statuses;
  for (std::size_t i = 0; i < batch["entries"].size(); ++i) {
    const json& e = batch["entries"][i];
    const std::string key = "K1:" + std::to_string(e["seq"].get<int>());
    auto one = http(single.url() + e["path"].get<std::string>(), "POST", single.as("K1", "", key),
                    e["body"].get<std::string>());
    statuses.push_back(static_cast<int>(one.status));
    EXPECT_EQ(answer["results"][i]["seq"], e["seq"]);
    EXPECT_EQ(answer["results"][i]["status"], one.status) << i << ": " << answer["results"][i].dump();
    EXPECT_EQ(answer["results"][i]["body"].dump(), one.json_body().dump()) << i;
  }
  EXPECT_EQ(statuses, (std::vector<int>{201, 201, 400, 201, 409, 201, 201, 201}));

  // Stored once, whatever is sent again: the whole batch (every answer as before, refusals too)
  // and one of its filings on its own.
  auto again = http(batched.url() + "/api/v1/sync/upload", "POST", batched.as("K1"), batch.dump());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_body()["results"], answer["results"]);
  auto direct = http(batched.url() + "/api/v1/applications", "POST", batched.as("K1", "", "K1:6"),
                     batch["entries"][5]["body"].get<std::string>());
  EXPECT_EQ(direct.status, 201);
  EXPECT_EQ(direct.headers["idempotent-replayed"], "true");
  EXPECT_EQ(direct.json_body(), answer["results"][5]["body"]);
  for (const char* table : {"applications", "application_history", "tokens", "changes", "idempotency"}) {
    EXPECT_EQ(count_rows(batched.db(), table), count_rows(single.db(), table)) << table;
  }
  EXPECT_EQ(count_rows(batched.db(), "applications"), 4);
  EXPECT_EQ(count_rows(batched.db(), "tokens"), 2);
  // The answers kept under their keys: every filing's (201, 409) and the tokens', not the
  // refusal found by the check (sent again, it is checked again and refused the same way).
  EXPECT_EQ(count_rows(batched.db(), "idempotency"), 7);
  for (std::size_t i : {0u, 1u, 4u, 5u, 7u}) {
    const std::string receipt = answer["results"][i]["body"].contains("application")
                                    ? answer["results"][i]["body"]["application"]["receipt"].get<std::string>()
                                    : "";
    if (receipt.empty()) continue;
    auto stored = batched.get("/api/v1/applications/" + receipt, batched.as("K2"));
    EXPECT_EQ(stored.json_body(), answer["results"][i]["body"]) << receipt;
  }
}

// As the counter app sends them: the operator who took each application named in the filing, no
// session. An unknown operator is refused for its entry alone (final, nothing stored), as the
// single route refuses it; the entries around it are stored with their operators.
TEST(SyncBatch, CounterFilingsNameTheirOperatorWithoutASessionAndAnUnknownOneIsRefusedPerEntry) {
  CentreServer server;
  server.start();
  auto counter_entry = [](std::int64_t seq, const std::string& receipt, const std::string& operator_id) {
    json e = entry(seq, "D1", receipt);
    json body = json::parse(e["body"].get<std::string>());
    body["channel"] = "counter";
    body["fee_minor"] = 5000;
    body["operator_id"] = operator_id;
    e["body"] = body.dump();
    return e;
  };
  json batch = {{"protocol", 1},
                {"entries",
                 {counter_entry(1, receipt_of("D1", 1), "op1"), counter_entry(2, receipt_of("D1", 2), "op9"),
                  counter_entry(3, receipt_of("D1", 3), "op2")}}};
  auto r = http(server.url() + "/api/v1/sync/upload", "POST", server.as("D1"), batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json results = r.json_body()["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["status"], 201) << results[0].dump();
  EXPECT_EQ(results[1]["status"], 422) << results[1].dump();
  EXPECT_EQ(results[1]["body"]["error"]["code"], "unknown_operator") << results[1].dump();
  EXPECT_EQ(results[2]["status"], 201) << results[2].dump();
  EXPECT_EQ(r.json_body()["durable_through"], 3);
  EXPECT_EQ(count_rows(server.db(), "applications"), 2);
  EXPECT_EQ(count_rows(server.db(), "applications WHERE operator_id = 'op1' AND receipt = 'LDH01-D1-000001'"), 1);
  EXPECT_EQ(count_rows(server.db(), "applications WHERE operator_id = 'op2' AND receipt = 'LDH01-D1-000003'"), 1);
  EXPECT_EQ(count_rows(server.db(), "application_history WHERE actor IN ('op1', 'op2')"), 2);
}

TEST(SyncBatch, AnOperatorsFilingsCarryTheOperatorAndAnUnknownSessionIsRefusedPerEntry) {
  CentreServer server;
  server.start();
  const std::string session = server.login("D1", "op1", "1234", "");
  auto counter_entry = [](std::int64_t seq, const std::string& receipt, const std::string& bearer) {
    json e = entry(seq, "D1", receipt);
    json body = json::parse(e["body"].get<std::string>());
    body["channel"] = "counter";
    e["body"] = body.dump();
    if (!bearer.empty()) e["bearer"] = bearer;
    return e;
  };
  json batch = {{"protocol", 1},
                {"entries",
                 {counter_entry(1, receipt_of("D1", 1), session),
                  counter_entry(2, receipt_of("D1", 2), "not-a-session"), counter_entry(3, receipt_of("D1", 3), "")}}};
  auto r = http(server.url() + "/api/v1/sync/upload", "POST", server.as("D1"), batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json results = r.json_body()["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["status"], 201) << results[0].dump();
  EXPECT_EQ(results[1]["status"], 401) << results[1].dump();
  EXPECT_EQ(results[2]["status"], 201) << results[2].dump();
  EXPECT_EQ(r.json_body()["durable_through"], 3);
  EXPECT_EQ(count_rows(server.db(), "applications"), 2);
  // The filing with a session is the operator's; the one without, the device's alone.
  EXPECT_EQ(count_rows(server.db(), "applications WHERE operator_id = 'op1'"), 1);
  EXPECT_EQ(count_rows(server.db(), "application_history WHERE actor = 'op1'"), 1);
  EXPECT_EQ(count_rows(server.db(), "application_history WHERE actor = 'D1'"), 1);

  // A display board may not file: each entry answers so, nothing is stored.
  json board = {{"protocol", 1}, {"entries", {entry(1, "B1", receipt_of("B1", 1))}}};
  auto refused = http(server.url() + "/api/v1/sync/upload", "POST", server.as("B1"), board.dump());
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(refused.json_body()["results"][0]["status"], 403);
  EXPECT_EQ(count_rows(server.db(), "applications"), 2);
}

}  // namespace
}  // namespace guichet::server::itest
