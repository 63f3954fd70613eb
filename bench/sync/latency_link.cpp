#include "sync/latency_link.hpp"

#include <deque>
#include <memory>
#include <vector>

namespace guichet::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// One direction of one connection: a reader that stamps each chunk with its delivery time, and a
// writer that delivers the chunks in order once their time has come. An empty chunk is the end.
struct Direction {
  explicit Direction(asio::any_io_executor ex) : wake(ex), due(ex) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  struct Chunk {
    std::chrono::steady_clock::time_point at;
    std::vector<char> bytes;
  };
  std::deque<Chunk> queue;
  asio::steady_timer wake;  // cancelled when a chunk is queued
  asio::steady_timer due;
};

struct Pair {
  explicit Pair(tcp::socket c) : client(std::move(c)), upstream(client.get_executor()) {}
  tcp::socket client, upstream;
  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
  }
};

// `p` keeps the connection alive while this side reads.
awaitable<void> read_side([[maybe_unused]] std::shared_ptr<Pair> p, tcp::socket& from, std::shared_ptr<Direction> d,
                          std::chrono::milliseconds one_way) {
  for (;;) {
    std::vector<char> buf(64 * 1024);
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), kTuple);
    buf.resize(ec ? 0 : n);
    d->queue.push_back({std::chrono::steady_clock::now() + one_way, std::move(buf)});
    d->wake.cancel();
    if (ec) co_return;
  }
}

awaitable<void> write_side(std::shared_ptr<Pair> p, tcp::socket& to, std::shared_ptr<Direction> d) {
  for (;;) {
    while (d->queue.empty()) {
      d->wake.expires_at(asio::steady_timer::time_point::max());
      co_await d->wake.async_wait(kTuple);
    }
    Direction::Chunk chunk = std::move(d->queue.front());
    d->queue.pop_front();
    d->due.expires_at(chunk.at);
    co_await d->due.async_wait(kTuple);
    if (chunk.bytes.empty()) {
      // The sender's end (or a failure), passed on once its time has come.
      boost::system::error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    auto [ec, n] = co_await asio::async_write(to, asio::buffer(chunk.bytes), kTuple);
    if (ec) {
      p->close();
      co_return;
    }
  }
}

}  // namespace

LatencyLink::LatencyLink(std::uint16_t upstream_port, std::chrono::milliseconds one_way)
    : upstream_port_(upstream_port), one_way_(one_way) {
  tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(at.protocol());
  acceptor_.bind(at);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

LatencyLink::~LatencyLink() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

awaitable<void> LatencyLink::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (ec) co_return;
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

awaitable<void> LatencyLink::serve(tcp::socket client) {
  auto p = std::make_shared<Pair>(std::move(client));
  // The far end is reached across the link: the connection takes one round trip too.
  asio::steady_timer rtt(io_, 2 * one_way_);
  co_await rtt.async_wait(kTuple);
  auto [ec] = co_await p->upstream.async_connect({asio::ip::make_address("127.0.0.1"), upstream_port_}, kTuple);
  if (ec) {
    p->close();  // nobody listening at the far end
    co_return;
  }
  boost::system::error_code ignored;
  p->client.set_option(tcp::no_delay(true), ignored);
  p->upstream.set_option(tcp::no_delay(true), ignored);
  auto up = std::make_shared<Direction>(io_.get_executor());
  auto down = std::make_shared<Direction>(io_.get_executor());
  asio::co_spawn(io_, read_side(p, p->client, up, one_way_), asio::detached);
  asio::co_spawn(io_, write_side(p, p->upstream, up), asio::detached);
  asio::co_spawn(io_, read_side(p, p->upstream, down, one_way_), asio::detached);
  asio::co_spawn(io_, write_side(p, p->client, down), asio::detached);
}

}  // namespace guichet::bench
