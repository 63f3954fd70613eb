// Number blocks leased from the centre node, on the kiosk: taking numbers from the blocks in its
// SQLite file (in order, never twice, across reopening), dropping the blocks of previous days, the
// lease request kept until answered, and the tokens issued from a block while the node is down
// (ServerTokens with a real outbox and sync engine pointed at a port nobody listens on): printed
// ones reported through the outbox, unprinted ones and those a crash caught before the slip void.
#include <gtest/gtest.h>

#include "config.hpp"
#include "devices.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/testing/process.hpp"
#include "issuer.hpp"
#include "kiosk_store.hpp"

using namespace guichet;
using namespace guichet::kiosk;

namespace {

constexpr int kZone = 330;  // +05:30

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string today() { return domain::business_day(domain::from_unix_ms(now_ms()), kZone); }

NumberBlock block(const std::string& service, const std::string& prefix, const std::string& day, int first, int count) {
  NumberBlock b;
  b.service = service;
  b.prefix = prefix;
  b.centre = "LDH01";
  b.business_day = day;
  b.first = first;
  b.count = count;
  b.next = first;
  b.utc_offset_minutes = kZone;
  b.leased_ms = now_ms();
  return b;
}

std::optional<TakenNumber> take(KioskStore& s, const std::string& service, const std::string& day) {
  return s.take_number(
      service, day, [](const TakenNumber& t) { return "{\"leased_number\":" + std::to_string(t.number) + "}"; },
      now_ms());
}

TEST(LeaseBlocks, NumbersComeInOrderAcrossBlocksAndNeverPastTheEnd) {
  guichet::testing::TempDir dir("kiosk-lease");
  KioskStore s((dir / "kiosk.sqlite").string());
  const std::string day = "2026-11-23";
  EXPECT_FALSE(take(s, "birth", day)) << "no block: nothing to take";
  s.add_block(block("birth", "A", day, 40, 2));
  s.add_block(block("birth", "A", day, 12, 3));
  s.add_block(block("income", "B", day, 5, 1));
  s.add_block(block("birth", "A", day, 12, 3));  // the same block again (a replayed answer) is kept once
  EXPECT_EQ(s.numbers_left("birth", day), 5);
  std::vector<int> got;
  for (int i = 0; i < 10; ++i) {
    auto t = take(s, "birth", day);
    if (!t) break;
    EXPECT_EQ(t->block.prefix, "A");
    EXPECT_EQ(t->block.centre, "LDH01");
    got.push_back(t->number);
  }
  EXPECT_EQ(got, (std::vector<int>{12, 13, 14, 40, 41})) << "the oldest numbers first, each once";
  EXPECT_EQ(s.numbers_left("birth", day), 0);
  EXPECT_EQ(s.numbers_left("income", day), 1) << "blocks are per service";
  auto rows = s.leased_all();
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& r : rows) {
    EXPECT_EQ(r.state, LeasedState::Taken);
    EXPECT_EQ(r.report, "{\"leased_number\":" + std::to_string(r.number) + "}");
  }
  EXPECT_EQ(s.leased_unsettled().size(), 5u);
}

TEST(LeaseBlocks, ReopeningTheFileGoesOnAfterTheLastNumberTaken) {
  guichet::testing::TempDir dir("kiosk-lease");
  const std::string path = (dir / "kiosk.sqlite").string();
  const std::string day = "2026-11-23";
  {
    KioskStore s(path);
    s.add_block(block("birth", "A", day, 7, 4));
    EXPECT_EQ(take(s, "birth", day)->number, 7);
    EXPECT_EQ(take(s, "birth", day)->number, 8);
    s.set_leased_state("A", day, 7, LeasedState::Reported, 99, now_ms());
  }
  KioskStore s(path);
  EXPECT_EQ(s.numbers_left("birth", day), 2);
  EXPECT_EQ(take(s, "birth", day)->number, 9);
  auto seven = s.leased("A", day, 7);
  ASSERT_TRUE(seven);
  EXPECT_EQ(seven->state, LeasedState::Reported);
  EXPECT_EQ(seven->seq, 99);
  s.set_leased_state_by_seq(99, LeasedState::Uploaded, now_ms());
  EXPECT_EQ(s.leased("A", day, 7)->state, LeasedState::Uploaded);
  EXPECT_EQ(s.leased_unsettled().size(), 2u) << "8 and 9 are taken, not settled";
}

