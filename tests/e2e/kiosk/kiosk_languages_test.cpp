// The token flow in each of the five languages at the real kiosk: the citizen touches their
// language by its name in its own script, then every screen of the session is in that language
// (checked on the automation's record of the UTF-8 text drawn), numbers follow the language, the
// slip comes out with the token number and a QR code holding the token's id, and the language
// goes back to the default when the kiosk is left idle.
#include <fstream>
#include <iterator>

#include "../../unit/hardware/receipt_test_support.hpp"
#include "format.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "i18n.hpp"
#include "kiosk_harness.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

struct Language {
  const char* code;
  const char* tile;      // the language tile, in its own script
  const char* service;   // "Birth certificate" in the catalogue, in that language
  const char* question;  // "Which service do you need?", written here so the .po is checked too
};

const Language kLanguages[] = {
    {"en", "English", "Birth certificate", "Which service do you need?"},
    {"pa", "ਪੰਜਾਬੀ", "ਜਨਮ ਸਰਟੀਫਿਕੇਟ", "ਤੁਹਾਨੂੰ ਕਿਹੜੀ ਸੇਵਾ ਚਾਹੀਦੀ ਹੈ?"},
    {"hi", "हिन्दी", "जन्म प्रमाण पत्र", "आपको कौन सी सेवा चाहिए?"},
    {"ur", "اردو", "پیدائش کا سرٹیفکیٹ", "آپ کو کون سی خدمت چاہیے؟"},
    {"fr", "Français", "Acte de naissance", "De quel service avez-vous besoin ?"},
};

// The text of a sentence before its first placeholder: what wait_text can look for.
std::string before_placeholder(const std::string& s) { return s.substr(0, s.find('{')); }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class KioskLanguagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    shots_ = screenshot_dir(work_ / "shots");
    auto t = kiosk::load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    translations_ = std::move(t).value();
  }

  std::unique_ptr<KioskProcess> start_kiosk(int idle_timeout) {
    std::vector<std::string> args = {"--server",         centre_.url(),
                                     "--device",         "K1",
                                     "--secret-file",    centre_.secret_file("K1").string(),
                                     "--data-dir",       (work_ / "kiosk-data").string(),
                                     "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--admin-pin-hash", kiosk::hash_pin("2468").value(),
                                     "--idle-timeout",   std::to_string(idle_timeout),
                                     "--size",           "1280x800"};
    auto k = std::make_unique<KioskProcess>("guichet-kiosk-" + std::to_string(++kiosks_), args, work_.path());
    EXPECT_EQ(k->cmd("wait_text \"Touch your language\" 15000"), "ok") << k->stderr_text();
    return k;
  }

  json waiting(const std::string& service) {
    sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
    auto r = api.get("/api/v1/queue?service=" + service);
    EXPECT_TRUE(r.ok()) << r.body;
    return r.ok() ? json::parse(r.body)["waiting"] : json::array();
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-languages"};
  std::unique_ptr<test::SimProcess> sim_;
  std::string kiosk_secret_;
  text::Translations translations_;
  fs::path shots_;
  int kiosks_ = 0;
};

}  // namespace

TEST_F(KioskLanguagesTest, TakesATokenInEachLanguage) {
  auto k = start_kiosk(120);
  // The start screen names every language in its own script and asks in every language.
  const std::string start = k->screen();
  for (const auto& l : kLanguages) {
    EXPECT_NE(start.find(l.tile), std::string::npos) << l.code << "\n" << start;
    const std::string ask = kiosk::Tr(translations_, l.code).tr("Touch your language");
    EXPECT_NE(start.find(ask), std::string::npos) << l.code << ": " << ask << "\n" << start;
  }

  int job = 0;
  for (const auto& l : kLanguages) {
    SCOPED_TRACE(l.code);
    const kiosk::Tr t(translations_, l.code);
    if (std::string(l.code) != "en") {
      // The catalogue really translates what this test looks for.
      ASSERT_NE(t.tr("Take a token"), "Take a token");
    }
    ASSERT_EQ(t.tr("Which service do you need?"), l.question);

    ASSERT_EQ(k->cmd("tap " + quoted(l.tile)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("Take a token"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(l.question)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / (std::string("services-") + l.code + ".png")).string())), "ok");
    if (std::string(l.code) != "en") {
      EXPECT_EQ(k->cmd("expect_no_text \"Which service do you need?\""), "ok") << "no English left on the screen";
    }
    ASSERT_EQ(k->cmd("tap " + quoted(l.service)), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(t.tr("Does a priority category apply to you?"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("No, none of these"))), "ok") << k->screen();
    const std::string taken = before_placeholder(t.tr("Please take your token {number}"));
    ASSERT_EQ(k->cmd("wait_text " + quoted(taken) + " 15000"), "ok") << k->screen();
    ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / (std::string("token-") + l.code + ".png")).string())), "ok");
    const std::string screen = k->screen();

    // The newest waiting token is this citizen's, with their language.
    json w = waiting("birth-certificate");
    ASSERT_EQ(w.size(), static_cast<std::size_t>(job + 1)) << w.dump();
    const json& mine = w.back();
    EXPECT_EQ(mine["language"], l.code);
    const std::string id = mine["id"], display = mine["display"];
    EXPECT_NE(screen.find(t.tr("Please take your token {number}", {{"number", display}})), std::string::npos) << screen;
    // The wait in words and numbers of the language: nobody ahead for the first citizen, then
    // one more each time (a plural form of the language).
    const std::string ahead =
        job == 0 ? t.tr("You are next") : t.trn("{n} person before you", "{n} people before you", job);
    EXPECT_NE(screen.find(ahead), std::string::npos) << ahead << "\n" << screen;

    // The slip: the token number in the printed text, the QR code of the rendered page is the id.
    ++job;
    ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(job)); }, 10s)) << sim_->log();
    EXPECT_NE(read_all(sim_->job_bin(job)).find(display), std::string::npos) << "token " << display;
    auto png = hardware::escpos_render::read_png(sim_->job_png(job));
    ASSERT_TRUE(png.ok()) << png.error().message;
    EXPECT_EQ(test::decode_qr(png.value()), id);
    fs::copy_file(sim_->job_png(job), shots_ / (std::string("slip-") + l.code + ".png"),
                  fs::copy_options::overwrite_existing);

    // The next citizen starts again at the language screen.
    ASSERT_EQ(k->cmd("tap " + quoted(t.tr("Done"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok") << k->screen();
  }
  // French slips are in French: their labels print in the printer's Latin code page.
  EXPECT_NE(read_all(sim_->job_bin(5)).find("Attente estim"), std::string::npos);
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}

TEST_F(KioskLanguagesTest, TheLanguageGoesBackToTheDefaultWhenIdle) {
  auto k = start_kiosk(5);  // the shortest the kiosk accepts
  ASSERT_EQ(k->cmd("tap \"ਪੰਜਾਬੀ\""), "ok");
  const kiosk::Tr pa(translations_, "pa");
  ASSERT_EQ(k->cmd("tap " + quoted(pa.tr("Take a token"))), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text " + quoted(pa.tr("Which service do you need?"))), "ok") << k->screen();
  // Nobody touches the screen: the session ends and the next citizen starts in the default.
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\" 20000"), "ok") << k->screen();
  EXPECT_EQ(k->cmd("expect_no_text " + quoted(pa.tr("Which service do you need?"))), "ok");
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Take a token\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"Which service do you need?\""), "ok") << k->screen();
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
}

