// The fault runs' checkers find what they are meant to find: each one is shown a terminal and a
// server database that break its guarantee in one way.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "guichet/store/sqlite.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/sync/client.hpp"
#include "harness/runner.hpp"

namespace {

using guichet::fault::Evidence;

class Checkers : public ::testing::Test {
 protected:
  void SetUp() override {
    guichet::fault::TerminalEvidence t;
    t.device = "K1";
    t.data_dir = dir_ / "K1";
    t.drain_ms = 10;
    std::filesystem::create_directories(t.data_dir);
    {
      guichet::sync::OutboxOptions o;
      o.first_seq = 1;
      guichet::sync::Outbox outbox((t.data_dir / "outbox.sqlite").string(), "K1", o);
      std::ofstream journal(t.data_dir / "journal");
      for (int i = 0; i < 3; ++i) {
        auto e = outbox.append("POST", "/api/v1/tokens", "{}", "", 1000 + i, "token.issue");
        outbox.complete(e.seq, 201, "{}");
        journal << e.seq << "\n";
      }
    }
    evidence_.server_db = dir_ / "centre.sqlite";
    evidence_.drain_bound_ms = 1000;
    evidence_.terminals.push_back(t);
    server_ = std::make_unique<guichet::store::Db>(evidence_.server_db.string());
    server_->exec(
        "CREATE TABLE idempotency (id INTEGER PRIMARY KEY, device TEXT, key TEXT, status INTEGER);"
        "CREATE TABLE tokens (id TEXT PRIMARY KEY, business_day TEXT, prefix TEXT, number INTEGER, issued_by TEXT);");
  }
  void key(int seq) {
    server_->prepare("INSERT INTO idempotency (device, key, status) VALUES ('K1', ?1, 201)")
        .bind(1, "K1:" + std::to_string(seq))
        .run();
  }
  void token(int number) {
    server_->prepare("INSERT INTO tokens VALUES (?1, '2026-11-23', 'K', ?2, 'K1')")
        .bind(1, "t" + std::to_string(++tokens_))
        .bind(2, number)
        .run();
  }
  void healthy() {
    for (int seq = 1; seq <= 3; ++seq) {
      key(seq);
      token(seq);
    }
  }
  std::string problems() {
    server_.reset();
    std::vector<std::string> found;
    for (const auto& c : guichet::fault::token_checkers()) c.check(evidence_, found);
    std::string all;
    for (const auto& p : found) all += p + "\n";
    return all;
  }