TEST(LeaseBlocks, BlocksOfPreviousDaysAreDroppedUnsettledNumbersKept) {
  guichet::testing::TempDir dir("kiosk-lease");
  KioskStore s((dir / "kiosk.sqlite").string());
  s.add_block(block("birth", "A", "2026-11-22", 1, 5));
  s.add_block(block("birth", "A", "2026-11-23", 30, 5));
  ASSERT_EQ(take(s, "birth", "2026-11-22")->number, 1);
  ASSERT_EQ(take(s, "birth", "2026-11-22")->number, 2);
  s.set_leased_state("A", "2026-11-22", 1, LeasedState::Uploaded, 5, now_ms());
  // The new day: a number of yesterday's block is never given today.
  EXPECT_EQ(take(s, "birth", "2026-11-23")->number, 30);
  EXPECT_EQ(s.drop_blocks_before("2026-11-23"), 1);
  EXPECT_TRUE(s.blocks("birth", "2026-11-22").empty());
  EXPECT_EQ(s.numbers_left("birth", "2026-11-23"), 4);
  EXPECT_FALSE(take(s, "birth", "2026-11-22"));
  EXPECT_FALSE(s.leased("A", "2026-11-22", 1)) << "settled numbers of the old day go";
  ASSERT_TRUE(s.leased("A", "2026-11-22", 2)) << "one still on its way to the server stays";
  EXPECT_EQ(s.latest_block()->business_day, "2026-11-23");
}

TEST(LeaseBlocks, ALeaseRequestKeepsItsKeyUntilAnswered) {
  guichet::testing::TempDir dir("kiosk-lease");
  const std::string path = (dir / "kiosk.sqlite").string();
  std::string key;
  {
    KioskStore s(path);
    LeaseRequest r = s.lease_request("birth", 30, "K1");
    key = r.key;
    EXPECT_TRUE(key.starts_with("K1:lease:")) << key;
    EXPECT_EQ(s.lease_request("birth", 50, "K1").key, key) << "asked again with the same key";
    EXPECT_EQ(s.lease_request("birth", 50, "K1").count, 30) << "and the same body";
    EXPECT_NE(s.lease_request("income", 30, "K1").key, key);
  }
  KioskStore s(path);
  EXPECT_EQ(s.lease_request("birth", 30, "K1").key, key) << "kept across a restart";
  s.finish_lease_request(key, block("birth", "A", "2026-11-23", 3, 2));
  EXPECT_EQ(s.numbers_left("birth", "2026-11-23"), 2) << "the block lands with the answer";
  const std::string next = s.lease_request("birth", 30, "K1").key;
  EXPECT_NE(next, key) << "an answered request's key is never used again";
}

// ServerTokens with a real outbox and sync engine whose server does not answer.
struct OfflineKiosk {
  explicit OfflineKiosk(const guichet::testing::TempDir& dir)
      : store((dir / "kiosk.sqlite").string()),
        outbox((dir / "outbox.sqlite").string(), "K1"),
        engine(outbox, sync::ServerEndpoint{"http://127.0.0.1:9", "K1", "secret"}),
        tokens(
            engine, outbox, store, [](std::function<void()> job) { job(); }, std::chrono::milliseconds(50),
            LeaseOptions{true, 30, 3, std::chrono::hours(1), std::chrono::milliseconds(200)}) {}
  KioskStore store;
  sync::Outbox outbox;
  sync::SyncEngine engine;
  ServerTokens tokens;

  std::vector<sync::OutboxEntry> reports() {
    std::vector<sync::OutboxEntry> out;
    for (auto& e : outbox.pending()) {
      if (e.kind == "token.leased") out.push_back(e);
    }
    return out;
  }
};

struct Paper : PrinterPort {
  bool works = true;
  std::vector<std::vector<std::uint8_t>> printed;
  PrinterCheck status() override { return {}; }
  PrinterCheck print(const std::vector<std::uint8_t>& job) override {
    if (!works) return {false, "paper jam"};
    printed.push_back(job);
    return {};
  }
};

SlipBuilder slip() {
  return [](const IssuedToken& t, std::string&) {
    std::string text = t.token.id + (t.leased ? " leased" : "");
    return std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>(text.begin(), text.end()));
  };
}

