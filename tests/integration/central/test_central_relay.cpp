// The central server (--role central) and a centre node relaying to it (--upstream), as real
// processes on loopback: every application filed at the centre reaches central exactly once (also
// across kill -9 of either and with central down for a while), officers change statuses at central
// and the change reaches the centre's status check, and the refusals central must give.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <iostream>
#include <set>

#include "centre_server.hpp"
#include "guichet/config/catalogue_loader.hpp"
#include "guichet/domain/calendar.hpp"
#include "guichet/fault/fault_proxy.hpp"
#include "guichet/server/attachments.hpp"
#include "guichet/testing/filing.hpp"
#include "guichet/testing/private_network.hpp"

namespace guichet::server::itest {
namespace {

long long count_rows(const fs::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_busy_timeout(raw, 2000);
  sqlite3_stmt* st = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

// Polls `f` every 50 ms until it is true or `timeout` passes.
template <class F>
bool eventually(F f, std::chrono::milliseconds timeout = 30s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return f();
}

std::string due_for(const std::string& filed_on) {
  auto cat = config::load_catalogue(kDemoCatalogue);
  EXPECT_TRUE(cat.ok());
  const auto* s = cat.value().service("birth-certificate");
  domain::Date d{};
  EXPECT_TRUE(domain::parse_date(filed_on, d));
  return domain::format_date(domain::due_date(cat.value().calendar, d, s->time_limit_days, domain::Filed::AtCentre));
}

json filing(const std::string& receipt) {
  testing::SampleFiling f;
  f.receipt = receipt;
  static const std::string due_on = due_for("2026-11-23");  // the catalogue read once, not per filing
  f.due_on = due_on;
  return testing::sample_filing(f);
}

// An application.file entry of terminal K1 as a centre node relays it.
json relayed_entry(std::int64_t seq, const json& body) {
  return json{{"seq", seq},
              {"kind", "application.file"},
              {"hlc", "0001732190000000-0000-LDH01"},
              {"method", "POST"},
              {"path", "/api/v1/applications"},
              {"origin", "K1"},
              {"received_ms", 1732190000000 + seq},
              {"body", body.dump()}};
}

std::string receipt(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "LDH01-K1-%06d", n);
  return buf;
}

// The central server: a database with centre node LDH01, a department desk R1 and two officers.
class CentralServer {
 public:
  CentralServer() {
    db_ = dir_ / "central.db";
    fs::create_directories(dir_ / "catalogues");
    fs::copy_file(kDemoCatalogue, dir_ / "catalogues" / "LDH01.toml");
    EXPECT_EQ(testing::run(kServer, {"init", "--db", db_.string()}).status, 0);
    for (auto [id, kind] : {std::pair{"LDH01", "centre"}, {"R1", "counter"}, {"K9", "kiosk"}}) {
      fs::path f = dir_ / (std::string(id) + ".secret");
      auto r = testing::run(
          kServer, {"add-device", "--db", db_.string(), "--id", id, "--kind", kind, "--secret-file", f.string()});
      EXPECT_EQ(r.status, 0) << r.err;
      secrets_[id] = testing::read_file(f);
      while (!secrets_[id].empty() && secrets_[id].back() == '\n') secrets_[id].pop_back();
    }
    for (auto [id, dept, pin] : {std::tuple{"health1", "health", "1111"}, {"revenue1", "revenue", "2222"}}) {
      auto r = testing::run(kServer,
                            {"add-operator", "--db", db_.string(), "--id", id, "--name", "Officer", "--role", "officer",
                             "--department", dept},
                            std::string(pin) + "\n");
      EXPECT_EQ(r.status, 0) << r.err;
    }
  }

