// The server's schema, migrations and repository statements on real SQLite files.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "guichet/server/storage.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::server {
namespace {

domain::Token sample_token(const std::string& id, int number) {
  domain::Token t;
  t.id = id;
  t.service = "birth-certificate";
  t.prefix = "A";
  t.number = number;
  t.priority = "elderly";
  t.language = "pa";
  t.business_day = "2026-11-23";
  t.issued_at = domain::from_unix_ms(1'795'000'000'000 + number);
  t.state = domain::TokenState::Called;
  t.counter = "C1";
  t.recalls = 1;
  t.called_at = domain::from_unix_ms(1'795'000'100'000);
  t.issued_by = "K1";
  return t;
}

class StorageTest : public ::testing::Test {
 protected:
  testing::TempDir dir{"guichet-storage"};
  std::string path = (dir / "s.db").string();
};

TEST_F(StorageTest, FreshFileGetsEveryTableAtTheLatestVersion) {
  store::Db db = open_database(path);
  EXPECT_EQ(db.schema_version(), static_cast<int>(schema_migrations().size()));
  for (const char* table : {"meta", "devices", "operators", "sessions", "tokens", "counter_states", "events",
                            "idempotency", "pin_failures", "number_leases"}) {
    auto st = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
    st.bind(1, table);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 1) << table;
  }
  auto mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
}

TEST_F(StorageTest, ReopeningKeepsDataAndDoesNotMigrateAgain) {
  {
    store::Db db = open_database(path);
    Repository repo(db);
    repo.set_meta("business_day", "2026-11-23");
  }
  store::Db db = open_database(path);
  Repository repo(db);
  EXPECT_EQ(repo.meta("business_day").value_or(""), "2026-11-23");
  EXPECT_EQ(db.schema_version(), static_cast<int>(schema_migrations().size()));
}

TEST_F(StorageTest, RefusesAFileFromANewerSchema) {
  {
    store::Db db = open_database(path);
    db.exec("PRAGMA user_version = 99");
  }
  try {
    open_database(path);
    FAIL() << "a newer schema must be refused";
  } catch (const store::DbError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(StorageTest, TokensRoundTripWithEveryField) {
  store::Db db = open_database(path);
  Repository repo(db);
  domain::Token t = sample_token("LDH01-20261123-A007", 7);
  t.started_at = domain::from_unix_ms(1'795'000'200'000);
  t.target_counter = "C2";
  t.carried_over = true;
  repo.upsert_token(t, "2026-11-23");
  auto back = repo.token(t.id);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, t.id);
  EXPECT_EQ(back->service, t.service);
  EXPECT_EQ(back->prefix, "A");
  EXPECT_EQ(back->number, 7);
  EXPECT_EQ(back->priority, "elderly");
  EXPECT_EQ(back->language, "pa");
  EXPECT_EQ(back->business_day, "2026-11-23");
  EXPECT_EQ(back->issued_at, t.issued_at);
  EXPECT_EQ(back->state, domain::TokenState::Called);
  EXPECT_EQ(back->counter, "C1");
  EXPECT_EQ(back->target_counter, "C2");
  EXPECT_EQ(back->recalls, 1);
  EXPECT_EQ(back->called_at, t.called_at);
  EXPECT_EQ(back->started_at, t.started_at);
  EXPECT_FALSE(back->finished_at.has_value());
  EXPECT_TRUE(back->carried_over);
  EXPECT_EQ(back->issued_by, "K1");

  // An update keeps one row and moves the token between queue days.
  t.state = domain::TokenState::Waiting;
  repo.upsert_token(t, "2026-11-24");
  EXPECT_TRUE(repo.tokens_of_day("2026-11-23").empty());
  auto next_day = repo.tokens_of_day("2026-11-24");
  ASSERT_EQ(next_day.size(), 1u);
  EXPECT_EQ(next_day[0].state, domain::TokenState::Waiting);
}

TEST_F(StorageTest, TokensOfADayComeBackInIssueOrder) {
  store::Db db = open_database(path);
  Repository repo(db);
  // Ids built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on "T" + std::to_string(i).
  auto id = [](int i) { return std::string("T").append(std::to_string(i)); };
  for (int i = 1; i <= 5; ++i) repo.upsert_token(sample_token(id(i), i), "2026-11-23");
  repo.upsert_token(sample_token("T2", 2), "2026-11-23");  // updating keeps its place
  auto tokens = repo.tokens_of_day("2026-11-23");
  ASSERT_EQ(tokens.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(tokens[static_cast<std::size_t>(i)].id, id(i + 1));
}

TEST_F(StorageTest, NumberLeasesOfADayComeBackInLeaseOrderWithEveryField) {
  store::Db db = open_database(path);
  Repository repo(db);
  auto lease = [](const std::string& device, const std::string& day, int first, int count) {
    domain::NumberLease l;
    l.device = device;
    l.service = "birth-certificate";
    l.prefix = "A";
    l.business_day = day;
    l.first = first;
    l.count = count;
    l.leased_at = domain::from_unix_ms(1'795'000'000'000 + first);
    return l;
  };
  repo.insert_lease(lease("K2", "2026-11-23", 51, 50));
  repo.insert_lease(lease("K1", "2026-11-22", 1, 10));  // another day
  repo.insert_lease(lease("K1", "2026-11-23", 1, 50));
  auto leases = repo.leases_of_day("2026-11-23");
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].device, "K2");
  EXPECT_EQ(leases[0].service, "birth-certificate");
  EXPECT_EQ(leases[0].prefix, "A");
  EXPECT_EQ(leases[0].business_day, "2026-11-23");
  EXPECT_EQ(leases[0].first, 51);
  EXPECT_EQ(leases[0].count, 50);
  EXPECT_EQ(domain::to_unix_ms(leases[0].leased_at), 1'795'000'000'051);
  EXPECT_EQ(leases[1].device, "K1");
  EXPECT_EQ(leases[1].first, 1);
  EXPECT_TRUE(repo.leases_of_day("2026-11-24").empty());
  // The table refuses a block that cannot exist.
  EXPECT_THROW(repo.insert_lease(lease("K1", "2026-11-23", 0, 5)), store::DbError);
  EXPECT_THROW(repo.insert_lease(lease("K1", "2026-11-23", 5, 0)), store::DbError);
}

