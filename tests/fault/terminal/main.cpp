// guichet-fault-terminal: a terminal for fault-injection runs. It is a core/sync Outbox and
// SyncEngine that keep posting queue tokens (POST /api/v1/tokens) to a centre server, with a wall
// clock skewed by --skew-ms, and that can be told on standard input that its disk is full.
//
// With --work applications it files applications instead (POST /api/v1/applications, kind
// application.file: a kiosk's birth-certificate form with the receipt number from its outbox,
// filed on --filed-on and due on --due-on), and keeps a ChangeFeed (DATA_DIR/feed.sqlite) that
// pulls the centre's changes every --feed-poll-ms, so the statuses that officers set at central
// reach the terminal's local status store. With --channel counter it is a counter instead, filing
// as the counter app does: channel "counter", the fee --fee-minor collected, and the operator who
// took it (--operator) named in the filing itself, with no operator session (the counter sends
// none, so that a filing uploaded after its operator logged out is not refused). A counter also
// scans a page for each filing, as the counter app does: the page (a small PNG file, its bytes its
// own) is kept in DATA_DIR/attachments.sqlite before the filing that names it goes to the outbox,
// and an AttachmentUploader sends it to the centre node (PUT /api/v1/attachments/{sha256}).
//
// Standard input, one command a line; each is answered with one line on standard output:
//   status        → "status written=N pending=P refused=R" (written: entries this data directory
//                   journaled, over every run of the program on it)
//   disk-full     → "ok": file writes beyond the outbox's present size fail from now (RLIMIT_FSIZE)
//   disk-ok       → "ok": space is back
//   quiesce       → "ok": stop taking new work
//   drain MS      → "drained MS" once nothing is pending, outbox entries and scanned pages (MS:
//                   how long it took), or "not-drained P" if P are still pending after MS
//                   milliseconds
//   feed          → "feed ok N" (N changes stored) or "feed error WHY" (applications only)
//   exit          → "bye", then the program ends
// Each entry is journaled (its seq, for an application its receipt, and for a counter's the
// SHA-256 of its page: one line "SEQ[ RECEIPT[ SHA256]]" in DATA_DIR/journal) after the outbox
// stored it, so
// a checker can tell which entries the terminal durably wrote. A refusal of new work is logged on
// standard error in one sentence and counted.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "guichet/store/sqlite.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/sync/change_feed.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/testing/filing.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Args {
  fs::path data_dir;
  std::string device;
  fs::path secret_file;
  std::string server;
  std::uint64_t seed = 1;
  int interval_ms = 40;
  std::int64_t skew_ms = 0;
  std::string service = "property-tax";
  std::string work = "tokens";  // or "applications"
  std::string centre = "LDH01";
  std::string filed_on;
  std::string due_on;
  int feed_poll_ms = 200;
  std::string channel = "kiosk";  // or "counter" (applications only)
  std::int64_t fee_minor = 0;     // collected at a counter
  std::string operator_id;        // a counter's operator, named in each filing
};