  void start() {
    hold_.release();
    fs::remove(dir_ / "port");
    const std::string listen = "127.0.0.1:" + (port_.empty() ? std::string("0") : port_);
    testing::ProcessOptions options;
    options.args = {"serve",
                    "--role",
                    "central",
                    "--db",
                    db_.string(),
                    "--catalogue-dir",
                    (dir_ / "catalogues").string(),
                    "--listen",
                    listen,
                    "--port-file",
                    (dir_ / "port").string(),
                    "--threads",
                    "2"};
    options.log_dir = dir_.path();
    process_ = std::make_unique<testing::Process>("guichet-central-" + std::to_string(++starts_), kServer, options);
    auto port = testing::wait_for_file(dir_ / "port", 10s);
    ASSERT_TRUE(port.has_value()) << "central did not start: " << process_->stderr_text();
    port_ = *port;
    while (!port_.empty() && port_.back() == '\n') port_.pop_back();
  }
  // Both keep the port for a restart on it (testing::PortHold): meanwhile it refuses connections.
  void kill9() {
    process_->kill9();
    hold();
  }
  int stop() {
    const int status = process_ ? process_->stop() : -1;
    hold();
    return status;
  }
  std::string url() const { return "http://127.0.0.1:" + port_; }
  const fs::path& db() const { return db_; }
  fs::path secret_file(const std::string& id) const { return dir_ / (id + ".secret"); }
  Credentials as(const std::string& device, const std::string& bearer = "", const std::string& key = "") const {
    return Credentials{device, secrets_.at(device), bearer, key};
  }
  HttpResult get(const std::string& path, const Credentials& c) const { return http(url() + path, "GET", c); }
  HttpResult post(const std::string& path, const Credentials& c, const std::string& body) const {
    return http(url() + path, "POST", c, body);
  }
  std::string login(const std::string& op, const std::string& pin) const {
    auto r = post("/api/v1/sessions", as("R1"), json{{"operator", op}, {"pin", pin}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.json_body()["session"].get<std::string>() : "";
  }
  long long applications() const { return count_rows(db_, "SELECT COUNT(*) FROM applications"); }
  testing::Process& process() { return *process_; }

 private:
  testing::TempDir dir_{"guichet-central"};
  fs::path db_;
  std::string port_;
  std::map<std::string, std::string> secrets_;
  void hold() {
    if (!port_.empty()) hold_ = testing::PortHold(static_cast<std::uint16_t>(std::stoi(port_)));
  }

  std::unique_ptr<testing::Process> process_;
  testing::PortHold hold_;
  int starts_ = 0;
};

class Central : public ::testing::Test {
 protected:
  // upstream: central's URL as the centre node sees it (default: central itself, no WAN proxy).
  void start_centre(const std::string& upstream = "") {
    if (!centre_) {
      centre_ = std::make_unique<CentreServer>(std::vector<std::string>{
          "--upstream", upstream.empty() ? central_.url() : upstream, "--upstream-device", "LDH01",
          "--upstream-secret-file", central_.secret_file("LDH01").string(), "--upstream-poll", "0.1"});
    }
    centre_->start();
  }
  HttpResult file_at_centre(int n) {
    return centre_->post("/api/v1/applications", centre_->as("K1", "", "K1:" + std::to_string(n)),
                         filing(receipt(n)).dump());
  }
  std::string status_at_centre(int n) {
    auto r = centre_->get("/api/v1/applications/" + receipt(n), centre_->as("K2"));
    if (r.status != 200) return "";
    return r.json_body()["application"]["status"].get<std::string>();
  }
  // Every application at the centre in central's status with its whole history (received,
  // forwarded, with_department) once, whether central's answer, a replay of it or the pull
  // brought the status.
  void centre_histories_complete(int filed) {
    ASSERT_TRUE(eventually(
        [&] {
          return count_rows(centre_->db(), "SELECT COUNT(*) FROM applications WHERE status = 'with_department'") ==
                 filed;
        },
        20s))
        << count_rows(centre_->db(), "SELECT COUNT(*) FROM applications WHERE status = 'with_department'");
    EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM application_history"), 3LL * filed);
    for (const char* status : {"received", "forwarded", "with_department"}) {
      EXPECT_EQ(count_rows(centre_->db(),
                           std::string("SELECT COUNT(DISTINCT receipt) FROM application_history WHERE status = '") +
                               status + "'"),
                filed)
          << status;
    }
  }
  // Every one of `filed` reaches central (within a minute) once: none refused, filed in the
  // terminal's receipt order (no application stored after a later one), one idempotency key each,
  // and at the centre each with its whole history.
  void everything_at_central_once_in_order(int filed) {
    ASSERT_TRUE(eventually([&] { return relay("sent") == filed; }, 60s)) << relay("sent") << " of " << filed << "\n"
                                                                         << centre_->process().stderr_text();
    EXPECT_EQ(relay("refused"), 0);
    EXPECT_EQ(central_.applications(), filed);
    EXPECT_EQ(count_rows(central_.db(),
                         "SELECT COUNT(*) FROM applications a JOIN applications b ON b.rowid > a.rowid "
                         "WHERE b.receipt < a.receipt"),
              0);
    EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM idempotency"), filed);
    centre_histories_complete(filed);
  }
  std::uint16_t central_port() const {
    return static_cast<std::uint16_t>(std::stoi(central_.url().substr(central_.url().rfind(':') + 1)));
  }
  // Central started and the centre node started, relaying to it through a fault proxy: the WAN.
  std::unique_ptr<fault::FaultProxy> centre_across_a_wan() {
    central_.start();
    fault::ProxyOptions po;
    po.upstream_port = central_port();
    auto wan = std::make_unique<fault::FaultProxy>(po);
    start_centre("http://127.0.0.1:" + std::to_string(wan->port()));
    return wan;
  }
  // The same with central down (its port kept for its return).
  std::unique_ptr<fault::FaultProxy> centre_across_a_wan_with_central_down() {
    auto wan = centre_across_a_wan();
    EXPECT_EQ(central_.stop(), 0);
    return wan;
  }
  // A scanned page (a PNG's signature and `text`) stored at the centre by kiosk K1.
  void put_page_at_centre(const std::string& text) {
    const std::string bytes = std::string("\x89PNG\r\n\x1a\n", 8) + text;
    auto r = http(centre_->url() + "/api/v1/attachments/" + sha256_hex(bytes), "PUT", centre_->as("K1"), bytes,
                  {"Content-Type: image/png"});
    EXPECT_EQ(r.status, 201) << r.body;
  }
  long long files_sent_from_centre() {
    return count_rows(centre_->db().parent_path() / "attachments.sqlite",
                      "SELECT COUNT(*) FROM attachment_relay WHERE state = 'sent'");
  }
  // How many times the centre node's log has `text`.
  std::size_t centre_log_count(const std::string& text) {
    const std::string log = centre_->process().stderr_text();
    std::size_t n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }
  long long relay(const std::string& state) {
    return count_rows(centre_->db(), "SELECT COUNT(*) FROM relay_outbox WHERE state = '" + state + "'");
  }
  // The same count as the centre's health answer gives it (kept as running totals, not counted).
  long long health_relay(const std::string& state) {
    auto h = centre_->get("/api/v1/health", {});
    if (h.status != 200) return -1;
    return h.json_body()["relay"].value(state, -1LL);
  }
  // The WAN fails while a batch is out: central has stored it, its answer is on the way back, and
  // the link holds (stall) or loses (lose: the link comes back with its open connections dead)
  // everything for 3 s. Once the link is back, the relay must use it within about a second (not
  // wait out its 10 s request timeout), and every application is at central exactly once (the
  // resent batch is a replay central answers from its idempotency records).
  void wan_fails_while_a_batch_is_out(fault::Partition mode, std::chrono::milliseconds outage = 3s,
                                      std::chrono::milliseconds bound = 2500ms) {
    const auto wan_link = centre_across_a_wan();
    fault::FaultProxy& wan = *wan_link;
    ASSERT_EQ(file_at_centre(1).status, 201);
    ASSERT_TRUE(eventually([&] { return relay("sent") == 1; }, 20s)) << centre_->process().stderr_text();

    // Central's answers take 2 s to come back: the next batch is stored at central and its answer
    // still on the link when the WAN fails.
    wan.delay(fault::Direction::Down, 2000, 0);
    constexpr int kFiled = 30;
    for (int n = 2; n <= kFiled; ++n) ASSERT_EQ(file_at_centre(n).status, 201);
    ASSERT_TRUE(eventually([&] { return central_.applications() >= 2; }, 10s)) << central_.applications();
    wan.partition(mode);
    std::this_thread::sleep_for(outage);  // the fault's length, not a wait for an event
    ASSERT_GT(relay("pending"), 0) << "no batch was out when the WAN failed";

    const auto healed = std::chrono::steady_clock::now();
    wan.pass();
    ASSERT_TRUE(eventually([&] { return relay("sent") == kFiled; }, 20s)) << relay("sent") << " of " << kFiled << "\n"
                                                                          << centre_->process().stderr_text();
    const auto took = std::chrono::steady_clock::now() - healed;
    std::cout << "everything at central " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms after the heal" << std::endl;
    // Noticed within about a second of the heal (probes every 250 ms) when a probe saw the link
    // down, else 4 s after the batch was sent; waiting out the 10 s request timeout would take
    // about 7 s (3 s outage) or 9.6 s (200 ms outage) here.
    EXPECT_LT(took, bound) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms after heal";
    EXPECT_EQ(relay("refused"), 0);
    EXPECT_EQ(central_.applications(), kFiled);
    EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(DISTINCT receipt) FROM applications"), kFiled);
    EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM application_history WHERE status = 'with_department'"),
              kFiled);
    centre_histories_complete(kFiled);
  }
  // Three applications filed at the centre and with their department at central; then central's
  // database is copied while it is stopped, as a nightly backup. After the backup, an officer
  // approves all three at central and the centre reads the approvals.
  fs::path three_filed_backed_up_then_approved() {
    central_.start();
    start_centre();
    for (int n = 1; n <= 3; ++n) EXPECT_EQ(file_at_centre(n).status, 201);
    for (int n = 1; n <= 3; ++n) {
      EXPECT_TRUE(eventually([&] { return status_at_centre(n) == "with_department"; })) << status_at_centre(n);
    }
    EXPECT_EQ(central_.stop(), 0);
    const fs::path backup = central_.db().string() + ".backup";
    fs::copy_file(central_.db(), backup);
    central_.start();
    const std::string health = central_.login("health1", "1111");
    for (int n = 1; n <= 3; ++n) set_status_at_central(health, n, "approved", "a" + std::to_string(n));
    for (int n = 1; n <= 3; ++n) {
      EXPECT_TRUE(eventually([&] { return status_at_centre(n) == "approved"; })) << status_at_centre(n);
    }
    return backup;
  }
  // Central stopped, its database replaced by `backup`, started again.
  void restore_central(const fs::path& backup) {
    EXPECT_EQ(central_.stop(), 0);
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(central_.db().string() + suffix);
    fs::copy_file(backup, central_.db(), fs::copy_options::overwrite_existing);
    central_.start();
  }
  // An officer of the health department (session `officer`) sets application n's status at central.
  void set_status_at_central(const std::string& officer, int n, const std::string& status, const std::string& key) {
    auto ok = central_.post("/api/v1/applications/" + receipt(n) + "/status", central_.as("R1", officer, key),
                            json{{"status", status}}.dump());
    EXPECT_EQ(ok.status, 200) << ok.body;
  }

  CentralServer central_;
  std::unique_ptr<CentreServer> centre_;
};

TEST_F(Central, ApplicationsReachCentralOnceAndOfficersStatusesFlowBack) {
  central_.start();
  start_centre();
  for (int n = 1; n <= 3; ++n) ASSERT_EQ(file_at_centre(n).status, 201);
  ASSERT_TRUE(eventually([&] { return central_.applications() == 3; })) << central_.applications();
  ASSERT_TRUE(eventually([&] { return status_at_centre(1) == "with_department"; })) << status_at_centre(1);
  // Central stores a batch before it answers, and the centre marks the rows sent when the answer
  // arrives: a moment after central has them.
  ASSERT_TRUE(eventually([&] { return relay("sent") == 3; })) << relay("sent");
  ASSERT_TRUE(eventually([&] { return health_relay("sent") == 3; })) << health_relay("sent");
  EXPECT_EQ(health_relay("pending"), 0);

  // At the centre, the kiosk's status check shows the whole way, however the relay's answer and
  // the pull of central's status met: received, forwarded (the centre's), with_department.
  for (int n = 1; n <= 3; ++n) {
    ASSERT_TRUE(eventually([&] { return status_at_centre(n) == "with_department"; })) << status_at_centre(n);
    auto checked = centre_->get("/api/v1/applications/" + receipt(n), centre_->as("K2"));
    const json h = checked.json_body()["application"]["history"];
    ASSERT_EQ(h.size(), 3u) << checked.body;
    EXPECT_EQ(h[0]["status"], "received");
    EXPECT_EQ(h[1]["status"], "forwarded");
    EXPECT_EQ(h[2]["status"], "with_department");
  }
  EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM application_history"), 9);

  // At central: filed with the service's department, history from the centre on.
  const std::string health = central_.login("health1", "1111");
  auto got = central_.get("/api/v1/applications/" + receipt(1), central_.as("R1"));
  ASSERT_EQ(got.status, 200) << got.body;
  json app = got.json_body()["application"];
  EXPECT_EQ(app["status"], "with_department");
  ASSERT_EQ(app["history"].size(), 3u) << app.dump();
  EXPECT_EQ(app["history"][0]["status"], "received");
  EXPECT_EQ(app["history"][1]["status"], "forwarded");
  EXPECT_EQ(app["history"][2]["status"], "with_department");
  EXPECT_EQ(app.dump().find("Test Father"), std::string::npos);

  // Another department's officer is refused; a bad transition is refused and says what is allowed.
  const std::string revenue = central_.login("revenue1", "2222");
  auto other = central_.post("/api/v1/applications/" + receipt(1) + "/status", central_.as("R1", revenue, "s1"),
                             json{{"status", "approved"}}.dump());
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.json_body()["error"]["code"], "other_department");
  auto skip = central_.post("/api/v1/applications/" + receipt(1) + "/status", central_.as("R1", health, "s2"),
                            json{{"status", "delivered"}}.dump());
  EXPECT_EQ(skip.status, 409) << skip.body;
  EXPECT_NE(skip.json_body()["error"]["message"].get<std::string>().find("allowed: approved or rejected"),
            std::string::npos)
      << skip.body;
  auto no_key = central_.post("/api/v1/applications/" + receipt(1) + "/status", central_.as("R1", health),
                              json{{"status", "approved"}}.dump());
  EXPECT_EQ(no_key.status, 400) << no_key.body;