TEST_F(StorageTest, CounterStatesUpsertAndReplace) {
  store::Db db = open_database(path);
  Repository repo(db);
  repo.upsert_counter({"C1", "op1", "T1", 2});
  repo.upsert_counter({"C1", "op1", "", 0});
  repo.upsert_counter({"C2", "", "", 1});
  auto all = repo.counters();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].counter, "C1");
  EXPECT_EQ(all[0].current_token, "");
  EXPECT_EQ(all[1].normal_since_priority, 1);
  repo.delete_counters();
  EXPECT_TRUE(repo.counters().empty());
}

TEST_F(StorageTest, EventsNeedAnActorAndComeBackInOrder) {
  store::Db db = open_database(path);
  Repository repo(db);
  for (std::uint64_t s = 1; s <= 5; ++s) {
    repo.insert_event({s, s % 2 ? "called" : "issued", "T" + std::to_string(s), "C1", "op1", "D1",
                       static_cast<std::int64_t>(s), "{\"seq\":" + std::to_string(s) + "}"});
  }
  EXPECT_EQ(repo.last_event_seq(), 5u);
  auto after = repo.events_after(2, 2);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].seq, 3u);
  EXPECT_EQ(after[1].seq, 4u);
  auto calls = repo.last_calls(10);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].seq, 5u);  // newest first
  EXPECT_EQ(calls[2].seq, 1u);
  EXPECT_THROW(repo.insert_event({6, "issued", "T6", "", "", "K1", 6, "{}"}), store::DbError);
  EXPECT_THROW(repo.insert_event({7, "issued", "T7", "", "K1", "", 7, "{}"}), store::DbError);
}

