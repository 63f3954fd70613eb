// Every control a citizen or the staff can touch on the kiosk is at least 15 mm on each side, on
// every screen of every flow, at the density of the kiosk's panel: the real kiosk at 1920x1080,
// driven by its automation, each screen's controls read back with `dump`. Run once per theme a
// citizen can choose, since the large-text theme changes sizes, and at two panels given to the
// kiosk with --screen-diagonal-inches: 21.5 inches (102.5 pixels per inch, the default) and 15.6
// inches (141 pixels per inch, where the theme's 64-pixel corner control would be 11.5 mm: the
// kiosk sizes its controls from the setting).
#include "guichet/ui/touch_target.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "i18n.hpp"
#include "kiosk_harness.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;

namespace {

// The items of a dump, as the touch-target check takes them.
std::vector<ui::ScreenItem> parse_dump(const std::vector<std::string>& lines) {
  std::vector<ui::ScreenItem> items;
  for (const auto& d : guichet::testing::parse_dump(lines)) {
    ui::ScreenItem item;
    item.kind = d.control ? ui::ScreenItem::Kind::Control : ui::ScreenItem::Kind::Text;
    item.text = d.text;
    item.rect = {d.x, d.y, d.w, d.h};
    item.enabled = d.enabled;
    items.push_back(std::move(item));
  }
  return items;
}

class KioskTouchTargetTest : public ::testing::TestWithParam<std::tuple<std::string, double>> {
 protected:
  static std::string theme() { return std::get<0>(GetParam()); }
  static double diagonal() { return std::get<1>(GetParam()); }

  void SetUp() override {
    ASSERT_FALSE(centre_.add_device("K1", "kiosk").empty());
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    std::vector<std::string> args = {"--server",
                                     centre_.url(),
                                     "--device",
                                     "K1",
                                     "--secret-file",
                                     centre_.secret_file("K1").string(),
                                     "--data-dir",
                                     (work_ / "kiosk-data").string(),
                                     "--printer",
                                     "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--printer-policy",
                                     "screen",
                                     "--admin-pin-hash",
                                     kiosk::hash_pin("2468").value(),
                                     "--theme",
                                     theme(),
                                     "--size",
                                     "1920x1080",
                                     "--screen-diagonal-inches",
                                     std::to_string(diagonal())};
    k_ = std::make_unique<KioskProcess>("guichet-kiosk", args, work_.path());
    ASSERT_EQ(k_->cmd("wait_text \"Touch your language\" 15000"), "ok") << k_->stderr_text();
  }

  // Checks the controls on screen now; `screen` names it in failures.
  void check(const std::string& screen) {
    ASSERT_EQ(k_->cmd("dump"), "ok");
    const auto items = parse_dump(k_->dumped);
    int controls = 0;
    for (const auto& i : items) controls += i.kind == ui::ScreenItem::Kind::Control && i.enabled;
    ASSERT_GT(controls, 0) << screen << ": no controls read back";
    const double dpi = ui::screen_dpi(diagonal(), 1920, 1080);
    // The smallest side of any enabled control, for the record (docs/ui.md quotes these).
    double least_w = 1e9, least_h = 1e9;
    for (const auto& i : items) {
      if (i.kind != ui::ScreenItem::Kind::Control || !i.enabled) continue;
      least_w = std::min(least_w, i.rect.w / ui::px_per_mm(dpi));
      least_h = std::min(least_h, i.rect.h / ui::px_per_mm(dpi));
    }
    std::printf("| %s, %.1f\", %s: narrowest control %.1f mm, lowest %.1f mm\n", theme().c_str(), diagonal(),
                screen.c_str(), least_w, least_h);
    for (const auto& p : ui::small_touch_targets(items, dpi)) {
      ADD_FAILURE() << theme() << " theme, " << diagonal() << "\" panel, " << screen << ": " << p.to_string();
    }
    // A control under another one takes the other's touches.
    for (std::size_t a = 0; a < items.size(); ++a) {
      for (std::size_t b = a + 1; b < items.size(); ++b) {
        const auto &x = items[a], &y = items[b];
        if (x.kind != ui::ScreenItem::Kind::Control || y.kind != ui::ScreenItem::Kind::Control) continue;
        const bool overlap = x.rect.x < y.rect.x + y.rect.w && y.rect.x < x.rect.x + x.rect.w &&
                             x.rect.y < y.rect.y + y.rect.h && y.rect.y < x.rect.y + x.rect.h;
        if (overlap)
          ADD_FAILURE() << theme() << " theme, " << screen << ": \"" << x.text << "\" overlaps \"" << y.text << "\"";
      }
    }
    ++screens_;
    // For people to look at: each screen checked, when GUICHET_SCREENSHOT_DIR is set.
    if (const char* keep = std::getenv("GUICHET_SCREENSHOT_DIR"); keep && *keep) {
      std::string name = theme() + "-" + std::to_string(std::lround(diagonal() * 10)) + "-" + screen + ".png";
      for (char& c : name) c = c == ' ' || c == ',' ? '-' : c;
      ASSERT_EQ(k_->cmd("screenshot " + quoted((screenshot_dir(keep) / name).string())), "ok");
    }
  }

