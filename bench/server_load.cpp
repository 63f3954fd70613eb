// Centre server under load: starts guichet-server on 127.0.0.1 with a fresh database, then
//  1. load: N concurrent counter terminals, each on its own kept-alive connection, repeat
//     issue → call-next → finish for a fixed time; every operation is durable before it is
//     answered. Reports operations per second and latency percentiles.
//  2. fan-out: M live-feed (SSE) clients connect, the terminals run at a paced rate, and every
//     client must receive every event, in order, with no gap. Reports deliveries per second and
//     the delay from an operation's answer to its event reaching the clients.
//
//   guichet-bench-server-load [--seconds 10] [--terminals 50] [--feed-clients 1000]
//                             [--feed-seconds 10] [--feed-rate 300] [--server PATH]
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "guichet/server/admin.hpp"
#include "support/server_process.hpp"

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

struct Options {
  fs::path server = GUICHET_SERVER_PATH;
  int seconds = 10;
  int terminals = 50;
  int feed_clients = 1000;
  int feed_seconds = 10;
  double feed_rate = 300;  // operations per second across all terminals during the fan-out run
  int server_threads = 2;
  std::string synchronous = "full";
  bool keep = false;
};

// ---- setup -------------------------------------------------------------------------------------

// A centre open around the clock where every counter serves every service: the load measures the
// server, not the opening hours.
std::string bench_catalogue(int counters) {
  std::string t =
      "version = 1\n\n[centre]\nid = \"BENCH\"\nname.en = \"Load test centre\"\nutc_offset = \"+00:00\"\n"
      "languages = [\"en\"]\nhours.mon-sun = [\"00:00-24:00\"]\n\n"
      "[[departments]]\nid = \"general\"\nname.en = \"General\"\n\n";
  std::string all;
  for (int i = 1; i <= counters; ++i) {
    t += "[[counters]]\nid = \"C" + std::to_string(i) + "\"\nnumber = " + std::to_string(i) +
         "\nlocation = \"Hall\"\nname.en = \"Counter " + std::to_string(i) + "\"\n\n";
    all += (i > 1 ? ", " : "") + std::string("\"C") + std::to_string(i) + "\"";
  }
  const char* prefixes[] = {"A", "B", "C", "D", "E"};
  for (int s = 0; s < 5; ++s) {
    t += "[[services]]\nid = \"service-" + std::to_string(s + 1) +
         "\"\ndepartment = \"general\"\nname.en = \"Service " + std::to_string(s + 1) + "\"\nprefix = \"" +
         prefixes[s] + "\"\ncounters = [" + all + "]\ndaily_cap = 0\ntime_limit_days = 1\nfee_minor = 0\n\n";
  }
  return t;
}

struct Centre {
  fs::path dir;
  fs::path db;
  fs::path catalogue;
  std::vector<std::pair<std::string, std::string>> counters;  // device id, secret
};

Centre prepare(const fs::path& dir, int terminals) {
  Centre c;
  c.dir = dir;
  fs::create_directories(dir);
  c.db = dir / "centre.db";
  c.catalogue = dir / "bench.toml";
  std::ofstream(c.catalogue) << bench_catalogue(terminals);
  auto init = guichet::server::init_database(c.db.string());
  if (!init) throw std::runtime_error(init.error().message);
  auto op = guichet::server::add_operator(c.db.string(), "bench", "Load test operator", "operator", "246810");
  if (!op) throw std::runtime_error(op.error().message);
  for (int i = 1; i <= terminals; ++i) {
    std::string id = "D" + std::to_string(i);
    auto d = guichet::server::add_device(c.db.string(), id, "counter");
    if (!d) throw std::runtime_error(d.error().message);
    c.counters.emplace_back(id, d->secret);
  }
  return c;
}

