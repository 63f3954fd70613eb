// Audio mode at the real kiosk: a citizen who cannot read the screen turns it on (the speaker
// switch, or a key) and takes a token with Previous / Next / Select alone, in English, Hindi and
// Urdu. What is said is checked from the WAV files the kiosk writes (--audio-out) and the text
// beside each: on the start screen how audio mode works in each of the centre's languages, each in
// its own voice; then the screen's title and the option in focus, in the citizen's language, each
// language's name in its own voice, a tile's detail after its label (a closed service says when it
// opens), the token number as people say it; the sound is not silent; the token is issued and
// printed; the next citizen starts with audio mode off. In Urdu the screen is mirrored: Back and
// the bar's Previous are on the right (read back from the automation's rectangles), and the Left
// arrow key goes to the next option.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "audio_guide.hpp"
#include "guichet/text/locale_format.hpp"
#include "i18n.hpp"
#include "kiosk_harness.hpp"
#include "pin.hpp"
#include "speech.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

struct Line {
  std::string language, text;
};
using Said = std::vector<Line>;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string describe(const Said& s) {
  std::string out;
  for (const auto& l : s) out += "[" + l.language + "] " + l.text + " | ";
  return out;
}

class KioskAudioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    auto t = kiosk::load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    translations_ = std::move(t).value();
    speech_ = work_ / "speech";
    shots_ = screenshot_dir(work_ / "shots");
    std::vector<std::string> args = {"--server",         centre_.url(),
                                     "--device",         "K1",
                                     "--secret-file",    centre_.secret_file("K1").string(),
                                     "--data-dir",       (work_ / "kiosk-data").string(),
                                     "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
                                     "--admin-pin-hash", kiosk::hash_pin("2468").value(),
                                     "--audio-out",      speech_.string(),
                                     "--size",           "1280x800"};
    k_ = std::make_unique<KioskProcess>("guichet-kiosk", args, work_.path());
    ASSERT_EQ(k_->cmd("wait_text \"Touch your language\" 15000"), "ok") << k_->stderr_text();
  }

  // The .txt files beside the WAVs, oldest first (their names count up).
  std::vector<fs::path> spoken_files() const {
    std::vector<fs::path> out;
    if (!fs::exists(speech_)) return out;
    for (const auto& e : fs::directory_iterator(speech_)) {
      if (e.path().extension() == ".txt") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static Said parse(const std::string& text) {
    Said said;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(pos, end - pos);
      const auto tab = line.find('\t');
      if (tab != std::string::npos) said.push_back({line.substr(0, tab), line.substr(tab + 1)});
      pos = end + 1;
    }
    return said;
  }

  // Waits for the next utterance the kiosk writes after the ones seen so far.
  Said next_said() {
    std::vector<fs::path> files;
    const bool came = test::wait_until(
        [&] {
          files = spoken_files();
          return files.size() > seen_;
        },
        15s);
    if (!came) {
      ADD_FAILURE() << "nothing said within 15 s\n" << k_->screen() << k_->stderr_text();
      return {};
    }
    seen_ = files.size();
    last_wav_ = fs::path(files.back()).replace_extension(".wav");
    said_wavs_.push_back(last_wav_);
    last_ = parse(read_all(files.back()));
    return last_;
  }

  // A bar control's label in `lang`, as drawn: the arrows point the other way in Urdu, whose
  // screen is mirrored.
  std::string bar_label(const std::string& lang, const std::string& which) const {
    const kiosk::Tr t(translations_, lang);
    const bool rtl = lang == "ur";
    const std::string left = "\u2190", right = "\u2192";
    if (which == "Next") return t.trc("audio guide", "Next option") + " " + (rtl ? left : right);
    if (which == "Previous") return (rtl ? right : left) + " " + t.trc("audio guide", "Previous option");
    return t.trc("audio guide", which);
  }

  // Taps a control of the audio bar by its label in `lang` (this is how the citizen moves).
  void bar(const std::string& lang, const std::string& which) {
    ASSERT_EQ(k_->cmd("tap " + kiosk_test::quoted(bar_label(lang, which))), "ok") << k_->screen();
  }

  // Where the automation saw the control `label` (the first with it), from a dump.
  std::optional<ui::Rect> rect_of(const std::string& label) {
    k_->screen();
    const std::string head = "| control " + kiosk_test::quoted(label) + " ";
    for (const auto& line : k_->dumped) {
      if (line.rfind(head, 0) != 0) continue;
      std::istringstream in(line.substr(head.size()));
      ui::Rect r;
      if (in >> r.x >> r.y >> r.w >> r.h) return r;
    }
    return std::nullopt;
  }

  // An option as said: its label, then its detail when it has one.
  static bool says_option(const Line& l, const std::string& lang, const std::string& text) {
    return l.language == lang && (l.text == text || l.text.rfind(text + ". ", 0) == 0);
  }

  // Moves the focus with Next (Previous when `back`) until the option said is `text` in `lang`
  // (at most 12 steps).
  void focus_on(const std::string& lang, const std::string& text, bool keys = false, bool back = false) {
    for (int i = 0; i < 12; ++i) {
      if (!last_.empty() && says_option(last_.back(), lang, text)) return;
      if (keys) {
        // Down is the next option, Up the previous one, in every direction.
        ASSERT_EQ(k_->cmd(back ? "key Up" : "key Down"), "ok");
      } else {
        bar(session_lang_, back ? "Previous" : "Next");
      }
      const Said s = next_said();
      ASSERT_EQ(s.size(), 1u) << "a focus change says the option only: " << describe(s);
    }
    FAIL() << "Next never reached [" << lang << "] " << text << "; last said: " << describe(last_);
  }

  void select(bool keys) {
    if (keys) {
      ASSERT_EQ(k_->cmd("key Return"), "ok");
    } else {
      bar(session_lang_, "Select");
    }
  }

  // The start screen: how audio mode works in each of the centre's languages in that language's
  // voice (the kiosk's first language first), then the first language's name.
  void expect_start_screen() {
    const Said s = next_said();
    Said want;
    for (const std::string lang : {"en", "pa", "hi", "ur", "fr"}) {
      const std::string how = kiosk::Tr(translations_, lang)
                                  .tr("Choose your language. Press Next option to hear each language, then Select.");
      want.push_back({lang, how});
    }
    ASSERT_EQ(s.size(), want.size() + 1) << describe(s);
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(s[i].language, want[i].language) << describe(s);
      EXPECT_EQ(s[i].text, want[i].text) << describe(s);
      if (i > 0) {
        EXPECT_NE(s[i].text, want[0].text) << "translated into " << want[i].language;
      }
    }
    EXPECT_EQ(s.back().language, "en");
    EXPECT_EQ(s.back().text, "English");
  }

  // A new screen: its title, then its first option, both in `lang`.
  void expect_screen(const std::string& lang, const std::string& title) {
    const Said s = next_said();
    ASSERT_EQ(s.size(), 2u) << describe(s);
    EXPECT_EQ(s[0].language, lang) << describe(s);
    EXPECT_EQ(s[0].text, title) << describe(s);
    EXPECT_EQ(s[1].language, lang) << describe(s);
  }

  json waiting(const std::string& service) {
    sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
    auto r = api.get("/api/v1/queue?service=" + service);
    EXPECT_TRUE(r.ok()) << r.body;
    return r.ok() ? json::parse(r.body)["waiting"] : json::array();
  }

  // One citizen from the language screen to a printed token, with the bar's controls (or the
  // keyboard's arrows and Return when `keys`), and the next citizen's start screen after it.
  void take_token(const std::string& lang, const std::string& language_name, bool keys, int job) {
    SCOPED_TRACE(lang);
    const kiosk::Tr t(translations_, lang);
    const kiosk::Tr en(translations_, "en");
    session_lang_ = "en";  // the start screen's bar is in the kiosk's first language
    if (keys) {
      ASSERT_EQ(k_->cmd("key Tab"), "ok");  // any arrow or Tab turns audio mode on
    } else {
      ASSERT_EQ(k_->cmd("tap " + kiosk_test::quoted(en.trc("audio guide", "Listen"))), "ok") << k_->screen();
    }
    // The start screen: how it works in every language, then the first language, in English.
    expect_start_screen();
    ASSERT_EQ(k_->cmd("screenshot " + kiosk_test::quoted((shots_ / ("audio-start-" + lang + ".png")).string())), "ok");
    // Each language's name in that language's voice.
    focus_on(lang, language_name, keys);
    select(keys);
    session_lang_ = lang;

    expect_screen(lang, t.tr("What would you like to do?"));
    EXPECT_EQ(last_[1].text, t.tr("Take a token") + ". " + t.tr("Wait for your turn at a counter"))
        << "the first option, then its detail";
    if (lang == "ur") {
      // Mirrored, the next option is to the left: the Left arrow key goes to it, Right comes back.
      ASSERT_EQ(k_->cmd("key Left"), "ok");
      Said s = next_said();
      ASSERT_EQ(s.size(), 1u) << describe(s);
      EXPECT_TRUE(says_option(s[0], lang, t.tr("File an application"))) << describe(s);
      ASSERT_EQ(k_->cmd("key Right"), "ok");
      s = next_said();
      ASSERT_EQ(s.size(), 1u) << describe(s);
      EXPECT_TRUE(says_option(s[0], lang, t.tr("Take a token"))) << describe(s);
    }
    select(keys);
    expect_screen(lang, t.tr("Which service do you need?"));
    expect_mirrored(lang);
    // A closed service is gone through too: its name, then that it is closed and when it opens
    // (the centre's clock starts at 09:30 on a Monday; marriage registration opens at 10:00).
    // Select does not choose it: it is said again.
    focus_on(lang, marriage_name(lang), keys);
    const std::string closed =
        marriage_name(lang) + ". " + t.tr("Closed now, opens at {time}", {{"time", text::format_time(lang, 10, 0)}});
    EXPECT_EQ(last_.back().text, closed) << describe(last_);
    select(keys);
    const Said again = next_said();
    ASSERT_EQ(again.size(), 1u) << describe(again);
    EXPECT_EQ(again[0].text, closed);
    EXPECT_EQ(again[0].language, lang);
    focus_on(lang, service_name(lang), keys, true);
    ASSERT_EQ(k_->cmd("screenshot " + kiosk_test::quoted((shots_ / ("audio-services-" + lang + ".png")).string())),
              "ok");
    select(keys);
    expect_screen(lang, t.tr("Does a priority category apply to you?"));
    focus_on(lang, t.tr("No, none of these"), keys);
    select(keys);

    // Printing, then the token: its number as people say it, in the citizen's language.
    Said result;
    const std::string taken = t.tr("Please take your token {number}");
    const std::string taken_start = taken.substr(0, taken.find('{'));
    for (int i = 0; i < 4 && (result.empty() || result[0].text.find(taken_start) == std::string::npos); ++i) {
      result = next_said();
    }
    ASSERT_FALSE(result.empty());
    json w = waiting("birth-certificate");
    ASSERT_EQ(w.size(), static_cast<std::size_t>(job)) << w.dump();
    const std::string display = w.back()["display"];
    EXPECT_EQ(w.back()["language"], lang);
    EXPECT_EQ(result[0].language, lang) << describe(result);
    const std::string spoken = kiosk::spoken_display_number(display);
    EXPECT_NE(spoken, display) << "the number has leading zeros to drop";
    EXPECT_NE(result[0].text.find(t.tr("Please take your token {number}", {{"number", spoken}})), std::string::npos)
        << describe(result);
    EXPECT_EQ(result[0].text.find(display), std::string::npos) << "never digit by digit: " << describe(result);
    ASSERT_EQ(result.size(), 2u) << describe(result);
    EXPECT_EQ(result[1].text, t.tr("Done"));
    // The slip came out with the number.
    ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_bin(job)); }, 10s)) << sim_->log();
    EXPECT_NE(read_all(sim_->job_bin(job)).find(display), std::string::npos);

    // Done: the next citizen's start screen, audio mode off, nothing more said.
    select(keys);
    ASSERT_EQ(k_->cmd("wait_text \"Touch your language\""), "ok") << k_->screen();
    ASSERT_EQ(k_->cmd("sleep 600"), "ok");
    EXPECT_EQ(spoken_files().size(), seen_) << "silent for the next citizen";
    EXPECT_EQ(k_->cmd("expect_no_text " + kiosk_test::quoted(en.trc("audio guide", "Select"))), "ok") << "no audio bar";
    EXPECT_NE(k_->screen().find(kiosk_test::quoted(en.trc("audio guide", "Listen"))), std::string::npos)
        << "the switch is there";
  }

  std::string marriage_name(const std::string& lang) {
    if (lang == "hi") return "विवाह पंजीकरण";
    if (lang == "ur") return "شادی کی رجسٹریشن";
    return "Marriage registration";
  }

  // The screen is mirrored in Urdu and not in English or Hindi: Back bottom right (left), the
  // first service at the top right (left), the bar's Previous right (left) of its Next.
  void expect_mirrored(const std::string& lang) {
    const bool rtl = lang == "ur";
    const kiosk::Tr t(translations_, lang);
    const std::string back = std::string(rtl ? "\u2192 " : "\u2190 ") + t.tr("Back");
    const auto b = rect_of(back), first = rect_of(service_name(lang)), second = rect_of(service_name2(lang));
    const auto prev = rect_of(bar_label(lang, "Previous")), next = rect_of(bar_label(lang, "Next"));
    ASSERT_TRUE(b && first && second && prev && next) << k_->screen();
    const float middle = 1280 / 2.0f;
    EXPECT_EQ(b->cx() > middle, rtl) << "Back at x " << b->x;
    EXPECT_EQ(first->cx() > middle, rtl) << "the first service at x " << first->x;
    EXPECT_EQ(first->cx() > second->cx(), rtl) << "the second service after the first";
    EXPECT_EQ(prev->cx() > next->cx(), rtl) << "Previous at x " << prev->x << ", Next at x " << next->x;
  }

  std::string service_name2(const std::string& lang) {
    if (lang == "hi") return "मृत्यु प्रमाण पत्र";
    if (lang == "ur") return "وفات کا سرٹیفکیٹ";
    return "Death certificate";
  }

  std::string service_name(const std::string& lang) {
    if (lang == "hi") return "जन्म प्रमाण पत्र";
    if (lang == "ur") return "پیدائش کا سرٹیفکیٹ";
    return "Birth certificate";
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"kiosk-audio"};
  std::unique_ptr<test::SimProcess> sim_;
  std::unique_ptr<KioskProcess> k_;
  std::string kiosk_secret_;
  text::Translations translations_;
  fs::path speech_;
  fs::path shots_;
  std::size_t seen_ = 0;
  Said last_;
  fs::path last_wav_;
  std::vector<fs::path> said_wavs_;
  std::string session_lang_ = "en";
};

}  // namespace

