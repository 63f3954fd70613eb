// The SANE frontend: init, find and open the device, set mode, resolution and the whole area, read
// one frame, encode it, close and exit. One SANE session at a time in the process.
#include "guichet/hardware/scanner/document_scanner.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <link.h>
#include <netinet/in.h>
#include <poll.h>
#include <sane/sane.h>
#include <sane/saneopts.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "guichet/hardware/scanner/page_image.hpp"
#include "guichet/hardware/scanner/scan_wire.hpp"

namespace guichet::hardware::scanner {

// What cancel() needs of the scan in progress. The handle is set only while reading.
namespace {

using Clock = std::chrono::steady_clock;

// SANE's port: the net backend's connections to saned (its control connections) go there.
constexpr int kSanedPort = 6566;

// Shuts down every connection of this process to a saned (a TCP peer on SANE's port), so that a
// SANE call blocked reading one returns at once with an I/O error. Only SANE's net backend talks
// to that port in a Guichet process.
int shut_down_saned_connections() {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string number = entry.path().filename().string();
    char* end = nullptr;
    const long fd = std::strtol(number.c_str(), &end, 10);
    if (!end || *end != '\0' || fd < 0) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    int port = -1;
    if (peer.ss_family == AF_INET) port = ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
    if (peer.ss_family == AF_INET6) port = ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
    if (port == kSanedPort && ::shutdown(static_cast<int>(fd), SHUT_RDWR) == 0) ++n;
  }
  return n;
}

// Bounds the SANE calls that wait on the scanner's answers outside the reading of a page (which
// has its own stall timeout): finding, opening, configuring, starting, cancelling, closing. SANE's
// net backend has no timeout for them, so a saned that accepted the connection and then hangs
// would block them for ever. Each step arms the watchdog anew; when one runs past the limit (or
// the operator cancels during one) the connections to saned are shut down and the call returns.
class Watchdog {
 public:
  // `progress` (may be empty) hears each step as it is armed, on the scanning thread.
  Watchdog(std::chrono::milliseconds limit, std::function<void(ScanStep)> progress)
      : limit_(limit), progress_(std::move(progress)), thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(ScanStep step) { arm(step, limit_); }
  void arm(ScanStep step, std::chrono::milliseconds limit) {
    {
      std::lock_guard lock(mu_);
      armed_ = true;
      step_ = step;
      deadline_ = Clock::now() + limit;
      cv_.notify_all();
    }
    if (progress_) progress_(step);
  }
  void disarm() {
    std::lock_guard lock(mu_);
    armed_ = false;
    cv_.notify_all();
  }
  // Unsticks the armed step now (the operator cancelled); nothing when none is armed.
  void fire_now() {
    std::lock_guard lock(mu_);
    if (!armed_) return;
    deadline_ = Clock::now();
    cv_.notify_all();
  }
  // The step that ran past its limit, if one did.
  std::optional<ScanStep> fired() const {
    std::lock_guard lock(mu_);
    return fired_;
  }
  std::chrono::milliseconds limit() const { return limit_; }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      if (Clock::now() < deadline_) {
        cv_.wait_until(lock, deadline_);
        continue;
      }
      armed_ = false;
      fired_ = step_;
      lock.unlock();
      shut_down_saned_connections();
      lock.lock();
    }
  }

  const std::chrono::milliseconds limit_;
  const std::function<void(ScanStep)> progress_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool armed_ = false;
  ScanStep step_ = ScanStep::Init;
  Clock::time_point deadline_{};
  std::optional<ScanStep> fired_;
  std::thread thread_;  // last: started once the rest is set
};

}  // namespace

// What cancel() needs of the scan in progress. The handle is set only while reading; the
// watchdog while a scan runs.
struct DocumentScanner::Session {
  std::mutex mutex;
  SANE_Handle handle = nullptr;
  bool blocking_reads = false;  // the backend refused non-blocking reads: cancel() must call sane_cancel
  Watchdog* watchdog = nullptr;
  std::atomic<bool> cancel_requested{false};
};

