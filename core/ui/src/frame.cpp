#include "guichet/ui/frame.hpp"

#include <imgui_internal.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <utility>

#include "internal.hpp"

namespace guichet::ui {

using detail::strip_id;
using detail::to_imu32;

namespace {

Rgba tone_color(const Theme& t, Tone tone) {
  switch (tone) {
    case Tone::Normal:
      return t.colors.text;
    case Tone::Muted:
      return t.colors.text_muted;
    case Tone::Accent:
      return t.colors.accent;
    case Tone::Danger:
      return t.colors.text_danger;
    case Tone::Success:
      return t.colors.text_success;
    case Tone::OnPrimary:
      return t.colors.primary_text;
  }
  return t.colors.text;
}

Rect rect_of(ImVec2 min, ImVec2 max) { return Rect{min.x, min.y, max.x - min.x, max.y - min.y}; }

// In a mirrored frame (Frame::set_mirrored) a logical x and the x on the screen of the same edge
// add up to this: the left and right edges of the current window.
float mirror_sum() {
  const ImGuiWindow* w = ImGui::GetCurrentWindow();
  return 2 * w->Pos.x + w->Size.x;
}

// A rectangle in logical coordinates as it is on the screen.
Rect on_screen(const detail::FrameContext& ctx, Rect r) {
  if (ctx.mirror) r.x = mirror_sum() - r.x - r.w;
  return r;
}

// A text as drawn: in a mirrored frame ← and → point the other way (the start of a line, and the
// way back, are on the right).
std::string shown_text(const detail::FrameContext& ctx, std::string_view s) {
  std::string out(s);
  if (!ctx.mirror) return out;
  // U+2190 ← and U+2192 → are E2 86 90 and E2 86 92 in UTF-8.
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] == '\xE2' && out[i + 1] == '\x86' && (out[i + 2] == '\x90' || out[i + 2] == '\x92')) {
      out[i + 2] = out[i + 2] == '\x90' ? '\x92' : '\x90';
      i += 2;
    }
  }
  return out;
}

// Where the next item `w` wide goes. ImGui lays items out from the cursor to the right; in a
// mirrored frame the cursor is logical: place() moves it to the item's mirrored place on the
// screen, and placed() (after the item) puts ImGui's "end of the last item" back in logical
// coordinates, so same_line() continues the row towards the left.
struct Placement {
  bool mirrored = false;
  float logical_x = 0;
};

Placement place(const detail::FrameContext& ctx, float w) {
  if (!ctx.mirror) return {};
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const float x = win->DC.CursorPos.x;
  win->DC.CursorPos.x = mirror_sum() - x - w;
  return {true, x};
}

void placed(const Placement& p, float w) {
  if (p.mirrored) ImGui::GetCurrentWindow()->DC.CursorPosPrevLine.x = p.logical_x + w;
}

// Records an item; for a control, true when it is the one pressed through Frame::press_next_frame.
bool record(detail::FrameContext& ctx, ScreenItem::Kind kind, std::string text, ImVec2 min, ImVec2 max,
            bool enabled = true, std::vector<DrawnGlyph> glyphs = {}, bool text_cut = false) {
  if (text.empty()) return false;
  // Items scrolled out of a panel or cut by its edge are not on screen for a person either.
  if (!ImGui::IsRectVisible(min, max)) return false;
  // Only the visible part counts: a tap aims at its centre, which must be on screen.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 cmin = dl->GetClipRectMin(), cmax = dl->GetClipRectMax();
  ImVec2 vmin(std::max(min.x, cmin.x), std::max(min.y, cmin.y));
  ImVec2 vmax(std::min(max.x, cmax.x), std::min(max.y, cmax.y));
  if (vmax.x <= vmin.x || vmax.y <= vmin.y) return false;
  bool pressed = false;
  if (kind == ScreenItem::Kind::Control && ctx.press && ctx.press->label == text) {
    // The same label counts in drawing order, as ControlRef::occurrence does.
    if (ctx.press_seen++ == ctx.press->occurrence) {
      pressed = enabled;
      ctx.press.reset();
    }
  }
  const bool cut = text_cut || vmin.x > min.x || vmin.y > min.y || vmax.x < max.x || vmax.y < max.y;
  ctx.record->items.push_back(ScreenItem{kind, std::move(text), rect_of(vmin, vmax), enabled, std::move(glyphs), cut});
  return pressed;
}

// A laid-out text at one pixel size. An empty text has no layout but still takes one line, so
// empty labels and fields keep their height.
struct Block {
  std::shared_ptr<const text::Layout> layout;
  int px = 0;
  float width = 0;   // widest line's ink
  float height = 0;  // all lines
  // How far the ink is drawn above the block's top: lines are spaced tighter than the fonts'
  // ascent + descent (Frame::line_height), and the ink is centred on each line rather than
  // pushed down by the font's full ascent.
  float raise = 0;
};

Block lay_out(detail::FrameContext& ctx, std::string_view s, int px, float max_width) {
  Block b;
  b.px = px;
  if (s.empty()) {
    b.height = static_cast<float>(px) * 1.15f;
    return b;
  }
  text::LayoutOptions o;
  o.pixel_size = px;
  o.max_width = max_width > 0 ? max_width : 0;
  o.language = ctx.language;
  o.line_spacing = ctx.text->spacing(px);
  // Alignment is done when drawing (draw_block), against the box and the screen's direction: the
  // layout only wraps, so one layout serves every alignment.
  o.align = text::Align::Start;
  b.layout = ctx.text->engine->layout(s, o);
  for (const auto& line : b.layout->lines) b.width = std::max(b.width, line.width);
  b.height = b.layout->height;
  if (o.line_spacing < 1 && !b.layout->lines.empty()) {
    b.raise = b.layout->lines[0].height * (1 / o.line_spacing - 1) / 2;
  }
  return b;
}

Block lay_out(detail::FrameContext& ctx, std::string_view s, TextStyle style, float max_width) {
  return lay_out(ctx, s, ctx.text_px[static_cast<int>(style)], max_width);
}

