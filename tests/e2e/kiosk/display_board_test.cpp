// The display board (guichet-kiosk --mode display) follows the server's live feed: a counter
// calls a token, the board shows it and announces it (chime + voice, written as a WAV file here),
// a recall is announced again.
#include "kiosk_harness.hpp"
#include "speech.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;
using sync::json;

namespace {

std::vector<fs::path> wavs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".wav") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(DisplayBoard, ShowsAndAnnouncesCalls) {
  guichet::testing::CentreServer centre;
  const std::string kiosk_secret = centre.add_device("K1", "kiosk");
  const std::string counter_secret = centre.add_device("C1", "counter");
  centre.add_device("D1", "display");
  centre.add_operator("op1", "Asha Verma", "operator", "2468");
  ASSERT_TRUE(centre.start()) << centre.stderr_text();
  guichet::testing::TempDir work("display-board");
  const fs::path shots = screenshot_dir(work / "shots");
  const fs::path audio = work / "audio";

  KioskProcess board("guichet-display",
                     {"--mode", "display", "--server", centre.url(), "--device", "D1", "--secret-file",
                      centre.secret_file("D1").string(), "--data-dir", (work / "display-data").string(), "--languages",
                      "en,hi", "--audio-out", audio.string(), "--size", "1280x720"},
                     work.path());
  ASSERT_EQ(board.cmd("wait_text \"Now serving\" 15000"), "ok") << board.stderr_text();

  // A citizen takes a token; an operator opens counter 1 and calls it.
  sync::ApiClient kiosk(centre.endpoint("K1", kiosk_secret));
  sync::RequestOptions ko;
  ko.idempotency_key = "K1:1";
  auto issued =
      kiosk.post("/api/v1/tokens", {{"service", "birth-certificate"}, {"priority", ""}, {"language", "hi"}}, ko);
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string display = json::parse(issued.body)["token"]["display"];

  sync::ApiClient counter(centre.endpoint("C1", counter_secret));
  sync::RequestOptions co;
  co.idempotency_key = "C1:1";
  auto login = counter.post("/api/v1/sessions", {{"operator", "op1"}, {"pin", "2468"}, {"counter", "C1"}}, co);
  ASSERT_TRUE(login.ok()) << login.body;
  co.bearer = json::parse(login.body)["session"];
  co.idempotency_key = "C1:2";
  auto call = counter.post("/api/v1/counters/C1/call-next", json::object(), co);
  ASSERT_TRUE(call.ok()) << call.body;

  ASSERT_EQ(board.cmd("wait_text " + quoted(display) + " 10000"), "ok") << board.screen();
  ASSERT_EQ(board.cmd("screenshot " + quoted((shots / "display-board.png").string())), "ok");
  ASSERT_TRUE(std::filesystem::exists(shots / "display-board.png"));

  // The announcement: chime, then the citizen's language (Hindi) and English.
  std::vector<fs::path> files;
  ASSERT_TRUE(test::wait_until(
      [&] {
        files = wavs(audio);
        return files.size() == 1;
      },
      20s))
      << board.stderr_text();
  EXPECT_NE(files[0].filename().string().find(display), std::string::npos) << files[0];
  auto pcm = kiosk::read_wav(files[0].string());
  ASSERT_TRUE(pcm.ok()) << pcm.error();
  const double chime = kiosk::make_chime(pcm.value().sample_rate).seconds();
  EXPECT_GT(pcm.value().seconds(), chime + 2.0) << "chime plus two spoken announcements";

  // A recall is announced again.
  co.idempotency_key = "C1:3";
  auto recall = counter.post("/api/v1/counters/C1/recall", json::object(), co);
  ASSERT_TRUE(recall.ok()) << recall.body;
  ASSERT_TRUE(test::wait_until([&] { return wavs(audio).size() == 2; }, 20s)) << board.stderr_text();

  EXPECT_EQ(board.cmd("quit"), "ok");
  EXPECT_EQ(board.wait_exit(10s), 0);
}
