// The kiosk's settings: command-line flags, or the same keys in a TOML file (--config).
#pragma once

#include <string>
#include <vector>

#include "guichet/domain/result.hpp"
#include "model.hpp"

namespace guichet::kiosk {

enum class Mode { Kiosk, Display };

struct KioskConfig {
  std::string server = "http://127.0.0.1:8080";
  std::string device;
  std::string secret_file;
  std::string data_dir;
  std::string printer;  // tcp:HOST:PORT or file:PATH
  PrinterPolicy printer_policy = PrinterPolicy::Stop;
  std::string admin_pin_hash;
  int idle_timeout = 60;  // seconds
  int lease_block = 30;   // numbers leased ahead per service for when the centre node is down; 0 = off
  int status_poll = 15;   // seconds between downloads of application statuses (status checks offline)
  int width = 1280, height = 800;
  // The panel's diagonal: with the window's size (the kiosk fills its panel) it gives the screen's
  // density, from which controls are sized to at least 15 mm (ui::sized_for_touch).
  double screen_diagonal_inches = 21.5;
  bool fullscreen = false;
  Mode mode = Mode::Kiosk;
  std::string script;
  std::string screenshot_dir;
  std::string theme = "default";
  std::string renderer = "auto";
  std::vector<std::string> languages = {"en"};  // display board voices
  std::string audio_out;                        // WAV folder for announcements
  int type_delay_ms = 0;
  bool hash_pin = false;
  bool report_first_frame = false;
};

struct ConfigOutcome {
  KioskConfig config;
  bool exit = false;  // --help or --version was printed
  int exit_code = 0;
};

// Parses argv (and --config FILE). Errors name the flag and the value.
domain::Result<ConfigOutcome, std::string> parse_config(int argc, char** argv);
// Checks the combination of settings for the mode (server, device, secret, data dir, printer …).
domain::Result<bool, std::string> validate(const KioskConfig& config);

}  // namespace guichet::kiosk
