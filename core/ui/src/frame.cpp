#include "guichet/ui/frame.hpp"

#include <imgui_internal.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>

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

void record(detail::FrameContext& ctx, ScreenItem::Kind kind, std::string text, ImVec2 min, ImVec2 max,
            bool enabled = true) {
  if (text.empty()) return;
  // Items scrolled out of a panel or cut by its edge are not on screen for a person either.
  if (!ImGui::IsRectVisible(min, max)) return;
  // Only the visible part counts: a tap aims at its centre, which must be on screen.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 cmin = dl->GetClipRectMin(), cmax = dl->GetClipRectMax();
  ImVec2 vmin(std::max(min.x, cmin.x), std::max(min.y, cmin.y));
  ImVec2 vmax(std::min(max.x, cmax.x), std::min(max.y, cmax.y));
  if (vmax.x <= vmin.x || vmax.y <= vmin.y) return;
  ctx.record->items.push_back(ScreenItem{kind, std::move(text), rect_of(vmin, vmax), enabled});
}

// Splits `text` into the lines ImGui would wrap it to at `width`.
// ImGui takes a null end pointer to mean "up to the terminating zero": an empty view whose data()
// is null would make it read from address zero. Every text goes through here first.
std::string_view nonnull(std::string_view text) { return text.data() ? text : std::string_view("", 0); }

std::vector<std::string_view> wrap_lines(ImFont* font, float size, std::string_view text, float width) {
  text = nonnull(text);
  std::vector<std::string_view> lines;
  const char* s = text.data();
  const char* end = text.data() + text.size();
  while (s < end) {
    const char* nl = std::find(s, end, '\n');
    const char* line_end = width > 0 ? font->CalcWordWrapPositionA(size / font->FontSize, s, nl, width) : nl;
    if (line_end == s) line_end = std::min(nl, s + 1);  // one glyph wider than the line: keep going
    lines.emplace_back(s, static_cast<std::size_t>(line_end - s));
    s = line_end;
    while (s < end && *s == ' ') ++s;
    if (s < end && *s == '\n' && s == nl) ++s;
  }
  if (lines.empty()) lines.emplace_back(text.data(), 0);
  return lines;
}

// Draws wrapped, aligned text into a rectangle's width starting at `pos`; returns its height.
float draw_lines(ImDrawList* dl, ImFont* font, float size, ImU32 color, std::string_view text, ImVec2 pos, float width,
                 Align align) {
  float y = pos.y;
  for (auto line : wrap_lines(font, size, text, width)) {
    float lw = font->CalcTextSizeA(size, FLT_MAX, 0, line.data(), line.data() + line.size()).x;
    float x = pos.x;
    if (align == Align::Center) x += std::max(0.0f, (width - lw) / 2);
    if (align == Align::Right) x += std::max(0.0f, width - lw);
    dl->AddText(font, size, ImVec2(std::floor(x), std::floor(y)), color, line.data(), line.data() + line.size());
    y += size * 1.15f;
  }
  return y - pos.y;
}

