#include "guichet/crash/crash_point.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace guichet::crash {

namespace {

class Control {
 public:
  explicit Control(std::string file) : file_(std::move(file)) {}

  void pass(const char* name) {
    std::lock_guard lock(mu_);
    refresh();
    auto it = remaining_.find(name);
    if (it == remaining_.end() || it->second <= 0) return;
    if (--it->second > 0) return;
    // Renamed first: a process started again does not find the point armed.
    std::rename(file_.c_str(), (file_ + ".fired").c_str());
    const std::string says = std::string("guichet: crash point ") + name + " reached (GUICHET_CRASH_FILE); killed\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, says.data(), says.size());
    std::raise(SIGKILL);
  }

 private:
  // The file as last read: identified by inode, size and modification time.
  void refresh() {
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) {
      remaining_.clear();
      seen_ = Seen{};
      return;
    }
    const Seen now{st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
    if (now == seen_) return;
    seen_ = now;
    remaining_.clear();
    std::ifstream in(file_);
    std::string name;
    long count = 0;
    while (in >> name >> count) remaining_[name] = count;
  }

  struct Seen {
    ino_t ino = 0;
    off_t size = -1;
    long sec = 0, nsec = 0;
    bool operator==(const Seen&) const = default;
  };

  std::string file_;
  std::mutex mu_;
  Seen seen_;
  std::map<std::string, long, std::less<>> remaining_;
};

Control* from_environment() {
  const char* file = std::getenv("GUICHET_CRASH_FILE");
  if (file == nullptr || *file == '\0') return nullptr;
  static Control control(file);
  return &control;
}

}  // namespace

void point(const char* name) {
  static Control* const control = from_environment();
  if (control == nullptr) return;
  control->pass(name);
}

}  // namespace guichet::crash