// True when a line of `b` ends inside a word: the line breaker found no break opportunity in a
// word wider than the box and cut it ("Effa|cer" on a narrow key).
bool breaks_a_word(const Block& b, std::string_view s) {
  if (!b.layout) return false;
  auto in_word = [](unsigned char c) { return c >= 0x80 || std::isalnum(c) != 0; };
  for (std::size_t i = 0; i + 1 < b.layout->lines.size(); ++i) {
    const std::size_t end = b.layout->lines[i].text_end;
    if (end == 0 || end >= s.size()) continue;
    if (in_word(static_cast<unsigned char>(s[end - 1])) && in_word(static_cast<unsigned char>(s[end]))) return true;
  }
  return false;
}

// Lays out a control's label no wider than `max_width`. When a word of it would be cut in two, the
// label may take `roomy_width` (the control's padding given up), then smaller sizes down to half
// the size asked for; below that the word is cut.
Block lay_out_words(detail::FrameContext& ctx, std::string_view s, TextStyle style, float max_width,
                    float roomy_width) {
  const int asked = ctx.text_px[static_cast<int>(style)];
  Block b = lay_out(ctx, s, asked, max_width);
  for (int px = asked; breaks_a_word(b, s) && px >= asked / 2; --px) {
    for (float w : {max_width, roomy_width}) {
      if (px == asked && w == max_width) continue;
      b = lay_out(ctx, s, px, w);
      if (!breaks_a_word(b, s)) break;
    }
  }
  return b;
}

// The ink of a block drawn with its top at 0: the top of its highest and the bottom of its lowest
// glyph, from the glyph atlas's boxes. Nothing when it draws no ink.
std::optional<std::pair<float, float>> ink_extent(detail::FrameContext& ctx, const Block& b) {
  if (!b.layout) return std::nullopt;
  GlyphAtlas& atlas = *ctx.text->atlas;
  std::optional<std::pair<float, float>> ink;
  for (const auto& g : b.layout->glyphs) {
    const GlyphAtlas::Glyph& e = atlas.get(g.face, g.glyph, b.px);
    if (e.page < 0 || e.h == 0) continue;
    const float top = std::round(g.y - b.raise) - static_cast<float>(e.top);
    const float bottom = top + static_cast<float>(e.h);
    ink = ink ? std::pair{std::min(ink->first, top), std::max(ink->second, bottom)} : std::pair{top, bottom};
  }
  return ink;
}

// Moves ink meant to span `ink_top`..`ink_bottom` so that it stays inside the box from `top`, `h`
// high; returns how far to move it. Lines are centred by their line box, which suits most scripts;
// a font whose line box is much taller than its letters (Noto Nastaliq Urdu keeps room for stacked
// dots) puts short words low, under a key's bottom edge: those are moved up, or centred on their
// ink when they cannot fit.
float keep_ink_inside(float ink_top, float ink_bottom, float top, float h) {
  const float margin = std::min(4.0f, h / 16);
  if (ink_bottom - ink_top > h - 2 * margin) return top + (h - (ink_bottom - ink_top)) / 2 - ink_top;
  if (ink_bottom > top + h - margin) return top + h - margin - ink_bottom;
  if (ink_top < top + margin) return top + margin - ink_top;
  return 0;
}

// A block meant to be drawn with its top at `y`, moved so its ink stays inside the box.
float ink_inside(detail::FrameContext& ctx, const Block& b, float y, float top, float h) {
  auto ink = ink_extent(ctx, b);
  return ink ? y + keep_ink_inside(y + ink->first, y + ink->second, top, h) : y;
}

// Where the ink goes: in a right-to-left language the start of a line is on the right.
Align visual(const detail::FrameContext& ctx, Align align) {
  if (!ctx.rtl || align == Align::Center) return align;
  return align == Align::Left ? Align::Right : Align::Left;
}

// Draws a block in a box `box_w` wide from `pos`, each line aligned on its own, as textured quads
// from the glyph atlas tinted with `color`. Returns the glyphs drawn, for automation.
std::vector<DrawnGlyph> draw_block(detail::FrameContext& ctx, ImDrawList* dl, const Block& b, ImVec2 pos, float box_w,
                                   Align align, ImU32 color) {
  std::vector<DrawnGlyph> drawn;
  if (!b.layout) return drawn;
  const Align a = visual(ctx, align);
  const float ox = std::floor(pos.x), oy = std::floor(pos.y - b.raise);
  GlyphAtlas& atlas = *ctx.text->atlas;
  drawn.reserve(b.layout->glyphs.size());
  SDL_Texture* current = nullptr;
  for (const auto& line : b.layout->lines) {
    float lx = 0;
    if (a == Align::Right) lx = std::max(0.0f, box_w - line.width);
    if (a == Align::Center) lx = std::max(0.0f, std::floor((box_w - line.width) / 2));
    for (std::size_t i = line.first_glyph; i < line.first_glyph + line.glyph_count; ++i) {
      const text::PlacedGlyph& g = b.layout->glyphs[i];
      const float gx = ox + lx + (g.x - line.left), gy = oy + g.y;
      drawn.push_back(DrawnGlyph{g.face, g.glyph, gx, gy, b.px});
      const GlyphAtlas::Glyph& e = atlas.get(g.face, g.glyph, b.px);
      if (e.page < 0) continue;
      SDL_Texture* tex = atlas.texture(e.page);
      if (tex != current) {
        if (current) dl->PopTextureID();
        dl->PushTextureID(reinterpret_cast<ImTextureID>(tex));
        current = tex;
      }
      // Whole pixels, as on paper (text::rasterize): the glyph's texels land one to one.
      const float x0 = static_cast<float>(std::lround(gx) + e.left);
      const float y0 = static_cast<float>(std::lround(gy) - e.top);
      dl->PrimReserve(6, 4);
      dl->PrimRectUV(ImVec2(x0, y0), ImVec2(x0 + static_cast<float>(e.w), y0 + static_cast<float>(e.h)),
                     ImVec2(e.u0, e.v0), ImVec2(e.u1, e.v1), color);
    }
  }
  if (current) dl->PopTextureID();
  return drawn;
}

}  // namespace

