// The application scenario: terminals file applications through fault proxies to a centre node,
// the centre node relays them through a fault proxy (the WAN link) to a central server, and a
// department officer at central changes statuses, which must come back down to every terminal.
// The schedule kills -9 terminals, the centre node and central, and partitions, stalls, delays
// and cuts every link, the WAN too (docs/testing.md).
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/calendar.hpp"
#include "guichet/sync/client.hpp"
#include "runner.hpp"
#include "runner_internal.hpp"

namespace guichet::fault {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using namespace detail;
using sync::json;

namespace {

constexpr const char* kCentre = "LDH01";
constexpr const char* kFiledOn = "2026-11-23";         // the day of the servers' --time-origin
constexpr const char* kService = "birth-certificate";  // the health department's
constexpr const char* kOfficer = "health1";
constexpr const char* kOfficerPin = "1111";
constexpr std::int64_t kMinimumChanges = 3;   // status changes made at central in every run
constexpr const char* kOperatorPin = "2468";  // the counter operators' (op1, op2, …)

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::int64_t since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// The receipts a terminal journaled, in its order ("SEQ RECEIPT[ SHA256]" lines), and the SHA-256
// of the page a counter scanned for each (empty for a kiosk's).
std::vector<std::pair<std::string, std::string>> journaled_filings(const fs::path& dir) {
  std::ifstream in(dir / "journal");
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string seq, receipt, sha;
    if (words >> seq >> receipt) {
      words >> sha;
      out.emplace_back(receipt, sha);
    }
  }
  return out;
}

std::vector<std::string> journaled_receipts(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& [receipt, sha] : journaled_filings(dir)) out.push_back(std::move(receipt));
  return out;
}

// Each server keeps its scanned files in attachments.sqlite beside its database.
fs::path attachments_of(const fs::path& db) { return db.parent_path() / "attachments.sqlite"; }

// sha256 → (content, the device that sent it) of every file in a server's attachments file.
std::map<std::string, std::pair<std::string, std::string>> server_files(const fs::path& db) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  if (!fs::exists(attachments_of(db))) return out;
  auto files = open_read_only(attachments_of(db));
  auto st = files.prepare("SELECT sha256, content, device FROM attachments");
  while (st.step()) {
    const auto bytes = st.blob(1);
    out[st.text(0)] = {std::string(bytes.begin(), bytes.end()), st.text(2)};
  }
  return out;
}

// seq → receipt of every application in a terminal's outbox.
std::map<std::int64_t, std::string> outbox_receipts(const fs::path& dir) {
  auto db = open_read_only(dir / "outbox.sqlite");
  auto st = db.prepare("SELECT seq, body FROM outbox WHERE path = '/api/v1/applications' ORDER BY seq");
  std::map<std::int64_t, std::string> out;
  while (st.step()) {
    json body = json::parse(st.text(1), nullptr, false);
    out[st.int64(0)] = body.is_object() ? body.value("receipt", std::string()) : std::string();
  }
  return out;
}

// receipt → status in a terminal's change feed file; empty if the file does not exist yet.
std::map<std::string, std::string> feed_statuses(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir / "feed.sqlite")) return out;
  auto db = open_read_only(dir / "feed.sqlite");
  auto st = db.prepare("SELECT receipt, body FROM application_status");
  while (st.step()) {
    json body = json::parse(st.text(1), nullptr, false);
    out[st.text(0)] = body.is_object() ? body.value("status", std::string("(no status)")) : "(not JSON)";
  }
  return out;
}

std::int64_t count(const fs::path& db_path, const std::string& sql) {
  auto db = open_read_only(db_path);
  auto st = db.prepare(sql);
  return st.step() ? st.int64(0) : -1;
}

// A department officer at central: logs in at the counter device R1 and moves applications the
// terminals filed along with_department → approved (or rejected) → ready → delivered, one change
// about every interval, each with its own idempotency key, sent again until central answers it.
class Officer {
 public:
  Officer(std::string secret, std::uint64_t seed, std::vector<fs::path> terminal_dirs, int interval_ms)
      : secret_(std::move(secret)), rng_(seed), dirs_(std::move(terminal_dirs)), interval_ms_(interval_ms) {}
  ~Officer() { stop(); }

