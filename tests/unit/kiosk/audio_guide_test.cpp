// Audio mode's rules (focus order, what is said, in which language), the model's per-citizen
// switch, and the speaker that writes what it says as WAV files with the text beside them.
#include "audio_guide.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/testing/process.hpp"
#include "speaker.hpp"
#include "speech.hpp"

using namespace guichet;
using namespace guichet::kiosk;
using K = Action::Kind;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const domain::Catalogue> demo() {
  static auto cat = [] {
    auto c = config::load_catalogue(GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml");
    EXPECT_TRUE(c.ok());
    return std::make_shared<const domain::Catalogue>(c.value());
  }();
  return cat;
}

const text::Translations& translations() {
  static auto t = [] {
    auto r = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(r).value() : text::Translations{};
  }();
  return t;
}

ui::ScreenItem control(const std::string& label, float x, float y, float w = 100, float h = 80, bool enabled = true) {
  ui::ScreenItem i;
  i.kind = ui::ScreenItem::Kind::Control;
  i.text = label;
  i.rect = {x, y, w, h};
  i.enabled = enabled;
  return i;
}

ui::ScreenItem text_item(const std::string& t, float y) {
  ui::ScreenItem i;
  i.text = t;
  i.rect = {0, y, 500, 40};
  return i;
}

std::vector<std::string> labels(const std::vector<FocusOption>& o) {
  std::vector<std::string> out;
  for (const auto& f : o) out.push_back(f.ref.label + "#" + std::to_string(f.ref.occurrence));
  return out;
}

const Clock::time_point t0{};

bool has_devanagari(const std::string& s) {
  // U+0900–U+097F is E0 A4 80 – E0 A5 BF in UTF-8.
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) == 0xE0 &&
        (static_cast<unsigned char>(s[i + 1]) == 0xA4 || static_cast<unsigned char>(s[i + 1]) == 0xA5))
      return true;
  }
  return false;
}

}  // namespace

TEST(AudioGuide, FocusFollowsReadingOrderAndSkipsWhatCannotBeChosen) {
  // Drawn out of order on purpose: the bottom row first, then the tiles.
  std::vector<ui::ScreenItem> items = {
      control("Back", 0, 900),
      text_item("Which service do you need?", 50),
      control("B", 300, 200, 100, 80),
      control("A", 100, 205, 100, 70),  // same row as B, a little lower
      control("Closed", 500, 200, 100, 80, false),
      control("C", 100, 400),
      control("Staff", 1800, 1000, 64, 64),
      control("Next", 300, 900),
      control("Next", 500, 900),  // a second control with the same label
  };
  auto ltr = focus_order(items, {"Staff"}, false);
  EXPECT_EQ(labels(ltr), (std::vector<std::string>{"A#0", "B#0", "C#0", "Back#0", "Next#0", "Next#1"}));
  auto rtl = focus_order(items, {"Staff"}, true);
  EXPECT_EQ(labels(rtl), (std::vector<std::string>{"B#0", "A#0", "C#0", "Next#1", "Next#0", "Back#0"}));
  // A disabled control still counts for the occurrence of the same label after it.
  items.push_back(control("C", 900, 900, 50, 50, false));
  items.push_back(control("C", 1000, 900));
  auto again = labels(focus_order(items, {}, false));
  EXPECT_EQ(again, (std::vector<std::string>{"A#0", "B#0", "C#0", "Back#0", "Next#0", "Next#1", "C#2", "Staff#0"}));
}

TEST(AudioGuide, ATilesDetailIsSaidAfterItsLabelAndAClosedServiceIsGoneThrough) {
  auto detail = [](const std::string& t, float x, float y) {
    ui::ScreenItem i = text_item(t, y);
    i.rect = {x, y, 300, 40};
    return i;
  };
  const std::vector<ui::ScreenItem> items = {
      control("Birth certificate", 0, 200, 300, 170),
      detail("Civil registration", 0, 300),
      control("Marriage registration", 400, 200, 300, 170, false),
      detail("Closed now, opens at 10:00", 400, 300),
      control("Next", 0, 900, 300, 110, false),
      text_item("Not inside Next", 1000),  // a text after a control, outside it: not its detail
      control("Back", 400, 900, 300, 110),
      text_item("Below Back", 1020),
  };
  const auto o = focus_order(items, {}, false);
  ASSERT_EQ(labels(o), (std::vector<std::string>{"Birth certificate#0", "Marriage registration#0", "Back#0"}))
      << "a disabled control without a detail is left out";
  EXPECT_EQ(o[0].detail, "Civil registration");
  EXPECT_TRUE(o[0].enabled);
  EXPECT_EQ(o[1].detail, "Closed now, opens at 10:00");
  EXPECT_FALSE(o[1].enabled) << "heard, not chosen";
  EXPECT_EQ(o[2].detail, "");

  KioskModel m;
  m.on_catalogue(demo(), false);
  m.apply({K::ChooseLanguage, "ur"}, t0);
  const Utterance u = option_utterance(m.state(), o[1].ref.label, o[1].detail);
  EXPECT_EQ(u.language, "ur");
  EXPECT_EQ(u.text, "Marriage registration. Closed now, opens at 10:00");
  EXPECT_EQ(option_utterance(m.state(), "\u2192 Back", "").text, "Back");
}

