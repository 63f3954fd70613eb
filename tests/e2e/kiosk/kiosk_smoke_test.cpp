// The kiosk starts under SDL's offscreen driver with a script file, shows its language screen
// with the centre's languages, and takes a screenshot that is a real picture.
#include <png.h>

#include <fstream>
#include <set>

#include "kiosk_harness.hpp"
#include "pin.hpp"

using namespace guichet;
using namespace guichet::kiosk_test;

TEST(KioskSmoke, StartsOffscreenAndShowsTheLanguageScreen) {
  guichet::testing::CentreServer centre;
  centre.add_device("K1", "kiosk");
  ASSERT_TRUE(centre.start()) << centre.stderr_text();
  guichet::testing::TempDir work("kiosk-smoke");
  const fs::path shots = screenshot_dir(work / "shots");
  const fs::path shot = shots / "kiosk-language.png";
  fs::remove(shot);
  {
    std::ofstream script(work / "smoke.txt");
    script << "# the language tiles come from the server's catalogue\n"
              "wait_text \"Touch your language\" 15000\n"
              "wait_text \"Français\"\n"
              "screenshot "
           << shot.string() << "\nquit\n";
  }
  guichet::testing::ProcessOptions o;
  o.args = {"--server",         centre.url(),
            "--device",         "K1",
            "--secret-file",    centre.secret_file("K1").string(),
            "--data-dir",       (work / "data").string(),
            "--printer",        "file:" + (work / "slips.bin").string(),
            "--admin-pin-hash", kiosk::hash_pin("2468").value(),
            "--size",           "1280x800",
            "--script",         (work / "smoke.txt").string()};
  o.env["SDL_VIDEODRIVER"] = "offscreen";
  o.log_dir = work.path();
  guichet::testing::Process kiosk("guichet-kiosk", GUICHET_KIOSK, o);
  auto status = kiosk.wait(60s);
  ASSERT_TRUE(status.has_value()) << "the script did not finish";
  EXPECT_EQ(*status, 0) << kiosk.stderr_text();

  ASSERT_TRUE(fs::exists(shot));
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&img, shot.c_str()));
  img.format = PNG_FORMAT_RGBA;
  std::vector<std::uint8_t> px(PNG_IMAGE_SIZE(img));
  ASSERT_TRUE(png_image_finish_read(&img, nullptr, px.data(), 0, nullptr));
  EXPECT_EQ(img.width, 1280u);
  EXPECT_EQ(img.height, 800u);
  std::set<std::uint32_t> colours;
  std::size_t light = 0;
  for (std::size_t i = 0; i + 3 < px.size(); i += 4) {
    colours.insert(px[i] | px[i + 1] << 8 | px[i + 2] << 16);
    if (px[i] > 200 && px[i + 1] > 200 && px[i + 2] > 200) ++light;
  }
  EXPECT_GT(colours.size(), 20u) << "a blank or single-colour screenshot";
  // White tiles cover a good part of the screen.
  EXPECT_GT(light, px.size() / 4 / 10);

  // A bad script line stops the kiosk with the line number.
  {
    std::ofstream script(work / "bad.txt");
    script << "wait_text \"Touch your language\" 15000\njump \"somewhere\"\n";
  }
  o.args.back() = (work / "bad.txt").string();
  guichet::testing::Process bad("guichet-kiosk-bad", GUICHET_KIOSK, o);
  auto bad_status = bad.wait(30s);
  ASSERT_TRUE(bad_status.has_value());
  EXPECT_NE(*bad_status, 0);
  EXPECT_NE(bad.stderr_text().find("bad.txt:2: error: unknown command 'jump'"), std::string::npos) << bad.stderr_text();
}
