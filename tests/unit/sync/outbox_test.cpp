// The terminal's outbox: durable entries, per-device sequence numbers, idempotency keys and the
// Pending → Done / Failed transitions.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

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

TEST_F(OutboxTest, ItsReportCountsThePendingEntriesAndAgesTheOldestByItsOwnClock) {
  std::int64_t clock = 1'000'000;
  OutboxOptions o = from_one();
  o.wall_clock = [&clock] { return clock; };
  Outbox box(path_, "K1", o);
  EXPECT_EQ(box.report(), (guichet::sync::OutboxReport{0, 0}));
  box.append("POST", "/api/v1/tokens", "{}", "", 1'000'000);
  box.append("POST", "/api/v1/tokens", "{}", "", 1'030'000);
  box.append("POST", "/api/v1/tokens", "{}", "", 1'090'000);
  clock = 1'125'500;
  EXPECT_EQ(box.report(), (guichet::sync::OutboxReport{3, 125}));
  // Answered entries leave it; the oldest is then the next one still pending.
  box.complete(1, 201, "{}");
  box.complete(2, 409, "{}");
  EXPECT_EQ(box.report(), (guichet::sync::OutboxReport{1, 35}));
  // A clock set back since the entry was written gives an age of 0, not a negative one.
  clock = 1'000'000;
  EXPECT_EQ(box.report(), (guichet::sync::OutboxReport{1, 0}));
  box.complete(3, 200, "{}");
  EXPECT_EQ(box.report(), (guichet::sync::OutboxReport{0, 0}));
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

// A terminal withdraws an action it gave up on: the pending entry is rewritten where it stands.
TEST_F(OutboxTest, APendingEntryIsRewrittenInPlaceKeepingItsKeyTimeAndOrder) {
  std::int64_t a, b, c;
  guichet::domain::HlcTime time_of_b;
  {
    Outbox box(path_, "K1", from_one());
    a = box.append("POST", "/api/v1/tokens", R"({"service":"s"})", "", 1).seq;
    auto eb = box.append("POST", "/api/v1/tokens", R"({"service":"t"})", "", 2);
    b = eb.seq;
    time_of_b = eb.hlc;
    c = box.append("POST", "/api/v1/applications", "{}", "", 3, "application.file").seq;
    box.record_attempt(b);
    EXPECT_TRUE(box.rewrite_pending(b, R"({"service":"t","withdrawn":true})", "token.withdraw"));
  }
  Outbox box(path_, "K1", from_one());  // durable
  auto got = box.get(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->seq, b);
  EXPECT_EQ(box.idempotency_key(got->seq), "K1:2") << "the same key";
  EXPECT_EQ(got->body, R"({"service":"t","withdrawn":true})");
  EXPECT_EQ(got->kind, "token.withdraw");
  EXPECT_EQ(got->method, "POST");
  EXPECT_EQ(got->path, "/api/v1/tokens");
  EXPECT_EQ(got->hlc, time_of_b) << "its clock time is kept";
  EXPECT_EQ(got->created_ms, 2);
  EXPECT_EQ(got->attempts, 1);
  EXPECT_EQ(got->state, OutboxState::Pending);
  auto pending = box.pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq, a);
  EXPECT_EQ(pending[1].seq, b) << "it keeps its place in the order";
  EXPECT_EQ(pending[2].seq, c);
  EXPECT_EQ(box.get(a)->body, R"({"service":"s"})") << "the others are untouched";

  // An empty kind keeps the entry's kind.
  EXPECT_TRUE(box.rewrite_pending(a, R"({"service":"u"})"));
  EXPECT_EQ(box.get(a)->kind, "token.issue");
  EXPECT_EQ(box.get(a)->body, R"({"service":"u"})");
}