TEST(LeaseBlocks, NodeDownTheTokenComesFromTheBlockAndItsReportWaitsInTheOutbox) {
  guichet::testing::TempDir dir("kiosk-lease");
  OfflineKiosk k(dir);
  const std::string day = today();
  k.store.add_block(block("birth", "A", day, 7, 2));
  Paper paper;
  IssueInput in{"birth", "senior", "hi", PrinterPolicy::Stop};
  IssueResult r = issue_token(paper, k.tokens, slip(), in);
  ASSERT_EQ(r.kind, IssueResult::Kind::Printed) << r.detail;
  EXPECT_EQ(r.display_number, "A007");
  EXPECT_EQ(r.token_id, "LDH01-" + domain::compact_day(day) + "-A007") << "the id the server will record";
  EXPECT_EQ(r.ahead, -1) << "no wait estimate without the node";
  ASSERT_EQ(paper.printed.size(), 1u);
  EXPECT_EQ(std::string(paper.printed[0].begin(), paper.printed[0].end()), r.token_id + " leased");

  auto reports = k.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].path, "/api/v1/tokens");
  auto body = sync::json::parse(reports[0].body);
  EXPECT_EQ(body["leased_number"], 7);
  EXPECT_EQ(body["service"], "birth");
  EXPECT_EQ(body["priority"], "senior");
  EXPECT_EQ(body["language"], "hi");
  domain::Instant issued{};
  ASSERT_TRUE(domain::parse_iso(body["issued_at"].get<std::string>(), issued)) << body.dump();
  EXPECT_TRUE(body["issued_at"].get<std::string>().ends_with("+05:30")) << body.dump();
  EXPECT_LT(std::abs(domain::to_unix_ms(issued) - now_ms()), 60000);
  auto row = k.store.leased("A", day, 7);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, LeasedState::Reported);
  EXPECT_EQ(row->seq, reports[0].seq);

  // The sync engine's answer later marks it uploaded.
  sync::OutboxEntry done = reports[0];
  done.state = sync::OutboxState::Done;
  k.tokens.on_complete(done);
  EXPECT_EQ(k.store.leased("A", day, 7)->state, LeasedState::Uploaded);

  // The printer fails under the stop policy: the number is void, never reported.
  paper.works = false;
  r = issue_token(paper, k.tokens, slip(), in);
  EXPECT_EQ(r.kind, IssueResult::Kind::PrintFailed);
  EXPECT_EQ(r.display_number, "A008");
  EXPECT_EQ(k.store.leased("A", day, 8)->state, LeasedState::Void);
  EXPECT_EQ(k.reports().size(), 1u) << "nothing of A008 goes to the server";

  // The block is used up: unreachable, as without one.
  paper.works = true;
  r = issue_token(paper, k.tokens, slip(), in);
  EXPECT_EQ(r.kind, IssueResult::Kind::Unreachable);
  EXPECT_EQ(paper.printed.size(), 1u);
}

TEST(LeaseBlocks, ACrashBetweenTakingANumberAndPrintingVoidsItAndTheNumberIsNeverGivenAgain) {
  guichet::testing::TempDir dir("kiosk-lease");
  const std::string day = today();
  std::string taken_id;
  {
    OfflineKiosk k(dir);
    k.store.add_block(block("birth", "A", day, 20, 5));
    auto a = k.tokens.take_leased("birth", "", "en");  // taken, then the kiosk dies before printing
    ASSERT_TRUE(a);
    EXPECT_EQ(a->token.number, 20);
    auto b = k.tokens.take_leased("birth", "", "en");  // printed, the kiosk dies before reporting
    ASSERT_TRUE(b);
    k.store.set_leased_state("A", day, 21, LeasedState::Delivered, 0, now_ms());
    EXPECT_TRUE(k.reports().empty());
  }
  OfflineKiosk k(dir);
  k.tokens.recover();
  k.tokens.stop_leasing();
  EXPECT_EQ(k.store.leased("A", day, 20)->state, LeasedState::Void) << "not known printed: never reported";
  auto reports = k.reports();
  ASSERT_EQ(reports.size(), 1u) << "the printed one is reported";
  EXPECT_EQ(sync::json::parse(reports[0].body)["leased_number"], 21);
  EXPECT_EQ(k.store.leased("A", day, 21)->state, LeasedState::Reported);
  EXPECT_TRUE(k.store.leased_unsettled().empty());
  auto c = k.tokens.take_leased("birth", "", "en");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->token.number, 22) << "20 and 21 are never given again";

  // A report written twice (a crash after the outbox took it, before the store knew): the
  // server's number_taken answer means it is queued once already.
  sync::OutboxEntry again = reports[0];
  again.state = sync::OutboxState::Failed;
  again.response_status = 409;
  again.response_body = R"({"error":{"code":"number_taken","message":"A021 was already issued"}})";
  k.tokens.on_complete(again);
  EXPECT_EQ(k.store.leased("A", day, 21)->state, LeasedState::Uploaded);
}

}  // namespace

