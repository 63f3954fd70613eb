// The README's first command, run as a test: packaging/demo.sh plays its headless morning with
// this build's programs (a centre server on a fresh SQLite file, the printer simulator, a kiosk,
// two counters and a display board driven by their UI automation), and what it wrote is checked
// the way a person would: every printed receipt is an image whose QR code reads back to a token,
// the counters served citizens, the board announced tokens that were printed, the screenshots
// exist and the summary agrees with the server's dashboard. Counter 1 takes a walk-in's application
// with a page from SANE's test scanner (saned on loopback) and prints its papers.
#define ZX_USE_UTF8
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "guichet/hardware/escpos_render/image.hpp"
#include "guichet/testing/process.hpp"

namespace {

namespace fs = std::filesystem;
using guichet::testing::Process;
using guichet::testing::ProcessOptions;
using guichet::testing::TempDir;

constexpr int kCitizens = 6;

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == extension) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string decode_qr(const fs::path& png) {
  auto image = guichet::hardware::escpos_render::read_png(png);
  if (!image) return {};
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  const auto result =
      ZXing::ReadBarcode({image->pixels.data(), image->width, image->height, ZXing::ImageFormat::Lum}, hints);
  return result.isValid() ? result.text() : std::string{};
}

TEST(DemoHeadless, AScriptedMorningServesCitizensAndEveryReceiptReadsBack) {
  TempDir dir("guichet-demo-test");
  const fs::path out = dir / "demo-output";
  ProcessOptions options;
  options.args = {fs::path(GUICHET_SOURCE_DIR) / "packaging" / "demo.sh"};
  options.env = {{"GUICHET_DEMO_BUILD", GUICHET_BUILD_DIR},
                 {"GUICHET_DEMO_SKIP_BUILD", "1"},
                 {"GUICHET_DEMO_SKIP_SETUP", "1"},
                 {"GUICHET_DEMO_HEADLESS", "1"},
                 {"GUICHET_DEMO_CITIZENS", std::to_string(kCitizens)},
                 {"GUICHET_DEMO_SEED", "11"},
                 {"GUICHET_DEMO_OUT", out.string()}};
  options.log_dir = dir.path();
  Process demo("demo", "/bin/bash", options);
  const auto status = demo.wait(std::chrono::seconds(240));
  ASSERT_TRUE(status.has_value()) << "the demo did not finish in 240 s";
  ASSERT_EQ(*status, 0) << demo.stderr_text() << "\n" << guichet::testing::read_file(out / "logs" / "kiosk.log");

  // Every citizen's token slip was printed, and its QR code reads back to a distinct token id.
  const auto receipts = files_in(out / "receipts", ".png");
  ASSERT_EQ(receipts.size(), static_cast<std::size_t>(kCitizens));
  const std::regex token_id(R"(LDH01-\d{8}-([A-Z]\d{3}))");
  std::set<std::string> ids, numbers;
  for (const auto& png : receipts) {
    const std::string id = decode_qr(png);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(id, m, token_id)) << png << " decodes to '" << id << "'";
    ids.insert(id);
    numbers.insert(m[1].str());
  }
  EXPECT_EQ(ids.size(), receipts.size()) << "two receipts carry the same token";

  // The summary holds the manager's dashboard: every token issued, citizens served at the counters.
  const auto dashboard = nlohmann::json::parse(guichet::testing::read_file(out / "dashboard.json"));
  int issued = 0, served = 0;
  for (const auto& s : dashboard.at("services")) {
    issued += s.value("issued", 0);
    served += s.value("served", 0);
  }
  EXPECT_EQ(issued, kCitizens);
  EXPECT_GE(served, 1);
  const std::string summary = guichet::testing::read_file(out / "summary.md");
  EXPECT_NE(summary.find("## Receipts (" + std::to_string(kCitizens) + ")"), std::string::npos) << summary;
  // Every terminal of the morning (kiosk K1, counters C1 and C2, board D1) was heard by the centre,
  // each said the disk space it has left, each that uploaded reported its outbox with it, and the
  // summary lists them.
  std::set<std::string> heard, said_disk, uploaded, reported;
  for (const auto& t : dashboard.at("sync").at("terminals")) {
    if (t.at("last_heard_at").is_string()) heard.insert(t.at("id").get<std::string>());
    if (t.at("last_upload_at").is_string()) uploaded.insert(t.at("id").get<std::string>());
    if (t.at("reported_at").is_string() && t.at("waiting").is_number_integer()) {
      reported.insert(t.at("id").get<std::string>());
    }
    if (t.at("disk_free_mib").is_number_integer() && t.at("disk_free_mib").get<std::int64_t>() > 0) {
      said_disk.insert(t.at("id").get<std::string>());
    }
  }
  EXPECT_EQ(heard, (std::set<std::string>{"C1", "C2", "D1", "K1"})) << dashboard.at("sync").dump();
  EXPECT_EQ(said_disk, heard) << dashboard.at("sync").dump();
  EXPECT_FALSE(uploaded.empty()) << dashboard.at("sync").dump();
  EXPECT_EQ(reported, uploaded) << dashboard.at("sync").dump();
  EXPECT_NE(summary.find(" GB free"), std::string::npos) << summary;
  EXPECT_NE(summary.find("## Terminals (4)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("- K1 (kiosk): last heard "), std::string::npos) << summary;
  // The kiosk and counter 1 have printers, which were ready all morning; counter 2 and the board
  // have none.
  std::map<std::string, std::string> printers;
  for (const auto& t : dashboard.at("sync").at("terminals")) {
    printers[t.at("id").get<std::string>()] = t.at("printer").is_string() ? t.at("printer").get<std::string>() : "";
  }
  EXPECT_EQ(printers, (std::map<std::string, std::string>{{"C1", "ready"}, {"C2", ""}, {"D1", ""}, {"K1", "ready"}}))
      << dashboard.at("sync").dump();
  for (const std::string line : {"- K1 (kiosk): ", "- C1 (counter): "}) {
    const auto at = summary.find(line);
    ASSERT_NE(at, std::string::npos) << summary;
    EXPECT_NE(summary.substr(at, summary.find('\n', at) - at).find("; printer ready"), std::string::npos) << summary;
  }
  EXPECT_EQ(summary.find("(no QR code found)"), std::string::npos) << summary;

  // The board announced called tokens, each one a number that was printed.
  const auto announcements = files_in(out / "announcements", ".wav");
  ASSERT_GE(announcements.size(), static_cast<std::size_t>(served));
  const std::regex announced(R"(announcement-\d{4}-([A-Z]\d{3})\.wav)");
  for (const auto& wav : announcements) {
    std::smatch m;
    const std::string name = wav.filename().string();
    ASSERT_TRUE(std::regex_match(name, m, announced)) << name;
    EXPECT_TRUE(numbers.count(m[1].str())) << name << " announces a token that was never printed";
    EXPECT_GT(fs::file_size(wav), 10'000u) << name;
  }

  // Counter 1 took a walk-in's application: its printer gave a fee receipt and an
  // acknowledgement, both QR codes reading back to the one receipt number, and the centre has the
  // application (the summary asked it), with the page scanned for its first document.
  const auto papers = files_in(out / "counter-receipts", ".png");
  ASSERT_EQ(papers.size(), 2u);
  const std::string receipt = decode_qr(papers[0]);
  EXPECT_TRUE(std::regex_match(receipt, std::regex(R"(LDH01-C1-\d{6,})"))) << receipt;
  EXPECT_EQ(decode_qr(papers[1]), receipt);
  EXPECT_NE(summary.find("## Applications taken at counter 1 (1)"), std::string::npos) << summary;
  EXPECT_NE(summary.find(receipt + ": counter-receipts/"), std::string::npos) << summary;
  EXPECT_NE(summary.find("at the centre: birth-certificate, status received"), std::string::npos) << summary;
  EXPECT_NE(summary.find("## Scanned pages at the centre (1)"), std::string::npos) << summary;
  ASSERT_TRUE(fs::is_regular_file(out / "scanned-pages" / "page-1.png"));
  const auto page = guichet::hardware::escpos_render::read_png(out / "scanned-pages" / "page-1.png");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.value().width, 1574) << "SANE's test page (200 mm) at 200 dpi";

  // The screenshots a visitor opens first.
  for (const char* shot :
       {"kiosk-start.png", "kiosk-services.png", "kiosk-token-01.png", "counter1-ready.png", "counter2-ready.png",
        "counter1-application.png", "counter1-application-saved.png", "board-end.png"})
    EXPECT_TRUE(fs::is_regular_file(out / "screenshots" / shot)) << shot;
}

}  // namespace