Clock::time_point Frame::now() const { return ctx_.now; }
void Frame::animate() { ctx_.animate = true; }
void Frame::redraw_at(Clock::time_point when) {
  if (!ctx_.redraw_at || when < *ctx_.redraw_at) ctx_.redraw_at = when;
}
Clock::time_point Frame::last_input() const { return ctx_.last_input; }

bool Frame::key_pressed(SDL_Keycode key, std::uint16_t mods) const {
  for (const auto& k : ctx_.keys) {
    if (k.key != key) continue;
    // Either Ctrl key counts as Ctrl, and so on.
    auto norm = [](std::uint16_t m) {
      std::uint16_t out = 0;
      if (m & KMOD_CTRL) out |= KMOD_CTRL;
      if (m & KMOD_SHIFT) out |= KMOD_SHIFT;
      if (m & KMOD_ALT) out |= KMOD_ALT;
      if (m & KMOD_GUI) out |= KMOD_GUI;
      return out;
    };
    if (norm(k.mods) == norm(mods)) return true;
  }
  return false;
}

const std::vector<TextEvent>& Frame::text_events() const { return ctx_.text_events; }
const Theme& Frame::theme() const { return *ctx_.theme; }
float Frame::scale() const { return ctx_.scale; }
Rect Frame::screen() const { return Rect{0, 0, static_cast<float>(ctx_.width), static_cast<float>(ctx_.height)}; }
Rect Frame::content() const {
  float p = ctx_.theme->sizes.padding * ctx_.scale;
  return Rect{p, p, ctx_.width - 2 * p, std::max(0.0f, ctx_.height - 2 * p - ctx_.bottom_reserve)};
}
void Frame::reserve_bottom(float height) { ctx_.bottom_reserve = std::max(0.0f, height); }
const ScreenRecord& Frame::drawn() const { return *ctx_.record; }
void Frame::press_next_frame(ControlRef ref) {
  if (ctx_.press_next) *ctx_.press_next = std::move(ref);
  animate();
}

Vec2 Frame::cursor() const {
  ImVec2 c = ImGui::GetCursorScreenPos();
  return {c.x, c.y};
}
void Frame::set_cursor(float x, float y) { ImGui::SetCursorScreenPos(ImVec2(x, y)); }
void Frame::same_line(float gap) { ImGui::SameLine(0, gap < 0 ? ctx_.theme->sizes.spacing * ctx_.scale : gap); }
void Frame::space(float height) {
  ImGui::Dummy(ImVec2(0, height < 0 ? ctx_.theme->sizes.spacing * ctx_.scale : height));
}
float Frame::available_width() const { return ImGui::GetContentRegionAvail().x; }

ImFont* Frame::font(TextStyle style) const { return ctx_.fonts[static_cast<int>(style)]; }

void Frame::set_language(std::string_view code) {
  ctx_.language = std::string(code);
  ctx_.rtl = text::script_of_language(code) == text::Script::Arabic;
}
const std::string& Frame::language() const { return ctx_.language; }
bool Frame::right_to_left() const { return ctx_.rtl; }
void Frame::set_mirrored(bool mirrored) { ctx_.mirror = mirrored; }
bool Frame::mirrored() const { return ctx_.mirror; }
Rect Frame::on_screen(const Rect& logical) const { return ui::on_screen(ctx_, logical); }
float Frame::text_size(TextStyle style) const { return static_cast<float>(ctx_.text_px[static_cast<int>(style)]); }
float Frame::line_height(TextStyle style) const { return text_size(style) * 1.15f; }

Vec2 Frame::measure(std::string_view text, TextStyle style, float wrap_width) const {
  Block b = lay_out(ctx_, text, style, wrap_width);
  return {b.width, b.height};
}

void Frame::text(std::string_view text_view, TextStyle style, Tone tone, Align align) {
  const std::string text = shown_text(ctx_, text_view);
  float width = std::max(1.0f, available_width());
  ImVec2 pos = ImGui::GetCursorScreenPos();
  Block b = lay_out(ctx_, text, style, width);
  // Text at the cursor's side takes only its own width, so same_line() can follow it; text drawn
  // at the other side (or at the start of a right-to-left line) needs the whole width to get there.
  const Align near_side = ctx_.mirror ? Align::Right : Align::Left;
  float item_w = visual(ctx_, align) == near_side ? std::min(width, b.width) : width;
  item_w = std::max(1.0f, item_w);
  const Placement p = place(ctx_, item_w);
  ImGui::Dummy(ImVec2(item_w, b.height));
  placed(p, item_w);
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  if (ctx_.mirror) pos.x = mirror_sum() - pos.x - width;
  auto glyphs =
      draw_block(ctx_, ImGui::GetWindowDrawList(), b, pos, width, align, to_imu32(tone_color(*ctx_.theme, tone)));
  record(ctx_, ScreenItem::Kind::Text, text, min, max, true, std::move(glyphs));
}

void Frame::text_in(const Rect& logical, std::string_view text_view, TextStyle style, Tone tone, Align align) {
  const Rect r = ui::on_screen(ctx_, logical);
  const std::string text = shown_text(ctx_, text_view);
  Block b = lay_out(ctx_, text, style, r.w);
  ImVec2 pos(r.x, r.y + std::max(0.0f, (r.h - b.height) / 2));
  auto glyphs =
      draw_block(ctx_, ImGui::GetWindowDrawList(), b, pos, r.w, align, to_imu32(tone_color(*ctx_.theme, tone)));
  record(ctx_, ScreenItem::Kind::Text, text, ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), true, std::move(glyphs));
}

