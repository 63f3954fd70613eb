// A citizen files an application at the real kiosk: the form field by field on the on-screen
// keyboards (and typed text, as a keyboard or a scanner types), the documents checklist, the
// review, then the acknowledgement slip out of the printer simulator, whose QR decodes to the
// receipt number shown on screen; the filing is in the kiosk's outbox as "application.file", and
// the server gets it. Then "Check my application" with the receipt number typed as a scanner
// types it. A printer fault still saves the application; a server that is down is said plainly.
#include <algorithm>
#include <array>
#include <optional>
#include <regex>

#include "../../unit/hardware/receipt_test_support.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "guichet/store/sqlite.hpp"
#include "kiosk_harness.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

class KioskApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    shots_ = screenshot_dir(work_ / "shots");
  }

  std::unique_ptr<KioskProcess> start_kiosk(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--server",         centre_.url(),
                                     "--device",         "K1",
                                     "--secret-file",    centre_.secret_file("K1").string(),
                                     "--data-dir",       (work_ / "kiosk-data").string(),
                                     "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--printer-policy", "screen",
                                     "--admin-pin-hash", kiosk::hash_pin("2468").value(),
                                     "--size",           "1280x800"};
    // A size of the test's own replaces the default one.
    if (std::find(extra.begin(), extra.end(), "--size") != extra.end()) args.resize(args.size() - 2);
    args.insert(args.end(), extra.begin(), extra.end());
    auto k = std::make_unique<KioskProcess>("guichet-kiosk-" + std::to_string(++kiosks_), args, work_.path());
    EXPECT_EQ(k->cmd("wait_text \"Touch your language\" 15000"), "ok") << k->stderr_text();
    return k;
  }

  void shot(KioskProcess& k, const std::string& name) {
    ASSERT_EQ(k.cmd("screenshot " + quoted((shots_ / name).string())), "ok");
  }

  // Language, "File an application", the birth certificate's form and documents, the review.
  // With `every_required`, the address proof is ticked too: only the optional affidavit is left.
  void fill_birth_certificate(KioskProcess& k, bool every_required = false) {
    ASSERT_EQ(k.cmd("tap \"English\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"What would you like to do?\""), "ok");
    shot(k, "application-1-menu.png");
    ASSERT_EQ(k.cmd("tap \"File an application\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Which service are you applying for?\""), "ok");
    ASSERT_EQ(k.cmd("tap \"Birth certificate\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Child's full name\""), "ok") << k.screen();
    // The child's name on the on-screen letters: a capital starts the word.
    for (const char* key : {"B", "A", "B", "Y"}) ASSERT_EQ(k.cmd(std::string("tap \"") + key + "\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Baby\""), "ok") << k.screen();
    shot(k, "application-2-field.png");
    ASSERT_EQ(k.cmd("tap \"Next\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Date of birth\""), "ok");
    // A date in the future is refused next to its field; the number pad fixes it.
    ASSERT_EQ(k.cmd("type \"14/04/2099\""), "ok");
    ASSERT_EQ(k.cmd("key Return"), "ok");
    ASSERT_EQ(k.cmd("wait_text \"This date cannot be in the future.\""), "ok") << k.screen();
    shot(k, "application-3-problem.png");
    for (int i = 0; i < 2; ++i) ASSERT_EQ(k.cmd("tap \"Erase\""), "ok");
    for (const char* key : {"2", "6"}) ASSERT_EQ(k.cmd(std::string("tap \"") + key + "\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"14/04/2026\""), "ok") << k.screen();
    ASSERT_EQ(k.cmd("tap \"Next\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Gender\""), "ok") << k.screen();
    ASSERT_EQ(k.cmd("tap \"Female\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Place of birth\""), "ok");
    ASSERT_EQ(k.cmd("tap \"Hospital\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Name of the hospital\""), "ok");
    ASSERT_EQ(k.cmd("type \"Civil Hospital\""), "ok");
    ASSERT_EQ(k.cmd("key Return"), "ok");
    for (const auto& [label, value] :
         std::vector<std::pair<std::string, std::string>>{{"Father's name", "Harpreet Singh"},
                                                          {"Mother's name", "Simran Kaur"},
                                                          {"Full address", "12 Model Town, Ludhiana"},
                                                          {"Mobile number", "98140 12345"}}) {
      ASSERT_EQ(k.cmd("wait_text " + quoted(label)), "ok") << k.screen();
      ASSERT_EQ(k.cmd("type " + quoted(value)), "ok");
      ASSERT_EQ(k.cmd("wait_text " + quoted(value)), "ok") << k.screen();
      ASSERT_EQ(k.cmd("key Return"), "ok");
    }
    ASSERT_EQ(k.cmd("wait_text \"Which of these documents do you have with you?\""), "ok") << k.screen();
    ASSERT_EQ(k.cmd("tap \"Hospital discharge slip or birth report\""), "ok");
    ASSERT_EQ(k.cmd("tap \"Identity proof of a parent\""), "ok");
    if (every_required) {
      ASSERT_EQ(k.cmd("tap \"Address proof\""), "ok");
    }
    shot(k, "application-4-documents.png");
    ASSERT_EQ(k.cmd("tap \"Next\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"Please check your application\""), "ok");
    if (every_required) {
      // The affidavit is optional and not ticked: nothing is missing, but not "all the documents".
      ASSERT_EQ(k.cmd("wait_text \"You have all the required documents.\""), "ok") << k.screen();
      EXPECT_EQ(k.screen().find("You have all the documents."), std::string::npos);
      EXPECT_EQ(k.screen().find("Documents still missing"), std::string::npos);
    } else {
      ASSERT_EQ(k.cmd("wait_text \"Address proof\""), "ok") << "listed as missing";
      shot(k, "application-5-review.png");
    }
  }

  // From the start screen: "Check my application" with the receipt typed as a scanner types it.
  void check_status(KioskProcess& k, const std::string& receipt) {
    ASSERT_EQ(k.cmd("wait_text \"Touch your language\""), "ok") << k.screen();
    ASSERT_EQ(k.cmd("tap \"English\""), "ok");
    ASSERT_EQ(k.cmd("tap \"Check my application\""), "ok");
    ASSERT_EQ(k.cmd("wait_text \"type your receipt number\""), "ok");
    ASSERT_EQ(k.cmd("type " + quoted(receipt) + " 2"), "ok");
    ASSERT_EQ(k.cmd("key Return"), "ok");
  }

  // Where the screen drew the text `text` (the first item holding it): x, y, w, h in pixels.
  std::optional<std::array<float, 4>> rect_of(KioskProcess& k, const std::string& text) {
    k.screen();
    for (const auto& i : guichet::testing::parse_dump(k.dumped)) {
      if (i.text.find(text) != std::string::npos) return std::array<float, 4>{i.x, i.y, i.w, i.h};
    }
    return std::nullopt;
  }

  std::string receipt_on_screen(KioskProcess& k) {
    static const std::regex pattern("LDH01-K1-[0-9]{6,}");
    const std::string screen = k.screen();
    std::smatch m;
    if (!std::regex_search(screen, m, pattern)) return {};
    return m.str();
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-application"};
  std::unique_ptr<test::SimProcess> sim_;
  std::string kiosk_secret_;
  fs::path shots_;
  int kiosks_ = 0;
};

}  // namespace

