// Leased tokens keep the queue order end to end, against the real centre server process on
// 127.0.0.1: a kiosk (its own store, outbox, sync engine and issuer as real objects) leases its
// number blocks while the node is up; another kiosk issues normally; the node is killed (kill -9);
// citizens keep taking tokens at the first kiosk, from its block, normal and priority; the node
// comes back on the same port (its clock carrying on) and the other kiosk issues at once, before the
// first kiosk's outbox has drained; the outbox drains. A counter then calls next until nothing is
// waiting: every token comes exactly once, in the order the citizens arrived (time of issue) under
// the priority rule (two normal calls, then a priority one), and a display board's live feed —
// reconnecting across the outage — shows each token's issue once and the calls in that order. The
// kiosk's token request that got no answer when the node died is withdrawn, so the node never
// issues it: no token beyond the citizens' ever appears on the board.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <mutex>
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

constexpr const char* kService = "birth-certificate";  // prefix A, counters C1 and C2, ratio 2 normal : 1 priority

using guichet::testing::eventually;

struct Arrival {
  std::string id;
  bool priority = false;
  std::string how;  // for messages: which kiosk, and whether from the block
};

// The order a counter calls the tokens in, by the demo centre's rule: the oldest normal token,
// except that after two normal calls the oldest priority token is due; with one kind left, its
// oldest. `arrivals` is in the order the citizens took their tokens (time of issue).
std::vector<std::string> expected_calls(const std::vector<Arrival>& arrivals, int normal_per_priority) {
  std::vector<const Arrival*> normal, priority;
  for (const auto& a : arrivals) (a.priority ? priority : normal).push_back(&a);
  std::vector<std::string> out;
  std::size_t n = 0, p = 0;
  int since = 0;
  while (n < normal.size() || p < priority.size()) {
    const bool take_priority = p < priority.size() && (n == normal.size() || since >= normal_per_priority);
    if (take_priority) {
      out.push_back(priority[p++]->id);
      since = 0;
    } else {
      out.push_back(normal[n++]->id);
      ++since;
    }
  }
  return out;
}

