#include "guichet/testing/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace guichet::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> merged_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

Process::Process(std::string name, const fs::path& program, ProcessOptions options) : name_(std::move(name)) {
  fs::path log_dir = options.log_dir.empty() ? fs::temp_directory_path() : options.log_dir;
  fs::create_directories(log_dir);
  out_path_ = log_dir / (name_ + ".out");
  err_path_ = log_dir / (name_ + ".err");

  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
  if (options.pipe_stdin && pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (options.pipe_stdout && pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  std::vector<std::string> argv_s{program.string()};
  argv_s.insert(argv_s.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = merged_env(options.env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int max_fd = static_cast<int>(std::max(sysconf(_SC_OPEN_MAX), 256L));
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: only async-signal-safe calls from here on.
    setpgid(0, 0);
    if (options.pipe_stdin) {
      dup2(in_pipe[0], 0);
    } else {
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
    }
    if (options.pipe_stdout) {
      dup2(out_pipe[1], 1);
    } else {
      int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
    }
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    // Nothing else of the parent's goes with the child: a test's fault proxy runs in the test
    // process, and a child holding a copy of one of its sockets kept that connection open after
    // the proxy reset it (the terminal on its other end then waited out its timeout).
    if (close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < max_fd; ++fd) close(fd);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (options.pipe_stdin) {
    close(in_pipe[0]);
    stdin_fd_ = in_pipe[1];
  }
  if (options.pipe_stdout) {
    close(out_pipe[1]);
    stdout_fd_ = out_pipe[0];
  }
}

Process::~Process() {
  if (running()) stop(2000ms);
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool Process::running() {
  if (exit_status_ || pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = decode_status(status);
    return false;
  }
  return r == 0;
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
  return exit_status_;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (running()) {
    ::kill(pid_, SIGTERM);
    if (!wait(grace)) {
      ::kill(pid_, SIGKILL);
      wait(5000ms);
    }
  }
  return exit_status_.value_or(-1);
}

void Process::kill9() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(5000ms);
  }
}

void Process::write_line(const std::string& line) {
  if (stdin_fd_ < 0) throw std::logic_error(name_ + ": stdin is not piped");
  std::string data = line + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(stdin_fd_, p, left);
    if (n <= 0) throw std::runtime_error(name_ + ": cannot write to stdin");
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::optional<std::string> Process::read_line(std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) throw std::logic_error(name_ + ": stdout is not piped");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = stdout_buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, nl);
      stdout_buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    stdout_buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void Process::close_stdin() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

std::string Process::stdout_text() const { return read_file(out_path_); }
std::string Process::stderr_text() const { return read_file(err_path_); }

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("GUICHET_KEEP_TEST_DIRS");
  if (keep && std::string(keep) == "1") return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> wait_for_file(const fs::path& path, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) {
      std::string s = read_file(path);
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
      if (!s.empty()) return s;
    }
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

RunResult run(const fs::path& program, const std::vector<std::string>& args, const std::string& input,
              std::chrono::milliseconds timeout) {
  TempDir logs("guichet-run");
  ProcessOptions opts;
  opts.args = args;
  opts.log_dir = logs.path();
  opts.pipe_stdin = true;
  RunResult result;
  {
    Process p("run", program, opts);
    if (!input.empty()) p.write_line(input);
    p.close_stdin();
    auto status = p.wait(timeout);
    result.status = status ? *status : p.stop();
    result.out = p.stdout_text();
    result.err = p.stderr_text();
  }
  return result;
}

PortHold::PortHold(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  // Past the stopped server's connections in TIME_WAIT; a port bound this way is still never
  // picked for another socket's bind to port 0.
  const int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) release();
}

PortHold::~PortHold() { release(); }

PortHold::PortHold(PortHold&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

PortHold& PortHold::operator=(PortHold&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void PortHold::release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace guichet::testing