  // Taps Back until the start menu (or the language screen) shows; at most eight screens back.
  void back_to_start() {
    for (int i = 0; i < 8; ++i) {
      const std::string screen = k_->screen();
      if (screen.find("What would you like to do?") != std::string::npos ||
          screen.find("Touch your language") != std::string::npos) {
        return;
      }
      ok("tap \"Back\"");
      ok("sleep 100");
    }
    FAIL() << "Back did not lead to the start:\n" << k_->screen();
  }

  // The same, on a screen that must show the audio bar.
  void check_audio(const std::string& screen) {
    check(screen);
    ASSERT_EQ(k_->cmd("dump"), "ok");
    int bar = 0;
    for (const auto& i : parse_dump(k_->dumped)) {
      if (i.kind != ui::ScreenItem::Kind::Control) continue;
      for (const char* label : {"\u2190 Previous option", "Repeat", "Select", "Next option \u2192"})
        bar += i.text == label;
    }
    EXPECT_EQ(bar, 4) << theme() << " theme, " << screen << ": the audio bar\n" << k_->screen();
  }

  void application_in_audio_mode() {
    ok("tap \"Listen\"");
    ok("tap \"English\"");
    ok("tap \"File an application\"");
    ok("wait_text \"Which service are you applying for?\"");
    check_audio("application services, audio mode");
    ok("tap \"Birth certificate\"");
    ok("wait_text \"Child's full name\"");
    check_audio("text field and letter keyboard, audio mode");
    ok("type \"Baby Kaur\"");
    ok("tap \"Next \u2192\"");  // the field's, not the bar's "Next option"
    ok("wait_text \"Date of birth\"");
    check_audio("date field and number pad, audio mode");
    back_to_start();
    if (k_->screen().find("What would you like to do?") != std::string::npos) ok("tap \"Back\"");
    ok("wait_text \"Touch your language\"");
    ok("tap \"Listen\"");  // off again: the same citizen's switch
    ok("sleep 200");
    ASSERT_EQ(k_->cmd("expect_no_text \"Repeat\""), "ok") << k_->screen();
  }

