// guichet-kiosk: the citizen kiosk (tokens) and, with --mode display, the hall's display board.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "guichet/sync/enrollment.hpp"
#include "guichet/ui/app.hpp"
#include "i18n.hpp"
#include "kiosk_app.hpp"
#include "pin.hpp"
#include "sqlite_memory.hpp"

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

// Takes `--enroll CODE` (or `--enroll=CODE`) out of the arguments; the rest go to parse_config.
std::vector<char*> take_enroll_flag(int argc, char** argv, std::optional<std::string>& code, bool& help) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") help = true;
    if (i > 0 && a == "--enroll" && i + 1 < argc) {
      code = argv[++i];
    } else if (i > 0 && a.rfind("--enroll=", 0) == 0) {
      code = std::string(a.substr(9));
    } else {
      rest.push_back(argv[i]);
    }
  }
  return rest;
}

// --enroll CODE enrolls and keeps the credentials in --data-dir; without --device and
// --secret-file, the credentials kept there are used.
bool resolve_credentials(kiosk::KioskConfig& config, const std::optional<std::string>& code) {
  const bool display = config.mode == kiosk::Mode::Display;
  if (code) {
    if (config.data_dir.empty()) {
      std::cerr << "guichet-kiosk: --enroll needs --data-dir: the device's credentials are kept there\n";
      return false;
    }
    if (!config.device.empty() || !config.secret_file.empty()) {
      std::cerr << "guichet-kiosk: --enroll gives this terminal its device id and secret; leave out --device and "
                   "--secret-file\n";
      return false;
    }
    sync::EnrollOptions o;
    o.server = config.server;
    o.code = *code;
    o.kind = display ? "display" : "kiosk";
    o.data_dir = config.data_dir;
    auto enrolled = sync::enroll(o);
    if (!enrolled.ok()) {
      std::cerr << "guichet-kiosk: " << enrolled.error() << "\n";
      return false;
    }
    std::cerr << "guichet-kiosk: enrolled as device " << enrolled.value().device_id << "; credentials kept in "
              << config.data_dir << "\n";
  }
  if (config.device.empty() && config.secret_file.empty() && !config.data_dir.empty()) {
    auto stored = sync::load_credentials(config.data_dir);
    if (!stored.ok()) {
      std::cerr << "guichet-kiosk: " << stored.error() << "\n";
      return false;
    }
    config.device = stored.value().device_id;
    config.secret_file = stored.value().secret_file.string();
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens a database: small page caches, no up-front blocks (sqlite_memory.hpp).
  kiosk::limit_sqlite_memory();
  std::optional<std::string> enroll_code;
  bool help = false;
  std::vector<char*> args = take_enroll_flag(argc, argv, enroll_code, help);
  auto parsed = kiosk::parse_config(static_cast<int>(args.size()), args.data());
  if (!parsed.ok()) {
    std::cerr << "guichet-kiosk: " << parsed.error() << "\n";
    return 2;
  }
  if (parsed.value().exit) {
    if (help) {
      std::printf(
          "  --enroll CODE               enroll this terminal with a one-time code from the centre's administrator;\n"
          "                              its device id and secret are kept in --data-dir, where later starts find\n"
          "                              them when --device and --secret-file are not given\n");
    }
    return parsed.value().exit_code;
  }
  kiosk::KioskConfig config = parsed.value().config;
  if (config.hash_pin) return hash_pin_command();
  if (!resolve_credentials(config, enroll_code)) return 2;
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
  auto translations = kiosk::load_translations(kiosk::default_locale_dir());
  if (!translations.ok()) {
    std::cerr << "guichet-kiosk: " << translations.error().to_string() << "\n";
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
  // The fonts found at the first start are kept with the kiosk's data: later starts skip fontconfig.
  if (!config.data_dir.empty()) o.font_cache = (std::filesystem::path(config.data_dir) / "fonts.cache").string();
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

  // Each request also says the disk space left where the terminal keeps its data.
  sync::ServerEndpoint endpoint{config.server, config.device, secret.value(), config.data_dir};
  try {
    if (config.mode == kiosk::Mode::Display)
      return kiosk::run_display(config, *app.value(), translations.value(), endpoint);
    return kiosk::run_kiosk(config, *app.value(), translations.value(), endpoint);
  } catch (const std::exception& e) {
    // Opening the data files is the one place a failure is not expected (damaged or foreign
    // files); say which, and stop rather than run without a durable outbox.
    std::cerr << "guichet-kiosk: " << e.what() << "\n";
    return 1;
  }
}
