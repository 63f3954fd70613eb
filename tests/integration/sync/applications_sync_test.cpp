// Applications filed offline-first against the real centre server: the sync engine uploads the
// outbox in protocol v1 batches (exactly once, whatever is cut when), and the change feed brings
// the catalogue and every application's status down to the terminal's own file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "centre_server.hpp"
#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/calendar.hpp"
#include "guichet/fault/fault_proxy.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/sync/change_feed.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/testing/filing.hpp"
#include "guichet/testing/private_network.hpp"

using namespace std::chrono_literals;
using guichet::sync::ChangeFeed;
using guichet::sync::json;
using guichet::sync::Outbox;
using guichet::sync::OutboxOptions;
using guichet::sync::OutboxState;
using guichet::sync::SyncEngine;
using guichet::sync::SyncOptions;
using guichet::testing::CentreServer;
using guichet::testing::TempDir;

namespace {

std::string due_on() {
  static const std::string due = [] {
    auto cat = guichet::config::load_catalogue(CentreServer::catalogue().string());
    guichet::domain::Date d{};
    guichet::domain::parse_date("2026-11-23", d);
    return guichet::domain::format_date(
        guichet::domain::due_date(cat.value().calendar, d, cat.value().service("birth-certificate")->time_limit_days,
                                  guichet::domain::Filed::AtCentre));
  }();
  return due;
}

json filing(const std::string& receipt) {
  guichet::testing::SampleFiling f;
  f.receipt = receipt;
  f.due_on = due_on();
  f.language = "en";
  return guichet::testing::sample_filing(f);
}

// How many times each receipt is stored, read from the server's file.
std::map<std::string, int> stored_receipts(const std::filesystem::path& db) {
  std::map<std::string, int> out;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(raw, "SELECT receipt FROM applications", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) ++out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))];
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return out;
}

// How many scanned files the server keeps (attachments.sqlite beside its database).
int stored_files(const std::filesystem::path& db) {
  int n = -1;
  sqlite3* raw = nullptr;
  const auto path = db.parent_path() / "attachments.sqlite";
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return n;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM attachments", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

class ApplicationsSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secrets_["K1"] = centre_.add_device("K1", "kiosk");
    secrets_["K2"] = centre_.add_device("K2", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    options_.request_timeout = 2s;
    options_.backoff_initial = 20ms;
    options_.backoff_max = 200ms;
  }
  Outbox& outbox(const std::string& device) {
    auto& box = outboxes_[device];
    if (!box) {
      OutboxOptions o;
      o.first_seq = 1;
      box = std::make_unique<Outbox>((dir_ / (device + ".sqlite")).string(), device, o);
    }
    return *box;
  }
  guichet::sync::ServerEndpoint endpoint(const std::string& device) const {
    return centre_.endpoint(device, secrets_.at(device));
  }
  // Files `n` applications into the outbox of `device` (nothing sent yet); returns their receipts.
  std::vector<std::string> file_offline(const std::string& device, int n) {
    std::vector<std::string> receipts;
    Outbox& box = outbox(device);
    for (int i = 0; i < n; ++i) {
      std::string receipt = box.next_application_receipt("LDH01");
      box.append("POST", "/api/v1/applications", filing(receipt).dump(), "", 1000 + i, "application.file");
      receipts.push_back(receipt);
    }
    return receipts;
  }
  void expect_all_done(const std::string& device, std::size_t n) {
    // Every entry answered 201 (a replay carries the first answer), none failed or pending.
    EXPECT_EQ(outbox(device).pending_count(), 0);
    EXPECT_TRUE(outbox(device).failed(1).empty()) << outbox(device).failed(1).front().response_body;
    auto stored = stored_receipts(centre_.db());
    std::size_t mine = 0;
    for (const auto& [receipt, times] : stored) {
      if (receipt.rfind("LDH01-" + device + "-", 0) == 0) {
        ++mine;
        EXPECT_EQ(times, 1) << receipt;
      }
    }
    EXPECT_EQ(mine, n);
  }

  // A fault proxy in front of the centre, and `device`'s endpoint through it.
  struct Link {
    explicit Link(const guichet::fault::ProxyOptions& options) : proxy(options) {}
    guichet::fault::FaultProxy proxy;
    guichet::sync::ServerEndpoint endpoint;
  };
  std::unique_ptr<Link> link_to_centre(const std::string& device) const {
    guichet::fault::ProxyOptions po;
    po.upstream_port = centre_.port();
    auto out = std::make_unique<Link>(po);
    out->endpoint = endpoint(device);
    out->endpoint.base_url = "http://127.0.0.1:" + std::to_string(out->proxy.port());
    return out;
  }

  // K1 uploads through a link to the centre whose answers take 2 s; once its batch is stored at
  // the centre (the answer still on the link), the link loses everything on its open connections
  // for `outage`, without a reset (an access point that restarted), then comes back. How long
  // after that K1's outbox drained, and how many requests its engine gave up and sent again.
  struct AfterTheLoss {
    std::chrono::milliseconds drained{0};
    std::uint64_t resent = 0;
  };
  AfterTheLoss lose_the_link_while_an_upload_is_out(std::chrono::milliseconds outage) {
    namespace fault = guichet::fault;
    const auto k1_link = link_to_centre("K1");
    fault::FaultProxy& link = k1_link->proxy;
    const auto& through_link = k1_link->endpoint;
    constexpr int kFiled = 50;
    file_offline("K1", kFiled);
    link.delay(fault::Direction::Down, 2000, 0);
    SyncEngine engine(outbox("K1"), through_link, options_);
    engine.start();
    const auto stored_by = std::chrono::steady_clock::now() + 20s;
    while (stored_receipts(centre_.db()).size() < kFiled && std::chrono::steady_clock::now() < stored_by) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(stored_receipts(centre_.db()).size(), static_cast<std::size_t>(kFiled));
    link.partition(fault::Partition::Lose);
    std::this_thread::sleep_for(outage);  // the fault's length, not a wait for an event
    EXPECT_GT(outbox("K1").pending_count(), 0) << "the answer was not held on the link";
    const auto back = std::chrono::steady_clock::now();
    link.pass();
    EXPECT_TRUE(engine.wait_drained(30s));
    AfterTheLoss out;
    out.drained = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - back);
    out.resent = engine.resent_after_stall();
    std::cout << "K1's outbox drained " << out.drained.count() << " ms after the link was back" << std::endl;
    engine.stop();
    expect_all_done("K1", kFiled);
    return out;
  }

  TempDir dir_{"guichet-apps-sync"};
  CentreServer centre_;
  std::map<std::string, std::string> secrets_;
  std::map<std::string, std::unique_ptr<Outbox>> outboxes_;
  SyncOptions options_;
};