TEST_F(KioskApplicationTest, FilesPrintsAndChecksAnApplication) {
  auto k = start_kiosk();
  fill_birth_certificate(*k);
  ASSERT_EQ(k->cmd("tap \"Save and print\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Your application is saved\" 15000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"Your acknowledgement slip is below the screen\""), "ok") << k->screen();
  shot(*k, "application-6-saved.png");
  const std::string receipt = receipt_on_screen(*k);
  ASSERT_FALSE(receipt.empty()) << k->screen();
  // Amounts on screen as the language writes them (Indian English: the rupee sign, lakh grouping).
  EXPECT_NE(k->screen().find("Fee to pay at the counter: \u20B950.00"), std::string::npos);
  // The due date the citizen is told: filed on Monday 23 November 2026 (the server's clock), five
  // working days for a birth certificate plus two at a centre, Tuesday 24 November (Gurpurab) and
  // Sunday 29 November skipped: Wednesday 2 December.
  EXPECT_NE(k->screen().find("It should be ready by 2 December 2026."), std::string::npos) << k->screen();

  // The slip's QR holds exactly the receipt number.
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(1)); }, 10s)) << sim_->log();
  auto png = hardware::escpos_render::read_png(sim_->job_png(1));
  ASSERT_TRUE(png.ok()) << png.error().message;
  EXPECT_EQ(test::decode_qr(png.value()), receipt);
  // The slip gives the same dates as the screen.
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_bin(1)); }, 10s)) << sim_->log();
  const std::vector<std::uint8_t> job = test::read_bytes(sim_->job_bin(1));
  EXPECT_TRUE(test::contains_text(job, "Filed on: 23 November 2026"));
  EXPECT_TRUE(test::contains_text(job, "Due by: 2 December 2026"));
  fs::copy_file(sim_->job_png(1), shots_ / "application-slip.png", fs::copy_options::overwrite_existing);

  // The server gets the filing from the outbox and answers its public status.
  sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
  sync::HttpResponse status;
  test::wait_until(
      [&] {
        status = api.get("/api/v1/applications/" + receipt);
        return status.ok();
      },
      10s);
  ASSERT_TRUE(status.ok()) << status.status << " " << status.body;
  json app = json::parse(status.body)["application"];
  EXPECT_EQ(app["receipt"], receipt);
  EXPECT_EQ(app["service"], "birth-certificate");
  EXPECT_EQ(app["status"], "received");
  EXPECT_EQ(status.body.find("Harpreet"), std::string::npos) << "no personal data in the public status";

  // "Check my application": the receipt number typed as a scanner types it, then Return.
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok");
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Check my application\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"type your receipt number\""), "ok");
  ASSERT_EQ(k->cmd("type " + quoted(receipt) + " 2"), "ok");
  ASSERT_EQ(k->cmd("key Return"), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Received at the centre\" 10000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"Birth certificate\""), "ok") << k->screen();
  shot(*k, "application-7-status.png");
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);

  // The kiosk's outbox holds the filing, kind application.file, with the contract's body, answered.
  std::vector<std::int64_t> seqs;
  {
    store::Db db((work_ / "kiosk-data" / "outbox.sqlite").string());
    auto st = db.prepare("SELECT seq FROM outbox WHERE kind = 'application.file' ORDER BY seq");
    while (st.step()) seqs.push_back(st.int64(0));
  }
  ASSERT_EQ(seqs.size(), 1u);
  sync::Outbox outbox((work_ / "kiosk-data" / "outbox.sqlite").string(), "K1");
  auto entry = outbox.get(seqs[0]);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->method, "POST");
  EXPECT_EQ(entry->path, "/api/v1/applications");
  json body = json::parse(entry->body);
  EXPECT_EQ(body["receipt"], receipt);
  EXPECT_EQ(body["service"], "birth-certificate");
  EXPECT_EQ(body["channel"], "kiosk");
  EXPECT_EQ(body["language"], "en");
  EXPECT_EQ(body["fields"]["mobile"], "9814012345");
  EXPECT_EQ(body["fields"]["date-of-birth"], "2026-04-14");
  EXPECT_EQ(body["fee_minor"], 0);
  EXPECT_EQ(body["documents"][0], (json{{"id", "discharge-slip"}, {"present", true}}));
  EXPECT_EQ(body["documents"][2], (json{{"id", "address-proof"}, {"present", false}}));
  EXPECT_EQ(entry->state, sync::OutboxState::Done) << entry->response_body;
}

