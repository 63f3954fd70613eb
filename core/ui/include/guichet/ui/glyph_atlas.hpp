// Glyphs on the GPU (or in the software renderer's memory): every glyph the screen draws, at the
// pixel size it is drawn at, rasterized once with FreeType and kept in a page of a texture atlas.
// Text is then drawn as one textured quad per glyph, tinted with the text's colour, so a screen
// full of shaped text costs no FreeType work after its first frame.
//
// Pages are SDL textures (white, coverage in alpha), filled shelf by shelf; a new page is added
// when one is full. No CPU copy of a page is kept: a glyph's pixels are uploaded once and dropped.
// Past `max_pages`, pages that the previous frame did not use are destroyed at the start of the
// next frame (their glyphs are rasterized again if they come back); pages used by the frame being
// drawn are never touched, since its draw list still points into them.
#pragma once

#include <SDL.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "guichet/text/fonts.hpp"

namespace guichet::ui {

class GlyphAtlas {
 public:
  struct Glyph {
    int page = -1;                         // -1: nothing to draw (a space, or a glyph FreeType refused)
    int x = 0, y = 0, w = 0, h = 0;        // pixels in the page
    int left = 0, top = 0;                 // from the glyph's origin on the baseline to its top-left pixel
    float u0 = 0, v0 = 0, u1 = 0, v1 = 0;  // the same rectangle in texture coordinates
  };
  struct Stats {
    std::uint64_t rasterized = 0;  // glyphs drawn by FreeType so far (a cached glyph costs none)
    std::uint64_t evicted_pages = 0;
    std::size_t pages = 0;   // live pages
    std::size_t glyphs = 0;  // glyphs held
    std::size_t bytes = 0;   // texture memory of the live pages (4 bytes a pixel)
  };

  GlyphAtlas(SDL_Renderer* renderer, text::FontSet& fonts, int page_size = 512, int max_pages = 8);
  ~GlyphAtlas();
  GlyphAtlas(const GlyphAtlas&) = delete;
  GlyphAtlas& operator=(const GlyphAtlas&) = delete;

  // Call before drawing a frame: frees pages over the budget that the last frame did not use.
  void begin_frame();
  // The glyph, rasterized and uploaded on first use. The reference is valid until the next
  // begin_frame().
  const Glyph& get(std::uint32_t face, std::uint32_t glyph, int pixel_size);
  SDL_Texture* texture(int page) const;
  int page_size() const { return page_size_; }
  Stats stats() const;
  // Drops every page (the renderer is going away, or a theme changed every size).
  void clear();

 private:
  struct Shelf {
    int y = 0, h = 0, x = 0;
  };
  struct Page {
    SDL_Texture* texture = nullptr;
    int w = 0, h = 0;
    std::vector<Shelf> shelves;
    std::uint64_t last_used = 0;  // frame number
  };
  bool place(Page& page, int w, int h, int& x, int& y);
  int new_page(int min_w, int min_h);

  SDL_Renderer* renderer_;
  text::FontSet& fonts_;
  int page_size_;
  int max_pages_;
  std::vector<std::unique_ptr<Page>> pages_;  // null: a freed slot
  std::unordered_map<std::uint64_t, Glyph> glyphs_;
  std::uint64_t frame_ = 0;
  Stats stats_;
};

}  // namespace guichet::ui