  guichet::testing::TempDir dir_{"guichet-fault-checkers"};
  Evidence evidence_;
  std::unique_ptr<guichet::store::Db> server_;
  int tokens_ = 0;
};

TEST_F(Checkers, AHealthyRunHasNoProblem) {
  healthy();
  EXPECT_EQ(problems(), "");
}

TEST_F(Checkers, AKeyStoredTwice) {
  healthy();
  key(3);
  EXPECT_NE(problems().find("K1:3 is on the server twice"), std::string::npos);
}

TEST_F(Checkers, AnEntryThatNeverReachedTheServer) {
  key(1);
  key(2);
  token(1);
  token(2);
  EXPECT_NE(problems().find("K1:3 never reached the server"), std::string::npos);
}

TEST_F(Checkers, EntriesStoredOutOfOrder) {
  key(2);
  key(1);
  key(3);
  for (int n = 1; n <= 3; ++n) token(n);
  EXPECT_NE(problems().find("K1:1 was stored after K1:2"), std::string::npos);
}

TEST_F(Checkers, ATokenNumberIssuedTwice) {
  for (int seq = 1; seq <= 3; ++seq) key(seq);
  token(1);
  token(2);
  token(2);
  EXPECT_NE(problems().find("token K2 of 2026-11-23 was issued 2 times"), std::string::npos);
}

TEST_F(Checkers, AJournaledEntryMissingFromTheOutbox) {
  healthy();
  std::ofstream(evidence_.terminals[0].data_dir / "journal", std::ios::app) << "4\n";
  EXPECT_NE(problems().find("entry 4 was stored but is missing from the outbox"), std::string::npos);
}

TEST_F(Checkers, AnOutboxThatDidNotDrain) {
  healthy();
  evidence_.terminals[0].drain_ms.reset();
  EXPECT_NE(problems().find("K1: outbox not drained within 1000 ms"), std::string::npos);
}

TEST_F(Checkers, ARefusalWithoutAReason) {
  healthy();
  evidence_.terminals[0].refused = 1;
  EXPECT_NE(problems().find("K1: refused new work without saying why"), std::string::npos);
}

TEST_F(Checkers, AnEntryRefusedOrStillPending) {
  healthy();
  {
    guichet::store::Db outbox((evidence_.terminals[0].data_dir / "outbox.sqlite").string());
    outbox.exec("UPDATE outbox SET response_status = 409 WHERE seq = 2");
    outbox.exec("UPDATE outbox SET state = 'pending' WHERE seq = 3");
  }
  const std::string found = problems();
  EXPECT_NE(found.find("K1: entry 2 is done (409"), std::string::npos) << found;
  EXPECT_NE(found.find("K1: entry 3 is pending"), std::string::npos) << found;
}

TEST_F(Checkers, AClockTimeThatDoesNotFollowTheSequence) {
  healthy();
  {
    guichet::store::Db outbox((evidence_.terminals[0].data_dir / "outbox.sqlite").string());
    outbox.exec("UPDATE outbox SET hlc = (SELECT hlc FROM outbox WHERE seq = 1) WHERE seq = 2");
  }
  const std::string found = problems();
  EXPECT_NE(found.find("K1: entry 2 has clock time"), std::string::npos) << found;
}

TEST_F(Checkers, AKeyOnTheServerThatNoOutboxHolds) {
  healthy();
  key(4);
  token(4);
  const std::string found = problems();
  EXPECT_NE(found.find("K1:4 is on the server but in no outbox"), std::string::npos) << found;
}

TEST_F(Checkers, MoreTokensThanKeys) {
  healthy();
  token(4);
  const std::string found = problems();
  EXPECT_NE(found.find("K1: 4 tokens on the server for 3 keys"), std::string::npos) << found;
}

}  // namespace