TEST_F(StorageTest, DevicesOperatorsSessions) {
  store::Db db = open_database(path);
  Repository repo(db);
  repo.insert_device({"K1", DeviceKind::Kiosk, "hash", 10, std::nullopt, ""});
  EXPECT_THROW(repo.insert_device({"K1", DeviceKind::Kiosk, "hash", 10, std::nullopt, ""}), store::DbError);
  repo.insert_device({"B1", DeviceKind::Display, "hash", 10, std::nullopt, ""});
  EXPECT_FALSE(repo.device("K1")->revoked_ms.has_value());
  EXPECT_TRUE(repo.revoked_device_ids().empty());
  EXPECT_TRUE(repo.revoke_device("K1", 20));
  EXPECT_EQ(repo.revoked_device_ids(), std::vector<std::string>{"K1"});
  EXPECT_TRUE(repo.revoke_device("K1", 30));  // revoking again keeps the first time
  EXPECT_EQ(repo.device("K1")->revoked_ms.value_or(0), 20);
  EXPECT_FALSE(repo.revoke_device("nobody", 20));

  repo.insert_operator({"op1", "Asha", Role::Manager, "$argon2id$x", 5, ""});
  auto op = repo.operator_record("op1");
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->role, Role::Manager);
  EXPECT_EQ(op->name, "Asha");

  repo.insert_session({"h1", "op1", "K1", "C1", 100, 1000});
  repo.insert_session({"h2", "op1", "K1", "", 100, 200});
  EXPECT_EQ(repo.open_sessions(150).size(), 2u);
  EXPECT_EQ(repo.open_sessions(500).size(), 1u);  // h2 expired
  repo.close_session("h1", 300);
  EXPECT_TRUE(repo.open_sessions(150).size() == 1u && repo.open_sessions(150)[0].token_hash == "h2");
  // A session must name a known operator and device.
  EXPECT_THROW(repo.insert_session({"h3", "ghost", "K1", "", 1, 2}), store::DbError);
}

TEST_F(StorageTest, IdempotencyRecordsAreAnAppendOnlyLog) {
  store::Db db = open_database(path);
  Repository repo(db);
  std::int64_t a = repo.insert_idempotency({"K1", "K1:1", "fp", 201, "{\"a\":1}", 5, ""});
  std::int64_t b = repo.insert_idempotency({"K2", "K1:1", "other", 409, "{}", 6, ""});
  EXPECT_GT(b, a);
  auto k1 = repo.idempotency_at(a);
  ASSERT_TRUE(k1.has_value());
  EXPECT_EQ(k1->device, "K1");
  EXPECT_EQ(k1->key, "K1:1");
  EXPECT_EQ(k1->status, 201);
  EXPECT_EQ(k1->body, "{\"a\":1}");
  EXPECT_EQ(repo.idempotency("K2", "K1:1")->fingerprint, "other");  // keys are per device
  EXPECT_FALSE(repo.idempotency("K3", "K1:1").has_value());
  EXPECT_FALSE(repo.idempotency_at(b + 1).has_value());
  std::vector<std::string> seen;
  repo.each_idempotency_key([&](std::int64_t id, const std::string& device, const std::string& key) {
    seen.push_back(std::to_string(id) + " " + device + " " + key);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{std::to_string(a) + " K1 K1:1", std::to_string(b) + " K2 K1:1"}));
  EXPECT_EQ(repo.prune_idempotency(6), 1);  // created before 6
  EXPECT_FALSE(repo.idempotency_at(a).has_value());
  EXPECT_TRUE(repo.idempotency_at(b).has_value());
}

TEST_F(StorageTest, PinFailuresPersistAndClear) {
  store::Db db = open_database(path);
  Repository repo(db);
  repo.put_pin_failures({"op1", 3, 5000, 4000});
  repo.put_pin_failures({"op1", 4, 7000, 5000});
  auto all = repo.all_pin_failures();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].failures, 4);
  EXPECT_EQ(all[0].locked_until_ms, 7000);
  repo.clear_pin_failures("op1");
  EXPECT_TRUE(repo.all_pin_failures().empty());
}

