// guichet-counter: the operator's terminal at a counter.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "counter_app.hpp"
#include "guichet/hardware/scanner/scanner_process.hpp"
#include "guichet/sync/enrollment.hpp"
#include "guichet/ui/app.hpp"
#include "guichet/ui/frame.hpp"
#include "i18n.hpp"

namespace {

// ---- the document scanner ----------------------------------------------------------------------
// The real scanner (hardware/scanner, SANE) behind the counter's scan port: `--scanner DEVICE` names
// the SANE device ("net:scanhost:test:0", "airscan:e0:Office", …) or "auto" for the first one found.
// SANE finds its backends through its configuration (SANE_CONFIG_DIR, else /etc/sane.d). Each scan
// runs in the scanning helper (guichet-scan), a process of its own, so that a scanner's driver that
// hangs or crashes never takes the counter with it. A scan blocks its caller (the counter's scanner
// worker); `cancel` stops it from the UI thread.
guichet::counter::ScanPort make_scanner(const std::string& device, const std::string& mode, int dpi,
                                        const std::filesystem::path& helper) {
  namespace sc = guichet::hardware::scanner;
  guichet::counter::ScanPort port;
  if (device.empty()) return port;
  sc::ScannerOptions o;
  o.device = device == "auto" ? std::string() : device;
  o.mode = mode == "color" ? sc::ScanMode::Color : sc::ScanMode::Gray;
  o.resolution_dpi = dpi;
  auto scanner = std::make_shared<sc::ScannerProcess>(o, helper);
  port.scan = [scanner] {
    guichet::counter::ScanOutcome out;
    auto page = scanner->scan_page();
    if (!page) {
      // The device and SANE's status, never the page: no personal data in the log.
      std::fprintf(stderr, "guichet-counter: scan failed: %s (%s)\n", sc::to_string(page.error().kind),
                   page.error().detail.c_str());
      out.problem = page.error().message;
      return out;
    }
    out.ok = true;
    out.width = page.value().width;
    out.height = page.value().height;
    out.png = std::move(page.value().png);
    return out;
  };
  port.cancel = [scanner] { scanner->cancel(); };
  return port;
}

// The scanning helper: the one named, else guichet-scan beside this program, else the one this
// build made. Empty when none is there.
std::filesystem::path find_scan_helper(const std::string& named) {
  std::error_code ec;
  if (!named.empty()) return std::filesystem::is_regular_file(named, ec) ? std::filesystem::path(named) : "";
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = self.parent_path() / "guichet-scan";
    if (std::filesystem::is_regular_file(beside, ec)) return beside;
  }
#ifdef GUICHET_SCAN_HELPER
  if (std::filesystem::is_regular_file(GUICHET_SCAN_HELPER, ec)) return GUICHET_SCAN_HELPER;
#endif
  return {};
}

// The device secret file holds the hex secret; surrounding blanks and the final newline are not
// part of it.
bool read_secret(const std::string& path, std::string& secret, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read the device secret file";
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  secret = s.str();
  const auto first = secret.find_first_not_of(" \t\r\n");
  const auto last = secret.find_last_not_of(" \t\r\n");
  secret = first == std::string::npos ? std::string() : secret.substr(first, last - first + 1);
  if (secret.empty()) {
    error = path + ": the device secret file is empty";
    return false;
  }
  return true;
}

