#include "speech.hpp"

#include <SDL.h>
#include <dlfcn.h>
#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace guichet::kiosk {

Pcm make_chime(int sample_rate) {
  Pcm pcm;
  pcm.sample_rate = sample_rate;
  // Two bell-like notes (E5 then C5), each with a few harmonics and an exponential decay.
  const struct { double freq, start, length; } notes[] = {{659.25, 0.0, 0.9}, {523.25, 0.45, 1.1}};
  const double total = 1.6;
  pcm.samples.assign(static_cast<std::size_t>(total * sample_rate), 0);
  std::vector<double> mix(pcm.samples.size(), 0.0);
  for (const auto& n : notes) {
    auto first = static_cast<std::size_t>(n.start * sample_rate);
    auto count = static_cast<std::size_t>(n.length * sample_rate);
    for (std::size_t i = 0; i < count && first + i < mix.size(); ++i) {
      double t = static_cast<double>(i) / sample_rate;
      double env = std::exp(-3.5 * t) * std::min(1.0, t * 200.0);
      double v = std::sin(2 * M_PI * n.freq * t) + 0.4 * std::sin(2 * M_PI * 2 * n.freq * t) +
                 0.15 * std::sin(2 * M_PI * 3 * n.freq * t);
      mix[first + i] += 0.28 * env * v;
    }
  }
  for (std::size_t i = 0; i < mix.size(); ++i) {
    pcm.samples[i] = static_cast<std::int16_t>(std::clamp(mix[i], -1.0, 1.0) * 32000);
  }
  return pcm;
}

namespace {
void put32(std::ofstream& o, std::uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  o.write(b, 4);
}
void put16(std::ofstream& o, std::uint16_t v) {
  char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  o.write(b, 2);
}
std::uint32_t get32(const unsigned char* p) {
  return p[0] | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
         static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t get16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
}  // namespace

domain::Result<bool, std::string> write_wav(const std::string& path, const Pcm& pcm) {
  std::string tmp = path + ".part";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    if (!o) return "cannot write " + tmp;
    const std::uint32_t data_bytes = static_cast<std::uint32_t>(pcm.samples.size() * 2);
    o.write("RIFF", 4);
    put32(o, 36 + data_bytes);
    o.write("WAVEfmt ", 8);
    put32(o, 16);
    put16(o, 1);  // PCM
    put16(o, 1);  // mono
    put32(o, static_cast<std::uint32_t>(pcm.sample_rate));
    put32(o, static_cast<std::uint32_t>(pcm.sample_rate * 2));
    put16(o, 2);
    put16(o, 16);
    o.write("data", 4);
    put32(o, data_bytes);
    for (auto s : pcm.samples) put16(o, static_cast<std::uint16_t>(s));
    if (!o.flush()) return "cannot write " + tmp;
  }
  // Whole files only: a reader never sees half an announcement.
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return "cannot rename " + tmp + ": " + ec.message();
  return true;
}

domain::Result<Pcm, std::string> read_wav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 44 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0) {
    return path + ": not a WAV file";
  }
  Pcm pcm;
  std::size_t pos = 12;
  bool fmt_ok = false;
  while (pos + 8 <= b.size()) {
    std::uint32_t len = get32(b.data() + pos + 4);
    const unsigned char* body = b.data() + pos + 8;
    if (pos + 8 + len > b.size()) return path + ": truncated chunk";
    if (std::memcmp(b.data() + pos, "fmt ", 4) == 0 && len >= 16) {
      if (get16(body) != 1 || get16(body + 2) != 1 || get16(body + 14) != 16) {
        return path + ": only 16-bit mono PCM is read";
      }
      pcm.sample_rate = static_cast<int>(get32(body + 4));
      fmt_ok = true;
    } else if (std::memcmp(b.data() + pos, "data", 4) == 0) {
      if (!fmt_ok) return path + ": data before fmt";
      pcm.samples.resize(len / 2);
      for (std::size_t i = 0; i < pcm.samples.size(); ++i) {
        pcm.samples[i] = static_cast<std::int16_t>(get16(body + 2 * i));
      }
      return pcm;
    }
    pos += 8 + len + (len & 1);
  }
  return path + ": no data chunk";
}