namespace {

// The application checkers: one terminal K1 that filed three applications, the centre node that
// stored and relayed them, central that filed them, and the statuses the officer set there.
class ApplicationCheckers : public ::testing::Test {
 protected:
  void SetUp() override {
    guichet::fault::TerminalEvidence t;
    t.device = "K1";
    t.data_dir = dir_ / "K1";
    t.drain_ms = 10;
    std::filesystem::create_directories(t.data_dir);
    {
      guichet::sync::OutboxOptions o;
      o.first_seq = 1;
      guichet::sync::Outbox outbox((t.data_dir / "outbox.sqlite").string(), "K1", o);
      std::ofstream journal(t.data_dir / "journal");
      for (int i = 0; i < 3; ++i) {
        const std::string receipt = outbox.next_application_receipt("LDH01");
        auto e = outbox.append("POST", "/api/v1/applications", guichet::sync::json{{"receipt", receipt}}.dump(), "",
                               1000 + i, "application.file");
        outbox.complete(e.seq, 201, "{}");
        journal << e.seq << " " << receipt << "\n";
      }
    }
    evidence_.server_db = dir_ / "centre.sqlite";
    evidence_.central_db = dir_ / "central.sqlite";
    evidence_.drain_bound_ms = 1000;
    evidence_.terminals.push_back(t);
    centre_ = std::make_unique<guichet::store::Db>(evidence_.server_db.string());
    centre_->exec(
        "CREATE TABLE idempotency (id INTEGER PRIMARY KEY, device TEXT, key TEXT, status INTEGER);"
        "CREATE TABLE applications (receipt TEXT PRIMARY KEY, device TEXT, channel TEXT DEFAULT 'kiosk', "
        "operator_id TEXT DEFAULT '', fee_minor INTEGER DEFAULT 0);"
        "CREATE TABLE relay_outbox (seq INTEGER PRIMARY KEY, receipt TEXT, state TEXT, answer_status INTEGER, "
        "answer TEXT);");
    central_ = std::make_unique<guichet::store::Db>(evidence_.central_db.string());
    central_->exec(
        "CREATE TABLE applications (receipt TEXT PRIMARY KEY, device TEXT, status TEXT, idempotency_key TEXT, "
        "channel TEXT DEFAULT 'kiosk', operator_id TEXT DEFAULT '', fee_minor INTEGER DEFAULT 0, "
        "documents TEXT DEFAULT '[]');"
        "CREATE TABLE application_history (receipt TEXT, n INTEGER, status TEXT);");
    feed_ = std::make_unique<guichet::store::Db>((t.data_dir / "feed.sqlite").string());
    feed_->exec("CREATE TABLE application_status (receipt TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;");
  }
  static std::string receipt(int n) { return "LDH01-K1-00000" + std::to_string(n); }
  void at_centre(int seq) {
    centre_->prepare("INSERT INTO idempotency (device, key, status) VALUES ('K1', ?1, 201)")
        .bind(1, "K1:" + std::to_string(seq))
        .run();
    centre_->prepare("INSERT INTO applications (receipt, device) VALUES (?1, 'K1')").bind(1, receipt(seq)).run();
    centre_->prepare("INSERT INTO relay_outbox VALUES (?1, ?2, 'sent', 201, '{}')")
        .bind(1, seq)
        .bind(2, receipt(seq))
        .run();
  }
  void at_central(int seq, const std::string& status = "with_department") {
    central_->prepare("INSERT INTO applications (receipt, device, status, idempotency_key) VALUES (?1, 'K1', ?2, ?3)")
        .bind(1, receipt(seq))
        .bind(2, status)
        .bind(3, "LDH01/K1:" + std::to_string(seq))
        .run();
    central_->prepare("INSERT INTO application_history VALUES (?1, 3, 'with_department')").bind(1, receipt(seq)).run();
  }
  void at_terminal(int seq, const std::string& status = "with_department") {
    feed_->prepare("INSERT OR REPLACE INTO application_status VALUES (?1, ?2)")
        .bind(1, receipt(seq))
        .bind(2, guichet::sync::json{{"receipt", receipt(seq)}, {"status", status}}.dump())
        .run();
  }
  void healthy() {
    for (int seq = 1; seq <= 3; ++seq) {
      at_centre(seq);
      at_central(seq, seq == 2 ? "approved" : "with_department");
      at_terminal(seq, seq == 2 ? "approved" : "with_department");
    }
    evidence_.officer_statuses[receipt(2)] = "approved";
  }
  std::string problems() {
    centre_.reset();
    central_.reset();
    feed_.reset();
    std::vector<std::string> found;
    for (const auto& c : guichet::fault::application_checkers()) c.check(evidence_, found);
    std::string all;
    for (const auto& p : found) all += p + "\n";
    return all;
  }