TEST_F(ApplicationsSyncTest, AFewHundredApplicationsGoUpInAFewRoundTrips) {
  auto receipts = file_offline("K1", 450);
  SyncEngine engine(outbox("K1"), endpoint("K1"), options_);
  engine.start();
  ASSERT_TRUE(engine.wait_drained(60s));
  EXPECT_EQ(engine.uploads(), 3u);  // 200 + 200 + 50
  expect_all_done("K1", receipts.size());
  auto entry = outbox("K1").get(1);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->response_status, 201);
  EXPECT_EQ(json::parse(entry->response_body)["application"]["receipt"], receipts.front());
  // The server's clock time came back with the answer.
  EXPECT_EQ(engine.online(), true);
}

TEST_F(ApplicationsSyncTest, ABatchCutMidwayBySomeoneElseIsResentAndAppliedExactlyOnce) {
  // The server dies while a batch is being applied: some entries may be stored, the answer is
  // lost. After the restart the engine resends what is still pending; replays double nothing.
  auto receipts = file_offline("K1", 400);
  SyncEngine engine(outbox("K1"), endpoint("K1"), options_);
  engine.start();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (engine.uploads() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_GE(engine.uploads(), 1u);
  const std::uint16_t port = centre_.port();
  centre_.kill9();
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  ASSERT_TRUE(engine.wait_drained(60s));
  expect_all_done("K1", receipts.size());
}

TEST_F(ApplicationsSyncTest, ATerminalThatDropsTheConnectionMidBatchResendsExactlyOnce) {
  auto receipts = file_offline("K2", 300);
  {
    SyncEngine engine(outbox("K2"), endpoint("K2"), options_);
    engine.start();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (engine.uploads() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    engine.stop();  // abandons the request in flight: the connection closes under the server
  }
  // The terminal restarts: a new engine over the same outbox file.
  outboxes_.erase("K2");
  SyncEngine engine(outbox("K2"), endpoint("K2"), options_);
  engine.start();
  ASSERT_TRUE(engine.wait_drained(60s));
  expect_all_done("K2", receipts.size());
}

// Without the watch the upload would wait out its 15 s timeout (SyncOptions::upload_timeout):
// about 12 s after the link is back here.
TEST_F(ApplicationsSyncTest, AnUploadOutWhileTheLinkWentAndCameBackIsSentAgainWithinASecond) {
  const auto after = lose_the_link_while_an_upload_is_out(3s);
  // A probe found the centre unreachable during the outage; one every 250 ms after it.
  EXPECT_LT(after.drained, 1500ms) << after.drained.count() << " ms after the link was back";
  EXPECT_EQ(after.resent, 1u);
}

// The same for a counter's scanned page: stored at the centre, its answer on the link when the
// link goes and comes back with its connections dead. Sent again within about a second (the centre
// answers "already"), not after the uploader's request timeout (10 s here, 20 s by default).
TEST_F(ApplicationsSyncTest, AScannedPageOutWhileTheLinkWentAndCameBackIsSentAgainWithinASecond) {
  namespace fault = guichet::fault;
  const auto k1_link = link_to_centre("K1");
  fault::FaultProxy& link = k1_link->proxy;
  guichet::sync::AttachmentStore pages((dir_ / "K1-attachments.sqlite").string());
  const std::vector<std::uint8_t> page = guichet::testing::sample_page_bytes(4000, 7);
  const auto sha = pages.put("image/png", page, 1).sha256;
  guichet::sync::AttachmentUploaderOptions o;
  o.request_timeout = 10s;
  o.backoff_initial = 50ms;
  guichet::sync::AttachmentUploader uploader(pages, k1_link->endpoint, o);
  link.delay(fault::Direction::Down, 2000, 0);
  uploader.start();
  const auto stored_by = std::chrono::steady_clock::now() + 20s;
  while (stored_files(centre_.db()) < 1 && std::chrono::steady_clock::now() < stored_by)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(stored_files(centre_.db()), 1);
  link.partition(fault::Partition::Lose);
  std::this_thread::sleep_for(3s);  // the fault's length, not a wait for an event
  ASSERT_EQ(pages.pending_count(), 1) << "the answer was not held on the link";
  const auto back = std::chrono::steady_clock::now();
  link.pass();
  ASSERT_TRUE(uploader.wait_drained(30s));
  const auto drained = std::chrono::steady_clock::now() - back;
  EXPECT_LT(drained, 1500ms) << std::chrono::duration_cast<std::chrono::milliseconds>(drained).count()
                             << " ms after the link was back";
  EXPECT_EQ(uploader.resent_after_stall(), 1u);
  EXPECT_EQ(pages.get(sha)->state, guichet::sync::AttachmentState::Sent);
  EXPECT_EQ(stored_files(centre_.db()), 1);
  uploader.stop();
}

TEST_F(ApplicationsSyncTest, AnUploadOutThroughAnOutageTooShortForTheProbesIsSentAgainAfterFourSeconds) {
  // Over before the first probe (750 ms after the upload went out): every probe is answered, yet
  // the upload's connection is dead. It is sent again 4 s after it went out (unanswered_limit).
  const auto after = lose_the_link_while_an_upload_is_out(200ms);
  EXPECT_LT(after.drained, 6s) << after.drained.count() << " ms after the link was back";
  EXPECT_EQ(after.resent, 1u);
}

// The test's own network, made before SetUp starts the centre in it: a filter there kills a
// kept-alive connection's path (a Wi-Fi access point that forgot it) while the centre and new
// connections to it live on. No proxy between: the centre's own kernel leaves the bytes
// unacknowledged.
class ApplicationsSyncOwnNetworkTest : public ApplicationsSyncTest {
 protected:
  guichet::testing::PrivateNetwork net_;
};

// K1's kept-alive connection died while it was idle; the next upload's bytes are never
// acknowledged. It is sent again on a new connection once they met two retransmission timeouts
// and a probe was answered (about a second after it went out), not after the 4 s a connection may
// move nothing (unanswered_limit), as before the watch read the connection's retransmissions: the
// outbox drained 4.1 s after the upload went out then.
TEST_F(ApplicationsSyncOwnNetworkTest, AnUploadOnAKeptConnectionWhosePathDiedIsSentAgainAfterAboutASecondNotFour) {
  file_offline("K1", 20);
  SyncEngine engine(outbox("K1"), endpoint("K1"), options_);
  engine.start();
  ASSERT_TRUE(engine.wait_drained(30s));
  ASSERT_EQ(net_.cut_connections_to(centre_.port()).size(), 1u) << "K1 keeps one connection to the centre";
  file_offline("K1", 20);
  const auto t0 = std::chrono::steady_clock::now();
  engine.wake();
  ASSERT_TRUE(engine.wait_drained(30s));
  const auto took = std::chrono::steady_clock::now() - t0;
  std::cout << "K1's outbox drained " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the upload on the dead connection went out" << std::endl;
  EXPECT_LT(took, 2500ms);
  EXPECT_EQ(engine.resent_after_stall(), 1u);
  EXPECT_GT(net_.dropped(), 2u) << "the upload and its retransmissions were dropped";
  engine.stop();
  expect_all_done("K1", 40);
}

TEST_F(ApplicationsSyncTest, AnUploadWhoseAnswerComesDownASlowLineForLongerThanTheWatchWaitsIsNotGivenUp) {
  // A terminal on a slow line: an upload's answer takes about 6 s to come down, longer than the
  // 4 s a connection may move nothing. Its bytes move all along, so it is not given up (its copy
  // would take as long again, and so on for ever) and it is answered once.
  namespace fault = guichet::fault;
  const auto slow_line = link_to_centre("K1");
  fault::FaultProxy& link = slow_line->proxy;
  const auto& slow = slow_line->endpoint;
  options_.batch_entries = 100;
  // The size of the answer to 100 filings, from a first batch at full speed.
  file_offline("K1", 100);
  {
    SyncEngine engine(outbox("K1"), slow, options_);
    engine.start();
    ASSERT_TRUE(engine.wait_drained(30s));
  }
  const std::int64_t answer_bytes = link.stats().bytes_down;
  file_offline("K1", 100);
  link.bandwidth(fault::Direction::Down, std::max<std::int64_t>(answer_bytes / 6, 1000));
  SyncEngine engine(outbox("K1"), slow, options_);
  const auto t0 = std::chrono::steady_clock::now();
  engine.start();
  ASSERT_TRUE(engine.wait_drained(30s)) << "given up " << engine.resent_after_stall() << " times";
  const auto took = std::chrono::steady_clock::now() - t0;
  std::cout << "an answer of " << answer_bytes << " bytes came down the slow line in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms" << std::endl;
  EXPECT_GE(took, 4500ms) << "the line was not slow enough to test anything";
  EXPECT_EQ(engine.resent_after_stall(), 0u);
  EXPECT_EQ(engine.uploads(), 1u);
  engine.stop();
  expect_all_done("K1", 200);
}

TEST_F(ApplicationsSyncTest, TwoTerminalsUploadingInterleavedKeepTheirOwnNumbers) {
  SyncEngine k1(outbox("K1"), endpoint("K1"), options_);
  SyncEngine k2(outbox("K2"), endpoint("K2"), options_);
  k1.start();
  k2.start();
  for (int i = 0; i < 60; ++i) {
    for (auto* pair : {&k1, &k2}) {
      Outbox& box = pair == &k1 ? outbox("K1") : outbox("K2");
      pair->submit("POST", "/api/v1/applications", filing(box.next_application_receipt("LDH01")), "",
                   "application.file");
    }
  }
  ASSERT_TRUE(k1.wait_drained(60s));
  ASSERT_TRUE(k2.wait_drained(60s));
  expect_all_done("K1", 60);
  expect_all_done("K2", 60);
}

TEST_F(ApplicationsSyncTest, FirstSyncBringsCatalogueAndStatusesThenOnlyWhatIsNew) {
  auto receipts = file_offline("K1", 30);
  {
    SyncEngine engine(outbox("K1"), endpoint("K1"), options_);
    engine.start();
    ASSERT_TRUE(engine.wait_drained(30s));
  }
  const std::string path = (dir_ / "K2-changes.sqlite").string();
  int catalogues = 0;
  {
    ChangeFeed feed(path, endpoint("K2"));
    feed.on_catalogue([&](const std::string& version, const json& catalogue) {
      ++catalogues;
      EXPECT_FALSE(version.empty());
      EXPECT_EQ(catalogue["centre"]["id"], "LDH01");
    });
    auto pull = feed.pull();
    ASSERT_TRUE(pull.ok) << pull.error;
    EXPECT_EQ(pull.changes, 31);  // the catalogue and 30 statuses
    EXPECT_EQ(catalogues, 1);
    for (const auto& r : receipts) {
      auto status = feed.local_status(r);
      ASSERT_TRUE(status.has_value()) << r;
      EXPECT_EQ((*status)["status"], "received");
      EXPECT_EQ((*status)["due_on"], due_on());
    }
    EXPECT_FALSE(feed.local_status("LDH01-K1-999999").has_value());
  }
  // Three more, and a token; the terminal restarts and pulls only those (the queue day once).
  auto more = file_offline("K1", 3);
  {
    SyncEngine engine(outbox("K1"), endpoint("K1"), options_);
    engine.start();
    ASSERT_TRUE(engine.wait_drained(30s));
    auto token = engine.submit_and_wait("POST", "/api/v1/tokens", json{{"service", "birth-certificate"}}, "", 10s);
    ASSERT_EQ(token.state, OutboxState::Done) << token.response_body;
  }
  ChangeFeed feed(path, endpoint("K2"));
  feed.on_catalogue([&](const std::string&, const json&) { ++catalogues; });
  auto pull = feed.pull();
  ASSERT_TRUE(pull.ok) << pull.error;
  EXPECT_EQ(pull.changes, 4);
  EXPECT_EQ(catalogues, 1);
  for (const auto& r : more) EXPECT_TRUE(feed.local_status(r).has_value()) << r;
  EXPECT_EQ(feed.queue_last_event("2026-11-23"), std::optional<std::uint64_t>(1));
  ASSERT_TRUE(feed.catalogue().has_value());

  // The server goes away: the kiosk still answers from its last copy.
  centre_.stop();
  auto offline = feed.pull();
  EXPECT_FALSE(offline.ok);
  EXPECT_FALSE(offline.error.empty());
  EXPECT_EQ((*feed.local_status(receipts.front()))["receipt"], receipts.front());
}

// The centre's database is restored from a backup taken before the kiosk's last read of the
// changes, and files more applications than the kiosk had read before the kiosk asks again: the
// server refuses the kiosk's cursor as one its database never gave (cursor_unknown; a bare count
// would look valid now), and the feed reads everything again from 0. Until that snapshot is complete (here cut off
// after its first page, the terminal restarted) the statuses it kept go on answering; then it holds exactly the
// server's state: statuses the restored server lacks are gone, the ones it filed since are there.
TEST_F(ApplicationsSyncTest, AFeedWhoseCursorARestoredServerNeverGaveReadsEverythingAgainAndEndsWithItsState) {
  auto copy_database = [](const std::filesystem::path& from, const std::filesystem::path& to) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::filesystem::path source = from.string() + suffix, target = to.string() + suffix;
      std::filesystem::remove(target);
      if (std::filesystem::exists(source)) std::filesystem::copy_file(source, target);
    }
  };
  auto upload_all = [&](const std::string& device) {
    SyncEngine engine(outbox(device), endpoint(device), options_);
    engine.start();
    EXPECT_TRUE(engine.wait_drained(30s));
  };
  const std::uint16_t port = centre_.port();
  const auto backed_up = file_offline("K1", 3);
  upload_all("K1");
  centre_.stop();
  const std::filesystem::path backup = dir_ / "centre-backup.sqlite";
  copy_database(centre_.db(), backup);
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  const auto lost = file_offline("K1", 4);  // filed after the backup: the restore takes them back
  upload_all("K1");

  const std::string path = (dir_ / "K2-changes.sqlite").string();
  std::string cursor;
  {
    ChangeFeed feed(path, endpoint("K2"));
    auto pull = feed.pull();
    ASSERT_TRUE(pull.ok) << pull.error;
    EXPECT_FALSE(pull.restarted);
    for (const auto& r : lost) ASSERT_TRUE(feed.local_status(r).has_value()) << r;
    cursor = feed.cursor();
  }

  centre_.stop();
  copy_database(backup, centre_.db());
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  // Filed at the restored server: six, so that it has more changes than the kiosk's cursor counts.
  const auto since = file_offline("K2", 6);
  upload_all("K2");

  {
    // One change a page; the server goes away once the snapshot's first page (the catalogue) is
    // stored, as a kiosk loses its link or is switched off in the middle of the snapshot.
    guichet::sync::ChangeFeedOptions o;
    o.page = 1;
    o.request_timeout = 2s;
    ChangeFeed feed(path, endpoint("K2"), o);
    int catalogues = 0;
    feed.on_catalogue([&](const std::string&, const json&) {
      ++catalogues;
      EXPECT_TRUE(feed.reading_snapshot());
      EXPECT_LT(std::stoll(feed.cursor()), std::stoll(cursor)) << "the snapshot starts again from 0";
      centre_.stop();
    });
    auto pull = feed.pull();
    EXPECT_TRUE(pull.restarted) << pull.error;
    EXPECT_FALSE(pull.ok) << "the server was stopped in the middle of the snapshot";
    EXPECT_EQ(catalogues, 1);
    EXPECT_TRUE(feed.reading_snapshot());
    // What was kept still answers, the snapshot's part is not shown before it is complete.
    for (const auto& r : lost) EXPECT_TRUE(feed.local_status(r).has_value()) << r;
    for (const auto& r : since) EXPECT_FALSE(feed.local_status(r).has_value()) << r;
    ASSERT_TRUE(feed.catalogue().has_value());
  }

  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  ChangeFeed feed(path, endpoint("K2"));  // the terminal restarted: the snapshot goes on
  auto pull = feed.pull();
  ASSERT_TRUE(pull.ok) << pull.error;
  EXPECT_FALSE(pull.restarted) << "the snapshot's cursor is the restored server's own";
  EXPECT_FALSE(feed.reading_snapshot());
  for (const auto& r : backed_up) {
    auto status = feed.local_status(r);
    ASSERT_TRUE(status.has_value()) << r;
    EXPECT_EQ((*status)["status"], "received");
  }
  for (const auto& r : since) EXPECT_TRUE(feed.local_status(r).has_value()) << r;
  for (const auto& r : lost) EXPECT_FALSE(feed.local_status(r).has_value()) << r << " is not at the server any more";
  ASSERT_TRUE(feed.catalogue().has_value());
  // Up to date with the server: asking again from its cursor brings nothing and is not refused.
  auto again = feed.pull();
  EXPECT_TRUE(again.ok) << again.error;
  EXPECT_FALSE(again.restarted);
  EXPECT_EQ(again.changes, 0);
  EXPECT_NE(feed.cursor(), cursor);
}

}  // namespace