TEST(AudioGuide, TheStartScreenSaysHowItWorksInEachLanguage) {
  KioskModel m;
  m.on_catalogue(demo(), false);
  const auto intro = screen_intro(m.state(), translations(), {}, "");
  const std::vector<std::string> langs = {"en", "pa", "hi", "ur", "fr"};
  ASSERT_EQ(demo()->centre.languages, langs);
  ASSERT_EQ(intro.size(), langs.size());
  for (std::size_t i = 0; i < langs.size(); ++i) {
    EXPECT_EQ(intro[i].language, langs[i]);
    EXPECT_EQ(
        intro[i].text,
        Tr(translations(), langs[i]).tr("Choose your language. Press Next option to hear each language, then Select."));
    EXPECT_NE(intro[i].ssml.find("<speak>"), std::string::npos);
  }
  EXPECT_TRUE(has_devanagari(intro[2].text)) << intro[2].text;
  EXPECT_NE(intro[3].text, intro[0].text) << "Urdu has its own words";
  // After the start screen, one title in the citizen's language.
  m.apply({K::ChooseLanguage, "hi"}, t0);
  const auto menu = screen_intro(m.state(), translations(), {}, "");
  ASSERT_EQ(menu.size(), 1u);
  EXPECT_EQ(menu[0].language, "hi");
  EXPECT_EQ(menu[0].text, Tr(translations(), "hi").tr("What would you like to do?"));
}

TEST(AudioGuide, RingGoesRoundAndStartsAgainOnAnotherScreen) {
  FocusRing ring;
  EXPECT_EQ(ring.current(), nullptr);
  EXPECT_EQ(ring.next(), nullptr);
  auto page1 = focus_order({control("A", 0, 0), control("B", 200, 0), control("C", 400, 0)}, {}, false);
  EXPECT_TRUE(ring.update(page1));
  EXPECT_EQ(ring.current()->ref.label, "A");
  EXPECT_EQ(ring.next()->ref.label, "B");
  EXPECT_FALSE(ring.update(page1)) << "the same screen drawn again keeps the focus";
  EXPECT_EQ(ring.current()->ref.label, "B");
  EXPECT_EQ(ring.next()->ref.label, "C");
  EXPECT_EQ(ring.next()->ref.label, "A") << "round from the last to the first";
  EXPECT_EQ(ring.previous()->ref.label, "C") << "and back";
  auto page2 = focus_order({control("D", 0, 0), control("C", 400, 0)}, {}, false);
  EXPECT_TRUE(ring.update(page2));
  EXPECT_EQ(ring.current()->ref.label, "D");
  ring.clear();
  EXPECT_EQ(ring.current(), nullptr);
}

TEST(AudioGuide, SaysLabelsWithoutTheirSymbolsAndNumbersAsPeopleDo) {
  EXPECT_EQ(speakable("\u2190 Back"), "Back");
  EXPECT_EQ(speakable("More services \u2192"), "More services");
  EXPECT_EQ(speakable("\u2713 Easier to see"), "Easier to see");
  EXPECT_EQ(speakable("  हिन्दी  "), "हिन्दी");
  EXPECT_EQ(spoken_display_number("A042"), "A 42");
  EXPECT_EQ(spoken_display_number("AB007"), "AB 7");
  EXPECT_EQ(spoken_display_number("12"), "12");
  EXPECT_EQ(spoken_display_number("A-1"), "A-1") << "not letters then digits: as it is";
  EXPECT_EQ(spoken_display_number_ssml("A042"), "<say-as interpret-as=\"characters\">A</say-as> 42");
  EXPECT_EQ(ssml_of("a < b & c"), "<speak>a &lt; b &amp; c</speak>");
}

