// Real processes for integration and end-to-end tests: start a program with arguments and extra
// environment, capture its output to files, talk to it over stdin/stdout, stop it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace guichet::testing {

struct ProcessOptions {
  std::vector<std::string> args;           // argv[1…]
  std::map<std::string, std::string> env;  // added to (or replacing in) the parent's environment
  std::filesystem::path log_dir;           // stdout/stderr go to log_dir/<name>.out/.err (default: temp)
  bool pipe_stdin = false;                 // keep a pipe to the child's stdin
  bool pipe_stdout = false;                // read the child's stdout line by line instead of a file
};

class Process {
 public:
  Process(std::string name, const std::filesystem::path& program, ProcessOptions options = {});
  ~Process();  // terminates the process if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit status (or 128+signal).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  void kill9();
  // Waits for the process to exit on its own; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  void write_line(const std::string& line);  // needs pipe_stdin
  void close_stdin();                        // end of input for the child
  // Next line of stdout within timeout (needs pipe_stdout); nullopt on timeout or EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  std::string stdout_text() const;  // the captured file (not with pipe_stdout)
  std::string stderr_text() const;
  const std::filesystem::path& stderr_path() const { return err_path_; }

 private:
  std::string name_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_buffer_;
  std::filesystem::path out_path_, err_path_;
  std::optional<int> exit_status_;
};

// A fresh temporary directory removed at destruction (kept when GUICHET_KEEP_TEST_DIRS=1).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "guichet-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Waits until `path` exists and is non-empty; returns its content (trimmed) or nullopt on timeout.
std::optional<std::string> wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout);

// Runs a program to completion with `input` on stdin; returns exit status and stdout.
// A loopback port kept while the server that had it is down, so that it can come back on it:
// bound and never listening, a connection to it is refused at once (as to a stopped server), and
// the kernel gives it to no other server meanwhile (tests run side by side take ports too: one
// that got a stopped server's port would answer in its place).
class PortHold {
 public:
  PortHold() = default;
  explicit PortHold(std::uint16_t port);  // held when free to bind (see held())
  ~PortHold();
  PortHold(PortHold&& other) noexcept;
  PortHold& operator=(PortHold&& other) noexcept;
  PortHold(const PortHold&) = delete;
  PortHold& operator=(const PortHold&) = delete;
  bool held() const { return fd_ >= 0; }
  void release();  // before the server binds it again

 private:
  int fd_ = -1;
};

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};
RunResult run(const std::filesystem::path& program, const std::vector<std::string>& args, const std::string& input = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

std::string read_file(const std::filesystem::path& path);

}  // namespace guichet::testing
