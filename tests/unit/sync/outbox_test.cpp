// The terminal's outbox: durable entries, per-device sequence numbers, idempotency keys and the
// Pending → Done / Failed transitions.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>

#include "guichet/sync/client.hpp"

namespace fs = std::filesystem;
using guichet::store::DbError;
using guichet::sync::Outbox;
using guichet::sync::OutboxOptions;
using guichet::sync::OutboxState;

namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "guichet-outbox-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "terminal.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static OutboxOptions from_one() {
    OutboxOptions o;
    o.first_seq = 1;
    return o;
  }

  fs::path dir_;
  std::string path_;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(OutboxTest, EntriesSurviveReopenInOrderWithEveryField) {
  {
    Outbox box(path_, "C1", from_one());
    box.append("POST", "/api/v1/counters/C1/call-next", "{}", "session-a", 1000);
    box.append("POST", "/api/v1/counters/C1/start", "{}", "session-a", 1001);
    box.append("DELETE", "/api/v1/sessions/current", "", "session-a", 1002);
  }
  Outbox reopened(path_, "C1", from_one());
  auto pending = reopened.pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq, 1);
  EXPECT_EQ(pending[0].path, "/api/v1/counters/C1/call-next");
  EXPECT_EQ(pending[0].body, "{}");
  EXPECT_EQ(pending[0].bearer, "session-a");
  EXPECT_EQ(pending[0].created_ms, 1000);
  EXPECT_EQ(pending[1].path, "/api/v1/counters/C1/start");
  EXPECT_EQ(pending[2].method, "DELETE");
  EXPECT_EQ(pending[2].seq, 3);
  for (const auto& e : pending) EXPECT_EQ(e.state, OutboxState::Pending);
  EXPECT_EQ(reopened.pending_count(), 3);
}

TEST_F(OutboxTest, SequenceNumbersAreConsecutiveAndNeverReused) {
  {
    Outbox box(path_, "K1", from_one());
    EXPECT_EQ(box.append("POST", "/a", "{}", "", 1).seq, 1);
    EXPECT_EQ(box.append("POST", "/b", "{}", "", 2).seq, 2);
    EXPECT_EQ(box.append("POST", "/c", "{}", "", 3).seq, 3);
  }
  // Even if answered entries are pruned from the file, their numbers stay used: the server keeps
  // the answers to those keys.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DELETE FROM outbox", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);

  Outbox box(path_, "K1", from_one());
  EXPECT_EQ(box.append("POST", "/d", "{}", "", 4).seq, 4);
}

TEST_F(OutboxTest, NewFileSeedsItsSequenceFromTheClock) {
  const std::int64_t before = now_ms();
  Outbox box(path_, "K1");
  auto first = box.append("POST", "/a", "{}", "", 1);
  auto second = box.append("POST", "/b", "{}", "", 2);
  EXPECT_GE(first.seq, before);
  EXPECT_LE(first.seq, now_ms());
  EXPECT_EQ(second.seq, first.seq + 1);
}

TEST_F(OutboxTest, IdempotencyKeyIsDeviceAndSequence) {
  Outbox box(path_, "C3", from_one());
  auto e = box.append("POST", "/a", "{}", "", 1);
  EXPECT_EQ(box.idempotency_key(e.seq), "C3:1");
  EXPECT_EQ(box.idempotency_key(42), "C3:42");
}

TEST_F(OutboxTest, SuccessMakesEntryDoneAndForgetsTheSession) {
  Outbox box(path_, "C1", from_one());
  auto e = box.append("POST", "/a", "{}", "secret-session", 1);
  box.record_attempt(e.seq);
  box.complete(e.seq, 201, R"({"ok":true})");
  auto got = box.get(e.seq);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, OutboxState::Done);
  EXPECT_EQ(got->response_status, 201);
  EXPECT_EQ(got->response_body, R"({"ok":true})");
  EXPECT_EQ(got->attempts, 1);
  EXPECT_EQ(got->bearer, "");
  EXPECT_TRUE(got->response().ok());
  EXPECT_EQ(box.pending_count(), 0);
}