std::string default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/guichet-counter";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/share/guichet-counter";
  return "guichet-counter-data";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Guichet counter terminal: operators log in, call tokens and serve citizens."};
  std::string server, device, secret_file, data_dir = default_data_dir(), size = "1280x800", script, screenshots;
  std::string theme = "default", printer, scanner, scanner_mode = "gray", scan_helper;
  int scanner_dpi = 200;
  int offline_login_days = 7;
  int keep_sent_pages_days = 0;
  int printer_look_seconds = 60;
  bool fullscreen = false;
  cli.add_option("--server", server, "centre server URL, e.g. http://127.0.0.1:8080")->required();
  std::string enroll_code;
  cli.add_option("--device", device,
                 "this terminal's device id, as registered on the server (default: the one kept in --data-dir)");
  cli.add_option("--secret-file", secret_file, "file holding this device's secret (default: the one in --data-dir)");
  cli.add_option("--enroll", enroll_code,
                 "enroll with a one-time code from the centre's administrator; the device id and secret are kept "
                 "in --data-dir for later starts");
  cli.add_option("--data-dir", data_dir, "directory for the terminal's outbox and cached catalogue")
      ->capture_default_str();
  cli.add_option("--size", size, "window size WxH")->capture_default_str();
  cli.add_flag("--fullscreen", fullscreen, "fill the screen");
  cli.add_option("--theme", theme, "theme name (default, high-contrast, large-text) or file")->capture_default_str();
  cli.add_option("--printer", printer,
                 "receipt printer for fee receipts and acknowledgements: tcp:HOST:PORT (ESC/POS, e.g. "
                 "tcp:127.0.0.1:9100) or file:PATH; none by default");
  cli.add_option("--printer-look-seconds", printer_look_seconds,
                 "seconds between two looks at an idle printer (paper, cover), whose state the centre's dashboard "
                 "shows")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cli.add_option("--scanner", scanner,
                 "document scanner for the pages of an application's documents: its SANE device name, or "
                 "auto for the first one found; none by default");
  cli.add_option("--scanner-mode", scanner_mode, "gray or color")
      ->check(CLI::IsMember({"gray", "color"}))
      ->capture_default_str();
  cli.add_option("--scanner-dpi", scanner_dpi, "scan resolution in dots per inch")
      ->check(CLI::Range(75, 600))
      ->capture_default_str();
  cli.add_option("--scan-helper", scan_helper,
                 "the scanning helper program each scan runs in (default: guichet-scan beside this program)");
  cli.add_option("--offline-login-days", offline_login_days,
                 "days an operator's PIN, once accepted by the centre server, may be checked on this counter while "
                 "the server cannot be reached (kept as a hash); 0 turns offline logins off")
      ->check(CLI::Range(0, 90))
      ->capture_default_str();
  cli.add_option("--keep-sent-pages-days", keep_sent_pages_days,
                 "days a scanned page stays on this counter once the centre has stored it; 0 removes it as soon "
                 "as the centre answers")
      ->check(CLI::Range(0, 90))
      ->capture_default_str();
  cli.add_option("--script", script, "UI automation script to run (a file, or - for stdin)");
  cli.add_option("--screenshot-dir", screenshots, "where the script's screenshots go");
  CLI11_PARSE(cli, argc, argv);

  if (!enroll_code.empty()) {
    if (!device.empty() || !secret_file.empty()) {
      std::fprintf(stderr,
                   "guichet-counter: --enroll gives this terminal its device id and secret; leave out --device and "
                   "--secret-file\n");
      return 2;
    }
    guichet::sync::EnrollOptions o;
    o.server = server;
    o.code = enroll_code;
    o.kind = "counter";
    o.data_dir = data_dir;
    auto enrolled = guichet::sync::enroll(o);
    if (!enrolled) {
      std::fprintf(stderr, "guichet-counter: %s\n", enrolled.error().c_str());
      return 2;
    }
    std::fprintf(stderr, "guichet-counter: enrolled as device %s; credentials kept in %s\n",
                 enrolled.value().device_id.c_str(), data_dir.c_str());
  }
  if (device.empty() != secret_file.empty()) {
    std::fprintf(stderr, "guichet-counter: give both --device and --secret-file, or neither (enrolled terminals)\n");
    return 2;
  }
  if (device.empty()) {
    auto stored = guichet::sync::load_credentials(data_dir);
    if (!stored) {
      std::fprintf(stderr, "guichet-counter: %s\n", stored.error().c_str());
      return 2;
    }
    device = stored.value().device_id;
    secret_file = stored.value().secret_file.string();
  }

  std::string secret, error;
  if (!read_secret(secret_file, secret, error)) {
    std::fprintf(stderr, "guichet-counter: %s\n", error.c_str());
    return 2;
  }
  auto printer_setting = guichet::counter::parse_printer_setting(printer);
  if (!printer_setting) {
    std::fprintf(stderr, "guichet-counter: %s\n", printer_setting.error().c_str());
    return 2;
  }
  std::filesystem::path scan_helper_path;
  if (!scanner.empty()) {
    scan_helper_path = find_scan_helper(scan_helper);
    if (scan_helper_path.empty()) {
      std::fprintf(stderr, "guichet-counter: --scanner needs the scanning helper: %s\n",
                   scan_helper.empty() ? "guichet-scan is not beside this program; name it with --scan-helper"
                                       : ("--scan-helper " + scan_helper + ": no such program").c_str());
      return 2;
    }
  }
  auto parsed_size = guichet::ui::parse_size(size);
  if (!parsed_size) {
    std::fprintf(stderr, "guichet-counter: --size: %s\n", parsed_size.error().message.c_str());
    return 2;
  }
  auto loaded_theme = guichet::ui::load_theme(guichet::ui::find_theme_file(theme));
  if (!loaded_theme) {
    std::fprintf(stderr, "guichet-counter: --theme: %s\n", loaded_theme.error().to_string().c_str());
    return 2;
  }

  guichet::ui::AppOptions options;
  options.title = "Guichet counter " + device;
  options.width = parsed_size.value().first;
  options.height = parsed_size.value().second;
  options.fullscreen = fullscreen;
  options.theme = loaded_theme.value();
  options.script = script;
  options.screenshot_dir = screenshots;
  auto app = guichet::ui::App::create(options);
  if (!app) {
    std::fprintf(stderr, "guichet-counter: %s\n", app.error().message.c_str());
    return 1;
  }

  // The citizen's papers (fee receipt, acknowledgement) are printed in their language.
  auto translations = guichet::kiosk::load_translations(guichet::kiosk::default_locale_dir());
  if (!translations.ok()) {
    std::fprintf(stderr, "guichet-counter: %s\n", translations.error().to_string().c_str());
    return 2;
  }

  guichet::counter::BackendConfig config;
  config.endpoint = {server, device, secret, data_dir};  // requests say the disk space left in data_dir
  config.translations = std::move(translations).value();
  config.data_dir = data_dir;
  config.printer = printer_setting.value();
  config.printer_look_every = std::chrono::seconds(printer_look_seconds);
  config.scanner = make_scanner(scanner, scanner_mode, scanner_dpi, scan_helper_path);
  config.offline_login = std::chrono::hours(24 * offline_login_days);
  config.keep_sent_pages = std::chrono::hours(24 * keep_sent_pages_days);
  try {
    guichet::counter::CounterApp counter(*app.value(), config);
    return app.value()->run([&counter](guichet::ui::Frame& frame) { counter.draw(frame); });
  } catch (const std::exception& e) {
    // The outbox could not be opened (damaged file, another device's file, disk): refuse to run
    // rather than take actions that could not be kept.
    std::fprintf(stderr, "guichet-counter: %s\n", e.what());
    return 1;
  }
}
