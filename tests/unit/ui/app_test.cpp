// The kit's loop and automation on the real SDL offscreen driver: scripts tap, type and take
// screenshots; an idle loop draws nothing; worker results wake it on the UI thread.
#include "guichet/ui/app.hpp"

#include <gtest/gtest.h>
#include <png.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "guichet/text/layout.hpp"
#include "guichet/ui/frame.hpp"

using namespace guichet::ui;
namespace fs = std::filesystem;

namespace {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    dir_ = fs::temp_directory_path() / ("guichet-ui-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_script(const std::string& text) {
    auto p = dir_ / "script.txt";
    std::ofstream(p) << text;
    return p.string();
  }

  AppOptions options(const std::string& script = {}) {
    AppOptions o;
    o.width = 800;
    o.height = 600;
    o.script = script;
    o.screenshot_dir = dir_.string();
    auto theme = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/default.toml");
    EXPECT_TRUE(theme.ok());
    if (theme.ok()) o.theme = theme.value();
    return o;
  }

  fs::path dir_;
};

// Distinct colours in a PNG (0 if it cannot be read).
std::size_t distinct_colours(const std::string& path, int& w, int& h) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) return 0;
  img.format = PNG_FORMAT_RGBA;
  std::vector<std::uint8_t> px(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, px.data(), 0, nullptr)) return 0;
  w = static_cast<int>(img.width);
  h = static_cast<int>(img.height);
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i + 3 < px.size(); i += 4) {
    colours.insert(px[i] | px[i + 1] << 8 | px[i + 2] << 16);
  }
  return colours.size();
}

}  // namespace