guichet::bench::ServerProcess start_server(const Options& o, const Centre& c) {
  guichet::bench::ServerSpec spec;
  spec.binary = o.server;
  spec.dir = c.dir;
  spec.db = c.db;
  spec.catalogue = c.catalogue;
  spec.threads = o.server_threads;
  spec.synchronous = o.synchronous;
  return guichet::bench::ServerProcess(spec);
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- HTTP client -------------------------------------------------------------------------------

struct Conn {
  explicit Conn(asio::io_context& ioc) : socket(ioc) {}
  tcp::socket socket;
  std::string in;                   // bytes received and not yet consumed
  std::array<char, 16384> chunk{};  // one read's worth
};

struct Reply {
  unsigned status = 0;
  std::string body;
  bool failed = false;
};

bool same_ascii_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Appends what the next read brings to c.in; false when the connection failed or closed.
awaitable<bool> fill(Conn& c) {
  auto [rec, n] = co_await c.socket.async_read_some(asio::buffer(c.chunk), kTuple);
  if (rec) co_return false;
  c.in.append(c.chunk.data(), n);
  co_return true;
}

// The answer to the request just written on `c`. guichet-server answers every request with a
// Content-Length (never chunked), so the answer is read without a general HTTP parser: the load
// generator shares the two cores with the server, and Beast's response parser took two reads per
// answer (one read now) and a field list per answer. The body is kept only when asked.
awaitable<Reply> read_reply(Conn& c, bool want_body = true) {
  Reply r;
  std::size_t head_end = 0;
  while ((head_end = c.in.find("\r\n\r\n")) == std::string::npos) {
    if (!co_await fill(c)) {
      r.failed = true;
      co_return r;
    }
  }
  const std::string_view head(c.in.data(), head_end);
  // "HTTP/1.1 200 OK", then one field per line.
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) {
    r.failed = true;
    co_return r;
  }
  r.status = static_cast<unsigned>((head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0'));
  std::optional<std::size_t> length;
  for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos < head.size();) {
    const std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && same_ascii_name(line.substr(0, colon), "content-length")) {
      length = std::strtoull(std::string(line.substr(colon + 1)).c_str(), nullptr, 10);
    }
    pos = end;
  }
  if (!length) {  // not an answer of guichet-server
    r.failed = true;
    co_return r;
  }
  const std::size_t body_at = head_end + 4;
  while (c.in.size() < body_at + *length) {
    if (!co_await fill(c)) {
      r.failed = true;
      co_return r;
    }
  }
  if (want_body) r.body.assign(c.in, body_at, *length);
  c.in.erase(0, body_at + *length);
  co_return r;
}

awaitable<Reply> send(Conn& c, http::verb verb, const std::string& target, const std::string& device,
                      const std::string& secret, const std::string& bearer, const std::string& key,
                      const std::string& body) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set("X-Guichet-Device", device);
  req.set("X-Guichet-Secret", secret);
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  if (!key.empty()) req.set("Idempotency-Key", key);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(c.socket, req, kTuple);
  if (wec) co_return Reply{0, {}, true};
  co_return co_await read_reply(c);
}

// The terminals' requests are written as text prepared once (only the idempotency key changes),
// the same bytes Beast would send: the load generator's own CPU is then mostly the socket's.
awaitable<Reply> send_text(Conn& c, const std::string& text, bool want_body) {
  auto [wec, wn] = co_await asio::async_write(c.socket, asio::buffer(text), kTuple);
  if (wec) co_return Reply{0, {}, true};
  co_return co_await read_reply(c, want_body);
}

// The request up to its idempotency key, and what follows the key.
struct RequestText {
  std::string before_key;
  std::string after_key;
};

RequestText request_text(const std::string& target, const std::string& device, const std::string& secret,
                         const std::string& bearer, const std::string& body) {
  RequestText t;
  t.before_key = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Guichet-Device: " + device +
                 "\r\nX-Guichet-Secret: " + secret + "\r\n";
  if (!bearer.empty()) t.before_key += "Authorization: Bearer " + bearer + "\r\n";
  t.before_key += "Idempotency-Key: ";
  t.after_key = "\r\n";
  if (!body.empty()) t.after_key += "Content-Type: application/json\r\n";
  t.after_key += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return t;
}

struct Terminal {
  std::string device, secret, counter, session;
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t ok = 0, failed = 0;
  std::vector<std::pair<std::uint64_t, Clock::time_point>> answered_seqs;  // fan-out run only
};

