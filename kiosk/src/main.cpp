// guichet-kiosk: the citizen kiosk (tokens) and, with --mode display, the hall's display board.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "config.hpp"
#include "guichet/ui/app.hpp"
#include "kiosk_app.hpp"
#include "pin.hpp"
#include "strings.hpp"

using namespace guichet;

namespace {

int hash_pin_command() {
  std::string pin;
  std::getline(std::cin, pin);
  while (!pin.empty() && (pin.back() == '\r' || pin.back() == ' ')) pin.pop_back();
  auto h = kiosk::hash_pin(pin);
  if (!h.ok()) {
    std::cerr << "guichet-kiosk: " << h.error().message << "\n";
    return 2;
  }
  std::cout << h.value() << "\n";
  return 0;
}

domain::Result<std::string, kiosk::Problem> read_secret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return kiosk::Problem{"--secret-file " + path + ": cannot read the device secret"};
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ' || secret.back() == '\n')) {
    secret.pop_back();
  }
  if (secret.empty()) return kiosk::Problem{"--secret-file " + path + ": the file is empty"};
  return secret;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = kiosk::parse_config(argc, argv);
  if (!parsed.ok()) {
    std::cerr << "guichet-kiosk: " << parsed.error() << "\n";
    return 2;
  }
  if (parsed.value().exit) return parsed.value().exit_code;
  const kiosk::KioskConfig& config = parsed.value().config;
  if (config.hash_pin) return hash_pin_command();
  if (auto ok = kiosk::validate(config); !ok.ok()) {
    std::cerr << "guichet-kiosk: " << ok.error() << "\n";
    return 2;
  }
  auto secret = read_secret(config.secret_file);
  if (!secret.ok()) {
    std::cerr << "guichet-kiosk: " << secret.error().message << "\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    std::cerr << "guichet-kiosk: --data-dir " << config.data_dir << ": " << ec.message() << "\n";
    return 2;
  }

  auto theme = ui::load_theme(ui::find_theme_file(config.theme));
  if (!theme.ok()) {
    std::cerr << "guichet-kiosk: --theme: " << theme.error().to_string() << "\n";
    return 2;
  }
  auto strings = kiosk::Strings::load_all(kiosk::default_locale_dir());
  if (!strings.ok()) {
    std::cerr << "guichet-kiosk: " << strings.error().to_string() << "\n";
    return 2;
  }

  ui::AppOptions o;
  o.title = config.mode == kiosk::Mode::Display ? "Guichet display board" : "Guichet kiosk";
  o.width = config.width;
  o.height = config.height;
  o.fullscreen = config.fullscreen;
  o.theme = theme.value();
  o.renderer = ui::parse_renderer(config.renderer).value();
  o.script = config.script;
  o.type_delay_ms = config.type_delay_ms;
  o.screenshot_dir = config.screenshot_dir;
  o.hide_cursor = config.fullscreen;
  // The window comes first: it also takes over SIGINT/SIGTERM for every thread started after it.
  auto app = ui::App::create(o);
  if (!app.ok()) {
    std::cerr << "guichet-kiosk: " << app.error().message << "\n";
    return 1;
  }
  if (config.report_first_frame) {
    app.value()->on_first_present([] {
      auto ms =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      std::printf("first-frame-unix-us %lld\n", static_cast<long long>(ms));
      std::fflush(stdout);
    });
  }

  sync::ServerEndpoint endpoint{config.server, config.device, secret.value()};
  try {
    if (config.mode == kiosk::Mode::Display) return kiosk::run_display(config, *app.value(), strings.value(), endpoint);
    return kiosk::run_kiosk(config, *app.value(), strings.value(), endpoint);
  } catch (const std::exception& e) {
    // Opening the data files is the one place a failure is not expected (damaged or foreign
    // files); say which, and stop rather than run without a durable outbox.
    std::cerr << "guichet-kiosk: " << e.what() << "\n";
    return 1;
  }
}
