#include "config.hpp"

#include <CLI/CLI.hpp>
#include <sstream>

#include "guichet/ui/app.hpp"
#include "issuer.hpp"
#include "pin.hpp"

namespace guichet::kiosk {

domain::Result<ConfigOutcome, std::string> parse_config(int argc, char** argv) {
  ConfigOutcome out;
  KioskConfig& c = out.config;
  CLI::App app{"Guichet kiosk: queue tokens on a touch screen, or the hall's display board (--mode display)",
               "guichet-kiosk"};
  app.set_config("--config", "", "read these settings from a TOML file (keys are the long flag names)");
  std::string policy = "stop", size = "1280x800", mode = "kiosk", languages = "en";
  app.add_option("--server", c.server, "centre server base URL")->capture_default_str();
  app.add_option("--device", c.device, "this device's id, as registered on the server");
  app.add_option("--secret-file", c.secret_file, "file holding this device's secret");
  app.add_option("--data-dir", c.data_dir, "folder for the kiosk's SQLite files (outbox, cached catalogue)");
  app.add_option("--printer", c.printer, "receipt printer: tcp:HOST:PORT or file:PATH");
  app.add_option("--printer-policy", policy, "when the printer fails: screen (show the number) or stop")
      ->check(CLI::IsMember({"screen", "stop"}))
      ->capture_default_str();
  app.add_option("--admin-pin-hash", c.admin_pin_hash, "argon2id hash of the staff PIN (see --hash-pin)");
  app.add_flag("--hash-pin", c.hash_pin, "read a PIN on standard input, print its argon2id hash and exit");
  app.add_option("--idle-timeout", c.idle_timeout, "seconds without a touch before going back to the start")
      ->check(CLI::Range(5, 3600))
      ->capture_default_str();
  app.add_option("--lease-block", c.lease_block,
                 "numbers of each service leased ahead from the centre server, to go on issuing tokens while it "
                 "cannot be reached (0: no leasing)")
      ->check(CLI::Range(0, 200))
      ->capture_default_str();
  app.add_option("--status-poll", c.status_poll,
                 "seconds between downloads of application statuses, kept so a citizen can check one while the "
                 "centre server cannot be reached")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--size", size, "window size WIDTHxHEIGHT")->capture_default_str();
  app.add_flag("--fullscreen", c.fullscreen, "fill the screen");
  app.add_option("--screen-diagonal-inches", c.screen_diagonal_inches,
                 "the panel's diagonal in inches; with --size it gives the density at which every control is at "
                 "least 15 mm")
      ->check(CLI::Range(5.0, 120.0))
      ->capture_default_str();
  app.add_option("--mode", mode, "kiosk (tokens) or display (the hall's board)")
      ->check(CLI::IsMember({"kiosk", "display"}))
      ->capture_default_str();
  app.add_option("--languages", languages, "display board: announcement languages, e.g. en,hi")->capture_default_str();
  app.add_option("--audio-out", c.audio_out,
                 "write speech as WAV files here (display board: each announcement; kiosk: audio mode, with a .txt of "
                 "what was said)");
  app.add_option("--script", c.script, "UI automation script (a file, or - for standard input)");
  app.add_option("--type-delay", c.type_delay_ms, "automation: milliseconds between typed characters")
      ->check(CLI::Range(0, 5000));
  app.add_option("--screenshot-dir", c.screenshot_dir, "folder for screenshots named in scripts");
  app.add_option("--theme", c.theme, "theme name (default, high-contrast, large-text) or a .toml file")
      ->capture_default_str();
  app.add_option("--renderer", c.renderer, "auto, software or accelerated")
      ->check(CLI::IsMember({"auto", "software", "accelerated"}))
      ->capture_default_str();
  app.add_flag("--report-first-frame", c.report_first_frame,
               "print the wall-clock time of the first presented frame (start-up benchmarks)");
  app.set_version_flag("--version", "guichet-kiosk 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream msg, err;
    out.exit_code = app.exit(e, msg, err);
    if (out.exit_code != 0) {
      std::string m = err.str();
      while (!m.empty() && m.back() == '\n') m.pop_back();
      return m.empty() ? std::string(e.what()) : m;
    }
    std::fputs(msg.str().c_str(), stdout);
    out.exit = true;
    return out;
  }
  parse_printer_policy(policy, c.printer_policy);
  c.mode = mode == "display" ? Mode::Display : Mode::Kiosk;
  auto wh = ui::parse_size(size);
  if (!wh.ok()) return "--size: " + wh.error().message;
  c.width = wh.value().first;
  c.height = wh.value().second;
  c.languages.clear();
  std::stringstream ls(languages);
  for (std::string l; std::getline(ls, l, ',');) {
    if (l.empty()) continue;
    if (l.size() > 8 || l.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string::npos) {
      return "--languages: '" + l + "' is not a language code like en or hi";
    }
    c.languages.push_back(l);
  }
  if (c.languages.empty()) return std::string("--languages: give at least one language, e.g. en");
  return out;
}

domain::Result<bool, std::string> validate(const KioskConfig& c) {
  if (c.server.rfind("http://", 0) != 0 && c.server.rfind("https://", 0) != 0) {
    return "--server " + c.server + ": expected a URL starting with http:// or https://";
  }
  if (c.device.empty()) return std::string("--device is required: this device's id on the server");
  if (c.secret_file.empty()) return std::string("--secret-file is required: the file holding the device secret");
  if (c.data_dir.empty()) return std::string("--data-dir is required: a folder for the kiosk's own SQLite files");
  if (c.mode == Mode::Kiosk) {
    if (c.printer.empty()) return std::string("--printer is required in kiosk mode: tcp:HOST:PORT or file:PATH");
    auto spec = parse_printer_spec(c.printer);
    if (!spec.ok()) return spec.error();
    if (c.admin_pin_hash.empty()) {
      return std::string("--admin-pin-hash is required in kiosk mode (make one with guichet-kiosk --hash-pin)");
    }
    if (!valid_pin_hash(c.admin_pin_hash)) {
      return std::string("--admin-pin-hash: not an argon2id hash (make one with guichet-kiosk --hash-pin)");
    }
  }
  return true;
}

}  // namespace guichet::kiosk