TEST_F(AppTest, ScriptTapsTypesAndTakesScreenshots) {
  auto app = App::create(options(write_script(R"(wait_text "Pick a colour"
screenshot start.png
tap "Green"
wait_text "You picked Green"
tap "Back"
tap "PIN"
type "2468" 3
key Return
wait_text "PIN entered: 4 digits"
quit
)")));
  ASSERT_TRUE(app.ok()) << app.error().message;
  std::string screen = "pick", picked, pin;
  int pin_digits = -1;
  int rc = app.value()->run([&](Frame& f) {
    if (screen == "pick") {
      f.text("Pick a colour", TextStyle::Heading, Tone::Normal, Align::Center);
      int t = f.tile_grid({{"Red", "warm", true, ""}, {"Green", "calm", true, ""}, {"Blue", "", true, ""}}, 3);
      if (t >= 0) {
        picked = t == 0 ? "Red" : t == 1 ? "Green" : "Blue";
        screen = "picked";
        f.animate();
      }
      if (f.corner_control("PIN", Corner::BottomRight)) {
        screen = "pin";
        f.animate();
      }
    } else if (screen == "picked") {
      f.text("You picked " + picked);
      if (f.button("Back")) {
        screen = "pick";
        f.animate();
      }
    } else if (screen == "pin") {
      if (f.number_pad(pin) == PadResult::Submitted) pin_digits = static_cast<int>(pin.size());
      if (pin_digits >= 0) f.text("PIN entered: " + std::to_string(pin_digits) + " digits");
    }
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(picked, "Green");
  EXPECT_EQ(pin, "2468");
  EXPECT_EQ(pin_digits, 4);
  int w = 0, h = 0;
  EXPECT_GT(distinct_colours((dir_ / "start.png").string(), w, h), 3u) << "screenshot missing or blank";
  EXPECT_EQ(w, 800);
  EXPECT_EQ(h, 600);
}

TEST_F(AppTest, FailingScriptExitsNonZero) {
  auto app = App::create(options(write_script("wait_text \"Hello\"\nwait_text \"Goodbye\" 150\nquit\n")));
  ASSERT_TRUE(app.ok()) << app.error().message;
  auto start = std::chrono::steady_clock::now();
  int rc = app.value()->run([](Frame& f) { f.text("Hello"); });
  EXPECT_EQ(rc, 3);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(AppTest, EmptyTextsDrawNothingAndDoNotCrash) {
  auto app = App::create(options(write_script("wait_text \"after the empty ones\"\nquit\n")));
  ASSERT_TRUE(app.ok()) << app.error().message;
  int rc = app.value()->run([](Frame& f) {
    const Rect r{10, 10, 200, 40};
    f.text(std::string_view{});
    f.text_in(r, std::string_view{}, TextStyle::Body);
    f.text_fit(r, std::string_view{}, TextStyle::Large);
    (void)f.measure(std::string_view{}, TextStyle::Body, 100);
    f.text("after the empty ones");
  });
  EXPECT_EQ(rc, 0);
}

// The same layout drawn twice in one frame, the second time mirrored: rows, tiles, rectangles and
// corners from the right, the arrows turned round, and the text itself not reversed.
TEST_F(AppTest, AMirroredFramePlacesFromTheRight) {
  auto app = App::create(options(write_script("wait_text \"done\"\nquit\n")));
  ASSERT_TRUE(app.ok()) << app.error().message;
  float window_w = 0;
  Rect content;
  int rc = app.value()->run([&](Frame& f) {
    window_w = f.screen().w;
    content = f.content();
    for (int half = 0; half < 2; ++half) {
      f.set_mirrored(half == 1);
      const float y0 = content.y + static_cast<float>(half) * 260;
      f.set_cursor(content.x, y0);
      f.button("\u2190 Back##" + std::to_string(half), ButtonKind::Secondary, 200);
      f.same_line();
      f.button("Next \u2192##" + std::to_string(half), ButtonKind::Primary, 150);
      f.set_cursor(content.x, y0 + 80);
      f.tile_grid({{"A" + std::to_string(half), "first", true, {}}, {"B" + std::to_string(half), {}, true, {}}}, 3, 70);
      f.text_in({content.x, y0 + 170, 200, 40}, "box " + std::to_string(half) + " 123", TextStyle::Body, Tone::Normal,
                Align::Left);
      f.corner_control(half ? "Staff1" : "Staff0", Corner::BottomRight);
    }
    EXPECT_TRUE(f.mirrored());
    f.text("done");
  });
  EXPECT_EQ(rc, 0);
  const ScreenRecord& r = app.value()->last_record();
  auto rect = [&](const std::string& text) {
    for (const auto& i : r.items) {
      if (i.text == text) return i.rect;
    }
    ADD_FAILURE() << "nothing drawn as " << text;
    return Rect{};
  };
  // Left to right: Back at the start (left), Next after it, tiles from the left.
  const Rect back0 = rect("\u2190 Back"), next0 = rect("Next \u2192");
  EXPECT_FLOAT_EQ(back0.x, content.x);
  EXPECT_GT(next0.x, back0.x + back0.w);
  EXPECT_LT(rect("A0").x, rect("B0").x);
  EXPECT_FLOAT_EQ(rect("box 0 123").x, content.x);
  EXPECT_GT(rect("Staff0").x, window_w / 2);
  // Mirrored: Back at the right edge pointing right, Next to its left, the first tile on the right
  // with its detail under it, the rectangle and the corner mirrored; the same sizes.
  const Rect back1 = rect("\u2192 Back"), next1 = rect("Next \u2190");
  EXPECT_FLOAT_EQ(back1.x + back1.w, window_w - content.x);
  EXPECT_FLOAT_EQ(back1.w, back0.w);
  EXPECT_FLOAT_EQ(next1.x + next1.w, back1.x - (next0.x - back0.x - back0.w));
  EXPECT_FLOAT_EQ(rect("A1").x, window_w - rect("A0").x - rect("A0").w);
  EXPECT_GT(rect("A1").x, rect("B1").x);
  EXPECT_FLOAT_EQ(rect("box 1 123").x, window_w - content.x - 200);
  EXPECT_LT(rect("Staff1").x, window_w / 2);
  EXPECT_FLOAT_EQ(rect("Staff1").y, rect("Staff0").y);
}

// A tall button sets its label as large as it fits unless told the largest size to use; a field
// with a dense look has its label in small text close above it and is one body line tall.
TEST_F(AppTest, AButtonKeepsTheLargestSizeAskedAndADenseFieldIsLowerThanTheDefault) {
  auto app = App::create(options(write_script("wait_text \"done\"\nquit\n")));
  ASSERT_TRUE(app.ok()) << app.error().message;
  int small_px = 0, large_px = 0;
  std::string plain, dense;
  int rc = app.value()->run([&](Frame& f) {
    small_px = static_cast<int>(f.text_size(TextStyle::Small));
    large_px = static_cast<int>(f.text_size(TextStyle::Large));
    const Rect c = f.content();
    f.set_cursor(c.x, c.y);
    f.button("Roomy", ButtonKind::Secondary, 300, true, 120);
    f.button("Kept small", ButtonKind::Secondary, 300, true, 120, TextStyle::Small);
    f.input_text("Plain field", plain);
    InputLook look;
    look.label = TextStyle::Small;
    look.value = TextStyle::Body;
    look.label_gap = 2;
    look.gap_after = 4;
    f.input_text("Dense field", dense, look);
    f.text("done");
  });
  EXPECT_EQ(rc, 0);
  const ScreenRecord& r = app.value()->last_record();
  const auto item = [&](const std::string& text, ScreenItem::Kind kind) -> const ScreenItem* {
    for (const auto& i : r.items) {
      if (i.text == text && i.kind == kind) return &i;
    }
    ADD_FAILURE() << "nothing drawn as " << text;
    return nullptr;
  };
  const auto* roomy = item("Roomy", ScreenItem::Kind::Control);
  const auto* kept = item("Kept small", ScreenItem::Kind::Control);
  ASSERT_TRUE(roomy && kept);
  ASSERT_FALSE(roomy->glyphs.empty());
  ASSERT_FALSE(kept->glyphs.empty());
  EXPECT_EQ(roomy->glyphs.front().pixel_size, large_px);
  EXPECT_EQ(kept->glyphs.front().pixel_size, small_px);
  EXPECT_FALSE(kept->cut);

  const auto* plain_label = item("Plain field", ScreenItem::Kind::Text);
  const auto* plain_box = item("Plain field", ScreenItem::Kind::Control);
  const auto* dense_label = item("Dense field", ScreenItem::Kind::Text);
  const auto* dense_box = item("Dense field", ScreenItem::Kind::Control);
  const auto* done = item("done", ScreenItem::Kind::Text);
  ASSERT_TRUE(plain_label && plain_box && dense_label && dense_box && done);
  EXPECT_LT(dense_label->rect.h, plain_label->rect.h);
  EXPECT_LT(dense_box->rect.h, plain_box->rect.h);
  EXPECT_NEAR(dense_box->rect.y - (dense_label->rect.y + dense_label->rect.h), 2.0f, 1.0f);
  EXPECT_GT(plain_box->rect.y - (plain_label->rect.y + plain_label->rect.h), 4.0f);
  EXPECT_NEAR(done->rect.y - (dense_box->rect.y + dense_box->rect.h), 4.0f, 1.0f);
}

TEST_F(AppTest, TapOnMissingControlFails) {
  auto app = App::create(options(write_script("tap \"Nowhere\" 100\nquit\n")));
  ASSERT_TRUE(app.ok());
  int rc = app.value()->run([](Frame& f) { f.button("Somewhere"); });
  EXPECT_EQ(rc, 3);
}

TEST_F(AppTest, IdleLoopDrawsNothingAndPostsWakeIt) {
  auto created = App::create(options());
  ASSERT_TRUE(created.ok()) << created.error().message;
  App& app = *created.value();
  const auto ui_thread = std::this_thread::get_id();
  std::uint64_t at_first_post = 0, at_second_post = 0;
  bool posts_on_ui_thread = true;
  Poster poster = app.poster();
  std::thread worker([&, poster] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    poster.post([&] {
      posts_on_ui_thread &= std::this_thread::get_id() == ui_thread;
      at_first_post = app.frames_drawn();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    poster.post([&] {
      posts_on_ui_thread &= std::this_thread::get_id() == ui_thread;
      at_second_post = app.frames_drawn();
      app.quit(7);
    });
  });
  int rc = app.run([](Frame& f) { f.text("Idle"); });
  worker.join();
  EXPECT_EQ(rc, 7);
  EXPECT_TRUE(posts_on_ui_thread);
  EXPECT_GE(at_first_post, 1u);
  EXPECT_LE(at_first_post, 3u) << "start-up should take a couple of frames, then stop";
  EXPECT_EQ(at_second_post, at_first_post + 1) << "only the first post's result should have been drawn";
}

TEST_F(AppTest, AThemeThatKeepsTheFontsDoesNotRebuildThem) {
  auto created = App::create(options());
  ASSERT_TRUE(created.ok()) << created.error().message;
  App& app = *created.value();
  EXPECT_EQ(app.font_builds(), 1u);
  // New colours and control sizes, the same fonts (what the kiosk does before its first frame).
  Theme recoloured = app.theme();
  recoloured.colors.background = Rgba{10, 20, 30, 255};
  recoloured.sizes.tile_height += 20;
  app.set_theme(recoloured);
  std::uint64_t after_recolour = 0, after_bigger_text = 0;
  int frame = 0;
  int rc = app.run([&](Frame& f) {
    f.text("Fonts");
    f.animate();
    ++frame;
    if (frame == 2) {
      after_recolour = app.font_builds();
      Theme bigger = app.theme();
      bigger.fonts.body += 4;
      app.set_theme(bigger);
    } else if (frame == 4) {
      after_bigger_text = app.font_builds();
      app.quit(0);
    }
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(app.theme().colors.background.b, 30);
  EXPECT_EQ(after_recolour, 1u) << "the same fonts were built again";
  EXPECT_EQ(after_bigger_text, 2u) << "a new text size must rebuild the fonts";
}

TEST_F(AppTest, RedrawAtWakesTheLoop) {
  auto created = App::create(options());
  ASSERT_TRUE(created.ok());
  App& app = *created.value();
  auto start = Clock::now();
  int ticks = 0;
  int rc = app.run([&](Frame& f) {
    auto elapsed = f.now() - start;
    if (elapsed >= std::chrono::milliseconds(400)) {
      app.quit(0);
      return;
    }
    ++ticks;
    f.text("Waiting");
    f.redraw_at(start + std::chrono::milliseconds(100) * ((elapsed / std::chrono::milliseconds(100)) + 1));
  });
  EXPECT_EQ(rc, 0);
  // One wake per 100 ms step plus the start-up frames; a busy loop would draw hundreds.
  EXPECT_GE(ticks, 4);
  EXPECT_LE(ticks, 8);
}

TEST_F(AppTest, FontsFoundAtTheFirstStartAreKeptAndDrawTheSameAtTheNext) {
  const std::string cache = (dir_ / "fonts.cache").string();
  auto start = [&](const std::string& shot) {
    AppOptions o = options(write_script("wait_text \"Welcome\" 5000\nscreenshot " + shot + "\nquit\n"));
    o.font_cache = cache;
    auto created = App::create(o);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (!created.ok()) return std::vector<std::string>{};
    App& app = *created.value();
    app.run([](Frame& f) {
      f.text("Welcome");
      f.text("\u0a2a\u0a70\u0a1c\u0a3e\u0a2c\u0a40  \u0939\u093f\u0928\u094d\u0926\u0940  \u0627\u0631\u062f\u0648");
    });
    std::vector<std::string> files;
    const auto& fonts = app.text_engine().fonts();
    for (std::size_t i = 0; i < fonts.size(); ++i) files.push_back(fonts.info(i).file);
    return files;
  };
  const auto first = start("first.png");
  ASSERT_TRUE(fs::exists(cache)) << "the fonts found were not kept";
  const auto second = start("second.png");
  EXPECT_EQ(first, second);
  std::ifstream a(dir_ / "first.png", std::ios::binary), b(dir_ / "second.png", std::ios::binary);
  const std::string pa((std::istreambuf_iterator<char>(a)), {}), pb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_GT(pa.size(), 1000u);
  EXPECT_TRUE(pa == pb) << "the start from the kept fonts drew a different screen";
}

TEST_F(AppTest, ParsesSizesAndRenderers) {
  auto s = parse_size("1280x800");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value().first, 1280);
  EXPECT_EQ(s.value().second, 800);
  EXPECT_FALSE(parse_size("1280").ok());
  EXPECT_FALSE(parse_size("1280x").ok());
  EXPECT_FALSE(parse_size("12x8").ok());
  EXPECT_FALSE(parse_size("1280x800px").ok());
  EXPECT_NE(parse_size("wide").error().message.find("'wide'"), std::string::npos);
  EXPECT_EQ(parse_renderer("software").value(), RendererKind::Software);
  EXPECT_FALSE(parse_renderer("gpu").ok());
}

TEST(Worker, RunsJobsInOrderOffTheCallingThread) {
  Worker worker("test-worker");
  std::mutex mu;
  std::vector<int> order;
  std::thread::id job_thread;
  std::promise<void> done;
  for (int i = 0; i < 5; ++i) {
    worker.run([&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
      job_thread = std::this_thread::get_id();
    });
  }
  worker.run([&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_NE(job_thread, std::this_thread::get_id());
}

TEST(Ticker, RunsItsJobEveryPeriodOffTheCallingThreadUntilDestroyed) {
  std::atomic<int> runs{0};
  std::atomic<bool> off_thread{true};
  const auto caller = std::this_thread::get_id();
  {
    Ticker ticker("test-ticker", std::chrono::milliseconds(20), [&] {
      if (std::this_thread::get_id() == caller) off_thread = false;
      ++runs;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (runs < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(runs.load(), 3);
  }
  const int after = runs.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(runs.load(), after) << "a job ran after the ticker was destroyed";
  EXPECT_TRUE(off_thread.load());
}

TEST(Ticker, ItsFirstJobWaitsAPeriodAndDestroyingItEndsTheWaitAtOnce) {
  std::atomic<int> runs{0};
  const auto start = std::chrono::steady_clock::now();
  {
    Ticker ticker("test-ticker", std::chrono::hours(1), [&] { ++runs; });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(runs.load(), 0);
}