  // The letter keyboards of the other scripts (six rows in Gurmukhi and Devanagari, Urdu's right
  // to left) on the first field of an application, with the audio bar when `audio`.
  void native_keyboards(bool audio) {
    auto loaded = kiosk::load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const text::Translations translations = std::move(loaded).value();
    struct Language {
      const char *code, *tile, *service, *field;
    };
    const Language languages[] = {
        {"pa", "ਪੰਜਾਬੀ", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ", "ਬੱਚੇ ਦਾ ਪੂਰਾ ਨਾਮ"},
        {"hi", "हिन्दी", "जन्म प्रमाण पत्र", "बच्चे का पूरा नाम"},
        {"ur", "اردو", "پیدائش کا سرٹیفکیٹ", "بچے کا پورا نام"},
    };
    for (const auto& l : languages) {
      const kiosk::Tr t(translations, l.code);
      if (audio) ok("tap \"Listen\"");
      ok("tap " + quoted(l.tile));
      ok("tap " + quoted(t.tr("File an application")));
      ok("wait_text " + quoted(t.tr("Which service are you applying for?")));
      ok("tap " + quoted(l.service));
      ok("wait_text " + quoted(l.field));
      check(std::string(l.code) + " letter keyboard" + (audio ? ", audio mode" : ""));
      // Back to the language screen: the field, the services, the menu. The arrow points to the
      // screen's start side: right in Urdu, whose screens are mirrored.
      const std::string back = (std::string(l.code) == "ur" ? "\u2192 " : "\u2190 ") + t.tr("Back");
      for (int i = 0; i < 3; ++i) {
        ok("tap " + quoted(back));
        ok("sleep 100");
      }
      ok("wait_text \"Touch your language\"");
      if (audio) {
        ok("tap \"Listen\"");
        ok("sleep 200");
      }
    }
  }

  float item_height(const std::string& label) {
    EXPECT_EQ(k_->cmd("dump"), "ok");
    for (const auto& i : parse_dump(k_->dumped)) {
      if (i.text == label) return i.rect.h;
    }
    ADD_FAILURE() << "nothing labelled " << label;
    return 0;
  }

  void ok(const std::string& command) { ASSERT_EQ(k_->cmd(command), "ok") << command << "\n" << k_->screen(); }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-touch"};
  std::unique_ptr<test::SimProcess> sim_;
  std::unique_ptr<KioskProcess> k_;
  int screens_ = 0;
};

TEST_P(KioskTouchTargetTest, EveryScreenHasFingerSizedControls) {
  check("language");

  // Audio mode: the switch, and the Previous / Repeat / Select / Next bar along the bottom of each
  // screen of a token, clear of every other control.
  ok("tap \"Listen\"");
  ok("wait_text \"Repeat\"");
  check_audio("language, audio mode");
  ok("tap \"English\"");
  ok("wait_text \"What would you like to do?\"");
  check_audio("menu, audio mode");
  ok("tap \"Take a token\"");
  ok("wait_text \"Which service do you need?\"");
  check_audio("services, audio mode");
  ok("tap \"Birth certificate\"");
  ok("wait_text \"Does a priority category apply to you?\"");
  check_audio("priority, audio mode");
  ok("tap \"No, none of these\"");
  ok("wait_text \"Please take your token\" 15000");
  check_audio("token, audio mode");
  ok("tap \"Done\"");
  ok("wait_text \"Touch your language\"");
  ASSERT_EQ(k_->cmd("expect_no_text \"Repeat\""), "ok") << "audio mode ends with the citizen";
  // An application in audio mode: the keyboards stay clear of the bar and finger-sized, in every
  // theme (the field screens give the centre's name and the question count's room to the keys).
  application_in_audio_mode();
  ok("tap \"English\"");
  ok("wait_text \"What would you like to do?\"");
  check("menu");
  if (theme() == "default") {
    // A citizen with low vision switches their session to larger text: the same screen, bigger.
    const std::string question = "What would you like to do?";
    const float before = item_height(question);
    ok("tap \"Larger text\"");
    ok("sleep 200");
    EXPECT_GT(item_height(question), before * 1.15f) << k_->screen();
    check("menu in larger text");
    ok("tap \"Larger text\"");
    ok("sleep 200");
    EXPECT_FLOAT_EQ(item_height(question), before) << "back to the kiosk's theme";
  }

  // A token.
  ok("tap \"Take a token\"");
  ok("wait_text \"Which service do you need?\"");
  check("services");
  ok("tap \"Birth certificate\"");
  ok("wait_text \"Does a priority category apply to you?\"");
  check("priority");
  ok("tap \"No, none of these\"");
  ok("wait_text \"Please take your token\" 15000");
  check("token");
  ok("tap \"Done\"");
  ok("wait_text \"Touch your language\"");

  // An application: a text field with the letter keyboard, a date on the pad, a choice, the
  // documents checklist and the review.
  ok("tap \"English\"");
  ok("tap \"File an application\"");
  ok("wait_text \"Which service are you applying for?\"");
  check("application services");
  ok("tap \"Birth certificate\"");
  ok("wait_text \"Child's full name\"");
  check("text field and letter keyboard");
  ok("type \"Baby Kaur\"");
  ok("tap \"Next\"");
  ok("wait_text \"Date of birth\"");
  check("date field and number pad");
  ok("type \"14/04/2026\"");
  ok("tap \"Next\"");
  ok("wait_text \"Gender\"");
  check("choice field");

  // Back to the start, then the other scripts' keyboards, the status check and the staff screens.
  back_to_start();
  if (k_->screen().find("What would you like to do?") != std::string::npos) ok("tap \"Back\"");
  ok("wait_text \"Touch your language\"");
  native_keyboards(false);
  native_keyboards(true);
  if (k_->screen().find("Touch your language") != std::string::npos) ok("tap \"English\"");
  ok("tap \"Check my application\"");
  ok("wait_text \"Hold the QR code\"");
  check("status check");
  back_to_start();  // the staff control is on the language screen and the menu

  ok("tap \"Staff\"");
  ok("wait_text \"Staff PIN\"");
  check("staff PIN");
  ok("type \"2468\"");
  ok("key Return");
  ok("wait_text \"Kiosk settings\" 10000");
  check("settings");
  EXPECT_EQ(screens_, theme() == "default" ? 27 : 26);
}

// Each theme on both panels. The large-text theme on the 15.6-inch panel is the tightest: its
// field screens give the keyboard the room of the centre's name and a shorter value row.
INSTANTIATE_TEST_SUITE_P(ThemesAndPanels, KioskTouchTargetTest,
                         ::testing::Values(std::tuple{"default", 21.5}, std::tuple{"large-text", 21.5},
                                           std::tuple{"high-contrast", 21.5}, std::tuple{"default", 15.6},
                                           std::tuple{"large-text", 15.6}, std::tuple{"high-contrast", 15.6}),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, double>>& param_info) {
                           std::string n = std::get<0>(param_info.param);
                           for (char& c : n) c = c == '-' ? '_' : c;
                           const int tenths = static_cast<int>(std::lround(std::get<1>(param_info.param) * 10));
                           return n + "_" + std::to_string(tenths / 10) + "_" + std::to_string(tenths % 10) + "_inch";
                         });

}  // namespace
