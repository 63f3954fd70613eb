// The whole queue, end to end, with every program real: a citizen takes a token at the kiosk, the
// slip comes out of the printer simulator with a QR code holding the token's id, an operator calls
// it at the counter, the display board shows and announces it, and the centre server has recorded
// the call with its reason and its actor.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../../integration/printer/sim_process.hpp"
#include "../../integration/sync/centre_server.hpp"
#include "../../unit/hardware/receipt_test_support.hpp"
#include "../kiosk/kiosk_harness.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/testing/process.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace std::chrono_literals;
using kiosk_test::quoted;
using sync::json;
namespace fs = std::filesystem;

namespace {

// Any Guichet app driven through `--script -`: one command per line, answered "ok" or "error: …".
class ScriptedApp {
 public:
  ScriptedApp(const std::string& name, const fs::path& program, std::vector<std::string> args, const fs::path& logs) {
    guichet::testing::ProcessOptions o;
    o.args = std::move(args);
    o.args.insert(o.args.end(), {"--script", "-"});
    o.env["SDL_VIDEODRIVER"] = "offscreen";
    o.env["SDL_AUDIODRIVER"] = "dummy";
    o.log_dir = logs;
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    process_ = std::make_unique<guichet::testing::Process>(name, program, o);
  }
  std::string cmd(const std::string& line, std::chrono::milliseconds timeout = 30s) {
    process_->write_line(line);
    for (;;) {
      auto reply = process_->read_line(timeout);
      if (!reply) return "error: no answer to '" + line + "': " + process_->stderr_text();
      if (*reply == "ok" || reply->rfind("error", 0) == 0) return *reply;
    }
  }
  std::string stderr_text() const { return process_->stderr_text(); }
  std::optional<int> quit() {
    process_->write_line("quit");
    return process_->wait(15s);
  }

 private:
  std::unique_ptr<guichet::testing::Process> process_;
};

class QueueFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    centre_.add_device("C1", "counter");
    centre_.add_device("D1", "display");
    centre_.add_operator("asha", "Asha Rani", "operator", "2468");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    shots_ = kiosk_test::screenshot_dir(work_ / "shots");
  }

  std::vector<std::string> terminal(const std::string& device) {
    return {"--server",      centre_.url(),
            "--device",      device,
            "--secret-file", centre_.secret_file(device).string(),
            "--data-dir",    (work_ / device).string()};
  }

  std::string shot(const std::string& name) { return "screenshot " + quoted((shots_ / name).string()); }

  json get(const std::string& path) {
    sync::ApiClient api(centre_.endpoint("K1", kiosk_secret_));
    auto r = api.get(path);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status << " " << r.body;
    return r.ok() ? json::parse(r.body) : json::object();
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"queue-flow"};
  std::unique_ptr<test::SimProcess> sim_;
  std::string kiosk_secret_;
  fs::path shots_;
};

