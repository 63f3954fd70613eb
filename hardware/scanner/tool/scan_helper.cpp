// guichet-scan: the scanning helper. Scans one page with a DocumentScanner and writes the answer
// on standard output (scan_wire.hpp): signs of life, then the page or the problem. "cancel" on
// standard input, or its end (the counter gone), cancels the scan. Started by ScannerProcess, one
// per scan, so that a scanner's driver that hangs or crashes takes only this process with it.
//
// Exit status: 0 once an answer is written, 1 when it could not be (the reader gone), 2 for bad
// arguments. Nothing personal is written: the page goes only to standard output.
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "guichet/hardware/scanner/document_scanner.hpp"
#include "guichet/hardware/scanner/scan_wire.hpp"

namespace {

namespace sc = guichet::hardware::scanner;
using Clock = std::chrono::steady_clock;

// Standard output, shared by the scanning thread's signs of life and the answer.
class Output {
 public:
  bool write(std::string_view bytes) {
    std::lock_guard lock(mu_);
    while (!bytes.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // A sign of life: at each new step, and within a step at most every 250 ms.
  void alive(sc::ScanStep step) {
    const auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      if (said_ && step == last_step_ && now - last_said_ < std::chrono::milliseconds(250)) return;
      said_ = true;
      last_step_ = step;
      last_said_ = now;
    }
    write(sc::alive_line(step));
  }

 private:
  std::mutex mu_;
  bool said_ = false;
  sc::ScanStep last_step_ = sc::ScanStep::Init;
  Clock::time_point last_said_{};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"guichet-scan: one page from a SANE scanner, answered on standard output (docs/scanning.md)"};
  sc::ScannerOptions o;
  std::string mode = "gray";
  std::string config_dir;
  int stall_ms = static_cast<int>(o.stall_timeout.count());
  int answer_ms = static_cast<int>(o.answer_timeout.count());
  int close_ms = static_cast<int>(o.close_timeout.count());
  app.add_option("--device", o.device, "SANE device name (the first one found when not given)");
  app.add_option("--mode", mode, "gray or color")->check(CLI::IsMember({"gray", "color"}));
  app.add_option("--dpi", o.resolution_dpi, "resolution in dots per inch")->check(CLI::Range(50, 1200));
  app.add_option("--config-dir", config_dir, "SANE's configuration folder (SANE_CONFIG_DIR)");
  app.add_option("--stall-ms", stall_ms, "give up a page that sends nothing for this long")
      ->check(CLI::Range(100, 600000));
  app.add_option("--answer-ms", answer_ms, "give up a call the scanner does not answer for this long")
      ->check(CLI::Range(100, 600000));
  app.add_option("--close-ms", close_ms, "let the scanner go within this long once the outcome is known")
      ->check(CLI::Range(100, 600000));
  CLI11_PARSE(app, argc, argv);
  o.mode = mode == "color" ? sc::ScanMode::Color : sc::ScanMode::Gray;
  o.config_dir = config_dir;
  o.stall_timeout = std::chrono::milliseconds(stall_ms);
  o.answer_timeout = std::chrono::milliseconds(answer_ms);
  o.close_timeout = std::chrono::milliseconds(close_ms);

  // The reader gone: writes fail with EPIPE instead of ending the process before it lets the
  // scanner go.
  std::signal(SIGPIPE, SIG_IGN);
  Output out;
  // A cancel can be heard before scan_page() has begun, and DocumentScanner::cancel() reaches only
  // a scan in progress: the hook, called from the scan's first step on, passes it on again.
  std::atomic<bool> cancel_heard{false};
  std::atomic<sc::DocumentScanner*> scanning{nullptr};
  o.on_progress = [&out, &cancel_heard, &scanning](sc::ScanStep step) {
    if (cancel_heard) scanning.load()->cancel();
    out.alive(step);
  };
  sc::DocumentScanner scanner(o);
  scanning = &scanner;
  const auto hear_cancel = [&] {
    cancel_heard = true;
    scanner.cancel();
  };

  std::atomic<bool> done{false};
  std::thread listener([&] {
    std::string heard;
    while (!done) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      const int ready = ::poll(&p, 1, 100);
      if (ready <= 0) continue;
      char chunk[64];
      const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // the counter closed our input, or is gone
        hear_cancel();
        return;
      }
      heard.append(chunk, static_cast<std::size_t>(n));
      if (heard.find("cancel\n") != std::string::npos) {
        hear_cancel();
        return;
      }
      if (heard.size() > 256) heard.erase(0, heard.size() - 16);
    }
  });

  auto page = scanner.scan_page();
  done = true;
  const bool written = out.write(page.ok() ? sc::page_answer(page.value()) : sc::problem_answer(page.error()));
  listener.join();
  if (!written) {
    std::fprintf(stderr, "guichet-scan: the answer could not be written (its reader is gone)\n");
    return 1;
  }
  return 0;
}
