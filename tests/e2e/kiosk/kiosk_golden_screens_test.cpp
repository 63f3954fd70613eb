// Golden screenshots of the kiosk in each of the five languages: the real kiosk under SDL's
// offscreen driver, against a real centre server (whose clock starts at a fixed morning, so opening
// hours read the same whenever the test runs), photographs the start screen and, per language, the
// menu, the service list, the priority question, the application service list and a form field
// with its keyboard. Each is compared with tests/golden/screens/<lang>/<screen>.png allowing 0.1 %
// of the pixels to differ (a glyph hinted differently), so a missing translation, a box instead of
// a letter, a broken conjunct, Urdu laid out from the left or a moved control all fail.
// GUICHET_UPDATE_GOLDEN=1 rewrites the golden files; look at them before committing.
#include <thread>

#include "../../unit/hardware/receipt_test_support.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "i18n.hpp"
#include "kiosk_harness.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;

namespace {

struct Language {
  const char* code;
  const char* tile;     // the language tile, in its own script
  const char* service;  // "Birth certificate" in the catalogue, in that language
  const char* field;    // the first question of its application form, in that language
};

const Language kLanguages[] = {
    {"en", "English", "Birth certificate", "Child's full name"},
    {"pa", "ਪੰਜਾਬੀ", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ", "ਬੱਚੇ ਦਾ ਪੂਰਾ ਨਾਮ"},
    {"hi", "हिन्दी", "जन्म प्रमाण पत्र", "बच्चे का पूरा नाम"},
    {"ur", "اردو", "پیدائش کا سرٹیفکیٹ", "بچے کا پورا نام"},
    {"fr", "Français", "Acte de naissance", "Nom complet de l'enfant"},
};

fs::path golden_screens() { return fs::path(GUICHET_SOURCE_DIR) / "tests" / "golden" / "screens"; }

fs::path screens_output() {
  fs::path dir = fs::path(GUICHET_BINARY_DIR) / "test-output" / "screens";
  fs::create_directories(dir);
  return dir;
}

class KioskGoldenScreensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    shots_ = screenshot_dir(work_ / "shots");
    auto t = kiosk::load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    translations_ = std::move(t).value();
  }

  std::unique_ptr<KioskProcess> start_kiosk() {
    std::vector<std::string> args = {"--server",         centre_.url(),
                                     "--device",         "K1",
                                     "--secret-file",    centre_.secret_file("K1").string(),
                                     "--data-dir",       (work_ / "kiosk-data").string(),
                                     "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--admin-pin-hash", kiosk::hash_pin("2468").value(),
                                     "--idle-timeout",   "120",
                                     "--size",           "1280x800"};
    auto k = std::make_unique<KioskProcess>("guichet-kiosk", args, work_.path());
    EXPECT_EQ(k->cmd("wait_text \"Touch your language\" 15000"), "ok") << k->stderr_text();
    return k;
  }

  // Photographs the screen as it is now and compares it with the golden file `name`
  // ("hi/menu.png"); the shot is also kept with the others (GUICHET_SCREENSHOT_DIR).
  void expect_golden(KioskProcess& k, const std::string& name) {
    SCOPED_TRACE(name);
    const fs::path shot =
        shots_ / ("golden-" + fs::path(name).parent_path().string() + "-" + fs::path(name).filename().string());
    fs::remove(shot);
    ASSERT_EQ(k.cmd("screenshot " + quoted(shot.string())), "ok");
    // The automation answers once the frame is queued for saving; the file follows.
    ASSERT_TRUE(test::wait_until([&] { return fs::exists(shot) && fs::file_size(shot) > 0; }, 10s)) << shot;
    auto image = hardware::escpos_render::read_png(shot);
    for (int tries = 0; !image.ok() && tries < 50; ++tries) {  // still being written
      std::this_thread::sleep_for(20ms);
      image = hardware::escpos_render::read_png(shot);
    }
    ASSERT_TRUE(image.ok()) << image.error().message;
    test::expect_golden_png(name, image.value(), test::kGoldenPixelTolerance, golden_screens(), screens_output());
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-golden"};
  std::unique_ptr<test::SimProcess> sim_;
  text::Translations translations_;
  fs::path shots_;
};

}  // namespace

TEST_F(KioskGoldenScreensTest, EveryLanguageLooksAsApproved) {
  auto k = start_kiosk();
  expect_golden(*k, "start.png");
  for (const auto& l : kLanguages) {
    SCOPED_TRACE(l.code);
    const std::string lang = l.code;
    const kiosk::Tr t(translations_, l.code);

    ASSERT_EQ(k->cmd("tap " + quoted(l.tile)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Take a token"))), "ok") << k->screen();
    expect_golden(*k, lang + "/menu.png");

    // An application: its service list, then the first field of the form with the keyboard.
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("File an application"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Which service are you applying for?"))), "ok") << k->screen();
    expect_golden(*k, lang + "/application-services.png");
    ASSERT_EQ(k->cmd("tap " + quoted(l.service)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(l.field)), "ok") << k->screen();
    expect_golden(*k, lang + "/form-field.png");
    // Back to the menu the way a citizen goes: Back from the field, Back from the services. Its
    // arrow points to the screen's start side: right in Urdu, whose screens are mirrored.
    const std::string back = (lang == "ur" ? "\u2192 " : "\u2190 ") + t.tr("Back");
    ASSERT_EQ(k->cmd("tap " + quoted(back)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Which service are you applying for?"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap " + quoted(back)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Take a token"))), "ok") << k->screen();

    // A token: the service list and the priority question.
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("Take a token"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Which service do you need?"))), "ok") << k->screen();
    expect_golden(*k, lang + "/services.png");
    ASSERT_EQ(k->cmd("tap " + quoted(l.service)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Does a priority category apply to you?"))), "ok") << k->screen();
    expect_golden(*k, lang + "/priority.png");

    // The token is taken and the next citizen starts at the language screen.
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("No, none of these"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Done")) + " 15000"), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("Done"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok") << k->screen();
  }
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}