TEST_F(QueueFlow, KioskTokenIsPrintedCalledAtTheCounterAndShownOnTheBoard) {
  // The hall's display board, announcing into WAV files.
  auto board_args = terminal("D1");
  board_args.insert(board_args.end(), {"--mode", "display", "--audio-out", (work_ / "audio").string(), "--languages",
                                       "en", "--size", "1280x720"});
  ScriptedApp board("board", GUICHET_KIOSK, board_args, work_.path());
  ASSERT_EQ(board.cmd("wait_text \"Now serving\" 20000"), "ok") << board.stderr_text();

  // A senior citizen takes a token for a birth certificate.
  auto kiosk_args = terminal("K1");
  kiosk_args.insert(kiosk_args.end(),
                    {"--printer", "tcp:127.0.0.1:" + std::to_string(sim_->port()), "--printer-policy", "stop",
                     "--admin-pin-hash", kiosk::hash_pin("4321").value(), "--size", "1080x1440"});
  ScriptedApp kiosk("kiosk", GUICHET_KIOSK, kiosk_args, work_.path());
  ASSERT_EQ(kiosk.cmd("tap \"English\" 20000"), "ok") << kiosk.stderr_text();
  ASSERT_EQ(kiosk.cmd("tap \"Take a token\" 10000"), "ok");
  ASSERT_EQ(kiosk.cmd("tap \"Birth certificate\" 10000"), "ok");
  ASSERT_EQ(kiosk.cmd("tap \"Senior citizen\" 10000"), "ok");
  ASSERT_EQ(kiosk.cmd("wait_text \"Please take your token\" 20000"), "ok");
  ASSERT_EQ(kiosk.cmd(shot("e2e-1-kiosk-token.png")), "ok");

  // The printed slip's QR code decodes to the id of the token the server holds.
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(1)); }, 15s)) << sim_->log();
  auto png = hardware::escpos_render::read_png(sim_->job_png(1));
  ASSERT_TRUE(png.ok()) << png.error().message;
  const auto qr = test::decode_qr(png.value());
  ASSERT_TRUE(qr.has_value()) << "no QR code on the slip";
  const std::string id = *qr;
  json token = get("/api/v1/tokens/" + id)["token"];
  ASSERT_EQ(token["id"], id);
  EXPECT_EQ(token["state"], "waiting");
  EXPECT_EQ(token["priority"], "elderly");
  const std::string display = token["display"];
  ASSERT_EQ(kiosk.cmd("wait_text " + quoted("Please take your token " + display)), "ok");
  fs::copy_file(sim_->job_png(1), shots_ / "e2e-2-slip.png", fs::copy_options::overwrite_existing);

  // The operator logs in at counter 1 and calls the next token: it is this one.
  ScriptedApp counter(
      "counter", GUICHET_COUNTER,
      [&] {
        auto a = terminal("C1");
        a.insert(a.end(), {"--size", "1100x760"});
        return a;
      }(),
      work_.path());
  ASSERT_EQ(counter.cmd("wait_text \"Operator ID\" 20000"), "ok") << counter.stderr_text();
  ASSERT_EQ(counter.cmd("sleep 300"), "ok");
  ASSERT_EQ(counter.cmd("type \"asha\""), "ok");
  ASSERT_EQ(counter.cmd("key Return"), "ok");
  ASSERT_EQ(counter.cmd("wait_text \"Enter your PIN\""), "ok");
  ASSERT_EQ(counter.cmd("sleep 300"), "ok");
  ASSERT_EQ(counter.cmd("type \"2468\""), "ok");
  ASSERT_EQ(counter.cmd("key Return"), "ok");
  ASSERT_EQ(counter.cmd("wait_text \"Choose your counter\" 10000"), "ok");
  ASSERT_EQ(counter.cmd("sleep 300"), "ok");
  ASSERT_EQ(counter.cmd("type \"1\""), "ok");
  ASSERT_EQ(counter.cmd("wait_text \"Waiting: 1\" 10000"), "ok");
  ASSERT_EQ(counter.cmd("key F1"), "ok");
  ASSERT_EQ(counter.cmd("wait_text \"Why this token:\" 10000"), "ok");
  ASSERT_EQ(counter.cmd("wait_text " + quoted(display)), "ok");
  ASSERT_EQ(counter.cmd(shot("e2e-3-counter-called.png")), "ok");

  // The board shows it against counter 1 and announces it.
  ASSERT_EQ(board.cmd("wait_text " + quoted(display) + " 10000"), "ok");
  ASSERT_EQ(board.cmd(shot("e2e-4-board.png")), "ok");
  ASSERT_TRUE(test::wait_until(
      [&] {
        std::error_code ec;
        if (!fs::exists(work_ / "audio", ec)) return false;
        for (const auto& f : fs::directory_iterator(work_ / "audio"))
          if (f.path().extension() == ".wav" && fs::file_size(f.path()) > 44) return true;
        return false;
      },
      15s))
      << "no announcement was written: " << board.stderr_text();

  // The server recorded the call: this token, counter 1, the operator, and why.
  json calls = get("/api/v1/calls?limit=5")["calls"];
  ASSERT_FALSE(calls.empty());
  const json& call = calls[0];
  EXPECT_EQ(call["type"], "called");
  EXPECT_EQ(call["token"]["id"], id);
  EXPECT_EQ(call["counter"], "C1");
  EXPECT_EQ(call["actor"], "asha");
  EXPECT_EQ(call["reason"], "only_priority_waiting");
  EXPECT_FALSE(call["explanation"].get<std::string>().empty());
  // The operator sees why this token was called.
  ASSERT_EQ(counter.cmd("wait_text \"Why this token: Only priority tokens waiting\""), "ok");

  // Served: start and finish, and the server agrees.
  ASSERT_EQ(counter.cmd("key F3"), "ok");
  ASSERT_EQ(counter.cmd("wait_text \"Being served\""), "ok");
  ASSERT_EQ(counter.cmd("key F4"), "ok");
  ASSERT_EQ(counter.cmd("wait_text \"finished.\""), "ok");
  EXPECT_EQ(get("/api/v1/tokens/" + id)["token"]["state"], "served");

  EXPECT_EQ(counter.quit(), 0);
  EXPECT_EQ(kiosk.quit(), 0);
  EXPECT_EQ(board.quit(), 0);
}

}  // namespace
