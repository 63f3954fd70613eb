// Crash points: a process whose arming file names a point dies by SIGKILL at the n-th pass after
// the file was written, renames the file so that it is not armed again, and says why; without
// the file nothing happens. Each case runs in a forked child (the point kills it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "guichet/crash/crash_point.hpp"
#include "guichet/testing/process.hpp"

namespace {

namespace fs = std::filesystem;
using guichet::crash::point;

// Runs `body` in a child with GUICHET_CRASH_FILE set to `file` (unset when empty); its wait status.
int in_child(const fs::path& file, const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (file.empty()) {
      ::unsetenv("GUICHET_CRASH_FILE");
    } else {
      ::setenv("GUICHET_CRASH_FILE", file.c_str(), 1);
    }
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

TEST(CrashPoint, WithoutAnArmingFileNothingHappens) {
  guichet::testing::TempDir dir("crash-point");
  write(dir / "armed", "server.stored 1\n");
  // The file exists, but the environment does not name it.
  const int status = in_child({}, [] {
    for (int i = 0; i < 10; ++i) point(guichet::crash::kServerStored);
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(fs::exists(dir / "armed"));
}

TEST(CrashPoint, TheNthPassThroughTheArmedPointKillsAndTheFileIsRenamed) {
  guichet::testing::TempDir dir("crash-point");
  const fs::path armed = dir / "armed";
  write(armed, "relay.answered 3\n");
  const fs::path passed = dir / "passed";
  const int status = in_child(armed, [&] {
    point(guichet::crash::kRelayAnswered);
    point(guichet::crash::kRelayAnswered);
    for (int i = 0; i < 5; ++i) point(guichet::crash::kServerStored);  // another point: not armed
    write(passed, "2");
    point(guichet::crash::kRelayAnswered);
    write(passed, "3");  // not reached
  });
  EXPECT_TRUE(killed(status)) << status;
  EXPECT_EQ(read(passed), "2");
  EXPECT_FALSE(fs::exists(armed));
  EXPECT_TRUE(fs::exists(dir / "armed.fired"));
}

TEST(CrashPoint, AFileWrittenWhileRunningArmsThePointAndAFiredOneDoesNotArmTheNextStart) {
  guichet::testing::TempDir dir("crash-point");
  const fs::path armed = dir / "armed";
  const fs::path passed = dir / "passed";
  const int first = in_child(armed, [&] {
    for (int i = 0; i < 5; ++i) point(guichet::crash::kTerminalAnswered);  // no file yet
    write(armed, "terminal.answered 1\n");                                 // as the harness arms a running process
    write(passed, "armed");
    point(guichet::crash::kTerminalAnswered);
    write(passed, "survived");
  });
  EXPECT_TRUE(killed(first)) << first;
  EXPECT_EQ(read(passed), "armed");
  // Started again with the same environment: the point fired, nothing is armed.
  const int second = in_child(armed, [] {
    for (int i = 0; i < 5; ++i) point(guichet::crash::kTerminalAnswered);
  });
  EXPECT_TRUE(WIFEXITED(second) && WEXITSTATUS(second) == 0) << second;
}

}  // namespace
