// Token issue latency as the kiosk does it: the request made durable in the kiosk's outbox
// (SQLite, synchronous=FULL), sent with its idempotency key to a centre server on loopback, the
// token durable on the server and logged in the kiosk's issue log, then the slip encoded to the
// ESC/POS bytes the printer receives. Printing itself (paper moving) is not part of the figure.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "devices.hpp"
#include "guichet/config/catalogue_loader.hpp"
#include "guichet/ui/app.hpp"

extern char** environ;

using namespace guichet;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int run_wait(const std::vector<std::string>& args, const fs::path& log) {
  pid_t pid = spawn(args, log);
  int status = 0;
  if (pid <= 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::min<double>(v.size() - 1, p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Kiosk token issue latency against a centre server on loopback"};
  int tokens = 400, warmup = 20;
  std::string dir_arg;
  std::string server = GUICHET_SERVER_PATH;
  app.add_option("--tokens", tokens, "tokens to issue and measure")->check(CLI::Range(10, 5000));
  app.add_option("--warmup", warmup, "tokens issued first and not measured")->check(CLI::Range(0, 1000));
  app.add_option("--dir", dir_arg, "working folder (default: a new one under /tmp)");
  app.add_option("--server", server, "guichet-server to run")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  fs::path dir = dir_arg.empty() ? fs::temp_directory_path() / ("guichet-issue-bench-" + std::to_string(getpid()))
                                 : fs::path(dir_arg);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path db = dir / "centre.sqlite";
  if (run_wait({server, "add-device", "--db", db.string(), "--id", "K1", "--kind", "kiosk", "--secret-file",
                (dir / "K1.secret").string()},
               dir / "admin.log") != 0) {
    std::fprintf(stderr, "cannot register the kiosk: see %s\n", (dir / "admin.log").c_str());
    return 1;
  }
  pid_t srv = spawn(
      {server, "serve", "--role", "centre", "--db", db.string(), "--catalogue", GUICHET_DEMO_CATALOGUE, "--listen",
       "127.0.0.1:0", "--port-file", (dir / "port").string(), "--time-origin", "2026-11-23T09:30:00+05:30"},
      dir / "server.log");
  for (int i = 0; i < 200 && slurp(dir / "port").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string port = slurp(dir / "port");
  if (srv <= 0 || port.empty()) {
    std::fprintf(stderr, "the server did not start: see %s\n", (dir / "server.log").c_str());
    return 1;
  }

  auto catalogue = config::load_catalogue(GUICHET_DEMO_CATALOGUE);
  if (!catalogue.ok()) return 1;
  std::vector<std::string> services;
  for (const auto& s : catalogue.value().services) services.push_back(s.id);

  sync::ServerEndpoint endpoint{"http://127.0.0.1:" + port, "K1", slurp(dir / "K1.secret")};
  const text::Translations strings;  // no catalogues: the slip in English
  std::vector<double> total_ms, request_ms, slip_ms, engine_ms;
  int refused = 0, failed = 0;
  {
    kiosk::KioskStore store((dir / "kiosk.sqlite").string());
    sync::Outbox outbox((dir / "outbox.sqlite").string(), "K1");
    sync::SyncEngine engine(outbox, endpoint);
    ui::Worker worker("bench-issue");
    kiosk::ServerTokens port_tokens(
        engine, outbox, store, [&](std::function<void()> job) { worker.run(std::move(job)); }, std::chrono::seconds(5));
    engine.on_complete([&](const sync::OutboxEntry& e) { port_tokens.on_complete(e); });
    engine.start();

    for (int i = 0; i < warmup + tokens; ++i) {
      const std::string& svc = services[static_cast<std::size_t>(i) % services.size()];
      // On the issuing thread, as in the kiosk.
      std::promise<std::tuple<int, double, double>> done;
      worker.run([&] {
        auto t0 = Clock::now();
        auto r = port_tokens.request(svc, "", "en");
        auto t1 = Clock::now();
        if (r.kind != kiosk::TokenRequest::Kind::Issued) {
          done.set_value({r.kind == kiosk::TokenRequest::Kind::Refused ? 1 : 2, 0, 0});
          return;
        }
        std::string problem;
        auto bytes = kiosk::build_slip(catalogue.value(), strings, "en", r.issued, problem);
        auto t2 = Clock::now();
        port_tokens.delivered(r.issued);
        done.set_value({bytes ? 0 : 2, std::chrono::duration<double, std::milli>(t1 - t0).count(),
                        std::chrono::duration<double, std::milli>(t2 - t1).count()});
      });
      auto [outcome, req, slip] = done.get_future().get();
      if (outcome == 1) ++refused;
      if (outcome == 2) ++failed;
      if (outcome != 0 || i < warmup) continue;
      request_ms.push_back(req);
      slip_ms.push_back(slip);
      total_ms.push_back(req + slip);
    }
    // The same requests through the sync engine alone, without the kiosk's issue log, to show
    // which part of the figure is the outbox and the server.
    for (int i = 0; i < tokens / 2; ++i) {
      const std::string& svc = services[static_cast<std::size_t>(i + 3) % services.size()];
      auto t0 = Clock::now();
      auto e =
          engine.submit_and_wait("POST", "/api/v1/tokens", {{"service", svc}, {"priority", ""}, {"language", "en"}}, "",
                                 std::chrono::seconds(5));
      auto t1 = Clock::now();
      if (e.state == sync::OutboxState::Done)
        engine_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    worker.run([&] { port_tokens.reconcile(); });
    engine.stop();
  }
  kill(srv, SIGTERM);
  waitpid(srv, nullptr, 0);

  std::printf("token issue latency, %zu tokens (after %d warm-up), server on 127.0.0.1\n", total_ms.size(), warmup);
  std::printf("  outbox (durable) + server (durable) + issue log:  p50 %.2f ms  p99 %.2f ms\n", pct(request_ms, 50),
              pct(request_ms, 99));
  std::printf("  slip encoded to ESC/POS bytes:                    p50 %.2f ms  p99 %.2f ms\n", pct(slip_ms, 50),
              pct(slip_ms, 99));
  std::printf("  total:  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", pct(total_ms, 50), pct(total_ms, 90),
              pct(total_ms, 99), pct(total_ms, 100));
  std::printf("  refused (daily caps, hours): %d  failed: %d\n", refused, failed);
  std::printf("  for comparison, SyncEngine::submit_and_wait alone (%zu requests): p50 %.2f ms  p99 %.2f ms\n",
              engine_ms.size(), pct(engine_ms, 50), pct(engine_ms, 99));
  if (dir_arg.empty()) fs::remove_all(dir);
  return failed == 0 ? 0 : 1;
}
