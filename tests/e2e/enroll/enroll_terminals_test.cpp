// Enrollment end to end: a real centre server, codes made with the real `guichet-server
// enroll-code`, and the real kiosk and counter started with `--enroll CODE` on a fresh data
// directory. Each keeps its device id and secret (the secret in a 0600 file, never in a log), the
// enrolled kiosk issues a token and the enrolled counter logs in (their requests authenticated), a
// second use of a code and a cancelled code are refused with a message saying so, and after
// `revoke-device` the terminals are refused, say so, and keep what they had stored.
#include <sys/stat.h>

#include <regex>
#include <thread>

#include "../kiosk/kiosk_harness.hpp"
#include "guichet/store/sqlite.hpp"
#include "kiosk_store.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using guichet::testing::CentreServer;
using guichet::testing::Process;
using guichet::testing::ProcessOptions;
using sync::json;

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

unsigned file_mode(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

// A terminal app (the counter) driven through `--script -`.
class CounterProcess {
 public:
  CounterProcess(const std::string& name, std::vector<std::string> args, const fs::path& log_dir) {
    ProcessOptions o;
    o.args = std::move(args);
    o.args.insert(o.args.end(), {"--size", "1280x800", "--script", "-"});
    o.env = {{"SDL_VIDEODRIVER", "offscreen"}, {"SDL_AUDIODRIVER", "dummy"}};
    o.log_dir = log_dir;
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    process_ = std::make_unique<Process>(name, GUICHET_COUNTER, o);
  }
  std::string cmd(const std::string& line, std::chrono::milliseconds timeout = 30s) {
    return guichet::testing::automation_command(*process_, line, timeout, dumped_);
  }
  std::string screen() {
    cmd("dump");
    return guichet::testing::joined_lines(dumped_);
  }
  std::optional<int> wait_exit(std::chrono::milliseconds t) { return process_->wait(t); }
  std::string stderr_text() const { return process_->stderr_text(); }

 private:
  std::unique_ptr<Process> process_;
  std::vector<std::string> dumped_;
};

class EnrollTerminalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    centre_.add_operator("op1", "Asha Verma", "operator", "2468");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
  }

  guichet::testing::RunResult admin(const std::vector<std::string>& args) {
    std::vector<std::string> all = {args.front(), "--db", centre_.db().string()};
    all.insert(all.end(), args.begin() + 1, args.end());
    return guichet::testing::run(CentreServer::program(), all);
  }

  // `guichet-server enroll-code`: the code is the only line on standard output.
  std::string make_code(const std::string& kind, const std::string& name) {
    auto r = admin({"enroll-code", "--kind", kind, "--name", name});
    EXPECT_EQ(r.status, 0) << r.err;
    std::string code = trimmed(r.out);
    EXPECT_TRUE(std::regex_match(code, std::regex("[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{2}"))) << code;
    return code;
  }

  // The line of `guichet-server enroll-codes` about the code made with this name.
  std::string code_line(const std::string& name) {
    auto r = admin({"enroll-codes"});
    EXPECT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find("name \"" + name + "\"") != std::string::npos) return line;
    }
    ADD_FAILURE() << "no enrollment code named " << name << " in:\n" << r.out;
    return {};
  }

  std::vector<std::string> kiosk_args(const fs::path& data, const std::vector<std::string>& more) {
    std::vector<std::string> args = {"--server",         centre_.url(),
                                     "--data-dir",       data.string(),
                                     "--printer",        "file:" + (work_ / "slips.bin").string(),
                                     "--admin-pin-hash", kiosk::hash_pin("1357").value(),
                                     "--size",           "1280x800"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  // The device id and secret an enrollment kept in `data`; the secret file is 0600.
  std::pair<std::string, std::string> stored_credentials(const fs::path& data) {
    EXPECT_EQ(file_mode(data / "device.secret"), 0600u);
    return {trimmed(guichet::testing::read_file(data / "device-id")),
            trimmed(guichet::testing::read_file(data / "device.secret"))};
  }

  void expect_not_in_logs(const std::string& secret, const std::string& what) {
    ASSERT_EQ(secret.size(), 64u);
    for (const auto& entry : fs::directory_iterator(work_.path())) {
      if (entry.path().extension() != ".err" && entry.path().extension() != ".out") continue;
      EXPECT_EQ(guichet::testing::read_file(entry.path()).find(secret), std::string::npos)
          << what << " appears in " << entry.path();
    }
    for (const auto& entry : fs::directory_iterator(centre_.dir())) {
      if (entry.path().extension() != ".err" && entry.path().extension() != ".out") continue;
      EXPECT_EQ(guichet::testing::read_file(entry.path()).find(secret), std::string::npos)
          << what << " appears in " << entry.path();
    }
  }

  void revoke(const std::string& device) {
    auto r = admin({"revoke-device", "--id", device});
    ASSERT_EQ(r.status, 0) << r.err;
    auto listed = admin({"devices"});
    ASSERT_EQ(listed.status, 0) << listed.err;
    EXPECT_TRUE(std::regex_search(listed.out, std::regex("(^|\n)" + device + " .* revoked on ")));
    // The server re-reads a device's record within a second.
    std::this_thread::sleep_for(1500ms);
  }

  CentreServer centre_;
  guichet::testing::TempDir work_{"enroll-terminals"};
};

TEST_F(EnrollTerminalsTest, AKioskEnrollsIssuesATokenAndIsToldWhenRevoked) {
  const std::string code = make_code("kiosk", "Entrance kiosk");
  EXPECT_NE(code_line("Entrance kiosk").find("unused"), std::string::npos);
  const fs::path data = work_ / "kiosk-data";

  auto k = std::make_unique<KioskProcess>("guichet-kiosk-1", kiosk_args(data, {"--enroll", code}), work_.path());
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\" 20000"), "ok") << k->stderr_text();
  const auto [device, secret] = stored_credentials(data);
  EXPECT_TRUE(std::regex_match(device, std::regex("K[0-9]+"))) << device;
  EXPECT_NE(k->stderr_text().find("enrolled as device " + device), std::string::npos) << k->stderr_text();
  EXPECT_FALSE(fs::exists(data / "enroll.pending"));
  const std::string used_line = code_line("Entrance kiosk");
  EXPECT_NE(used_line.find("used by device " + device), std::string::npos) << used_line;
  EXPECT_EQ(used_line.find(code), std::string::npos) << "the listing never shows the code";

  // Its requests are authenticated: a token is issued for it.
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Take a token\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Which service do you need?\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("tap \"Birth certificate\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Does a priority category apply to you?\""), "ok");
  ASSERT_EQ(k->cmd("tap \"No, none of these\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Please take your token\" 15000"), "ok") << k->screen();
  sync::ApiClient as_kiosk(centre_.endpoint(device, secret));
  auto queue = as_kiosk.get("/api/v1/queue?service=birth-certificate");
  ASSERT_TRUE(queue.ok()) << queue.body;
  ASSERT_EQ(json::parse(queue.body)["waiting"].size(), 1u) << queue.body;
  ASSERT_EQ(k->cmd("tap \"Done\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Touch your language\""), "ok");

  // The same code a second time, on another fresh terminal: refused, and it says why.
  auto second = guichet::testing::run(GUICHET_KIOSK, kiosk_args(work_ / "second-data", {"--enroll", code}), {}, 30s);
  EXPECT_EQ(second.status, 2) << second.err;
  EXPECT_NE(second.err.find("this enrollment code was already used on"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("a code works once"), std::string::npos) << second.err;
  EXPECT_FALSE(fs::exists(work_ / "second-data" / "device-id")) << "nothing is kept from a refused enrollment";

  // Revoked: the next request is refused and the kiosk says so to whoever is at it.
  revoke(device);
  ASSERT_EQ(k->cmd("tap \"English\""), "ok");
  ASSERT_EQ(k->cmd("tap \"Take a token\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Which service do you need?\""), "ok") << k->screen();
  ASSERT_EQ(k->cmd("tap \"Birth certificate\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Does a priority category apply to you?\""), "ok");
  ASSERT_EQ(k->cmd("tap \"No, none of these\""), "ok");
  ASSERT_EQ(k->cmd("wait_text \"Sorry, no token can be given for this service now\" 15000"), "ok") << k->screen();
  ASSERT_EQ(k->cmd("wait_text \"device " + device + " was revoked on\""), "ok") << k->screen();
  EXPECT_EQ(k->cmd("quit"), "ok");
  EXPECT_EQ(k->wait_exit(10s), 0);
  k.reset();

  // What it had stored stays: its credentials and its issue log with the first token.
  EXPECT_EQ(stored_credentials(data), std::make_pair(device, secret));
  kiosk::KioskStore store((data / "kiosk.sqlite").string());
  auto rows = store.all();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front().state, kiosk::IssueLogState::Delivered);
  EXPECT_EQ(as_kiosk.get("/api/v1/catalogue").error_code(), "device_revoked");
  centre_.stop();
  expect_not_in_logs(secret, "the kiosk's secret");
}