void Frame::text_fit(const Rect& logical, std::string_view text_view, TextStyle style, Tone tone, Align align) {
  const Rect r = ui::on_screen(ctx_, logical);
  const std::string text = shown_text(ctx_, text_view);
  int px = ctx_.text_px[static_cast<int>(style)];
  Block b = lay_out(ctx_, text, px, 0);
  // Shrunk to the rectangle's width, then its height; shaping is not exactly linear in the size,
  // so a size that is still a little too wide steps down until it fits.
  if (b.width > r.w && b.width > 0) {
    px = std::max(4, static_cast<int>(std::floor(static_cast<float>(px) * r.w / b.width)));
    b = lay_out(ctx_, text, px, 0);
  }
  if (b.height > r.h && b.height > 0) {
    px = std::max(4, static_cast<int>(std::floor(static_cast<float>(px) * r.h / b.height)));
    b = lay_out(ctx_, text, px, 0);
  }
  while (px > 4 && (b.width > r.w || b.height > r.h)) b = lay_out(ctx_, text, --px, 0);
  ImVec2 pos(r.x, r.y + (r.h - b.height) / 2);
  auto glyphs =
      draw_block(ctx_, ImGui::GetWindowDrawList(), b, pos, r.w, align, to_imu32(tone_color(*ctx_.theme, tone)));
  record(ctx_, ScreenItem::Kind::Text, text, ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), true, std::move(glyphs));
}

void Frame::fill(const Rect& logical, Rgba color, float rounding) {
  const Rect r = ui::on_screen(ctx_, logical);
  float rr = rounding < 0 ? ctx_.theme->sizes.rounding * ctx_.scale : rounding;
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), to_imu32(color), rr);
}

namespace {

// The largest of Large, Body, Small in which every word of `text` fits `width`: labels shrink
// rather than break a word in the middle.
TextStyle fitting_style(detail::FrameContext& ctx, std::string_view text, float width) {
  for (TextStyle style : {TextStyle::Large, TextStyle::Body, TextStyle::Small}) {
    bool fits = true;
    std::size_t start = 0;
    while (fits && start <= text.size()) {
      std::size_t end = text.find_first_of(" \n", start);
      if (end == std::string_view::npos) end = text.size();
      if (lay_out(ctx, text.substr(start, end - start), style, 0).width > width) fits = false;
      start = end + 1;
    }
    if (fits) return style;
  }
  return TextStyle::Small;
}

bool draw_button(detail::FrameContext& ctx, std::string_view label, ButtonKind kind, float width, float height,
                 bool enabled, TextStyle largest = TextStyle::Large) {
  const Theme& t = *ctx.theme;
  const float s = ctx.scale;
  const std::string shown = shown_text(ctx, strip_id(label));
  const std::string id(label);
  Rgba bg = kind == ButtonKind::Primary  ? t.colors.primary
            : kind == ButtonKind::Danger ? t.colors.danger
                                         : t.colors.secondary;
  Rgba fg = kind == ButtonKind::Primary  ? t.colors.primary_text
            : kind == ButtonKind::Danger ? t.colors.danger_text
                                         : t.colors.secondary_text;
  float h = height > 0 ? height : t.sizes.button_height * s;
  float pad = t.sizes.spacing * s;
  float w = width;
  if (w <= 0) {
    // Sized to the label, and never narrower than a thumb-friendly target.
    w = lay_out(ctx, shown, TextStyle::Large, 0).width + 3 * pad;
    w = std::max(w, h * 1.6f);
  }
  TextStyle style = fitting_style(ctx, shown, w - pad);
  if (static_cast<int>(style) > static_cast<int>(largest)) style = largest;

  if (!enabled) ImGui::BeginDisabled();
  const Placement placement = place(ctx, w);
  bool clicked = ImGui::InvisibleButton(id.c_str(), ImVec2(w, h));
  placed(placement, w);
  bool held = ImGui::IsItemActive();
  if (!enabled) ImGui::EndDisabled();
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  Rgba fill_color = held ? t.colors.tile_pressed : bg;
  Rgba text_color = held ? t.colors.tile_text : fg;
  if (!enabled) {
    fill_color.a = 90;
    text_color.a = 140;
  }
  dl->AddRectFilled(min, max, to_imu32(fill_color), t.sizes.rounding * s);
  if (t.sizes.border > 0) dl->AddRect(min, max, to_imu32(t.colors.border), t.sizes.rounding * s, 0, t.sizes.border * s);
  float inner = w - pad;
  Block b = lay_out(ctx, shown, style, inner);
  // A label that wraps onto more lines than the button is tall ("Call specific [F8]" in three
  // lines) is set smaller rather than cut at the edges.
  while (b.height > h - pad / 4 && style != TextStyle::Small) {
    style = style == TextStyle::Large ? TextStyle::Body : TextStyle::Small;
    b = lay_out(ctx, shown, style, inner);
  }
  dl->PushClipRect(min, max, true);
  const float y = ink_inside(ctx, b, min.y + (h - b.height) / 2, min.y, h);
  auto glyphs = draw_block(ctx, dl, b, ImVec2(min.x + pad / 2, y), inner, Align::Center, to_imu32(text_color));
  dl->PopClipRect();
  // Even at the smallest size the label's ink is taller than the button, or a word wider: the
  // edge cuts it (line boxes may overhang where the ink does not).
  const auto ink = ink_extent(ctx, b);
  const bool text_cut = b.width > w + 0.5f || (ink && ink->second - ink->first > h + 0.5f);
  const bool pressed = record(ctx, ScreenItem::Kind::Control, shown, min, max, enabled, std::move(glyphs), text_cut);
  return enabled && (clicked || pressed);
}

}  // namespace

bool Frame::button(std::string_view label, ButtonKind kind, float width, bool enabled, float height,
                   TextStyle largest) {
  return draw_button(ctx_, label, kind, width, height, enabled, largest);
}