TEST_F(KioskAudioTest, TakesATokenWithPreviousNextAndSelectOnly) {
  take_token("hi", "हिन्दी", false, 1);
  take_token("ur", "اردو", false, 2);
  take_token("en", "English", true, 3);

  // Every utterance is a WAV with speech in it, not silence.
  ASSERT_FALSE(said_wavs_.empty());
  for (const auto& w : said_wavs_) {
    auto pcm = kiosk::read_wav(w.string());
    ASSERT_TRUE(pcm.ok()) << pcm.error();
    double sum = 0;
    for (auto s : pcm.value().samples) sum += static_cast<double>(s) * s;
    const double rms = std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, pcm.value().samples.size())));
    EXPECT_GT(pcm.value().seconds(), 0.3) << w;
    EXPECT_GT(rms, 300) << w << " is silent";
  }

  // Previous goes back, and Repeat says the screen again.
  ASSERT_EQ(k_->cmd("tap \"Listen\""), "ok");
  Said start = next_said();
  ASSERT_EQ(start.size(), 6u) << describe(start);
  bar("en", "Previous");
  Said back = next_said();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].language, "fr") << "round to the last language: " << describe(back);
  EXPECT_EQ(back[0].text, "Français");
  bar("en", "Repeat");
  Said again = next_said();
  ASSERT_EQ(again.size(), start.size()) << describe(again);
  EXPECT_EQ(again[0].text, start[0].text);
  EXPECT_EQ(again.back().text, "Français");
  // The switch again turns it off.
  ASSERT_EQ(k_->cmd("tap \"Listen\""), "ok");
  ASSERT_EQ(k_->cmd("sleep 300"), "ok");
  EXPECT_EQ(k_->cmd("expect_no_text \"Repeat\""), "ok");

  EXPECT_EQ(k_->cmd("quit"), "ok");
  EXPECT_EQ(k_->wait_exit(10s), 0);
}
