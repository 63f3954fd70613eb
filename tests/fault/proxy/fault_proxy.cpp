#include "guichet/fault/fault_proxy.hpp"

// <utility> before Asio: its awaitable.hpp uses std::exchange.
#include <utility>
//
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace guichet::fault {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunk = 16 * 1024;

int index(Direction d) { return d == Direction::Up ? 0 : 1; }

// Closes with SO_LINGER 0: the peer sees a reset, not an orderly end.
void reset_socket(tcp::socket& s) {
  boost::system::error_code ec;
  if (!s.is_open()) return;
  s.set_option(asio::socket_base::linger(true, 0), ec);
  s.close(ec);
}

struct Conn {
  explicit Conn(asio::io_context& io, tcp::socket c)
      : client(std::move(c)),
        upstream(io),
        gate{asio::steady_timer(io), asio::steady_timer(io)},
        timer{asio::steady_timer(io), asio::steady_timer(io)} {}
  tcp::socket client;
  tcp::socket upstream;
  std::array<asio::steady_timer, 2> gate;   // a stalled direction waits here until healed
  std::array<asio::steady_timer, 2> timer;  // delays and bandwidth pauses
  bool closed = false;
  bool lost = false;  // open during a `partition lose`: nothing it carries passes any more
  int pumps_done = 0;

  void reset() {
    closed = true;
    reset_socket(client);
    reset_socket(upstream);
    for (auto& t : gate) t.cancel();
    for (auto& t : timer) t.cancel();
  }
};

}  // namespace

std::optional<Direction> parse_direction(const std::string& word) {
  if (word == "up") return Direction::Up;
  if (word == "down") return Direction::Down;
  return std::nullopt;
}

