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
