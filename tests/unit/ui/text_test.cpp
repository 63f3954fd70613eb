// The kit's text on the real SDL offscreen driver: the glyphs it draws are HarfBuzz's own
// (hb-shape, same font, size, direction and language), Urdu starts on the right, Gurmukhi has ink,
// the glyph atlas is filled once and reused, and a missing script font is an error naming it.
#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guichet/testing/shaping.hpp"
#include "guichet/text/layout.hpp"
#include "guichet/ui/app.hpp"
#include "guichet/ui/frame.hpp"
#include "guichet/ui/glyph_atlas.hpp"

using namespace guichet::ui;
namespace text = guichet::text;
namespace fs = std::filesystem;
using guichet::testing::hb_shape;
using guichet::testing::po_strings;

namespace {

const std::string kPunjabi = "ਤੁਹਾਡਾ ਟੋਕਨ ਤਿਆਰ ਹੈ ਕਿਰਪਾ ਕਰਕੇ ਉਡੀਕ ਕਰੋ";
const std::string kHindi = "आपका टोकन तैयार है कृपया प्रतीक्षा करें";
const std::string kUrdu = "آپ کا ٹوکن تیار ہے براہ کرم انتظار کریں";
const std::string kFrench = "Votre ticket est prêt, veuillez patienter à l’accueil";

class TextOnScreen : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    dir_ = fs::temp_directory_path() / ("guichet-ui-text-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  AppOptions options(int width, int height) {
    AppOptions o;
    o.width = width;
    o.height = height;
    o.renderer = RendererKind::Software;
    o.screenshot_dir = dir_.string();
    auto theme = load_theme(std::string(GUICHET_SOURCE_DIR) + "/themes/default.toml");
    EXPECT_TRUE(theme.ok());
    if (theme.ok()) o.theme = theme.value();
    return o;
  }

  fs::path dir_;
};

const ScreenItem* find_item(const ScreenRecord& rec, const std::string& s) {
  for (const auto& item : rec.items) {
    if (item.text == s) return &item;
  }
  return nullptr;
}

// The glyphs recorded as drawn for `s` against hb-shape, run by run (one direction, script and
// font each): same font file, same glyph ids, and every glyph where HarfBuzz's advances and
// offsets put it, from the first glyph on the left. Returns false when `s` was skipped (wrapped).
bool expect_drawn_like_hb_shape(App& app, const ScreenRecord& rec, const ScreenItem& item, const std::string& s,
                                const std::string& language) {
  if (item.glyphs.empty()) {
    ADD_FAILURE() << language << " \"" << s << "\": no glyphs recorded";
    return false;
  }
  const int px = item.glyphs[0].pixel_size;
  text::LayoutOptions o;
  o.pixel_size = px;
  o.language = language;
  auto layout = app.text_engine().layout(s, o);  // for its runs (where one font or direction ends)
  if (layout->lines.size() != 1) return false;
  EXPECT_EQ(layout->missing, 0) << language << " \"" << s << "\"";
  const auto& line = layout->lines[0];
  EXPECT_EQ(item.glyphs.size(), layout->glyphs.size()) << language << " \"" << s << "\"";
  if (item.glyphs.size() != layout->glyphs.size()) return true;
  float origin = NAN;  // the pen's start on screen: the first glyph's x less its HarfBuzz offset
  float pen = 0;       // 26.6 units from there
  float baseline = NAN;
  for (const auto& run : layout->runs) {
    const std::string t = s.substr(run.text_begin, run.text_end - run.text_begin);
    const std::string before = s.substr(line.text_begin, run.text_begin - line.text_begin);
    std::string after = s.substr(run.text_end, line.text_end - run.text_end);
    while (!after.empty() && after.back() == ' ') after.pop_back();
    const std::string file = app.text_engine().fonts().info(run.face).file;
    nlohmann::json ref = hb_shape(file, t, px, language, run.rtl ? "rtl" : "ltr", before, after);
    if (!ref.is_array()) {
      ADD_FAILURE() << "hb-shape failed for \"" << t << "\": " << ref.dump();
      return true;
    }
    EXPECT_EQ(ref.size(), run.glyph_count) << language << " \"" << s << "\" run \"" << t << "\"";
    if (ref.size() != run.glyph_count) return true;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      const DrawnGlyph& g = item.glyphs[run.first_glyph + i];
      SCOPED_TRACE(language + " \"" + s + "\" run \"" + t + "\" glyph " + std::to_string(i));
      if (g.face >= rec.faces.size()) {
        ADD_FAILURE() << "face " << g.face << " not in the record's faces";
        return true;
      }
      EXPECT_EQ(rec.faces[g.face], file);
      EXPECT_EQ(g.glyph, ref[i]["g"].get<std::uint32_t>());
      EXPECT_EQ(g.pixel_size, px);
      const float want_x = (pen + ref[i]["dx"].get<float>()) / 64.0f;
      if (std::isnan(origin)) origin = g.x - want_x;
      EXPECT_NEAR(g.x - origin, want_x, 0.05f);
      // Every glyph on one baseline, HarfBuzz's vertical offset apart.
      const float base = g.y + ref[i]["dy"].get<float>() / 64.0f;
      if (std::isnan(baseline)) baseline = base;
      EXPECT_NEAR(base, baseline, 0.05f);
      pen += ref[i]["ax"].get<float>();
    }
  }
  return true;
}