// Migration 6: a file written before it, with the schema of version 5 (its own DDL, the first five
// migrations), stored a cancelled enrollment code as a use by no device. Opening it moves such
// codes to cancelled_ms; used and unused codes keep what they had.
TEST_F(StorageTest, CancelledEnrollmentCodesOfAnOldFileGetTheirOwnColumn) {
  {
    store::Db old(path, store::OpenOptions{});
    const auto& all = schema_migrations();
    ASSERT_GE(all.size(), 6u);
    old.migrate(std::vector<std::string>(all.begin(), all.begin() + 5));
    ASSERT_EQ(old.schema_version(), 5);
    old.exec(
        "INSERT INTO enrollment_codes(code_hash, kind, chosen_id, name, created_by, created_ms, expires_ms, used_ms, "
        "device_id, nonce_hash) VALUES "
        "('aaaa', 'kiosk', 'K7', 'Back door', 'command line', 1000, 90000, NULL, '', ''),"
        "('bbbb', 'counter', '', '', 'adm', 2000, 90000, 5000, 'C3', 'n0nce'),"
        "('cccc', 'display', 'B4', '', 'command line', 3000, 90000, 7000, '', '')");
  }
  store::Db db = open_database(path);
  EXPECT_EQ(db.schema_version(), static_cast<int>(schema_migrations().size()));
  Repository repo(db);
  auto unused = repo.enrollment_code("aaaa");
  ASSERT_TRUE(unused);
  EXPECT_FALSE(unused->used_ms);
  EXPECT_FALSE(unused->cancelled_ms);
  auto used = repo.enrollment_code("bbbb");
  ASSERT_TRUE(used);
  EXPECT_EQ(used->used_ms, 5000);
  EXPECT_FALSE(used->cancelled_ms);
  EXPECT_EQ(used->device_id, "C3");
  EXPECT_EQ(used->nonce_hash, "n0nce");
  auto cancelled = repo.enrollment_code("cccc");
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->cancelled_ms, 7000) << "cancelled when the old file said it was used";
  EXPECT_FALSE(cancelled->used_ms);
  EXPECT_EQ(cancelled->device_id, "");

  // A cancelled code can no longer be used, and no longer holds its chosen id.
  EXPECT_FALSE(repo.use_enrollment_code("cccc", 8000, "B4", ""));
  EXPECT_FALSE(repo.enrollment_id_reserved("B4", 8000));
  EXPECT_TRUE(repo.enrollment_id_reserved("K7", 8000));
  EXPECT_TRUE(repo.use_enrollment_code("aaaa", 8000, "K7", "h"));
  EXPECT_FALSE(repo.enrollment_id_reserved("K7", 8000));
}

// A read of a row that points at an application the file does not hold (never so: one
// transaction writes both) is refused as a damaged store, naming the row.
template <typename Read>
void expect_refused_naming(Read read, const std::string& named) {
  try {
    read();
    ADD_FAILURE() << "read a row naming an application that is not stored";
  } catch (const store::DbError& e) {
    EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
  }
}

ApplicationRecord sample_application(const std::string& receipt) {
  ApplicationRecord a;
  a.receipt = receipt;
  a.service = "birth-certificate";
  a.language = "pa";
  a.channel = "kiosk";
  a.device = "K1";
  a.filed_on = "2026-11-23";
  a.due_on = "2026-12-09";
  a.fields_json = R"({"mother-name":"Test Mother"})";
  a.documents_json = "[]";
  a.status = "received";
  a.created_ms = 1'795'000'000'000;
  a.updated_ms = 1'795'000'000'500;
  a.public_json = "{}";
  a.centre = "LDH01";
  a.department = "health";
  return a;
}

// A sample application stored with its public status "received" ({"receipt","status"}).
ApplicationRecord insert_received(Repository& repo, const std::string& receipt) {
  ApplicationRecord a = sample_application(receipt);
  a.public_json = R"({"receipt":")" + receipt + R"(","status":"received"})";
  repo.insert_application(a);
  return a;
}