  // Approved at central, seen at the centre.
  auto ok = central_.post("/api/v1/applications/" + receipt(1) + "/status", central_.as("R1", health, "s3"),
                          json{{"status", "approved"}, {"note", "Collect at counter 2"}}.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto again = central_.post("/api/v1/applications/" + receipt(1) + "/status", central_.as("R1", health, "s3"),
                             json{{"status", "approved"}, {"note", "Collect at counter 2"}}.dump());
  EXPECT_EQ(again.status, 200) << again.body;  // a replay, not a second change
  ASSERT_TRUE(eventually([&] { return status_at_centre(1) == "approved"; })) << status_at_centre(1);
  auto at_centre = centre_->get("/api/v1/applications/" + receipt(1), centre_->as("K2"));
  json hist = at_centre.json_body()["application"]["history"];
  ASSERT_EQ(hist.size(), 4u) << at_centre.body;
  EXPECT_EQ(hist[3]["status"], "approved");
  EXPECT_EQ(hist[3]["note"], "Collect at counter 2");
  EXPECT_EQ(status_at_centre(2), "with_department");

  // The kiosk that filed it sends the filing again with its key (it lost the first answer): the
  // same application, not a second one, as it stands now (the stored answer names the receipt).
  auto replay = file_at_centre(1);
  EXPECT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(replay.json_body()["application"], at_centre.json_body()["application"]) << replay.body;
  EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM applications"), 3);
  EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM idempotency WHERE receipt <> '' AND body = ''"), 3);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM idempotency WHERE receipt <> '' AND body = ''"), 3);
  EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM changes WHERE type = 'application.status' AND body = ''"),
            3);

  // The centre's change feed gives terminals the approved status. The feed serves changes once
  // their commit is durable, which the file can show a moment before: asked until then.
  std::string last_seen;
  EXPECT_TRUE(eventually([&] {
    auto feed = centre_->get("/api/v1/sync/changes?since=0", centre_->as("K2"));
    if (feed.status != 200) return false;
    const json page = feed.json_body();
    for (const auto& c : page["changes"]) {
      if (c["type"] == "application.status" && c["application"]["receipt"] == receipt(1)) {
        last_seen = c["application"]["status"].get<std::string>();
      }
    }
    return last_seen == "approved";
  })) << "the feed's last status for "
      << receipt(1) << ": " << last_seen;
  auto health_json = centre_->get("/api/v1/health", {});
  EXPECT_EQ(health_json.json_body()["relay"]["refused"], 0) << health_json.body;
}

