// guichet-counter driven by its UI automation (SDL offscreen) against a real centre server: log
// in with a PIN, choose a counter, call the next citizen and see why, serve and finish, scan a
// token's QR payload, keep working through a server outage without losing the action, log out.
// Each step is checked on screen and on the server.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "centre_server.hpp"
#include "guichet/sync/client.hpp"

using namespace std::chrono_literals;
using guichet::sync::ApiClient;
using guichet::sync::json;
using guichet::sync::RequestOptions;
using guichet::testing::CentreServer;
using guichet::testing::Process;
using guichet::testing::ProcessOptions;
using guichet::testing::TempDir;
namespace fs = std::filesystem;

namespace {

fs::path counter_program() { return GUICHET_BINARY_DIR "/counter/guichet-counter"; }

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class CounterAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    counter_secret_ = centre_.add_device("C1", "counter");
    centre_.add_operator("op1", "Asha Verma", "operator", "2468");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    // Screenshots are kept where GUICHET_SCREENSHOT_DIR says, for people to look at.
    if (const char* keep = std::getenv("GUICHET_SCREENSHOT_DIR"); keep && *keep) {
      shots_ = keep;
    } else {
      shots_ = work_ / "screenshots";
    }
    fs::create_directories(shots_);
  }

  std::string issue(const std::string& service, int n) {
    ApiClient kiosk(centre_.endpoint("K1", kiosk_secret_));
    RequestOptions o;
    o.idempotency_key = "K1:" + std::to_string(n);
    auto r = kiosk.post("/api/v1/tokens", {{"service", service}, {"priority", ""}, {"language", "en"}}, o);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["token"]["id"].get<std::string>();
  }

  json server_get(const std::string& path) {
    ApiClient client(centre_.endpoint("C1", counter_secret_));
    auto r = client.get(path);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status << " " << r.body;
    return r.ok() ? json::parse(r.body) : json();
  }

  std::unique_ptr<Process> start_counter() {
    ProcessOptions o;
    o.args = {"--server",         centre_.url(),
              "--device",         "C1",
              "--secret-file",    centre_.secret_file("C1").string(),
              "--data-dir",       (work_ / "counter-data").string(),
              "--size",           "1280x800",
              "--script",         "-",
              "--screenshot-dir", shots_.string()};
    o.env = {{"SDL_VIDEODRIVER", "offscreen"}, {"SDL_AUDIODRIVER", "dummy"}};
    o.log_dir = work_.path();
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    return std::make_unique<Process>("guichet-counter", counter_program(), o);
  }

  // A wait with no timeout of its own gets a generous one: a sanitizer build on a busy machine
  // draws and answers several times slower than the kit's 5 s default expects.
  static std::string with_timeout(const std::string& command) {
    const bool waits = command.rfind("wait_text ", 0) == 0 || command.rfind("tap ", 0) == 0;
    if (!waits || command.back() != '"') return command;
    return command + " 15000";
  }

  // One script command; the app answers "ok" or "error: …" on its stdout.
  void step(Process& app, const std::string& raw, std::chrono::milliseconds timeout = 30s) {
    const std::string command = with_timeout(raw);
    app.write_line(command);
    auto answer = app.read_line(timeout);
    ASSERT_TRUE(answer) << command << ": no answer from guichet-counter\n" << app.stderr_text();
    ASSERT_EQ(*answer, "ok") << command;
  }

  bool try_step(Process& app, const std::string& command, std::chrono::milliseconds timeout = 20s) {
    app.write_line(command);
    auto answer = app.read_line(timeout);
    return answer && *answer == "ok";
  }

  CentreServer centre_;
  TempDir work_{"guichet-counter-test"};
  fs::path shots_;
  std::string kiosk_secret_, counter_secret_;
};