// Draws `strings` in `language`, a batch a frame, and returns each string's recorded item.
std::vector<std::pair<std::string, ScreenItem>> draw_and_record(App& app, const std::vector<std::string>& strings,
                                                                const std::string& language, std::size_t batch,
                                                                ScreenRecord& last) {
  std::vector<std::pair<std::string, ScreenItem>> found;
  std::size_t next = 0, drawn_from = 0, drawn_to = 0;
  app.run([&](Frame& f) {
    // The record of the previous frame holds the batch it drew.
    if (drawn_to > drawn_from) {
      const ScreenRecord& rec = app.last_record();
      for (std::size_t i = drawn_from; i < drawn_to; ++i) {
        const ScreenItem* item = find_item(rec, strings[i]);
        if (item) found.emplace_back(strings[i], *item);
      }
      last = rec;
    }
    if (next >= strings.size()) {
      app.quit(0);
      return;
    }
    f.set_language(language);
    drawn_from = next;
    for (; next < strings.size() && next < drawn_from + batch; ++next) f.text(strings[next], TextStyle::Small);
    drawn_to = next;
    f.animate();
  });
  return found;
}

void expect_sentence_like_hb_shape(App& app, const std::string& sentence, const std::string& language) {
  ScreenRecord rec;
  auto found = draw_and_record(app, {sentence}, language, 1, rec);
  ASSERT_EQ(found.size(), 1u) << language << ": \"" << sentence << "\" not recorded on screen";
  EXPECT_TRUE(expect_drawn_like_hb_shape(app, rec, found[0].second, sentence, language))
      << language << ": the sentence wrapped; it should fit one line";
}

}  // namespace

TEST_F(TextOnScreen, PunjabiSentenceIsDrawnAsHbShapeShapesIt) {
  auto app = App::create(options(1920, 1080));
  ASSERT_TRUE(app.ok()) << app.error().message;
  expect_sentence_like_hb_shape(*app.value(), kPunjabi, "pa");
}

TEST_F(TextOnScreen, HindiSentenceIsDrawnAsHbShapeShapesIt) {
  auto app = App::create(options(1920, 1080));
  ASSERT_TRUE(app.ok()) << app.error().message;
  expect_sentence_like_hb_shape(*app.value(), kHindi, "hi");
}

TEST_F(TextOnScreen, UrduSentenceIsDrawnAsHbShapeShapesIt) {
  auto app = App::create(options(1920, 1080));
  ASSERT_TRUE(app.ok()) << app.error().message;
  expect_sentence_like_hb_shape(*app.value(), kUrdu, "ur");
}

TEST_F(TextOnScreen, FrenchSentenceIsDrawnAsHbShapeShapesIt) {
  auto app = App::create(options(1920, 1080));
  ASSERT_TRUE(app.ok()) << app.error().message;
  expect_sentence_like_hb_shape(*app.value(), kFrench, "fr");
}

// Every translated kiosk string, on a screen wide enough for the longest on one line.
TEST_F(TextOnScreen, EveryTranslatedKioskStringIsDrawnAsHbShapeShapesIt) {
  for (const std::string language : {"pa", "hi", "ur", "fr"}) {
    auto app = App::create(options(3840, 1080));
    ASSERT_TRUE(app.ok()) << app.error().message;
    const auto strings = po_strings(language);
    ScreenRecord rec;
    auto found = draw_and_record(*app.value(), strings, language, 12, rec);
    EXPECT_EQ(found.size(), strings.size()) << language << ": strings missing from the automation record";
    int compared = 0;
    for (const auto& [s, item] : found) {
      if (expect_drawn_like_hb_shape(*app.value(), rec, item, s, language)) {
        ++compared;
      } else {
        ADD_FAILURE() << language << " \"" << s << "\" wrapped on a 3840 px screen";
      }
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_GE(compared, 20) << language << ": too few strings compared to mean anything";
  }
}

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<std::uint8_t> px;
  bool ink(int x, int y, Rgba bg) const {
    const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 4;
    return std::abs(px[i] - bg.r) + std::abs(px[i + 1] - bg.g) + std::abs(px[i + 2] - bg.b) > 60;
  }
};

