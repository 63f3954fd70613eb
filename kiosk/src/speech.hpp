// Sound for the display board: a chime and the spoken announcement (espeak-ng, offline), played
// on the SDL audio device, or written as WAV files when there is none (or when asked), so tests and
// the headless demo can check what was said.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "announce.hpp"
#include "guichet/domain/result.hpp"
#include "problem.hpp"

namespace guichet::kiosk {

struct Pcm {
  int sample_rate = 22050;
  std::vector<std::int16_t> samples;  // mono
  double seconds() const { return sample_rate ? static_cast<double>(samples.size()) / sample_rate : 0; }
};

// A two-note chime ("ding-dong") that draws attention before the voice.
Pcm make_chime(int sample_rate);

// 16-bit mono PCM WAV.
domain::Result<bool, std::string> write_wav(const std::string& path, const Pcm& pcm);
domain::Result<Pcm, std::string> read_wav(const std::string& path);

// espeak-ng, initialised once per process; not thread-safe: use from one thread.
class SpeechEngine {
 public:
  static domain::Result<std::unique_ptr<SpeechEngine>, std::string> create();
  ~SpeechEngine();
  int sample_rate() const { return sample_rate_; }
  // Speaks SSML in the voice of `language`.
  domain::Result<Pcm, std::string> speak(const std::string& language, const std::string& ssml);
  // espeak-ng's phoneme mnemonics for plain text (how it will pronounce it).
  domain::Result<std::string, Problem> phonemes(const std::string& language, const std::string& text);

 private:
  SpeechEngine() = default;
  bool select_voice(const std::string& language);
  int sample_rate_ = 22050;
};

// Where announcements go: the SDL audio device, or WAV files in a folder.
class AudioOut {
 public:
  // `wav_dir` empty: the audio device, falling back to `fallback_dir` when there is none.
  static domain::Result<std::unique_ptr<AudioOut>, std::string> open(const std::string& wav_dir,
                                                                     const std::string& fallback_dir, int sample_rate);
  ~AudioOut();
  // Plays (queues) the sound or writes it as <dir>/announcement-NNNN-<name>.wav; returns the
  // file written, or "" when played.
  domain::Result<std::string, Problem> play(const Pcm& pcm, const std::string& name);
  // Drops what the device has not played yet (a new utterance cuts the one being said).
  void clear();
  bool to_files() const { return device_ == 0; }
  const std::string& dir() const { return dir_; }

 private:
  AudioOut() = default;
  std::uint32_t device_ = 0;
  std::string dir_;
  int counter_ = 0;
};

}  // namespace guichet::kiosk