bool Frame::tile(const Tile& tile, float width, float height) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  float h = height > 0 ? height : t.sizes.tile_height * s;
  const std::string id = tile.id.empty() ? tile.label : tile.id;
  const std::string label_text = shown_text(ctx_, tile.label), detail_text = shown_text(ctx_, tile.detail);
  if (!tile.enabled) ImGui::BeginDisabled();
  const Placement placement = place(ctx_, width);
  bool clicked = ImGui::InvisibleButton(("##tile:" + id).c_str(), ImVec2(width, h));
  placed(placement, width);
  bool held = ImGui::IsItemActive();
  if (!tile.enabled) ImGui::EndDisabled();
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  Rgba bg = held ? t.colors.tile_pressed : t.colors.tile;
  Rgba fg = t.colors.tile_text;
  Rgba sub = t.colors.tile_subtext;
  Rgba edge = t.colors.border;
  if (!tile.enabled) {
    // Unavailable tiles keep full contrast but look plainly different: an outline on the
    // background instead of a filled tile (fading them would fail high-contrast themes).
    bg = t.colors.background;
    fg = sub = edge = t.colors.text_muted;
  }
  float r = t.sizes.rounding * s;
  dl->AddRectFilled(min, max, to_imu32(bg), r);
  if (t.sizes.border > 0) dl->AddRect(min, max, to_imu32(edge), r, 0, t.sizes.border * s);

  float pad = t.sizes.spacing * s;
  float inner = width - 2 * pad;
  const float roomy = width - pad / 2;
  Block label = lay_out_words(ctx_, label_text, TextStyle::Large, inner, roomy);
  Block detail = lay_out(ctx_, detail_text, TextStyle::Body, inner);
  auto detail_h = [&] { return tile.detail.empty() ? 0.0f : detail.height + pad / 3; };
  // A long label first makes its detail line smaller, then itself, rather than push text out of
  // the tile.
  if (label.height + detail_h() > h - pad / 2) detail = lay_out(ctx_, detail_text, TextStyle::Small, inner);
  if (label.height + detail_h() > h - pad / 2) label = lay_out_words(ctx_, label_text, TextStyle::Body, inner, roomy);
  const float lh = label.height, dh = detail_h();
  float y = min.y + std::max(pad / 4, (h - lh - dh) / 2);
  float detail_y = y + lh + pad / 3;
  if (tile.detail.empty()) {
    y = ink_inside(ctx_, label, y, min.y, h);
  } else if (auto li = ink_extent(ctx_, label), di = ink_extent(ctx_, detail); li && di) {
    // Stacked by their line boxes the two may not fit (tall Nastaliq lines): stacked by their ink
    // instead, then the pair kept inside the tile.
    if (y + li->first < min.y || detail_y + di->second > max.y) detail_y = y + li->second + pad / 4 - di->first;
    const float move = keep_ink_inside(y + li->first, detail_y + di->second, min.y, h);
    y += move;
    detail_y += move;
  }
  // Text that does not fit is cut at the tile's edge rather than spilling onto its neighbours.
  dl->PushClipRect(min, max, true);
  // A label that took the padding is centred on the whole tile.
  const float label_w = std::max(inner, label.width), label_x = min.x + (width - label_w) / 2;
  auto label_glyphs = draw_block(ctx_, dl, label, ImVec2(label_x, y), label_w, Align::Center, to_imu32(fg));
  std::vector<DrawnGlyph> detail_glyphs;
  if (!tile.detail.empty()) {
    detail_glyphs = draw_block(ctx_, dl, detail, ImVec2(min.x + pad, detail_y), inner, Align::Center, to_imu32(sub));
  }
  dl->PopClipRect();
  const bool pressed =
      record(ctx_, ScreenItem::Kind::Control, label_text, min, max, tile.enabled, std::move(label_glyphs));
  if (!tile.detail.empty()) {
    record(ctx_, ScreenItem::Kind::Text, detail_text, ImVec2(min.x, detail_y), ImVec2(max.x, detail_y + dh - pad / 3),
           true, std::move(detail_glyphs));
  }
  return tile.enabled && (clicked || pressed);
}

int Frame::tile_grid(const std::vector<Tile>& tiles, int columns, float tile_height) {
  if (tiles.empty()) return -1;
  columns = std::max(1, columns);
  const float gap = ctx_.theme->sizes.spacing * ctx_.scale;
  const float avail = available_width();
  const float w = std::floor((avail - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns));
  int tapped = -1;
  const std::size_t cols = static_cast<std::size_t>(columns);
  for (std::size_t row = 0; row < tiles.size(); row += cols) {
    const std::size_t n = std::min(cols, tiles.size() - row);
    // Right to left, a row fills from the right like the text in it: the first tile is on the
    // right, and a short last row leaves its gap on the left.
    // A mirrored frame does this by itself (the row runs from the right); otherwise right-to-left
    // text alone orders the row.
    const bool reverse = ctx_.rtl && !ctx_.mirror;
    if (reverse && n < cols) {
      const float empty = static_cast<float>(cols - n);
      ImGui::Dummy(ImVec2(empty * w + (empty - 1) * gap, 1));
      ImGui::SameLine(0, gap);
    }
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = row + (reverse ? n - 1 - k : k);
      if (k != 0) ImGui::SameLine(0, gap);
      if (tile(tiles[i], w, tile_height)) tapped = static_cast<int>(i);
    }
  }
  return tapped;
}