// A filing's answer is kept as its receipt (no copy of the status in the row) and read back as
// {"application": <public status>} as the application stands when it is read.
TEST_F(StorageTest, AFilingsStoredAnswerIsItsApplicationsStatusAsItStands) {
  store::Db db = open_database(path);
  Repository repo(db);
  const ApplicationRecord app = insert_received(repo, "LDH01-K1-000001");
  const std::int64_t id = repo.insert_idempotency({"K1", "K1:7", "fp", 201, "", 5, app.receipt});
  {
    auto st = db.prepare("SELECT body, receipt FROM idempotency WHERE id = ?1");
    st.bind(1, id);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text(0), "");
    EXPECT_EQ(st.text(1), app.receipt);
  }
  auto stored = repo.idempotency_at(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 201);
  EXPECT_EQ(stored->receipt, app.receipt);
  EXPECT_EQ(stored->body, R"({"application":{"receipt":"LDH01-K1-000001","status":"received"}})");
  repo.update_application_status(app.receipt, "forwarded", 1'795'000'001'000,
                                 R"({"receipt":"LDH01-K1-000001","status":"forwarded"})");
  EXPECT_EQ(repo.idempotency("K1", "K1:7")->body,
            R"({"application":{"receipt":"LDH01-K1-000001","status":"forwarded"}})");
  // Without its application (never so: one transaction writes both) the read says which.
  const std::int64_t orphan = repo.insert_idempotency({"K1", "K1:8", "fp", 201, "", 6, "LDH01-K1-000009"});
  expect_refused_naming([&] { repo.idempotency_at(orphan); }, "LDH01-K1-000009");
}

// A receipt is known from its index alone; history entries written with their number read back in
// that order, and a number given twice is refused (two writers never both append the same entry).
TEST_F(StorageTest, ReceiptsAreKnownAndNumberedHistoryKeepsItsKey) {
  store::Db db = open_database(path);
  Repository repo(db);
  repo.insert_application(sample_application("LDH01-K1-000001"));
  EXPECT_TRUE(repo.application_exists("LDH01-K1-000001"));
  EXPECT_FALSE(repo.application_exists("LDH01-K1-000002"));
  repo.insert_application(sample_application("LDH01-K1-000003"));
  auto stored = repo.stored_receipts({"LDH01-K1-000003", "LDH01-K1-000002", "LDH01-K1-000001"});
  std::sort(stored.begin(), stored.end());
  EXPECT_EQ(stored, (std::vector<std::string>{"LDH01-K1-000001", "LDH01-K1-000003"}));
  EXPECT_TRUE(repo.stored_receipts({}).empty());
  repo.add_application_history("LDH01-K1-000001", 1, {"received", 1000, "", "K1"});
  repo.add_application_history("LDH01-K1-000001", 2, {"forwarded", 2000, "", "LDH01"});
  repo.add_application_history("LDH01-K1-000001", {"with_department", 3000, "", "central"});  // counted: 3
  EXPECT_THROW(repo.add_application_history("LDH01-K1-000001", 2, {"approved", 4000, "", "central"}), store::DbError);
  auto history = repo.application_history("LDH01-K1-000001");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].status, "received");
  EXPECT_EQ(history[1].status, "forwarded");
  EXPECT_EQ(history[2].status, "with_department");
}

TEST_F(StorageTest, ApplicationStatesOfASetComeWithTheirHistoryInOrderAndWithoutTheForm) {
  store::Db db = open_database(path);
  Repository repo(db);
  for (const char* r : {"LDH01-K1-000001", "LDH01-K1-000002", "LDH01-K1-000003"}) {
    repo.insert_application(sample_application(r));
    repo.add_application_history(r, {"received", 1'795'000'000'000, "", "K1"});
  }
  repo.add_application_history("LDH01-K1-000002", {"forwarded", 1'795'000'001'000, "", "LDH01"});
  repo.add_application_history("LDH01-K1-000002", {"with_department", 1'795'000'002'000, "a \"note\"", "central"});

  auto states = repo.application_states({"LDH01-K1-000002", "LDH01-K1-000009", "LDH01-K1-000001"});
  ASSERT_EQ(states.size(), 2u);  // the unknown receipt is absent
  std::map<std::string, Repository::ApplicationState> by;
  for (auto& s : states) by[s.record.receipt] = s;
  ASSERT_EQ(by.count("LDH01-K1-000001"), 1u);
  ASSERT_EQ(by.count("LDH01-K1-000002"), 1u);
  const auto& two = by["LDH01-K1-000002"];
  EXPECT_EQ(two.record.service, "birth-certificate");
  EXPECT_EQ(two.record.filed_on, "2026-11-23");
  EXPECT_EQ(two.record.due_on, "2026-12-09");
  EXPECT_EQ(two.record.status, "received");
  EXPECT_EQ(two.record.created_ms, 1'795'000'000'000);
  EXPECT_EQ(two.record.updated_ms, 1'795'000'000'500);
  EXPECT_EQ(two.record.centre, "LDH01");
  EXPECT_EQ(two.record.department, "health");
  EXPECT_TRUE(two.record.fields_json.empty());  // the citizen's form is not read for a status change
  ASSERT_EQ(two.history.size(), 3u);
  EXPECT_EQ(two.history[0].status, "received");
  EXPECT_EQ(two.history[1].status, "forwarded");
  EXPECT_EQ(two.history[1].actor, "LDH01");
  EXPECT_EQ(two.history[2].status, "with_department");
  EXPECT_EQ(two.history[2].at_ms, 1'795'000'002'000);
  EXPECT_EQ(two.history[2].note, "a \"note\"");
  EXPECT_EQ(by["LDH01-K1-000001"].history.size(), 1u);
  EXPECT_TRUE(repo.application_states({}).empty());
}