// Central is restored from last night's backup: it has fewer changes than the centre has read,
// so the centre's cursor is ahead of everything central gives. The centre reads central's changes
// again from the start, and statuses set at the restored central still reach it; the centre's
// history is kept (entries past it are added), the status is central's.
TEST_F(Central, StatusesStillFlowDownWhenCentralIsRestoredFromABackup) {
  const fs::path backup = three_filed_backed_up_then_approved();
  if (HasFailure()) return;

  // The restore: central as it was before the approvals.
  restore_central(backup);
  // Application 1 approved again and made ready: two changes, still fewer than the centre read.
  const std::string health = central_.login("health1", "1111");
  for (const char* status : {"approved", "ready"}) set_status_at_central(health, 1, status, std::string("r-") + status);
  ASSERT_TRUE(eventually([&] { return status_at_centre(1) == "ready"; }, 20s)) << status_at_centre(1) << "\n"
                                                                               << centre_->process().stderr_text();
  EXPECT_NE(centre_->process().stderr_text().find("reading them again from the start"), std::string::npos);
  // The status is central's, the authority (the other two approvals went with the restore, for its
  // officers to give again); the history the centre held is kept, nothing erased.
  ASSERT_TRUE(eventually([&] { return status_at_centre(2) == "with_department"; })) << status_at_centre(2);
  EXPECT_EQ(status_at_centre(3), "with_department");
  auto two = centre_->get("/api/v1/applications/" + receipt(2), centre_->as("K2"));
  EXPECT_EQ(two.json_body()["application"]["history"].size(), 4u) << two.body;
  auto one = centre_->get("/api/v1/applications/" + receipt(1), centre_->as("K2"));
  const json history = one.json_body()["application"]["history"];
  ASSERT_EQ(history.size(), 5u) << one.body;
  EXPECT_EQ(history[3]["status"], "approved");
  EXPECT_EQ(history[4]["status"], "ready");
}

// Central is restored from a backup while the centre node is down, and its officers give more status
// changes before the centre comes back than the centre had read since the backup. Counted alone,
// the centre's cursor would now be within central's changes, and the centre would miss the ones
// written below it (application 1's). The cursor names the history of central's database it was
// given in, which the restored one never had: the centre reads everything again and gets each
// status central holds.
TEST_F(Central, ARestoredCentralThatWentPastTheCentresCursorIsReadAgainFromTheStart) {
  const fs::path backup = three_filed_backed_up_then_approved();
  if (HasFailure()) return;
  ASSERT_EQ(centre_->stop(), 0);

  restore_central(backup);
  // Five changes at the restored central, two more than the three approvals it lost.
  const std::string health = central_.login("health1", "1111");
  set_status_at_central(health, 1, "approved", "r1");
  set_status_at_central(health, 1, "ready", "r2");
  set_status_at_central(health, 1, "delivered", "r3");
  set_status_at_central(health, 2, "rejected", "r4");
  set_status_at_central(health, 3, "approved", "r5");

  start_centre();
  ASSERT_TRUE(eventually([&] { return status_at_centre(1) == "delivered"; }, 20s)) << status_at_centre(1) << "\n"
                                                                                   << centre_->process().stderr_text();
  EXPECT_EQ(status_at_centre(2), "rejected");
  EXPECT_EQ(status_at_centre(3), "approved");
  EXPECT_NE(centre_->process().stderr_text().find("reading them again from the start"), std::string::npos);
  auto one = centre_->get("/api/v1/applications/" + receipt(1), centre_->as("K2"));
  const json history = one.json_body()["application"]["history"];
  ASSERT_EQ(history.size(), 6u) << one.body;
  EXPECT_EQ(history[3]["status"], "approved");
  EXPECT_EQ(history[4]["status"], "ready");
  EXPECT_EQ(history[5]["status"], "delivered");
}

// A counter's filing names the operator who took it (no session: it may be uploaded after they
// logged out); the centre node records the operator and relays it, and central records it too. A
// relayed kiosk filing that names an operator is refused at central as at the centre.
TEST_F(Central, ACounterFilingsOperatorReachesCentral) {
  central_.start();
  start_centre();
  testing::SampleFiling f;
  f.receipt = "LDH01-D1-000001";
  f.due_on = due_for("2026-11-23");
  f.channel = "counter";
  f.fee_minor = 5000;
  f.operator_id = "op1";
  auto r = centre_->post("/api/v1/applications", centre_->as("D1", "", "D1:1"), testing::sample_filing(f).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(eventually([&] { return central_.applications() == 1; })) << central_.applications();
  EXPECT_EQ(count_rows(central_.db(),
                       "SELECT COUNT(*) FROM applications WHERE receipt = 'LDH01-D1-000001' AND device = 'D1' AND "
                       "channel = 'counter' AND operator_id = 'op1' AND fee_minor = 5000"),
            1);
  EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM applications WHERE operator_id = 'op1'"), 1);

  f.receipt = "LDH01-K1-000001";
  f.channel = "kiosk";
  f.fee_minor = 0;
  json e = relayed_entry(100, testing::sample_filing(f));
  auto relayed = central_.post("/api/v1/sync/upload", central_.as("LDH01"),
                               json{{"protocol", 1}, {"entries", json::array({e})}}.dump());
  ASSERT_EQ(relayed.status, 200) << relayed.body;
  EXPECT_EQ(relayed.json_body()["results"][0]["status"], 422) << relayed.body;
  EXPECT_EQ(relayed.json_body()["results"][0]["body"]["error"]["code"], "invalid_application") << relayed.body;
  EXPECT_EQ(central_.applications(), 1);
}

TEST_F(Central, CentralRefusesWhatIsNotACentresToSend) {
  central_.start();
  auto upload = [&](const json& entry) {
    return central_.post("/api/v1/sync/upload", central_.as("LDH01"),
                         json{{"protocol", 1}, {"entries", json::array({entry})}}.dump());
  };
  json e = relayed_entry(1, filing("LDH02-K1-000001"));
  auto r = upload(e);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body()["results"][0]["status"], 422) << r.body;
  EXPECT_EQ(r.json_body()["results"][0]["body"]["error"]["code"], "invalid_receipt") << r.body;
  // A receipt of another terminal than the origin is refused too.
  e["seq"] = 2;
  e["body"] = filing("LDH01-K2-000001").dump();
  EXPECT_EQ(upload(e).json_body()["results"][0]["status"], 422);
  // Without an origin the batch is refused whole.
  e.erase("origin");
  e["seq"] = 3;
  auto no_origin = upload(e);
  EXPECT_EQ(no_origin.status, 400) << no_origin.body;
  EXPECT_EQ(central_.applications(), 0);

  // Terminals do not talk to central, and central has no queue.
  auto kiosk =
      central_.post("/api/v1/sync/upload", central_.as("K9"), json{{"protocol", 1}, {"entries", json::array()}}.dump());
  EXPECT_EQ(kiosk.status, 403) << kiosk.body;
  auto token = central_.post("/api/v1/tokens", central_.as("K9"), json{{"service", "birth-certificate"}}.dump());
  EXPECT_EQ(token.status, 404) << token.body;
  EXPECT_EQ(token.json_body()["error"]["code"], "not_at_central");

  // A good one is stored once, however often the batch is resent.
  e["origin"] = "K1";
  e["seq"] = 4;
  e["body"] = filing(receipt(7)).dump();
  EXPECT_EQ(upload(e).json_body()["results"][0]["status"], 201);
  EXPECT_EQ(upload(e).json_body()["results"][0]["status"], 201);
  EXPECT_EQ(central_.applications(), 1);
}