bool Frame::corner_control(std::string_view label, Corner corner) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  const std::string shown = shown_text(ctx_, strip_id(label));
  float size = t.sizes.corner_control * s;
  if (ctx_.mirror) {
    static constexpr Corner mirrored[] = {Corner::TopRight, Corner::TopLeft, Corner::BottomRight, Corner::BottomLeft};
    corner = mirrored[static_cast<int>(corner)];
  }
  Block b = lay_out(ctx_, shown, TextStyle::Small, 0);
  float w = std::max(size, b.width + size / 2);
  // Near the corner, and whole inside the window's clipping (ImGui clips half the padding off):
  // cut by it, the control would take touches on less than its size.
  const float margin = 8 * s;
  const ImVec2 cmin = ImGui::GetWindowDrawList()->GetClipRectMin(), cmax = ImGui::GetWindowDrawList()->GetClipRectMax();
  const bool left = corner == Corner::TopLeft || corner == Corner::BottomLeft;
  const bool top = corner == Corner::TopLeft || corner == Corner::TopRight;
  float x = left ? std::max(margin, cmin.x) : std::min(ctx_.width - w - margin, cmax.x - w);
  float y = top ? std::max(margin, cmin.y) : std::min(ctx_.height - size - margin, cmax.y - size);
  ImVec2 saved = ImGui::GetCursorScreenPos();
  ImGui::SetCursorScreenPos(ImVec2(x, y));
  bool clicked = ImGui::InvisibleButton(("##corner:" + std::string(label)).c_str(), ImVec2(w, size));
  bool held = ImGui::IsItemActive();
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // Discreet on purpose: visible to staff who know it is there, not inviting to citizens.
  Rgba fg = t.colors.text_muted;
  fg.a = held ? 255 : 110;
  if (held) dl->AddRectFilled(min, max, to_imu32(t.colors.secondary), t.sizes.rounding * s / 2);
  // The corner lies outside the window's padding, where ImGui clips: its label is clipped by its
  // own rectangle only (else a mirrored frame's left corner loses the first letter).
  dl->PushClipRect(min, max, false);
  auto glyphs = draw_block(ctx_, dl, b, ImVec2(min.x, min.y + (size - b.height) / 2), w, Align::Center, to_imu32(fg));
  dl->PopClipRect();
  const bool pressed = record(ctx_, ScreenItem::Kind::Control, shown, min, max, true, std::move(glyphs));
  ImGui::SetCursorScreenPos(saved);
  return clicked || pressed;
}

PadResult Frame::number_pad(std::string& value, const NumberPadOptions& options) {
  // Digits keep 1 2 3 from left to right in every language, as on phones and card terminals; the
  // pad is centred, so it stays in its place.
  const bool mirror = ctx_.mirror;
  ctx_.mirror = false;
  struct Restore {
    detail::FrameContext& ctx;
    bool mirror;
    ~Restore() { ctx.mirror = mirror; }
  } restore{ctx_, mirror};
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  const float key = t.sizes.pad_key * s;
  const float gap = t.sizes.spacing * s / 2;
  const float pad_w = 3 * key + 2 * gap;
  PadResult result = PadResult::None;

  // Keyboard and keypad input go to the pad too (staff often have a USB keypad).
  for (const auto& ev : ctx_.text_events) {
    for (char c : ev.text) {
      if (c >= '0' && c <= '9' && static_cast<int>(value.size()) < options.max_digits) {
        value += c;
        result = PadResult::Changed;
      }
    }
  }
  if ((key_pressed(SDLK_BACKSPACE) || key_pressed(SDLK_KP_BACKSPACE)) && !value.empty()) {
    value.pop_back();
    result = PadResult::Changed;
  }
  bool submit_key = key_pressed(SDLK_RETURN) || key_pressed(SDLK_KP_ENTER);
  bool cancel_key = !options.cancel_label.empty() && key_pressed(SDLK_ESCAPE);

  // The value field, centred over the keys.
  float x0 = ImGui::GetCursorScreenPos().x + std::max(0.0f, (available_width() - pad_w) / 2);
  ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
  ImVec2 fmin = ImGui::GetCursorScreenPos();
  ImVec2 fmax(fmin.x + pad_w, fmin.y + key * 0.8f);
  ImGui::Dummy(ImVec2(pad_w, key * 0.8f));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(fmin, fmax, to_imu32(t.colors.tile), t.sizes.rounding * s);
  std::string shown;
  if (options.mask) {
    for (std::size_t i = 0; i < value.size(); ++i) shown += i ? " \u25CF" : "\u25CF";
  } else {
    shown = value;
  }
  Block b = lay_out(ctx_, shown, TextStyle::Heading, 0);
  auto glyphs = draw_block(ctx_, dl, b, ImVec2(fmin.x, fmin.y + (fmax.y - fmin.y - b.height) / 2), pad_w, Align::Center,
                           to_imu32(t.colors.tile_text));
  if (!shown.empty()) record(ctx_, ScreenItem::Kind::Text, shown, fmin, fmax, true, std::move(glyphs));

  auto pad_key = [&](const std::string& label, ButtonKind kind) {
    return draw_button(ctx_, label + "##pad", kind, key, key * 0.8f, true);
  };
  static const char* rows[3][3] = {{"1", "2", "3"}, {"4", "5", "6"}, {"7", "8", "9"}};
  for (auto& row : rows) {
    ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
    for (int c = 0; c < 3; ++c) {
      if (c) ImGui::SameLine(0, gap);
      if (pad_key(row[c], ButtonKind::Secondary) && static_cast<int>(value.size()) < options.max_digits) {
        value += row[c];
        result = PadResult::Changed;
      }
    }
  }
  ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
  if (pad_key(options.erase_label, ButtonKind::Secondary) && !value.empty()) {
    value.pop_back();
    result = PadResult::Changed;
  }
  ImGui::SameLine(0, gap);
  if (pad_key("0", ButtonKind::Secondary) && static_cast<int>(value.size()) < options.max_digits) {
    value += '0';
    result = PadResult::Changed;
  }
  ImGui::SameLine(0, gap);
  if (pad_key(options.clear_label, ButtonKind::Secondary) && !value.empty()) {
    value.clear();
    result = PadResult::Changed;
  }
  ImGui::SetCursorScreenPos(ImVec2(x0, ImGui::GetCursorScreenPos().y));
  if (!options.cancel_label.empty()) {
    if (draw_button(ctx_, options.cancel_label + "##pad", ButtonKind::Secondary, (pad_w - gap) / 2, key * 0.8f, true)) {
      cancel_key = true;
    }
    ImGui::SameLine(0, gap);
  }
  float submit_w = options.cancel_label.empty() ? pad_w : (pad_w - gap) / 2;
  if (draw_button(ctx_, options.submit_label + "##pad", ButtonKind::Primary, submit_w, key * 0.8f, !value.empty())) {
    submit_key = true;
  }

  if (cancel_key) return PadResult::Cancelled;
  if (submit_key && !value.empty()) return PadResult::Submitted;
  return result;
}