TEST_F(OutboxTest, AnAnsweredOrUnknownEntryIsNotRewritten) {
  Outbox box(path_, "K1", from_one());
  auto done = box.append("POST", "/api/v1/tokens", R"({"service":"s"})", "", 1);
  auto failed = box.append("POST", "/api/v1/tokens", R"({"service":"t"})", "", 2);
  box.complete(done.seq, 201, R"({"token":{}})");
  box.complete(failed.seq, 404, "{}");
  // The engine got the answer first: the rewrite finds nothing pending and changes nothing.
  EXPECT_FALSE(box.rewrite_pending(done.seq, R"({"withdrawn":true})", "token.withdraw"));
  EXPECT_FALSE(box.rewrite_pending(failed.seq, R"({"withdrawn":true})", "token.withdraw"));
  EXPECT_FALSE(box.rewrite_pending(999, R"({"withdrawn":true})", "token.withdraw"));
  EXPECT_EQ(box.get(done.seq)->body, R"({"service":"s"})");
  EXPECT_EQ(box.get(done.seq)->kind, "token.issue");
  EXPECT_EQ(box.get(done.seq)->state, OutboxState::Done);
  EXPECT_EQ(box.get(failed.seq)->body, R"({"service":"t"})");
  EXPECT_FALSE(box.get(999));

  // A kind that is not dotted words is refused before anything is written.
  auto pending = box.append("POST", "/api/v1/tokens", R"({"service":"v"})", "", 3);
  EXPECT_THROW(box.rewrite_pending(pending.seq, "{}", "Token Withdraw"), std::invalid_argument);
  EXPECT_EQ(box.get(pending.seq)->body, R"({"service":"v"})");
  EXPECT_EQ(box.get(pending.seq)->kind, "token.issue");
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

// A filing is found by its receipt number behind a backlog larger than any page of pending()
// (a kiosk after a long outage), newest first; answered entries, other kinds and bodies that are
// not JSON never match.
TEST_F(OutboxTest, FindPendingFindsTheNewestMatchWhateverTheBacklog) {
  OutboxOptions o = from_one();
  o.durability = guichet::store::Durability::Normal;  // thousands of entries: no sync per entry
  Outbox box(path_, "K1", o);
  auto filing = [&](const std::string& receipt, std::int64_t at) {
    return box.append("POST", "/api/v1/applications", R"({"receipt":")" + receipt + R"(","service":"birth"})", "", at,
                      "application.file");
  };
  const auto oldest = filing("LDH01-K1-000001", 1);
  const auto answered = filing("LDH01-K1-000003", 2);
  box.complete(answered.seq, 201, "{}");
  box.append("POST", "/api/v1/applications", "not json", "", 3, "application.file");
  for (int i = 0; i < 6000; ++i) box.append("POST", "/api/v1/tokens", R"({"service":"birth"})", "", 10 + i);
  const auto first_copy = filing("LDH01-K1-000002", 7000);
  const auto newest = filing("LDH01-K1-000002", 7001);
  box.append("POST", "/api/v1/tokens", R"({"receipt":"LDH01-K1-000004"})", "", 7002, "token.issue");
  ASSERT_GT(box.pending_count(), 6000);
  ASSERT_LT(box.pending(5000).back().seq, first_copy.seq) << "the filings are beyond the oldest 5000";

  auto found = box.find_pending("application.file", "receipt", "LDH01-K1-000002");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->seq, newest.seq) << "the newest of two (first copy " << first_copy.seq << ")";
  EXPECT_EQ(found->kind, "application.file");
  EXPECT_EQ(found->body, newest.body);
  found = box.find_pending("application.file", "receipt", "LDH01-K1-000001");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->seq, oldest.seq);
  EXPECT_FALSE(box.find_pending("application.file", "receipt", "LDH01-K1-000003")) << "answered";
  EXPECT_FALSE(box.find_pending("application.file", "receipt", "LDH01-K1-000004")) << "another kind";
  EXPECT_FALSE(box.find_pending("application.file", "receipt", "LDH01-K1-000009")) << "unknown";
  EXPECT_FALSE(box.find_pending("application.file", "service", "LDH01-K1-000002")) << "another field";
  EXPECT_THROW(box.find_pending("application.file", "re\"ceipt", "x"), std::invalid_argument);
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

// ---- kinds and clock times ----------------------------------------------------------------------

using guichet::domain::HlcTime;
using guichet::sync::default_outbox_kind;
using guichet::sync::valid_outbox_kind;

// Runs SQL on the file directly, as another program (or an older Guichet) would.
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(raw);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

