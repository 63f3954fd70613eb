// The text engine against HarfBuzz's own reference (hb-shape, same font, same size), and the
// things people see: right-to-left order, numbers and Latin names inside Urdu, fallback between
// fonts, line breaks, the cache, ink on paper.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "guichet/testing/shaping.hpp"
#include "guichet/text/layout.hpp"

namespace guichet::text {
namespace {

using guichet::testing::hb_shape;
using guichet::testing::po_strings;

FontSet& fonts() {
  static FontSet set;  // the defaults, found through fontconfig
  return set;
}

std::size_t char_index(const std::string& text, std::uint32_t byte) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < byte && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Every translated string, run by run (one bidi direction, one script, one font), must be glyph
// for glyph, position for position, what hb-shape gives for that font, direction and context.
void expect_same_as_hb_shape(const std::string& language) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.pixel_size = 24;
  o.language = language;
  int compared = 0;
  for (const std::string& s : po_strings(language)) {
    auto layout = engine.layout(s, o);
    ASSERT_EQ(layout->missing, 0) << language << ": no font draws part of \"" << s << "\"";
    ASSERT_EQ(layout->lines.size(), 1u);
    const auto& line = layout->lines[0];
    std::size_t glyphs = 0;
    for (const auto& run : layout->runs) {
      const std::string text = s.substr(run.text_begin, run.text_end - run.text_begin);
      // HarfBuzz sees the rest of the line (without trailing spaces) as context.
      const std::string before = s.substr(line.text_begin, run.text_begin - line.text_begin);
      std::string after = s.substr(run.text_end, line.text_end - run.text_end);
      while (!after.empty() && after.back() == ' ') after.pop_back();
      nlohmann::json ref =
          hb_shape(fonts().info(run.face).file, text, o.pixel_size, language, run.rtl ? "rtl" : "ltr", before, after);
      ASSERT_TRUE(ref.is_array()) << "hb-shape failed for \"" << text << "\": " << ref.dump();
      ASSERT_EQ(ref.size(), run.glyph_count) << language << " \"" << s << "\" run \"" << text << "\"";
      for (std::size_t i = 0; i < ref.size(); ++i) {
        const auto& g = layout->glyphs[run.first_glyph + i];
        SCOPED_TRACE(language + " \"" + s + "\" run \"" + text + "\" glyph " + std::to_string(i));
        EXPECT_EQ(ref[i]["g"].get<std::uint32_t>(), g.glyph);
        EXPECT_EQ(ref[i]["ax"].get<int>(), static_cast<int>(std::lround(g.advance * 64)));
        EXPECT_EQ(ref[i]["dx"].get<int>(), static_cast<int>(std::lround(g.x_offset * 64)));
        EXPECT_EQ(ref[i]["dy"].get<int>(), static_cast<int>(std::lround(g.y_offset * 64)));
        EXPECT_EQ(ref[i]["cl"].get<std::size_t>(), char_index(s, g.cluster) - char_index(s, run.text_begin));
      }
      glyphs += run.glyph_count;
    }
    EXPECT_EQ(glyphs, layout->glyphs.size()) << "glyphs outside any run";
    ++compared;
  }
  EXPECT_GE(compared, 20) << language << ": too few strings compared to mean anything";
}

TEST(TextEngineReference, PunjabiStringsShapeLikeHbShape) { expect_same_as_hb_shape("pa"); }
TEST(TextEngineReference, HindiStringsShapeLikeHbShape) { expect_same_as_hb_shape("hi"); }
TEST(TextEngineReference, UrduStringsShapeLikeHbShape) { expect_same_as_hb_shape("ur"); }
TEST(TextEngineReference, FrenchStringsShapeLikeHbShape) { expect_same_as_hb_shape("fr"); }

TEST(TextEngine, ConjunctsAndVowelSignsAreShapedNotDrawnLetterByLetter) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "hi";
  // "प्र" is one conjunct: fewer glyphs than characters; "कि" puts the i-sign before the consonant.
  auto conjunct = engine.layout("प्र", o);
  EXPECT_LT(conjunct->glyphs.size(), 3u);
  auto ki = engine.layout("कि", o);
  ASSERT_EQ(ki->glyphs.size(), 2u);
  EXPECT_LT(ki->glyphs[0].x, ki->glyphs[1].x);
  // Visually first is the vowel sign (cluster of the whole syllable, drawn left of the consonant).
  EXPECT_EQ(ki->glyphs[0].glyph,
            hb_shape(fonts().info(ki->glyphs[0].face).file, "कि", 24, "hi")[0]["g"].get<std::uint32_t>());
}