TEST_F(StorageTest, RelayEntriesAreMarkedAsASetOnlyWhilePending) {
  store::Db db = open_database(path);
  Repository repo(db);
  for (int i = 1; i <= 4; ++i) {
    repo.insert_relay(
        RelayEntry{0, "LDH01-K1-00000" + std::to_string(i), "K1", "hlc", 1'795'000'000'000, "{}", "pending", 0, ""});
  }
  auto pending = repo.relay_pending(10);
  ASSERT_EQ(pending.size(), 4u);
  // The relay's read-ahead: the next ones after a seq, in order, as many as asked.
  auto after = repo.relay_pending(2, pending[0].seq);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].seq, pending[1].seq);
  EXPECT_EQ(after[1].seq, pending[2].seq);
  EXPECT_TRUE(repo.relay_pending(10, pending[3].seq).empty());
  EXPECT_EQ(repo.mark_relay({pending[0].seq, pending[2].seq}, "sent", 201, "", 1'795'000'001'000), 2);
  // Already marked: left as they are, not counted again.
  EXPECT_EQ(repo.mark_relay({pending[0].seq, pending[3].seq}, "refused", 422, "no", 1'795'000'002'000), 1);
  EXPECT_EQ(repo.mark_relay({}, "sent", 201, "", 0), 0);
  auto left = repo.relay_pending(10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].seq, pending[1].seq);
  auto counts = repo.relay_counts();
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.sent, 2);
  EXPECT_EQ(counts.refused, 1);
}