TEST(AudioGuide, TitlesAndOptionsInTheCitizensLanguage) {
  KioskModel m;
  m.on_catalogue(demo(), false);
  // The start screen: each language's name in that language's voice.
  auto lang_title = screen_title(m.state(), translations(), {}, "");
  EXPECT_EQ(lang_title.language, "en");
  EXPECT_NE(lang_title.text.find("Choose your language"), std::string::npos);
  EXPECT_EQ(option_utterance(m.state(), "हिन्दी").language, "hi");
  EXPECT_EQ(option_utterance(m.state(), "اردو").language, "ur");
  EXPECT_EQ(option_utterance(m.state(), "English").language, "en");

  m.apply({K::ChooseLanguage, "hi"}, t0);
  auto menu = screen_title(m.state(), translations(), {}, "");
  EXPECT_EQ(menu.language, "hi");
  EXPECT_EQ(menu.text, Tr(translations(), "hi").tr("What would you like to do?"));
  EXPECT_TRUE(has_devanagari(menu.text)) << menu.text;
  auto opt = option_utterance(m.state(), "\u2190 पीछे");
  EXPECT_EQ(opt.language, "hi");
  EXPECT_EQ(opt.text, "पीछे");

  // The token number, read as people say it, in the citizen's language.
  m.apply({K::ChooseMenu, "token"}, t0);
  m.apply({K::ChooseService, demo()->services.back().id}, t0);
  if (m.state().step == Step::Priority) m.apply({K::ChoosePriority, ""}, t0);
  ASSERT_EQ(m.state().step, Step::Issuing);
  IssueResult r;
  r.display_number = "A042";
  r.ahead = 3;
  r.minutes = 12;
  m.on_issue_result(r);
  auto result = screen_title(m.state(), translations(), {}, "");
  EXPECT_EQ(result.language, "hi");
  EXPECT_NE(result.text.find("A 42"), std::string::npos) << result.text;
  EXPECT_EQ(result.text.find("042"), std::string::npos) << result.text;
  EXPECT_TRUE(has_devanagari(result.text)) << result.text;
  EXPECT_NE(result.ssml.find("<say-as interpret-as=\"characters\">A</say-as> 42"), std::string::npos) << result.ssml;

  // A screen without a title of its own: its first text under the centre's name.
  m.apply({K::StartOver, {}}, t0);
  m.apply({K::ChooseLanguage, "en"}, t0);
  m.apply({K::ChooseMenu, "status"}, t0);
  auto other =
      screen_title(m.state(), translations(), {text_item("Centre", 0), text_item("Hold the QR code", 60)}, "Centre");
  EXPECT_EQ(other.text, "Hold the QR code");
  // Nor is the offline mark beside the centre's name a screen's title.
  auto offline = screen_title(m.state(), translations(),
                              {text_item("Centre", 0), text_item("Working offline \u2013 nothing is lost", 0),
                               text_item("Hold the QR code", 60)},
                              "Centre");
  EXPECT_EQ(offline.text, "Hold the QR code");
}

TEST(AudioGuide, AudioModeIsTheCitizensAndEndsWithTheSession) {
  KioskModel m;
  m.on_catalogue(demo(), false);
  EXPECT_FALSE(m.state().audio);
  EXPECT_FALSE(m.idle_applies()) << "the start screen does not time out";
  m.apply({K::SetAudio, ""}, t0);
  EXPECT_TRUE(m.state().audio) << "switched on at the start screen";
  EXPECT_TRUE(m.idle_applies()) << "left on at the start screen, it times out";
  EXPECT_TRUE(m.on_idle());
  EXPECT_FALSE(m.state().audio);
  EXPECT_FALSE(m.on_idle()) << "nothing left to reset";

  m.apply({K::SetAudio, "on"}, t0);
  m.apply({K::ChooseLanguage, "ur"}, t0);
  EXPECT_TRUE(m.state().audio) << "kept for the citizen's whole session";
  m.apply({K::SetAudio, "on"}, t0);
  EXPECT_TRUE(m.state().audio);
  m.apply({K::SetAudio, "bogus"}, t0);
  EXPECT_TRUE(m.state().audio) << "an unknown value changes nothing";
  m.apply({K::StartOver, {}}, t0);
  EXPECT_FALSE(m.state().audio) << "the next citizen starts without it";

  m.apply({K::ChooseLanguage, "en"}, t0);
  m.apply({K::SetAudio, ""}, t0);
  EXPECT_TRUE(m.state().audio);
  EXPECT_TRUE(m.on_idle());
  EXPECT_FALSE(m.state().audio) << "the idle timeout ends it too";

  m.apply({K::OpenStaff, {}}, t0);
  m.apply({K::SetAudio, "on"}, t0);
  EXPECT_FALSE(m.state().audio) << "not on the staff screens";
}

