#include "guichet/text/layout.hpp"

#include <fribidi.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include <algorithm>
#include <cmath>

namespace guichet::text {

namespace {

struct Char {
  char32_t cp = 0;
  std::uint32_t byte = 0;  // offset in the UTF-8 text
};

// Decodes UTF-8; a malformed sequence becomes one U+FFFD per bad byte.
std::vector<Char> decode(std::string_view s) {
  std::vector<Char> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    char32_t cp = 0xFFFD;
    std::size_t len = 1;
    auto cont = [&](std::size_t k) {
      return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    };
    auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
    if (b0 < 0x80) {
      cp = b0;
    } else if (b0 >= 0xC2 && b0 < 0xE0 && cont(1)) {
      cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | byte(1);
      len = 2;
    } else if (b0 >= 0xE0 && b0 < 0xF0 && cont(1) && cont(2)) {
      cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (byte(1) << 6) | byte(2);
      len = 3;
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    } else if (b0 >= 0xF0 && b0 < 0xF5 && cont(1) && cont(2) && cont(3)) {
      cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
      len = 4;
      if (cp < 0x10000 || cp > 0x10FFFF) cp = 0xFFFD;
    }
    out.push_back({cp, static_cast<std::uint32_t>(i)});
    i += len;
  }
  return out;
}

Script our_script(hb_script_t s) {
  switch (s) {
    case HB_SCRIPT_GURMUKHI:
      return Script::Gurmukhi;
    case HB_SCRIPT_DEVANAGARI:
      return Script::Devanagari;
    case HB_SCRIPT_ARABIC:
      return Script::Arabic;
    default:
      return Script::Latin;
  }
}

bool is_letter(hb_unicode_funcs_t* u, char32_t c) {
  switch (hb_unicode_general_category(u, c)) {
    case HB_UNICODE_GENERAL_CATEGORY_LOWERCASE_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_MODIFIER_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_OTHER_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_TITLECASE_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_UPPERCASE_LETTER:
      return true;
    default:
      return false;
  }
}

bool weak_script(hb_script_t s) { return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN; }

// A run of characters with one bidi level, one script and one face.
struct Run {
  std::size_t begin = 0, end = 0;  // character indexes
  int level = 0;
  hb_script_t script = HB_SCRIPT_COMMON;
  std::size_t face = 0;
};

struct Shaped {
  std::vector<PlacedGlyph> glyphs;  // visual order within the run; x relative to the run
  float width = 0;
};

}  // namespace

TextEngine::TextEngine(FontSet& fonts, std::size_t cache_entries)
    : fonts_(fonts), capacity_(std::max<std::size_t>(cache_entries, 1)) {}

std::uint64_t TextEngine::shaped_runs() const {
  std::lock_guard guard(mu_);
  return shaped_runs_;
}

void TextEngine::clear_cache() {
  std::lock_guard guard(mu_);
  cache_.clear();
  order_.clear();
}

