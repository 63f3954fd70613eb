// Shared by the kiosk's end-to-end tests: a centre server, the printer simulator and the kiosk
// (or display board) as real processes, the kiosk driven line by line through `--script -`.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../integration/printer/sim_process.hpp"
#include "../../integration/sync/centre_server.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/testing/automation.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::kiosk_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Screenshots go where GUICHET_SCREENSHOT_DIR says (kept for people to look at), else to `fallback`.
inline fs::path screenshot_dir(const fs::path& fallback) {
  fs::path dir = fallback;
  if (const char* keep = std::getenv("GUICHET_SCREENSHOT_DIR"); keep && *keep) dir = keep;
  fs::create_directories(dir);
  return dir;
}

// A guichet-kiosk process driven through its automation on stdin/stdout.
class KioskProcess {
 public:
  KioskProcess(const std::string& name, std::vector<std::string> args, const fs::path& log_dir) {
    testing::ProcessOptions o;
    o.args = std::move(args);
    o.args.push_back("--script");
    o.args.push_back("-");
    o.env["SDL_VIDEODRIVER"] = "offscreen";
    o.log_dir = log_dir;
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    process_ = std::make_unique<testing::Process>(name, GUICHET_KIOSK, o);
  }

  // Sends one automation command and returns its answer: "ok" or "error: …". Lines a `dump`
  // prints come before the answer and are collected in `dumped`.
  std::string cmd(const std::string& line, std::chrono::milliseconds timeout = 20s) {
    return testing::automation_command(*process_, line, timeout, dumped, {"first-frame"});
  }
  std::string screen() {
    cmd("dump");
    return testing::joined_lines(dumped);
  }
  std::optional<int> wait_exit(std::chrono::milliseconds t) { return process_->wait(t); }
  int stop() { return process_->stop(); }
  std::string stderr_text() const { return process_->stderr_text(); }
  std::vector<std::string> dumped;

 private:
  std::unique_ptr<testing::Process> process_;
};

}  // namespace guichet::kiosk_test