TEST(TextEngine, UrduRunsRightToLeftWithNumbersAndLatinNamesLeftToRight) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "ur";
  const std::string text = "ٹوکن A042 کاؤنٹر 5";  // "token A042 counter 5"
  auto layout = engine.layout(text, o);
  ASSERT_EQ(layout->missing, 0);
  EXPECT_TRUE(layout->rtl);
  ASSERT_EQ(layout->lines.size(), 1u);
  // Find where each logical piece lands: the first word (ٹوکن) is rightmost; "A042" reads left to
  // right (A left of 0 left of 4 left of 2); "5" is leftmost, at the end of the sentence.
  auto x_of = [&](const std::string& piece, std::size_t nth_char) {
    const std::size_t byte = text.find(piece);
    std::size_t b = byte;
    for (std::size_t k = 0; k < nth_char; ++k) {
      ++b;
      while (b < text.size() && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) ++b;
    }
    for (const auto& g : layout->glyphs) {
      if (g.cluster == b) return g.x;
    }
    ADD_FAILURE() << "no glyph for byte " << b;
    return 0.0f;
  };
  EXPECT_LT(x_of("A042", 0), x_of("A042", 1));
  EXPECT_LT(x_of("A042", 1), x_of("A042", 2));
  EXPECT_LT(x_of("A042", 2), x_of("A042", 3));
  EXPECT_GT(x_of("ٹوکن", 0), x_of("A042", 3));
  EXPECT_LT(x_of("5", 0), x_of("کاؤنٹر", 0));
  // Right-aligned by default: the line ends at the layout's right edge.
  EXPECT_NEAR(layout->lines[0].left + layout->lines[0].width, layout->width, 0.5);
}

TEST(TextEngine, LatinInsideGurmukhiFallsBackToAFontThatHasIt) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "pa";
  auto layout = engine.layout("ਰਸੀਦ LDH01-K1-000042", o);
  EXPECT_EQ(layout->missing, 0);
  std::set<Script> scripts;
  for (const auto& g : layout->glyphs) {
    EXPECT_NE(g.glyph, 0u) << "a box at byte " << g.cluster;
    scripts.insert(fonts().info(g.face).script);
  }
  EXPECT_TRUE(scripts.count(Script::Gurmukhi));
  // Glyphs advance left to right without overlap of whole glyph boxes.
  for (std::size_t i = 1; i < layout->glyphs.size(); ++i) {
    EXPECT_GE(layout->glyphs[i].x - layout->glyphs[i].x_offset + 0.01f,
              layout->glyphs[i - 1].x - layout->glyphs[i - 1].x_offset);
  }
}

TEST(TextEngine, CharactersNoFontHasAreCounted) {
  TextEngine engine(fonts());
  auto layout = engine.layout("ಕನ್ನಡ", {});  // Kannada: not a script the centre's fonts carry
  EXPECT_GT(layout->missing, 0);
}

TEST(TextEngine, BreaksLinesAtSpacesWithinTheWidth) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "en";
  o.pixel_size = 20;
  o.max_width = 200;
  const std::string text = "Please bring your Aadhaar card and a passport size photograph to counter five";
  auto layout = engine.layout(text, o);
  ASSERT_GT(layout->lines.size(), 2u);
  for (const auto& line : layout->lines) {
    EXPECT_LE(line.width, o.max_width + 0.01f);
    // Every line but the last ends at a space: no word is cut.
    if (line.text_end < text.size()) {
      EXPECT_EQ(text[line.text_end - 1], ' ') << text.substr(line.text_begin);
    }
    EXPECT_GT(line.baseline, line.top);
  }
  for (std::size_t i = 1; i < layout->lines.size(); ++i) {
    EXPECT_GE(layout->lines[i].top, layout->lines[i - 1].top + layout->lines[i - 1].height - 0.01f);
    EXPECT_EQ(layout->lines[i].text_begin, layout->lines[i - 1].text_end);
  }
  // A word longer than the line is broken, never left overflowing.
  o.max_width = 60;
  auto long_word = engine.layout("Ludhiana", o);
  ASSERT_GT(long_word->lines.size(), 1u);
  for (const auto& line : long_word->lines) EXPECT_LE(line.width, 60.01f);
}