TEST_F(KioskApplicationTest, PrinterFaultStillSavesAndShowsTheReceiptNumber) {
  auto k = start_kiosk();
  fill_birth_certificate(*k, /*every_required=*/true);
  EXPECT_EQ(sim_->control("paper-out").rfind("ok", 0), 0u);
  ASSERT_EQ(k->cmd("tap \"Save and print\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Your application is saved\" 15000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"The printer is not working\""), "ok") << k->screen();
  shot(*k, "application-printer-fault.png");
  EXPECT_FALSE(receipt_on_screen(*k).empty()) << k->screen();
  EXPECT_FALSE(fs::exists(sim_->job_png(1)));
  ASSERT_EQ(k->cmd("tap \"I have noted my number\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok");
}

// While the centre server cannot be reached, the citizen's screens carry a small, muted mark at
// the end of the centre's line, saying the kiosk works offline and nothing is lost; it goes once
// the server is back. The status feed (every --status-poll seconds) tells the kiosk either way.
TEST_F(KioskApplicationTest, AnOfflineMarkShowsWhileTheServerIsDownAndGoesWhenItIsBack) {
  const std::string mark = "Working offline \u2013 nothing is lost";
  auto k = start_kiosk({"--status-poll", "1"});
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"What would you like to do?\""), "ok");
  // The feed's first pull (3 s after start) and the next have answered: the server is up.
  ASSERT_EQ(k->cmd("sleep 4500"), "ok");
  EXPECT_EQ(k->cmd("expect_no_text " + quoted(mark)), "ok") << k->screen();

  const auto port = centre_.port();
  centre_.stop();
  ASSERT_EQ(k->cmd("wait_text " + quoted(mark) + " 15000"), "ok") << k->screen();
  shot(*k, "offline-menu.png");
  // Discreet: one small line on the centre's line, at its end (the name is centred, the mark in
  // the right half, inside the 1280-pixel screen), no taller than the name.
  const auto name = rect_of(*k, "Ludhiana Citizen Service Centre");
  const auto at = rect_of(*k, mark);
  ASSERT_TRUE(name && at) << k->screen();
  EXPECT_NEAR((*at)[1], (*name)[1], 2.0f) << "on the centre's line";
  EXPECT_GT((*at)[0], 640.0f) << "at the end of the line";
  EXPECT_LE((*at)[0] + (*at)[2], 1280.0f);
  EXPECT_LE((*at)[3], (*name)[3] + 2.0f) << "no taller than the centre's name";
  // On every citizen's screen with the centre's name: the applications' services, the start screen.
  ASSERT_EQ(k->cmd("tap \"File an application\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Which service are you applying for?\""), "ok");
  EXPECT_EQ(k->cmd("wait_text " + quoted(mark)), "ok") << k->screen();
  ASSERT_EQ(k->cmd("tap \"Back\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"What would you like to do?\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Back\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok");
  EXPECT_EQ(k->cmd("wait_text " + quoted(mark)), "ok") << k->screen();
  shot(*k, "offline-start.png");
  // In the citizen's language, and in a mirrored screen (Urdu) at the line's other end, the left.
  const std::string urdu_mark = "آف لائن چل رہا ہے – کچھ بھی ضائع نہیں ہوتا";
  ASSERT_EQ(k->cmd("tap \"اردو\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"آپ کیا کرنا چاہتے ہیں؟\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text " + quoted(urdu_mark)), "ok") << k->screen();
  const auto urdu_at = rect_of(*k, urdu_mark);
  ASSERT_TRUE(urdu_at) << k->screen();
  EXPECT_LT((*urdu_at)[0] + (*urdu_at)[2], 640.0f) << "at the end of a right-to-left line";
  shot(*k, "offline-menu-ur.png");

  // The server is back: the mark goes by itself, with nobody touching the screen.
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  EXPECT_TRUE(test::wait_until([&] { return k->cmd("expect_no_text " + quoted(urdu_mark)) == "ok"; }, 15s))
      << k->screen();
  EXPECT_EQ(k->cmd("wait_text \"آپ کیا کرنا چاہتے ہیں؟\""), "ok") << "still the Urdu menu";
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}

// A form's screen that gives the centre's name up for the keyboard's room (six rows of Gurmukhi
// letters, large text, the 15.6-inch panel) still says that the kiosk works offline: the mark
// keeps the header's line.
TEST_F(KioskApplicationTest, TheOfflineMarkStaysWhereTheCentresNameGaveItsRoomToTheKeyboard) {
  const std::string mark = "ਆਫ਼ਲਾਈਨ ਚੱਲ ਰਿਹਾ ਹੈ – ਕੁਝ ਵੀ ਗੁੰਮ ਨਹੀਂ ਹੁੰਦਾ";
  const std::string name = "ਲੁਧਿਆਣਾ ਨਾਗਰਿਕ ਸੇਵਾ ਕੇਂਦਰ";
  auto k = start_kiosk(
      {"--status-poll", "1", "--theme", "large-text", "--size", "1920x1080", "--screen-diagonal-inches", "15.6"});
  ASSERT_EQ(k->cmd("tap \"ਪੰਜਾਬੀ\""), "ok");
  ASSERT_EQ(k->cmd("tap \"ਅਰਜ਼ੀ ਦਿਓ\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"ਤੁਸੀਂ ਕਿਸ ਸੇਵਾ ਲਈ ਅਰਜ਼ੀ ਦੇ ਰਹੇ ਹੋ?\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("tap \"ਜਨਮ ਸਰਟੀਫਿਕੇਟ\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"ਬੱਚੇ ਦਾ ਪੂਰਾ ਨਾਮ\""), "ok") << k->screen();
  EXPECT_EQ(k->cmd("expect_no_text " + quoted(name)), "ok") << "the name gave its room";
  EXPECT_EQ(k->cmd("expect_no_text " + quoted(mark)), "ok") << k->screen();

  const auto port = centre_.port();
  centre_.stop();
  ASSERT_EQ(k->cmd("wait_text " + quoted(mark) + " 15000"), "ok") << k->screen();
  EXPECT_EQ(k->cmd("expect_no_text " + quoted(name)), "ok");
  shot(*k, "offline-field-large-text-pa.png");
  const auto at = rect_of(*k, mark);
  const auto question = rect_of(*k, "ਬੱਚੇ ਦਾ ਪੂਰਾ ਨਾਮ");
  ASSERT_TRUE(at && question) << k->screen();
  EXPECT_LT((*at)[1], (*question)[1]) << "above the question, on the header's line";

  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  EXPECT_TRUE(test::wait_until([&] { return k->cmd("expect_no_text " + quoted(mark)) == "ok"; }, 15s)) << k->screen();
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}

TEST_F(KioskApplicationTest, StatusWithTheServerDownIsSaidPlainly) {
  auto k = start_kiosk();
  centre_.stop();
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Check my application\""), "ok");
  for (const char* key : {"L", "D", "H", "0", "1", "-", "K", "1", "-", "4", "2"}) {
    ASSERT_EQ(k->cmd(std::string("tap \"") + key + "\""), "ok");
  }
  ASSERT_EQ(k->cmd("wait_text \"LDH01-K1-42\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("tap \"Check\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Sorry, the status cannot be checked right now\" 10000"), "ok") << k->screen();
  shot(*k, "application-status-offline.png");
}

// The centre server goes away: a citizen still learns where an application stands, from the
// statuses the kiosk's change feed downloaded, and an application filed at this kiosk during the
// outage is known as saved here and waiting to be sent; the screen says which it is.
TEST_F(KioskApplicationTest, StatusWithTheServerDownAnswersFromTheKiosksOwnCopies) {
  auto k = start_kiosk({"--status-poll", "1"});
  fill_birth_certificate(*k);
  ASSERT_EQ(k->cmd("tap \"Save and print\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Your application is saved\" 15000"), "ok") << k->screen();
  const std::string sent = receipt_on_screen(*k);
  ASSERT_FALSE(sent.empty()) << k->screen();

  // The server has it, and the kiosk's change feed has downloaded its status.
  sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
  ASSERT_TRUE(test::wait_until([&] { return api.get("/api/v1/applications/" + sent).ok(); }, 10s));
  const fs::path feed = work_ / "kiosk-data" / "changes.sqlite";
  ASSERT_TRUE(test::wait_until(
      [&] {
        if (!fs::exists(feed)) return false;
        store::Db db(feed.string());
        auto st = db.prepare("SELECT count(*) FROM application_status WHERE receipt = ?");
        st.bind(1, sent);
        return st.step() && st.int64(0) == 1;
      },
      15s))
      << "the kiosk never downloaded the status of " << sent;

  centre_.stop();
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  check_status(*k, sent);
  ASSERT_EQ(k->cmd("wait_text \"this is the last status the kiosk received\" 10000"), "ok") << k->screen();
  EXPECT_NE(k->screen().find("Received at the centre"), std::string::npos) << k->screen();
  EXPECT_NE(k->screen().find("Birth certificate"), std::string::npos) << k->screen();
  shot(*k, "application-status-last-copy.png");

  // Filed while the server is down: saved and printed at once, known here as not yet sent.
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok");
  fill_birth_certificate(*k);
  ASSERT_EQ(k->cmd("tap \"Save and print\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Your application is saved\" 15000"), "ok") << k->screen();
  const std::string waiting = receipt_on_screen(*k);
  ASSERT_FALSE(waiting.empty()) << k->screen();
  ASSERT_NE(waiting, sent);
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  check_status(*k, waiting);
  ASSERT_EQ(k->cmd("wait_text \"Saved at this kiosk, to be sent to the centre\" 10000"), "ok") << k->screen();
  EXPECT_NE(k->screen().find("Nothing is lost"), std::string::npos) << k->screen();
  shot(*k, "application-status-not-sent.png");

  // A number the kiosk has no copy of is not guessed at.
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  check_status(*k, "LDH01-K9-000042");
  ASSERT_EQ(k->cmd("wait_text \"Sorry, the status cannot be checked right now\" 10000"), "ok") << k->screen();
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}
