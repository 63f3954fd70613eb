// Sync benchmarks: applications filed on terminals reaching the centre server.
//
//   guichet-bench-sync upload [--terminals 10] [--applications 100000] [--peer] [--centre-only]
//     Each terminal's outbox holds its share of the applications (written before the clock
//     starts); the terminals' sync engines then send them all at once to the centre node, which
//     relays them to a central server. The clock stops when central has them all (the centre's
//     relay has sent every one, each durable at central before it answered); the time the
//     terminals drained to the centre is reported too. Every entry must have been answered 2xx at
//     both hops (each is durable, fsync'd, before it is answered). With --peer the same records (as JSON lines) are
//     then sent by as many PouchDB clients to PouchDB Server (bench/sync/pouchdb/run.sh), and both rates are printed
//     with their ratio.
//
//   guichet-bench-sync catch-up [--applications 20000] [--outage-seconds 40] [--wan-rtt-ms 0]
//     A centre node whose link to central is down takes N applications from its terminals; the
//     relay keeps retrying (backing off) for the outage; then central comes back, and the clock runs
//     from its start until every application is durable at central.
//
//   guichet-bench-sync first-sync [--statuses 10000]
//     A centre server holding N applications (filed through terminals first); a new terminal then
//     makes its first sync: catalogue plus the status of every application, stored in its own
//     SQLite file (durably, page by page). The clock runs from the first request to the last page
//     stored.
//
//   guichet-bench-sync backlog-memory [--entries 20000]
//     A terminal process with a backlog of N applications: its PSS and RSS with the outbox open and
//     the sync engine retrying against an unreachable server, then while it drains to a server that
//     came back, and the drain time.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/server/admin.hpp"
#include "guichet/store/sqlite.hpp"
#include "guichet/sync/change_feed.hpp"
#include "guichet/sync/client.hpp"
#include "records.hpp"
#include "support/server_process.hpp"
#include "sync/latency_link.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using guichet::bench::ServerProcess;
using guichet::bench::ServerSpec;

struct Options {
  fs::path server = GUICHET_SERVER_PATH;
  fs::path catalogue = GUICHET_DEMO_CATALOGUE;
  fs::path peer_script = GUICHET_POUCHDB_PEER;
  int terminals = 10;
  long applications = 100000;
  long entries = 20000;
  long statuses = 10000;
  int outage_seconds = 40;
  int wan_rtt_ms = 0;  // catch-up: the centre's link to central takes this long per round trip
  int page = 1000;
  bool peer = false;
  bool centre_only = false;  // upload: stop at the centre node (no central hop)
  bool keep = false;
  fs::path child_dir;  // internal: the backlog-memory terminal process
  int child_port = 0;
};

struct Terminal {
  std::string device;
  std::string secret;
  fs::path outbox;
};

struct Centre {
  fs::path dir, db;
  std::unique_ptr<guichet::domain::Catalogue> catalogue;
  std::vector<Terminal> terminals;
};

Centre prepare(const Options& o, const fs::path& dir, int terminals, const std::string& kiosk = {},
               std::string* kiosk_secret = nullptr) {
  Centre c;
  c.dir = dir;
  fs::create_directories(dir);
  c.db = dir / "centre.db";
  auto loaded = guichet::config::load_catalogue(o.catalogue.string());
  if (!loaded) throw std::runtime_error("cannot load " + o.catalogue.string());
  c.catalogue = std::make_unique<guichet::domain::Catalogue>(std::move(loaded.value()));
  auto init = guichet::server::init_database(c.db.string());
  if (!init) throw std::runtime_error(init.error().message);
  for (int i = 1; i <= terminals; ++i) {
    Terminal t;
    t.device = "C" + std::to_string(100 + i);
    auto d = guichet::server::add_device(c.db.string(), t.device, "counter");
    if (!d) throw std::runtime_error(d.error().message);
    t.secret = d->secret;
    t.outbox = dir / (t.device + ".outbox");
    c.terminals.push_back(std::move(t));
  }
  if (!kiosk.empty()) {
    auto d = guichet::server::add_device(c.db.string(), kiosk, "kiosk");
    if (!d) throw std::runtime_error(d.error().message);
    if (kiosk_secret) *kiosk_secret = d->secret;
  }
  return c;
}

