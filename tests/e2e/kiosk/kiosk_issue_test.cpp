// A citizen takes a token at the real kiosk: language, service, priority question, printed slip.
// The slip comes out of the printer simulator and its QR code holds the token's id on the server.
// Printer faults follow the policy and never leave a counted-but-unprinted token; a server that
// cannot be reached issues nothing when the kiosk has no leased number block; the idle timeout and the staff PIN work.
#include "../../unit/hardware/receipt_test_support.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "kiosk_harness.hpp"
#include "kiosk_store.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

class KioskIssueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    desk_secret_ = centre_.add_device("M1", "counter");  // the manager's desk
    centre_.add_operator("mgr", "Meera Joshi", "manager", "8642");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    shots_ = screenshot_dir(work_ / "shots");
  }

  // `lease_block`: the size of the number blocks the kiosk leases ahead ("0": none).
  std::unique_ptr<KioskProcess> start_kiosk(const std::string& policy, int idle_timeout = 60,
                                            const std::string& lease_block = "30") {
    std::vector<std::string> args = {"--lease-block",    lease_block,
                                     "--server",         centre_.url(),
                                     "--device",         "K1",
                                     "--secret-file",    centre_.secret_file("K1").string(),
                                     "--data-dir",       (work_ / "kiosk-data").string(),
                                     "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--printer-policy", policy,
                                     "--admin-pin-hash", pin_hash_,
                                     "--idle-timeout",   std::to_string(idle_timeout),
                                     "--size",           "1280x800"};
    auto k = std::make_unique<KioskProcess>("guichet-kiosk-" + std::to_string(++kiosks_), args, work_.path());
    EXPECT_EQ(k->cmd("wait_text \"Touch your language\" 15000"), "ok") << k->stderr_text();
    return k;
  }

  // Language, service, "no priority": the issuing starts.
  void choose_birth_certificate(KioskProcess& k) {
    ASSERT_EQ(k.cmd("tap \"English\""), "ok");
    ASSERT_EQ(k.cmd("tap \"Take a token\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Which service do you need?\""), "ok");
    ASSERT_EQ(k.cmd("tap \"Birth certificate\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Does a priority category apply to you?\""), "ok");
    ASSERT_EQ(k.cmd("tap \"No, none of these\""), "ok");
  }

  json waiting(const std::string& service) {
    sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
    auto r = api.get("/api/v1/queue?service=" + service);
    EXPECT_TRUE(r.ok()) << r.body;
    return r.ok() ? json::parse(r.body)["waiting"] : json::array();
  }

  json token(const std::string& id) {
    sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
    auto r = api.get("/api/v1/tokens/" + id);
    EXPECT_TRUE(r.ok()) << r.body;
    return r.ok() ? json::parse(r.body)["token"] : json::object();
  }

  // K1's printer as the managers' dashboard shows it ("" while the kiosk never said).
  std::string printer_on_dashboard() {
    const json row = centre_.dashboard_row("K1", "M1", desk_secret_, "mgr", "8642");
    return row.is_object() && row["printer"].is_string() ? row["printer"].get<std::string>() : "";
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-issue"};
  std::unique_ptr<test::SimProcess> sim_;
  std::string kiosk_secret_, desk_secret_;
  std::string pin_hash_ = kiosk::hash_pin("2468").value();
  fs::path shots_;
  int kiosks_ = 0;
};

}  // namespace

TEST_F(KioskIssueTest, IssuesAndPrintsATokenWhoseQrIsItsId) {
  auto k = start_kiosk("stop");
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-1-language.png").string())), "ok");
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Take a token\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Which service do you need?\""), "ok");
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-2-services.png").string())), "ok");
  ASSERT_EQ(k->cmd("tap \"Birth certificate\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Does a priority category apply to you?\""), "ok");
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-3-priority.png").string())), "ok");
  ASSERT_EQ(k->cmd("tap \"Senior citizen\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"Please take your token\" 15000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-4-token.png").string())), "ok");
  const std::string screen = k->screen();

  // The server holds the token, waiting, with the priority chosen.
  json w = waiting("birth-certificate");
  ASSERT_EQ(w.size(), 1u) << w.dump();
  const std::string id = w[0]["id"];
  const std::string display = w[0]["display"];
  EXPECT_EQ(w[0]["priority"], "elderly");
  EXPECT_EQ(w[0]["language"], "en");
  EXPECT_NE(screen.find("Please take your token " + display), std::string::npos) << screen;

  // The slip came out of the printer and its QR decodes to that id.
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(1)); }, 10s)) << sim_->log();
  auto png = hardware::escpos_render::read_png(sim_->job_png(1));
  ASSERT_TRUE(png.ok()) << png.error().message;
  EXPECT_EQ(test::decode_qr(png.value()), id);
  fs::copy_file(sim_->job_png(1), shots_ / "kiosk-slip.png", fs::copy_options::overwrite_existing);

  // The kiosk's own log says the token was delivered.
  kiosk::KioskStore store((work_ / "kiosk-data" / "kiosk.sqlite").string());
  auto rows = store.all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].token_id, id);
  EXPECT_EQ(rows[0].state, kiosk::IssueLogState::Delivered);

  // "Done" brings the next citizen to the start.
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok");
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}