// Migration 7: a file of version 6 held the relay outbox as one table, sent rows keeping their
// filing. Opening it keeps the pending filings queued (same seq, same body), the answered ones as
// they were answered (the filing dropped), the view relay_outbox shows all of them, and the next
// seq follows the highest ever given, also when that one was answered (central's key).
TEST_F(StorageTest, RelayOutboxOfAVersion6FileIsSplitIntoQueueAndDone) {
  {
    store::Db old(path, store::OpenOptions{});
    const auto& all = schema_migrations();
    ASSERT_GE(all.size(), 7u);
    old.migrate(std::vector<std::string>(all.begin(), all.begin() + 6));
    ASSERT_EQ(old.schema_version(), 6);
    old.exec(
        "INSERT INTO relay_outbox(seq, receipt, origin, hlc, received_ms, body, state, answer_status, answer, "
        "done_ms) VALUES "
        "(1, 'LDH01-K1-000001', 'K1', 'h1', 1000, '{\"a\":1}', 'sent', 201, '', 1500),"
        "(2, 'LDH01-K1-000002', 'K1', 'h2', 2000, '{\"a\":2}', 'pending', 0, '', NULL),"
        "(3, 'LDH01-K2-000001', 'K2', 'h3', 3000, '{\"a\":3}', 'refused', 422, 'no such service', 3500),"
        "(4, 'LDH01-K1-000003', 'K1', 'h4', 4000, '{\"a\":4}', 'pending', 0, '', NULL),"
        "(5, 'LDH01-K2-000002', 'K2', 'h5', 5000, '{\"a\":5}', 'sent', 201, '', 5500)");
  }
  store::Db db = open_database(path);
  EXPECT_EQ(db.schema_version(), static_cast<int>(schema_migrations().size()));
  Repository repo(db);
  auto pending = repo.relay_pending(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].seq, 2);
  EXPECT_EQ(pending[0].receipt, "LDH01-K1-000002");
  EXPECT_EQ(pending[0].origin, "K1");
  EXPECT_EQ(pending[0].hlc, "h2");
  EXPECT_EQ(pending[0].received_ms, 2000);
  EXPECT_EQ(pending[0].body, "{\"a\":2}");
  EXPECT_EQ(pending[1].seq, 4);
  auto counts = repo.relay_counts();
  EXPECT_EQ(counts.pending, 2);
  EXPECT_EQ(counts.sent, 2);
  EXPECT_EQ(counts.refused, 1);
  {
    auto st = db.prepare("SELECT state, answer_status, answer, done_ms FROM relay_outbox WHERE seq = 3");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text(0), "refused");
    EXPECT_EQ(st.int64(1), 422);
    EXPECT_EQ(st.text(2), "no such service");
    EXPECT_EQ(st.int64(3), 3500);
  }
  {
    auto st = db.prepare("SELECT COUNT(*) FROM relay_outbox");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 5);
  }
  // Seq 5 was answered: the next filing is 6, not 5 again (nor 4 + 1 = 5).
  repo.insert_relay(RelayEntry{0, "LDH01-K1-000004", "K1", "h6", 6000, "{}", "pending", 0, ""});
  pending = repo.relay_pending(10);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[2].seq, 6);
  // Answered, the queue drains; the next seq still follows the highest ever given.
  EXPECT_EQ(repo.mark_relay({2, 4, 6}, "sent", 201, "", 7000), 3);
  EXPECT_TRUE(repo.relay_pending(10).empty());
  repo.insert_relay(RelayEntry{0, "LDH01-K1-000005", "K1", "h7", 8000, "{}", "pending", 0, ""});
  pending = repo.relay_pending(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, 7);
  counts = repo.relay_counts();
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.sent, 5);
  EXPECT_EQ(counts.refused, 1);

  // The change log's scope index holds only scoped rows, and a centre's read still uses it.
  repo.upsert_change(ChangeRecord{"application:LDH01-K1-000001", 1, "application.status", "{}", ""});
  repo.upsert_change(ChangeRecord{"application:LDH01-K1-000002", 2, "application.status", "{}", "LDH01"});
  repo.upsert_change(ChangeRecord{"application:LDH01-K1-000003", 3, "application.status", "{}", "LDH01"});
  auto scoped = repo.scoped_changes_after("LDH01", 0, 10, 10);
  ASSERT_EQ(scoped.size(), 2u);
  EXPECT_EQ(scoped[0].seq, 2);
  EXPECT_EQ(scoped[1].seq, 3);
  EXPECT_TRUE(repo.scoped_changes_after("", 0, 10, 10).empty());
  {
    auto st = db.prepare("SELECT COUNT(*) FROM changes INDEXED BY changes_by_scope WHERE scope <> ''");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 2);
  }
  // The read as Repository::scoped_changes_after makes it, with its application's status.
  auto plan = db.prepare(
      "EXPLAIN QUERY PLAN SELECT c.key, c.seq, c.type, c.body, a.public_json, c.scope FROM changes c "
      "LEFT JOIN applications a ON c.body = '' AND a.receipt = substr(c.key, 13) WHERE c.scope = ?1 AND "
      "c.scope <> '' AND c.seq > ?2 AND c.seq <= ?3 ORDER BY c.seq LIMIT ?4");
  std::string details;
  while (plan.step()) details += plan.text(3) + "\n";
  EXPECT_NE(details.find("changes_by_scope"), std::string::npos) << details;
  EXPECT_NE(details.find("SEARCH a USING INDEX"), std::string::npos) << details;
}