// issue → call-next → finish until the deadline; with `interval` > 0, one cycle per interval.
awaitable<void> run_terminal(asio::io_context& ioc, tcp::endpoint server, Terminal& t, Clock::time_point measure_from,
                             Clock::time_point deadline, std::chrono::microseconds interval, bool keep_seqs,
                             std::uint64_t& key_seq) {
  Conn c(ioc);
  auto [cec] = co_await c.socket.async_connect(server, kTuple);
  if (cec) {
    t.failed++;
    co_return;
  }
  c.socket.set_option(tcp::no_delay(true));
  const std::string base = "/api/v1/counters/" + t.counter;
  const std::string issue_body =
      R"({"service":"service-)" + std::to_string(1 + std::stoi(t.counter.substr(1)) % 5) + "\"}";
  static const std::string empty;
  const RequestText steps[] = {request_text("/api/v1/tokens", t.device, t.secret, t.session, issue_body),
                               request_text(base + "/call-next", t.device, t.secret, t.session, empty),
                               request_text(base + "/finish", t.device, t.secret, t.session, empty)};
  std::string text;
  asio::steady_timer pace(ioc);
  auto next_cycle = Clock::now();
  while (Clock::now() < deadline) {
    if (interval.count() > 0) {
      next_cycle += interval;
      pace.expires_at(next_cycle);
      co_await pace.async_wait(kTuple);
    }
    for (std::size_t s = 0; s < 3; ++s) {
      const RequestText& step = steps[s];
      auto start = Clock::now();
      text.assign(step.before_key);
      text += t.device;
      text += ':';
      text += std::to_string(++key_seq);
      text += step.after_key;
      Reply r = co_await send_text(c, text, keep_seqs);
      auto end = Clock::now();
      if (r.failed || r.status >= 300) {
        t.failed++;
        if (r.failed) co_return;
        continue;
      }
      t.ok++;
      if (start >= measure_from) {
        t.latencies_us.push_back(
            static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(end - start).count()));
      }
      if (keep_seqs && s > 0) {
        // call-next and finish answer with their event; its seq tells when the feed should deliver it.
        auto pos = r.body.find("\"seq\":");
        if (pos != std::string::npos) t.answered_seqs.emplace_back(std::stoull(r.body.substr(pos + 6)), end);
      }
    }
  }
}

awaitable<void> login(asio::io_context& ioc, tcp::endpoint server, std::vector<Terminal>& terminals) {
  Conn c(ioc);
  co_await c.socket.async_connect(server, use_awaitable);
  for (auto& t : terminals) {
    json body = {{"operator", "bench"}, {"pin", "246810"}, {"counter", t.counter}};
    Reply r = co_await send(c, http::verb::post, "/api/v1/sessions", t.device, t.secret, "", "", body.dump());
    if (r.status != 201) throw std::runtime_error("login failed: " + r.body);
    t.session = json::parse(r.body)["session"];
  }
}

double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k] / 1000.0;
}

// ---- live-feed clients -------------------------------------------------------------------------

// Written by the feed clients' thread; `last`, `connected` and `failed` are also watched from the
// main thread.
struct FeedClient {
  std::uint64_t first = 0, received = 0, gaps = 0;
  std::atomic<std::uint64_t> last{0};
  std::atomic<bool> connected{false};
  std::atomic<bool> failed{false};
};

struct Arrivals {
  // Arrival time per seq for the slowest client so far (the moment the last client got it).
  std::vector<Clock::time_point> last_arrival;
  std::uint64_t base = 0;
  void note(std::uint64_t seq, Clock::time_point t) {
    if (seq <= base) return;
    std::size_t i = static_cast<std::size_t>(seq - base - 1);
    if (i >= last_arrival.size()) last_arrival.resize(i + 1024);
    last_arrival[i] = std::max(last_arrival[i], t);
  }
};