int Frame::text_list(std::string_view id, const std::vector<std::string>& rows, float height, int selected) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  int tapped = -1;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(t.sizes.spacing * s / 2, t.sizes.spacing * s / 2));
  ImGui::BeginChild(std::string(id).c_str(), ImVec2(0, height), true);
  const float row_h = line_height(TextStyle::Body) + t.sizes.spacing * s;
  const float w = ImGui::GetContentRegionAvail().x;
  const float inset = t.sizes.spacing * s / 2;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ImGui::PushID(static_cast<int>(i));
    bool clicked = ImGui::InvisibleButton("##row", ImVec2(w, row_h));
    bool held = ImGui::IsItemActive();
    ImGui::PopID();
    ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
    bool is_sel = static_cast<int>(i) == selected;
    if (held || is_sel) {
      dl->AddRectFilled(min, max, to_imu32(held ? t.colors.tile_pressed : t.colors.primary), t.sizes.rounding * s / 2);
    }
    Rgba fg = (held || is_sel) ? t.colors.primary_text : t.colors.text;
    std::vector<DrawnGlyph> glyphs;
    // Rows scrolled out of view cost no layout.
    if (ImGui::IsRectVisible(min, max)) {
      Block b = lay_out(ctx_, rows[i], TextStyle::Body, 0);
      dl->PushClipRect(min, max, true);
      const float y = ink_inside(ctx_, b, min.y + (row_h - b.height) / 2, min.y, row_h);
      glyphs = draw_block(ctx_, dl, b, ImVec2(min.x + inset, y), w - 2 * inset, Align::Left, to_imu32(fg));
      dl->PopClipRect();
    }
    const bool pressed = record(ctx_, ScreenItem::Kind::Control, rows[i], min, max, true, std::move(glyphs));
    if (clicked || pressed) tapped = static_cast<int>(i);
  }
  ImGui::EndChild();
  ImGui::PopStyleVar();
  return tapped;
}

namespace {

// Where ImGui's editing of a field stands (byte offsets in its UTF-8 text); cursor -1 when the
// field is not being edited.
struct FieldState {
  int cursor = -1, sel_lo = 0, sel_hi = 0;
};

int field_state(ImGuiInputTextCallbackData* d) {
  auto* st = static_cast<FieldState*>(d->UserData);
  st->cursor = d->CursorPos;
  st->sel_lo = std::min(d->SelectionStart, d->SelectionEnd);
  st->sel_hi = std::max(d->SelectionStart, d->SelectionEnd);
  return 0;
}

// x of the caret before the character at `byte`, from the start of the (single) line's ink: left
// of that character's glyph in left-to-right text, right of it in right-to-left text.
float caret_x(const Block& b, std::size_t byte) {
  if (!b.layout || b.layout->lines.empty()) return 0;
  const auto& line = b.layout->lines[0];
  const text::PlacedGlyph* best = nullptr;
  bool best_rtl = false;
  for (const auto& run : b.layout->runs) {
    for (std::size_t i = run.first_glyph; i < run.first_glyph + run.glyph_count; ++i) {
      const auto& g = b.layout->glyphs[i];
      if (g.cluster >= byte && (!best || g.cluster < best->cluster)) {
        best = &g;
        best_rtl = run.rtl;
      }
    }
  }
  if (!best) return line.rtl ? 0 : line.width;  // after the last character
  const float pen = best->x - best->x_offset - line.left;
  return best_rtl ? pen + best->advance : pen;
}

// Byte offset in a masked field's dots ("●", three bytes each) of a byte offset in its value.
std::size_t masked_offset(const std::string& value, std::size_t byte) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < byte && i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars * 3;
}

}  // namespace

bool Frame::input_text(std::string_view label, std::string& value, bool password, float width) {
  return input_text(label, value, InputLook{}, password, width);
}

