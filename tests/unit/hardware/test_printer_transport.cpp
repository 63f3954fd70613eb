// Printer transports: memory, file, and TCP against a listener on 127.0.0.1 run by the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "guichet/hardware/printer/transport.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware::printer;
using guichet::hardware::ErrorKind;
using namespace std::chrono_literals;

// A one-connection TCP peer on 127.0.0.1 standing in for the printer's network card.
class LoopbackPeer {
 public:
  LoopbackPeer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackPeer() {
    if (fd_ >= 0) ::close(fd_);
    ::close(listen_fd_);
  }

  std::uint16_t port() const { return port_; }
  void accept() { fd_ = ::accept(listen_fd_, nullptr, nullptr); }
  void send(const Bytes& b) {
    ASSERT_EQ(::send(fd_, b.data(), b.size(), MSG_NOSIGNAL), static_cast<ssize_t>(b.size()));
  }
  Bytes receive(std::size_t n) {
    Bytes out;
    while (out.size() < n) {
      std::uint8_t buf[4096];
      ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) break;
      out.insert(out.end(), buf, buf + got);
    }
    return out;
  }
  void hang_up() {
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int listen_fd_ = -1;
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port on 127.0.0.1 with nothing listening: bound once, then released.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(PrinterTransport, MemoryRecordsWritesAndAnswersThroughTheResponder) {
  MemoryTransport t([](std::span<const std::uint8_t> w) { return Bytes(w.size(), 0x12); });
  EXPECT_TRUE(t.bidirectional());
  ASSERT_FALSE(t.write(Bytes{1, 2, 3}));
  EXPECT_EQ(t.written(), (Bytes{1, 2, 3}));
  auto got = t.read(2, 10ms);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), (Bytes{0x12, 0x12}));
  t.discard_pending();
  auto none = t.read(1, 10ms);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::timeout);
}

TEST(PrinterTransport, MemoryCanFailAWrite) {
  MemoryTransport t;
  t.fail_next_write({ErrorKind::io, "cable pulled"});
  auto err = t.write(Bytes{1});
  EXPECT_EQ(err.kind, ErrorKind::io);
  EXPECT_TRUE(t.written().empty());
  EXPECT_FALSE(t.write(Bytes{2}));
  EXPECT_EQ(t.written(), (Bytes{2}));
}

TEST(PrinterTransport, FileAppendsJobsAndKeepsThemAcrossReopen) {
  const auto path = guichet::test::output_dir() / "transport-file.bin";
  std::filesystem::remove(path);
  {
    auto t = make_file_transport({path, false});
    EXPECT_FALSE(t->bidirectional());
    ASSERT_FALSE(t->write(Bytes{'a', 'b'}));
    t->close();
    ASSERT_FALSE(t->write(Bytes{'c'}));
    auto r = t->read(1, 10ms);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("one way"), std::string::npos);
  }
  EXPECT_EQ(guichet::test::read_bytes(path), (Bytes{'a', 'b', 'c'}));
  {
    auto t = make_file_transport({path, true});
    ASSERT_FALSE(t->write(Bytes{'x'}));
    t->close();
    ASSERT_FALSE(t->write(Bytes{'y'}));  // truncates only on the first open
  }
  EXPECT_EQ(guichet::test::read_bytes(path), (Bytes{'x', 'y'}));
}

TEST(PrinterTransport, FileReportsAPathItCannotOpen) {
  auto t = make_file_transport({"/nonexistent-dir/receipts.bin", false});
  auto err = t->write(Bytes{1});
  EXPECT_EQ(err.kind, ErrorKind::file);
  EXPECT_NE(err.message.find("/nonexistent-dir/receipts.bin"), std::string::npos);
}

TEST(PrinterTransport, TcpSendsAndReceivesBytes) {
  LoopbackPeer peer;
  auto t = make_tcp_transport({"127.0.0.1", peer.port(), 1000ms, 1000ms});
  EXPECT_EQ(t->describe(), "tcp 127.0.0.1:" + std::to_string(peer.port()));
  auto accepted = std::async(std::launch::async, [&] { peer.accept(); });
  ASSERT_FALSE(t->open());
  accepted.get();
  const Bytes job(100000, 0x41);  // larger than socket buffers: write must loop
  auto received = std::async(std::launch::async, [&] { return peer.receive(job.size()); });
  ASSERT_FALSE(t->write(job));
  EXPECT_EQ(received.get(), job);
  peer.send(Bytes{0x12, 0x16});
  Bytes got;
  while (got.size() < 2) {
    auto r = t->read(2, 1000ms);
    ASSERT_TRUE(r.ok()) << r.error().message;
    got.insert(got.end(), r.value().begin(), r.value().end());
  }
  EXPECT_EQ(got, (Bytes{0x12, 0x16}));
}

TEST(PrinterTransport, TcpReadTimesOutWhenThePrinterIsSilent) {
  LoopbackPeer peer;
  auto t = make_tcp_transport({"127.0.0.1", peer.port(), 1000ms, 1000ms});
  auto accepted = std::async(std::launch::async, [&] { peer.accept(); });
  ASSERT_FALSE(t->open());
  accepted.get();
  const auto start = std::chrono::steady_clock::now();
  auto r = t->read(1, 150ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_NE(r.error().message.find("Printer not responding"), std::string::npos);
  EXPECT_GE(waited, 140ms);
  EXPECT_LT(waited, 1000ms);
}

TEST(PrinterTransport, TcpDiscardsStaleReplies) {
  LoopbackPeer peer;
  auto t = make_tcp_transport({"127.0.0.1", peer.port(), 1000ms, 1000ms});
  auto accepted = std::async(std::launch::async, [&] { peer.accept(); });
  ASSERT_FALSE(t->open());
  accepted.get();
  peer.send(Bytes{0x12});
  std::this_thread::sleep_for(50ms);
  t->discard_pending();
  auto r = t->read(1, 50ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
}

TEST(PrinterTransport, TcpReportsAClosedConnection) {
  LoopbackPeer peer;
  auto t = make_tcp_transport({"127.0.0.1", peer.port(), 1000ms, 1000ms});
  auto accepted = std::async(std::launch::async, [&] { peer.accept(); });
  ASSERT_FALSE(t->open());
  accepted.get();
  peer.hang_up();
  auto r = t->read(1, 1000ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_NE(r.error().message.find("closed the connection"), std::string::npos);
  EXPECT_FALSE(t->is_open());
}

TEST(PrinterTransport, TcpConnectToAClosedPortFails) {
  const auto port = closed_port();
  auto t = make_tcp_transport({"127.0.0.1", port, 1000ms, 1000ms});
  auto err = t->open();
  EXPECT_EQ(err.kind, ErrorKind::connect_failed);
  EXPECT_NE(err.message.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_FALSE(t->is_open());
}

}  // namespace