struct FaultProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::acceptor control{io};
  std::string upstream_host;
  std::uint16_t upstream_port = 0;
  std::function<void(std::uint16_t, const std::vector<std::uint16_t>&)> lose_paths;
  std::mt19937_64 rng;
  // Everything below is touched only on the proxy's thread.
  Partition mode = Partition::None;
  std::array<DirectionFaults, 2> dir{};
  std::set<std::shared_ptr<Conn>> conns;
  ProxyStats stats;
  std::thread thread;

  explicit Impl(const ProxyOptions& o)
      : upstream_host(o.upstream_host), upstream_port(o.upstream_port), lose_paths(o.lose_paths), rng(o.seed) {
    const auto loopback = asio::ip::make_address("127.0.0.1");
    acceptor.open(tcp::v4());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind({loopback, o.listen_port});
    acceptor.listen();
    asio::co_spawn(io, accept_loop(), asio::detached);
    if (o.control) {
      control.open(tcp::v4());
      control.set_option(asio::socket_base::reuse_address(true));
      control.bind({loopback, o.control_port});
      control.listen();
      asio::co_spawn(io, control_loop(), asio::detached);
    }
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    run([this] {
      boost::system::error_code ec;
      acceptor.close(ec);
      control.close(ec);
      for (const auto& c : conns) c->reset();
      conns.clear();
    });
    io.stop();
    if (thread.joinable()) thread.join();
  }

  // Runs `fn` on the proxy's thread and waits for it.
  template <typename Fn>
  auto run(Fn fn) -> decltype(fn()) {
    if (thread.get_id() == std::this_thread::get_id()) return fn();
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  void heal_stalls() {
    for (const auto& c : conns)
      for (auto& g : c->gate) g.cancel();
  }

  void reset_all() {
    for (const auto& c : conns) {
      if (!c->closed) ++stats.reset;
      c->reset();
    }
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;
      }
      if (mode != Partition::None) {
        ++stats.refused;
        reset_socket(socket);
        continue;
      }
      asio::co_spawn(io, serve(std::make_shared<Conn>(io, std::move(socket))), asio::detached);
    }
  }

  awaitable<void> serve(std::shared_ptr<Conn> c) {
    boost::system::error_code ec;
    tcp::endpoint target(asio::ip::make_address(upstream_host, ec), upstream_port);
    if (!ec) std::tie(ec) = co_await c->upstream.async_connect(target, kTuple);
    if (ec || mode != Partition::None) {
      ++stats.refused;
      c->reset();
      co_return;
    }
    boost::system::error_code ignored;
    c->client.set_option(tcp::no_delay(true), ignored);
    c->upstream.set_option(tcp::no_delay(true), ignored);
    ++stats.accepted;
    conns.insert(c);
    asio::co_spawn(io, pump(c, Direction::Up), asio::detached);
    asio::co_spawn(io, pump(c, Direction::Down), asio::detached);
  }

  awaitable<void> wait(std::shared_ptr<Conn> c, int d, std::chrono::milliseconds ms) {
    c->timer[d].expires_after(ms);
    co_await c->timer[d].async_wait(kTuple);
  }

  awaitable<void> pump(std::shared_ptr<Conn> c, Direction direction) {
    const int d = index(direction);
    tcp::socket& from = direction == Direction::Up ? c->client : c->upstream;
    tcp::socket& to = direction == Direction::Up ? c->upstream : c->client;
    std::vector<char> buf(kChunk);
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), kTuple);
      if (c->closed) break;
      if (ec && c->lost) {
        // The far end never hears of it (it may wait for its own timeout): only this side closes.
        boost::system::error_code ignored;
        from.close(ignored);
        break;
      }
      if (ec) {
        if (ec == asio::error::eof) {
          boost::system::error_code ignored;
          to.shutdown(tcp::socket::shutdown_send, ignored);  // pass the orderly end on
        } else {
          c->reset();
        }
        break;
      }
      const DirectionFaults& f = dir[d];
      int hold = f.delay_ms;
      if (f.jitter_ms > 0) hold += std::uniform_int_distribution<int>(0, f.jitter_ms)(rng);
      if (hold > 0) co_await wait(c, d, std::chrono::milliseconds(hold));
      while (!c->closed && mode == Partition::Stall) {
        c->gate[d].expires_at(asio::steady_timer::time_point::max());
        co_await c->gate[d].async_wait(kTuple);
      }
      if (c->closed) break;
      if (c->lost) continue;  // read and dropped: the bytes went nowhere
      std::size_t pass = n;
      bool cut = false;
      DirectionFaults& g = dir[d];
      if (g.cut_after >= 0) {
        if (static_cast<std::int64_t>(n) >= g.cut_after) {
          pass = static_cast<std::size_t>(g.cut_after);
          cut = true;
          g.cut_after = -1;
        } else {
          g.cut_after -= static_cast<std::int64_t>(n);
        }
      }
      // A limited link delivers the bytes as it transmits them: slices of a tenth of a second's
      // worth, each after its transmission time (a 16 kB chunk at 3 kB/s arrives over 5 s, not
      // all at once at the end).
      bool failed = false;
      for (std::size_t sent = 0; sent < pass && !failed;) {
        std::size_t slice = pass - sent;
        if (const std::int64_t rate = dir[d].bytes_per_s; rate > 0) {
          slice = std::min(slice, static_cast<std::size_t>(std::max<std::int64_t>(rate / 10, 1)));
          co_await wait(c, d, std::chrono::milliseconds(static_cast<std::int64_t>(slice) * 1000 / rate));
          if (c->closed) break;
        }
        // Counted when handed on, so a peer that has read them finds them counted.
        (direction == Direction::Up ? stats.bytes_up : stats.bytes_down) += slice;
        auto [wec, written] = co_await asio::async_write(to, asio::buffer(buf.data() + sent, slice), kTuple);
        (void)written;
        failed = wec || c->closed;
        sent += slice;
      }
      if (c->closed) break;
      if (failed) {
        c->reset();
        break;
      }
      if (cut) {
        ++stats.reset;
        c->reset();
        break;
      }
    }
    if (++c->pumps_done == 2) {
      c->closed = true;
      boost::system::error_code ignored;
      c->client.close(ignored);
      c->upstream.close(ignored);
      conns.erase(c);
    }
  }

  awaitable<void> control_loop() {
    for (;;) {
      auto [ec, socket] = co_await control.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !control.is_open()) co_return;
        continue;
      }
      asio::co_spawn(io, control_session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> control_session(tcp::socket socket) {
    std::string in;
    for (;;) {
      auto [ec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(in, 4096), '\n', kTuple);
      if (ec) co_return;
      std::string line = in.substr(0, n - 1);
      in.erase(0, n);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::string answer = execute(line) + "\n";
      auto [wec, written] = co_await asio::async_write(socket, asio::buffer(answer), kTuple);
      (void)written;
      if (wec) co_return;
    }
  }

  // On the proxy's thread.
  std::string execute(const std::string& line) {
    std::istringstream words(line);
    std::string verb;
    words >> verb;
    auto directions = [](const std::string& w) -> std::vector<int> {
      if (w == "both") return {0, 1};
      auto d = parse_direction(w);
      if (!d) return {};
      return {index(*d)};
    };
    if (verb == "pass" || verb == "heal") {
      mode = Partition::None;
      dir = {};
      heal_stalls();
      return "ok";
    }
    if (verb == "partition") {
      std::string how;
      words >> how;
      if (how == "stall") {
        mode = Partition::Stall;
      } else if (how == "drop") {
        mode = Partition::Drop;
        reset_all();
      } else if (how == "lose") {
        mode = Partition::Lose;
        std::vector<std::uint16_t> clients;
        for (const auto& c : conns) {
          c->lost = true;
          boost::system::error_code ec;
          const auto peer = c->client.remote_endpoint(ec);
          if (!c->closed && !ec) clients.push_back(peer.port());
        }
        if (lose_paths && !clients.empty()) {
          try {
            lose_paths(acceptor.local_endpoint().port(), clients);
          } catch (const std::exception& e) {
            return std::string("error: the lost connections' paths were not cut: ") + e.what();
          }
        }
      } else if (how == "none") {
        mode = Partition::None;
        heal_stalls();
      } else {
        return "error: partition stall|drop|lose|none";
      }
      return "ok";
    }
    if (verb == "delay") {
      std::string w;
      int ms = -1, jitter = 0;
      words >> w >> ms;
      if (!(words >> jitter)) jitter = 0;
      auto ds = directions(w);
      if (ds.empty() || ms < 0 || jitter < 0) return "error: delay up|down|both MS [JITTER_MS]";
      for (int d : ds) {
        dir[d].delay_ms = ms;
        dir[d].jitter_ms = jitter;
      }
      return "ok";
    }
    if (verb == "bandwidth") {
      std::string w;
      std::int64_t bps = -1;
      words >> w >> bps;
      auto ds = directions(w);
      if (ds.empty() || bps < 0) return "error: bandwidth up|down|both BYTES_PER_S (0 = no limit)";
      for (int d : ds) dir[d].bytes_per_s = bps;
      return "ok";
    }
    if (verb == "cut") {
      reset_all();
      return "ok";
    }
    if (verb == "cut-after") {
      std::string w;
      std::int64_t bytes = -1;
      words >> w >> bytes;
      auto d = parse_direction(w);
      if (!d || bytes < 0) return "error: cut-after up|down BYTES";
      dir[index(*d)].cut_after = bytes;
      return "ok";
    }
    if (verb == "upstream") {
      long port = -1;
      words >> port;
      if (port <= 0 || port > 65535) return "error: upstream PORT";
      upstream_port = static_cast<std::uint16_t>(port);
      return "ok";
    }
    if (verb == "stats") {
      std::ostringstream out;
      out << "ok accepted=" << stats.accepted << " refused=" << stats.refused << " reset=" << stats.reset
          << " open=" << conns.size() << " up=" << stats.bytes_up << " down=" << stats.bytes_down;
      return out.str();
    }
    return "error: unknown command '" + verb + "' (pass, partition, delay, bandwidth, cut, cut-after, upstream, stats)";
  }
};