namespace {

// SANE keeps global state in every backend: one session (sane_init … sane_exit) at a time.
std::mutex& sane_mutex() {
  static std::mutex m;
  return m;
}

// Writes on a socket whose peer has gone raise SIGPIPE, which ends the process unless it is
// ignored. SIGPIPE is sent to the thread that wrote, so blocking it here turns it into EPIPE for
// the backend; one left pending is taken before the mask is restored.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1 && sigismember(&old_, SIGPIPE) == 0) {
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
};

// SANE's dll layer unloads every backend at sane_exit and loads it again at the next scan. The
// backends a session loaded are kept loaded for the process's life instead (RTLD_NODELETE on the
// objects already mapped): nothing is mapped and relocated again per page, and memory a backend
// keeps (or leaks: the net backend loses a little per session) stays attributed to its library
// for leak checkers, instead of to a module that is gone.
void keep_backends_loaded() {
  std::vector<std::string> backends;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        const std::string_view name = info->dlpi_name ? info->dlpi_name : "";
        if (name.find("/sane/libsane-") != std::string_view::npos) {
          static_cast<std::vector<std::string>*>(out)->emplace_back(name);
        }
        return 0;
      },
      &backends);
  for (const auto& path : backends) {
    // RTLD_NOLOAD: only an object already mapped; the handle's reference is kept on purpose.
    (void)dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  }
}

// sane_init on entry (with SANE_CONFIG_DIR set first when asked), sane_exit on the way out, under
// the process-wide lock.
class SaneSession {
 public:
  explicit SaneSession(const std::filesystem::path& config_dir) : lock_(sane_mutex()) {
    if (!config_dir.empty()) ::setenv("SANE_CONFIG_DIR", config_dir.c_str(), 1);
    SANE_Int version = 0;
    status_ = sane_init(&version, nullptr);
  }
  ~SaneSession() {
    if (status_ == SANE_STATUS_GOOD) {
      keep_backends_loaded();
      sane_exit();
    }
  }
  SaneSession(const SaneSession&) = delete;
  SaneSession& operator=(const SaneSession&) = delete;

  SANE_Status status() const { return status_; }

 private:
  std::lock_guard<std::mutex> lock_;
  SigpipeBlock no_sigpipe_;
  SANE_Status status_ = SANE_STATUS_GOOD;
};

ScanProblem failed(ScanStep step, const std::string& what) {
  return make_problem(ScanProblemKind::Failed, std::string(step_word(step)) + ": " + what, what);
}

ScanProblem with_device(ScanProblem problem, const std::string& device) {
  problem.detail = device + " " + problem.detail;
  return problem;
}

// One option of the open device, found by name.
struct Option {
  SANE_Int index = -1;
  const SANE_Option_Descriptor* desc = nullptr;
};