// A centre node's batch is filed at central together (one job of the writer); each entry is
// still answered on its own, refusals kept under their keys, so a resent batch reads the same.
TEST_F(Central, ARelayedBatchIsAnsweredPerEntryAndStoredOnce) {
  central_.start();
  auto relayed = [](std::int64_t seq, const std::string& receipt_number) {
    return relayed_entry(seq, filing(receipt_number));
  };
  json batch = {{"protocol", 1},
                {"entries",
                 {relayed(1, receipt(1)), relayed(2, "LDH01-K2-000002"),  // another terminal's receipt
                  relayed(3, receipt(3)), relayed(4, receipt(1)),         // receipt of seq 1 again
                  relayed(5, receipt(5))}}};
  auto r = central_.post("/api/v1/sync/upload", central_.as("LDH01"), batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = r.json_body();
  ASSERT_EQ(answer["results"].size(), 5u);
  std::vector<int> statuses;
  for (const auto& result : answer["results"]) statuses.push_back(result["status"].get<int>());
  EXPECT_EQ(statuses, (std::vector<int>{201, 422, 201, 409, 201})) << r.body;
  EXPECT_EQ(answer["results"][1]["body"]["error"]["code"], "invalid_receipt");
  EXPECT_EQ(answer["results"][3]["body"]["error"]["code"], "receipt_taken");
  EXPECT_EQ(answer["durable_through"], 5);
  EXPECT_EQ(answer["results"][2]["body"]["application"]["status"], "with_department");

  auto again = central_.post("/api/v1/sync/upload", central_.as("LDH01"), batch.dump());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_body()["results"], answer["results"]);
  EXPECT_EQ(central_.applications(), 3);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM application_history"), 9);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM idempotency"), 5);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM changes WHERE key LIKE 'application:%'"), 3);
}