TEST(OutboxKind, LowerCaseDottedWords) {
  for (const char* ok : {"token.issue", "application.file", "payment.record", "status.view", "request",
                         "counter.call_next", "a1.b2_c.d"}) {
    EXPECT_TRUE(valid_outbox_kind(ok)) << ok;
  }
  for (const char* bad : {"", "Token.issue", "token..issue", ".token", "token.", "token issue", "token-issue", "1token",
                          "token._x", "tökén"}) {
    EXPECT_FALSE(valid_outbox_kind(bad)) << bad;
  }
  EXPECT_FALSE(valid_outbox_kind(std::string(65, 'a')));
  EXPECT_TRUE(valid_outbox_kind(std::string(64, 'a')));
}

TEST(OutboxKind, DefaultFromTheRequest) {
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/tokens"), "token.issue");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/tokens/LDH01-20261123-A042/cancel"), "token.cancel");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/counters/C1/call-next"), "counter.call_next");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/counters/C1/no-show"), "counter.no_show");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/counters/C1/start"), "counter.start");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/sessions"), "session.open");
  EXPECT_EQ(default_outbox_kind("DELETE", "/api/v1/sessions/current"), "session.close");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/admin/day-close"), "admin.day_close");
  EXPECT_EQ(default_outbox_kind("POST", "/api/v1/counters/C1/Odd%20Thing"), "request");
  EXPECT_EQ(default_outbox_kind("GET", "/api/v1/tokens"), "request");
  EXPECT_EQ(default_outbox_kind("POST", "/a"), "request");
  EXPECT_EQ(default_outbox_kind("POST", ""), "request");
}

TEST_F(OutboxTest, EntriesCarryAKindAndAClockTime) {
  Outbox box(path_, "K1", from_one());
  const auto issued = box.append("POST", "/api/v1/tokens", "{}", "", 5000);
  const auto filed = box.append("POST", "/api/v1/applications", "{}", "s", 5000, "application.file");
  const auto viewed = box.append("GET", "/api/v1/applications/R1", "", "", 5003, "status.view");
  EXPECT_EQ(issued.kind, "token.issue");
  EXPECT_EQ(filed.kind, "application.file");
  EXPECT_EQ(viewed.kind, "status.view");
  EXPECT_EQ(issued.hlc, (HlcTime{5000, 0, "K1"}));
  EXPECT_EQ(filed.hlc, (HlcTime{5000, 1, "K1"}));
  EXPECT_EQ(viewed.hlc, (HlcTime{5003, 0, "K1"}));
  EXPECT_EQ(box.last_hlc(), viewed.hlc);
  // As stored.
  auto pending = box.pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[1].kind, "application.file");
  EXPECT_EQ(pending[1].hlc, filed.hlc);
  EXPECT_EQ(box.get(viewed.seq)->hlc, viewed.hlc);
  // The idempotency key is still device:seq.
  EXPECT_EQ(box.idempotency_key(filed.seq), "K1:2");
}

TEST_F(OutboxTest, AKindThatIsNotDottedWordsIsRefusedAndNothingWritten) {
  Outbox box(path_, "K1", from_one());
  EXPECT_THROW(box.append("POST", "/a", "{}", "", 1, "Token Issue"), std::invalid_argument);
  EXPECT_EQ(box.pending_count(), 0);
  EXPECT_EQ(box.append("POST", "/a", "{}", "", 1, "token.issue").seq, 1);
}

TEST_F(OutboxTest, ClockNeverGoesBackwardsAcrossRestartsOrWithTheWallClock) {
  HlcTime before;
  {
    Outbox box(path_, "K1", from_one());
    box.append("POST", "/a", "{}", "", 1'700'000'000'000);
    before = box.append("POST", "/b", "{}", "", 1'700'000'000'000).hlc;
    // The wall clock goes back an hour between two actions.
    const HlcTime after = box.append("POST", "/c", "{}", "", 1'700'000'000'000 - 3'600'000).hlc;
    EXPECT_GT(after, before);
    before = after;
  }
  // Restarted with the wall clock a day behind: the clock continues after the stored time.
  Outbox box(path_, "K1", from_one());
  EXPECT_EQ(box.last_hlc(), before);
  const HlcTime next = box.append("POST", "/d", "{}", "", 1'700'000'000'000 - 86'400'000).hlc;
  EXPECT_EQ(next, (HlcTime{before.wall_ms, before.logical + 1, "K1"}));
  // Entries in sequence order are in clock order.
  auto all = box.pending();
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].hlc, all[i - 1].hlc);
}