TEST_F(CounterAppTest, OperatorServesScansAndWorksThroughAnOutage) {
  const std::string a1 = issue("birth-certificate", 1);
  const std::string b1 = issue("death-certificate", 2);
  const std::string a2 = issue("birth-certificate", 3);
  auto app = start_counter();

  // Log in: operator id on the keyboard, PIN on the pad (typed here).
  step(*app, "wait_text \"Operator ID\" 20000");
  step(*app, "screenshot counter-01-login.png");
  step(*app, "type \"op1\"");
  step(*app, "key Return");
  step(*app, "wait_text \"Enter your PIN\"");
  step(*app, "type \"2468\"");
  step(*app, "key Return");
  step(*app, "wait_text \"Choose your counter\"");
  step(*app, "screenshot counter-02-choice.png");
  step(*app, "type \"1\"");  // the counter's number picks it
  step(*app, "wait_text \"Waiting: 3\"");
  step(*app, "screenshot counter-03-main.png");
  auto queue = server_get("/api/v1/queue?counter=C1");
  EXPECT_EQ(queue["counter"]["operator"], "op1") << queue.dump();

  // Call next: the screen shows the citizen and the reason the server recorded for the call.
  step(*app, "key F1");
  step(*app, "wait_text \"Why this token:\"");
  auto calls = server_get("/api/v1/calls?limit=1");
  ASSERT_EQ(calls["calls"].size(), 1u) << calls.dump();
  const json call = calls["calls"][0];
  EXPECT_EQ(call["counter"], "C1");
  EXPECT_EQ(call["actor"], "op1");
  ASSERT_TRUE(call["explanation"].is_string());
  ASSERT_FALSE(call["explanation"].get<std::string>().empty());
  const std::string called = call["token"]["id"];
  EXPECT_TRUE(called == a1 || called == b1) << called;
  step(*app, "wait_text " + quoted(call["explanation"].get<std::string>()));
  step(*app, "wait_text " + quoted(call["token"]["display"].get<std::string>()));
  step(*app, "screenshot counter-04-called.png");

  step(*app, "key F3");
  step(*app, "wait_text \"Being served\"");
  step(*app, "key F4");
  step(*app, "wait_text \"finished.\"");
  EXPECT_EQ(server_get("/api/v1/tokens/" + called)["token"]["state"], "served");

  // The pickers for a specific call and for a transfer open and close from the keyboard.
  step(*app, "key F8");
  step(*app, "wait_text \"Call which token?\"");
  step(*app, "key Down");
  step(*app, "screenshot counter-05-pick.png");
  step(*app, "key Escape");
  step(*app, "expect_no_text \"Call which token?\"");

  // A keyboard-wedge scanner types the QR payload in a burst, then Enter.
  const std::string scanned = called == a1 ? b1 : a1;
  step(*app, "type " + quoted(scanned) + " 0");
  step(*app, "key Return");
  step(*app, "wait_text \"Token scanned here\"");
  step(*app, "screenshot counter-05-scanned.png");
  step(*app, "key F7");
  step(*app, "wait_text \"Counter: Counter 2\"");
  step(*app, "screenshot counter-05-transfer.png");
  step(*app, "key Escape");
  auto scan_call = server_get("/api/v1/calls?limit=1")["calls"][0];
  EXPECT_EQ(scan_call["token"]["id"], scanned);
  EXPECT_EQ(scan_call["reason"], "scanned");
  step(*app, "key F4");
  step(*app, "wait_text \"finished.\"");

  // The server goes away. The operator calls the next citizen: told plainly, nothing lost.
  const std::uint16_t port = centre_.port();
  centre_.kill9();
  step(*app, "key F1");
  step(*app, "wait_text \"Centre server unreachable: the action is saved here\"");
  step(*app, "wait_text \"Centre server unreachable\"");
  step(*app, "screenshot counter-06-offline.png");
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  step(*app, "wait_text \"Sent when the connection returned\" 20000");
  step(*app, "screenshot counter-07-back.png");
  auto after = server_get("/api/v1/tokens/" + a2)["token"];
  EXPECT_EQ(after["state"], "called") << after.dump();
  EXPECT_EQ(after["counter"], "C1");

  // Nobody left: the refusal is the server's own sentence.
  step(*app, "key F4");
  step(*app, "wait_text \"finished.\"");
  step(*app, "key F1");
  step(*app, "wait_text \"no token is waiting for counter 1\"");
  step(*app, "wait_text \"Live\"");
  step(*app, "key F10");
  step(*app, "wait_text \"Operator ID\"");
  EXPECT_EQ(server_get("/api/v1/queue?counter=C1")["counter"]["operator"], "") << "log-out did not close the counter";
  step(*app, "quit");
  auto status = app->wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << app->stderr_text();
  for (const char* shot : {"counter-01-login.png", "counter-04-called.png", "counter-06-offline.png"}) {
    EXPECT_GT(fs::file_size(shots_ / shot), 1000u) << shot;
  }
}

TEST_F(CounterAppTest, WrongPinShowsTheServersMessageAndTheWait) {
  auto app = start_counter();
  step(*app, "wait_text \"Operator ID\" 20000");
  step(*app, "type \"op1\"");
  step(*app, "key Return");
  for (int i = 0; i < 3; ++i) {
    step(*app, "wait_text \"Enter your PIN\"");
    step(*app, "type \"1111\"");
    step(*app, i == 0 ? "tap \"Log in\"" : "key Return");  // the pad's own key, then the keyboard
    step(*app, "wait_text \"wrong operator id or PIN\"");
  }
  // From now on the server locks the operator out for a while that doubles with each wrong PIN;
  // the screen shows its words and counts down.
  bool locked = false;
  for (int i = 0; i < 6 && !locked; ++i) {
    step(*app, "type \"1111\"");
    step(*app, "key Return");
    locked = try_step(*app, "wait_text \"You can try again in\" 1500");
  }
  ASSERT_TRUE(locked) << "no countdown after repeated wrong PINs";
  step(*app, "wait_text \"too many wrong PINs\"");
  step(*app, "screenshot counter-08-wrong-pin.png");
  step(*app, "quit");
  auto status = app->wait(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << app->stderr_text();
}

}  // namespace