TEST_F(Central, RelayUsesTheLinkWithinAFractionOfASecondOfItsReturn) {
  // Central's port, held while it is down (no other test's server takes it).
  central_.start();
  ASSERT_EQ(central_.stop(), 0);
  start_centre();
  ASSERT_EQ(file_at_centre(1).status, 201);
  // Long enough for a retry backoff to reach its cap (3 s) several times over.
  std::this_thread::sleep_for(7s);
  // The batch was sent once; since then the relay only probes the link (the queue untouched, no
  // batch resent, nothing more logged).
  EXPECT_EQ(centre_log_count("relay: central did not take"), 1u) << centre_->process().stderr_text();
  EXPECT_EQ(relay("pending"), 1);

  const auto back = std::chrono::steady_clock::now();
  central_.start();
  ASSERT_TRUE(eventually([&] { return relay("sent") == 1; }, 20s)) << centre_->process().stderr_text();
  const auto took = std::chrono::steady_clock::now() - back;
  // Probed every 250 ms: central's answer, stored at both ends, well within a second and a half.
  EXPECT_LT(took, 1500ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_EQ(central_.applications(), 1);
}

// The managers' dashboard at the centre node tells them the link to central is down, since when
// and why, and what waits to go up; once central answers again it says so and the queue empties.
TEST_F(Central, TheDashboardSaysSinceWhenTheLinkIsDownWhyAndWhatWaits) {
  central_.start();
  ASSERT_EQ(central_.stop(), 0);  // its port kept free for its return
  start_centre();
  ASSERT_EQ(file_at_centre(1).status, 201);
  ASSERT_EQ(file_at_centre(2).status, 201);
  const std::string mgr = centre_->login("D2", "mgr", "9876", "");
  auto link = [&] {
    auto d = centre_->get("/api/v1/dashboard", centre_->as("D2", mgr));
    EXPECT_EQ(d.status, 200) << d.body;
    return d.status == 200 ? d.json_body()["sync"]["central"] : json();
  };
  ASSERT_TRUE(eventually([&] { return link().value("down_since", json()).is_string(); }, 10s))
      << link().dump() << centre_->process().stderr_text();
  json c = link();
  std::cout << "while down: " << c.dump() << std::endl;
  EXPECT_NE(c["problem"].get<std::string>().find("no answer"), std::string::npos) << c.dump();
  EXPECT_EQ(c["pending"], 2);
  EXPECT_TRUE(c["oldest_pending_at"].is_string()) << c.dump();
  EXPECT_TRUE(c["last_answer_at"].is_null()) << c.dump();
  // The kiosk that filed both was heard; nothing of it waits (it filed directly, not from an outbox).
  bool k1 = false;
  const json terminals = centre_->get("/api/v1/dashboard", centre_->as("D2", mgr)).json_body()["sync"]["terminals"];
  for (const auto& t : terminals) {
    if (t["id"] != "K1") continue;
    k1 = true;
    EXPECT_EQ(t["minutes_since_heard"], 0) << t.dump();
  }
  EXPECT_TRUE(k1);

  central_.start();
  ASSERT_TRUE(eventually([&] { return link().value("pending", -1) == 0; }, 20s)) << link().dump();
  c = link();
  EXPECT_TRUE(c["down_since"].is_null()) << c.dump();
  EXPECT_EQ(c["problem"], "");
  EXPECT_TRUE(c["last_answer_at"].is_string()) << c.dump();
  EXPECT_TRUE(c["oldest_pending_at"].is_null()) << c.dump();
}

// Central refuses the centre itself (its device there revoked): the link answers, yet nothing goes
// through, and the dashboard names central's refusal rather than a network fault.
TEST_F(Central, TheDashboardSaysCentralRefusesThisCentreWhenItsDeviceThereIsRevoked) {
  central_.start();
  start_centre();
  ASSERT_EQ(file_at_centre(1).status, 201);
  ASSERT_TRUE(eventually([&] { return relay("sent") == 1; }, 20s)) << centre_->process().stderr_text();
  auto revoked = testing::run(kServer, {"revoke-device", "--db", central_.db().string(), "--id", "LDH01"});
  ASSERT_EQ(revoked.status, 0) << revoked.err;
  const std::string mgr = centre_->login("D2", "mgr", "9876", "");
  auto link = [&] {
    auto d = centre_->get("/api/v1/dashboard", centre_->as("D2", mgr));
    return d.status == 200 ? d.json_body()["sync"]["central"] : json();
  };
  ASSERT_TRUE(
      eventually([&] { return link().value("problem", std::string()).find("refuses") != std::string::npos; }, 20s))
      << link().dump() << centre_->process().stderr_text();
  // A filing made now stays queued while central refuses.
  ASSERT_EQ(file_at_centre(2).status, 201);
  std::this_thread::sleep_for(1s);  // ten of the relay's reads of central's changes
  const json c = link();
  EXPECT_EQ(c["problem"], "central refuses this centre (status 403, device_revoked)") << c.dump();
  EXPECT_TRUE(c["down_since"].is_string()) << c.dump();
  EXPECT_TRUE(c["last_answer_at"].is_string()) << c.dump();  // central did answer
  EXPECT_EQ(c["pending"], 1) << c.dump();
}

// The WAN turns connections away for 5 s (accepted and reset at once, as a broken modem or a
// firewall does) while a filing waits. The relay takes it as the link down, as it takes a refused
// connection: it probes every 250 ms and sends as soon as central answers, not after a backoff
// grown to 3 s through the outage, and it logs the failure once, not once per try.
TEST_F(Central, RelayUsesTheLinkWithinAFractionOfASecondWhenTheWanStopsTurningConnectionsAway) {
  const auto wan_link = centre_across_a_wan();
  fault::FaultProxy& wan = *wan_link;
  ASSERT_EQ(file_at_centre(1).status, 201);
  ASSERT_TRUE(eventually([&] { return relay("sent") == 1; }, 20s)) << centre_->process().stderr_text();
  wan.partition(fault::Partition::Drop);
  ASSERT_EQ(file_at_centre(2).status, 201);
  std::this_thread::sleep_for(5s);  // the outage's length, not a wait for an event
  EXPECT_EQ(relay("pending"), 1);

  const auto healed = std::chrono::steady_clock::now();
  wan.pass();
  ASSERT_TRUE(eventually([&] { return relay("sent") == 2; }, 20s)) << centre_->process().stderr_text();
  const auto took = std::chrono::steady_clock::now() - healed;
  std::cout << "at central " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the heal" << std::endl;
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(centre_log_count("relay: central did not take"), 1u) << centre_->process().stderr_text();
  EXPECT_EQ(central_.applications(), 2);
}

// The same for the centre's file sender: a scanned page waits while the WAN turns connections
// away; it reaches central within a second of the heal, with one line logged.
TEST_F(Central, AFileWaitingWhileTheWanTurnsConnectionsAwayIsSentWithinASecondOfItsReturn) {
  const auto wan_link = centre_across_a_wan();
  fault::FaultProxy& wan = *wan_link;
  put_page_at_centre("page one");
  ASSERT_TRUE(eventually([&] { return files_sent_from_centre() == 1; }, 20s)) << centre_->process().stderr_text();
  wan.partition(fault::Partition::Drop);
  put_page_at_centre("page two");
  std::this_thread::sleep_for(5s);  // the outage's length, not a wait for an event
  ASSERT_EQ(files_sent_from_centre(), 1);

  const auto healed = std::chrono::steady_clock::now();
  wan.pass();
  ASSERT_TRUE(eventually([&] { return files_sent_from_centre() == 2; }, 20s)) << centre_->process().stderr_text();
  const auto took = std::chrono::steady_clock::now() - healed;
  std::cout << "the page at central " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the heal" << std::endl;
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(centre_log_count("relay: central did not take file"), 1u) << centre_->process().stderr_text();
}

TEST_F(Central, RelayResendsWithinASecondWhenTheWanComesBackWithItsConnectionsDead) {
  wan_fails_while_a_batch_is_out(fault::Partition::Lose);
  // The batch that was out was given up once the link answered again, not timed out.
  EXPECT_NE(centre_->process().stderr_text().find("relay: the link to central came back while"), std::string::npos)
      << centre_->process().stderr_text();
}

// The same for the centre's file sender: a scanned file stored at central, its answer on the link
// when the WAN fails and comes back with its connections dead. The file is sent again within about a
// second of the heal (central answers "already"), not after the 120 s a file may take on a slow
// line; it is at central once.
TEST_F(Central, AFileOutWhenTheWanComesBackWithItsConnectionsDeadIsSentAgainWithinASecond) {
  const auto wan_link = centre_across_a_wan();
  fault::FaultProxy& wan = *wan_link;
  const fs::path centre_files = centre_->db().parent_path() / "attachments.sqlite";
  const fs::path central_files = central_.db().parent_path() / "attachments.sqlite";
  auto sent = [&] { return files_sent_from_centre(); };
  auto put_page = [&](const std::string& text) { put_page_at_centre(text); };
  put_page("page one");
  ASSERT_TRUE(eventually([&] { return sent() == 1; }, 20s)) << centre_->process().stderr_text();

  wan.delay(fault::Direction::Down, 2000, 0);  // central's answer to the next file is on the link
  put_page("page two");
  ASSERT_TRUE(eventually([&] { return count_rows(central_files, "SELECT COUNT(*) FROM attachments") == 2; }, 10s));
  wan.partition(fault::Partition::Lose);
  std::this_thread::sleep_for(3s);  // the outage's length, not a wait for an event
  ASSERT_EQ(sent(), 1) << "the answer came back before the WAN failed";

  const auto healed = std::chrono::steady_clock::now();
  wan.pass();
  ASSERT_TRUE(eventually([&] { return sent() == 2; }, 20s)) << centre_->process().stderr_text();
  const auto took = std::chrono::steady_clock::now() - healed;
  EXPECT_LT(took, 2500ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms after heal";
  EXPECT_NE(centre_->process().stderr_text().find("relay: the link to central came back while file "),
            std::string::npos)
      << centre_->process().stderr_text();
  EXPECT_EQ(count_rows(central_files, "SELECT COUNT(*) FROM attachments"), 2);
  EXPECT_EQ(count_rows(centre_files, "SELECT COUNT(*) FROM attachment_relay WHERE state <> 'sent'"), 0);
}

TEST_F(Central, RelayResendsWhenAnOutageTooShortForItsProbesKilledItsConnection) {
  // Over before the first probe (750 ms): every probe is answered, yet the batch's connection is
  // dead. It is resent 4 s after it was sent (RelayOptions::unanswered_limit), not after 10 s.
  wan_fails_while_a_batch_is_out(fault::Partition::Lose, 200ms, 6s);
  // Usually no probe sees the outage and the batch is resent by the 4 s rule; on a loaded machine
  // the partition may start late enough for the first probe to fall inside it, and the batch is
  // then resent when the next probe is answered. Either way it was resent, not timed out.
  const std::string log = centre_->process().stderr_text();
  EXPECT_TRUE(log.find("relay: central answers on new connections but not on the one in use while") !=
                  std::string::npos ||
              log.find("relay: the link to central came back while") != std::string::npos)
      << log;
}

// The test's own network, made before the servers start in it: a filter there kills the relay's
// kept-alive connections to central without a word (a modem that reconnected, a NAT that forgot
// them) while central and new connections to it live on.
class CentralOwnNetwork : public Central {
 protected:
  testing::PrivateNetwork net_;
};

TEST_F(CentralOwnNetwork, RelayResendsABatchOnAConnectionWhosePathDiedAfterAboutASecondNotFour) {
  central_.start();
  start_centre();
  ASSERT_EQ(file_at_centre(1).status, 201);
  ASSERT_TRUE(eventually([&] { return relay("sent") == 1; }, 20s)) << centre_->process().stderr_text();
  ASSERT_FALSE(net_.cut_connections_to(central_port()).empty());

  // The next batch's bytes are never acknowledged. It is resent once they met two retransmission
  // timeouts and a probe was answered, about a second after it went out; before the watch read
  // the connection's retransmissions, 4 s after (RelayOptions::unanswered_limit).
  const auto filed = std::chrono::steady_clock::now();
  ASSERT_EQ(file_at_centre(2).status, 201);
  ASSERT_TRUE(eventually([&] { return relay("sent") == 2; }, 20s)) << centre_->process().stderr_text();
  const auto took = std::chrono::steady_clock::now() - filed;
  std::cout << "at central " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after it was filed at the centre" << std::endl;
  EXPECT_LT(took, 2500ms);
  EXPECT_NE(centre_->process().stderr_text().find("relay: central answers on new connections, and what was sent on "
                                                  "the one in use is not acknowledged while"),
            std::string::npos)
      << centre_->process().stderr_text();
  EXPECT_GT(net_.dropped(), 2u);
  EXPECT_EQ(central_.applications(), 2);
  centre_histories_complete(2);
}

TEST_F(Central, RelayKeepsABatchWhoseAnswerComesDownASlowLineForLongerThanTheWatchWaits) {
  // A centre on a slow line: a catch-up batch's answer takes longer than the 4 s a connection may
  // move nothing (RelayOptions::unanswered_limit). Its bytes move all along, so the batch is not
  // given up (its copy would take as long again, and so on for ever).
  auto wan = centre_across_a_wan_with_central_down();
  constexpr int kFirst = 200, kFiled = 400;
  for (int n = 1; n <= kFirst; ++n) ASSERT_EQ(file_at_centre(n).status, 201);
  central_.start();
  ASSERT_TRUE(eventually([&] { return relay("sent") == kFirst; }, 30s)) << relay("sent");
  // What came down the line for the first 200 (answers, pages of statuses) sets its speed: about a
  // tenth of it per second.
  const auto bytes = static_cast<std::int64_t>(wan->stats().bytes_down);
  wan->partition(fault::Partition::Drop);
  for (int n = kFirst + 1; n <= kFiled; ++n) ASSERT_EQ(file_at_centre(n).status, 201);
  const std::size_t log_before = centre_->process().stderr_text().size();
  wan->bandwidth(fault::Direction::Down, std::max<std::int64_t>(bytes / 10, 1000));
  const auto back = std::chrono::steady_clock::now();
  wan->partition(fault::Partition::None);
  everything_at_central_once_in_order(kFiled);
  const auto took = std::chrono::steady_clock::now() - back;
  std::cout << "the second 200 were sent over the slow line in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms (" << bytes / 10
            << " bytes/s)" << std::endl;
  EXPECT_GE(took, 4500ms) << "the line was not slow enough to test anything";
  const std::string log = centre_->process().stderr_text().substr(log_before);
  EXPECT_EQ(log.find("central answers on new connections but not on the one in use"), std::string::npos) << log;
  // Nor cut by a deadline: an answer whose bytes move is waited for, however long it takes.
  EXPECT_EQ(log.find("relay: central did not take"), std::string::npos) << log;
}

TEST_F(Central, RelayStoresEverythingOnceWhenAStalledWanPassesWhatItHeld) {
  // The held answer and a resent batch may both arrive: still exactly once, and as fast.
  wan_fails_while_a_batch_is_out(fault::Partition::Stall);
}

// More than one full batch queued: the relay reads the next batch and sends it behind the one out.
// Central is killed (-9) with a batch stored there whose answer is still on the link and the next
// one read: once central is back, everything is there once, filed in the centre's order.
TEST_F(Central, BatchesReadAheadKeepOrderAndExactlyOnceAcrossAKillOfCentral) {
  auto wan_link = centre_across_a_wan_with_central_down();
  fault::FaultProxy& wan = *wan_link;
  // Two full batches (500 entries each) and a part, queued while central is down.
  constexpr int kFiled = 1100;
  for (int n = 1; n <= kFiled; ++n) ASSERT_EQ(file_at_centre(n).status, 201);
  EXPECT_EQ(relay("pending"), kFiled);

  // Central's answers take 1.5 s to come back (less than the link probes wait): the first batch is
  // filed at central, its answer on the link and the next batch read, when central dies.
  wan.delay(fault::Direction::Down, 1500, 0);
  central_.start();
  ASSERT_TRUE(eventually([&] { return central_.applications() >= 500; }, 20s)) << central_.applications();
  central_.kill9();
  EXPECT_EQ(relay("sent"), 0);  // no answer reached the centre
  wan.pass();
  central_.start();

  everything_at_central_once_in_order(kFiled);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(DISTINCT receipt) FROM applications"), kFiled);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM application_history WHERE status = 'with_department'"),
            kFiled);
}

