// The scanning helper's supervisor: starts guichet-scan for each scan, reads its answer, and kills
// it when it stays silent past what the scan's own bounds allow, or does not end after a cancel.
#include "guichet/hardware/scanner/scanner_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "guichet/hardware/scanner/scan_wire.hpp"

extern char** environ;

namespace guichet::hardware::scanner {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kGrace = 2000ms;

// The helper's words for its driver gone: said to the operator as "The scanner reported an error:
// its driver stopped".
constexpr const char* kDriverStopped = "its driver stopped";

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::vector<std::string> helper_arguments(const ScannerOptions& o, const std::filesystem::path& helper) {
  std::vector<std::string> args{helper.string(),
                                "--mode",
                                o.mode == ScanMode::Color ? "color" : "gray",
                                "--dpi",
                                std::to_string(o.resolution_dpi),
                                "--stall-ms",
                                std::to_string(o.stall_timeout.count()),
                                "--answer-ms",
                                std::to_string(o.answer_timeout.count()),
                                "--close-ms",
                                std::to_string(o.close_timeout.count())};
  if (!o.device.empty()) {
    args.emplace_back("--device");
    args.push_back(o.device);
  }
  if (!o.config_dir.empty()) {
    args.emplace_back("--config-dir");
    args.push_back(o.config_dir.string());
  }
  return args;
}

// Waits up to `wait` for the helper to end by itself, then kills it, on a thread of its own: the
// caller goes on at once. A helper stuck in the kernel cannot die until its call returns; the
// thread waits for it as long as that takes, and nothing else waits on the thread.
void reap_later(pid_t pid, std::chrono::milliseconds wait) {
  std::thread([pid, wait] {
    const auto until = Clock::now() + wait;
    for (;;) {
      const pid_t r = ::waitpid(pid, nullptr, WNOHANG);
      if (r == pid || (r < 0 && errno != EINTR)) return;
      if (Clock::now() >= until) break;
      std::this_thread::sleep_for(20ms);
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }).detach();
}

// The helper closed its output without an answer: how it ended, if it did within the grace.
// Returns the problem and whether the helper was reaped.
std::pair<ScanProblem, bool> ended_without_answer(pid_t pid) {
  const auto until = Clock::now() + kGrace;
  int status = 0;
  pid_t r = 0;
  while ((r = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < until) std::this_thread::sleep_for(20ms);
  if (r == pid) {
    std::string detail;
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      const char* name = ::strsignal(sig);
      detail = "scan: the scanning helper stopped on signal " + std::to_string(sig) + " (" + (name ? name : "unknown") +
               ") without an answer";
    } else {
      detail =
          "scan: the scanning helper exited with status " + std::to_string(WEXITSTATUS(status)) + " without an answer";
    }
    return {make_problem(ScanProblemKind::Failed, std::move(detail), kDriverStopped), true};
  }
  return {make_problem(ScanProblemKind::Failed, "scan: the scanning helper closed its output without an answer",
                       kDriverStopped),
          false};
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

std::chrono::milliseconds silence_limit(const ScannerOptions& options) {
  return std::max(options.answer_timeout, options.stall_timeout) + options.close_timeout + kGrace;
}

struct ScannerProcess::Running {
  mutable std::mutex mutex;
  pid_t pid = 0;
  int to_helper = -1;  // the helper's standard input (ours to close)
  bool cancel_requested = false;
  Clock::time_point cancelled_at{};
};

ScannerProcess::ScannerProcess(ScannerOptions options, std::filesystem::path helper)
    : options_(std::move(options)), helper_(std::move(helper)), running_(std::make_shared<Running>()) {
  options_.on_progress = nullptr;
}

ScannerProcess::~ScannerProcess() { cancel(); }

pid_t ScannerProcess::helper_pid() const {
  std::lock_guard lock(running_->mutex);
  return running_->pid;
}

void ScannerProcess::cancel() {
  std::lock_guard lock(running_->mutex);
  if (running_->pid == 0 || running_->cancel_requested) return;
  running_->cancel_requested = true;
  running_->cancelled_at = Clock::now();
  static constexpr char kCancel[] = "cancel\n";
  // Non-blocking: a full pipe (a helper that reads nothing) is dealt with by the kill later.
  [[maybe_unused]] const ssize_t n = ::write(running_->to_helper, kCancel, sizeof kCancel - 1);
}

ScanResult<ScannedPage> ScannerProcess::scan_page() {
  std::lock_guard one_at_a_time(scan_mutex_);
  Running& shared = *running_;

  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    return make_problem(ScanProblemKind::Failed,
                        std::string("scan: no pipe for the scanning helper: ") + std::strerror(errno));
  }
  Fd helper_in(in[0]);
  Fd to_helper(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return make_problem(ScanProblemKind::Failed,
                        std::string("scan: no pipe for the scanning helper: ") + std::strerror(errno));
  }
  Fd from_helper(out[0]);
  Fd helper_out(out[1]);
  ::fcntl(to_helper.get(), F_SETFL, ::fcntl(to_helper.get(), F_GETFL) | O_NONBLOCK);

  const std::vector<std::string> args = helper_arguments(options_, helper_);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, helper_in.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, helper_out.get(), STDOUT_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, helper_.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  helper_in.reset();
  helper_out.reset();
  if (spawned != 0) {
    return make_problem(
        ScanProblemKind::Failed,
        "scan: the scanning helper " + helper_.string() + " could not be started: " + std::strerror(spawned),
        "its scanning program could not be started");
  }
  {
    std::lock_guard lock(shared.mutex);
    shared.pid = pid;
    shared.to_helper = to_helper.get();
    shared.cancel_requested = false;
  }

  const auto silence = silence_limit(options_);
  const auto after_cancel = options_.close_timeout + kGrace;
  ScanWireReader reader;
  std::optional<ScanResult<ScannedPage>> outcome;
  bool reaped = false;
  bool kill_now = false;
  std::vector<char> buffer(64 * 1024);
  auto last_heard = Clock::now();
  while (!outcome) {
    pollfd p{from_helper.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) {
      outcome = make_problem(ScanProblemKind::Failed,
                             std::string("scan: waiting on the scanning helper: ") + std::strerror(errno));
      kill_now = true;
      break;
    }
    if (ready > 0) {
      const ssize_t n = ::read(from_helper.get(), buffer.data(), buffer.size());
      if (n > 0) {
        last_heard = Clock::now();
        const auto state = reader.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        if (state == ScanWireReader::State::Done) {
          outcome = *reader.result();
        } else if (state == ScanWireReader::State::Refused) {
          outcome = make_problem(ScanProblemKind::Failed,
                                 "scan: the scanning helper's answer is unreadable: " + reader.error(),
                                 "its scanning program answered something unreadable");
          kill_now = true;
        }
        continue;
      }
      if (n == 0) {
        auto [why, done] = ended_without_answer(pid);
        outcome = std::move(why);
        reaped = done;
        kill_now = !done;
        break;
      }
      if (errno != EINTR && errno != EAGAIN) {
        outcome = make_problem(ScanProblemKind::Failed,
                               std::string("scan: reading the scanning helper: ") + std::strerror(errno));
        kill_now = true;
        break;
      }
    }
    const auto now = Clock::now();
    bool cancelled = false;
    Clock::time_point cancelled_at;
    {
      std::lock_guard lock(shared.mutex);
      cancelled = shared.cancel_requested;
      cancelled_at = shared.cancelled_at;
    }
    if (cancelled && now - cancelled_at > after_cancel) {
      outcome = make_problem(ScanProblemKind::Cancelled,
                             "scan: cancelled by the operator; the scanning helper did not end within " +
                                 ms(after_cancel) + " and was stopped");
      kill_now = true;
    } else if (now - last_heard > silence) {
      outcome =
          make_problem(ScanProblemKind::Unreachable,
                       "scan: the scanner did not answer for " + ms(silence) + " (its helper, stuck at " +
                           (reader.last_step() ? step_word(*reader.last_step()) : "its start") + ", was stopped)");
      kill_now = true;
    }
  }

  {
    std::lock_guard lock(shared.mutex);
    shared.pid = 0;
    shared.to_helper = -1;
    shared.cancel_requested = false;
  }
  // Closing its input tells a helper still running to cancel and go.
  to_helper.reset();
  from_helper.reset();
  if (kill_now) ::kill(pid, SIGKILL);
  if (!reaped) reap_later(pid, kill_now ? 0ms : options_.close_timeout + kGrace);
  return std::move(*outcome);
}

}  // namespace guichet::hardware::scanner
