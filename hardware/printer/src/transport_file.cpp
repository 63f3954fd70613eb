// Appends job bytes to a file: a spool file for later replay, or a character device such as a
// parallel port. One way only, so the driver skips status queries.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "guichet/hardware/printer/transport.hpp"

namespace guichet::hardware::printer {

namespace {

class FileTransport final : public Transport {
 public:
  explicit FileTransport(FileOptions options) : options_(std::move(options)) {}
  ~FileTransport() override { close(); }

  Error open() override {
    if (fd_ >= 0) return {};
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (options_.truncate && !truncated_ ? O_TRUNC : 0);
    int fd = ::open(options_.path.c_str(), flags, 0644);
    if (fd < 0) {
      return {ErrorKind::file, "cannot open printer file " + options_.path.string() + ": " + std::strerror(errno)};
    }
    // Truncate once: reopening after close() must not erase jobs already written.
    truncated_ = true;
    fd_ = fd;
    return {};
  }

  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool is_open() const override { return fd_ >= 0; }

  Error write(std::span<const std::uint8_t> bytes) override {
    if (auto err = open()) return err;
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return {ErrorKind::file, "cannot write to printer file " + options_.path.string() + " after " +
                                     std::to_string(done) + " bytes: " + std::strerror(errno)};
      }
      done += static_cast<std::size_t>(n);
    }
    // A spool file is a record of what was printed: it must survive a power cut.
    if (::fdatasync(fd_) != 0 && errno != EINVAL) {
      return {ErrorKind::file, "cannot flush printer file " + options_.path.string() + ": " + std::strerror(errno)};
    }
    return {};
  }

  Result<Bytes> read(std::size_t, Millis) override {
    return Error{ErrorKind::io, "printer file " + options_.path.string() + " cannot answer: it is one way"};
  }

  void discard_pending() override {}
  bool bidirectional() const override { return false; }
  std::string describe() const override { return "file " + options_.path.string(); }

 private:
  FileOptions options_;
  int fd_ = -1;
  bool truncated_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_file_transport(const FileOptions& options) {
  return std::make_unique<FileTransport>(options);
}

}  // namespace guichet::hardware::printer