Image read_png(const std::string& path) {
  Image out;
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) return out;
  img.format = PNG_FORMAT_RGBA;
  out.px.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, out.px.data(), 0, nullptr)) return {};
  out.w = static_cast<int>(img.width);
  out.h = static_cast<int>(img.height);
  return out;
}

// Leftmost and rightmost ink column inside a rectangle, and how many ink pixels; -1 when none.
struct Ink {
  int left = -1, right = -1, pixels = 0;
};
Ink ink_in(const Image& img, const Rect& r, Rgba bg) {
  Ink out;
  for (int y = std::max(0, static_cast<int>(r.y)); y < std::min(img.h, static_cast<int>(r.y + r.h)); ++y) {
    for (int x = std::max(0, static_cast<int>(r.x)); x < std::min(img.w, static_cast<int>(r.x + r.w)); ++x) {
      if (!img.ink(x, y, bg)) continue;
      ++out.pixels;
      if (out.left < 0 || x < out.left) out.left = x;
      out.right = std::max(out.right, x);
    }
  }
  return out;
}

}  // namespace

// Urdu starts on the right (Align::Left is the start of the line), Gurmukhi has ink and no boxes,
// English stays on the left, and an Urdu tile grid fills from the right.
TEST_F(TextOnScreen, UrduIsRightAlignedAndGurmukhiHasInk) {
  auto created = App::create(options(800, 600));
  ASSERT_TRUE(created.ok()) << created.error().message;
  App& app = *created.value();
  int frame = 0;
  ScreenRecord rec;
  app.run([&](Frame& f) {
    if (++frame == 3) {
      rec = app.last_record();
      app.quit(0);
      return;
    }
    if (frame == 2) app.screenshot("text.png");
    f.text("Hello", TextStyle::Body);
    f.set_language("ur");
    f.text("آپ کا ٹوکن", TextStyle::Body);
    f.tile_grid({{"ایک", "", true, ""}, {"دو", "", true, ""}}, 3);
    f.set_language("pa");
    f.text("ਤੁਹਾਡਾ ਟੋਕਨ", TextStyle::Body);
    f.animate();
  });
  const Image img = read_png((dir_ / "text.png").string());
  ASSERT_GT(img.w, 0) << "no screenshot";
  const Rgba bg = app.theme().colors.background;
  const float pad = app.theme().sizes.padding * static_cast<float>(img.h) / 1080.0f;
  const float content_right = static_cast<float>(img.w) - pad;

  const ScreenItem* english = find_item(rec, "Hello");
  const ScreenItem* urdu = find_item(rec, "آپ کا ٹوکن");
  const ScreenItem* punjabi = find_item(rec, "ਤੁਹਾਡਾ ਟੋਕਨ");
  const ScreenItem* one = find_item(rec, "ایک");
  const ScreenItem* two = find_item(rec, "دو");
  ASSERT_TRUE(english && urdu && punjabi && one && two);

  const Ink en = ink_in(img, english->rect, bg);
  ASSERT_GT(en.pixels, 0);
  EXPECT_LT(en.left, img.w / 4) << "English starts on the left";

  const Ink ur = ink_in(img, urdu->rect, bg);
  ASSERT_GT(ur.pixels, 0) << "no ink for the Urdu text";
  EXPECT_GT(ur.left, img.w / 2) << "Urdu text should start on the right";
  EXPECT_NEAR(static_cast<float>(ur.right), content_right, 8.0f) << "Urdu text should end at the content's right edge";

  EXPECT_GT(one->rect.x, two->rect.x) << "the first tile of an Urdu grid is on the right";
  EXPECT_GT(one->rect.x, static_cast<float>(img.w) / 2);

  const Ink pa = ink_in(img, punjabi->rect, bg);
  EXPECT_GT(pa.pixels, 100) << "Gurmukhi text without ink";
  text::LayoutOptions o;
  o.pixel_size = punjabi->glyphs.empty() ? 34 : punjabi->glyphs[0].pixel_size;
  o.language = "pa";
  EXPECT_EQ(app.text_engine().layout("ਤੁਹਾਡਾ ਟੋਕਨ", o)->missing, 0);
  ASSERT_FALSE(punjabi->glyphs.empty());
  for (const auto& g : punjabi->glyphs) EXPECT_NE(g.glyph, 0u) << "a box (.notdef) drawn for Gurmukhi";
  const auto gurmukhi = app.text_engine().fonts().face_for(text::Script::Gurmukhi);
  EXPECT_EQ(rec.faces.at(punjabi->glyphs[0].face), app.text_engine().fonts().info(gurmukhi).file);
}