namespace {
// espeak-ng (with libpcaudio and libsonic) is opened with dlopen the first time a speech engine is
// made, so the kiosk, which never speaks, does not map it at all.
struct Espeak {
  decltype(&espeak_Initialize) initialize = nullptr;
  decltype(&espeak_SetSynthCallback) set_synth_callback = nullptr;
  decltype(&espeak_SetVoiceByName) set_voice_by_name = nullptr;
  decltype(&espeak_SetParameter) set_parameter = nullptr;
  decltype(&espeak_Synth) synth = nullptr;
  decltype(&espeak_Synchronize) synchronize = nullptr;
  decltype(&espeak_TextToPhonemes) text_to_phonemes = nullptr;
};

template <typename F>
bool resolve(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

// Loaded once, never unloaded (espeak-ng keeps global state). Call under SpeechEngine::create's lock.
const Espeak* load_espeak(std::string& error) {
  static Espeak api;
  static bool loaded = false;
  if (loaded) return &api;
  void* lib = dlopen("libespeak-ng.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    error = std::string("espeak-ng could not be loaded: ") + (why ? why : "libespeak-ng.so.1 not found");
    return nullptr;
  }
  Espeak a;
  if (!resolve(lib, "espeak_Initialize", a.initialize) ||
      !resolve(lib, "espeak_SetSynthCallback", a.set_synth_callback) ||
      !resolve(lib, "espeak_SetVoiceByName", a.set_voice_by_name) ||
      !resolve(lib, "espeak_SetParameter", a.set_parameter) || !resolve(lib, "espeak_Synth", a.synth) ||
      !resolve(lib, "espeak_Synchronize", a.synchronize) ||
      !resolve(lib, "espeak_TextToPhonemes", a.text_to_phonemes)) {
    error = "espeak-ng could not be loaded: libespeak-ng.so.1 lacks a function the board needs";
    dlclose(lib);
    return nullptr;
  }
  api = a;
  loaded = true;
  return &api;
}

const Espeak* g_espeak = nullptr;  // set by the first successful SpeechEngine::create

// espeak-ng hands samples to a plain C callback; the one engine of the process collects them here.
std::vector<std::int16_t>* g_sink = nullptr;

int on_samples(short* wav, int count, espeak_EVENT*) {
  if (wav && count > 0 && g_sink) g_sink->insert(g_sink->end(), wav, wav + count);
  return 0;
}
}  // namespace

domain::Result<std::unique_ptr<SpeechEngine>, std::string> SpeechEngine::create() {
  static std::mutex once_mu;
  static int rate = 0;
  std::lock_guard lock(once_mu);
  if (rate <= 0) {
    std::string error;
    const Espeak* api = load_espeak(error);
    if (!api) return error;
    rate = api->initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0) return std::string("espeak-ng could not start (is espeak-ng-data installed?)");
    api->set_synth_callback(on_samples);
    g_espeak = api;
  }
  std::unique_ptr<SpeechEngine> e(new SpeechEngine());
  e->sample_rate_ = rate;
  return e;
}

SpeechEngine::~SpeechEngine() = default;

bool SpeechEngine::select_voice(const std::string& language) {
  return g_espeak->set_voice_by_name(language.c_str()) == EE_OK;
}

domain::Result<Pcm, std::string> SpeechEngine::speak(const std::string& language, const std::string& ssml) {
  if (!select_voice(language)) return "espeak-ng has no voice for '" + language + "'";
  g_espeak->set_parameter(espeakRATE, 150, 0);  // a little slower than normal: a noisy hall, older listeners
  Pcm pcm;
  pcm.sample_rate = sample_rate_;
  g_sink = &pcm.samples;
  espeak_ERROR err = g_espeak->synth(ssml.c_str(), ssml.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8 | espeakSSML,
                                     nullptr, nullptr);
  g_espeak->synchronize();
  g_sink = nullptr;
  if (err != EE_OK) return std::string("espeak-ng could not speak the announcement");
  return pcm;
}

domain::Result<std::string, Problem> SpeechEngine::phonemes(const std::string& language, const std::string& text) {
  if (!select_voice(language)) return Problem{"espeak-ng has no voice for '" + language + "'"};
  std::string out;
  const void* p = text.c_str();
  // Each call returns the phonemes up to the next clause boundary.
  for (int guard = 0; p != nullptr && guard < 1000; ++guard) {
    const char* ph = g_espeak->text_to_phonemes(&p, espeakCHARS_UTF8, 0);
    if (ph && *ph) {
      if (!out.empty()) out += " ";
      out += ph;
    }
  }
  return out;
}

domain::Result<std::unique_ptr<AudioOut>, std::string> AudioOut::open(const std::string& wav_dir,
                                                                      const std::string& fallback_dir,
                                                                      int sample_rate) {
  std::unique_ptr<AudioOut> out(new AudioOut());
  if (wav_dir.empty()) {
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) == 0) {
      SDL_AudioSpec want{}, have{};
      want.freq = sample_rate;
      want.format = AUDIO_S16SYS;
      want.channels = 1;
      want.samples = 2048;
      out->device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
      if (out->device_ != 0) {
        SDL_PauseAudioDevice(out->device_, 0);
        return out;
      }
    }
    out->dir_ = fallback_dir;
  } else {
    out->dir_ = wav_dir;
  }
  std::error_code ec;
  std::filesystem::create_directories(out->dir_, ec);
  if (ec) return "cannot create the announcement folder " + out->dir_ + ": " + ec.message();
  // Continue the numbering after a restart rather than overwrite earlier announcements.
  for (const auto& entry : std::filesystem::directory_iterator(out->dir_, ec)) {
    if (entry.path().filename().string().starts_with("announcement-")) ++out->counter_;
  }
  return out;
}

AudioOut::~AudioOut() {
  if (device_ != 0) SDL_CloseAudioDevice(device_);
}

void AudioOut::clear() {
  if (device_ != 0) SDL_ClearQueuedAudio(device_);
}

domain::Result<std::string, Problem> AudioOut::play(const Pcm& pcm, const std::string& name) {
  if (device_ != 0) {
    if (SDL_QueueAudio(device_, pcm.samples.data(), static_cast<Uint32>(pcm.samples.size() * 2)) != 0) {
      return Problem{std::string("cannot play the announcement: ") + SDL_GetError()};
    }
    return std::string();
  }
  char file[64];
  std::snprintf(file, sizeof file, "announcement-%04d-", ++counter_);
  std::string path = (std::filesystem::path(dir_) / (file + name + ".wav")).string();
  auto w = write_wav(path, pcm);
  if (!w.ok()) return Problem{w.error()};
  return path;
}

}  // namespace guichet::kiosk
