#include "guichet/testing/saned.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include "guichet/testing/process.hpp"

namespace guichet::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint16_t kSanePort = 6566;
// What saned prints (at debug level 3) once it listens; it exits when bind or listen failed.
constexpr std::string_view kListening = "waiting for control connection";

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

sockaddr_in loopback(const std::string& address) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(kSanePort);
  inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  return addr;
}

// Whether nothing listens on address:6566 (saned binds with SO_REUSEADDR, so do we).
bool can_bind(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback(address);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool accepts(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(address);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string address_of(int n) { return "127.0.0." + std::to_string(n); }

// N in 2..254, different for each simulator of this process and, likely, of other processes.
int first_host() {
  static std::atomic<int> counter{0};
  const int spread = static_cast<int>(::getpid()) * 7 + counter.fetch_add(1) * 31;
  return 2 + spread % 253;
}

// The client's configuration, one directory for the whole test process: SANE's dll layer reads
// SANE_CONFIG_DIR once per process (the first directory it sees stays its dll.conf's), while the
// net backend reads net.conf again at every sane_init. net.conf lists every running simulator.
struct ClientConfig {
  std::mutex mutex;
  std::multiset<std::string> addresses;  // one per simulator: two may hold one N while they start
  TempDir dir{"guichet-sane-client"};

  ClientConfig() { write(); }

  void write() {
    write_text(dir.path() / "dll.conf", "net\n");
    std::string conf = "connect_timeout = 3\n";
    for (auto a = addresses.begin(); a != addresses.end(); a = addresses.upper_bound(*a)) conf += *a + "\n";
    write_text(dir.path() / "net.conf", conf);
  }
  void add(const std::string& address) {
    std::lock_guard lock(mutex);
    addresses.insert(address);
    write();
  }
  void remove(const std::string& address) {
    std::lock_guard lock(mutex);
    if (const auto one = addresses.find(address); one != addresses.end()) addresses.erase(one);
    write();
  }
};

ClientConfig& client_config() {
  static ClientConfig config;
  return config;
}

fs::path saned_program() {
  for (const char* p : {"/usr/sbin/saned", "/usr/bin/saned", "/usr/local/sbin/saned"}) {
    if (fs::exists(p)) return p;
  }
  return "/usr/sbin/saned";
}

}  // namespace

SanedSimulator::SanedSimulator(SanedOptions options)
    : options_(std::move(options)), dir_(std::make_unique<TempDir>("guichet-saned")) {
  daemon_dir_ = dir_->path() / "daemon";
  log_dir_ = dir_->path() / "log";
  fs::create_directories(daemon_dir_);
  fs::create_directories(log_dir_);
  write_daemon_config();
}

SanedSimulator::~SanedSimulator() {
  stop();
  if (!address_.empty()) client_config().remove(address_);
}

const fs::path& SanedSimulator::client_config_dir() const { return client_config().dir.path(); }

void SanedSimulator::set_options(const SanedOptions& options) {
  options_ = options;
  write_daemon_config();
}

void SanedSimulator::write_daemon_config() const {
  write_text(daemon_dir_ / "dll.conf", "test\n");
  // Loopback only: the client connects from 127.0.0.1 to 127.0.0.N.
  write_text(daemon_dir_ / "saned.conf", "127.0.0.0/8\n");
  std::string conf;
  conf += "number_of_devices " + std::to_string(options_.devices) + "\n";
  conf += "test-picture \"" + options_.picture + "\"\n";
  conf += "depth " + std::to_string(options_.depth) + "\n";
  conf += std::string("hand-scanner ") + (options_.hand_scanner ? "true" : "false") + "\n";
  if (!options_.source.empty()) conf += "scan-source \"" + options_.source + "\"\n";
  if (!options_.read_status.empty()) conf += "read-status-code \"" + options_.read_status + "\"\n";
  if (options_.read_delay.count() > 0) {
    conf += "read-delay true\n";
    conf += "read-delay-duration " + std::to_string(options_.read_delay.count()) + "\n";
  }
  for (const auto& line : options_.extra_config) conf += line + "\n";
  write_text(daemon_dir_ / "test.conf", conf);
}

std::string SanedSimulator::device_name(int index) const {
  return "net:" + address_ + ":test:" + std::to_string(index);
}

pid_t SanedSimulator::pid() const { return process_ ? process_->pid() : -1; }

bool SanedSimulator::running() { return process_ && process_->running(); }

std::string SanedSimulator::log() const {
  std::string text = attempts_;
  if (process_) text += process_->stderr_text();
  return text;
}

bool SanedSimulator::start(std::chrono::milliseconds timeout) {
  stop();
  const auto deadline = Clock::now() + timeout;
  attempts_.clear();
  if (!fs::exists(saned_program())) {
    attempts_ += "saned is not installed (Debian: sane-utils)\n";
    return false;
  }
  // The address of the last run first, so a restarted daemon is found where it was; else the one
  // asked for, else one from the process id.
  const bool asked = options_.first_address >= 2 && options_.first_address <= 254;
  int n = host_ != 0 ? host_ : asked ? options_.first_address : first_host();
  for (int tries = 0; tries < 253 && Clock::now() < deadline; ++tries, n = 2 + (n - 2 + 1) % 253) {
    if (try_address(n, deadline)) return true;
  }
  attempts_ += "no free loopback address for saned\n";
  return false;
}

bool SanedSimulator::try_address(int n, Clock::time_point deadline) {
  const std::string address = address_of(n);
  if (!can_bind(address)) {
    attempts_ += address + ":6566 is taken\n";
    return false;
  }
  if (!address_.empty() && address_ != address) client_config().remove(address_);
  host_ = n;
  address_ = address;
  client_config().add(address_);
  ProcessOptions po;
  // Debug level 3: saned says when it listens, each connection and each request by number (what
  // a failed test prints); the per-buffer lines of level 4 are left out.
  po.args = {"-l", "-e", "-d", "3", "-b", address_, "-p", std::to_string(kSanePort)};
  po.env = {{"SANE_CONFIG_DIR", daemon_dir_.string()}};
  po.log_dir = log_dir_;
  process_ = std::make_unique<Process>("saned", saned_program(), po);
  while (Clock::now() < deadline) {
    if (!process_->running()) {
      // Another process took the address between the check and saned's bind.
      attempts_ += address + ": saned exited: " + process_->stderr_text();
      process_.reset();
      return false;
    }
    // saned says it waits for connections only once its socket listens. Another saned that took
    // the address first would answer a connection too, so the line (ours) is what counts.
    if (process_->stderr_text().find(kListening) != std::string::npos && accepts(address_)) return true;
    std::this_thread::sleep_for(20ms);
  }
  attempts_ += address + ": saned did not say it listens, or accept a connection, in time\n";
  return false;
}

void SanedSimulator::signal_group(int signal) {
  // Process puts the child in a process group of its own; saned's connection children share it.
  if (process_ && process_->pid() > 0) ::kill(-process_->pid(), signal);
}

void SanedSimulator::stop() {
  // saned keeps nothing worth a clean exit, and its connection children may be blocked in a scan:
  // the whole group goes at once, before the leader is reaped (its id names the group until then).
  kill();
}

void SanedSimulator::pause() { signal_group(SIGSTOP); }

void SanedSimulator::resume() { signal_group(SIGCONT); }

void SanedSimulator::kill() {
  if (!process_) return;
  signal_group(SIGKILL);
  process_->wait(5000ms);
  attempts_ += process_->stderr_text();
  process_.reset();
}

}  // namespace guichet::testing