// A screen drawn again costs no FreeType and no HarfBuzz: glyphs come from the atlas, layouts
// from the cache.
TEST_F(TextOnScreen, AtlasAndLayoutsAreReusedAcrossFrames) {
  auto created = App::create(options(800, 600));
  ASSERT_TRUE(created.ok()) << created.error().message;
  App& app = *created.value();
  int frame = 0;
  std::uint64_t rasterized_after_first = 0, shaped_after_first = 0;
  std::uint64_t rasterized_later = 0, shaped_later = 0;
  app.run([&](Frame& f) {
    ++frame;
    if (frame == 2) {
      rasterized_after_first = app.glyph_atlas().stats().rasterized;
      shaped_after_first = app.text_engine().shaped_runs();
    }
    if (frame == 5) {
      rasterized_later = app.glyph_atlas().stats().rasterized;
      shaped_later = app.text_engine().shaped_runs();
      app.quit(0);
      return;
    }
    f.set_language("ur");
    f.text(kUrdu, TextStyle::Heading);
    f.set_language("pa");
    f.text(kPunjabi, TextStyle::Body);
    f.set_language("hi");
    f.button(kHindi.substr(0, kHindi.find(' ')));
    f.animate();
  });
  EXPECT_GT(rasterized_after_first, 20u);
  EXPECT_GT(shaped_after_first, 0u);
  EXPECT_EQ(rasterized_later, rasterized_after_first) << "glyphs rasterized again on later frames";
  EXPECT_EQ(shaped_later, shaped_after_first) << "text shaped again on later frames";
  const auto stats = app.glyph_atlas().stats();
  EXPECT_GE(stats.pages, 1u);
  EXPECT_EQ(stats.glyphs, rasterized_after_first);
}

// An item that does not all show is marked cut for the automation: a button half scrolled out of
// its panel (its rectangle the part that shows), and a label too long for its button even in the
// smallest text. Whole items are not.
TEST_F(TextOnScreen, ItemsNotWhollyShownAreMarkedCut) {
  auto created = App::create(options(800, 600));
  ASSERT_TRUE(created.ok()) << created.error().message;
  App& app = *created.value();
  int frame = 0;
  ScreenRecord rec;
  app.run([&](Frame& f) {
    if (++frame == 3) {
      rec = app.last_record();
      app.quit(0);
      return;
    }
    const Rect c = f.content();
    f.set_cursor(c.x, c.y);
    f.begin_panel("short", 300, 150, false);
    const Vec2 top = f.cursor();
    f.button("Whole", ButtonKind::Secondary, 200, true, 60);
    f.set_cursor(top.x, top.y + 120);
    f.button("Half out", ButtonKind::Secondary, 200, true, 60);
    f.end_panel();
    f.set_cursor(c.x, c.y + 200);
    f.button("A label far too long for so small a button to hold at any size", ButtonKind::Secondary, 70, true, 30);
    f.button("Fits", ButtonKind::Primary, 200, true, 60);
    f.animate();
  });
  const ScreenItem* whole = find_item(rec, "Whole");
  const ScreenItem* half = find_item(rec, "Half out");
  const ScreenItem* tight = find_item(rec, "A label far too long for so small a button to hold at any size");
  const ScreenItem* fits = find_item(rec, "Fits");
  ASSERT_TRUE(whole && half && tight && fits);
  EXPECT_FALSE(whole->cut);
  EXPECT_FALSE(fits->cut);
  EXPECT_TRUE(half->cut);
  EXPECT_LT(half->rect.h, 60.0f) << "the rectangle is the part that shows";
  EXPECT_GT(half->rect.h, 0.0f);
  EXPECT_TRUE(tight->cut);
}

