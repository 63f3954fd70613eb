// Runs guichet-printer-sim as a real process on 127.0.0.1 for one test, and talks to its control
// port.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace guichet::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls until pred() holds or the deadline passes; returns whether it held.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

inline std::optional<int> read_port(const fs::path& file) {
  std::ifstream in(file);
  int port = 0;
  if (in >> port && port > 0) return port;
  return std::nullopt;
}

class SimProcess {
 public:
  // Starts the simulator with its output under dir (emptied first).
  explicit SimProcess(const fs::path& dir, std::vector<std::string> extra_args = {}) : dir_(dir) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::vector<std::string> args = {GUICHET_PRINTER_SIM,
                                     "--port",
                                     "0",
                                     "--port-file",
                                     (dir_ / "print.port").string(),
                                     "--control-port",
                                     "0",
                                     "--control-port-file",
                                     (dir_ / "control.port").string(),
                                     "--out",
                                     out_dir().string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir_ / "sim.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << GUICHET_PRINTER_SIM << ": " << std::strerror(rc);
      pid_ = -1;
      return;
    }
    const bool up = wait_until([&] { return read_port(dir_ / "print.port") && read_port(dir_ / "control.port"); }, 10s);
    if (!up) {
      ADD_FAILURE() << "printer simulator did not write its port files; log: " << log;
      return;
    }
    port_ = static_cast<std::uint16_t>(*read_port(dir_ / "print.port"));
    control_port_ = static_cast<std::uint16_t>(*read_port(dir_ / "control.port"));
  }

  ~SimProcess() { stop(); }

  // Stops the process with SIGTERM and returns its exit status (-1 when it had to be killed).
  int stop() {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const bool exited = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 5s);
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      exit_status_ = -1;
    } else {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    pid_ = -1;
    return exit_status_;
  }

  bool running() const { return pid_ > 0 && port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::uint16_t control_port() const { return control_port_; }
  fs::path out_dir() const { return dir_ / "out"; }
  fs::path job_png(int n) const { return out_dir() / job_name(n, ".png"); }
  fs::path job_bin(int n) const { return out_dir() / job_name(n, ".bin"); }

  // Sends one control line and returns the reply line.
  std::string control(const std::string& line) const {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(control_port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return "error: cannot connect to the control port";
    }
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string msg = line + "\n";
    ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    std::string reply;
    char c = 0;
    while (reply.size() < 4096 && ::recv(fd, &c, 1, 0) == 1 && c != '\n') reply.push_back(c);
    ::close(fd);
    return reply;
  }

  std::string log() const {
    std::ifstream in(dir_ / "sim.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  static std::string job_name(int n, const char* ext) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "job-%04d%s", n, ext);
    return buf;
  }

  fs::path dir_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
};

}  // namespace guichet::test