  guichet::testing::TempDir dir_{"guichet-fault-app-checkers"};
  Evidence evidence_;
  std::unique_ptr<guichet::store::Db> centre_, central_, feed_;
};

TEST_F(ApplicationCheckers, AHealthyRunHasNoProblem) {
  healthy();
  EXPECT_EQ(problems(), "");
}

TEST_F(ApplicationCheckers, AnApplicationThatNeverReachedCentral) {
  for (int seq = 1; seq <= 3; ++seq) at_centre(seq);
  at_central(1);
  at_central(2);
  EXPECT_NE(problems().find("K1:3 (LDH01-K1-000003) never reached central"), std::string::npos);
}

TEST_F(ApplicationCheckers, ApplicationsFiledAtCentralOutOfOrder) {
  for (int seq = 1; seq <= 3; ++seq) at_centre(seq);
  at_central(2);
  at_central(1);
  at_central(3);
  EXPECT_NE(problems().find("LDH01-K1-000001 (K1:1) was filed at central after LDH01-K1-000002 (K1:2)"),
            std::string::npos);
}

TEST_F(ApplicationCheckers, AnApplicationAtTheCentreTwice) {
  healthy();
  centre_->prepare("INSERT INTO idempotency (device, key, status) VALUES ('K1', 'K1:3', 201)").run();
  EXPECT_NE(problems().find("K1:3 is at the centre twice"), std::string::npos);
}

TEST_F(ApplicationCheckers, AnApplicationGivenToItsDepartmentTwice) {
  healthy();
  central_->prepare("INSERT INTO application_history VALUES (?1, 4, 'with_department')").bind(1, receipt(1)).run();
  EXPECT_NE(problems().find("LDH01-K1-000001 was not given to its department exactly once"), std::string::npos);
}

TEST_F(ApplicationCheckers, ACounterFilingThatLostItsOperatorOrFee) {
  healthy();
  auto& t = evidence_.terminals[0];
  t.channel = "counter";
  t.operator_id = "op1";
  t.fee_minor = 5000;
  for (auto* db : {centre_.get(), central_.get()})
    db->exec("UPDATE applications SET channel = 'counter', operator_id = 'op1', fee_minor = 5000");
  centre_->prepare("UPDATE applications SET operator_id = '' WHERE receipt = ?1").bind(1, receipt(1)).run();
  central_->prepare("UPDATE applications SET fee_minor = 0 WHERE receipt = ?1").bind(1, receipt(2)).run();
  // The operator is relayed with the filing: central losing it is a problem too.
  central_->prepare("UPDATE applications SET operator_id = '' WHERE receipt = ?1").bind(1, receipt(3)).run();
  const std::string found = problems();
  EXPECT_NE(found.find("LDH01-K1-000001 is filed at the centre as channel counter, operator '', fee 5000; K1 filed it "
                       "as channel counter, operator 'op1', fee 5000"),
            std::string::npos)
      << found;
  EXPECT_EQ(found.find("LDH01-K1-000001 is filed at central"), std::string::npos) << found;
  EXPECT_NE(found.find("LDH01-K1-000002 is filed at central as channel counter, operator 'op1', fee 0"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("LDH01-K1-000003 is filed at central as channel counter, operator '', fee 5000"),
            std::string::npos)
      << found;
  EXPECT_EQ(found.find("LDH01-K1-000003 is filed at the centre"), std::string::npos) << found;
}

TEST_F(ApplicationCheckers, ARelayEntryStillPending) {
  healthy();
  centre_->exec("UPDATE relay_outbox SET state = 'pending', answer_status = 0 WHERE seq = 3");
  EXPECT_NE(problems().find("relay entry 3 (LDH01-K1-000003) is pending"), std::string::npos);
}

// A counter's scanned pages: one sent but changed on the way to central, one still pending (at the
// centre node, queued there, never at central), and a journaled filing naming a page the counter
// never kept.
TEST_F(ApplicationCheckers, AScannedPageLostChangedOrNeverKept) {
  healthy();
  auto& t = evidence_.terminals[0];
  t.channel = "counter";
  const std::string one = std::string("\x89PNG\r\n\x1a\n", 8) + "page one";
  const std::string two = std::string("\x89PNG\r\n\x1a\n", 8) + "page two";
  std::string sha_one, sha_two;
  {
    guichet::sync::AttachmentStore pages((t.data_dir / "attachments.sqlite").string());
    sha_one = pages.put("image/png", std::vector<std::uint8_t>(one.begin(), one.end()), 1000).sha256;
    sha_two = pages.put("image/png", std::vector<std::uint8_t>(two.begin(), two.end()), 1001).sha256;
    pages.mark_sent(sha_one, 201, 1002);
  }
  auto server_files = [](const std::filesystem::path& path) {
    auto db = std::make_unique<guichet::store::Db>(path.string());
    db->exec(
        "CREATE TABLE attachments (sha256 TEXT UNIQUE, content BLOB, device TEXT);"
        "CREATE TABLE attachment_relay (seq INTEGER PRIMARY KEY, sha256 TEXT UNIQUE, state TEXT, answer_status "
        "INTEGER, answer TEXT);");
    return db;
  };
  auto put = [](guichet::store::Db& db, const std::string& sha, const std::string& bytes, const std::string& device) {
    db.prepare("INSERT INTO attachments VALUES (?1, ?2, ?3)")
        .bind(1, sha)
        .bind_blob(2, bytes.data(), bytes.size())
        .bind(3, device)
        .run();
  };
  {
    auto centre = server_files(dir_ / "attachments.sqlite");
    put(*centre, sha_one, one, "K1");
    put(*centre, sha_two, two, "K1");
    centre->prepare("INSERT INTO attachment_relay (sha256, state, answer_status, answer) VALUES (?1, 'sent', 201, '')")
        .bind(1, sha_one)
        .run();
    centre->prepare("INSERT INTO attachment_relay (sha256, state, answer_status, answer) VALUES (?1, 'pending', 0, '')")
        .bind(1, sha_two)
        .run();
  }
  {
    std::filesystem::create_directories(dir_ / "central");
    auto central = server_files(dir_ / "central" / "attachments.sqlite");
    put(*central, sha_one, two, "LDH01");
  }
  // Central's own database beside its attachments file, as the servers keep them.
  central_.reset();
  std::filesystem::rename(evidence_.central_db, dir_ / "central" / "central.sqlite");
  evidence_.central_db = dir_ / "central" / "central.sqlite";
  {
    std::ofstream journal(t.data_dir / "journal", std::ios::app);
    journal << "4 LDH01-K1-000004 " << std::string(64, 'a') << "\n";
    journal << "5 " << receipt(3) << " " << sha_one << "\n";  // receipt 3 at central names no file
  }
  const std::string found = problems();
  EXPECT_NE(found.find("K1's page " + sha_two.substr(0, 12) + " is pending"), std::string::npos) << found;
  EXPECT_NE(found.find("K1's page " + sha_two.substr(0, 12) + " never reached central"), std::string::npos) << found;
  EXPECT_NE(found.find("K1's page " + sha_one.substr(0, 12) + " is at central from LDH01 with other bytes"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("the centre node's file " + sha_two.substr(0, 12) + " is pending"), std::string::npos) << found;
  EXPECT_NE(found.find("LDH01-K1-000004 names page aaaaaaaaaaaa, which K1 did not keep"), std::string::npos) << found;
  EXPECT_NE(found.find(receipt(3) + " is at central without its page " + sha_one.substr(0, 12)), std::string::npos)
      << found;
  EXPECT_EQ(found.find("K1's page " + sha_one.substr(0, 12) + " is not at the centre"), std::string::npos) << found;
}

TEST_F(ApplicationCheckers, AStatusChangeThatDidNotReachTheTerminal) {
  healthy();
  at_terminal(2, "with_department");
  EXPECT_NE(problems().find("LDH01-K1-000002 is approved at central but K1 has with_department"), std::string::npos);
}

TEST_F(ApplicationCheckers, AnOfficersChangeLostAtCentral) {
  healthy();
  evidence_.officer_statuses[receipt(3)] = "rejected";
  EXPECT_NE(problems().find("LDH01-K1-000003 was set to rejected at central but central says with_department"),
            std::string::npos);
}

}  // namespace