TEST_F(KioskIssueTest, PaperOutUnderStopPolicyIssuesNothingAndReopensWhenFixed) {
  auto k = start_kiosk("stop");
  // The kiosk looked at its printer as it started, and said so at once (its status feed pulls
  // every 15 s; a new printer state wakes it).
  ASSERT_TRUE(test::wait_until([&] { return printer_on_dashboard() == "ready"; }, 10s)) << printer_on_dashboard();
  EXPECT_EQ(sim_->control("paper-out").rfind("ok", 0), 0u);
  choose_birth_certificate(*k);
  ASSERT_EQ(k->cmd("wait_text \"Sorry, tokens cannot be printed right now\" 15000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"out of paper\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-paper-out.png").string())), "ok");
  EXPECT_TRUE(waiting("birth-certificate").empty()) << "no token may be counted when it cannot be printed";
  EXPECT_FALSE(fs::exists(sim_->job_png(1)));
  // The manager sees it too, without anyone telling them.
  EXPECT_TRUE(test::wait_until([&] { return printer_on_dashboard() == "paper_out"; }, 10s)) << printer_on_dashboard();

  ASSERT_EQ(k->cmd("tap \"OK\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Tokens cannot be issued at the moment\""), "ok") << k->screen();
  EXPECT_EQ(k->cmd("expect_no_text \"English\""), "ok") << "no citizen flow while the printer is out";
  EXPECT_EQ(sim_->control("ok").rfind("ok", 0), 0u);
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\" 15000"), "ok") << "reopens by itself";
  EXPECT_TRUE(test::wait_until([&] { return printer_on_dashboard() == "ready"; }, 10s)) << printer_on_dashboard();

  choose_birth_certificate(*k);
  ASSERT_EQ(k->cmd("wait_text \"Please take your token\" 15000"), "ok") << k->screen();
  EXPECT_EQ(waiting("birth-certificate").size(), 1u);
}

TEST_F(KioskIssueTest, PaperOutUnderScreenPolicyShowsTheNumber) {
  auto k = start_kiosk("screen");
  EXPECT_EQ(sim_->control("cover-open").rfind("ok", 0), 0u);
  choose_birth_certificate(*k);
  ASSERT_EQ(k->cmd("wait_text \"Your token number is\" 15000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"there is no paper slip\""), "ok");
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-on-screen.png").string())), "ok");
  json w = waiting("birth-certificate");
  ASSERT_EQ(w.size(), 1u);
  const std::string display = w[0]["display"];
  EXPECT_NE(k->screen().find("Your token number is " + display), std::string::npos);
  kiosk::KioskStore store((work_ / "kiosk-data" / "kiosk.sqlite").string());
  ASSERT_EQ(store.all().size(), 1u);
  EXPECT_EQ(store.all()[0].state, kiosk::IssueLogState::Delivered) << "shown on screen is delivered";
}

TEST_F(KioskIssueTest, ServerDownIssuesNothingEvenWhenTheRequestArrivesLater) {
  // A kiosk that leases no number blocks (kiosk_lease_test covers the one that does).
  auto k = start_kiosk("stop", 60, "0");
  const auto port = centre_.port();
  centre_.stop();
  choose_birth_certificate(*k);
  ASSERT_EQ(k->cmd("wait_text \"cannot reach the queue system\" 20000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-server-down.png").string())), "ok");
  EXPECT_FALSE(fs::exists(sim_->job_png(1)));

  // The request was durable in the outbox, and the kiosk withdrew it when it gave up: when the
  // server is back it gets the withdrawal and issues nothing (no token nobody holds).
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  kiosk::KioskStore store((work_ / "kiosk-data" / "kiosk.sqlite").string());
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto rows = store.all();
        return rows.size() == 1 && rows[0].state == kiosk::IssueLogState::Withdrawn;
      },
      20s))
      << "issue log: " << (store.all().empty() ? "empty" : kiosk::to_string(store.all()[0].state));
  EXPECT_TRUE(store.all()[0].token_id.empty()) << "never issued";
  EXPECT_TRUE(waiting("birth-certificate").empty());
}

TEST_F(KioskIssueTest, IdleTimeoutGoesBackToTheStart) {
  auto k = start_kiosk("stop", 5);
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Take a token\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Which service do you need?\""), "ok");
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\" 9000"), "ok");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 4s);
}

TEST_F(KioskIssueTest, StaffPinGuardsSettingsTestPrintAndExit) {
  auto k = start_kiosk("stop");
  ASSERT_EQ(k->cmd("tap \"Staff\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Staff PIN\""), "ok");
  for (const char* d : {"1", "1", "1", "1"}) ASSERT_EQ(k->cmd(std::string("tap ") + quoted(d)), "ok");
  ASSERT_EQ(k->cmd("tap \"OK\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Wrong PIN\" 10000"), "ok") << k->screen();
  EXPECT_EQ(k->cmd("expect_no_text \"Kiosk settings\""), "ok");
  ASSERT_EQ(k->cmd("type \"2468\""), "ok");
  ASSERT_EQ(k->cmd("key Return"), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Kiosk settings\" 10000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "kiosk-settings.png").string())), "ok");
  ASSERT_EQ(k->cmd("tap \"Print a test page\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Test page printed\" 10000"), "ok") << k->screen();
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(1)); }, 10s));
  ASSERT_EQ(k->cmd("tap \"Show the number on screen\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"\u2713 Show the number on screen\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Exit the kiosk\""), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}