// Strings by value: a coroutine keeps its parameters, and a reference would outlive a temporary.
awaitable<void> run_feed_client(asio::io_context& ioc, tcp::endpoint server, std::string device, std::string secret,
                                FeedClient& fc, Arrivals& arrivals, const std::atomic<bool>& stop) {
  tcp::socket s(ioc);
  auto [cec] = co_await s.async_connect(server, kTuple);
  if (cec) {
    fc.failed = true;
    co_return;
  }
  std::string req = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Guichet-Device: " + device +
                    "\r\nX-Guichet-Secret: " + secret + "\r\n\r\n";
  auto [wec, wn] = co_await asio::async_write(s, asio::buffer(req), kTuple);
  if (wec) {
    fc.failed = true;
    co_return;
  }
  std::string pending;
  std::vector<char> buf(64 * 1024);
  bool headers_done = false;
  while (!stop) {
    auto [rec, n] = co_await s.async_read_some(asio::buffer(buf), kTuple);
    if (rec) {
      if (!stop) fc.failed = true;
      co_return;
    }
    auto now = Clock::now();
    pending.append(buf.data(), n);
    std::size_t pos = 0;
    if (!headers_done) {
      auto end = pending.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (pending.compare(0, 12, "HTTP/1.1 200") != 0) {
        fc.failed = true;
        co_return;
      }
      headers_done = true;
      fc.connected = true;
      pos = end + 4;
    }
    // Frames end with a blank line; only the "id:" line matters here.
    for (;;) {
      auto end = pending.find("\n\n", pos);
      if (end == std::string::npos) break;
      if (pending.compare(pos, 4, "id: ") == 0) {
        std::uint64_t id = std::strtoull(pending.c_str() + pos + 4, nullptr, 10);
        if (fc.received == 0) {
          fc.first = id;
        } else if (id != fc.last.load() + 1) {
          fc.gaps++;
        }
        fc.last.store(id);
        fc.received++;
        arrivals.note(id, now);
      }
      pos = end + 2;
    }
    pending.erase(0, pos);
  }
}

void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// One terminal per counter device of the centre, each with its operator logged in at its counter.
std::vector<Terminal> logged_in_terminals(const Centre& c, tcp::endpoint server) {
  std::vector<Terminal> terminals(c.counters.size());
  for (std::size_t i = 0; i < terminals.size(); ++i) {
    terminals[i].device = c.counters[i].first;
    terminals[i].secret = c.counters[i].second;
    terminals[i].counter = "C" + std::to_string(i + 1);
  }
  asio::io_context ioc(1);
  asio::co_spawn(ioc, login(ioc, server, terminals), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  ioc.run();
  return terminals;
}

int load_run(const Options& o, const fs::path& dir) {
  Centre centre = prepare(dir / "load", o.terminals);
  guichet::bench::ServerProcess server(start_server(o, centre));
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server.port());
  auto terminals = logged_in_terminals(centre, ep);
  asio::io_context ioc(1);

  const auto warmup = std::chrono::seconds(1);
  auto start = Clock::now();
  auto measure_from = start + warmup;
  auto deadline = measure_from + std::chrono::seconds(o.seconds);
  std::vector<std::uint64_t> keys(terminals.size(), 0);
  double server_cpu0 = 0, own_cpu0 = 0;
  asio::steady_timer mark(ioc, measure_from);
  mark.async_wait([&](const boost::system::error_code&) {
    server_cpu0 = server.cpu_seconds();
    own_cpu0 = own_cpu_seconds();
  });
  std::uint64_t ok_at_mark = 0;
  asio::steady_timer count_mark(ioc, measure_from);
  count_mark.async_wait([&](const boost::system::error_code&) {
    for (auto& t : terminals) ok_at_mark += t.ok;
  });
  for (std::size_t i = 0; i < terminals.size(); ++i) {
    asio::co_spawn(
        ioc, run_terminal(ioc, ep, terminals[i], measure_from, deadline, std::chrono::microseconds(0), false, keys[i]),
        asio::detached);
  }
  ioc.run();
  auto end = Clock::now();
  double server_cpu = server.cpu_seconds() - server_cpu0;
  double own_cpu = own_cpu_seconds() - own_cpu0;
  std::vector<std::uint32_t> lat;
  std::uint64_t ok = 0, failed = 0;
  for (auto& t : terminals) {
    lat.insert(lat.end(), t.latencies_us.begin(), t.latencies_us.end());
    ok += t.ok;
    failed += t.failed;
  }
  double measured = std::chrono::duration<double>(end - measure_from).count();
  double ops = static_cast<double>(lat.size()) / measured;
  int status = server.stop();
  std::printf("load: %d terminals, issue -> call-next -> finish, %d s after 1 s warm-up, server on %d threads\n",
              o.terminals, o.seconds, o.server_threads);
  std::printf("  operations answered  %llu (measured %zu), refused or failed %llu\n",
              static_cast<unsigned long long>(ok), lat.size(), static_cast<unsigned long long>(failed));
  std::printf("  throughput           %.0f operations/s (each durable before answered: WAL, synchronous=%s)\n", ops,
              o.synchronous.c_str());
  std::printf("  latency              p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   p99.9 %.2f ms   max %.2f ms\n",
              percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), percentile(lat, 99.9),
              percentile(lat, 100));
  std::printf("  cpu                  server %.2f cores, load generator %.2f cores\n", server_cpu / measured,
              own_cpu / measured);
  // Per operation: steadier than operations/s on a machine shared with other work.
  const double measured_ops = std::max<double>(1.0, static_cast<double>(lat.size()));
  std::printf("  cpu per operation    server %.1f us, load generator %.1f us\n", server_cpu * 1e6 / measured_ops,
              own_cpu * 1e6 / measured_ops);
  std::printf("  server exit status   %d; %s\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
              server.commit_summary().c_str());
  return failed == 0 ? 0 : 1;
}

