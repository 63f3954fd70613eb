#include "glyphs.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>

namespace guichet::hardware::escpos_render {

struct GlyphCache::FreeType {
  FT_Library library = nullptr;
  FT_Face face = nullptr;

  ~FreeType() {
    if (face) FT_Done_Face(face);
    if (library) FT_Done_FreeType(library);
  }
};

GlyphCache::~GlyphCache() = default;

Result<std::unique_ptr<GlyphCache>> GlyphCache::load(const std::filesystem::path& font) {
  std::unique_ptr<GlyphCache> cache(new GlyphCache());
  cache->ft_ = std::make_unique<FreeType>();
  if (FT_Init_FreeType(&cache->ft_->library) != 0) {
    return Error{ErrorKind::render, "cannot initialise FreeType"};
  }
  if (FT_New_Face(cache->ft_->library, font.c_str(), 0, &cache->ft_->face) != 0) {
    return Error{ErrorKind::render, "cannot load font " + font.string()};
  }
  if (!FT_IS_FIXED_WIDTH(cache->ft_->face)) {
    return Error{ErrorKind::render, "font " + font.string() + " is not monospaced; printer fonts are"};
  }
  return cache;
}

const GlyphCell& GlyphCache::glyph(PrinterFont font, char32_t c) {
  auto key = std::make_pair(font, c);
  auto it = cells_.find(key);
  if (it == cells_.end()) it = cells_.emplace(key, draw(font, c)).first;
  return it->second;
}

GlyphCell GlyphCache::draw(PrinterFont font, char32_t c) {
  const FontCell& cell = cell_of(font);
  GlyphCell out;
  out.width = cell.width;
  out.height = cell.height;
  out.ink.assign(static_cast<std::size_t>(cell.width * cell.height), 0);
  if (c == U' ') return out;

  FT_Face face = ft_->face;
  FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(cell.pixel_size));
  FT_UInt index = FT_Get_Char_Index(face, c);
  out.missing = index == 0;
  // A thermal head prints dots or nothing: render 1-bit with hinting for monochrome output.
  if (FT_Load_Glyph(face, index, FT_LOAD_RENDER | FT_LOAD_TARGET_MONO) != 0) {
    out.missing = true;
    return out;
  }
  const FT_GlyphSlot slot = face->glyph;
  const FT_Bitmap& bm = slot->bitmap;
  const int ascender = static_cast<int>(face->size->metrics.ascender >> 6);
  const int descender = static_cast<int>(-face->size->metrics.descender >> 6);
  const int baseline = std::clamp(ascender + (cell.height - ascender - descender) / 2, 0, cell.height);
  const int advance = static_cast<int>(slot->advance.x >> 6);
  const int x0 = slot->bitmap_left + (cell.width - advance) / 2;
  const int y0 = baseline - slot->bitmap_top;
  for (unsigned row = 0; row < bm.rows; ++row) {
    for (unsigned col = 0; col < bm.width; ++col) {
      bool on = false;
      const unsigned char* line = bm.buffer + static_cast<std::ptrdiff_t>(row) * bm.pitch;
      if (bm.pixel_mode == FT_PIXEL_MODE_MONO) {
        on = (line[col / 8] & (0x80u >> (col % 8))) != 0;
      } else if (bm.pixel_mode == FT_PIXEL_MODE_GRAY) {
        on = line[col] >= 128;
      }
      const int x = x0 + static_cast<int>(col);
      const int y = y0 + static_cast<int>(row);
      if (on && x >= 0 && y >= 0 && x < cell.width && y < cell.height) {
        out.ink[static_cast<std::size_t>(y * cell.width + x)] = 1;
      }
    }
  }
  return out;
}

}  // namespace guichet::hardware::escpos_render
