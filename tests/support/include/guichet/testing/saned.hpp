// A real network scanner for tests: SANE's own daemon (saned) serving SANE's `test` backend, on a
// loopback address of its own (127.0.0.N, port 6566), with the client's SANE configuration that
// reaches it.
//
// SANE's net backend has no port setting (a port in net.conf is read as part of the host name),
// so every simulator listens on 6566 and differs by address: N (2–254) comes from the process id
// and a counter, and another N is tried when the address is taken (another test, another
// engineer's saned). Two simulators may try one N at once: both daemons bind it (saned binds with
// SO_REUSEADDR) and only one gets to listen. A simulator counts as started only once its own
// daemon says it listens (saned runs at debug level 3), never on another's answer. The daemon
// reads a private configuration directory (dll.conf: test; saned.conf: loopback; test.conf: the
// picture, devices and faults asked for). The client directory (dll.conf: net; net.conf:
// connect_timeout and the addresses) is what SANE_CONFIG_DIR (ScannerOptions::config_dir) must
// point at; it is one directory for the whole process, because
// SANE's dll layer reads SANE_CONFIG_DIR only the first time (net.conf is read at every
// sane_init).
//
//   guichet::testing::SanedSimulator sim({.picture = "Grid"});
//   ASSERT_TRUE(sim.start()) << sim.log();
//   scanner::DocumentScanner scanner({.device = sim.device_name(), .config_dir = sim.client_config_dir()});
//
// saned forks a child per connection: stop() and kill() signal the whole process group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace guichet::testing {

class Process;
class TempDir;

struct SanedOptions {
  int devices = 1;                          // number_of_devices: test:0 … test:(devices-1)
  std::string picture = "Grid";             // "Solid black", "Solid white", "Color pattern", "Grid" (10 mm squares)
  int depth = 8;                            // 1, 8 or 16 bits per sample
  bool hand_scanner = false;                // unknown height (lines = -1), 110 mm wide
  std::string source;                       // "" (Flatbed) or "Automatic Document Feeder" (empty after 10 pages)
  std::string read_status;                  // "" (Default) or "SANE_STATUS_JAMMED", "SANE_STATUS_NO_DOCS", …
  std::chrono::microseconds read_delay{0};  // pause per buffer the backend writes (1 ms – 200 ms); 0: none
  std::vector<std::string> extra_config;    // more test.conf lines
  int first_address = 0;                    // N of the first 127.0.0.N tried (2–254); 0: from the process id
};

class SanedSimulator {
 public:
  explicit SanedSimulator(SanedOptions options = {});
  ~SanedSimulator();  // stops the daemon and removes its directories
  SanedSimulator(const SanedSimulator&) = delete;
  SanedSimulator& operator=(const SanedSimulator&) = delete;

  // Starts saned (again after stop() or kill(): the same address first) and waits until it
  // accepts connections. False, with the reason in log(), when no address could be had in time.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Ends the daemon and its connections (SIGKILL to its process group: saned keeps no state, and a
  // connection child may be blocked in a scan) and reaps it. The address stays this simulator's.
  void stop();
  // The same, named for tests that crash the daemon mid-scan.
  void kill();
  // Freezes the daemon and its connection children (SIGSTOP): the kernel still completes new
  // connections, but nothing answers them, as with a hung saned. resume() lets it go on (SIGCONT).
  void pause();
  void resume();
  bool running();

  // Rewrites test.conf; a running daemon reads it for each new connection.
  void set_options(const SanedOptions& options);

  const std::string& address() const { return address_; }  // "127.0.0.42"
  std::string device_name(int index = 0) const;            // "net:127.0.0.42:test:0"
  // The client's SANE_CONFIG_DIR: one directory for the whole process (SANE's dll layer keeps the
  // first one it reads), whose net.conf lists every simulator alive in the process.
  const std::filesystem::path& client_config_dir() const;
  const std::filesystem::path& daemon_config_dir() const { return daemon_dir_; }
  pid_t pid() const;
  std::string log() const;  // what saned wrote on stderr, and the addresses tried

 private:
  void write_daemon_config() const;
  bool try_address(int n, std::chrono::steady_clock::time_point deadline);
  void signal_group(int signal);

  SanedOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::filesystem::path daemon_dir_, log_dir_;
  std::unique_ptr<Process> process_;
  int host_ = 0;  // N of 127.0.0.N, 0 before the first start
  std::string address_;
  std::string attempts_;
};

}  // namespace guichet::testing