// The centre node is stopped (SIGTERM) while a catch-up drains: central's answers are stored at
// the centre beside the next batch's round trip, and a stop waits for the one being stored. What
// the centre marked sent has its new status in the same write; the rest is sent again once the
// node is back, and everything is at central once.
TEST_F(Central, ACentreNodeStoppedWhileDrainingKeepsWhatCentralAnsweredAndSendsTheRestOnce) {
  central_.start();
  ASSERT_EQ(central_.stop(), 0);
  start_centre();
  constexpr int kFiled = 1600;  // three full batches and a part
  for (int n = 1; n <= kFiled; ++n) ASSERT_EQ(file_at_centre(n).status, 201);
  EXPECT_EQ(relay("pending"), kFiled);

  central_.start();
  ASSERT_TRUE(eventually([&] { return relay("sent") >= 500; }, 30s)) << centre_->process().stderr_text();
  ASSERT_EQ(centre_->stop(), 0) << centre_->process().stderr_text();
  const long long sent = relay("sent");
  EXPECT_GE(sent, 500);
  EXPECT_LE(sent, central_.applications());
  EXPECT_EQ(relay("pending"), kFiled - sent);
  // An answer is stored whole or not at all: a row marked sent has left "received" in that write.
  EXPECT_EQ(count_rows(centre_->db(), "SELECT COUNT(*) FROM applications WHERE status = 'received'"), kFiled - sent);
  EXPECT_EQ(centre_->process().stderr_text().find("storing central's answers failed"), std::string::npos)
      << centre_->process().stderr_text();

  centre_->start();
  everything_at_central_once_in_order(kFiled);
}

// Over a slow line the relay does not wait for one batch's answer before sending the next: the
// next full batch goes out right behind it on the same connection, and central files it while the
// first answer is still on its way back. Here the line holds each piece of central's answers for
// 1.5 s (less than the relay's link probes wait, so a probe still finds central there; an answer
// of a full batch takes many seconds): central has two batches before the centre has heard of
// either, and everything ends up once, in the centre's order.
TEST_F(Central, TheNextBatchIsSentBehindTheOneOutWithoutWaitingForItsAnswer) {
  auto wan_link = centre_across_a_wan_with_central_down();
  fault::FaultProxy& wan = *wan_link;
  constexpr int kFiled = 1600;  // three full batches and a part
  for (int n = 1; n <= kFiled; ++n) ASSERT_EQ(file_at_centre(n).status, 201);

  wan.delay(fault::Direction::Down, 1500, 0);
  central_.start();
  ASSERT_TRUE(eventually([&] { return central_.applications() >= 1000; }, 20s)) << central_.applications();
  EXPECT_EQ(relay("sent"), 0) << "an answer came back before the second batch was filed";
  wan.pass();

  everything_at_central_once_in_order(kFiled);
}