FaultProxy::FaultProxy(const ProxyOptions& options) : impl_(std::make_unique<Impl>(options)) {}
FaultProxy::~FaultProxy() = default;

std::uint16_t FaultProxy::port() const { return impl_->acceptor.local_endpoint().port(); }
std::uint16_t FaultProxy::control_port() const {
  return impl_->control.is_open() ? impl_->control.local_endpoint().port() : 0;
}

void FaultProxy::pass() { command("pass"); }

void FaultProxy::partition(Partition mode) {
  switch (mode) {
    case Partition::Stall:
      command("partition stall");
      return;
    case Partition::Drop:
      command("partition drop");
      return;
    case Partition::Lose: {
      const std::string answer = command("partition lose");
      if (answer != "ok") throw std::runtime_error("fault proxy: " + answer);
      return;
    }
    case Partition::None:
      break;
  }
  command("partition none");
}

void FaultProxy::delay(Direction direction, int delay_ms, int jitter_ms) {
  impl_->run([&] {
    impl_->dir[index(direction)].delay_ms = delay_ms;
    impl_->dir[index(direction)].jitter_ms = jitter_ms;
  });
}

void FaultProxy::bandwidth(Direction direction, std::int64_t bytes_per_s) {
  impl_->run([&] { impl_->dir[index(direction)].bytes_per_s = bytes_per_s; });
}

void FaultProxy::cut() { command("cut"); }

void FaultProxy::cut_after(Direction direction, std::int64_t bytes) {
  impl_->run([&] { impl_->dir[index(direction)].cut_after = bytes; });
}

void FaultProxy::set_upstream_port(std::uint16_t port) {
  impl_->run([&] { impl_->upstream_port = port; });
}

ProxyStats FaultProxy::stats() const {
  return impl_->run([&] {
    ProxyStats s = impl_->stats;
    s.open = impl_->conns.size();
    return s;
  });
}

std::string FaultProxy::command(const std::string& line) {
  return impl_->run([&] { return impl_->execute(line); });
}

}  // namespace guichet::fault
