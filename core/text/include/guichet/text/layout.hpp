// Text layout: UTF-8 in, positioned glyphs out. Bidirectional text (Unicode Bidirectional
// Algorithm, FriBidi), script runs with a font per script and fallback to any font that has the
// character, shaping with HarfBuzz (conjuncts, vowel signs, joined Arabic letters), line breaking
// within a width, alignment. Layouts are cached: the screen asks for the same text every frame
// and shapes it once.
//
// Line breaking: the languages Guichet serves separate words with spaces, so a line breaks after a
// space (or a zero-width space, or a hyphen after a letter); a word longer than the line breaks
// between grapheme clusters (never inside a conjunct or between a letter and its marks). Each line
// is shaped on its own, so letters that join across a break take their line-end forms.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "guichet/text/fonts.hpp"

namespace guichet::text {

enum class Direction { Auto, LeftToRight, RightToLeft };
enum class Align { Start, Center, End };  // Start: left in left-to-right text, right in right-to-left

struct LayoutOptions {
  int pixel_size = 24;
  float max_width = 0;                    // 0: no wrapping, each paragraph on one line
  Direction direction = Direction::Auto;  // Auto: from the first strong character (default LTR)
  Align align = Align::Start;
  std::string language;  // "pa", "hi", "ur", "en", "fr": its script's font first, its shaping rules
  float line_spacing = 1.0f;
};

struct PlacedGlyph {
  std::uint32_t face = 0;     // index in the FontSet
  std::uint32_t glyph = 0;    // glyph id in that face (0: the font has none: a box)
  std::uint32_t cluster = 0;  // byte offset in the text of the characters it draws
  float x = 0, y = 0;         // glyph origin on its baseline, from the layout's top left (y down)
  float advance = 0;
  float x_offset = 0, y_offset = 0;  // HarfBuzz's offsets, already included in x and y
};

// One shaped run: characters of one bidi level, one script and one face, shaped together.
struct LayoutRun {
  std::size_t first_glyph = 0, glyph_count = 0;
  std::size_t text_begin = 0, text_end = 0;  // byte range of its characters
  std::uint32_t face = 0;
  bool rtl = false;
};

struct LayoutLine {
  std::size_t first_glyph = 0, glyph_count = 0;
  std::size_t text_begin = 0, text_end = 0;  // byte range of the text on this line
  float left = 0;                            // x where the line's ink starts (alignment)
  float width = 0;                           // without trailing spaces
  float top = 0, baseline = 0, height = 0;
  bool rtl = false;  // the paragraph's direction
};

struct Layout {
  std::vector<PlacedGlyph> glyphs;  // line by line, each line in visual order left to right
  std::vector<LayoutLine> lines;
  std::vector<LayoutRun> runs;  // in visual order, line by line
  float width = 0, height = 0;
  bool rtl = false;  // direction of the first paragraph
  int missing = 0;   // characters no font has (drawn as boxes)
};

class TextEngine {
 public:
  explicit TextEngine(FontSet& fonts, std::size_t cache_entries = 2048);
  // Lays out `utf8` (invalid bytes are shown as U+FFFD). '\n' starts a new paragraph. The same
  // text with the same options returns the same cached Layout.
  std::shared_ptr<const Layout> layout(std::string_view utf8, const LayoutOptions& options);
  FontSet& fonts() { return fonts_; }
  // HarfBuzz runs shaped so far: a cached layout shapes nothing.
  std::uint64_t shaped_runs() const;
  void clear_cache();

 private:
  std::shared_ptr<Layout> build(std::string_view utf8, const LayoutOptions& options);
  FontSet& fonts_;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> order_;  // most recent first
  struct Entry {
    std::shared_ptr<const Layout> layout;
    std::list<std::string>::iterator pos;
  };
  std::unordered_map<std::string, Entry> cache_;
  std::uint64_t shaped_runs_ = 0;
};

// An 8-bit coverage image: 0 is paper (or background), 255 full ink.
struct GrayImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // row by row
  std::uint8_t at(int x, int y) const {
    return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)];
  }
};

// Draws a layout with FreeType at the size it was laid out with (the receipt printer sends it as a
// raster image; certificates later). `padding` pixels of paper around it.
GrayImage rasterize(FontSet& fonts, const Layout& layout, int pixel_size, int padding = 0);

// One glyph's coverage, as FreeType draws it at a pixel size (the same way rasterize() does), with
// where it goes: its top-left pixel is (origin.x + left, origin.y - top), the origin being the
// glyph's point on the baseline. A glyph without ink (a space) has an empty image. Screens keep
// these in a texture atlas and draw them many times.
struct GlyphBitmap {
  GrayImage image;
  int left = 0, top = 0;
};
// False when FreeType cannot load or render the glyph (a damaged font).
bool rasterize_glyph(FontSet& fonts, std::size_t face, std::uint32_t glyph, int pixel_size, GlyphBitmap& out);

}  // namespace guichet::text
