// A guichet-server process for the benchmarks: started on 127.0.0.1 with any free port, its
// standard error in a log file, stopped with SIGTERM (it stores everything accepted first).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace guichet::bench {

struct ServerSpec {
  std::filesystem::path binary;
  std::filesystem::path dir;  // port file and log go here
  std::filesystem::path db;
  std::filesystem::path catalogue;  // centre: the catalogue file; central: the folder of catalogues
  std::string role = "centre";
  std::string name = "server";  // the log is <dir>/<name>.log, the port file <dir>/<name>.port
  int threads = 2;
  std::string synchronous = "full";
  std::string listen = "127.0.0.1:0";  // any free port
  std::vector<std::string> extra_args;
};

class ServerProcess {
 public:
  explicit ServerProcess(const ServerSpec& spec) {
    port_file_ = spec.dir / (spec.name + ".port");
    std::filesystem::remove(port_file_);
    std::vector<std::string> args{spec.binary.string(),
                                  "serve",
                                  "--role",
                                  spec.role,
                                  "--db",
                                  spec.db.string(),
                                  spec.role == "central" ? "--catalogue-dir" : "--catalogue",
                                  spec.catalogue.string(),
                                  "--listen",
                                  spec.listen,
                                  "--port-file",
                                  port_file_.string(),
                                  "--threads",
                                  std::to_string(spec.threads),
                                  "--synchronous",
                                  spec.synchronous};
    args.insert(args.end(), spec.extra_args.begin(), spec.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    log_ = (spec.dir / (spec.name + ".log")).string();
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + spec.binary.string());
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(port_file_);
      in >> port_;
    }
    if (port_ == 0) throw std::runtime_error("the server did not start; see " + log_);
  }
  ~ServerProcess() { stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int stop() {
    if (pid_ <= 0) return 0;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }
  // The server's own account of its commits, logged when it stops.
  std::string commit_summary() const {
    std::ifstream in(log_);
    std::string line, found;
    while (std::getline(in, line)) {
      auto pos = line.find("info: stored ");
      if (pos != std::string::npos) found = line.substr(pos + 6);
    }
    return found;
  }
  // CPU seconds the server has used so far (user + system).
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string log_;
  std::filesystem::path port_file_;
};

// PSS and RSS of a process in kB, from /proc/PID/smaps_rollup (0 if unreadable).
inline std::pair<long, long> pss_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  long pss = 0, rss = 0;
  while (std::getline(in, line)) {
    if (line.rfind("Pss:", 0) == 0) pss = std::stol(line.substr(4));
    if (line.rfind("Rss:", 0) == 0) rss = std::stol(line.substr(4));
  }
  return {pss, rss};
}

}  // namespace guichet::bench