ServerProcess start_server(const Options& o, const Centre& c) {
  ServerSpec spec;
  spec.binary = o.server;
  spec.dir = c.dir;
  spec.db = c.db;
  spec.catalogue = o.catalogue;
  if (std::getenv("GUICHET_BENCH_LOG_REQUESTS")) spec.extra_args.push_back("--log-requests");
  return ServerProcess(spec);
}

// The central server's side: its database with the centre node as a device, and the folder of
// centre catalogues.
struct Central {
  fs::path dir, db, catalogues, secret_file;
};

Central prepare_central(const Options& o, const fs::path& dir, const std::string& centre_id) {
  Central c;
  c.dir = dir;
  c.db = dir / "central.db";
  c.catalogues = dir / "centres";
  c.secret_file = dir / (centre_id + ".central.secret");
  fs::create_directories(c.catalogues);
  fs::copy_file(o.catalogue, c.catalogues / (centre_id + ".toml"), fs::copy_options::overwrite_existing);
  auto init = guichet::server::init_database(c.db.string());
  if (!init) throw std::runtime_error(init.error().message);
  auto d = guichet::server::add_device(c.db.string(), centre_id, "centre");
  if (!d) throw std::runtime_error(d.error().message);
  std::ofstream(c.secret_file) << d->secret << '\n';
  return c;
}

ServerSpec central_spec(const Options& o, const Central& c, const std::string& listen = "127.0.0.1:0") {
  ServerSpec spec;
  spec.binary = o.server;
  spec.dir = c.dir;
  spec.db = c.db;
  spec.catalogue = c.catalogues;
  spec.role = "central";
  spec.name = "central";
  spec.listen = listen;
  return spec;
}

ServerProcess start_central(const Options& o, const Central& c, const std::string& listen = "127.0.0.1:0") {
  return ServerProcess(central_spec(o, c, listen));
}

ServerProcess start_relaying_centre(const Options& o, const Centre& c, const Central& central, int central_port) {
  ServerSpec spec;
  spec.binary = o.server;
  spec.dir = c.dir;
  spec.db = c.db;
  spec.catalogue = o.catalogue;
  spec.extra_args = {"--upstream",
                     "http://127.0.0.1:" + std::to_string(central_port),
                     "--upstream-device",
                     c.catalogue->centre.id,
                     "--upstream-secret-file",
                     central.secret_file.string()};
  return ServerProcess(spec);
}

struct RelayCounts {
  long pending = -1, sent = 0, refused = 0;
};

// The centre node's relay counts from its health answer.
RelayCounts relay_counts(guichet::sync::ApiClient& client) {
  RelayCounts r;
  auto h = client.get("/api/v1/health");
  if (!h.ok()) return r;
  auto j = nlohmann::json::parse(h.body, nullptr, false);
  if (j.is_discarded() || !j.contains("relay")) return r;
  r.pending = j["relay"].value("pending", -1L);
  r.sent = j["relay"].value("sent", 0L);
  r.refused = j["relay"].value("refused", 0L);
  return r;
}

// Waits until the relay has sent `total` with nothing pending; the time it took, or a negative
// number after `limit`.
double wait_relayed(guichet::sync::ApiClient& client, long total, std::chrono::seconds limit, RelayCounts& last) {
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < limit) {
    last = relay_counts(client);
    if (last.pending == 0 && last.sent + last.refused >= total) {
      return std::chrono::duration<double>(Clock::now() - t0).count();
    }
    // The centre counts its relay rows for each health answer: asking often would load it.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return -1;
}