float text_height(ImFont* font, float size, std::string_view text, float width) {
  return static_cast<float>(wrap_lines(font, size, text, width).size()) * size * 1.15f;
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

const std::vector<TextEvent>& Frame::text_events() const { return ctx_.text; }
const Theme& Frame::theme() const { return *ctx_.theme; }
float Frame::scale() const { return ctx_.scale; }
Rect Frame::screen() const { return Rect{0, 0, static_cast<float>(ctx_.width), static_cast<float>(ctx_.height)}; }
Rect Frame::content() const {
  float p = ctx_.theme->sizes.padding * ctx_.scale;
  return Rect{p, p, ctx_.width - 2 * p, ctx_.height - 2 * p};
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

Vec2 Frame::measure(std::string_view text, TextStyle style, float wrap_width) const {
  ImFont* f = font(style);
  float w = 0;
  auto lines = wrap_lines(f, f->FontSize, text, wrap_width);
  for (auto line : lines) {
    w = std::max(w, f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, line.data(), line.data() + line.size()).x);
  }
  return {w, static_cast<float>(lines.size()) * f->FontSize * 1.15f};
}

void Frame::text(std::string_view text, TextStyle style, Tone tone, Align align) {
  ImFont* f = font(style);
  float width = std::max(1.0f, available_width());
  ImVec2 pos = ImGui::GetCursorScreenPos();
  float h = text_height(f, f->FontSize, text, width);
  // Left-aligned text takes only its own width, so same_line() can follow it.
  float item_w = align == Align::Left ? std::min(width, measure(text, style, width).x) : width;
  ImGui::Dummy(ImVec2(std::max(1.0f, item_w), h));
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  draw_lines(ImGui::GetWindowDrawList(), f, f->FontSize, to_imu32(tone_color(*ctx_.theme, tone)), text, pos, width,
             align);
  record(ctx_, ScreenItem::Kind::Text, std::string(text), min, max);
}

void Frame::text_in(const Rect& r, std::string_view text, TextStyle style, Tone tone, Align align) {
  ImFont* f = font(style);
  float h = text_height(f, f->FontSize, text, r.w);
  ImVec2 pos(r.x, r.y + std::max(0.0f, (r.h - h) / 2));
  draw_lines(ImGui::GetWindowDrawList(), f, f->FontSize, to_imu32(tone_color(*ctx_.theme, tone)), text, pos, r.w,
             align);
  record(ctx_, ScreenItem::Kind::Text, std::string(text), ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h));
}

void Frame::text_fit(const Rect& r, std::string_view text, TextStyle style, Tone tone, Align align) {
  text = nonnull(text);
  ImFont* f = font(style);
  ImVec2 natural = f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, text.data(), text.data() + text.size());
  float size = f->FontSize;
  if (natural.x > r.w && natural.x > 0) size *= r.w / natural.x;
  if (size * 1.15f > r.h) size = r.h / 1.15f;
  float w = natural.x * size / f->FontSize;
  float x = r.x;
  if (align == Align::Center) x += (r.w - w) / 2;
  if (align == Align::Right) x += r.w - w;
  ImVec2 pos(std::floor(x), std::floor(r.y + (r.h - size) / 2));
  ImGui::GetWindowDrawList()->AddText(f, size, pos, to_imu32(tone_color(*ctx_.theme, tone)), text.data(),
                                      text.data() + text.size());
  record(ctx_, ScreenItem::Kind::Text, std::string(text), ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h));
}

void Frame::fill(const Rect& r, Rgba color, float rounding) {
  float rr = rounding < 0 ? ctx_.theme->sizes.rounding * ctx_.scale : rounding;
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), to_imu32(color), rr);
}

namespace {

// The largest of Large, Body, Small in which every word of `text` fits `width`: labels shrink
// rather than break a word in the middle.
ImFont* fitting_font(ImFont* const* fonts, std::string_view text, float width) {
  text = nonnull(text);
  for (int style : {2, 1, 0}) {
    ImFont* f = fonts[style];
    bool fits = true;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find_first_of(" \n", start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view word = text.substr(start, end - start);
      if (f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, word.data(), word.data() + word.size()).x > width) fits = false;
      start = end + 1;
    }
    if (fits) return f;
  }
  return fonts[0];
}