TEST_F(Central, EveryApplicationReachesCentralOnceThroughOutagesAndKills) {
  // Central is down while the centre takes the first applications: they wait on disk.
  central_.start();
  ASSERT_EQ(central_.stop(), 0);
  start_centre();
  int filed = 0;
  for (; filed < 40; ++filed) ASSERT_EQ(file_at_centre(filed + 1).status, 201);
  EXPECT_EQ(relay("pending"), 40);
  EXPECT_EQ(health_relay("pending"), 40);
  EXPECT_EQ(health_relay("sent"), 0);

  central_.start();
  // kill -9 of the centre node while it drains, then of central while it drains.
  centre_->kill9();
  start_centre();
  for (; filed < 80; ++filed) ASSERT_EQ(file_at_centre(filed + 1).status, 201);
  central_.kill9();
  central_.start();
  for (; filed < 120; ++filed) ASSERT_EQ(file_at_centre(filed + 1).status, 201);
  centre_->kill9();
  start_centre();

  ASSERT_TRUE(eventually([&] { return relay("sent") == filed; }, 60s)) << relay("sent") << " of " << filed;
  EXPECT_EQ(relay("refused"), 0);
  // The health totals were counted at the last start and moved by each durable batch since.
  ASSERT_TRUE(eventually([&] { return health_relay("sent") == filed; })) << health_relay("sent") << " of " << filed;
  EXPECT_EQ(health_relay("pending"), 0);
  EXPECT_EQ(health_relay("refused"), 0);
  EXPECT_EQ(central_.applications(), filed);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(DISTINCT receipt) FROM applications WHERE centre = 'LDH01'"),
            filed);
  EXPECT_EQ(count_rows(central_.db(), "SELECT COUNT(*) FROM application_history WHERE status = 'with_department'"),
            filed);
  ASSERT_TRUE(eventually([&] { return status_at_centre(filed) == "with_department"; })) << status_at_centre(filed);
  centre_histories_complete(filed);
}

// Scanned files (docs/server.md, "Attachments"): a filing at the centre names three files; two
// are sent to the centre (one before the filing, one after), the third never. Central is down:
// the centre keeps them queued, across its own restart, and sends each to central exactly once
// when it is back. The officer's view at central says which files were received, and a file sent
// later shows up there too.
TEST_F(Central, ScannedFilesReachCentralOnceAfterAnOutageAndOfficersSeeWhichArrived) {
  auto wan = centre_across_a_wan_with_central_down();
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"image/png", std::string("\x89PNG\r\n\x1a\n", 8) + "page one"},
      {"application/pdf", "%PDF-1.7 page two"},
      {"image/jpeg", "\xff\xd8\xff\xe0 page three"}};
  std::vector<std::string> shas;
  json files = json::array();
  for (const auto& [type, bytes] : pages) {
    shas.push_back(sha256_hex(bytes));
    files.push_back(json{{"sha256", shas.back()}, {"media_type", type}, {"bytes", bytes.size()}});
  }
  auto put_at_centre = [&](std::size_t i) {
    return http(centre_->url() + "/api/v1/attachments/" + shas[i], "PUT", centre_->as("K1"), pages[i].second,
                {"Content-Type: " + pages[i].first});
  };
  const fs::path centre_files = centre_->db().parent_path() / "attachments.sqlite";
  const fs::path central_files = central_.db().parent_path() / "attachments.sqlite";
  auto queued = [&](const std::string& state) {
    return count_rows(centre_files, "SELECT COUNT(*) FROM attachment_relay WHERE state = '" + state + "'");
  };

  auto first = put_at_centre(0);  // before the filing
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json_body()["attachment"]["stored"], "new");
  json body = filing(receipt(1));
  body["documents"][0]["files"] = files;
  auto filed = centre_->post("/api/v1/applications", centre_->as("K1", "", "K1:1"), body.dump());
  ASSERT_EQ(filed.status, 201) << filed.body;  // not refused for the files not yet there
  ASSERT_EQ(put_at_centre(1).status, 201);     // after it
  auto again = put_at_centre(1);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json_body()["attachment"]["stored"], "already");
  EXPECT_EQ(queued("pending"), 2);

  // The centre restarts while central is still down: its files and their queue stay.
  ASSERT_EQ(centre_->stop(), 0);
  start_centre();
  EXPECT_EQ(queued("pending"), 2);
  EXPECT_EQ(count_rows(centre_files, "SELECT COUNT(*) FROM attachments"), 2);

  central_.start();
  ASSERT_TRUE(eventually([&] { return queued("sent") == 2; }, 30s)) << queued("sent") << "\n"
                                                                    << centre_->process().stderr_text();
  EXPECT_EQ(queued("pending"), 0);
  EXPECT_EQ(queued("refused"), 0);
  EXPECT_EQ(count_rows(central_files, "SELECT COUNT(*) FROM attachments"), 2);
  EXPECT_EQ(count_rows(central_files, "SELECT COUNT(*) FROM attachments WHERE device = 'LDH01'"), 2);
  ASSERT_TRUE(eventually([&] { return central_.applications() == 1; })) << central_.applications();

  const std::string health = central_.login("health1", "1111");
  auto view = [&] {
    auto r = central_.get("/api/v1/applications/" + receipt(1) + "/documents", central_.as("R1", health));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<bool> received;
    const json answer = r.json_body();
    for (const auto& d : answer["application"]["documents"]) {
      for (const auto& f : d["files"]) received.push_back(f["received"].get<bool>());
    }
    return received;
  };
  EXPECT_EQ(view(), (std::vector<bool>{true, true, false}));
  auto bytes = central_.get("/api/v1/attachments/" + shas[0], central_.as("R1", health));
  ASSERT_EQ(bytes.status, 200) << bytes.body;
  EXPECT_EQ(bytes.body, pages[0].second);
  EXPECT_EQ(bytes.headers["content-type"], "image/png");
  auto missing = central_.get("/api/v1/attachments/" + shas[2], central_.as("R1", health));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "attachment_not_received");
  // The public status lists no files.
  auto status = central_.get("/api/v1/applications/" + receipt(1), central_.as("R1"));
  EXPECT_EQ(status.body.find(shas[0]), std::string::npos) << status.body;
  // Another department's officer sees neither the view nor the bytes; a device alone, nothing.
  const std::string revenue = central_.login("revenue1", "2222");
  auto other = central_.get("/api/v1/applications/" + receipt(1) + "/documents", central_.as("R1", revenue));
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.error_code(), "other_department");
  EXPECT_EQ(central_.get("/api/v1/attachments/" + shas[0], central_.as("R1", revenue)).status, 404);
  EXPECT_EQ(central_.get("/api/v1/attachments/" + shas[0], central_.as("R1")).status, 401);

  // The third page comes days later: it goes the same way.
  ASSERT_EQ(put_at_centre(2).status, 201);
  ASSERT_TRUE(eventually([&] { return queued("sent") == 3; }, 30s)) << queued("sent");
  EXPECT_EQ(view(), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(count_rows(central_files, "SELECT COUNT(*) FROM attachments"), 3);
  // Central takes a file only from a centre node.
  auto from_desk = http(central_.url() + "/api/v1/attachments/" + shas[0], "PUT", central_.as("R1"), pages[0].second,
                        {"Content-Type: image/png"});
  EXPECT_EQ(from_desk.status, 403) << from_desk.body;
}

}  // namespace
}  // namespace guichet::server::itest