TEST_F(OutboxTest, ATimeFromTheServerOrdersLaterEntriesAfterIt) {
  const std::int64_t now = 1'700'000'000'000;
  {
    Outbox box(path_, "K1", from_one());
    box.append("POST", "/a", "{}", "", now);
    // The server's clock is half an hour ahead of this terminal's.
    const auto r = box.observe({now + 1'800'000, 7, "LDH01"}, now + 5);
    EXPECT_TRUE(r.within_drift);
    EXPECT_EQ(r.time, (HlcTime{now + 1'800'000, 8, "K1"}));
    // A time three hours ahead is not followed.
    const auto far = box.observe({now + 3 * 3'600'000, 0, "LDH01"}, now + 6);
    EXPECT_FALSE(far.within_drift);
    EXPECT_FALSE(far.reason.empty());
  }
  Outbox box(path_, "K1", from_one());
  EXPECT_EQ(box.append("POST", "/b", "{}", "", now + 10).hlc, (HlcTime{now + 1'800'000, 10, "K1"}));
}

TEST_F(OutboxTest, ADamagedStoredClockTimeIsRefused) {
  {
    Outbox box(path_, "K1", from_one());
    box.append("POST", "/a", "{}", "", 1000);
  }
  raw_sql(path_, "UPDATE outbox_meta SET value = 'yesterday' WHERE key = 'hlc'");
  try {
    Outbox box(path_, "K1", from_one());
    FAIL() << "opened an outbox whose clock time is damaged";
  } catch (const DbError& e) {
    EXPECT_TRUE(e.is_corrupt());
    EXPECT_NE(std::string(e.what()).find("clock time is damaged"), std::string::npos) << e.what();
  }
}

TEST_F(OutboxTest, DeviceIdThatIsNotAClockNodeIsRefused) {
  EXPECT_THROW(Outbox(path_, "K 1"), DbError);
  EXPECT_THROW(Outbox(path_, std::string(65, 'K')), DbError);
}

// An outbox file written by the first schema (before kinds and clock times), exactly as that
// version created it: opened by this version, it keeps its entries, their states and their
// numbers, and gets kinds from their requests and clock times in sequence order.
TEST_F(OutboxTest, AFileOfTheFirstSchemaUpgradesInPlace) {
  raw_sql(path_, R"sql(
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TABLE outbox_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  bearer TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  response_status INTEGER NOT NULL DEFAULT 0,
  response_body TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  completed_ms INTEGER
);
CREATE INDEX outbox_by_state ON outbox (state, seq);
PRAGMA user_version = 1;
INSERT INTO outbox_meta (key, value) VALUES ('device', 'C1'), ('app.feed.last_event_id', '17');
INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', 99);
INSERT INTO outbox (method, path, body, bearer, created_ms, state, attempts, response_status, response_body)
  VALUES ('POST', '/api/v1/sessions', '{"pin":"1"}', '', 2000, 'done', 1, 200, '{"session":"s"}');
INSERT INTO outbox (method, path, body, bearer, created_ms, state)
  VALUES ('POST', '/api/v1/counters/C1/call-next', '{}', 's', 1500, 'pending');
INSERT INTO outbox (method, path, body, bearer, created_ms, state)
  VALUES ('POST', '/api/v1/counters/C1/call-next', '{}', 's', 1500, 'pending');
INSERT INTO outbox (method, path, body, bearer, created_ms, state, attempts, response_status, response_body)
  VALUES ('POST', '/api/v1/tokens/T1/cancel', '{}', '', 2600, 'failed', 2, 409, '{"error":{}}');
COMMIT;
)sql");

  Outbox box(path_, "C1", from_one());
  // Entries, states, answers and named values kept.
  auto pending = box.pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].seq, 101);
  EXPECT_EQ(pending[1].seq, 102);
  EXPECT_EQ(pending[0].bearer, "s");
  EXPECT_EQ(box.get(100)->state, OutboxState::Done);
  EXPECT_EQ(box.get(100)->response_body, "{\"session\":\"s\"}");
  EXPECT_EQ(box.failed().at(0).response_status, 409);
  EXPECT_EQ(box.get_meta("feed.last_event_id").value_or(""), "17");
  // Kinds from their requests; clock times in sequence order although the wall clock went back.
  EXPECT_EQ(box.get(100)->kind, "session.open");
  EXPECT_EQ(pending[0].kind, "counter.call_next");
  EXPECT_EQ(box.get(103)->kind, "token.cancel");
  EXPECT_EQ(box.get(100)->hlc, (HlcTime{2000, 0, "C1"}));
  EXPECT_EQ(pending[0].hlc, (HlcTime{2000, 1, "C1"}));
  EXPECT_EQ(pending[1].hlc, (HlcTime{2000, 2, "C1"}));
  EXPECT_EQ(box.get(103)->hlc, (HlcTime{2600, 0, "C1"}));
  // New entries continue both the sequence and the clock.
  const auto next = box.append("POST", "/api/v1/tokens", "{}", "", 2100);
  EXPECT_EQ(next.seq, 104);
  EXPECT_EQ(next.hlc, (HlcTime{2600, 1, "C1"}));

  // The upgrade happened once; reopening changes nothing.
  const auto before = box.get(101)->hlc;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2);
  sqlite3_finalize(st);
  sqlite3_close(raw);
  Outbox again(path_, "C1", from_one());
  EXPECT_EQ(again.get(101)->hlc, before);
  EXPECT_EQ(again.last_hlc(), next.hlc);
}

}  // namespace

