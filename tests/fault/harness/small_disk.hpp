// A terminal's disk that really fills up: its data directory is a small filesystem of its own
// (tmpfs, mounted in the run's private mount namespace, so nothing outlives the test process),
// and "full" is a file that takes every free block of it. SQLite then meets ENOSPC (SQLITE_FULL)
// as on a kiosk whose card filled, across restarts of the terminal too, until the file is removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace guichet::fault {

class SmallDisk {
 public:
  // Whether this process may mount one: it moves its main thread (the caller: the runner starts
  // every process from it, and its children inherit the namespace) into a private mount
  // namespace, once. False, with the reason in `why`, without the right to (no CAP_SYS_ADMIN).
  static bool available(std::string& why);

  // Mounts a filesystem of `bytes` on `dir` (created if need be, and empty).
  SmallDisk(std::filesystem::path dir, std::uint64_t bytes);
  ~SmallDisk();  // unmounts; with GUICHET_KEEP_TEST_DIRS=1 its files are copied to <dir>.kept first
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  void fill();   // no free block left
  void empty();  // the room back
  std::uint64_t free_bytes() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path filler_;
};

}  // namespace guichet::fault