  void set_port(int port) { port_ = port; }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  // No new changes from now; the one under way is still sent until answered.
  void quiesce() { quiesced_ = true; }
  // Waits until no change is under way; false if `timeout` passed first.
  bool settle(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      {
        std::lock_guard lock(mu_);
        if (quiesced_ && !in_flight_) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::string, std::string> statuses() {
    std::lock_guard lock(mu_);
    return statuses_;
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(mu_);
    return problems_;
  }
  std::int64_t changes() {
    std::lock_guard lock(mu_);
    return changes_;
  }

 private:
  struct Change {
    std::string receipt, status, key;
  };

  void run() {
    std::unique_ptr<sync::ApiClient> client;
    int client_port = 0;
    std::string session;
    // Bounded by stop(): the runner stops the officer once the run is over.
    while (!stopping_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
      const int port = port_.load();
      if (port != client_port) {
        client = std::make_unique<sync::ApiClient>(
            sync::ServerEndpoint{"http://127.0.0.1:" + std::to_string(port), "R1", secret_});
        client_port = port;
      }
      if (!in_flight_) {
        if (quiesced_) continue;
        auto next = pick();
        if (!next) continue;
        std::lock_guard lock(mu_);
        in_flight_ = next;
      }
      sync::RequestOptions o;
      o.timeout = 1500ms;
      if (session.empty()) {
        auto r = client->post("/api/v1/sessions", json{{"operator", kOfficer}, {"pin", kOfficerPin}}, o);
        if (r.status == 201) {
          json body = json::parse(r.body, nullptr, false);
          if (body.is_object()) session = body.value("session", std::string());
        } else if (r.refused()) {
          note("the officer's login at central was refused: " + std::to_string(r.status) + " " + r.error_message());
        }
        if (session.empty()) continue;
      }
      o.bearer = session;
      o.idempotency_key = in_flight_->key;
      auto r = client->post("/api/v1/applications/" + in_flight_->receipt + "/status",
                            json{{"status", in_flight_->status}, {"note", "fault run"}}, o);
      if (r.ok()) {
        std::lock_guard lock(mu_);
        statuses_[in_flight_->receipt] = in_flight_->status;
        ++changes_;
        in_flight_.reset();
      } else if (r.status == 401) {
        session.clear();  // log in again
      } else if (r.status == 429) {
        // Throttled: the same change again later.
      } else if (r.status == 404 && r.error_code() != "not_at_centre") {
        // Not at central yet (still on its way through the centre node): another one instead.
        std::lock_guard lock(mu_);
        in_flight_.reset();
      } else if (r.refused()) {
        note("central refused the officer's change of " + in_flight_->receipt + " to " + in_flight_->status + ": " +
             std::to_string(r.status) + " " + r.error_message());
        std::lock_guard lock(mu_);
        in_flight_.reset();
      }
      // No answer or 5xx: the same change again, with the same key.
    }
  }

  std::optional<Change> pick() {
    std::vector<std::string> receipts;
    for (const auto& d : dirs_)
      for (auto& r : journaled_receipts(d)) receipts.push_back(std::move(r));
    if (receipts.empty()) return std::nullopt;
    const std::string receipt = receipts[rng_() % receipts.size()];
    std::string now;
    {
      std::lock_guard lock(mu_);
      auto it = statuses_.find(receipt);
      now = it == statuses_.end() ? "with_department" : it->second;
    }
    std::string next;
    if (now == "with_department")
      next = rng_() % 4 == 0 ? "rejected" : "approved";
    else if (now == "approved")
      next = "ready";
    else if (now == "ready")
      next = "delivered";
    else
      return std::nullopt;  // rejected or delivered: nothing follows
    return Change{receipt, next, "officer-" + receipt + "-" + next};
  }

  void note(const std::string& problem) {
    std::lock_guard lock(mu_);
    if (problems_.size() < 20) problems_.push_back(problem);
  }

  std::string secret_;
  std::mt19937_64 rng_;
  std::vector<fs::path> dirs_;
  int interval_ms_;
  std::atomic<int> port_{0};
  std::atomic<bool> quiesced_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  std::optional<Change> in_flight_;
  std::map<std::string, std::string> statuses_;
  std::vector<std::string> problems_;
  std::int64_t changes_ = 0;
};

}  // namespace

std::vector<Checker> application_checkers() {
  std::vector<Checker> c;
  const std::set<std::string> shared = {"outboxes drain within the bound", "nothing written is lost on the terminal",
                                        "every entry answered 201, none pending", "clock times follow the sequence",
                                        "a full disk is said plainly"};
  for (auto& t : token_checkers())
    if (shared.count(t.name)) c.push_back(std::move(t));

  c.push_back({"every key at the centre node exactly once, in device order, each one application",
               [](const Evidence& e, std::vector<std::string>& p) {
                 auto db = open_read_only(e.server_db);
                 for (const auto& t : e.terminals) {
                   std::map<std::int64_t, int> seen;
                   std::int64_t previous = -1;
                   for (auto [seq, status] : server_keys(db, t.device)) {
                     if (++seen[seq] == 2)
                       p.push_back(t.device + ":" + std::to_string(seq) + " is at the centre twice");
                     if (seq <= previous)
                       p.push_back(t.device + ":" + std::to_string(seq) + " was stored at the centre after " +
                                   t.device + ":" + std::to_string(previous));
                     previous = std::max(previous, seq);
                     (void)status;
                   }
                   const auto receipts = outbox_receipts(t.data_dir);
                   for (const auto& [seq, receipt] : receipts) {
                     if (!seen.count(seq))
                       p.push_back(t.device + ":" + std::to_string(seq) + " never reached the centre");
                     auto st = db.prepare("SELECT count(*) FROM applications WHERE receipt = ?1 AND device = ?2");
                     st.bind(1, receipt);
                     st.bind(2, t.device);
                     st.step();
                     if (st.int64(0) != 1)
                       p.push_back(t.device + ":" + std::to_string(seq) + " (" + receipt + ") is at the centre " +
                                   std::to_string(st.int64(0)) + " times");
                   }
                   for (const auto& [seq, n] : seen)
                     if (!receipts.count(seq))
                       p.push_back(t.device + ":" + std::to_string(seq) + " is at the centre but in no outbox");
                   auto st = db.prepare("SELECT count(*) FROM applications WHERE device = ?1");
                   st.bind(1, t.device);
                   st.step();
                   if (st.int64(0) != static_cast<std::int64_t>(receipts.size()))
                     p.push_back(t.device + ": " + std::to_string(st.int64(0)) + " applications at the centre for " +
                                 std::to_string(receipts.size()) + " in its outbox");
                 }
               }});

  c.push_back({"every filing keeps its channel, its counter operator and its fee, at the centre and at central",
               [](const Evidence& e, std::vector<std::string>& p) {
                 auto centre = open_read_only(e.server_db);
                 auto central = open_read_only(e.central_db);
                 for (const auto& t : e.terminals) {
                   for (store::Db* db : {&centre, &central}) {
                     const bool at_central = db == &central;
                     auto st = db->prepare(
                         "SELECT receipt, channel, operator_id, fee_minor FROM applications WHERE device = ?1 "
                         "ORDER BY rowid");
                     st.bind(1, t.device);
                     int reported = 0;
                     while (st.step()) {
                       // The operator travels in the filing: the centre node records it and relays it.
                       if (st.text(1) == t.channel && st.int64(3) == t.fee_minor && st.text(2) == t.operator_id)
                         continue;
                       if (++reported <= 5)
                         p.push_back(st.text(0) + " is filed at " + (at_central ? "central" : "the centre") +
                                     " as channel " + st.text(1) + ", operator '" + st.text(2) + "', fee " +
                                     std::to_string(st.int64(3)) + "; " + t.device + " filed it as channel " +
                                     t.channel + ", operator '" + t.operator_id + "', fee " +
                                     std::to_string(t.fee_minor));
                     }
                   }
                 }
               }});

  c.push_back({"the centre node's relay outbox is empty, everything accepted by central",
               [](const Evidence& e, std::vector<std::string>& p) {
                 auto db = open_read_only(e.server_db);
                 auto st = db.prepare(
                     "SELECT seq, receipt, state, answer_status, answer FROM relay_outbox "
                     "WHERE state <> 'sent' OR answer_status <> 201 ORDER BY seq LIMIT 20");
                 while (st.step())
                   p.push_back("relay entry " + std::to_string(st.int64(0)) + " (" + st.text(1) + ") is " + st.text(2) +
                               " (" + std::to_string(st.int64(3)) + " " + st.text(4).substr(0, 200) + ")");
               }});

  c.push_back({"every application exactly once at central, nothing lost, nothing extra, in device order",
               [](const Evidence& e, std::vector<std::string>& p) {
                 auto db = open_read_only(e.central_db);
                 std::set<std::string> devices;
                 for (const auto& t : e.terminals) {
                   devices.insert(t.device);
                   std::map<std::string, std::int64_t> seq_of_receipt;
                   for (const auto& [seq, receipt] : outbox_receipts(t.data_dir)) seq_of_receipt[receipt] = seq;
                   auto st = db.prepare("SELECT receipt FROM applications WHERE device = ?1 ORDER BY rowid");
                   st.bind(1, t.device);
                   std::set<std::string> at_central;
                   std::int64_t previous = -1;
                   std::string previous_receipt;
                   while (st.step()) {
                     const std::string receipt = st.text(0);
                     if (!at_central.insert(receipt).second) p.push_back(receipt + " is at central twice");
                     auto it = seq_of_receipt.find(receipt);
                     if (it == seq_of_receipt.end()) {
                       p.push_back(receipt + " is at central but in no outbox of " + t.device);
                       continue;
                     }
                     if (it->second <= previous)
                       p.push_back(receipt + " (" + t.device + ":" + std::to_string(it->second) +
                                   ") was filed at central after " + previous_receipt + " (" + t.device + ":" +
                                   std::to_string(previous) + ")");
                     previous = std::max(previous, it->second);
                     previous_receipt = receipt;
                   }
                   for (const auto& [receipt, seq] : seq_of_receipt)
                     if (!at_central.count(receipt))
                       p.push_back(t.device + ":" + std::to_string(seq) + " (" + receipt + ") never reached central");
                 }
                 auto others = db.prepare("SELECT receipt, device FROM applications");
                 while (others.step())
                   if (!devices.count(others.text(1)))
                     p.push_back(others.text(0) + " is at central from " + others.text(1) + ", which filed nothing");
                 auto twice = db.prepare(
                     "SELECT idempotency_key, count(*) FROM applications GROUP BY idempotency_key HAVING count(*) > 1");
                 while (twice.step())
                   p.push_back("central filed key " + twice.text(0) + " " + std::to_string(twice.int64(1)) + " times");
                 auto desk = db.prepare(
                     "SELECT a.receipt FROM applications a WHERE (SELECT count(*) FROM application_history h "
                     "WHERE h.receipt = a.receipt AND h.status = 'with_department') <> 1");
                 while (desk.step())
                   p.push_back(desk.text(0) + " was not given to its department exactly once at central");
               }});

  c.push_back({"every scanned page reached the centre node and central whole, and its filing names it",
               [](const Evidence& e, std::vector<std::string>& p) {
                 const auto at_centre = server_files(e.server_db);
                 const auto at_central = server_files(e.central_db);
                 auto central = open_read_only(e.central_db);
                 int reported = 0;
                 auto problem = [&](const std::string& text) {
                   if (++reported <= 20) p.push_back(text);
                 };
                 for (const auto& t : e.terminals) {
                   const fs::path pages = t.data_dir / "attachments.sqlite";
                   if (!fs::exists(pages)) {
                     if (t.channel == "counter") problem(t.device + " kept no scanned page");
                     continue;
                   }
                   std::map<std::string, std::string> kept;
                   {
                     auto db = open_read_only(pages);
                     auto st = db.prepare("SELECT sha256, content, state, message FROM attachments ORDER BY seq");
                     while (st.step()) {
                       const std::string sha = st.text(0);
                       const auto bytes = st.blob(1);
                       kept[sha] = std::string(bytes.begin(), bytes.end());
                       if (st.text(2) != "sent")
                         problem(t.device + "'s page " + sha.substr(0, 12) + " is " + st.text(2) + " (" +
                                 st.text(3).substr(0, 200) + ")");
                     }
                   }
                   for (const auto& [sha, content] : kept) {
                     auto here = at_centre.find(sha);
                     if (here == at_centre.end())
                       problem(t.device + "'s page " + sha.substr(0, 12) + " is not at the centre node");
                     else if (here->second.first != content || here->second.second != t.device)
                       problem(t.device + "'s page " + sha.substr(0, 12) + " is at the centre node from " +
                               here->second.second + " with other bytes");
                     auto r = at_central.find(sha);
                     if (r == at_central.end())
                       problem(t.device + "'s page " + sha.substr(0, 12) + " never reached central");
                     else if (r->second.first != content || r->second.second != kCentre)
                       problem(t.device + "'s page " + sha.substr(0, 12) + " is at central from " + r->second.second +
                               " with other bytes");
                   }
                   for (const auto& [receipt, sha] : journaled_filings(t.data_dir)) {
                     if (sha.empty()) continue;
                     if (!kept.count(sha))
                       problem(receipt + " names page " + sha.substr(0, 12) + ", which " + t.device +
                               " did not keep: it was journaled before the page was durable");
                     auto st = central.prepare("SELECT documents FROM applications WHERE receipt = ?1");
                     st.bind(1, receipt);
                     if (st.step() && st.text(0).find(sha) == std::string::npos)
                       problem(receipt + " is at central without its page " + sha.substr(0, 12));
                   }
                 }
                 if (fs::exists(attachments_of(e.server_db))) {
                   auto db = open_read_only(attachments_of(e.server_db));
                   auto st = db.prepare(
                       "SELECT a.sha256, r.state, r.answer_status, r.answer FROM attachments a LEFT JOIN "
                       "attachment_relay r ON r.sha256 = a.sha256 WHERE r.state IS NULL OR r.state <> 'sent'");
                   while (st.step())
                     problem("the centre node's file " + st.text(0).substr(0, 12) + " is " +
                             (st.is_null(1) ? std::string("not queued for central")
                                            : st.text(1) + " (" + std::to_string(st.int64(2)) + " " +
                                                  st.text(3).substr(0, 200) + ")"));
                 }
                 if (reported > 20) p.push_back(std::to_string(reported - 20) + " more problems with scanned pages");
               }});

  c.push_back({"statuses set at central reached every terminal", [](const Evidence& e, std::vector<std::string>& p) {
                 auto db = open_read_only(e.central_db);
                 std::map<std::string, std::string> central;
                 auto st = db.prepare("SELECT receipt, status FROM applications");
                 while (st.step()) central[st.text(0)] = st.text(1);
                 for (const auto& [receipt, status] : e.officer_statuses) {
                   auto it = central.find(receipt);
                   if (it == central.end())
                     p.push_back(receipt + " was set to " + status + " at central but central does not have it");
                   else if (it->second != status)
                     p.push_back(receipt + " was set to " + status + " at central but central says " + it->second);
                 }
                 for (const auto& t : e.terminals) {
                   const auto local = feed_statuses(t.data_dir);
                   int reported = 0;
                   for (const auto& [receipt, status] : central) {
                     auto it = local.find(receipt);
                     const std::string have = it == local.end() ? "nothing" : it->second;
                     if (have != status && ++reported <= 10)
                       p.push_back(receipt + " is " + status + " at central but " + t.device + " has " + have);
                   }
                   if (reported > 10)
                     p.push_back(t.device + ": " + std::to_string(reported - 10) + " more statuses did not reach it");
                 }
               }});
  return c;
}

RunResult run_application_scenario(const Programs& programs, const RunOptions& options) {
  RunResult result;
  result.seed = options.seed;
  result.applications = true;
  testing::TempDir dir("guichet-fault-apps-" + std::to_string(options.seed));
  result.dir = dir.path().string();
  std::mt19937_64 rng(options.seed ^ 0x51ed27a3c9b1f00dULL);
  const auto net = private_network(result);  // before any proxy or process: they live in it

  ScheduleOptions schedule_options = options.schedule;
  schedule_options.central = true;
  schedule_options.counters = std::clamp(options.counters, 0, options.terminals);
  const auto faults = options.faults ? *options.faults : make_schedule(options.seed, schedule_options);
  for (const auto& f : faults) result.schedule.push_back(describe(f));
  std::vector<std::unique_ptr<SmallDisk>> disks;  // unmounted after the checks, before the folder goes

  // The due date the terminals write (a kiosk works it out from its catalogue).
  auto catalogue = config::load_catalogue(programs.catalogue.string());
  if (!catalogue.ok() || !catalogue.value().service(kService)) {
    result.problems.push_back("the catalogue " + programs.catalogue.string() + " did not load, or has no " + kService);
    return result;
  }
  domain::Date filed{};
  domain::parse_date(kFiledOn, filed);
  const std::string due_on = domain::format_date(domain::due_date(catalogue.value().calendar, filed,
                                                                  catalogue.value().service(kService)->time_limit_days,
                                                                  domain::Filed::AtCentre));

  auto setup = [&](const std::vector<std::string>& args, const std::string& input = {}) {
    auto r = testing::run(programs.server, args, input);
    if (r.status != 0) result.problems.push_back(args[0] + " " + args[args.size() - 1] + " failed: " + r.err);
    return r.status == 0;
  };

  // Central: the centre node LDH01, a counter device R1 for the officer, the health officer.
  // Central has a directory of its own: each server keeps its scanned files beside its database.
  fs::create_directories(dir / "central");
  const fs::path central_db = dir / "central" / "central.sqlite";
  fs::create_directories(dir / "catalogues");
  fs::copy_file(programs.catalogue, dir / "catalogues" / (std::string(kCentre) + ".toml"));
  if (!setup({"init", "--db", central_db.string()}) ||
      !setup({"add-device", "--db", central_db.string(), "--id", kCentre, "--kind", "centre", "--secret-file",
              (dir / "LDH01.secret").string()}) ||
      !setup({"add-device", "--db", central_db.string(), "--id", "R1", "--kind", "counter", "--secret-file",
              (dir / "R1.secret").string()}) ||
      !setup({"add-operator", "--db", central_db.string(), "--id", kOfficer, "--name", "Officer", "--role", "officer",
              "--department", "health"},
             std::string(kOfficerPin) + "\n"))
    return result;

  // The centre node and its terminals.
  const fs::path db = dir / "centre.sqlite";
  Evidence evidence;
  evidence.server_db = db;
  evidence.central_db = central_db;
  evidence.drain_bound_ms = options.drain_bound_ms;
  const int kiosks = options.terminals - std::clamp(options.counters, 0, options.terminals);
  auto is_counter = [kiosks](int i) { return i >= kiosks; };
  for (int i = 0; i < options.terminals; ++i) {
    TerminalEvidence t;
    const int n = is_counter(i) ? i - kiosks + 1 : i + 1;
    t.device = (is_counter(i) ? "C" : "K") + std::to_string(n);
    t.data_dir = dir / t.device;
    fs::create_directories(t.data_dir);
    disks.push_back(small_disk_for(i, faults, t.data_dir, result));
    if (!setup({"add-device", "--db", db.string(), "--id", t.device, "--kind", is_counter(i) ? "counter" : "kiosk",
                "--secret-file", (t.data_dir / "device.secret").string()}))
      return result;
    if (is_counter(i)) {
      t.channel = "counter";
      t.operator_id = "op" + std::to_string(n);
      t.fee_minor = catalogue.value().service(kService)->fee_minor;
    }
    if (is_counter(i) && !setup({"add-operator", "--db", db.string(), "--id", "op" + std::to_string(n), "--name",
                                 "Operator " + std::to_string(n), "--role", "operator"},
                                std::string(kOperatorPin) + "\n"))
      return result;
    evidence.terminals.push_back(t);
  }

  std::vector<fs::path> terminal_dirs;
  for (const auto& t : evidence.terminals) terminal_dirs.push_back(t.data_dir);
  Officer officer(trimmed(testing::read_file(dir / "R1.secret")), options.seed * 7 + 3, terminal_dirs,
                  options.officer_interval_ms);

  // The WAN link: the centre node reaches central only through it.
  ProxyOptions wan_options;
  wan_options.upstream_port = 1;  // set once central listens
  wan_options.seed = options.seed * 101 + 99;
  cut_lost_paths(wan_options, net.get());
  FaultProxy wan(wan_options);

  const fs::path central_port_file = dir / "central.port";
  ManagedProcess central(
      "guichet-central", programs.server,
      [&](int) {
        return std::vector<std::string>{"serve",
                                        "--role",
                                        "central",
                                        "--db",
                                        central_db.string(),
                                        "--catalogue-dir",
                                        (dir / "catalogues").string(),
                                        "--listen",
                                        "127.0.0.1:0",
                                        "--port-file",
                                        central_port_file.string(),
                                        "--time-origin",
                                        kTimeOrigin,
                                        "--threads",
                                        "1"};
      },
      dir.path(), false);
  auto start_central = [&]() -> bool {
    fs::remove(central_port_file);
    central.start();
    auto text = testing::wait_for_file(central_port_file, 20s);
    if (!text) return false;
    const int port = std::stoi(*text);
    wan.set_upstream_port(static_cast<std::uint16_t>(port));
    officer.set_port(port);
    return true;
  };

  const fs::path port_file = dir / "server.port";
  int server_port = 0;
  const std::string upstream = "http://127.0.0.1:" + std::to_string(wan.port());
  ManagedProcess server(
      "guichet-server", programs.server,
      [&](int) {
        return centre_args(programs, db, port_file,
                           {"--upstream", upstream, "--upstream-device", kCentre, "--upstream-secret-file",
                            (dir / "LDH01.secret").string(), "--upstream-poll", "0.2"});
      },
      dir.path(), false);
  auto proxies = terminal_links(options, net.get());
  auto start_server = [&]() -> bool {
    auto port = start_centre(server, port_file, proxies);
    if (port) server_port = *port;
    return port.has_value();
  };
  if (!start_central()) {
    result.problems.push_back("the central server did not start: " + central.process()->stderr_text());
    return result;
  }
  if (!start_server()) {
    result.problems.push_back("the centre node did not start: " + server.process()->stderr_text());
    return result;
  }

  std::vector<std::unique_ptr<ManagedProcess>> terminals;
  const std::string fee = std::to_string(catalogue.value().service(kService)->fee_minor);
  for (int i = 0; i < options.terminals; ++i) {
    const auto& t = evidence.terminals[static_cast<std::size_t>(i)];
    std::vector<std::string> work{"--work", "applications", "--centre", kCentre,          "--filed-on",
                                  kFiledOn, "--due-on",     due_on,     "--feed-poll-ms", "200"};
    if (is_counter(i)) {
      // As the counter app files: the operator named in the filing, no session sent with it.
      for (const auto& arg : {std::string("--channel"), std::string("counter"), std::string("--fee-minor"), fee,
                              std::string("--operator"), t.operator_id})
        work.push_back(arg);
    }
    terminals.push_back(
        start_terminal(programs, options, t, proxies[static_cast<std::size_t>(i)]->port(), i, rng, std::move(work)));
  }
  officer.start();

  Targets targets;
  targets.server = &server;
  targets.start_server = start_server;
  for (auto& p : proxies) targets.links.push_back(p.get());
  for (auto& t : terminals) targets.terminals.push_back(t.get());
  for (auto& d : disks) targets.disks.push_back(d.get());
  targets.central = &central;
  targets.start_central = start_central;
  targets.wan = &wan;
  auto actions = plan(faults, targets, result);
  play(actions, Clock::now(), targets, result);

  // Heal: a clean network, no crash point armed, every process up, every disk with room; no new
  // work, no new changes.
  for (auto& p : proxies) p->pass();
  wan.pass();
  disarm_crashes(targets, result);
  for (auto& d : disks)
    if (d) d->empty();
  if (!central.running() && !start_central()) result.problems.push_back("the central server did not restart at heal");
  if (!server.running() && !start_server()) result.problems.push_back("the centre node did not restart at heal");
  heal_terminals(terminals);
  const auto healed = Clock::now();

  // 1. Every terminal's outbox drains to the centre node.
  drain_terminals(terminals, evidence, options, healed, result);
  // 2. The centre node's relay drains to central.
  const auto relay_from = Clock::now();
  std::int64_t relay_pending = -1;
  while (since(relay_from) < options.relay_bound_ms) {  // bounded by the relay bound
    try {
      relay_pending = count(db, "SELECT count(*) FROM relay_outbox WHERE state = 'pending'");
      // The scanned files the centre node holds for central, too.
      if (relay_pending == 0 && fs::exists(attachments_of(db)))
        relay_pending = count(attachments_of(db), "SELECT count(*) FROM attachment_relay WHERE state = 'pending'");
    } catch (const std::exception&) {
      relay_pending = -1;
    }
    if (relay_pending == 0) {
      result.relay_ms = since(healed);
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  if (!result.relay_ms)
    result.problems.push_back("the centre node's relay outbox (filings and scanned files) did not drain within " +
                              std::to_string(options.relay_bound_ms) + " ms after the terminals' (" +
                              std::to_string(relay_pending) + " pending)");
  // 3. The officer keeps working until a few changes were made (a WAN outage over the whole run
  // leaves central nothing to change before heal), then stops; the last change is answered, and
  // every status at central reaches every terminal.
  const auto status_from = Clock::now();
  while (officer.changes() < kMinimumChanges && since(status_from) < options.status_bound_ms / 4)
    std::this_thread::sleep_for(50ms);
  officer.quiesce();
  if (!officer.settle(std::chrono::milliseconds(options.status_bound_ms)))
    result.problems.push_back("the officer's last status change was not answered by central within " +
                              std::to_string(options.status_bound_ms) + " ms after heal");
  officer.stop();
  evidence.officer_statuses = officer.statuses();
  result.status_changes = officer.changes();
  for (const auto& p : officer.problems()) result.problems.push_back(p);
  while (since(status_from) < options.status_bound_ms) {  // bounded by the status bound
    bool all = true;
    try {
      std::map<std::string, std::string> at_central;
      {
        auto cdb = open_read_only(central_db);
        auto st = cdb.prepare("SELECT receipt, status FROM applications");
        while (st.step()) at_central[st.text(0)] = st.text(1);
      }
      for (const auto& t : evidence.terminals) {
        const auto local = feed_statuses(t.data_dir);
        for (const auto& [receipt, status] : at_central) {
          auto it = local.find(receipt);
          if (it == local.end() || it->second != status) {
            all = false;
            break;
          }
        }
        if (!all) break;
      }
    } catch (const std::exception&) {
      all = false;
    }
    if (all) {
      result.statuses_ms = since(healed);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }

  stop_terminals(terminals, evidence, result);
  if (server.stop(10s) != 0) result.problems.push_back("the centre node did not stop cleanly");
  if (central.stop(10s) != 0) result.problems.push_back("the central server did not stop cleanly");
  check(application_checkers(), evidence, result);
  return result;
}

}  // namespace guichet::fault