TEST_F(OutboxTest, ApplicationReceiptsCountUpDurablyPerDevice) {
  {
    Outbox box(path_, "K1", from_one());
    EXPECT_EQ(box.next_application_receipt("LDH01"), "LDH01-K1-000001");
    EXPECT_EQ(box.next_application_receipt("LDH01"), "LDH01-K1-000002");
    EXPECT_EQ(box.get_meta("application_no").value_or(""), "2");
  }
  Outbox reopened(path_, "K1", from_one());
  EXPECT_EQ(reopened.next_application_receipt("LDH01"), "LDH01-K1-000003");
  // More than six digits when needed.
  reopened.set_meta("application_no", "999999");
  EXPECT_EQ(reopened.next_application_receipt("LDH01"), "LDH01-K1-1000000");
}

TEST_F(OutboxTest, ApplicationReceiptRefusesABadCentreIdOrADamagedCounter) {
  Outbox box(path_, "K1", from_one());
  EXPECT_THROW(box.next_application_receipt(""), std::invalid_argument);
  EXPECT_THROW(box.next_application_receipt("LDH 01"), std::invalid_argument);
  EXPECT_FALSE(box.get_meta("application_no").has_value());  // nothing moved
  box.set_meta("application_no", "12x");
  try {
    box.next_application_receipt("LDH01");
    FAIL() << "a damaged counter was used";
  } catch (const DbError& e) {
    EXPECT_TRUE(e.is_corrupt());
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos);
  }
  EXPECT_EQ(box.get_meta("application_no").value_or(""), "12x");
}