namespace {

TEST(LeaseBlocks, AKioskNeverIssuesFromABlockOfAnotherDay) {
  guichet::testing::TempDir dir("kiosk-lease");
  OfflineKiosk k(dir);
  const std::string yesterday = domain::business_day(domain::from_unix_ms(now_ms() - 86400000), kZone);
  k.store.add_block(block("birth", "A", yesterday, 1, 5));
  EXPECT_FALSE(k.tokens.take_leased("birth", "", "en")) << "yesterday's numbers are not today's";
  k.store.add_block(block("birth", "A", today(), 9, 1));
  EXPECT_EQ(k.tokens.today(), today());
  auto t = k.tokens.take_leased("birth", "", "en");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token.number, 9);
  EXPECT_EQ(t->token.business_day, today());
  EXPECT_EQ(k.tokens.top_up(), 0) << "no catalogue cached: nothing to lease for";
}

TEST(LeaseBlocks, TheBlockSizeIsASettingAndZeroTurnsLeasingOff) {
  auto parse = [](std::vector<std::string> args) {
    args.insert(args.begin(), "guichet-kiosk");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_config(static_cast<int>(argv.size()), argv.data());
  };
  auto d = parse({});
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(d.value().config.lease_block, 30);
  auto off = parse({"--lease-block", "0"});
  ASSERT_TRUE(off.ok()) << off.error();
  EXPECT_EQ(off.value().config.lease_block, 0);
  auto big = parse({"--lease-block", "500"});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().find("--lease-block"), std::string::npos) << big.error();
}

}  // namespace

namespace {

// The outbox entries of token requests (issued or withdrawn), not reports of leased numbers.
std::vector<sync::OutboxEntry> requests(sync::Outbox& outbox) {
  std::vector<sync::OutboxEntry> out;
  for (auto& e : outbox.pending()) {
    if (e.path == "/api/v1/tokens" && e.kind != "token.leased") out.push_back(e);
  }
  return out;
}

sync::OutboxEntry answered(sync::OutboxEntry e, int status, const std::string& body) {
  e.state = status < 300 ? sync::OutboxState::Done : sync::OutboxState::Failed;
  e.response_status = status;
  e.response_body = body;
  return e;
}

// The node's answer to an issue.
std::string token_answer(const std::string& id) {
  domain::Token t;
  t.id = id;
  t.service = "birth";
  t.prefix = "A";
  t.number = std::stoi(id.substr(id.size() - 3));
  t.business_day = "2026-11-23";
  t.language = "en";
  t.issued_by = "K1";
  domain::parse_iso("2026-11-23T10:00:00+05:30", t.issued_at);
  return sync::json{{"token", sync::to_json(t, kZone)}, {"wait", sync::to_json(domain::WaitEstimate{})}}.dump();
}

TEST(Withdrawal, AnAbandonedRequestIsWithdrawnInPlaceAndTheCitizenGetsANumberFromTheBlock) {
  guichet::testing::TempDir dir("kiosk-withdraw");
  OfflineKiosk k(dir);
  k.store.add_block(block("birth", "A", today(), 7, 2));
  // No answer within the wait (the node just died): the citizen gets A007 from the block.
  TokenRequest r = k.tokens.request("birth", "elderly", "pa");
  ASSERT_EQ(r.kind, TokenRequest::Kind::Issued) << r.message;
  EXPECT_TRUE(r.issued.leased);
  EXPECT_EQ(r.issued.token.number, 7);

  auto pending = requests(k.outbox);
  ASSERT_EQ(pending.size(), 1u);
  const sync::OutboxEntry& e = pending[0];
  EXPECT_EQ(e.kind, "token.withdraw");
  EXPECT_EQ(e.body, R"({"language":"pa","priority":"elderly","service":"birth","withdrawn":true})")
      << "the same request, withdrawn, printed as the request was (sorted keys, no spaces)";
  EXPECT_EQ(k.store.get(e.seq)->state, IssueLogState::Abandoned);
  EXPECT_FALSE(k.tokens.withdraw(e.seq + 1)) << "no such entry";
  EXPECT_TRUE(k.tokens.withdraw(e.seq)) << "withdrawing twice is harmless";
  EXPECT_EQ(k.outbox.get(e.seq)->body, e.body);

  // The node, back, answers the withdrawal: nothing was issued, nothing to cancel.
  k.tokens.on_complete(answered(*k.outbox.get(e.seq), 200, R"({"withdrawn":true})"));
  EXPECT_EQ(k.store.get(e.seq)->state, IssueLogState::Withdrawn);
  EXPECT_TRUE(k.store.undelivered().empty());
  EXPECT_TRUE(k.store.abandoned_unanswered().empty());
}

TEST(Withdrawal, WithoutABlockTheCitizenIsToldAndTheRequestIsWithdrawnAllTheSame) {
  guichet::testing::TempDir dir("kiosk-withdraw");
  OfflineKiosk k(dir);
  TokenRequest r = k.tokens.request("birth", "", "en");
  EXPECT_EQ(r.kind, TokenRequest::Kind::Unreachable);
  auto pending = requests(k.outbox);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, "token.withdraw");
  EXPECT_EQ(sync::json::parse(pending[0].body)["withdrawn"], true);
}