bool draw_button(detail::FrameContext& ctx, std::string_view label, ButtonKind kind, float width, float height,
                 bool enabled) {
  const Theme& t = *ctx.theme;
  const float s = ctx.scale;
  const std::string shown = strip_id(label);
  const std::string id(label);
  Rgba bg = kind == ButtonKind::Primary  ? t.colors.primary
            : kind == ButtonKind::Danger ? t.colors.danger
                                         : t.colors.secondary;
  Rgba fg = kind == ButtonKind::Primary  ? t.colors.primary_text
            : kind == ButtonKind::Danger ? t.colors.danger_text
                                         : t.colors.secondary_text;
  float h = height > 0 ? height : t.sizes.button_height * s;
  float pad = t.sizes.spacing * s;
  ImFont* large = ctx.fonts[static_cast<int>(TextStyle::Large)];
  float w = width;
  if (w <= 0) {
    // Sized to the label, and never narrower than a thumb-friendly target.
    w = large->CalcTextSizeA(large->FontSize, FLT_MAX, 0, shown.c_str()).x + 3 * pad;
    w = std::max(w, h * 1.6f);
  }
  ImFont* f = fitting_font(ctx.fonts, shown, w - pad);

  if (!enabled) ImGui::BeginDisabled();
  bool clicked = ImGui::InvisibleButton(id.c_str(), ImVec2(w, h));
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
  float th = text_height(f, f->FontSize, shown, inner);
  dl->PushClipRect(min, max, true);
  draw_lines(dl, f, f->FontSize, to_imu32(text_color), shown, ImVec2(min.x + pad / 2, min.y + (h - th) / 2), inner,
             Align::Center);
  dl->PopClipRect();
  record(ctx, ScreenItem::Kind::Control, shown, min, max, enabled);
  return enabled && clicked;
}

}  // namespace

bool Frame::button(std::string_view label, ButtonKind kind, float width, bool enabled) {
  return draw_button(ctx_, label, kind, width, 0, enabled);
}

bool Frame::tile(const Tile& tile, float width, float height) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  float h = height > 0 ? height : t.sizes.tile_height * s;
  const std::string id = tile.id.empty() ? tile.label : tile.id;
  if (!tile.enabled) ImGui::BeginDisabled();
  bool clicked = ImGui::InvisibleButton(("##tile:" + id).c_str(), ImVec2(width, h));
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

  ImFont* lf = font(TextStyle::Large);
  ImFont* df = font(TextStyle::Body);
  float pad = t.sizes.spacing * s;
  float inner = width - 2 * pad;
  float dh = tile.detail.empty() ? 0 : text_height(df, df->FontSize, tile.detail, inner) + pad / 3;
  float lh = text_height(lf, lf->FontSize, tile.label, inner);
  // A long label first makes its detail line smaller, then itself, rather than push text out of
  // the tile.
  if (lh + dh > h - pad / 2) {
    df = font(TextStyle::Small);
    dh = tile.detail.empty() ? 0 : text_height(df, df->FontSize, tile.detail, inner) + pad / 3;
  }
  if (lh + dh > h - pad / 2) {
    lf = font(TextStyle::Body);
    lh = text_height(lf, lf->FontSize, tile.label, inner);
  }
  float y = min.y + std::max(pad / 4, (h - lh - dh) / 2);
  // Text that does not fit is cut at the tile's edge rather than spilling onto its neighbours.
  dl->PushClipRect(min, max, true);
  draw_lines(dl, lf, lf->FontSize, to_imu32(fg), tile.label, ImVec2(min.x + pad, y), inner, Align::Center);
  if (!tile.detail.empty()) {
    draw_lines(dl, df, df->FontSize, to_imu32(sub), tile.detail, ImVec2(min.x + pad, y + lh + pad / 3), inner,
               Align::Center);
  }
  dl->PopClipRect();
  record(ctx_, ScreenItem::Kind::Control, tile.label, min, max, tile.enabled);
  if (!tile.detail.empty()) {
    record(ctx_, ScreenItem::Kind::Text, tile.detail, ImVec2(min.x, y + lh), ImVec2(max.x, y + lh + dh));
  }
  return tile.enabled && clicked;
}

int Frame::tile_grid(const std::vector<Tile>& tiles, int columns, float tile_height) {
  if (tiles.empty()) return -1;
  columns = std::max(1, columns);
  const float gap = ctx_.theme->sizes.spacing * ctx_.scale;
  const float avail = available_width();
  const float w = std::floor((avail - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns));
  int tapped = -1;
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    if (i % static_cast<std::size_t>(columns) != 0) ImGui::SameLine(0, gap);
    if (tile(tiles[i], w, tile_height)) tapped = static_cast<int>(i);
  }
  return tapped;
}