std::optional<Option> find_option(SANE_Handle h, const char* name) {
  SANE_Int count = 0;
  if (sane_control_option(h, 0, SANE_ACTION_GET_VALUE, &count, nullptr) != SANE_STATUS_GOOD) return std::nullopt;
  for (SANE_Int i = 1; i < count; ++i) {
    const SANE_Option_Descriptor* d = sane_get_option_descriptor(h, i);
    if (d && d->name && std::strcmp(d->name, name) == 0) {
      if (!SANE_OPTION_IS_ACTIVE(d->cap) || !SANE_OPTION_IS_SETTABLE(d->cap)) return std::nullopt;
      return Option{i, d};
    }
  }
  return std::nullopt;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

SANE_Status set_mode(SANE_Handle h, ScanMode mode, std::string& why) {
  auto opt = find_option(h, SANE_NAME_SCAN_MODE);
  const char* wanted = mode == ScanMode::Color ? SANE_VALUE_SCAN_MODE_COLOR : SANE_VALUE_SCAN_MODE_GRAY;
  if (!opt) {
    if (mode == ScanMode::Gray) return SANE_STATUS_GOOD;  // a gray-only scanner has no mode option
    why = "the scanner has no colour mode";
    return SANE_STATUS_UNSUPPORTED;
  }
  if (opt->desc->type != SANE_TYPE_STRING) return SANE_STATUS_GOOD;
  // The standard names first; then a name that starts the same way ("Grayscale", "Color24").
  std::string chosen;
  if (opt->desc->constraint_type == SANE_CONSTRAINT_STRING_LIST) {
    for (const SANE_String_Const* s = opt->desc->constraint.string_list; s && *s; ++s) {
      if (std::strcmp(*s, wanted) == 0) chosen = *s;
    }
    if (chosen.empty()) {
      const std::string prefix = lower(mode == ScanMode::Color ? "Colo" : "Gray");
      for (const SANE_String_Const* s = opt->desc->constraint.string_list; s && *s && chosen.empty(); ++s) {
        if (lower(*s).rfind(prefix, 0) == 0 || (mode == ScanMode::Gray && lower(*s).rfind("grey", 0) == 0)) {
          chosen = *s;
        }
      }
    }
    if (chosen.empty()) {
      why = std::string("the scanner offers no ") + (mode == ScanMode::Color ? "colour" : "gray") + " mode";
      return SANE_STATUS_UNSUPPORTED;
    }
  } else {
    chosen = wanted;
  }
  std::vector<char> value(static_cast<std::size_t>(std::max<SANE_Int>(opt->desc->size, 1)) + chosen.size() + 1, 0);
  std::memcpy(value.data(), chosen.c_str(), chosen.size());
  return sane_control_option(h, opt->index, SANE_ACTION_SET_VALUE, value.data(), nullptr);
}

// Sets the resolution to the nearest value the device allows; returns what the device took.
SANE_Status set_resolution(SANE_Handle h, int dpi, int& actual) {
  actual = dpi;
  auto opt = find_option(h, SANE_NAME_SCAN_RESOLUTION);
  if (!opt) return SANE_STATUS_GOOD;
  const auto* d = opt->desc;
  const bool fixed = d->type == SANE_TYPE_FIXED;
  if (!fixed && d->type != SANE_TYPE_INT) return SANE_STATUS_GOOD;
  auto to_dpi = [&](SANE_Word w) { return fixed ? SANE_UNFIX(w) : static_cast<double>(w); };
  auto to_word = [&](double v) { return fixed ? SANE_FIX(v) : static_cast<SANE_Word>(std::lround(v)); };

  SANE_Word value = to_word(dpi);
  if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST && d->constraint.word_list) {
    const SANE_Word* list = d->constraint.word_list;
    double best = -1;
    for (SANE_Word i = 1; i <= list[0]; ++i) {
      const double diff = std::fabs(to_dpi(list[i]) - dpi);
      if (best < 0 || diff < best) {
        best = diff;
        value = list[i];
      }
    }
  }
  // Range constraints are left to the backend (sane_control_option clamps and quantises).
  SANE_Int info = 0;
  SANE_Status st = sane_control_option(h, opt->index, SANE_ACTION_SET_VALUE, &value, &info);
  if (st != SANE_STATUS_GOOD) return st;
  SANE_Word taken = value;
  if (sane_control_option(h, opt->index, SANE_ACTION_GET_VALUE, &taken, nullptr) == SANE_STATUS_GOOD) value = taken;
  actual = static_cast<int>(std::lround(to_dpi(value)));
  return SANE_STATUS_GOOD;
}

// The whole area: top-left at its minimum, bottom-right at its maximum.
SANE_Status set_full_area(SANE_Handle h) {
  struct Edge {
    const char* name;
    bool low;
  };
  for (const Edge& e : {Edge{SANE_NAME_SCAN_TL_X, true}, Edge{SANE_NAME_SCAN_TL_Y, true},
                        Edge{SANE_NAME_SCAN_BR_X, false}, Edge{SANE_NAME_SCAN_BR_Y, false}}) {
    auto opt = find_option(h, e.name);
    if (!opt || (opt->desc->type != SANE_TYPE_FIXED && opt->desc->type != SANE_TYPE_INT)) continue;
    const auto* d = opt->desc;
    SANE_Word value = 0;
    if (d->constraint_type == SANE_CONSTRAINT_RANGE && d->constraint.range) {
      value = e.low ? d->constraint.range->min : d->constraint.range->max;
    } else if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST && d->constraint.word_list &&
               d->constraint.word_list[0] > 0) {
      const SANE_Word* list = d->constraint.word_list;
      value = list[1];
      for (SANE_Word i = 2; i <= list[0]; ++i) value = e.low ? std::min(value, list[i]) : std::max(value, list[i]);
    } else {
      continue;
    }
    SANE_Status st = sane_control_option(h, opt->index, SANE_ACTION_SET_VALUE, &value, nullptr);
    if (st != SANE_STATUS_GOOD) return st;
  }
  return SANE_STATUS_GOOD;
}

