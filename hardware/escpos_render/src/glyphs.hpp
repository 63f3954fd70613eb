// Character cells of the printer's two fonts, drawn by FreeType from a monospace TrueType font.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "guichet/hardware/error.hpp"

namespace guichet::hardware::escpos_render {

enum class PrinterFont { a, b };

struct FontCell {
  int width;
  int height;
  int pixel_size;  // FreeType em size that fills the cell with a monospace font
};

// Epson's receipt fonts: A is 12×24 dots, B is 9×17.
inline constexpr FontCell kFontA{12, 24, 20};
inline constexpr FontCell kFontB{9, 17, 15};

inline const FontCell& cell_of(PrinterFont f) { return f == PrinterFont::a ? kFontA : kFontB; }

// One character cell: width × height, 1 = ink.
struct GlyphCell {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> ink;
  bool missing = false;  // the font has no glyph for the character: this is its fallback box

  bool at(int x, int y) const { return ink[static_cast<std::size_t>(y * width + x)] != 0; }
};

class GlyphCache {
 public:
  static Result<std::unique_ptr<GlyphCache>> load(const std::filesystem::path& font);
  ~GlyphCache();
  GlyphCache(const GlyphCache&) = delete;
  GlyphCache& operator=(const GlyphCache&) = delete;

  const GlyphCell& glyph(PrinterFont font, char32_t c);

 private:
  GlyphCache() = default;
  GlyphCell draw(PrinterFont font, char32_t c);

  struct FreeType;
  std::unique_ptr<FreeType> ft_;
  std::map<std::pair<PrinterFont, char32_t>, GlyphCell> cells_;
};

}  // namespace guichet::hardware::escpos_render