TEST_F(EnrollTerminalsTest, ACounterEnrollsLogsInAndIsToldWhenRevoked) {
  const std::string code = make_code("counter", "Desk 4");
  const fs::path data = work_ / "counter-data";
  const std::vector<std::string> base = {"--server", centre_.url(), "--data-dir", data.string()};

  std::string device, secret;
  {
    auto args = base;
    args.insert(args.end(), {"--enroll", code});
    CounterProcess c("guichet-counter-1", args, work_.path());
    ASSERT_EQ(c.cmd("wait_text \"Operator ID\" 20000"), "ok") << c.stderr_text();
    std::tie(device, secret) = stored_credentials(data);
    EXPECT_TRUE(std::regex_match(device, std::regex("C[0-9]+"))) << device;
    EXPECT_NE(c.stderr_text().find("enrolled as device " + device), std::string::npos) << c.stderr_text();
    // Authenticated: the operator logs in through it and reaches the counter choice.
    ASSERT_EQ(c.cmd("type \"op1\""), "ok");
    ASSERT_EQ(c.cmd("key Return"), "ok");
    ASSERT_EQ(c.cmd("wait_text \"Enter your PIN\" 15000"), "ok") << c.screen();
    ASSERT_EQ(c.cmd("type \"2468\""), "ok");
    ASSERT_EQ(c.cmd("key Return"), "ok");
    ASSERT_EQ(c.cmd("wait_text \"Choose your counter\" 15000"), "ok") << c.screen();
    EXPECT_EQ(c.cmd("quit"), "ok");
    EXPECT_EQ(c.wait_exit(10s), 0);
  }
  EXPECT_NE(code_line("Desk 4").find("used by device " + device), std::string::npos);

  // A second start finds its credentials; a second --enroll on the same directory is refused.
  {
    auto args = base;
    args.insert(args.end(), {"--enroll", code});
    auto again = guichet::testing::run(GUICHET_COUNTER, args, {}, 30s);
    EXPECT_EQ(again.status, 2);
    EXPECT_NE(again.err.find("already holds this terminal's device credentials"), std::string::npos) << again.err;
  }

  revoke(device);
  {
    // It starts from what it kept (credentials, cached catalogue); the operator's login is refused
    // and the login screen says why.
    CounterProcess c("guichet-counter-2", base, work_.path());
    ASSERT_EQ(c.cmd("wait_text \"Operator ID\" 20000"), "ok") << c.stderr_text();
    ASSERT_EQ(c.cmd("type \"op1\""), "ok");
    ASSERT_EQ(c.cmd("key Return"), "ok");
    ASSERT_EQ(c.cmd("wait_text \"Enter your PIN\" 15000"), "ok") << c.screen();
    ASSERT_EQ(c.cmd("type \"2468\""), "ok");
    ASSERT_EQ(c.cmd("key Return"), "ok");
    ASSERT_EQ(c.cmd("wait_text \"device " + device + " was revoked on\" 15000"), "ok") << c.screen();
    EXPECT_EQ(c.cmd("quit"), "ok");
    EXPECT_EQ(c.wait_exit(10s), 0);
  }
  // Its credentials stay where they were.
  EXPECT_EQ(stored_credentials(data), std::make_pair(device, secret));
  centre_.stop();
  expect_not_in_logs(secret, "the counter's secret");
}

TEST_F(EnrollTerminalsTest, ACancelledCodeIsRefusedWithAMessageSayingSo) {
  const std::string code = make_code("counter", "Desk 9");
  const std::string line = code_line("Desk 9");
  std::smatch ref;
  ASSERT_TRUE(std::regex_search(line, ref, std::regex("^[0-9a-f]{8}"))) << line;
  auto cancelled = admin({"enroll-cancel", ref.str()});
  ASSERT_EQ(cancelled.status, 0) << cancelled.err;
  EXPECT_NE(cancelled.err.find("enrollment code " + ref.str() + " (counter) cancelled"), std::string::npos)
      << cancelled.err;
  EXPECT_NE(code_line("Desk 9").find("cancelled on"), std::string::npos);

  auto refused = guichet::testing::run(
      GUICHET_COUNTER, {"--server", centre_.url(), "--data-dir", (work_ / "c9").string(), "--enroll", code}, {}, 30s);
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("this enrollment code was cancelled by an administrator"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(work_ / "c9" / "device-id"));
  auto again = admin({"enroll-cancel", ref.str()});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already cancelled"), std::string::npos) << again.err;
}

}  // namespace
