#include "speech.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "guichet/testing/process.hpp"

using namespace guichet::kiosk;

namespace {
double rms(const std::vector<std::int16_t>& s, std::size_t from, std::size_t to) {
  double sum = 0;
  for (std::size_t i = from; i < to && i < s.size(); ++i) sum += static_cast<double>(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, to - from)));
}
}  // namespace

TEST(Speech, ChimeIsAudibleAndDecays) {
  Pcm c = make_chime(22050);
  EXPECT_EQ(c.sample_rate, 22050);
  EXPECT_NEAR(c.seconds(), 1.6, 0.01);
  double start = rms(c.samples, 0, 4410);
  double end = rms(c.samples, c.samples.size() - 2205, c.samples.size());
  EXPECT_GT(start, 3000);
  EXPECT_LT(end, start / 5);
}

TEST(Speech, WavRoundTrip) {
  guichet::testing::TempDir dir("kiosk-wav");
  Pcm p;
  p.sample_rate = 16000;
  p.samples = {0, 1000, -1000, 32767, -32768, 5};
  auto path = (dir / "x.wav").string();
  ASSERT_TRUE(write_wav(path, p).ok());
  auto back = read_wav(path);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back.value().sample_rate, 16000);
  EXPECT_EQ(back.value().samples, p.samples);
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  std::ofstream(dir / "bad.wav") << "RIFFxxxxWAVE";
  EXPECT_FALSE(read_wav((dir / "bad.wav").string()).ok());
}

TEST(Speech, SpeaksEachLanguage) {
  auto engine = SpeechEngine::create();
  ASSERT_TRUE(engine.ok()) << engine.error();
  guichet::text::Translations s;
  for (const char* lang : {"en", "hi", "pa", "fr"}) {
    auto a = make_announcement(s, lang, "A", 42, 5, false);
    auto pcm = engine.value()->speak(lang, a.ssml);
    ASSERT_TRUE(pcm.ok()) << lang << ": " << pcm.error();
    EXPECT_GT(pcm.value().seconds(), 1.0) << lang;
    EXPECT_LT(pcm.value().seconds(), 8.0) << lang;
    EXPECT_GT(rms(pcm.value().samples, 0, pcm.value().samples.size()), 500) << lang << " is silent";
  }
  EXPECT_FALSE(engine.value()->speak("zz-nonexistent", "<speak>x</speak>").ok());
}

TEST(Speech, AudioOutWritesNumberedWavFiles) {
  guichet::testing::TempDir dir("kiosk-audio");
  auto out = AudioOut::open((dir / "wav").string(), "", 22050);
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(out.value()->to_files());
  Pcm c = make_chime(22050);
  auto first = out.value()->play(c, "A042");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first.value().ends_with("announcement-0001-A042.wav")) << first.value();
  out.value().reset();
  auto again = AudioOut::open((dir / "wav").string(), "", 22050);
  ASSERT_TRUE(again.ok());
  auto second = again.value()->play(c, "B007");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second.value().ends_with("announcement-0002-B007.wav")) << "numbering continues after a restart";
  auto back = read_wav(second.value());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value().samples.size(), c.samples.size());
}
