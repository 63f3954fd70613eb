// The kiosk's voice in audio mode: says utterances on its own thread so the screen never waits
// for speech. A new say() cuts whatever is being said or waiting. Without an audio device (or with
// --audio-out) each say() becomes one WAV file with a .txt beside it: one "language<TAB>text" line
// per utterance, so tests and staff can check what was said (in the fallback folder, only the
// latest 200).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio_guide.hpp"

namespace guichet::kiosk {

class AudioOut;
class SpeechEngine;

class Speaker {
 public:
  // `wav_dir` empty: the audio device, or WAV files in `fallback_dir` when there is none. The
  // speech engine starts on the first say().
  Speaker(std::string wav_dir, std::string fallback_dir);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  void say(std::vector<Utterance> utterances);
  void stop();  // silence now
  // Utterances said so far (written or queued for the device): for tests and the self-check.
  std::uint64_t said() const;

 private:
  void loop();
  void speak(const std::vector<Utterance>& utterances, std::uint64_t generation);
  static void prune(const std::string& dir);

  std::string wav_dir_, fallback_dir_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::vector<Utterance>> pending_;
  std::uint64_t generation_ = 0;  // bumped by say() and stop(): older work is dropped
  std::uint64_t said_ = 0;
  bool quit_ = false;
  bool silence_ = false;                  // stop() asked to cut the device
  bool failed_ = false;                   // speech could not start: said once on stderr, not again
  std::unique_ptr<SpeechEngine> engine_;  // the worker's only
  std::unique_ptr<AudioOut> out_;
  std::thread thread_;  // started once everything above exists
};

}  // namespace guichet::kiosk