TEST(LeasedQueueOrder, TokensFromABlockTakeTheirPlaceByTimeOfIssueAndAreCalledOnceInOrder) {
  testing::CentreServer server;
  const std::string kiosk_secret = server.add_device("K1", "kiosk");
  const std::string other_secret = server.add_device("K2", "kiosk");
  const std::string desk_secret = server.add_device("D1", "counter");
  const std::string board_secret = server.add_device("B1", "display");
  server.add_operator("op1", "Asha Kaur", "operator", "1234");
  const auto first_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(server.start()) << server.stderr_text();
  const std::uint16_t port = server.port();

  // The display board's live feed, open for the whole test (it reconnects after the outage with
  // Last-Event-ID, as a board does).
  std::mutex feed_mu;
  std::vector<sync::WireEvent> shown;
  sync::EventStreamOptions feed_options;
  feed_options.reconnect_max = 500ms;
  sync::EventStream board(
      server.endpoint("B1", board_secret),
      [&](const sync::WireEvent& e) {
        std::lock_guard lock(feed_mu);
        shown.push_back(e);
      },
      0, feed_options);
  board.start();

  // The other kiosk issues through the node, as any kiosk does while it is up.
  sync::ApiClient other(server.endpoint("K2", other_secret));
  int other_seq = 0;
  auto other_issues = [&](const std::string& priority) {
    sync::RequestOptions o;
    o.idempotency_key = "K2:" + std::to_string(++other_seq);
    o.timeout = 10s;
    sync::json body = {{"service", kService}};
    if (!priority.empty()) body["priority"] = priority;
    auto r = other.post("/api/v1/tokens", body, o);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.ok() ? sync::json::parse(r.body)["token"]["id"].get<std::string>() : std::string();
  };

  testing::TempDir dir("leased-order");
  auto translations = load_translations(default_locale_dir());
  ASSERT_TRUE(translations.ok()) << translations.error().to_string();
  std::vector<Arrival> arrivals;
  std::set<std::string> leased_ids;
  std::string first_after_return;  // the first token issued once the node was back
  int withdrawn_requests = 0;      // token requests the node answered as withdrawn
  {
    LeaseOptions lease;
    lease.block = 10;
    lease.check = 200ms;
    lease.timeout = 2s;
    KioskIssuing k(dir.path(), "K1", server.endpoint("K1", kiosk_secret), lease);
    k.engine.start();

    CatalogueRefresher refresher(server.endpoint("K1", kiosk_secret), k.store, [](CatalogueUpdate) {});
    refresher.start();
    ASSERT_TRUE(eventually([&] { return k.store.load_catalogue().has_value(); }, 10s));
    refresher.stop();
    auto catalogue = load_cached_catalogue(k.store);
    ASSERT_TRUE(catalogue);
    ASSERT_EQ(catalogue->policy.normal_per_priority, 2);

    k.tokens.recover();
    std::string day;
    ASSERT_TRUE(eventually(
        [&] {
          day = k.tokens.today();
          return k.store.numbers_left(kService, day) == 10;
        },
        10s))
        << "the kiosk leased no block";

    HardwarePrinter printer(make_transport(PrinterSpec{PrinterSpec::Kind::File, "", 0, (dir / "slips.bin").string()}));
    SlipBuilder slip = [&](const IssuedToken& t, std::string& problem) {
      return build_slip(*catalogue, translations.value(), "en", t, problem);
    };
    // A citizen takes a token at this kiosk.
    auto kiosk_issues = [&](const std::string& priority, bool expect_leased) {
      IssueResult r = k.issue(printer, slip, IssueInput{kService, priority, "en", PrinterPolicy::Stop});
      EXPECT_EQ(r.kind, IssueResult::Kind::Printed) << r.detail;
      EXPECT_EQ(r.ahead < 0, expect_leased) << r.token_id << ": from the block only while the node is down";
      if (expect_leased) leased_ids.insert(r.token_id);
      arrivals.push_back({r.token_id, !priority.empty(), expect_leased ? "K1 from its block" : "K1 through the node"});
      // The next citizen comes a moment later (distinct times of issue, as in life).
      std::this_thread::sleep_for(30ms);
    };
    auto other_arrives = [&](const std::string& priority) {
      arrivals.push_back({other_issues(priority), !priority.empty(), "K2 through the node"});
      std::this_thread::sleep_for(30ms);
    };

    // 1. The node is up: tokens come from it.
    other_arrives("");
    kiosk_issues("", false);
    other_arrives("");
    other_arrives("");

    // 2. The node dies; citizens keep coming to the kiosk, which issues from its block. The
    // priority tokens among them must overtake normal tokens issued before the outage.
    server.kill9();
    const auto died = std::chrono::steady_clock::now();
    kiosk_issues("", true);
    kiosk_issues("pregnant", true);
    kiosk_issues("", true);
    kiosk_issues("elderly", true);
    kiosk_issues("", true);
    kiosk_issues("", true);
    EXPECT_EQ(k.store.numbers_left(kService, day), 4);

    // 3. The node returns on the same port, its clock carrying on from where it stood (a real
    // clock does not go back to the morning; a little ahead is what a restart looks like). The
    // other kiosk issues at once, before the first kiosk's reports arrive (its sync engine is held
    // until then, as its backoff would): the later tokens must still come after them.
    k.engine.stop();
    domain::Instant origin{};
    ASSERT_TRUE(domain::parse_iso(testing::CentreServer::kMorning, origin));
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - first_start);
    server.time_origin = domain::format_iso_local(origin + elapsed + 2s, 330);
    ASSERT_TRUE(server.start(port)) << server.stderr_text();
    std::cout << "node down for " << std::chrono::duration<double>(std::chrono::steady_clock::now() - died).count()
              << " s; outbox backlog when it returned: " << k.engine.backlog() << "\n";
    other_arrives("");
    other_arrives("with-infant");
    first_after_return = arrivals[arrivals.size() - 2].id;
    k.engine.start();
    ASSERT_TRUE(k.engine.wait_drained(30s)) << k.engine.backlog() << " entries still pending";
    for (const auto& id : leased_ids) {
      EXPECT_TRUE(eventually(
          [&] {
            const std::string display = id.substr(id.rfind('-') + 1);
            const int number = std::stoi(display.substr(1));
            auto row = k.store.leased("A", day, number);
            return row && row->state == LeasedState::Uploaded;
          },
          10s))
          << id;
    }
    // 4. Back to normal: the kiosk issues through the node again.
    kiosk_issues("", false);
    other_arrives("disabled");

    k.stop();
    for (const auto& row : k.store.all()) {
      if (row.state == IssueLogState::Withdrawn) ++withdrawn_requests;
      EXPECT_NE(row.state, IssueLogState::Abandoned) << "request " << row.seq << " never settled";
    }
  }
  ASSERT_EQ(arrivals.size(), 14u);
  ASSERT_EQ(leased_ids.size(), 6u);

  // The queue holds every token once, each with the time of issue the kiosk gave.
  {
    auto r = other.get(std::string("/api/v1/queue?service=") + kService);
    ASSERT_TRUE(r.ok()) << r.body;
    const sync::json queue = sync::json::parse(r.body);
    std::multiset<std::string> waiting;
    for (const auto& t : queue["waiting"]) waiting.insert(t["id"].get<std::string>());
    for (const auto& a : arrivals) EXPECT_EQ(waiting.count(a.id), 1u) << a.id << " (" << a.how << ")";
    EXPECT_EQ(waiting.size(), arrivals.size()) << r.body;
  }

  // A counter calls next until nothing waits, finishing each citizen.
  sync::ApiClient desk(server.endpoint("D1", desk_secret));
  auto login = desk.post("/api/v1/sessions", {{"operator", "op1"}, {"pin", "1234"}, {"counter", "C1"}});
  ASSERT_EQ(login.status, 201) << login.body;
  sync::RequestOptions o;
  o.bearer = sync::json::parse(login.body)["session"];
  o.timeout = 10s;
  int desk_seq = 0;
  std::vector<std::string> called;
  std::uint64_t last_seq = 0;
  for (int i = 0; i < 30; ++i) {
    o.idempotency_key = "D1:" + std::to_string(++desk_seq);
    auto call = desk.post("/api/v1/counters/C1/call-next", sync::json::object(), o);
    if (call.status == 409) {
      EXPECT_EQ(call.error_code(), "nothing_waiting") << call.body;
      break;
    }
    ASSERT_EQ(call.status, 200) << call.body;
    const auto event = sync::json::parse(call.body)["event"];
    called.push_back(event["token"]["id"].get<std::string>());
    o.idempotency_key = "D1:" + std::to_string(++desk_seq);
    auto finished = desk.post("/api/v1/counters/C1/finish", sync::json::object(), o);
    ASSERT_EQ(finished.status, 200) << finished.body;
    last_seq = sync::json::parse(finished.body)["event"]["seq"].get<std::uint64_t>();
  }

  const std::vector<std::string> expected = expected_calls(arrivals, 2);
  std::string story;
  for (const auto& a : arrivals) story += "\n  " + a.id + (a.priority ? " priority" : " normal") + ", " + a.how;
  EXPECT_EQ(called, expected) << "arrivals, in order:" << story;
  EXPECT_EQ(std::set<std::string>(called.begin(), called.end()).size(), called.size()) << "each called once";

  // The board's feed shows every issue once and the calls in the same order, with no event twice.
  ASSERT_TRUE(eventually([&] { return board.last_event_id() >= last_seq; }, 20s))
      << "the board's feed stopped at " << board.last_event_id() << " of " << last_seq;
  board.stop();
  std::map<std::string, int> issued_on_board;
  std::set<std::string> cancelled_on_board;
  std::vector<std::string> called_on_board;
  std::uint64_t previous = 0;
  std::uint64_t first_report_seq = 0, after_return_seq = 0;
  for (const auto& e : shown) {
    if (e.event.type == domain::EventType::Issued && leased_ids.count(e.event.token.id) && !first_report_seq) {
      first_report_seq = e.seq;
    }
    if (e.event.type == domain::EventType::Issued && e.event.token.id == first_after_return) after_return_seq = e.seq;
    EXPECT_GT(e.seq, previous) << "events in order, none twice";
    previous = e.seq;
    if (e.event.type == domain::EventType::Issued) issued_on_board[e.event.token.id] += 1;
    if (e.event.type == domain::EventType::Called) called_on_board.push_back(e.event.token.id);
    if (e.event.type == domain::EventType::Cancelled) cancelled_on_board.insert(e.event.token.id);
  }
  for (const auto& a : arrivals) EXPECT_EQ(issued_on_board[a.id], 1) << a.id << " (" << a.how << ")";
  EXPECT_LT(after_return_seq, first_report_seq) << "the node recorded a later token before the kiosk's reports";
  // The kiosk's first attempt after the node died was an ordinary issue that got no answer; the
  // kiosk withdrew it, so the node, back, issued nothing for it: no token beyond the citizens'
  // ever reaches the board (none to announce, none a counter could call), and none is cancelled.
  std::set<std::string> citizens;
  for (const auto& a : arrivals) citizens.insert(a.id);
  for (const auto& [id, n] : issued_on_board) {
    EXPECT_EQ(citizens.count(id), 1u) << id << " was issued and no citizen holds it";
  }
  EXPECT_EQ(issued_on_board.size(), citizens.size());
  EXPECT_TRUE(cancelled_on_board.empty()) << *cancelled_on_board.begin() << " was issued, then cancelled";
  EXPECT_EQ(withdrawn_requests, 1) << "the kiosk's request that got no answer was withdrawn";

  EXPECT_EQ(called_on_board, expected);
}

}  // namespace
}  // namespace guichet::kiosk