namespace {

// The x position of the control labelled exactly `label` in a dump, or -1.
float control_x(const std::string& dump, const std::string& label) {
  const std::string needle = "| control " + quoted(label) + " ";
  auto at = dump.find(needle);
  if (at == std::string::npos) return -1;
  return std::stof(dump.substr(at + needle.size()));
}

}  // namespace

TEST_F(KioskLanguagesTest, FormFieldsTakeTheLanguagesKeyboard) {
  // Hindi: the first question of the birth-certificate form (a name) gets the Devanagari keys.
  {
    auto k = start_kiosk(120);
    const kiosk::Tr hi(translations_, "hi");
    ASSERT_EQ(k->cmd("tap \"हिन्दी\""), "ok");
    ASSERT_EQ(k->cmd("tap " + quoted(hi.tr("File an application"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text " + quoted(hi.tr("Which service are you applying for?"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap \"जन्म प्रमाण पत्र\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text \"बच्चे का पूरा नाम\""), "ok") << k->screen();
    // न म स ् त े: consonants, then the virama and the vowel sign on their dotted circles.
    for (const char* key : {"न", "म", "स", "\u25CC\u094D", "त", "\u25CC\u0947"}) {
      ASSERT_EQ(k->cmd("tap " + quoted(key)), "ok") << key << "\n" << k->screen();
    }
    ASSERT_EQ(k->cmd("wait_text \"नमस्ते\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "keyboard-hi.png").string())), "ok");
    // Erase takes back the last key only: the vowel sign.
    ASSERT_EQ(k->cmd("tap " + quoted(hi.tr("Erase"))), "ok");
    ASSERT_EQ(k->cmd("wait_text \"नमस्त\""), "ok");
    EXPECT_EQ(k->cmd("expect_no_text \"नमस्ते\""), "ok");
    // To Latin letters and back; a physical keyboard types too.
    ASSERT_EQ(k->cmd("tap \"ABC\""), "ok");
    ASSERT_EQ(k->cmd("tap \"Q\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("type \"a\""), "ok");
    ASSERT_EQ(k->cmd("wait_text \"नमस्तqa\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap \"हिन्दी\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap \"क\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text \"नमस्तqaक\""), "ok") << k->screen();
    EXPECT_EQ(k->cmd("quit"), "ok");
    EXPECT_EQ(k->wait_exit(10s), 0);
  }
  // Urdu: the keys run right to left and the letters are typed in logical order.
  {
    auto k = start_kiosk(120);
    const kiosk::Tr ur(translations_, "ur");
    ASSERT_EQ(k->cmd("tap \"اردو\""), "ok");
    ASSERT_EQ(k->cmd("tap " + quoted(ur.tr("File an application"))), "ok") << k->screen();
    ASSERT_EQ(k->cmd("tap \"پیدائش کا سرٹیفکیٹ\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("wait_text \"بچے کا پورا نام\""), "ok") << k->screen();
    const std::string screen = k->screen();
    const float alif = control_x(screen, "ا"), be = control_x(screen, "ب");
    ASSERT_GE(alif, 0) << screen;
    ASSERT_GE(be, 0) << screen;
    EXPECT_GT(alif, be) << "the first letter is at the right";
    for (const char* key : {"ا", "ر", "د", "و"}) ASSERT_EQ(k->cmd("tap " + quoted(key)), "ok") << key;
    ASSERT_EQ(k->cmd("wait_text \"اردو\""), "ok") << k->screen();
    ASSERT_EQ(k->cmd("screenshot " + quoted((shots_ / "keyboard-ur.png").string())), "ok");
    EXPECT_EQ(k->cmd("quit"), "ok");
    EXPECT_EQ(k->wait_exit(10s), 0);
  }
}