bool Frame::input_text(std::string_view label, std::string& value, const InputLook& look, bool password, float width) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  const std::string shown = strip_id(label);
  text(shown, look.label);
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  if (look.label_gap >= 0) ImGui::SetCursorPosY(ImGui::GetCursorPosY() - spacing + look.label_gap);
  // ImGui edits the field (focus, caret, selection, clipboard, Return) with its own text made
  // invisible; the text engine draws what ImGui would have drawn unshaped.
  ImFont* f = font(look.value);
  ImGui::PushFont(f);
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0, 0, 0, 0));
  ImGui::PushStyleColor(ImGuiCol_TextSelectedBg, ImVec4(0, 0, 0, 0));
  const float field_w = width > 0 ? width : available_width();
  ImGui::SetNextItemWidth(field_w);
  // The first field of a screen takes the keyboard when nothing else has it, so a person (or a
  // scanner) can type straight away; unless the screen keeps the keys from the fields. Then the
  // field that has them keeps its place (it has them again when the screen lets go) but takes no
  // typing and shows no caret.
  if (ctx_.input_text_count++ == 0 && !ctx_.fields_keyless && !ImGui::IsAnyItemActive()) {
    ImGui::SetKeyboardFocusHere();
  }
  ImGuiInputTextFlags flags = ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackAlways;
  if (password) flags |= ImGuiInputTextFlags_Password;
  FieldState st;
  const Placement placement = place(ctx_, field_w);
  bool entered = ImGui::InputText(("##input:" + std::string(label)).c_str(), &value, flags, field_state, &st);
  placed(placement, field_w);
  const bool active = ImGui::IsItemActive() && st.cursor >= 0 && !ctx_.fields_keyless;
  ImGui::PopStyleColor(2);
  ImGui::PopFont();
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();

  std::string drawn_text;
  if (password) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) drawn_text += "\u25CF";
    }
  } else {
    drawn_text = value;
  }
  auto to_drawn = [&](int byte) {
    const auto b = static_cast<std::size_t>(std::max(0, byte));
    return password ? masked_offset(value, b) : std::min(b, value.size());
  };
  const float pad = ImGui::GetStyle().FramePadding.x;
  const float inner = std::max(1.0f, max.x - min.x - 2 * pad);
  Block b = lay_out(ctx_, drawn_text, look.value, 0);
  // Too long for the field: scrolled so the caret stays in view (the start when not editing).
  float scroll = 0;
  if (b.width > inner && active)
    scroll = std::clamp(caret_x(b, to_drawn(st.cursor)) - inner + 2, 0.0f, b.width - inner);
  const bool overflow = b.width > inner;
  const float lx = overflow || visual(ctx_, Align::Left) == Align::Left ? 0 : inner - b.width;
  const ImVec2 origin(std::floor(min.x + pad + lx - scroll), std::floor(min.y + (max.y - min.y - b.height) / 2));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(ImVec2(min.x + pad / 2, min.y), ImVec2(max.x - pad / 2, max.y), true);
  if (active && st.sel_hi > st.sel_lo && b.layout) {
    const std::size_t lo = to_drawn(st.sel_lo), hi = to_drawn(st.sel_hi);
    const auto& line = b.layout->lines[0];
    for (const auto& g : b.layout->glyphs) {
      if (g.cluster < lo || g.cluster >= hi) continue;
      const float x = origin.x + g.x - g.x_offset - line.left;
      dl->AddRectFilled(ImVec2(x, min.y + 4 * s), ImVec2(x + g.advance, max.y - 4 * s), to_imu32(t.colors.accent));
    }
  }
  auto glyphs = draw_block(ctx_, dl, b, origin, b.width, Align::Left, to_imu32(t.colors.tile_text));
  if (active) {
    const float cx = std::floor(origin.x + caret_x(b, to_drawn(st.cursor)));
    dl->AddRectFilled(ImVec2(cx, min.y + 6 * s), ImVec2(cx + std::max(2.0f, 3 * s), max.y - 6 * s),
                      to_imu32(t.colors.tile_text));
  }
  dl->PopClipRect();
  record(ctx_, ScreenItem::Kind::Control, shown, min, max);
  if (!password && !value.empty()) record(ctx_, ScreenItem::Kind::Text, value, min, max, true, std::move(glyphs));
  if (look.gap_after >= 0) ImGui::SetCursorPosY(ImGui::GetCursorPosY() - spacing + look.gap_after);
  return entered;
}

std::uint32_t Frame::focused_field() const {
  const ImGuiContext& g = *ImGui::GetCurrentContext();
  return g.ActiveId != 0 && g.InputTextState.ID == g.ActiveId ? g.ActiveId : 0;
}

void Frame::keep_keys_from_fields() { ctx_.fields_keyless = true; }

float Frame::focus_ring(const Rect& r, Rgba color) {
  const float s = ctx_.scale;
  const float thick = std::max(2.0f, std::floor(3 * s));
  const float out = thick / 2 + std::max(1.0f, std::floor(2 * s));
  ImGui::GetWindowDrawList()->AddRect(ImVec2(r.x - out, r.y - out), ImVec2(r.x + r.w + out, r.y + r.h + out),
                                      to_imu32(color), ctx_.theme->sizes.rounding * s + out, 0, thick);
  return std::ceil(out + thick / 2);
}

void Frame::spinner(float radius) {
  const Theme& t = *ctx_.theme;
  float r = radius > 0 ? radius : 40 * ctx_.scale;
  ImVec2 pos = ImGui::GetCursorScreenPos();
  float w = available_width();
  ImGui::Dummy(ImVec2(w, 2 * r + 8));
  ImVec2 c(pos.x + w / 2, pos.y + r + 4);
  double secs = std::chrono::duration<double>(ctx_.now.time_since_epoch()).count();
  float a0 = static_cast<float>(std::fmod(secs * 4.0, 2 * IM_PI));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PathArcTo(c, r, a0, a0 + IM_PI * 1.4f, 32);
  dl->PathStroke(to_imu32(t.colors.accent), 0, r / 4);
  animate();
}

void Frame::begin_panel(std::string_view id, float width, float height, bool border) {
  const Theme& t = *ctx_.theme;
  // A panel without a border is only a layout region: no padding, no background of its own.
  const float pad = border ? t.sizes.spacing * ctx_.scale : 0;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(pad, pad));
  ImGui::PushStyleColor(ImGuiCol_ChildBg, border ? ImGui::GetStyleColorVec4(ImGuiCol_ChildBg) : ImVec4(0, 0, 0, 0));
  const float w = width > 0 ? width : std::max(1.0f, available_width() + width);
  ctx_.panels.push_back({ctx_.mirror, place(ctx_, w).logical_x, w});
  ImGui::BeginChild(std::string(id).c_str(), ImVec2(width, height), border);
}

void Frame::scroll_to_show(float top, float bottom) {
  const ImGuiWindow* w = ImGui::GetCurrentWindow();
  // What shows is what the panel's clip lets through (its edges rounded to whole pixels).
  const float view_top = w->InnerClipRect.Min.y;
  const float view_bottom = w->InnerClipRect.Max.y;
  float delta = 0;
  if (bottom - top > view_bottom - view_top || top < view_top) {
    delta = top - view_top;
  } else if (bottom > view_bottom) {
    delta = bottom - view_bottom;
  }
  if (delta != 0) ImGui::SetScrollY(std::clamp(ImGui::GetScrollY() + delta, 0.0f, ImGui::GetScrollMaxY()));
}

void Frame::end_panel() {
  ImGui::EndChild();
  if (!ctx_.panels.empty()) {
    const auto panel = ctx_.panels.back();
    ctx_.panels.pop_back();
    placed(Placement{panel.mirrored, panel.logical_x}, panel.width);
  }
  ImGui::PopStyleColor();
  ImGui::PopStyleVar();
}

}  // namespace guichet::ui