std::shared_ptr<const Layout> TextEngine::layout(std::string_view utf8, const LayoutOptions& o) {
  std::string key;
  key.reserve(utf8.size() + 48);
  key += std::to_string(o.pixel_size) + '|' + std::to_string(o.max_width) + '|' +
         std::to_string(static_cast<int>(o.direction)) + '|' + std::to_string(static_cast<int>(o.align)) + '|' +
         o.language + '|' + std::to_string(o.line_spacing) + '|';
  key += utf8;
  {
    std::lock_guard guard(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      order_.splice(order_.begin(), order_, it->second.pos);
      return it->second.layout;
    }
  }
  std::shared_ptr<const Layout> made = build(utf8, o);
  std::lock_guard guard(mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.layout;
  order_.push_front(key);
  cache_.emplace(std::move(key), Entry{made, order_.begin()});
  while (cache_.size() > capacity_) {
    cache_.erase(order_.back());
    order_.pop_back();
  }
  return made;
}

std::shared_ptr<Layout> TextEngine::build(std::string_view utf8, const LayoutOptions& o) {
  auto out = std::make_shared<Layout>();
  const std::vector<Char> all = decode(utf8);
  hb_unicode_funcs_t* ufuncs = hb_unicode_funcs_get_default();
  const Script lang_script = script_of_language(o.language);
  hb_language_t hb_lang =
      o.language.empty() ? hb_language_get_default() : hb_language_from_string(o.language.c_str(), -1);
  const std::size_t lang_face = fonts_.face_for(lang_script);
  std::uint64_t runs_shaped = 0;

  float top = 0;
  bool first_paragraph = true;
  std::size_t p_begin = 0;
  while (p_begin <= all.size()) {
    std::size_t p_end = p_begin;
    while (p_end < all.size() && all[p_end].cp != U'\n') ++p_end;
    const std::size_t n = p_end - p_begin;
    const std::uint32_t p_byte_end = p_end < all.size() ? all[p_end].byte : static_cast<std::uint32_t>(utf8.size());

    // Bidi levels of the paragraph.
    std::vector<FriBidiChar> text(n);
    for (std::size_t i = 0; i < n; ++i) text[i] = all[p_begin + i].cp;
    std::vector<FriBidiCharType> types(n);
    std::vector<FriBidiBracketType> brackets(n);
    std::vector<FriBidiLevel> levels(n);
    FriBidiParType base = o.direction == Direction::LeftToRight   ? FRIBIDI_PAR_LTR
                          : o.direction == Direction::RightToLeft ? FRIBIDI_PAR_RTL
                                                                  : FRIBIDI_PAR_ON;
    if (n > 0) {
      fribidi_get_bidi_types(text.data(), static_cast<FriBidiStrIndex>(n), types.data());
      fribidi_get_bracket_types(text.data(), static_cast<FriBidiStrIndex>(n), types.data(), brackets.data());
      if (!fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(), static_cast<FriBidiStrIndex>(n), &base,
                                               levels.data())) {
        std::fill(levels.begin(), levels.end(), FriBidiLevel{0});
      }
    }
    const bool rtl = base == FRIBIDI_PAR_RTL || (base != FRIBIDI_PAR_LTR && FRIBIDI_IS_RTL(base));
    if (first_paragraph) out->rtl = rtl;

    // Scripts: weak characters (spaces, digits, punctuation, marks) take the script around them.
    std::vector<hb_script_t> scripts(n);
    hb_script_t last = HB_SCRIPT_COMMON;
    for (std::size_t i = 0; i < n; ++i) {
      hb_script_t s = hb_unicode_script(ufuncs, text[i]);
      if (weak_script(s)) {
        scripts[i] = last;
      } else {
        scripts[i] = last = s;
      }
    }
    hb_script_t next = HB_SCRIPT_COMMON;
    for (std::size_t i = n; i-- > 0;) {
      if (weak_script(scripts[i])) {
        scripts[i] = next;
      } else {
        next = scripts[i];
      }
    }
    // Faces: the script's face when it has the character, else any face that has it. A mark
    // stays with its base's face when that face has it.
    std::vector<std::size_t> faces(n);
    for (std::size_t i = 0; i < n; ++i) {
      const char32_t c = text[i];
      const std::size_t preferred = weak_script(scripts[i]) ? lang_face : fonts_.face_for(our_script(scripts[i]));
      const bool mark = hb_unicode_general_category(ufuncs, c) == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
                        c == 0x200C || c == 0x200D;
      std::size_t f = fonts_.size();
      if (mark && i > 0 && fonts_.has_glyph(faces[i - 1], c)) f = faces[i - 1];
      if (f == fonts_.size()) f = fonts_.face_with(c, preferred < fonts_.size() ? preferred : lang_face);
      if (f == fonts_.size()) {
        if (c != U' ' && c != 0x200B && c != 0x200C && c != 0x200D) ++out->missing;
        f = preferred < fonts_.size() ? preferred : (lang_face < fonts_.size() ? lang_face : 0);
      }
      faces[i] = f;
    }

    auto make_runs = [&](std::size_t a, std::size_t b) {
      std::vector<Run> runs;
      for (std::size_t i = a; i < b; ++i) {
        if (runs.empty() || runs.back().level != levels[i] || runs.back().script != scripts[i] ||
            runs.back().face != faces[i]) {
          runs.push_back({i, i + 1, levels[i], scripts[i], faces[i]});
        } else {
          runs.back().end = i + 1;
        }
      }
      return runs;
    };

    // Shapes characters [a, b) of a run, with the rest of [ctx_a, ctx_b) as context.
    auto shape = [&](const Run& r, std::size_t ctx_a, std::size_t ctx_b) {
      Shaped s;
      hb_buffer_t* buf = hb_buffer_create();
      hb_buffer_add_utf32(buf, reinterpret_cast<const std::uint32_t*>(text.data() + ctx_a),
                          static_cast<int>(ctx_b - ctx_a), static_cast<unsigned>(r.begin - ctx_a),
                          static_cast<int>(r.end - r.begin));
      hb_buffer_set_direction(buf, (r.level & 1) ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
      hb_buffer_set_script(buf, weak_script(r.script) ? HB_SCRIPT_LATIN : r.script);
      hb_buffer_set_language(buf, hb_lang);
      hb_buffer_set_cluster_level(buf, HB_BUFFER_CLUSTER_LEVEL_MONOTONE_GRAPHEMES);
      auto* font = static_cast<hb_font_t*>(fonts_.hb_font(r.face, o.pixel_size));
      hb_shape(font, buf, nullptr, 0);
      ++runs_shaped;
      unsigned count = 0;
      hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &count);
      hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &count);
      float pen = 0;
      for (unsigned g = 0; g < count; ++g) {
        PlacedGlyph pg;
        pg.face = static_cast<std::uint32_t>(r.face);
        pg.glyph = info[g].codepoint;
        // Clusters are character indexes in the context; make them byte offsets in the text.
        pg.cluster = all[p_begin + ctx_a + info[g].cluster].byte;
        pg.advance = static_cast<float>(pos[g].x_advance) / 64.0f;
        pg.x_offset = static_cast<float>(pos[g].x_offset) / 64.0f;
        pg.y_offset = static_cast<float>(pos[g].y_offset) / 64.0f;
        pg.x = pen + pg.x_offset;
        pen += pg.advance;
        s.glyphs.push_back(pg);
      }
      s.width = pen;
      hb_buffer_destroy(buf);
      return s;
    };

    // Width of each character, from the whole paragraph shaped once (for line breaking).
    std::vector<float> widths(n, 0.0f);
    std::vector<bool> cluster_start(n + 1, false);
    cluster_start[0] = cluster_start[n] = true;
    if (o.max_width > 0 && n > 0) {
      for (const Run& r : make_runs(0, n)) {
        Shaped s = shape(r, 0, n);
        for (const auto& g : s.glyphs) {
          // Back from byte offset to character index within the paragraph.
          auto it = std::lower_bound(all.begin() + static_cast<long>(p_begin), all.begin() + static_cast<long>(p_end),
                                     g.cluster, [](const Char& c, std::uint32_t b) { return c.byte < b; });
          const std::size_t ci = static_cast<std::size_t>(it - all.begin()) - p_begin;
          if (ci < n) {
            widths[ci] += g.advance;
            cluster_start[ci] = true;
          }
        }
      }
    }

    // Line breaks (character indexes where a new line starts).
    std::vector<std::size_t> starts{0};
    if (o.max_width > 0 && n > 0) {
      std::size_t line_start = 0, last_break = 0;
      float w = 0;  // width from line_start
      float upto_break = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool space = text[i] == U' ' || text[i] == 0x200B;
        if (!space && w + widths[i] > o.max_width && i > line_start) {
          std::size_t brk = last_break > line_start ? last_break : 0;
          if (brk == 0) {  // no space in the line: break between clusters
            brk = i;
            while (brk > line_start + 1 && !cluster_start[brk]) --brk;
            upto_break = 0;
            for (std::size_t k = line_start; k < brk; ++k) upto_break += widths[k];
          }
          starts.push_back(brk);
          line_start = brk;
          last_break = brk;
          w -= upto_break;
          upto_break = w;
        }
        w += widths[i];
        const bool opportunity = space || (text[i] == U'-' && i > line_start && is_letter(ufuncs, text[i - 1]));
        if (opportunity) {
          last_break = i + 1;
          upto_break = w;
        }
      }
    }
    starts.push_back(n);

    for (std::size_t li = 0; li + 1 < starts.size(); ++li) {
      const std::size_t a = starts[li], b = starts[li + 1];
      LayoutLine line;
      line.rtl = rtl;
      line.text_begin = a < n ? all[p_begin + a].byte : p_byte_end;
      line.text_end = b < n ? all[p_begin + b].byte : p_byte_end;
      line.first_glyph = out->glyphs.size();
      // Trailing spaces do not count toward the line's width.
      std::size_t ink_end = b;
      while (ink_end > a && (text[ink_end - 1] == U' ' || text[ink_end - 1] == 0x200B)) --ink_end;
      std::vector<Run> runs = make_runs(a, ink_end);
      // Visual order of the runs (rule L2): reverse every sequence at level >= k, for k from the
      // highest level down to the lowest odd one.
      int max_level = 0, min_odd = 127;
      for (const Run& r : runs) {
        max_level = std::max(max_level, r.level);
        if (r.level & 1) min_odd = std::min(min_odd, r.level);
      }
      std::vector<std::size_t> order(runs.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      for (int k = max_level; k >= min_odd && k > 0; --k) {
        for (std::size_t i = 0; i < order.size();) {
          if (runs[order[i]].level >= k) {
            std::size_t j = i;
            while (j < order.size() && runs[order[j]].level >= k) ++j;
            std::reverse(order.begin() + static_cast<long>(i), order.begin() + static_cast<long>(j));
            i = j;
          } else {
            ++i;
          }
        }
      }
      float ascent = 0, descent = 0, gap = 0;
      std::vector<std::size_t> used_faces;
      for (const Run& r : runs) used_faces.push_back(r.face);
      if (used_faces.empty()) used_faces.push_back(lang_face < fonts_.size() ? lang_face : 0);
      for (std::size_t f : used_faces) {
        if (f >= fonts_.size()) continue;
        auto m = fonts_.metrics(f, o.pixel_size);
        ascent = std::max(ascent, m.ascent);
        descent = std::max(descent, m.descent);
        gap = std::max(gap, m.line_gap);
      }
      float pen = 0;
      for (std::size_t idx : order) {
        Shaped s = shape(runs[idx], a, ink_end);
        LayoutRun lr;
        lr.first_glyph = out->glyphs.size();
        lr.glyph_count = s.glyphs.size();
        lr.text_begin = all[p_begin + runs[idx].begin].byte;
        lr.text_end = runs[idx].end < n ? all[p_begin + runs[idx].end].byte : p_byte_end;
        lr.face = static_cast<std::uint32_t>(runs[idx].face);
        lr.rtl = (runs[idx].level & 1) != 0;
        out->runs.push_back(lr);
        for (auto& g : s.glyphs) {
          g.x += pen;
          out->glyphs.push_back(g);
        }
        pen += s.width;
      }
      line.glyph_count = out->glyphs.size() - line.first_glyph;
      line.width = pen;
      line.top = top;
      line.baseline = top + ascent;
      line.height = (ascent + descent + gap) * o.line_spacing;
      top += line.height;
      out->lines.push_back(line);
    }
    first_paragraph = false;
    if (p_end >= all.size()) break;
    p_begin = p_end + 1;
  }

  // Alignment, and absolute positions.
  float width = o.max_width;
  if (width <= 0) {
    for (const auto& l : out->lines) width = std::max(width, l.width);
  }
  out->width = width;
  out->height = top;
  for (auto& l : out->lines) {
    const float room = std::max(0.0f, width - l.width);
    const bool start_is_left = !l.rtl;
    switch (o.align) {
      case Align::Start:
        l.left = start_is_left ? 0 : room;
        break;
      case Align::End:
        l.left = start_is_left ? room : 0;
        break;
      case Align::Center:
        l.left = std::floor(room / 2);
        break;
    }
    for (std::size_t g = l.first_glyph; g < l.first_glyph + l.glyph_count; ++g) {
      out->glyphs[g].x += l.left;
      out->glyphs[g].y = l.baseline - out->glyphs[g].y_offset;
    }
  }
  std::lock_guard guard(mu_);
  shaped_runs_ += runs_shaped;
  return out;
}