// The end of an upload is one transaction: attempts of the batch's entries, their answers, the
// error of the first left pending, and the server's clock time, all durable together.
TEST_F(OutboxTest, AnUploadsOutcomeIsRecordedWhole) {
  const std::int64_t now = 1'700'000'000'000;
  {
    Outbox box(path_, "K1", from_one());
    for (int i = 0; i < 5; ++i) box.append("POST", "/api/v1/applications", "{}", "s", now);
    box.complete(1, 201, "earlier");  // answered before the batch: not counted again
    Outbox::UploadResult r;
    r.first_seq = 2;
    r.last_seq = 4;  // 5 was not in the batch
    r.answers = {{2, 201, R"({"receipt":"A"})"}, {3, 422, R"({"error":{"code":"invalid"}})"}};
    r.error_seq = 4;
    r.error = "the server answered HTTP 503";
    r.server_hlc = HlcTime{now + 60'000, 3, "LDH01"};
    r.now_ms = now + 1;
    box.record_upload(r);
  }
  Outbox box(path_, "K1", from_one());
  const auto all = box.entries(1, 5);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].attempts, 0);
  EXPECT_EQ(all[0].response_body, "earlier");
  EXPECT_EQ(all[1].state, OutboxState::Done);
  EXPECT_EQ(all[1].response_body, R"({"receipt":"A"})");
  EXPECT_EQ(all[1].attempts, 1);
  EXPECT_EQ(all[1].bearer, "");
  EXPECT_EQ(all[2].state, OutboxState::Failed);
  EXPECT_EQ(all[2].response_status, 422);
  EXPECT_EQ(all[2].attempts, 1);
  EXPECT_EQ(all[3].state, OutboxState::Pending);
  EXPECT_EQ(all[3].attempts, 1);
  EXPECT_EQ(all[3].last_error, "the server answered HTTP 503");
  EXPECT_EQ(all[3].bearer, "s");
  EXPECT_EQ(all[4].state, OutboxState::Pending);
  EXPECT_EQ(all[4].attempts, 0);
  EXPECT_EQ(all[4].last_error, "");
  // The server's time was stored with the answers: later entries come after it, across a restart.
  EXPECT_EQ(box.append("POST", "/b", "{}", "", now + 10).hlc, (HlcTime{now + 60'000, 5, "K1"}));
  EXPECT_EQ(box.entries(7, 9).size(), 0u);
}

TEST_F(OutboxTest, AnUploadWithoutAnswerCountsTheAttemptAndKeepsTheError) {
  Outbox box(path_, "K1", from_one());
  for (int i = 0; i < 3; ++i) box.append("POST", "/api/v1/applications", "{}", "", 1000);
  Outbox::UploadResult r;
  r.first_seq = 1;
  r.last_seq = 3;
  r.error_seq = 1;
  r.error = "POST /api/v1/sync/upload: timed out";
  box.record_upload(r);
  box.record_upload(r);
  const auto pending = box.pending();
  ASSERT_EQ(pending.size(), 3u);
  for (const auto& e : pending) EXPECT_EQ(e.attempts, 2);
  EXPECT_EQ(pending[0].last_error, "POST /api/v1/sync/upload: timed out");
  EXPECT_EQ(pending[1].last_error, "");
  EXPECT_EQ(box.last_hlc().wall_ms, 1000);  // no server time: the clock did not move
}

TEST_F(OutboxTest, AnEntryAndItsNamedValuesAreWrittenTogetherOrNotAtAll) {
  {
    Outbox box(path_, "C1", from_one());
    box.set_meta("counter.draft", "{\"service\":\"birth_certificate\"}");
    box.set_meta("kept", "1");
    const auto filed = box.append("POST", "/api/v1/applications", "{}", "", 1000, "application.file",
                                  {{"counter.draft", std::nullopt}, {"last_filed", "LDH01-C1-000001"}});
    EXPECT_EQ(filed.seq, 1);
    EXPECT_FALSE(box.get_meta("counter.draft")) << "removed with the entry";
    EXPECT_EQ(box.get_meta("last_filed").value_or(""), "LDH01-C1-000001");
    box.remove_meta("kept");
    box.remove_meta("never-set");  // nothing to remove: no error
    EXPECT_FALSE(box.get_meta("kept"));
    box.set_meta("counter.draft", "{\"service\":\"income_certificate\"}");
  }
  // The file refuses the named value (as a full disk would refuse the page): the entry is not
  // written either, and the draft is still there.
  raw_sql(path_,
          "CREATE TRIGGER refuse_meta BEFORE INSERT ON outbox_meta WHEN NEW.key = 'app.last_filed' "
          "BEGIN SELECT RAISE(ABORT, 'refused'); END;");
  Outbox box(path_, "C1", from_one());
  EXPECT_THROW(box.append("POST", "/api/v1/applications", "{}", "", 2000, "application.file",
                          {{"counter.draft", std::nullopt}, {"last_filed", "LDH01-C1-000002"}}),
               DbError);
  EXPECT_EQ(box.pending_count(), 1);
  EXPECT_EQ(box.get_meta("counter.draft").value_or(""), "{\"service\":\"income_certificate\"}");
  // An entry of a kind the outbox refuses changes no named value.
  EXPECT_THROW(
      box.append("POST", "/api/v1/applications", "{}", "", 3000, "Not A Kind", {{"counter.draft", std::nullopt}}),
      std::invalid_argument);
  EXPECT_TRUE(box.get_meta("counter.draft").has_value());
}
