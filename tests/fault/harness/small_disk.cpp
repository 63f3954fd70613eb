#include "small_disk.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace guichet::fault {

namespace fs = std::filesystem;

bool SmallDisk::available(std::string& why) {
  static const std::string reason = [] {
    if (::unshare(CLONE_NEWNS) != 0) return "no private mount namespace: " + std::string(std::strerror(errno));
    // Nothing mounted here reaches the rest of the machine.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return "the mounts could not be made private: " + std::string(std::strerror(errno));
    return std::string();
  }();
  why = reason;
  return reason.empty();
}

SmallDisk::SmallDisk(fs::path dir, std::uint64_t bytes) : dir_(std::move(dir)), filler_(dir_ / ".filler") {
  fs::create_directories(dir_);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
  if (::mount("guichet-small-disk", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
    throw std::runtime_error("mounting a small disk on " + dir_.string() + ": " + std::strerror(errno));
}

SmallDisk::~SmallDisk() {
  std::error_code ec;
  fs::remove(filler_, ec);
  const char* keep = std::getenv("GUICHET_KEEP_TEST_DIRS");
  if (keep && std::string(keep) == "1") {
    fs::copy(dir_, dir_.string() + ".kept", fs::copy_options::recursive, ec);
  }
  ::umount2(dir_.c_str(), MNT_DETACH);
}

void SmallDisk::fill() {
  const int fd = ::open(filler_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;  // no room even for the file's entry: full already
  // Block by block from the largest that fits: tmpfs allocates whole pages, so the last few
  // bytes the count shows may not be writable; stop at the first ENOSPC of a single page.
  for (std::uint64_t chunk = std::uint64_t{1} << 24; chunk >= 4096;) {
    const std::uint64_t size = static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END));
    if (::fallocate(fd, 0, static_cast<off_t>(size), static_cast<off_t>(chunk)) != 0) chunk /= 2;
  }
  ::close(fd);
}

void SmallDisk::empty() {
  std::error_code ec;
  fs::remove(filler_, ec);
}

std::uint64_t SmallDisk::free_bytes() const {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace guichet::fault