GrayImage rasterize(FontSet& fonts, const Layout& layout, int pixel_size, int padding) {
  GrayImage img;
  img.width = static_cast<int>(std::ceil(layout.width)) + 2 * padding;
  img.height = static_cast<int>(std::ceil(layout.height)) + 2 * padding;
  img.width = std::max(img.width, 1);
  img.height = std::max(img.height, 1);
  img.pixels.assign(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height), 0);
  std::lock_guard guard(fonts.lock());
  for (const auto& g : layout.glyphs) {
    auto face = static_cast<FT_Face>(fonts.ft_face(g.face, pixel_size));
    if (FT_Load_Glyph(face, g.glyph, FT_LOAD_DEFAULT | FT_LOAD_NO_HINTING) != 0) continue;
    if (FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL) != 0) continue;
    const FT_Bitmap& bm = face->glyph->bitmap;
    const int x0 = padding + static_cast<int>(std::lround(g.x)) + face->glyph->bitmap_left;
    const int y0 = padding + static_cast<int>(std::lround(g.y)) - face->glyph->bitmap_top;
    for (unsigned row = 0; row < bm.rows; ++row) {
      const int y = y0 + static_cast<int>(row);
      if (y < 0 || y >= img.height) continue;
      for (unsigned col = 0; col < bm.width; ++col) {
        const int x = x0 + static_cast<int>(col);
        if (x < 0 || x >= img.width) continue;
        const std::uint8_t v = bm.buffer[static_cast<long>(row) * bm.pitch + static_cast<long>(col)];
        auto& px =
            img.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)];
        px = std::max(px, v);
      }
    }
  }
  return img;
}