// After an empty read: whether the select fd is a socket whose peer has closed with nothing left
// to read. The net backend then returns empty reads for ever (saned died mid-page).
bool peer_closed(int fd) {
  if (fd < 0) return false;
  char c = 0;
  const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0;
}

// Registers the handle for cancel() while reading, and clears it before the handle is closed.
class ReadingRegistration {
 public:
  ReadingRegistration(DocumentScanner::Session& s, SANE_Handle h, bool blocking) : s_(s) {
    std::lock_guard lock(s_.mutex);
    s_.handle = h;
    s_.blocking_reads = blocking;
  }
  ~ReadingRegistration() {
    std::lock_guard lock(s_.mutex);
    s_.handle = nullptr;
  }
  ReadingRegistration(const ReadingRegistration&) = delete;
  ReadingRegistration& operator=(const ReadingRegistration&) = delete;

 private:
  DocumentScanner::Session& s_;
};

// Lets cancel() reach the watchdog of the scan in progress.
class WatchdogRegistration {
 public:
  WatchdogRegistration(DocumentScanner::Session& s, Watchdog& w) : s_(s) {
    std::lock_guard lock(s_.mutex);
    s_.watchdog = &w;
  }
  ~WatchdogRegistration() {
    std::lock_guard lock(s_.mutex);
    s_.watchdog = nullptr;
  }
  WatchdogRegistration(const WatchdogRegistration&) = delete;
  WatchdogRegistration& operator=(const WatchdogRegistration&) = delete;

 private:
  DocumentScanner::Session& s_;
};

// Arms the watchdog with `limit` when it goes: the calls of the objects destroyed after it (the
// device's close, SANE's exit) get that long.
class LettingGo {
 public:
  LettingGo(Watchdog& watchdog, std::chrono::milliseconds limit) : watchdog_(watchdog), limit_(limit) {}
  ~LettingGo() { watchdog_.arm(ScanStep::Read, limit_); }
  LettingGo(const LettingGo&) = delete;
  LettingGo& operator=(const LettingGo&) = delete;

 private:
  Watchdog& watchdog_;
  std::chrono::milliseconds limit_;
};

class OpenDevice {
 public:
  explicit OpenDevice(SANE_Handle h) : h_(h) {}
  ~OpenDevice() {
    if (h_) sane_close(h_);
  }
  OpenDevice(const OpenDevice&) = delete;
  OpenDevice& operator=(const OpenDevice&) = delete;
  SANE_Handle get() const { return h_; }

 private:
  SANE_Handle h_;
};

struct FrameRead {
  std::optional<ScanProblem> problem;
  Frame frame;
  int expected_lines = -1;
};

}  // namespace

const char* to_string(ScanProblemKind kind) {
  switch (kind) {
    case ScanProblemKind::Unreachable:
      return "unreachable";
    case ScanProblemKind::NoDevice:
      return "no_device";
    case ScanProblemKind::Jammed:
      return "jammed";
    case ScanProblemKind::NoPaper:
      return "no_paper";
    case ScanProblemKind::CoverOpen:
      return "cover_open";
    case ScanProblemKind::Busy:
      return "busy";
    case ScanProblemKind::Cancelled:
      return "cancelled";
    case ScanProblemKind::Failed:
      return "failed";
  }
  return "failed";
}

ScanProblem make_problem(ScanProblemKind kind, std::string detail, std::string_view sane_words) {
  return ScanProblem{kind, operator_message(kind, sane_words), std::move(detail)};
}

std::string operator_message(ScanProblemKind kind, std::string_view sane_words) {
  switch (kind) {
    case ScanProblemKind::Unreachable:
      return "The scanner cannot be reached";
    case ScanProblemKind::NoDevice:
      return "No scanner was found";
    case ScanProblemKind::Jammed:
      return "Paper jammed in the scanner";
    case ScanProblemKind::NoPaper:
      return "No page in the scanner";
    case ScanProblemKind::CoverOpen:
      return "The scanner's cover is open";
    case ScanProblemKind::Busy:
      return "The scanner is busy";
    case ScanProblemKind::Cancelled:
      return "The scan was cancelled";
    case ScanProblemKind::Failed:
      break;
  }
  if (sane_words.empty()) return "The scanner reported an error";
  return "The scanner reported an error: " + std::string(sane_words);
}

