#include "speaker.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "speech.hpp"

namespace guichet::kiosk {

Speaker::Speaker(std::string wav_dir, std::string fallback_dir)
    : wav_dir_(std::move(wav_dir)), fallback_dir_(std::move(fallback_dir)) {
  // The device is opened here, on the UI thread, as SDL wants; espeak-ng's rate is 22050 Hz.
  auto out = AudioOut::open(wav_dir_, fallback_dir_, 22050);
  if (out.ok()) {
    out_ = std::move(out).value();
  } else {
    std::cerr << "guichet-kiosk: audio mode cannot be heard: " << out.error() << "\n";
    failed_ = true;
  }
  thread_ = std::thread([this] { loop(); });
}

Speaker::~Speaker() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
    ++generation_;
  }
  cv_.notify_all();
  thread_.join();
}

void Speaker::say(std::vector<Utterance> utterances) {
  {
    std::lock_guard lock(mu_);
    pending_ = std::move(utterances);
    ++generation_;
  }
  cv_.notify_all();
}

void Speaker::stop() {
  {
    std::lock_guard lock(mu_);
    pending_.reset();
    ++generation_;
    silence_ = true;
  }
  cv_.notify_all();
}

std::uint64_t Speaker::said() const {
  std::lock_guard lock(mu_);
  return said_;
}

void Speaker::loop() {
  for (;;) {
    std::vector<Utterance> work;
    std::uint64_t generation = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return quit_ || pending_.has_value() || silence_; });
      if (quit_) return;
      if (silence_) {
        silence_ = false;
        if (out_) out_->clear();  // stop(): cut what the device still plays
      }
      if (!pending_) continue;
      work = std::move(*pending_);
      pending_.reset();
      generation = generation_;
    }
    speak(work, generation);
  }
}

void Speaker::speak(const std::vector<Utterance>& utterances, std::uint64_t generation) {
  auto current = [&] {
    std::lock_guard lock(mu_);
    return generation == generation_ && !quit_;
  };
  if (failed_) return;
  if (!engine_) {
    auto e = SpeechEngine::create();
    if (!e.ok()) {
      std::cerr << "guichet-kiosk: audio mode cannot speak: " << e.error() << "\n";
      failed_ = true;
      return;
    }
    engine_ = std::move(e).value();
  }
  Pcm all;
  all.sample_rate = engine_->sample_rate();
  std::string lines;
  std::string first_language;
  for (const auto& u : utterances) {
    if (u.text.empty()) continue;
    if (!current()) return;  // cut by a newer one: never said
    auto pcm = engine_->speak(u.language, u.ssml);
    if (!pcm.ok()) {
      // A voice espeak-ng lacks: say nothing rather than the words in a wrong voice.
      std::cerr << "guichet-kiosk: audio mode: " << pcm.error() << "\n";
      continue;
    }
    all.samples.insert(all.samples.end(), pcm.value().samples.begin(), pcm.value().samples.end());
    // A short pause between the title and the option.
    all.samples.insert(all.samples.end(), static_cast<std::size_t>(all.sample_rate / 4), 0);
    lines += u.language + "\t" + u.text + "\n";
    if (first_language.empty()) first_language = u.language;
  }
  if (all.samples.empty() || !current()) return;
  out_->clear();  // the new utterance cuts the one the device still plays
  auto played = out_->play(all, "speech-" + first_language);
  if (!played.ok()) {
    std::cerr << "guichet-kiosk: audio mode: " << played.error().message << "\n";
    return;
  }
  if (!played.value().empty()) {
    // The text beside the sound, written after it: a reader that sees the .txt finds the WAV whole.
    std::filesystem::path txt = played.value();
    txt.replace_extension(".txt");
    const std::string part = txt.string() + ".part";
    { std::ofstream(part, std::ios::trunc) << lines; }
    std::error_code ec;
    std::filesystem::rename(part, txt, ec);
    if (ec) std::cerr << "guichet-kiosk: audio mode: cannot write " << txt.string() << ": " << ec.message() << "\n";
  }
  if (wav_dir_.empty() && out_->to_files()) prune(out_->dir());
  std::lock_guard lock(mu_);
  ++said_;
}

void Speaker::prune(const std::string& dir) {
  // A kiosk without an audio device keeps only its latest utterances (a WAV and a .txt each):
  // enough to check what was said, never a disk filling up over the months.
  constexpr std::size_t kKeep = 2 * 200;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename().string().starts_with("announcement-")) files.push_back(e.path());
  }
  if (files.size() <= kKeep) return;
  // Oldest first by time: the numbering starts again lower after a restart.
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> aged;
  for (const auto& f : files) aged.emplace_back(std::filesystem::last_write_time(f, ec), f);
  std::sort(aged.begin(), aged.end());
  for (std::size_t i = 0; i + kKeep < aged.size(); ++i) std::filesystem::remove(aged[i].second, ec);
}

}  // namespace guichet::kiosk