TEST(Withdrawal, ARequestTheNodeHadIssuedAlreadyIsCancelled) {
  guichet::testing::TempDir dir("kiosk-withdraw");
  OfflineKiosk k(dir);
  TokenRequest r = k.tokens.request("birth", "", "en");
  ASSERT_EQ(r.kind, TokenRequest::Kind::Unreachable);
  const auto e = requests(k.outbox).at(0);
  // The node had issued it before the withdrawal was written (its answer lost): the withdrawal is
  // answered with the token, which no citizen holds.
  k.tokens.on_complete(answered(e, 201, token_answer("LDH01-20261123-A017")));
  auto row = k.store.get(e.seq);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->token_id, "LDH01-20261123-A017");
  EXPECT_EQ(row->state, IssueLogState::CancelQueued) << "reconcile() cancels it";
  bool cancel = false;
  for (const auto& p : k.outbox.pending()) cancel |= p.path == "/api/v1/tokens/LDH01-20261123-A017/cancel";
  EXPECT_TRUE(cancel);
}

TEST(Withdrawal, AnAnsweredRequestIsNotRewritten) {
  guichet::testing::TempDir dir("kiosk-withdraw");
  OfflineKiosk k(dir);
  auto e = k.outbox.append("POST", "/api/v1/tokens", R"({"service":"birth"})", "", now_ms());
  k.outbox.complete(e.seq, 201, token_answer("LDH01-20261123-A001"));
  EXPECT_FALSE(k.tokens.withdraw(e.seq));
  EXPECT_EQ(k.outbox.get(e.seq)->body, R"({"service":"birth"})");
  EXPECT_EQ(k.outbox.get(e.seq)->kind, "token.issue");
}

// After a crash: a request abandoned just before the withdrawal was written, one written just
// before the crash (never logged), one whose withdrawal was answered before the issue log heard
// of it, and one the node had issued after all.
TEST(Withdrawal, RecoveryWithdrawsWhatACrashLeftAndSettlesWhatWasAnswered) {
  guichet::testing::TempDir dir("kiosk-withdraw");
  std::int64_t abandoned, unlogged, withdrawn, issued;
  {
    OfflineKiosk k(dir);
    auto append = [&](const std::string& service) {
      return k.outbox.append("POST", "/api/v1/tokens", sync::json{{"service", service}}.dump(), "", now_ms()).seq;
    };
    withdrawn = append("birth");
    k.store.set_state(withdrawn, "", IssueLogState::Abandoned, now_ms());
    EXPECT_TRUE(k.tokens.withdraw(withdrawn));
    k.outbox.complete(withdrawn, 200, R"({"withdrawn":true})");  // the crash came before on_complete
    issued = append("birth");
    k.store.set_state(issued, "", IssueLogState::Abandoned, now_ms());
    EXPECT_TRUE(k.tokens.withdraw(issued));
    k.outbox.complete(issued, 201, token_answer("LDH01-20261123-A003"));
    abandoned = append("death");
    k.store.set_state(abandoned, "", IssueLogState::Abandoned, now_ms());  // the crash came here
    unlogged = append("birth");                                            // and here
  }
  OfflineKiosk k(dir);
  k.tokens.recover();
  k.tokens.stop_leasing();
  for (std::int64_t seq : {abandoned, unlogged}) {
    auto e = k.outbox.get(seq);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->state, sync::OutboxState::Pending);
    EXPECT_EQ(e->kind, "token.withdraw") << seq;
    EXPECT_EQ(sync::json::parse(e->body)["withdrawn"], true) << seq;
    EXPECT_EQ(k.store.get(seq)->state, IssueLogState::Abandoned) << seq;
  }
  EXPECT_EQ(sync::json::parse(k.outbox.get(abandoned)->body)["service"], "death");
  EXPECT_EQ(k.store.get(withdrawn)->state, IssueLogState::Withdrawn);
  EXPECT_EQ(k.store.get(issued)->token_id, "LDH01-20261123-A003");
  EXPECT_EQ(k.store.get(issued)->state, IssueLogState::CancelQueued);
}

}  // namespace
