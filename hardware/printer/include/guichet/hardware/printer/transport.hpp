// How bytes reach a receipt printer. One interface, one source file per transport:
//  transport_tcp.cpp     raw TCP, port-9100 style, with connect, read and write timeouts
//  transport_file.cpp    appends the bytes to a file (a spool file, a device node); no replies
//  transport_memory.cpp  an in-process wire for tests: records what was written, answers from a
//                        script or a responder function
// Everything above the transport (status queries, jobs, faults) is the same for each.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "guichet/hardware/error.hpp"

namespace guichet::hardware::printer {

using Bytes = std::vector<std::uint8_t>;
using Millis = std::chrono::milliseconds;

class Transport {
 public:
  virtual ~Transport() = default;

  // Connects if not connected. Cheap when already open.
  virtual Error open() = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;

  // Writes every byte or fails.
  virtual Error write(std::span<const std::uint8_t> bytes) = 0;

  // Reads at least one byte and at most max_bytes, waiting up to timeout; ErrorKind::timeout when
  // nothing arrived.
  virtual Result<Bytes> read(std::size_t max_bytes, Millis timeout) = 0;

  // Discards bytes already received, such as a late reply to an earlier query that timed out.
  virtual void discard_pending() = 0;

  // Whether the device can answer (status queries make sense).
  virtual bool bidirectional() const = 0;

  // For messages: "tcp 127.0.0.1:9100", "file /var/spool/receipts.bin".
  virtual std::string describe() const = 0;
};

struct TcpOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9100;
  Millis connect_timeout{2000};
  Millis write_timeout{5000};
};

std::unique_ptr<Transport> make_tcp_transport(const TcpOptions& options);

struct FileOptions {
  std::filesystem::path path;
  bool truncate = false;  // start the file empty on open
};

std::unique_ptr<Transport> make_file_transport(const FileOptions& options);

// An in-process wire. The responder sees each write and returns the bytes the device answers.
class MemoryTransport final : public Transport {
 public:
  using Responder = std::function<Bytes(std::span<const std::uint8_t> written)>;

  MemoryTransport() = default;
  explicit MemoryTransport(Responder responder) : responder_(std::move(responder)) {}

  Error open() override;
  void close() override;
  bool is_open() const override { return open_; }
  Error write(std::span<const std::uint8_t> bytes) override;
  Result<Bytes> read(std::size_t max_bytes, Millis timeout) override;
  void discard_pending() override { pending_.clear(); }
  bool bidirectional() const override { return true; }
  std::string describe() const override { return "memory"; }

  // Queues bytes for the next read, as if the device had sent them.
  void push_reply(std::span<const std::uint8_t> bytes);
  // Makes the next write fail, as a broken cable would.
  void fail_next_write(Error error) { next_write_error_ = std::move(error); }

  const Bytes& written() const { return written_; }
  void clear_written() { written_.clear(); }
  int opens() const { return opens_; }

 private:
  Responder responder_;
  Bytes written_;
  std::deque<std::uint8_t> pending_;
  Error next_write_error_;
  bool open_ = false;
  int opens_ = 0;
};

}  // namespace guichet::hardware::printer