// The symbols the kit and the apps draw (navigation arrows, PIN dots, a tick, the rupee sign,
// dashes) have glyphs: the screen's fonts cover them, no box.
TEST_F(TextOnScreen, SymbolsTheScreensDrawHaveGlyphs) {
  auto app = App::create(options(800, 600));
  ASSERT_TRUE(app.ok()) << app.error().message;
  text::LayoutOptions o;
  o.pixel_size = 34;
  for (const std::string language : {"en", "ur"}) {
    o.language = language;
    auto layout =
        app.value()->text_engine().layout("\u2190 Back \u2192 \u25CF \u25CF \u2713 \u20B9 50 \u2013 \u2026", o);
    EXPECT_EQ(layout->missing, 0) << language;
    for (const auto& g : layout->glyphs) EXPECT_NE(g.glyph, 0u) << language;
  }
}

TEST(TextFonts, MissingScriptFontFailsAtStartNamingTheScript) {
  setenv("SDL_VIDEODRIVER", "offscreen", 1);
  AppOptions o;
  o.fonts = text::default_fonts();
  for (auto& f : o.fonts) {
    if (f.script == text::Script::Gurmukhi) f.families = {"Guichet No Such Family"};
  }
  auto app = App::create(o);
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.error().message.find("Gurmukhi"), std::string::npos) << app.error().message;
}

// The atlas on its own, on a software renderer: pages fill and new ones are added, a glyph
// larger than a page gets its own, idle pages over the budget are freed, and what is drawn from a
// page is the glyph's ink in the text's colour.
TEST(GlyphAtlasTest, PagesGrowEvictAndHoldTheGlyphs) {
  text::FontSet fonts;
  SDL_Surface* surface = SDL_CreateRGBSurfaceWithFormat(0, 256, 256, 32, SDL_PIXELFORMAT_ARGB8888);
  ASSERT_NE(surface, nullptr);
  SDL_Renderer* renderer = SDL_CreateSoftwareRenderer(surface);
  ASSERT_NE(renderer, nullptr);
  {
    GlyphAtlas atlas(renderer, fonts, 64, 2);
    const auto latin = static_cast<std::uint32_t>(fonts.face_for(text::Script::Latin));
    atlas.begin_frame();
    // Glyph ids 36.. are letters in any Latin font; 40 px glyphs: one or two to a 64 px page.
    for (std::uint32_t id = 36; id < 56; ++id) atlas.get(latin, id, 40);
    auto s = atlas.stats();
    EXPECT_EQ(s.rasterized, 20u);
    EXPECT_GT(s.pages, 2u) << "a full page should make a new one";
    const auto again = atlas.get(latin, 36, 40);
    EXPECT_EQ(atlas.stats().rasterized, 20u) << "a glyph held is not rasterized again";

    // Over budget: the next frame frees the pages this one did not use.
    atlas.begin_frame();
    atlas.get(latin, 43, 40);
    atlas.begin_frame();
    s = atlas.stats();
    EXPECT_LE(s.pages, 2u);
    EXPECT_GT(s.evicted_pages, 0u);
    const std::uint64_t before = s.rasterized;
    atlas.get(latin, 43, 40);
    EXPECT_EQ(atlas.stats().rasterized, before) << "the glyph used last frame must have been kept";

    // Larger than a page: a page of its own size.
    const auto& big = atlas.get(latin, 36, 200);
    ASSERT_GE(big.page, 0);
    EXPECT_GT(big.h, 64);

    // Drawn in red: red ink where the glyph is, nothing else.
    const auto& g = atlas.get(latin, 36, 40);
    ASSERT_GE(g.page, 0);
    ASSERT_GT(g.w, 0);
    SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255);
    SDL_RenderClear(renderer);
    SDL_Texture* tex = atlas.texture(g.page);
    SDL_SetTextureColorMod(tex, 255, 0, 0);
    SDL_Rect src{g.x, g.y, g.w, g.h}, dst{10, 10, g.w, g.h};
    SDL_RenderCopy(renderer, tex, &src, &dst);
    SDL_RenderPresent(renderer);
    int red = 0, other = 0;
    auto* px = static_cast<std::uint32_t*>(surface->pixels);
    for (int i = 0; i < surface->w * surface->h; ++i) {
      const std::uint32_t p = px[i] & 0xFFFFFF;
      if (p == 0) continue;
      if ((p & 0xFFFF) == 0) {
        ++red;
      } else {
        ++other;
      }
    }
    EXPECT_GT(red, 20) << "no ink from the atlas";
    EXPECT_EQ(other, 0) << "ink not tinted with the colour";
    (void)again;
  }
  SDL_DestroyRenderer(renderer);
  SDL_FreeSurface(surface);
}