// An application's status change is stored without a body and served from the application's
// public status, as it is when read (one transaction writes both); other changes keep their body.
TEST_F(StorageTest, AnApplicationsStatusChangeIsServedFromItsRow) {
  store::Db db = open_database(path);
  Repository repo(db);
  const ApplicationRecord a = insert_received(repo, "LDH01-K1-000001");
  ChangeRecord status = application_status_change(a.receipt, "LDH01");
  EXPECT_EQ(status.key, "application:LDH01-K1-000001");
  EXPECT_EQ(status.type, "application.status");
  EXPECT_TRUE(status.body.empty());
  status.seq = 1;
  repo.upsert_change(status);
  repo.upsert_change(ChangeRecord{"queue:2026-11-23", 2, "queue", R"({"type":"queue","day":"2026-11-23"})", ""});
  {
    auto st = db.prepare("SELECT body FROM changes WHERE key = 'application:LDH01-K1-000001'");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text(0), "") << "the status is stored once, in the application's row";
  }
  const std::string served =
      R"({"type":"application.status","application":{"receipt":"LDH01-K1-000001","status":"received"}})";
  auto all = repo.changes_after(0, 10, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].body, served);
  EXPECT_EQ(all[1].body, R"({"type":"queue","day":"2026-11-23"})");
  auto scoped = repo.scoped_changes_after("LDH01", 0, 10, 10);
  ASSERT_EQ(scoped.size(), 1u);
  EXPECT_EQ(scoped[0].body, served);
  EXPECT_EQ(scoped[0].scope, "LDH01");
  ASSERT_TRUE(repo.change(status.key));
  EXPECT_EQ(repo.change(status.key)->body, served);

  // A new status: the row and the change move together, and the change serves the new one.
  repo.update_application_status(a.receipt, "forwarded", 1'795'000'001'000,
                                 R"({"receipt":"LDH01-K1-000001","status":"forwarded"})");
  status.seq = 3;
  repo.upsert_change(status);
  all = repo.changes_after(2, 10, 10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].body,
            R"({"type":"application.status","application":{"receipt":"LDH01-K1-000001","status":"forwarded"}})");

  // Without its application (never so: they are one transaction) the read says which change.
  ChangeRecord orphan = application_status_change("LDH01-K1-000009", "");
  orphan.seq = 4;
  repo.upsert_change(orphan);
  expect_refused_naming([&] { repo.changes_after(3, 10, 10); }, "application:LDH01-K1-000009");
}

// A filing queued without a copy of its body is read back written from its applications row (a
// counter's operator with it); one queued with a body (an older file's) keeps it.
TEST_F(StorageTest, AQueuedFilingWithoutABodyIsWrittenFromItsApplication) {
  store::Db db = open_database(path);
  Repository repo(db);
  ApplicationRecord a = sample_application("LDH01-K1-000001");
  a.channel = "counter";
  a.operator_id = "op1";
  a.fee_minor = 5000;
  repo.insert_application(a);
  repo.insert_relay(RelayEntry{0, a.receipt, "K1", "hlc", 1'795'000'000'000, "", "pending", 0, ""});
  repo.insert_relay(
      RelayEntry{0, "LDH01-K1-000002", "K1", "hlc", 1'795'000'000'001, "{\"as\":\"sent\"}", "pending", 0, ""});
  auto pending = repo.relay_pending(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].body, relay_filing_body(a));
  EXPECT_NE(pending[0].body.find(a.fields_json), std::string::npos);
  EXPECT_NE(pending[0].body.find(R"("operator_id":"op1")"), std::string::npos) << pending[0].body;
  EXPECT_EQ(pending[1].body, "{\"as\":\"sent\"}");
  // Without its application (never so: they are one transaction) the read says which entry.
  repo.insert_relay(RelayEntry{0, "LDH01-K1-000003", "K1", "hlc", 1'795'000'000'002, "", "pending", 0, ""});
  expect_refused_naming([&] { repo.relay_pending(10); }, "LDH01-K1-000003");
}

TEST_F(StorageTest, ReadPoolReusesConnectionsAndSeesCommittedWrites) {
  store::Db db = open_database(path);
  Repository repo(db);
  ReadPool pool(path);
  {
    auto a = pool.acquire();
    auto b = pool.acquire();  // both busy at once: a second connection opens
    EXPECT_FALSE(a->meta("x").has_value());
    repo.set_meta("x", "1");
    EXPECT_EQ(b->meta("x").value_or(""), "1");
  }
  auto c = pool.acquire();
  EXPECT_EQ(c->meta("x").value_or(""), "1");
}

}  // namespace
}  // namespace guichet::server