ScanProblem problem_for_status(int sane_status, ScanStep step) {
  // Statuses 12 and 13 are reserved by SANE's header for later versions (warming up, locked for
  // transport); some backends return them already.
  constexpr int kWarmingUp = 12;
  constexpr int kHardwareLocked = 13;
  const std::string words = sane_strstatus(static_cast<SANE_Status>(sane_status));
  const std::string detail = std::string(step_word(step)) + ": " + words;
  switch (sane_status) {
    case SANE_STATUS_CANCELLED:
      return make_problem(ScanProblemKind::Cancelled, detail);
    case SANE_STATUS_DEVICE_BUSY:
    case kWarmingUp:
    case kHardwareLocked:
      return make_problem(ScanProblemKind::Busy, detail);
    case SANE_STATUS_JAMMED:
      return make_problem(ScanProblemKind::Jammed, detail);
    case SANE_STATUS_NO_DOCS:
      return make_problem(ScanProblemKind::NoPaper, detail);
    case SANE_STATUS_COVER_OPEN:
      return make_problem(ScanProblemKind::CoverOpen, detail);
    case SANE_STATUS_INVAL:
      // sane_open's answer for a name no backend knows.
      if (step == ScanStep::Open) return make_problem(ScanProblemKind::NoDevice, detail);
      break;
    case SANE_STATUS_IO_ERROR:
      // sane_open's answer when the device (or the saned serving it) cannot be reached.
      if (step == ScanStep::Open) return make_problem(ScanProblemKind::Unreachable, detail);
      break;
    default:
      break;
  }
  return make_problem(ScanProblemKind::Failed, detail, words);
}

ScanResult<std::vector<ScannerDevice>> list_devices(const std::filesystem::path& config_dir) {
  SaneSession session(config_dir);
  if (session.status() != SANE_STATUS_GOOD) return problem_for_status(session.status(), ScanStep::Init);
  const SANE_Device** devices = nullptr;
  SANE_Status st = sane_get_devices(&devices, SANE_FALSE);
  if (st != SANE_STATUS_GOOD) return problem_for_status(st, ScanStep::Init);
  std::vector<ScannerDevice> out;
  for (const SANE_Device** d = devices; d && *d; ++d) {
    auto text = [](const char* s) { return std::string(s ? s : ""); };
    out.push_back({text((*d)->name), text((*d)->vendor), text((*d)->model), text((*d)->type)});
  }
  return out;
}

DocumentScanner::DocumentScanner(ScannerOptions options)
    : options_(std::move(options)), session_(std::make_shared<Session>()) {}

DocumentScanner::~DocumentScanner() = default;

void DocumentScanner::cancel() {
  session_->cancel_requested = true;
  std::lock_guard lock(session_->mutex);
  // A step waiting on a scanner that does not answer ends now rather than at its limit.
  if (session_->watchdog) session_->watchdog->fire_now();
  // With non-blocking reads the scanning thread sees the flag within 100 ms and cancels itself;
  // a backend that blocks in sane_read is cancelled from here (SANE allows it from any thread).
  if (session_->handle && session_->blocking_reads) {
    SigpipeBlock no_sigpipe;
    sane_cancel(session_->handle);
  }
}