TEST(TextEngine, UrduWrapsRightAligned) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "ur";
  o.max_width = 260;
  auto layout = engine.layout("براہ کرم اپنی باری کا انتظار کریں، آپ کا ٹوکن نمبر جلد پکارا جائے گا", o);
  ASSERT_GT(layout->lines.size(), 1u);
  for (const auto& line : layout->lines) {
    EXPECT_TRUE(line.rtl);
    EXPECT_LE(line.width, o.max_width + 0.01f);
    EXPECT_NEAR(line.left + line.width, o.max_width, 0.5);
  }
}

TEST(TextEngine, TheSameTextIsShapedOnce) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "pa";
  auto first = engine.layout("ਆਪਣੀ ਭਾਸ਼ਾ ਚੁਣੋ", o);
  const auto runs = engine.shaped_runs();
  EXPECT_GT(runs, 0u);
  for (int frame = 0; frame < 100; ++frame) EXPECT_EQ(engine.layout("ਆਪਣੀ ਭਾਸ਼ਾ ਚੁਣੋ", o), first);
  EXPECT_EQ(engine.shaped_runs(), runs);
  o.pixel_size = 32;  // another size is another layout
  EXPECT_NE(engine.layout("ਆਪਣੀ ਭਾਸ਼ਾ ਚੁਣੋ", o), first);
}

TEST(TextEngine, MalformedUtf8IsDrawnAsReplacementCharacters) {
  TextEngine engine(fonts());
  auto layout = engine.layout(std::string("ab\xff\xfe") + "c", {});
  EXPECT_GE(layout->glyphs.size(), 3u);
}

TEST(Rasterize, PutsInkWhereTheGlyphsAre) {
  TextEngine engine(fonts());
  LayoutOptions o;
  o.language = "pa";
  o.pixel_size = 32;
  auto layout = engine.layout("ਪੰਜਾਬੀ", o);
  GrayImage img = rasterize(fonts(), *layout, o.pixel_size, 4);
  ASSERT_GT(img.width, 40);
  ASSERT_GT(img.height, 20);
  long ink = 0;
  int min_x = img.width, max_x = 0;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (img.at(x, y) > 128) {
        ++ink;
        min_x = std::min(min_x, x);
        max_x = std::max(max_x, x);
      }
    }
  }
  EXPECT_GT(ink, 200);
  EXPECT_LT(min_x, 12);              // starts near the left edge
  EXPECT_GT(max_x, img.width - 14);  // and reaches the right one
  for (int x = 0; x < img.width; ++x) EXPECT_EQ(img.at(x, 0), 0) << "padding row is paper";
}

TEST(Fonts, MissingFontsAreReportedWithTheirScript) {
  try {
    FontSet set(std::vector<ScriptFonts>{{Script::Gurmukhi, {"No Such Gurmukhi Font"}}});
    FAIL() << "a missing font was not reported";
  } catch (const FontError& e) {
    EXPECT_NE(std::string(e.what()).find("no font for Gurmukhi (looked for No Such Gurmukhi Font)"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(script_of_language("pa"), Script::Gurmukhi);
  EXPECT_EQ(script_of_language("hi-IN"), Script::Devanagari);
  EXPECT_EQ(script_of_language("ur"), Script::Arabic);
  EXPECT_EQ(script_of_language("fr"), Script::Latin);
  EXPECT_EQ(fonts().size(), 4u);
  EXPECT_EQ(fonts().info(fonts().face_for(Script::Arabic)).family, "Noto Nastaliq Urdu");
}

}  // namespace
}  // namespace guichet::text