TEST(AudioGuide, SpeakerWritesWhatItSaysAndTheNewestCutsTheRest) {
  guichet::testing::TempDir dir("kiosk-speaker");
  {
    Speaker speaker(dir.path().string(), "");
    speaker.say({Utterance{"en", "Which service do you need?", ssml_of("Which service do you need?")},
                 Utterance{"hi", "हिन्दी", ssml_of("हिन्दी")}});
    for (int i = 0; i < 300 && speaker.said() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(speaker.said(), 1u) << "no speech within 15 s";
    // Many quick changes of focus: the last one is always said, older ones may be cut.
    for (int i = 1; i <= 5; ++i) {
      const std::string text = "Option " + std::to_string(i);
      speaker.say({Utterance{"en", text, ssml_of(text)}});
    }
    for (int i = 0; i < 300; ++i) {
      bool found = false;
      for (const auto& e : fs::directory_iterator(dir.path())) {
        if (e.path().extension() != ".txt") continue;
        std::ifstream in(e.path());
        std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        found = found || s == "en\tOption 5\n";
      }
      if (found) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_LE(speaker.said(), 6u);
    EXPECT_GE(speaker.said(), 2u);
  }
  std::vector<fs::path> wavs, txts;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() == ".wav") wavs.push_back(e.path());
    if (e.path().extension() == ".txt") txts.push_back(e.path());
  }
  std::sort(txts.begin(), txts.end());
  ASSERT_EQ(wavs.size(), txts.size()) << "a .txt beside each WAV";
  ASSERT_GE(txts.size(), 2u);
  std::ifstream first(txts.front());
  std::string said((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());
  EXPECT_EQ(said, "en\tWhich service do you need?\nhi\tहिन्दी\n");
  std::ifstream last(txts.back());
  std::string last_said((std::istreambuf_iterator<char>(last)), std::istreambuf_iterator<char>());
  EXPECT_EQ(last_said, "en\tOption 5\n") << "the newest utterance is the one said last";
  for (const auto& w : wavs) {
    auto pcm = read_wav(w.string());
    ASSERT_TRUE(pcm.ok()) << pcm.error();
    EXPECT_GT(pcm.value().seconds(), 0.3) << w;
    double sum = 0;
    for (auto s : pcm.value().samples) sum += static_cast<double>(s) * s;
    EXPECT_GT(std::sqrt(sum / static_cast<double>(pcm.value().samples.size())), 300) << w << ": not silent";
  }
}

TEST(AudioGuide, WithoutAnAudioDeviceTheSpeakerKeepsOnlyItsLatestFiles) {
  // No audio driver SDL knows: the kiosk's fallback folder takes the speech.
  ASSERT_EQ(setenv("SDL_AUDIODRIVER", "guichet-no-such-driver", 1), 0);
  guichet::testing::TempDir dir("kiosk-speaker-fallback");
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (int i = 0; i < 450; ++i) {
    const fs::path p = dir / ("announcement-old-" + std::to_string(i) + ".txt");
    std::ofstream(p) << "en\told\n";
    fs::last_write_time(p, old);
  }
  {
    Speaker speaker("", dir.path().string());
    speaker.say({Utterance{"en", "Select", ssml_of("Select")}});
    for (int i = 0; i < 300 && speaker.said() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(speaker.said(), 1u);
  }
  unsetenv("SDL_AUDIODRIVER");
  std::size_t files = 0, old_files = 0, new_wavs = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++files;
    const std::string name = e.path().filename().string();
    old_files += name.starts_with("announcement-old-");
    new_wavs += !name.starts_with("announcement-old-") && e.path().extension() == ".wav";
  }
  EXPECT_EQ(files, 400u) << "the latest 200 utterances, a WAV and a .txt each";
  EXPECT_EQ(old_files, 398u) << "the oldest went first";
  EXPECT_EQ(new_wavs, 1u);
}