// Waits until the centre node's database holds `total` applications in a status central gave
// (the relay's answers and the pull applied), reading the file itself so as not to load the server;
// the seconds it took, or -1.
double wait_statuses_back(const fs::path& db, long total, std::chrono::seconds limit) {
  const auto t0 = Clock::now();
  guichet::store::Db reader(db.string(),
                            guichet::store::OpenOptions{guichet::store::Durability::Normal, false, 5000, false});
  auto st = reader.prepare("SELECT COUNT(*) FROM applications WHERE status NOT IN ('received', 'forwarded')");
  while (Clock::now() - t0 < limit) {
    st.reset();
    const long back = st.step() ? static_cast<long>(st.int64(0)) : 0;
    st.reset();
    if (back >= total) return std::chrono::duration<double>(Clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

guichet::domain::Date centre_today(const guichet::domain::Catalogue& cat) {
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  guichet::domain::Date d;
  guichet::domain::parse_date(guichet::domain::business_day(now, cat.centre.utc_offset_minutes), d);
  return d;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Fills the terminals' outboxes round robin with `total` applications; writes the same bodies as
// JSON lines to `jsonl` when it is not empty.
void fill_outboxes(Centre& c, long total, const fs::path& jsonl) {
  guichet::bench::RecordMaker maker(*c.catalogue, centre_today(*c.catalogue), 20261121);
  std::vector<std::unique_ptr<guichet::sync::Outbox>> outboxes;
  guichet::sync::OutboxOptions options;
  options.durability = guichet::store::Durability::Normal;  // setup only: the clock is not running
  for (auto& t : c.terminals) {
    outboxes.push_back(std::make_unique<guichet::sync::Outbox>(t.outbox.string(), t.device, options));
  }
  std::ofstream lines;
  if (!jsonl.empty()) lines.open(jsonl);
  for (long i = 0; i < total; ++i) {
    auto& outbox = *outboxes[static_cast<std::size_t>(i) % outboxes.size()];
    const std::string receipt = outbox.next_application_receipt(c.catalogue->centre.id);
    const auto n = std::stoll(receipt.substr(receipt.rfind('-') + 1));
    const nlohmann::json body = [&] {
      auto b = maker.make(outbox.device_id(), n);
      b["receipt"] = receipt;
      return b;
    }();
    const std::string text = body.dump();
    outbox.append("POST", "/api/v1/applications", text, "", now_ms(), "application.file");
    if (lines.is_open()) lines << text << '\n';
  }
}

// This process's CPU time so far (user + system, all its threads), in seconds.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int upload(const Options& o, const fs::path& dir) {
  Centre c = prepare(o, dir / "upload", o.terminals);
  const fs::path jsonl = dir / "upload" / "records.jsonl";
  std::printf("preparing %ld applications in %d terminal outboxes …\n", o.applications, o.terminals);
  std::fflush(stdout);
  fill_outboxes(c, o.applications, o.peer ? jsonl : fs::path{});
  {
    auto size = fs::file_size(c.terminals[0].outbox);
    std::printf("  outbox files: %.1f MB each\n", static_cast<double>(size) / 1e6);
  }

  std::optional<Central> central_files;
  std::optional<ServerProcess> central;
  if (!o.centre_only) {
    central_files = prepare_central(o, dir / "upload" / "central", c.catalogue->centre.id);
    central.emplace(central_spec(o, *central_files));
  }
  ServerProcess server = central ? start_relaying_centre(o, c, *central_files, central->port()) : start_server(o, c);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  std::vector<std::unique_ptr<guichet::sync::Outbox>> outboxes;
  std::vector<std::unique_ptr<guichet::sync::SyncEngine>> engines;
  guichet::sync::SyncOptions sync_options;
  sync_options.request_timeout = std::chrono::milliseconds(30000);
  for (auto& t : c.terminals) {
    outboxes.push_back(std::make_unique<guichet::sync::Outbox>(t.outbox.string(), t.device));
    engines.push_back(std::make_unique<guichet::sync::SyncEngine>(
        *outboxes.back(), guichet::sync::ServerEndpoint{base, t.device, t.secret}, sync_options));
  }
  const double cpu_before = server.cpu_seconds();
  const double terminals_cpu_before = process_cpu_seconds();
  const auto t0 = Clock::now();
  for (auto& e : engines) e->start();
  std::vector<double> drained_s;
  bool all = true;
  for (auto& e : engines) {
    all = e->wait_drained(std::chrono::minutes(20)) && all;
    drained_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double centre_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  // The terminals' work: this process's CPU while their engines drained (outbox reads, upload
  // bodies, answers, outbox commits, sockets).
  const double terminals_cpu = process_cpu_seconds() - terminals_cpu_before;
  double seconds = centre_seconds;
  RelayCounts relayed;
  if (central) {
    guichet::sync::ApiClient health(guichet::sync::ServerEndpoint{base, c.terminals[0].device, c.terminals[0].secret});
    const double more = wait_relayed(health, o.applications, std::chrono::minutes(20), relayed);
    seconds = more < 0 ? -1 : std::chrono::duration<double>(Clock::now() - t0).count();
  }
  const double server_cpu = server.cpu_seconds() - cpu_before;
  const double central_cpu = central ? central->cpu_seconds() : 0;
  const auto [server_pss, server_rss] = guichet::bench::pss_rss_kb(server.pid());
  // The relay's work at the centre ends when central's statuses are back there (the pull).
  double back_seconds = 0, back_cpu = 0;
  if (central && seconds > 0) {
    const double more = wait_statuses_back(c.db, o.applications, std::chrono::minutes(5));
    back_seconds = more < 0 ? -1 : std::chrono::duration<double>(Clock::now() - t0).count();
    back_cpu = server.cpu_seconds() - cpu_before;
  }
  for (auto& e : engines) e->stop();
  long failed = 0, pending = 0;
  std::string first_failure;
  for (auto& ob : outboxes) {
    pending += ob->pending_count();
    auto f = ob->failed(5);
    failed += static_cast<long>(f.size());
    if (!f.empty() && first_failure.empty()) first_failure = f.front().response_body;
  }
  const int status = server.stop();
  const int central_status = central ? central->stop() : 0;
  std::printf("Guichet: %ld applications from %d terminals to the centre node in %.2f s = %.0f applications/s\n",
              o.applications, o.terminals, centre_seconds, static_cast<double>(o.applications) / centre_seconds);
  std::printf("  each durable (WAL fsync) before it was answered; last terminal drained at %.2f s, median %.2f s\n",
              drained_s.empty() ? 0 : *std::max_element(drained_s.begin(), drained_s.end()), median(drained_s));
  if (central) {
    std::printf(
        "  and on to central: all %ld durable at central (relay sent %ld, refused %ld) at %.2f s = %.0f "
        "applications/s end to end\n",
        o.applications, relayed.sent, relayed.refused, seconds,
        seconds > 0 ? static_cast<double>(o.applications) / seconds : 0.0);
  }
  std::printf(
      "  centre node CPU %.1f s (%.0f us per application), PSS %.0f MB; central CPU %.1f s (%.0f us per "
      "application); exit status %d/%d\n",
      server_cpu, server_cpu * 1e6 / static_cast<double>(o.applications), static_cast<double>(server_pss) / 1024.0,
      central_cpu, central_cpu * 1e6 / static_cast<double>(o.applications), status, central_status);
  std::printf("  terminals (this process while they drained) CPU %.1f s (%.0f us per application)\n", terminals_cpu,
              terminals_cpu * 1e6 / static_cast<double>(o.applications));
  if (central) {
    std::printf(
        "  central's statuses back at the centre node at %.2f s; centre node CPU until then %.1f s (%.0f us per "
        "application)\n",
        back_seconds, back_cpu, back_cpu * 1e6 / static_cast<double>(o.applications));
  }
  std::printf("  centre node: %s\n", server.commit_summary().c_str());
  if (!all || pending || failed || seconds < 0 || relayed.refused) {
    std::fprintf(
        stderr, "upload incomplete: %ld still pending, %ld refused at the centre, %ld refused at central%s%s\n",
        pending, failed, relayed.refused, first_failure.empty() ? "" : "; first refusal: ", first_failure.c_str());
    return 1;
  }
  const double guichet_rate = static_cast<double>(o.applications) / seconds;

  if (o.peer) {
    const std::string cmd = "bash '" + o.peer_script.string() + "' --records '" + jsonl.string() + "' --clients " +
                            std::to_string(o.terminals) + " --batch-size 500 --json --dir '" +
                            (dir / "pouchdb").string() + "'";
    std::printf("running the PouchDB peer: %s\n", cmd.c_str());
    std::fflush(stdout);
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run the PouchDB peer");
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int rc = pclose(p);
    if (rc != 0) {
      std::fprintf(stderr, "the PouchDB peer failed (status %d): %s\n", rc, out.c_str());
      return 1;
    }
    auto last = out.find_last_of('{');
    auto peer = nlohmann::json::parse(out.substr(last));
    const double peer_rate = peer.at("records_per_second").get<double>();
    std::printf(
        "PouchDB Server (LevelDB, no fsync): %ld records from %d clients in %.2f s = %.0f records/s; "
        "server CPU %.1f s, PSS %.0f MB\n",
        peer.at("records").get<long>(), peer.at("clients").get<int>(), peer.at("seconds").get<double>(), peer_rate,
        peer.at("server_cpu_seconds").get<double>(), peer.at("server_pss_kb").get<double>() / 1024.0);
    std::printf("ratio: Guichet %.1fx PouchDB's rate (goal: at least 10x)\n", guichet_rate / peer_rate);
  }
  return 0;
}

// ---- catch-up after an outage ------------------------------------------------------------------

int catch_up(const Options& o, const fs::path& dir) {
  Centre c = prepare(o, dir / "catch-up", 10);
  Central central_files = prepare_central(o, dir / "catch-up" / "central", c.catalogue->centre.id);
  // Central's port, free while central is down.
  int central_port = 0;
  {
    ServerProcess probe = start_central(o, central_files);
    central_port = probe.port();
  }
  std::printf("preparing %ld applications filed at the centre while central is unreachable …\n", o.entries);
  std::fflush(stdout);
  fill_outboxes(c, o.entries, {});
  // A wide-area line between the centre and central: every byte arrives half a round trip later.
  std::unique_ptr<guichet::bench::LatencyLink> wan;
  if (o.wan_rtt_ms > 0) {
    wan = std::make_unique<guichet::bench::LatencyLink>(static_cast<std::uint16_t>(central_port),
                                                        std::chrono::milliseconds(o.wan_rtt_ms / 2));
    std::printf("  the centre reaches central across a link of %d ms round trip\n", o.wan_rtt_ms);
  }
  ServerProcess centre = start_relaying_centre(o, c, central_files, wan ? wan->port() : central_port);
  const std::string base = "http://127.0.0.1:" + std::to_string(centre.port());
  {
    std::vector<std::unique_ptr<guichet::sync::Outbox>> outboxes;
    std::vector<std::unique_ptr<guichet::sync::SyncEngine>> engines;
    for (auto& t : c.terminals) {
      outboxes.push_back(std::make_unique<guichet::sync::Outbox>(t.outbox.string(), t.device));
      engines.push_back(std::make_unique<guichet::sync::SyncEngine>(
          *outboxes.back(), guichet::sync::ServerEndpoint{base, t.device, t.secret}));
    }
    for (auto& e : engines) e->start();
    for (auto& e : engines) {
      if (!e->wait_drained(std::chrono::minutes(10))) throw std::runtime_error("the terminals did not drain");
    }
    for (auto& e : engines) e->stop();
  }
  guichet::sync::ApiClient health(guichet::sync::ServerEndpoint{base, c.terminals[0].device, c.terminals[0].secret});
  RelayCounts before = relay_counts(health);
  std::printf("  waiting at the centre: %ld (sent %ld); the relay has been retrying for a while …\n", before.pending,
              before.sent);
  // Let the relay back off as it would in a long outage.
  std::this_thread::sleep_for(std::chrono::seconds(o.outage_seconds));
  std::fflush(stdout);
  const auto t0 = Clock::now();
  ServerProcess central = start_central(o, central_files, "127.0.0.1:" + std::to_string(central_port));
  const double up = std::chrono::duration<double>(Clock::now() - t0).count();
  RelayCounts after;
  // When the relay noticed central was back (its first batch answered): the rest is draining.
  double noticed = -1;
  while (Clock::now() - t0 < std::chrono::minutes(2)) {
    after = relay_counts(health);
    if (after.sent + after.refused > 0) {
      noticed = std::chrono::duration<double>(Clock::now() - t0).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double drained = wait_relayed(health, o.entries, std::chrono::minutes(10), after);
  const double total = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "catch-up: %ld applications drained to central %.2f s after it came back = %.0f applications/s; goal: "
      "under 10 s\n",
      o.entries, total, drained > 0 ? static_cast<double>(o.entries) / total : 0);
  std::printf(
      "  central listening after %.2f s; the relay's first batch answered after %.2f s (its retry backoff); "
      "draining took %.2f s (%.0f applications/s); relay sent %ld, refused %ld\n",
      up, noticed, total - noticed, noticed >= 0 ? static_cast<double>(o.entries) / (total - noticed) : 0, after.sent,
      after.refused);
  std::printf("  centre node: %s\n", centre.commit_summary().c_str());
  return drained >= 0 && after.refused == 0 && total < 10 ? 0 : 1;
}

// ---- first sync ------------------------------------------------------------------------------------

int first_sync(const Options& o, const fs::path& dir) {
  std::string kiosk_secret;
  Centre c = prepare(o, dir / "first-sync", 4, "K99", &kiosk_secret);
  std::printf("preparing a centre with %ld applications …\n", o.statuses);
  std::fflush(stdout);
  fill_outboxes(c, o.statuses, {});
  ServerProcess server = start_server(o, c);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  {
    std::vector<std::unique_ptr<guichet::sync::Outbox>> outboxes;
    std::vector<std::unique_ptr<guichet::sync::SyncEngine>> engines;
    for (auto& t : c.terminals) {
      outboxes.push_back(std::make_unique<guichet::sync::Outbox>(t.outbox.string(), t.device));
      engines.push_back(std::make_unique<guichet::sync::SyncEngine>(
          *outboxes.back(), guichet::sync::ServerEndpoint{base, t.device, t.secret}));
    }
    for (auto& e : engines) e->start();
    for (auto& e : engines) {
      if (!e->wait_drained(std::chrono::minutes(10))) throw std::runtime_error("the applications did not all arrive");
    }
    for (auto& e : engines) e->stop();
  }
  std::vector<double> runs;
  int changes = 0;
  std::uintmax_t file_size = 0;
  for (int run = 0; run < 3; ++run) {
    const fs::path feed_file = c.dir / ("K99-feed-" + std::to_string(run) + ".sqlite");
    guichet::sync::ChangeFeedOptions feed_options;
    feed_options.page = o.page;
    const auto t0 = Clock::now();
    guichet::sync::ChangeFeed feed(feed_file.string(), guichet::sync::ServerEndpoint{base, "K99", kiosk_secret},
                                   feed_options);
    auto pulled = feed.pull();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!pulled.ok) throw std::runtime_error("the first sync failed: " + pulled.error);
    if (!feed.catalogue()) throw std::runtime_error("the first sync brought no catalogue");
    const std::string sample = c.catalogue->centre.id + "-" + c.terminals[0].device + "-000001";
    if (!feed.local_status(sample)) throw std::runtime_error("the first sync lacks " + sample);
    runs.push_back(seconds);
    changes = pulled.changes;
    file_size = fs::file_size(feed_file);
  }
  server.stop();
  std::printf(
      "first sync of a new kiosk: catalogue + %ld application statuses (%d changes, pages of %d), stored "
      "durably page by page (file %.1f MB)\n",
      o.statuses, changes, o.page, static_cast<double>(file_size) / 1e6);
  std::printf("  runs %.3f / %.3f / %.3f s, median %.3f s (goal: under 1 s)\n", runs[0], runs[1], runs[2],
              median(runs));
  return median(runs) < 1.0 ? 0 : 1;
}

// ---- backlog memory ------------------------------------------------------------------------------

// The terminal: opens the outbox, runs the engine against `port` (nothing listening at first),
// reports its memory on standard output when told on standard input.
int backlog_child(const Options& o) {
  std::ifstream cred(o.child_dir / "credentials");
  std::string device, secret;
  cred >> device >> secret;
  auto report = [](const char* what) {
    const auto [pss, rss] = guichet::bench::pss_rss_kb(getpid());
    std::printf("%s %ld %ld\n", what, pss, rss);
    std::fflush(stdout);
  };
  report("start");
  guichet::sync::Outbox outbox((o.child_dir / (device + ".outbox")).string(), device);
  report("opened");
  guichet::sync::SyncEngine engine(
      outbox, guichet::sync::ServerEndpoint{"http://127.0.0.1:" + std::to_string(o.child_port), device, secret});
  engine.start();
  std::string command;
  while (std::getline(std::cin, command)) {
    if (command == "report") report("offline");
    if (command == "drain") {
      const auto t0 = Clock::now();
      long peak_rss = 0, peak_pss = 0;
      std::atomic<bool> done{false};
      std::thread sampler([&] {
        while (!done) {
          const auto [pss, rss] = guichet::bench::pss_rss_kb(getpid());
          peak_pss = std::max(peak_pss, pss);
          peak_rss = std::max(peak_rss, rss);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      });
      const bool ok = engine.wait_drained(std::chrono::minutes(10));
      done = true;
      sampler.join();
      std::printf("drained %d %.3f %ld %ld %lld\n", ok ? 1 : 0,
                  std::chrono::duration<double>(Clock::now() - t0).count(), peak_pss, peak_rss,
                  static_cast<long long>(outbox.pending_count()));
      std::fflush(stdout);
    }
    if (command == "exit") break;
  }
  engine.stop();
  return 0;
}

int backlog_memory(const Options& o, const fs::path& self, const fs::path& dir) {
  Centre c = prepare(o, dir / "backlog", 1);
  std::printf("preparing a backlog of %ld applications …\n", o.entries);
  std::fflush(stdout);
  fill_outboxes(c, o.entries, {});
  std::ofstream(c.dir / "credentials") << c.terminals[0].device << ' ' << c.terminals[0].secret << '\n';
  // A port nobody listens on until the server starts on it.
  ServerProcess probe = start_server(o, c);
  const int port = probe.port();
  probe.stop();

  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    const std::string port_text = std::to_string(port);
    execl(self.c_str(), self.c_str(), "backlog-child", "--dir", c.dir.c_str(), "--port", port_text.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  FILE* in = fdopen(from_child[0], "r");
  FILE* out = fdopen(to_child[1], "w");
  auto read_line = [&] {
    char buf[512];
    if (!std::fgets(buf, sizeof buf, in)) throw std::runtime_error("the terminal process stopped");
    return std::string(buf);
  };
  auto send = [&](const char* cmd) {
    std::fprintf(out, "%s\n", cmd);
    std::fflush(out);
  };
  std::string start = read_line(), opened = read_line();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the engine retries against nobody
  send("report");
  std::string offline = read_line();
  auto fields = [](const std::string& line) {
    std::istringstream s(line);
    std::string what;
    long pss = 0, rss = 0;
    s >> what >> pss >> rss;
    return std::pair<long, long>{pss, rss};
  };
  const auto [s_pss, s_rss] = fields(start);
  const auto [o_pss, o_rss] = fields(opened);
  const auto [f_pss, f_rss] = fields(offline);
  std::printf("terminal with %ld applications waiting (outbox %.1f MB):\n", o.entries,
              static_cast<double>(fs::file_size(c.terminals[0].outbox)) / 1e6);
  std::printf("  process before opening: PSS %.1f MB, RSS %.1f MB\n", s_pss / 1024.0, s_rss / 1024.0);
  std::printf("  outbox open:            PSS %.1f MB, RSS %.1f MB\n", o_pss / 1024.0, o_rss / 1024.0);
  std::printf("  engine retrying, 3 s:   PSS %.1f MB, RSS %.1f MB (engine + outbox: +%.1f MB PSS)\n", f_pss / 1024.0,
              f_rss / 1024.0, (f_pss - s_pss) / 1024.0);

  // The server comes back on the port the terminal keeps trying.
  ServerSpec spec;
  spec.binary = o.server;
  spec.dir = c.dir;
  spec.db = c.db;
  spec.catalogue = o.catalogue;
  spec.listen = "127.0.0.1:" + std::to_string(port);
  ServerProcess server(spec);
  send("drain");
  std::string drained = read_line();
  send("exit");
  int status = 0;
  waitpid(pid, &status, 0);
  std::istringstream d(drained);
  std::string word;
  int ok = 0;
  double seconds = 0;
  long peak_pss = 0, peak_rss = 0, left = 0;
  d >> word >> ok >> seconds >> peak_pss >> peak_rss >> left;
  std::printf(
      "  the server came back: drained in %.2f s (%.0f applications/s), %ld left; while draining PSS at most "
      "%.1f MB, RSS %.1f MB\n",
      seconds, static_cast<double>(o.entries) / seconds, left, static_cast<double>(peak_pss) / 1024.0,
      static_cast<double>(peak_rss) / 1024.0);
  return ok && left == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Sync benchmarks: applications from terminals to the centre server"};
  app.require_subcommand(1);
  app.add_option("--server", o.server, "guichet-server binary")->capture_default_str();
  app.add_option("--catalogue", o.catalogue, "the centre's catalogue")->capture_default_str();
  app.add_flag("--keep", o.keep, "keep the working folder");
  auto* up = app.add_subcommand("upload", "applications from terminals to the centre server, beside PouchDB");
  up->add_option("--terminals", o.terminals, "terminals (and PouchDB clients)")->capture_default_str();
  up->add_option("--applications", o.applications, "applications in all")->capture_default_str();
  up->add_flag("--peer", o.peer, "also run the PouchDB peer with the same records");
  up->add_flag("--centre-only", o.centre_only, "stop at the centre node (no central server)");
  auto* catchup = app.add_subcommand("catch-up", "applications waiting at a centre drained to central");
  catchup->add_option("--applications", o.entries, "applications waiting")->capture_default_str();
  catchup->add_option("--wan-rtt-ms", o.wan_rtt_ms, "round trip of the centre's link to central (0: loopback)")
      ->capture_default_str();
  catchup->add_option("--outage-seconds", o.outage_seconds, "how long central stays down after the filings")
      ->capture_default_str();
  auto* first = app.add_subcommand("first-sync", "a new terminal's first sync: catalogue and every status");
  first->add_option("--statuses", o.statuses, "applications at the centre")->capture_default_str();
  first->add_option("--page", o.page, "changes per request")->capture_default_str();
  auto* mem = app.add_subcommand("backlog-memory", "a terminal's memory with a backlog");
  mem->add_option("--entries", o.entries, "applications waiting")->capture_default_str();
  auto* child = app.add_subcommand("backlog-child", "(internal) the terminal process of backlog-memory");
  child->add_option("--dir", o.child_dir)->required();
  child->add_option("--port", o.child_port)->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (*child) return backlog_child(o);
    const fs::path dir = fs::temp_directory_path() / ("guichet-bench-sync-" + std::to_string(getpid()));
    int rc = 0;
    if (*up) rc = upload(o, dir);
    if (*first) rc = first_sync(o, dir);
    if (*catchup) rc = catch_up(o, dir);
    if (*mem) rc = backlog_memory(o, fs::canonical("/proc/self/exe"), dir);
    if (o.keep) {
      std::printf("kept %s\n", dir.c_str());
    } else {
      fs::remove_all(dir);
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "guichet-bench-sync: %s\n", e.what());
    return 1;
  }
}