int fanout_run(const Options& o, const fs::path& dir) {
  Centre centre = prepare(dir / "fanout", o.terminals);
  // The feed clients are display boards.
  std::string board_secret;
  {
    auto b = guichet::server::add_device(centre.db.string(), "B1", "display");
    if (!b) throw std::runtime_error(b.error().message);
    board_secret = b->secret;
  }
  guichet::bench::ServerProcess server(start_server(o, centre));
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server.port());
  auto terminals = logged_in_terminals(centre, ep);
  asio::io_context ioc(1);

  // Logins produced counter_opened events; the clients follow what comes next. They run on their
  // own thread so that reading a thousand streams does not delay the terminals (and the reverse).
  std::vector<FeedClient> clients(static_cast<std::size_t>(o.feed_clients));
  Arrivals arrivals;  // feed thread only, read after it stopped
  std::atomic<bool> stop{false};
  asio::io_context feed_ioc(1);
  auto feed_work = asio::make_work_guard(feed_ioc);
  for (auto& fc : clients) {
    asio::co_spawn(feed_ioc, run_feed_client(feed_ioc, ep, "B1", board_secret, fc, arrivals, stop), asio::detached);
  }
  std::thread feed_thread([&feed_ioc] { feed_ioc.run(); });
  auto connect_deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < connect_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::size_t up =
        std::count_if(clients.begin(), clients.end(), [](const FeedClient& c) { return c.connected.load(); });
    std::size_t failed =
        std::count_if(clients.begin(), clients.end(), [](const FeedClient& c) { return c.failed.load(); });
    if (up + failed == clients.size()) break;
  }
  std::size_t connected =
      std::count_if(clients.begin(), clients.end(), [](const FeedClient& c) { return c.connected.load(); });
  // Each login opened a counter (events 1..terminals); every client must get everything after.
  const std::uint64_t base = static_cast<std::uint64_t>(o.terminals);
  arrivals.base = base;

  auto interval = std::chrono::microseconds(
      static_cast<long>(1e6 * 3.0 * static_cast<double>(o.terminals) / std::max(1.0, o.feed_rate)));
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(o.feed_seconds);
  std::vector<std::uint64_t> keys(terminals.size(), 0);
  double server_cpu0 = server.cpu_seconds(), own_cpu0 = own_cpu_seconds();
  std::size_t running = terminals.size();
  for (std::size_t i = 0; i < terminals.size(); ++i) {
    asio::co_spawn(ioc, run_terminal(ioc, ep, terminals[i], start, deadline, interval, true, keys[i]),
                   [&running](std::exception_ptr) { running--; });
  }
  while (running > 0) ioc.run_for(std::chrono::milliseconds(20));
  auto load_end = Clock::now();
  std::uint64_t last_seq = base;
  std::uint64_t ops = 0, failed_ops = 0;
  for (auto& t : terminals) {
    ops += t.ok;
    failed_ops += t.failed;
    for (auto& [seq, at] : t.answered_seqs) last_seq = std::max(last_seq, seq);
  }
  // Every issue, call and finish is one event.
  last_seq = std::max(last_seq, base + ops);
  auto all_delivered = [&] {
    return std::all_of(clients.begin(), clients.end(),
                       [&](const FeedClient& c) { return c.failed || c.last >= last_seq; });
  };
  auto drain_deadline = Clock::now() + std::chrono::seconds(60);
  while (!all_delivered() && Clock::now() < drain_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto drained = Clock::now();
  double server_cpu = server.cpu_seconds() - server_cpu0;
  double own_cpu = own_cpu_seconds() - own_cpu0;
  stop = true;
  feed_work.reset();
  feed_ioc.stop();
  feed_thread.join();

  std::uint64_t expected = last_seq - base;
  std::size_t complete = 0, with_gaps = 0, failed_clients = 0;
  std::uint64_t deliveries = 0;
  for (const auto& c : clients) {
    deliveries += c.received;
    if (c.failed) failed_clients++;
    if (c.gaps) with_gaps++;
    if (!c.failed && c.gaps == 0 && c.received == expected && c.first == base + 1 && c.last.load() == last_seq) {
      complete++;
    }
  }
  std::vector<std::uint32_t> lag;
  for (auto& t : terminals) {
    for (auto& [seq, answered] : t.answered_seqs) {
      if (seq <= base || seq - base - 1 >= arrivals.last_arrival.size()) continue;
      auto arrived = arrivals.last_arrival[static_cast<std::size_t>(seq - base - 1)];
      auto d = std::chrono::duration_cast<std::chrono::microseconds>(arrived - answered).count();
      lag.push_back(static_cast<std::uint32_t>(std::max<long long>(0, d)));
    }
  }
  double seconds = std::chrono::duration<double>(load_end - start).count();
  double until_drained = std::chrono::duration<double>(drained - start).count();
  int status = server.stop();
  std::printf("fan-out: %d live-feed clients connected (of %d), %d terminals paced at %.0f operations/s for %d s\n",
              static_cast<int>(connected), o.feed_clients, o.terminals, o.feed_rate, o.feed_seconds);
  std::printf("  operations answered  %llu (%.0f/s), refused or failed %llu\n", static_cast<unsigned long long>(ops),
              static_cast<double>(ops) / seconds, static_cast<unsigned long long>(failed_ops));
  std::printf("  events               %llu (seq %llu..%llu)\n", static_cast<unsigned long long>(expected),
              static_cast<unsigned long long>(base + 1), static_cast<unsigned long long>(last_seq));
  std::printf("  clients with every event, in order, no gap: %zu of %d (gaps: %zu, dropped: %zu)\n", complete,
              o.feed_clients, with_gaps, failed_clients);
  std::printf("  deliveries           %llu (%.0f/s); all delivered %.2f s after the load ended\n",
              static_cast<unsigned long long>(deliveries), static_cast<double>(deliveries) / until_drained,
              std::chrono::duration<double>(drained - load_end).count());
  std::printf("  answer -> last client  p50 %.2f ms   p99 %.2f ms   max %.2f ms\n", percentile(lag, 50),
              percentile(lag, 99), percentile(lag, 100));
  std::printf("  cpu                  server %.2f cores, clients %.2f cores\n", server_cpu / until_drained,
              own_cpu / until_drained);
  std::printf("  server exit status   %d; %s\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
              server.commit_summary().c_str());
  return complete == clients.size() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Centre server load benchmark: throughput, latency and live-feed fan-out"};
  app.add_option("--server", o.server, "guichet-server binary")->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured seconds of the load run (0 skips it)")->capture_default_str();
  app.add_option("--terminals", o.terminals, "concurrent counter terminals")->capture_default_str();
  app.add_option("--feed-clients", o.feed_clients, "live-feed clients in the fan-out run (0 skips it)")
      ->capture_default_str();
  app.add_option("--feed-seconds", o.feed_seconds, "seconds of the fan-out run")->capture_default_str();
  app.add_option("--feed-rate", o.feed_rate, "operations per second during the fan-out run")->capture_default_str();
  app.add_option("--server-threads", o.server_threads, "the server's network threads")->capture_default_str();
  app.add_option("--synchronous", o.synchronous, "the server's durability: full (power-cut safe) or normal")
      ->capture_default_str();
  app.add_flag("--keep", o.keep, "keep the databases and server logs");
  CLI11_PARSE(app, argc, argv);
  if (o.terminals < 1) {
    std::cerr << "--terminals must be at least 1\n";
    return 2;
  }

  raise_file_limit();
  fs::path dir = fs::temp_directory_path() / ("guichet-bench-server-" + std::to_string(getpid()));
  int rc = 0;
  try {
    if (o.seconds > 0) rc |= load_run(o, dir);
    if (o.feed_clients > 0) rc |= fanout_run(o, dir);
  } catch (const std::exception& e) {
    std::cerr << "guichet-bench-server-load: " << e.what() << "\n";
    rc = 1;
  }
  if (o.keep) {
    std::printf("kept %s\n", dir.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return rc;
}
