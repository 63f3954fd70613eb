#include "guichet/ui/glyph_atlas.hpp"

#include <algorithm>

#include "guichet/text/layout.hpp"

namespace guichet::ui {

namespace {

// Face, glyph id and size in one key: faces and sizes are small numbers, glyph ids 16 bits in
// OpenType (kept at 32 here).
std::uint64_t key_of(std::uint32_t face, std::uint32_t glyph, int pixel_size) {
  return (static_cast<std::uint64_t>(face & 0xFFF) << 52) |
         (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pixel_size) & 0xFFFFF) << 32) | glyph;
}

constexpr int kPad = 1;  // transparent pixels around each glyph: no bleeding between neighbours

}  // namespace

GlyphAtlas::GlyphAtlas(SDL_Renderer* renderer, text::FontSet& fonts, int page_size, int max_pages)
    : renderer_(renderer), fonts_(fonts), page_size_(std::max(64, page_size)), max_pages_(std::max(1, max_pages)) {}

GlyphAtlas::~GlyphAtlas() { clear(); }

void GlyphAtlas::clear() {
  for (auto& p : pages_) {
    if (p && p->texture) SDL_DestroyTexture(p->texture);
  }
  pages_.clear();
  glyphs_.clear();
}

void GlyphAtlas::begin_frame() {
  ++frame_;
  std::size_t live = 0;
  for (const auto& p : pages_) live += p ? 1 : 0;
  if (live <= static_cast<std::size_t>(max_pages_)) return;
  // Over budget: free the pages the last frame did not draw from, oldest first, until within it.
  std::vector<int> idle;
  for (std::size_t i = 0; i < pages_.size(); ++i) {
    if (pages_[i] && pages_[i]->last_used + 1 < frame_) idle.push_back(static_cast<int>(i));
  }
  std::sort(idle.begin(), idle.end(), [&](int a, int b) { return pages_[a]->last_used < pages_[b]->last_used; });
  for (int i : idle) {
    if (live <= static_cast<std::size_t>(max_pages_)) break;
    SDL_DestroyTexture(pages_[i]->texture);
    pages_[i].reset();
    --live;
    ++stats_.evicted_pages;
    for (auto it = glyphs_.begin(); it != glyphs_.end();) {
      it = it->second.page == i ? glyphs_.erase(it) : std::next(it);
    }
  }
}

bool GlyphAtlas::place(Page& page, int w, int h, int& x, int& y) {
  // The first shelf that is tall enough without wasting more than a third of its height.
  for (auto& s : page.shelves) {
    if (h <= s.h && h * 3 >= s.h * 2 && s.x + w <= page.w) {
      x = s.x;
      y = s.y;
      s.x += w;
      return true;
    }
  }
  int top = page.shelves.empty() ? 0 : page.shelves.back().y + page.shelves.back().h;
  if (top + h > page.h || w > page.w) return false;
  page.shelves.push_back(Shelf{top, h, w});
  x = 0;
  y = top;
  return true;
}

int GlyphAtlas::new_page(int min_w, int min_h) {
  auto page = std::make_unique<Page>();
  // A glyph larger than a page (display sizes on a 4K screen) gets a page of its own size.
  page->w = std::max(page_size_, min_w);
  page->h = std::max(page_size_, min_h);
  page->texture = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, page->w, page->h);
  if (!page->texture) return -1;
  SDL_SetTextureBlendMode(page->texture, SDL_BLENDMODE_BLEND);
  // Glyphs are drawn at whole pixels, one texel per pixel: nearest sampling is exact and never
  // reaches into a neighbour.
  SDL_SetTextureScaleMode(page->texture, SDL_ScaleModeNearest);
  for (std::size_t i = 0; i < pages_.size(); ++i) {
    if (!pages_[i]) {
      pages_[i] = std::move(page);
      return static_cast<int>(i);
    }
  }
  pages_.push_back(std::move(page));
  return static_cast<int>(pages_.size() - 1);
}

const GlyphAtlas::Glyph& GlyphAtlas::get(std::uint32_t face, std::uint32_t glyph, int pixel_size) {
  const std::uint64_t key = key_of(face, glyph, pixel_size);
  auto found = glyphs_.find(key);
  if (found != glyphs_.end()) {
    if (found->second.page >= 0) pages_[static_cast<std::size_t>(found->second.page)]->last_used = frame_;
    return found->second;
  }
  Glyph& g = glyphs_[key];
  text::GlyphBitmap bm;
  ++stats_.rasterized;
  if (!text::rasterize_glyph(fonts_, face, glyph, pixel_size, bm) || bm.image.width == 0 || bm.image.height == 0) {
    return g;  // nothing to draw; remembered so it is not tried again every frame
  }
  const int w = bm.image.width + 2 * kPad, h = bm.image.height + 2 * kPad;
  int page = -1, x = 0, y = 0;
  // Newest pages first: older ones are usually full.
  for (int i = static_cast<int>(pages_.size()) - 1; i >= 0 && page < 0; --i) {
    if (pages_[static_cast<std::size_t>(i)] && place(*pages_[static_cast<std::size_t>(i)], w, h, x, y)) page = i;
  }
  if (page < 0) {
    page = new_page(w, h);
    if (page < 0 || !place(*pages_[static_cast<std::size_t>(page)], w, h, x, y)) {
      SDL_Log("guichet: cannot add a glyph page: %s", SDL_GetError());
      glyphs_.erase(key);
      static const Glyph none;
      return none;
    }
  }
  // White ink, coverage in alpha: the vertex colour tints it to the text's colour.
  std::vector<std::uint32_t> px(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0x00FFFFFFu);
  for (int r = 0; r < bm.image.height; ++r) {
    for (int c = 0; c < bm.image.width; ++c) {
      px[static_cast<std::size_t>(r + kPad) * static_cast<std::size_t>(w) + static_cast<std::size_t>(c + kPad)] =
          0x00FFFFFFu | (static_cast<std::uint32_t>(bm.image.at(c, r)) << 24);
    }
  }
  Page& p = *pages_[static_cast<std::size_t>(page)];
  SDL_Rect rect{x, y, w, h};
  if (SDL_UpdateTexture(p.texture, &rect, px.data(), w * 4) != 0) {
    SDL_Log("guichet: cannot upload a glyph: %s", SDL_GetError());
    return g;
  }
  p.last_used = frame_;
  g.page = page;
  g.x = x + kPad;
  g.y = y + kPad;
  g.w = bm.image.width;
  g.h = bm.image.height;
  g.left = bm.left;
  g.top = bm.top;
  g.u0 = static_cast<float>(g.x) / static_cast<float>(p.w);
  g.v0 = static_cast<float>(g.y) / static_cast<float>(p.h);
  g.u1 = static_cast<float>(g.x + g.w) / static_cast<float>(p.w);
  g.v1 = static_cast<float>(g.y + g.h) / static_cast<float>(p.h);
  return g;
}

SDL_Texture* GlyphAtlas::texture(int page) const {
  if (page < 0 || static_cast<std::size_t>(page) >= pages_.size() || !pages_[static_cast<std::size_t>(page)]) {
    return nullptr;
  }
  return pages_[static_cast<std::size_t>(page)]->texture;
}

GlyphAtlas::Stats GlyphAtlas::stats() const {
  Stats s = stats_;
  for (const auto& p : pages_) {
    if (!p) continue;
    ++s.pages;
    s.bytes += static_cast<std::size_t>(p->w) * static_cast<std::size_t>(p->h) * 4;
  }
  s.glyphs = glyphs_.size();
  return s;
}

}  // namespace guichet::ui