ScanResult<ScannedPage> DocumentScanner::scan_page() {
  Session& shared = *session_;
  shared.cancel_requested = false;
  const auto cancelled = [&](ScanStep step) {
    return make_problem(ScanProblemKind::Cancelled, std::string(step_word(step)) + ": cancelled by the operator");
  };

  // Declared first, so that it also bounds the closing calls the destructors below make; each
  // step arms it anew, and the last armed step covers the way out of every return.
  Watchdog watchdog(options_.answer_timeout, options_.on_progress);
  WatchdogRegistration guarded(shared, watchdog);
  const auto unanswered = [&](const std::string& device) -> std::optional<ScanProblem> {
    const auto step = watchdog.fired();
    if (!step) return std::nullopt;
    if (shared.cancel_requested) return cancelled(*step);
    return with_device(
        make_problem(ScanProblemKind::Unreachable, std::string(step_word(*step)) + ": the scanner did not answer for " +
                                                       std::to_string(watchdog.limit().count()) + " ms"),
        device);
  };
  watchdog.arm(ScanStep::Init);
  SaneSession sane(options_.config_dir);
  if (sane.status() != SANE_STATUS_GOOD) return problem_for_status(sane.status(), ScanStep::Init);

  // The device: the one named, or the first one found.
  std::string name = options_.device;
  if (name.empty()) {
    const SANE_Device** devices = nullptr;
    watchdog.arm(ScanStep::Open);
    SANE_Status st = sane_get_devices(&devices, SANE_FALSE);
    if (auto p = unanswered("")) return *p;
    if (st != SANE_STATUS_GOOD) return problem_for_status(st, ScanStep::Init);
    if (!devices || !devices[0] || !devices[0]->name) {
      return make_problem(ScanProblemKind::NoDevice, "open: SANE found no scanner");
    }
    name = devices[0]->name;
  }
  if (shared.cancel_requested) return cancelled(ScanStep::Open);

  SANE_Handle raw = nullptr;
  watchdog.arm(ScanStep::Open);
  SANE_Status st = sane_open(name.c_str(), &raw);
  if (auto p = unanswered(name)) {
    if (raw) sane_close(raw);
    return *p;
  }
  if (st != SANE_STATUS_GOOD || !raw) return with_device(problem_for_status(st, ScanStep::Open), name);
  OpenDevice device(raw);
  const SANE_Handle h = device.get();
  // On every way out from here the outcome is in hand: the close and the exit get close_timeout
  // (destroyed before `device`, this arms the watchdog for them).
  const LettingGo letting_go(watchdog, options_.close_timeout);
  // Ends a scan whose outcome is known: the cancel gets close_timeout.
  const auto let_go = [&](ScanStep step) {
    watchdog.arm(step, options_.close_timeout);
    sane_cancel(h);
  };

  std::string why;
  watchdog.arm(ScanStep::Configure);
  st = set_mode(h, options_.mode, why);
  if (auto p = unanswered(name)) return *p;
  if (st != SANE_STATUS_GOOD) {
    return with_device(why.empty() ? problem_for_status(st, ScanStep::Configure) : failed(ScanStep::Configure, why),
                       name);
  }
  int dpi = options_.resolution_dpi;
  st = set_resolution(h, options_.resolution_dpi, dpi);
  if (st == SANE_STATUS_GOOD) st = set_full_area(h);
  if (auto p = unanswered(name)) return *p;
  if (st != SANE_STATUS_GOOD) return with_device(problem_for_status(st, ScanStep::Configure), name);
  if (shared.cancel_requested) return cancelled(ScanStep::Start);

  watchdog.arm(ScanStep::Start);
  st = sane_start(h);
  if (auto p = unanswered(name)) {
    let_go(ScanStep::Start);
    return *p;
  }
  if (st != SANE_STATUS_GOOD) {
    let_go(ScanStep::Start);
    return with_device(problem_for_status(st, ScanStep::Start), name);
  }

  SANE_Parameters params{};
  st = sane_get_parameters(h, &params);
  if (auto p = unanswered(name)) {
    let_go(ScanStep::Start);
    return *p;
  }
  if (st != SANE_STATUS_GOOD) {
    let_go(ScanStep::Start);
    return with_device(problem_for_status(st, ScanStep::Start), name);
  }
  if ((params.format != SANE_FRAME_GRAY && params.format != SANE_FRAME_RGB) || !params.last_frame) {
    let_go(ScanStep::Start);
    return with_device(failed(ScanStep::Start, "three-pass colour scanning is not supported"), name);
  }
  if (params.bytes_per_line <= 0 || params.pixels_per_line <= 0) {
    let_go(ScanStep::Start);
    return with_device(failed(ScanStep::Start, "the scanner announced an empty page"), name);
  }

  Frame frame;
  frame.color = params.format == SANE_FRAME_RGB;
  frame.depth = params.depth;
  frame.pixels_per_line = params.pixels_per_line;
  frame.bytes_per_line = params.bytes_per_line;
  if (params.lines > 0) {
    frame.data.reserve(static_cast<std::size_t>(params.lines) * static_cast<std::size_t>(params.bytes_per_line));
  }

  // Non-blocking reads with the backend's select fd let this thread wait in poll (and see cancel()
  // and a dead connection); a backend without them blocks in sane_read.
  const bool nonblocking = sane_set_io_mode(h, SANE_TRUE) == SANE_STATUS_GOOD;
  SANE_Int select_fd = -1;
  if (sane_get_select_fd(h, &select_fd) != SANE_STATUS_GOOD) select_fd = -1;
  if (auto p = unanswered(name)) {
    let_go(ScanStep::Start);
    return *p;
  }
  // Reading has its own bound (stall_timeout); the watchdog only bounds each read call.
  watchdog.disarm();

  std::optional<ScanProblem> problem;
  {
    ReadingRegistration reading(shared, h, !nonblocking);
    std::vector<SANE_Byte> buffer(64 * 1024);
    auto last_data = Clock::now();
    for (;;) {
      if (shared.cancel_requested) {
        problem = cancelled(ScanStep::Read);
        break;
      }
      SANE_Int length = 0;
      // A non-blocking read returns at once, except that SANE's net backend, when the page ends or
      // the scanner reports a problem, sends saned a cancel from inside it and waits for the
      // answer: bounded like the closing calls, the outcome being in hand.
      if (nonblocking) watchdog.arm(ScanStep::Read, options_.close_timeout);
      st = sane_read(h, buffer.data(), static_cast<SANE_Int>(buffer.size()), &length);
      if (nonblocking) watchdog.disarm();
      if (st == SANE_STATUS_EOF) break;
      if (st != SANE_STATUS_GOOD) {
        if (shared.cancel_requested) {
          problem = cancelled(ScanStep::Read);
        } else if (st == SANE_STATUS_IO_ERROR && watchdog.fired()) {
          problem =
              make_problem(ScanProblemKind::Unreachable, "read: the scanner did not answer for " +
                                                             std::to_string(options_.close_timeout.count()) + " ms");
        } else {
          problem = problem_for_status(st, ScanStep::Read);
        }
        break;
      }
      if (length > 0) {
        frame.data.insert(frame.data.end(), buffer.begin(), buffer.begin() + length);
        last_data = Clock::now();
        if (options_.on_progress) options_.on_progress(ScanStep::Read);
        continue;
      }
      // Nothing this time: wait for data, but not for ever.
      if (select_fd >= 0) {
        pollfd pfd{select_fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, 100);
        if (ready > 0 && peer_closed(select_fd)) {
          problem = make_problem(ScanProblemKind::Unreachable, "read: the scanner's connection closed mid-page");
          break;
        }
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (Clock::now() - last_data > options_.stall_timeout) {
        problem = make_problem(ScanProblemKind::Unreachable,
                               "read: no data for " + std::to_string(options_.stall_timeout.count()) + " ms");
        break;
      }
    }
  }
  // Ends the scan (after EOF too: SANE's frontends call it to let the device go idle). From here
  // on (this cancel, then the close and the exit on the way out) the result is in hand: a
  // scanner that does not let go within close_timeout has its connections shut down.
  let_go(ScanStep::Read);
  if (problem) return with_device(*problem, name);

  if (params.lines > 0 && frame.lines() < params.lines) {
    return with_device(failed(ScanStep::Read, "the page arrived incomplete (" + std::to_string(frame.lines()) + " of " +
                                                  std::to_string(params.lines) + " lines)"),
                       name);
  }
  if (params.lines > 0) {
    frame.data.resize(static_cast<std::size_t>(params.lines) * static_cast<std::size_t>(params.bytes_per_line));
  }
  if (frame.lines() == 0) return with_device(failed(ScanStep::Read, "the scanner sent no lines"), name);

  auto png = encode_png(frame, dpi);
  if (!png.ok()) return with_device(failed(ScanStep::Read, png.error()), name);
  ScannedPage page;
  page.png = std::move(png.value());
  page.width = frame.pixels_per_line;
  page.height = frame.lines();
  page.dpi = dpi;
  page.color = frame.color;
  return page;
}

}  // namespace guichet::hardware::scanner
