// The real kiosk keeps issuing tokens while the centre node is down: started once (it caches its
// catalogue), started again (it leases number blocks at once, in the background), the node is
// killed (kill -9), a citizen takes a token, which comes from the block and is printed with the id
// the node will record; the node comes back on the same port and the token is in its queue once.
#include "../../unit/hardware/receipt_test_support.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "kiosk_harness.hpp"
#include "kiosk_store.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

constexpr const char* kService = "birth-certificate";  // prefix A in the demo centre
constexpr const char* kDay = "2026-11-23";             // the test server's business day

class KioskLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
  }

  std::unique_ptr<KioskProcess> start_kiosk() {
    std::vector<std::string> args = {"--server",         centre_.url(),
                                     "--device",         "K1",
                                     "--secret-file",    centre_.secret_file("K1").string(),
                                     "--data-dir",       data().string(),
                                     "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--printer-policy", "stop",
                                     "--admin-pin-hash", kiosk::hash_pin("2468").value(),
                                     "--size",           "1280x800"};
    auto k = std::make_unique<KioskProcess>("guichet-kiosk-" + std::to_string(++kiosks_), args, work_.path());
    EXPECT_EQ(k->cmd("wait_text \"Touch your language\" 15000"), "ok") << k->stderr_text();
    return k;
  }
  fs::path data() const { return work_ / "kiosk-data"; }

  json token(const std::string& id, int& status) {
    sync::ApiClient api(centre_.endpoint("K1", secret_));
    auto r = api.get("/api/v1/tokens/" + id);
    status = r.status;
    return r.ok() ? json::parse(r.body)["token"] : json::object();
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-lease"};
  std::unique_ptr<test::SimProcess> sim_;
  std::string secret_;
  int kiosks_ = 0;
};

}  // namespace

TEST_F(KioskLeaseTest, WithTheNodeDownTheKioskPrintsATokenFromItsBlockAndTheQueueHoldsItOnceItIsBack) {
  const auto port = centre_.port();
  {
    auto first = start_kiosk();
    ASSERT_TRUE(test::wait_until(
        [&] {
          const fs::path file = data() / "kiosk.sqlite";
          return fs::exists(file) && kiosk::KioskStore(file.string()).load_catalogue().has_value();
        },
        15s));
    EXPECT_EQ(first->cmd("quit"), "ok");
    EXPECT_EQ(first->wait_exit(10s), 0);
  }
  auto k = start_kiosk();
  kiosk::KioskStore store((data() / "kiosk.sqlite").string());
  ASSERT_TRUE(test::wait_until([&] { return store.numbers_left(kService, kDay) > 0; }, 15s))
      << "the kiosk leased no block: " << k->stderr_text();
  const kiosk::NumberBlock block = store.blocks(kService, kDay).at(0);
  domain::Token expected;
  expected.prefix = block.prefix;
  expected.number = block.first;
  const std::string display = expected.display_number();
  const std::string id = std::string("LDH01-20261123-") + display;

  centre_.kill9();
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Take a token\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Which service do you need?\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Birth certificate\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Does a priority category apply to you?\""), "ok");
  ASSERT_EQ(k->cmd("tap \"No, none of these\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Please take your token\" 20000"), "ok") << k->screen();
  const std::string screen = k->screen();
  EXPECT_NE(screen.find("Please take your token " + display), std::string::npos) << screen;
  EXPECT_EQ(screen.find("You are next"), std::string::npos) << "no wait estimate without the node: " << screen;

  // The slip came out; its QR holds the id the node will record.
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(1)); }, 10s)) << sim_->log();
  auto png = hardware::escpos_render::read_png(sim_->job_png(1));
  ASSERT_TRUE(png.ok()) << png.error().message;
  EXPECT_EQ(test::decode_qr(png.value()), id);
  auto row = store.leased(block.prefix, kDay, block.first);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, kiosk::LeasedState::Reported) << "waiting in the outbox for the node";

  // The node is back: the report goes up and the token waits in its queue, once.
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  int status = 0;
  ASSERT_TRUE(test::wait_until([&] { return token(id, status)["state"] == "waiting"; }, 30s)) << "HTTP " << status;
  EXPECT_EQ(token(id, status)["issued_by"], "K1");
  sync::ApiClient api(centre_.endpoint("K1", secret_));
  auto r = api.get(std::string("/api/v1/queue?service=") + kService);
  ASSERT_TRUE(r.ok()) << r.body;
  const json waiting = json::parse(r.body)["waiting"];
  int found = 0;
  for (const auto& t : waiting) found += t["id"] == id ? 1 : 0;
  EXPECT_EQ(found, 1) << waiting.dump();
  EXPECT_TRUE(test::wait_until(
      [&] { return store.leased(block.prefix, kDay, block.first)->state == kiosk::LeasedState::Uploaded; }, 10s));

  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}