bool rasterize_glyph(FontSet& fonts, std::size_t face, std::uint32_t glyph, int pixel_size, GlyphBitmap& out) {
  out = GlyphBitmap{};
  std::lock_guard guard(fonts.lock());
  auto ft = static_cast<FT_Face>(fonts.ft_face(face, pixel_size));
  // The same flags as rasterize(): no hinting, so the ink sits where HarfBuzz's positions say.
  if (FT_Load_Glyph(ft, glyph, FT_LOAD_DEFAULT | FT_LOAD_NO_HINTING) != 0) return false;
  if (FT_Render_Glyph(ft->glyph, FT_RENDER_MODE_NORMAL) != 0) return false;
  const FT_Bitmap& bm = ft->glyph->bitmap;
  out.left = ft->glyph->bitmap_left;
  out.top = ft->glyph->bitmap_top;
  out.image.width = static_cast<int>(bm.width);
  out.image.height = static_cast<int>(bm.rows);
  out.image.pixels.assign(static_cast<std::size_t>(bm.width) * bm.rows, 0);
  for (unsigned row = 0; row < bm.rows; ++row) {
    const unsigned char* src = bm.buffer + static_cast<long>(row) * bm.pitch;
    for (unsigned col = 0; col < bm.width; ++col) {
      std::uint8_t v = 0;
      if (bm.pixel_mode == FT_PIXEL_MODE_MONO) {
        // Bitmap-only fonts at small sizes come as one bit per pixel.
        v = (src[col / 8] & (0x80 >> (col % 8))) ? 255 : 0;
      } else if (bm.pixel_mode == FT_PIXEL_MODE_GRAY) {
        v = src[col];
      } else {
        return false;  // colour glyphs (emoji) are not among the scripts Guichet draws
      }
      out.image.pixels[static_cast<std::size_t>(row) * bm.width + col] = v;
    }
  }
  return true;
}

}  // namespace guichet::text