TEST_F(OutboxTest, RefusalMakesEntryFailedAndKeepsTheServersMessage) {
  Outbox box(path_, "C1", from_one());
  auto e = box.append("POST", "/a", "{}", "", 1);
  box.complete(e.seq, 409, R"({"error":{"code":"nothing_waiting","message":"Nobody is waiting."}})");
  auto got = box.get(e.seq);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, OutboxState::Failed);
  EXPECT_EQ(got->response().error_message(), "Nobody is waiting.");
  EXPECT_EQ(got->response().error_code(), "nothing_waiting");
  auto failed = box.failed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].seq, e.seq);
}

TEST_F(OutboxTest, ServerErrorsAndSilenceLeaveEntryPending) {
  Outbox box(path_, "C1", from_one());
  auto e = box.append("POST", "/a", "{}", "s", 1);
  box.record_attempt(e.seq);
  box.complete(e.seq, 503, R"({"error":{"code":"unavailable","message":"down"}})");
  box.record_attempt(e.seq);
  box.complete(e.seq, 0, "");
  box.record_attempt(e.seq);
  box.complete(e.seq, 408, "");
  auto got = box.get(e.seq);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, OutboxState::Pending);
  EXPECT_EQ(got->attempts, 3);
  EXPECT_EQ(got->bearer, "s");
  EXPECT_FALSE(got->last_error.empty());
  EXPECT_EQ(box.pending_count(), 1);
  EXPECT_EQ(got->response().status, 0);
}

TEST_F(OutboxTest, AnsweredEntryIsNotRewrittenByALateAnswer) {
  Outbox box(path_, "C1", from_one());
  auto e = box.append("POST", "/a", "{}", "", 1);
  box.complete(e.seq, 200, "first");
  box.complete(e.seq, 409, "second");
  auto got = box.get(e.seq);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, OutboxState::Done);
  EXPECT_EQ(got->response_body, "first");
}

TEST_F(OutboxTest, DoneAndFailedStateSurviveReopen) {
  std::int64_t a, b, c;
  {
    Outbox box(path_, "C1", from_one());
    a = box.append("POST", "/a", "{}", "", 1).seq;
    b = box.append("POST", "/b", "{}", "", 2).seq;
    c = box.append("POST", "/c", "{}", "", 3).seq;
    box.complete(a, 200, "{}");
    box.complete(b, 404, "{}");
  }
  Outbox box(path_, "C1", from_one());
  EXPECT_EQ(box.get(a)->state, OutboxState::Done);
  EXPECT_EQ(box.get(b)->state, OutboxState::Failed);
  auto pending = box.pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, c);
}

TEST_F(OutboxTest, PendingHonoursItsLimitOldestFirst) {
  Outbox box(path_, "C1", from_one());
  for (int i = 0; i < 10; ++i) box.append("POST", "/p" + std::to_string(i), "{}", "", i);
  auto first = box.pending(4);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first[0].path, "/p0");
  EXPECT_EQ(first[3].path, "/p3");
}

TEST_F(OutboxTest, NamedValuesSurviveReopenAndCannotTouchTheDeviceRecord) {
  {
    Outbox box(path_, "C1", from_one());
    EXPECT_FALSE(box.get_meta("feed.last_event_id"));
    box.set_meta("feed.last_event_id", "41");
    box.set_meta("feed.last_event_id", "42");
    box.set_meta("device", "C9");
  }
  Outbox box(path_, "C1", from_one());
  EXPECT_EQ(box.get_meta("feed.last_event_id").value_or(""), "42");
  EXPECT_EQ(box.get_meta("device").value_or(""), "C9");
  // The outbox still knows it belongs to C1.
  EXPECT_THROW(Outbox(path_, "C9", from_one()), DbError);
}

TEST_F(OutboxTest, FileOfAnotherDeviceIsRefused) {
  { Outbox box(path_, "C1", from_one()); }
  try {
    Outbox other(path_, "C2", from_one());
    FAIL() << "opened another device's outbox";
  } catch (const DbError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("C1"), std::string::npos) << what;
    EXPECT_NE(what.find("C2"), std::string::npos) << what;
    EXPECT_NE(what.find(path_), std::string::npos) << what;
  }
}

TEST_F(OutboxTest, DeviceIdUnusableInKeysIsRefused) {
  EXPECT_THROW(Outbox(path_, ""), DbError);
  EXPECT_THROW(Outbox(path_, "C:1"), DbError);
}

TEST_F(OutboxTest, DamagedFileIsRefusedWithItsPath) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  try {
    Outbox box(path_, "C1");
    FAIL() << "opened a damaged file";
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

}  // namespace