bool Frame::corner_control(std::string_view label, Corner corner) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  ImFont* f = font(TextStyle::Small);
  const std::string shown = strip_id(label);
  float size = t.sizes.corner_control * s;
  float w = std::max(size, f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, shown.c_str()).x + size / 2);
  float margin = 8 * s;
  float x = (corner == Corner::TopLeft || corner == Corner::BottomLeft) ? margin : ctx_.width - w - margin;
  float y = (corner == Corner::TopLeft || corner == Corner::TopRight) ? margin : ctx_.height - size - margin;
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
  float th = f->FontSize;
  dl->AddText(
      f, f->FontSize,
      ImVec2(min.x + (w - f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, shown.c_str()).x) / 2, min.y + (size - th) / 2),
      to_imu32(fg), shown.c_str());
  record(ctx_, ScreenItem::Kind::Control, shown, min, max);
  ImGui::SetCursorScreenPos(saved);
  return clicked;
}

PadResult Frame::number_pad(std::string& value, const NumberPadOptions& options) {
  const Theme& t = *ctx_.theme;
  const float s = ctx_.scale;
  const float key = t.sizes.pad_key * s;
  const float gap = t.sizes.spacing * s / 2;
  const float pad_w = 3 * key + 2 * gap;
  PadResult result = PadResult::None;

  // Keyboard and keypad input go to the pad too (staff often have a USB keypad).
  for (const auto& ev : ctx_.text) {
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
  ImFont* hf = font(TextStyle::Heading);
  ImVec2 ts = hf->CalcTextSizeA(hf->FontSize, FLT_MAX, 0, shown.c_str());
  dl->AddText(hf, hf->FontSize, ImVec2(fmin.x + (pad_w - ts.x) / 2, fmin.y + (fmax.y - fmin.y - ts.y) / 2),
              to_imu32(t.colors.tile_text), shown.c_str());
  if (!shown.empty()) record(ctx_, ScreenItem::Kind::Text, shown, fmin, fmax);

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
  ImFont* f = font(TextStyle::Body);
  int tapped = -1;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(t.sizes.spacing * s / 2, t.sizes.spacing * s / 2));
  ImGui::BeginChild(std::string(id).c_str(), ImVec2(0, height), true);
  const float row_h = f->FontSize * 1.15f + t.sizes.spacing * s;
  const float w = ImGui::GetContentRegionAvail().x;
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
    dl->PushClipRect(min, max, true);
    dl->AddText(f, f->FontSize, ImVec2(min.x + t.sizes.spacing * s / 2, min.y + (row_h - f->FontSize) / 2),
                to_imu32(fg), rows[i].c_str());
    dl->PopClipRect();
    record(ctx_, ScreenItem::Kind::Control, rows[i], min, max);
    if (clicked) tapped = static_cast<int>(i);
  }
  ImGui::EndChild();
  ImGui::PopStyleVar();
  return tapped;
}

bool Frame::input_text(std::string_view label, std::string& value, bool password, float width) {
  const Theme& t = *ctx_.theme;
  const std::string shown = strip_id(label);
  text(shown, TextStyle::Body);
  ImFont* f = font(TextStyle::Large);
  ImGui::PushFont(f);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(to_imu32(t.colors.tile_text)));
  ImGui::SetNextItemWidth(width > 0 ? width : available_width());
  // The first field of a screen takes the keyboard when nothing else has it, so a person (or a
  // scanner) can type straight away.
  if (ctx_.input_text_count++ == 0 && !ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();
  ImGuiInputTextFlags flags = ImGuiInputTextFlags_EnterReturnsTrue;
  if (password) flags |= ImGuiInputTextFlags_Password;
  bool entered = ImGui::InputText(("##input:" + std::string(label)).c_str(), &value, flags);
  ImGui::PopStyleColor();
  ImGui::PopFont();
  ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  record(ctx_, ScreenItem::Kind::Control, shown, min, max);
  if (!password && !value.empty()) record(ctx_, ScreenItem::Kind::Text, value, min, max);
  return entered;
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
  ImGui::BeginChild(std::string(id).c_str(), ImVec2(width, height), border);
}

void Frame::end_panel() {
  ImGui::EndChild();
  ImGui::PopStyleColor();
  ImGui::PopStyleVar();
}

}  // namespace guichet::ui
