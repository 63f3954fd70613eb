// The kiosk's number blocks against the real centre server process on 127.0.0.1: the kiosk's own
// objects (KioskStore on its SQLite file, outbox, sync engine, ServerTokens, the catalogue
// refresher, a file printer with real slips) lease ahead while the node is up; the node is killed
// (kill -9); tokens are issued and printed from the block (one print failure voids its number);
// the node comes back on the same port; the reports upload and the queue holds each of those
// tokens exactly once with the kiosk's numbers, the void number nowhere, and the node's own next
// number collides with none of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "centre_server.hpp"
#include "devices.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/testing/wait.hpp"
#include "guichet/ui/app.hpp"
#include "i18n.hpp"
#include "issuer.hpp"
#include "kiosk_issuing.hpp"
#include "kiosk_store.hpp"
#include "services.hpp"

namespace guichet::kiosk {
namespace {

using namespace std::chrono_literals;

constexpr const char* kService = "birth-certificate";  // prefix A in the demo centre

using guichet::testing::eventually;

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct BrokenPrinter : PrinterPort {
  PrinterCheck status() override { return {}; }
  PrinterCheck print(const std::vector<std::uint8_t>&) override { return {false, "paper jam"}; }
};

std::optional<domain::Token> server_token(sync::ApiClient& client, const std::string& id, int& status) {
  auto r = client.get("/api/v1/tokens/" + id);
  status = r.status;
  if (!r.ok()) return std::nullopt;
  std::string problem;
  auto t = parse_issue_response(r.body, problem);
  EXPECT_TRUE(t) << problem;
  return t ? std::optional<domain::Token>(t->token) : std::nullopt;
}

TEST(KioskLeases, TokensFromTheBlockWhileTheNodeIsDownAreQueuedOnceWhenItReturns) {
  testing::CentreServer server;
  const std::string secret = server.add_device("K1", "kiosk");
  const std::string other_secret = server.add_device("K2", "kiosk");
  ASSERT_TRUE(server.start()) << server.stderr_text();
  const std::uint16_t port = server.port();
  const auto endpoint = server.endpoint("K1", secret);

  testing::TempDir dir("kiosk-lease");
  const auto slips = dir / "slips.bin";
  auto translations = load_translations(default_locale_dir());
  ASSERT_TRUE(translations.ok()) << translations.error().to_string();

  std::vector<std::string> printed_ids;
  std::vector<int> printed_numbers;
  std::string void_id, online_id;
  std::string day;
  std::vector<NumberBlock> first_blocks;
  {
    LeaseOptions lease;
    lease.block = 6;  // leased again under 2 left
    lease.check = 200ms;
    lease.timeout = 2s;
    KioskIssuing k(dir.path(), "K1", endpoint, lease);
    k.engine.start();

    // The catalogue as the kiosk keeps it (fetched by its refresher, cached in its SQLite).
    CatalogueRefresher refresher(endpoint, k.store, [](CatalogueUpdate) {});
    refresher.start();
    ASSERT_TRUE(eventually([&] { return k.store.load_catalogue().has_value(); }, 10s));
    refresher.stop();
    auto catalogue = load_cached_catalogue(k.store);
    ASSERT_TRUE(catalogue);

    // 1. At start, blocks for today are leased in the background for every service.
    k.tokens.recover();
    ASSERT_TRUE(eventually(
        [&] {
          day = k.tokens.today();
          return k.store.numbers_left(kService, day) == 6;
        },
        10s));
    EXPECT_EQ(day, "2026-11-23") << "the server's business day, from its clock, not the kiosk's";
    for (const auto& s : catalogue->services) {
      const int size = s.daily_cap > 0 ? std::clamp(s.daily_cap / 10, 1, 6) : 6;
      EXPECT_TRUE(eventually([&] { return k.store.numbers_left(s.id, day) == size; }, 10s)) << s.id;
    }
    first_blocks = k.store.blocks(kService, day);
    ASSERT_EQ(first_blocks.size(), 1u);
    const NumberBlock b = first_blocks[0];
    EXPECT_EQ(b.prefix, "A");

    HardwarePrinter printer(make_transport(PrinterSpec{PrinterSpec::Kind::File, "", 0, slips.string()}));
    SlipBuilder slip = [&](const IssuedToken& t, std::string& problem) {
      return build_slip(*catalogue, translations.value(), "en", t, problem);
    };
    const IssueInput in{kService, "", "en", PrinterPolicy::Stop};

    // While the node is up a token comes from the node as before, outside the block.
    IssueResult online = k.issue(printer, slip, in);
    ASSERT_EQ(online.kind, IssueResult::Kind::Printed) << online.detail;
    EXPECT_GE(online.ahead, 0);
    online_id = online.token_id;
    EXPECT_EQ(k.store.numbers_left(kService, day), 6);

    // 2. The node dies.
    server.kill9();
    for (int i = 0; i < 4; ++i) {
      const auto started = std::chrono::steady_clock::now();
      IssueResult r = k.issue(printer, slip, in);
      ASSERT_EQ(r.kind, IssueResult::Kind::Printed) << i << ": " << r.detail;
      EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
      domain::Token expected;
      expected.prefix = "A";
      expected.number = b.first + i;
      EXPECT_EQ(r.display_number, expected.display_number());
      EXPECT_EQ(r.token_id, "LDH01-20261123-" + r.display_number);
      EXPECT_EQ(r.ahead, -1);
      EXPECT_NE(file_text(slips).find(r.display_number), std::string::npos) << "the slip of " << r.display_number;
      printed_ids.push_back(r.token_id);
      printed_numbers.push_back(b.first + i);
    }
    // The printer jams under the stop policy: that number is void.
    BrokenPrinter broken;
    IssueResult jammed = k.issue(broken, slip, in);
    ASSERT_EQ(jammed.kind, IssueResult::Kind::PrintFailed) << jammed.detail;
    void_id = jammed.token_id;
    EXPECT_EQ(k.store.leased("A", day, b.first + 4)->state, LeasedState::Void);
    EXPECT_EQ(k.store.numbers_left(kService, day), 1) << "running low, and the node cannot lease more";

    // 3. The node comes back on the same port: the reports go up, and the block is topped up.
    ASSERT_TRUE(server.start(port)) << server.stderr_text();
    ASSERT_TRUE(k.engine.wait_drained(30s)) << k.engine.backlog() << " entries still pending";
    EXPECT_TRUE(eventually([&] { return k.store.numbers_left(kService, day) >= 6; }, 10s))
        << "a new block once the node is back";
    for (int n : printed_numbers) {
      EXPECT_TRUE(eventually([&] { return k.store.leased("A", day, n)->state == LeasedState::Uploaded; }, 5s)) << n;
    }
    k.stop();
  }

  // The queue as the node has it, read by another kiosk.
  sync::ApiClient client(server.endpoint("K2", other_secret));
  for (std::size_t i = 0; i < printed_ids.size(); ++i) {
    int status = 0;
    auto t = server_token(client, printed_ids[i], status);
    ASSERT_TRUE(t) << printed_ids[i] << ": HTTP " << status;
    EXPECT_EQ(t->number, printed_numbers[i]);
    EXPECT_EQ(t->issued_by, "K1");
    EXPECT_EQ(t->state, domain::TokenState::Waiting);
  }
  int status = 0;
  EXPECT_FALSE(server_token(client, void_id, status)) << "the void number never reached the queue";
  EXPECT_EQ(status, 404);

  auto waiting = client.get(std::string("/api/v1/queue?service=") + kService);
  ASSERT_TRUE(waiting.ok()) << waiting.body;
  const sync::json queue = sync::json::parse(waiting.body);
  std::multiset<std::string> ids;
  for (const auto& t : queue.at("waiting")) ids.insert(t.at("id").get<std::string>());
  for (const auto& id : printed_ids) EXPECT_EQ(ids.count(id), 1u) << id << " is queued exactly once";
  EXPECT_EQ(ids.count(void_id), 0u);
  EXPECT_EQ(ids.count(online_id), 1u);

  // The node's own numbering goes on past every number it leased.
  sync::RequestOptions o;
  o.idempotency_key = "K2:1";
  auto issued = client.post("/api/v1/tokens", sync::json{{"service", kService}}, o);
  ASSERT_TRUE(issued.ok()) << issued.body;
  std::string problem;
  auto mine = parse_issue_response(issued.body, problem);
  ASSERT_TRUE(mine) << problem;
  std::set<std::string> kiosk_ids(printed_ids.begin(), printed_ids.end());
  kiosk_ids.insert(void_id);
  kiosk_ids.insert(online_id);
  EXPECT_EQ(kiosk_ids.count(mine->token.id), 0u) << mine->token.id;
  auto leases = client.get("/api/v1/leases");  // K2 holds none; K1's are checked through its tokens
  EXPECT_TRUE(leases.ok()) << leases.body;
  for (int n : printed_numbers) EXPECT_NE(mine->token.number, n);
  EXPECT_GT(mine->token.number, first_blocks[0].first + first_blocks[0].count - 1);
}

}  // namespace
}  // namespace guichet::kiosk