int usage(const std::string& problem) {
  std::cerr << "guichet-fault-terminal: " << problem << "\n"
            << "usage: guichet-fault-terminal --data-dir DIR --device ID --secret-file FILE --server URL\n"
            << "                              [--seed N] [--interval-ms MS] [--skew-ms MS] [--service ID]\n"
            << "                              [--work tokens|applications --centre ID --filed-on DATE --due-on DATE\n"
            << "                               --feed-poll-ms MS\n"
            << "                               [--channel kiosk|counter --fee-minor N --operator ID]]\n";
  return 2;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t count_lines(const fs::path& path) {
  std::ifstream in(path);
  std::int64_t n = 0;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

std::uintmax_t size_or_zero(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage("missing value after " + arg);
    std::string v = argv[++i];
    if (arg == "--data-dir")
      a.data_dir = v;
    else if (arg == "--device")
      a.device = v;
    else if (arg == "--secret-file")
      a.secret_file = v;
    else if (arg == "--server")
      a.server = v;
    else if (arg == "--seed")
      a.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (arg == "--interval-ms")
      a.interval_ms = std::atoi(v.c_str());
    else if (arg == "--skew-ms")
      a.skew_ms = std::strtoll(v.c_str(), nullptr, 10);
    else if (arg == "--service")
      a.service = v;
    else if (arg == "--work")
      a.work = v;
    else if (arg == "--centre")
      a.centre = v;
    else if (arg == "--filed-on")
      a.filed_on = v;
    else if (arg == "--due-on")
      a.due_on = v;
    else if (arg == "--feed-poll-ms")
      a.feed_poll_ms = std::atoi(v.c_str());
    else if (arg == "--channel")
      a.channel = v;
    else if (arg == "--fee-minor")
      a.fee_minor = std::strtoll(v.c_str(), nullptr, 10);
    else if (arg == "--operator")
      a.operator_id = v;
    else
      return usage("unknown option " + arg);
  }
  if (a.data_dir.empty() || a.device.empty() || a.secret_file.empty() || a.server.empty())
    return usage("--data-dir, --device, --secret-file and --server are required");
  if (a.work != "tokens" && a.work != "applications")
    return usage("--work must be tokens or applications (got \"" + a.work + "\")");
  const bool applications = a.work == "applications";
  if (applications && (a.filed_on.empty() || a.due_on.empty()))
    return usage("--work applications needs --filed-on and --due-on");
  if (a.feed_poll_ms <= 0) return usage("--feed-poll-ms must be above 0");
  if (a.channel != "kiosk" && a.channel != "counter")
    return usage("--channel must be kiosk or counter (got \"" + a.channel + "\")");
  const bool counter = a.channel == "counter";
  if (counter && (!applications || a.operator_id.empty()))
    return usage("--channel counter needs --work applications and --operator");
  if (!counter && a.fee_minor != 0) return usage("--fee-minor is for --channel counter (a kiosk collects no fee)");
  if (!counter && !a.operator_id.empty()) return usage("--operator is for --channel counter (a kiosk has none)");

  // A file write past RLIMIT_FSIZE then fails with EFBIG instead of killing the process.
  signal(SIGXFSZ, SIG_IGN);

  std::string secret;
  {
    std::ifstream in(a.secret_file);
    std::getline(in, secret);
  }
  if (secret.empty()) {
    std::cerr << "terminal " << a.device << ": no device secret in " << a.secret_file << "\n";
    return 2;
  }

  const fs::path db_path = a.data_dir / "outbox.sqlite";
  const fs::path journal_path = a.data_dir / "journal";
  // The terminal's clock, off by --skew-ms: every time its outbox and engine write comes from it.
  const std::int64_t skew_ms = a.skew_ms;
  auto clock = [skew_ms] { return wall_ms() + skew_ms; };
  std::unique_ptr<guichet::sync::Outbox> outbox;
  try {
    guichet::sync::OutboxOptions outbox_options;
    outbox_options.wall_clock = clock;
    outbox = std::make_unique<guichet::sync::Outbox>(db_path.string(), a.device, outbox_options);
  } catch (const std::exception& e) {
    std::cerr << "terminal " << a.device << ": cannot open its outbox: " << e.what() << "\n";
    return 3;
  }
  guichet::sync::SyncOptions sync_options;
  sync_options.request_timeout = 1500ms;
  sync_options.backoff_initial = 50ms;
  sync_options.backoff_max = 500ms;
  sync_options.wall_clock = clock;
  guichet::sync::SyncEngine engine(*outbox, {a.server, a.device, secret}, sync_options);
  engine.start();

  // The centre's changes (application statuses), pulled into the terminal's own file.
  std::unique_ptr<guichet::sync::ChangeFeed> feed;
  if (applications) {
    guichet::sync::ChangeFeedOptions feed_options;
    feed_options.request_timeout = 1500ms;
    feed_options.poll_interval = std::chrono::milliseconds(a.feed_poll_ms);
    try {
      feed = std::make_unique<guichet::sync::ChangeFeed>((a.data_dir / "feed.sqlite").string(),
                                                         guichet::sync::ServerEndpoint{a.server, a.device, secret},
                                                         feed_options);
    } catch (const std::exception& e) {
      std::cerr << "terminal " << a.device << ": cannot open its change feed: " << e.what() << "\n";
      return 3;
    }
    feed->start();
  }

  // A counter's scanned pages and their uploader.
  std::unique_ptr<guichet::sync::AttachmentStore> pages;
  std::unique_ptr<guichet::sync::AttachmentUploader> uploader;
  if (counter) {
    try {
      pages = std::make_unique<guichet::sync::AttachmentStore>((a.data_dir / "attachments.sqlite").string());
    } catch (const std::exception& e) {
      std::cerr << "terminal " << a.device << ": cannot open its scanned pages: " << e.what() << "\n";
      return 3;
    }
    guichet::sync::AttachmentUploaderOptions upload_options;
    upload_options.request_timeout = 1500ms;
    upload_options.backoff_initial = 50ms;
    upload_options.backoff_max = 500ms;
    upload_options.idle_poll = 500ms;
    uploader = std::make_unique<guichet::sync::AttachmentUploader>(
        *pages, guichet::sync::ServerEndpoint{a.server, a.device, secret}, upload_options);
    uploader->start();
  }

  int journal = ::open(journal_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (journal < 0) {
    std::cerr << "terminal " << a.device << ": cannot open its journal\n";
    return 3;
  }

  std::mutex mu;  // held by the writer while it writes; "quiesce" takes it
  std::atomic<std::int64_t> written{count_lines(journal_path)};
  std::atomic<std::int64_t> refused{0};
  std::atomic<bool> quiesced{false};
  std::atomic<bool> stopping{false};

  // Writes new work at a steady pace (the pace of citizens at a kiosk, not a synchronisation).
  std::thread writer([&] {
    std::mt19937_64 rng(a.seed);
    std::uniform_int_distribution<int> pause(a.interval_ms / 2, a.interval_ms * 3 / 2);
    static const char* kPriorities[] = {"", "elderly", "disabled"};
    static const char* kLanguages[] = {"pa", "hi", "en"};
    while (!stopping) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
      if (quiesced || stopping) continue;
      const char* priority = kPriorities[rng() % 3];
      const char* language = kLanguages[rng() % 3];
      std::lock_guard lock(mu);
      // Checked again under the lock: once "quiesce" is answered, nothing more is written.
      if (quiesced || stopping) continue;
      try {
        guichet::sync::OutboxEntry entry;
        std::string receipt;
        std::string page_sha;
        if (applications) {
          receipt = outbox->next_application_receipt(a.centre);
          guichet::testing::SampleFiling filing;
          filing.receipt = receipt;
          filing.due_on = a.due_on;
          filing.filed_on = a.filed_on;
          filing.language = language;
          filing.channel = a.channel;
          filing.fee_minor = a.fee_minor;
          filing.operator_id = a.operator_id;
          auto body = guichet::testing::sample_filing(filing);
          if (pages) {
            // The hospital slip, scanned: kept before the filing that names it.
            std::string text = "\x89PNG\r\n\x1a\nfault-run page of " + receipt + " " + std::to_string(rng());
            const std::vector<std::uint8_t> bytes(text.begin(), text.end());
            const auto page = pages->put("image/png", bytes, clock());
            page_sha = page.sha256;
            body["documents"][0]["files"] = guichet::sync::json::array(
                {{{"sha256", page.sha256}, {"media_type", "image/png"}, {"bytes", bytes.size()}}});
          }
          entry = outbox->append("POST", "/api/v1/applications", body.dump(), "", clock(), "application.file");
          if (uploader) uploader->wake();
        } else {
          guichet::sync::json body = {{"service", a.service}, {"priority", priority}, {"language", language}};
          entry = outbox->append("POST", "/api/v1/tokens", body.dump(), "", clock(), "token.issue");
        }
        std::string line = std::to_string(entry.seq) + (receipt.empty() ? "" : " " + receipt) +
                           (page_sha.empty() ? "" : " " + page_sha) + "\n";
        if (::write(journal, line.data(), line.size()) == static_cast<ssize_t>(line.size())) ++written;
        // Appending with a skewed clock bypasses SyncEngine::submit, so the engine is told.
        engine.wake();
      } catch (const guichet::store::DbError& e) {
        ++refused;
        std::cerr << "terminal " << a.device << ": new work refused: the terminal's storage is full or failing ("
                  << e.what() << "); what it already wrote is kept and will be sent" << std::endl;
      }
    }
  });

  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    std::string reply;
    if (line == "status") {
      std::int64_t pending = -1;
      try {
        pending = outbox->pending_count();
      } catch (const std::exception&) {
      }
      reply = "status written=" + std::to_string(written.load()) + " pending=" + std::to_string(pending) +
              " refused=" + std::to_string(refused.load());
    } else if (line == "disk-full") {
      // No room past what the files hold now (a little slack for a page or two).
      rlimit lim{};
      getrlimit(RLIMIT_FSIZE, &lim);
      auto now = std::max(size_or_zero(db_path), size_or_zero(fs::path(db_path.string() + "-wal")));
      lim.rlim_cur = static_cast<rlim_t>(now + 8192);
      reply = setrlimit(RLIMIT_FSIZE, &lim) == 0 ? "ok" : "error: setrlimit";
    } else if (line == "disk-ok") {
      rlimit lim{};
      getrlimit(RLIMIT_FSIZE, &lim);
      lim.rlim_cur = lim.rlim_max;
      reply = setrlimit(RLIMIT_FSIZE, &lim) == 0 ? "ok" : "error: setrlimit";
      engine.wake();  // now rather than at its next retry
      if (uploader) uploader->wake();
    } else if (line == "quiesce") {
      std::lock_guard lock(mu);  // a write in progress ends first
      quiesced = true;
      reply = "ok";
    } else if (line.rfind("drain ", 0) == 0) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto limit = std::chrono::milliseconds(std::atoll(line.c_str() + 6));
      bool drained = engine.wait_drained(limit);
      if (drained && uploader) {
        const auto left =
            limit - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        drained = uploader->wait_drained(std::max(left, std::chrono::milliseconds(0)));
      }
      const auto took =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      std::int64_t pending_pages = 0;
      if (uploader) {
        try {
          pending_pages = uploader->waiting();
        } catch (const std::exception&) {
          pending_pages = -1;
        }
      }
      reply = drained ? "drained " + std::to_string(took)
                      : "not-drained " + std::to_string(engine.backlog() + pending_pages);
    } else if (line == "feed") {
      if (!feed) {
        reply = "error: no change feed (tokens)";
      } else {
        try {
          auto p = feed->pull();
          reply = p.ok ? "feed ok " + std::to_string(p.changes) : "feed error " + p.error;
        } catch (const std::exception& e) {
          reply = std::string("feed error ") + e.what();
        }
      }
    } else if (line == "exit") {
      std::cout << "bye" << std::endl;
      break;
    } else {
      reply = "error: unknown command";
    }
    std::cout << reply << std::endl;
  }
  stopping = true;
  writer.join();
  if (feed) feed->stop();
  if (uploader) uploader->stop();
  {
    std::lock_guard lock(mu);
    engine.stop();
  }
  ::close(journal);
  return status;
}
