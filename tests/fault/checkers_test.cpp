// The fault runs' checkers find what they are meant to find: each one is shown a terminal and a
// server database that break its guarantee in one way.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "guichet/store/sqlite.hpp"
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

}  // namespace