// A feed started with a first-pull delay (a kiosk lets its start-up finish first) pulls nothing
// during the delay, and a wake() ends the delay at once.
TEST_F(ApplicationsSyncTest, AFeedWaitsItsFirstPullDelayUnlessWoken) {
  guichet::sync::ChangeFeedOptions o;
  o.first_pull_delay = 30s;
  o.poll_interval = 100ms;
  ChangeFeed feed((dir_ / "K2-delayed.sqlite").string(), endpoint("K2"), o);
  feed.start();
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(feed.cursor(), "0") << "pulled during its first-pull delay";
  EXPECT_FALSE(feed.catalogue().has_value());
  feed.wake();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!feed.catalogue() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(feed.catalogue().has_value()) << "wake() did not end the delay";
  EXPECT_NE(feed.cursor(), "0");
  feed.stop();
}

// A started feed says after each pull whether the server answered, so a terminal learns every
// poll interval that the server went away and that it came back; an answer that refuses the pull
// (a wrong secret) is an answer all the same.
TEST_F(ApplicationsSyncTest, AStartedFeedSaysAfterEachPullWhetherTheServerAnswered) {
  guichet::sync::ChangeFeedOptions o;
  o.poll_interval = 100ms;
  o.request_timeout = 2s;
  ChangeFeed feed((dir_ / "K2-reach.sqlite").string(), endpoint("K2"), o);
  std::mutex mu;
  std::vector<ChangeFeed::Pull> pulls;
  feed.on_pulled([&](const ChangeFeed::Pull& p) {
    std::lock_guard lock(mu);
    pulls.push_back(p);
  });
  auto last_reached_is = [&](bool want) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lock(mu);
        if (!pulls.empty() && pulls.back().reached == want) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  feed.start();
  ASSERT_TRUE(last_reached_is(true)) << "no pull reached the server";
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(pulls.back().ok) << pulls.back().error;
  }
  const auto port = centre_.port();
  centre_.stop();
  ASSERT_TRUE(last_reached_is(false)) << "the server's absence was not reported";
  {
    std::lock_guard lock(mu);
    EXPECT_FALSE(pulls.back().ok);
    EXPECT_FALSE(pulls.back().error.empty());
  }
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  ASSERT_TRUE(last_reached_is(true)) << "the server's return was not reported";
  feed.stop();

  auto wrong = endpoint("K2");
  wrong.device_secret = "not-the-secret";
  ChangeFeed refused((dir_ / "K2-refused.sqlite").string(), wrong, o);
  auto pull = refused.pull();
  EXPECT_FALSE(pull.ok);
  EXPECT_TRUE(pull.reached) << pull.error;
}
