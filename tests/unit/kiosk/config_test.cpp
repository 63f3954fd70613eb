#include "config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "guichet/testing/process.hpp"
#include "pin.hpp"

using namespace guichet::kiosk;

namespace {

auto parse(std::vector<std::string> args) {
  args.insert(args.begin(), "guichet-kiosk");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_config(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST(KioskConfig, FlagsAreParsed) {
  auto r = parse({"--server",
                  "http://127.0.0.1:9000",
                  "--device",
                  "K1",
                  "--secret-file",
                  "/s",
                  "--data-dir",
                  "/d",
                  "--printer",
                  "tcp:127.0.0.1:9100",
                  "--printer-policy",
                  "screen",
                  "--idle-timeout",
                  "30",
                  "--size",
                  "1920x1080",
                  "--mode",
                  "display",
                  "--languages",
                  "en,hi,pa",
                  "--audio-out",
                  "/a",
                  "--script",
                  "-",
                  "--screenshot-dir",
                  "/shots",
                  "--theme",
                  "high-contrast",
                  "--screen-diagonal-inches",
                  "15.6",
                  "--fullscreen"});
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& c = r.value().config;
  EXPECT_EQ(c.server, "http://127.0.0.1:9000");
  EXPECT_EQ(c.device, "K1");
  EXPECT_EQ(c.printer_policy, PrinterPolicy::Screen);
  EXPECT_EQ(c.idle_timeout, 30);
  EXPECT_EQ(c.width, 1920);
  EXPECT_EQ(c.height, 1080);
  EXPECT_TRUE(c.fullscreen);
  EXPECT_EQ(c.mode, Mode::Display);
  EXPECT_EQ(c.languages, (std::vector<std::string>{"en", "hi", "pa"}));
  EXPECT_EQ(c.audio_out, "/a");
  EXPECT_EQ(c.script, "-");
  EXPECT_EQ(c.theme, "high-contrast");
  EXPECT_DOUBLE_EQ(c.screen_diagonal_inches, 15.6);
  EXPECT_DOUBLE_EQ(KioskConfig{}.screen_diagonal_inches, 21.5) << "the default: a 21.5-inch panel";
}

TEST(KioskConfig, BadValuesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* fragment;
  };
  const Case cases[] = {
      {{"--printer-policy", "maybe"}, "--printer-policy"},
      {{"--size", "big"}, "--size"},
      {{"--idle-timeout", "1"}, "--idle-timeout"},
      {{"--mode", "tv"}, "--mode"},
      {{"--languages", "en,Hindi"}, "--languages"},
      {{"--nonsense"}, "--nonsense"},
      {{"--screen-diagonal-inches", "2"}, "--screen-diagonal-inches"},
      {{"--screen-diagonal-inches", "wide"}, "--screen-diagonal-inches"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.args);
    ASSERT_FALSE(r.ok()) << c.args[0];
    EXPECT_NE(r.error().find(c.fragment), std::string::npos) << r.error();
  }
}

TEST(KioskConfig, ReadsATomlConfigFile) {
  guichet::testing::TempDir dir("kiosk-config");
  {
    std::ofstream f(dir / "kiosk.toml");
    f << "server = \"http://127.0.0.1:8123\"\n"
         "device = \"K7\"\n"
         "printer = \"file:/tmp/x.bin\"\n"
         "printer-policy = \"screen\"\n"
         "idle-timeout = 45\n"
         "screen-diagonal-inches = 27\n";
  }
  auto r = parse({"--config", (dir / "kiosk.toml").string(), "--device", "K8"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().config.server, "http://127.0.0.1:8123");
  EXPECT_EQ(r.value().config.device, "K8") << "the command line wins over the file";
  EXPECT_EQ(r.value().config.printer, "file:/tmp/x.bin");
  EXPECT_EQ(r.value().config.printer_policy, PrinterPolicy::Screen);
  EXPECT_EQ(r.value().config.idle_timeout, 45);
  EXPECT_DOUBLE_EQ(r.value().config.screen_diagonal_inches, 27);
}

TEST(KioskConfig, ValidationSaysWhatIsMissing) {
  KioskConfig c;
  c.device = "K1";
  c.secret_file = "/s";
  c.data_dir = "/d";
  c.printer = "tcp:127.0.0.1:9100";
  c.admin_pin_hash = hash_pin("2468").value();
  EXPECT_TRUE(validate(c).ok());
  auto expect_error = [](KioskConfig k, const char* fragment) {
    auto r = validate(k);
    ASSERT_FALSE(r.ok()) << fragment;
    EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  };
  KioskConfig k = c;
  k.server = "127.0.0.1:8080";
  expect_error(k, "--server");
  k = c;
  k.device.clear();
  expect_error(k, "--device");
  k = c;
  k.printer = "lpt1";
  expect_error(k, "--printer");
  k = c;
  k.admin_pin_hash.clear();
  expect_error(k, "--admin-pin-hash");
  k = c;
  k.admin_pin_hash = "2468";
  expect_error(k, "argon2id");
  k = c;
  k.mode = Mode::Display;
  k.printer.clear();
  k.admin_pin_hash.clear();
  EXPECT_TRUE(validate(k).ok()) << "a display board has no printer and no staff PIN";
}

TEST(KioskConfig, HelpExitsCleanly) {
  auto r = parse({"--help"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().exit);
  EXPECT_EQ(r.value().exit_code, 0);
}
