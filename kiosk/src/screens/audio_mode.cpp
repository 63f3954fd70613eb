#include "audio_mode.hpp"

#include <algorithm>
#include <cmath>

namespace guichet::kiosk {

namespace {

// The bar's height: larger than a button, the controls a citizen who cannot read uses for all.
float bar_height(const ui::Frame& f) { return f.theme().sizes.button_height * f.scale(); }

ImU32 im(ui::Rgba c) { return IM_COL32(c.r, c.g, c.b, c.a); }

// A loudspeaker with sound waves, drawn (no font has to carry it), centred at `c`.
void draw_speaker(ImDrawList* dl, ImVec2 c, float size, ImU32 color) {
  const float u = size / 10;
  const ImVec2 o(c.x - 2.5f * u, c.y);
  dl->AddRectFilled(ImVec2(o.x - 2.5f * u, o.y - 1.6f * u), ImVec2(o.x, o.y + 1.6f * u), color);
  dl->AddQuadFilled(ImVec2(o.x - 0.2f * u, o.y - 1.6f * u), ImVec2(o.x + 2.6f * u, o.y - 4 * u),
                    ImVec2(o.x + 2.6f * u, o.y + 4 * u), ImVec2(o.x - 0.2f * u, o.y + 1.6f * u), color);
  for (int i = 1; i <= 3; ++i) {
    const float r = (2.2f + 1.6f * static_cast<float>(i)) * u;
    dl->PathArcTo(ImVec2(o.x + 1.4f * u, o.y), r, -0.85f, 0.85f, 16);
    dl->PathStroke(color, 0, 0.9f * u);
  }
}

bool any_key(const ui::Frame& f, std::initializer_list<SDL_Keycode> keys) {
  return std::any_of(keys.begin(), keys.end(), [&](SDL_Keycode k) { return f.key_pressed(k); });
}

}  // namespace

bool citizen_step(Step step) { return step != Step::AdminPin && step != Step::Settings && step != Step::Stopped; }

void AudioMode::before_screen(ui::Frame& f, const KioskState& state) const {
  if (state.audio && citizen_step(state.step)) f.reserve_bottom(bar_height(f) + f.theme().sizes.spacing * f.scale());
}

void AudioMode::say(std::vector<Utterance> parts) {
  if (!speaker_ && make_speaker_) {
    speaker_ = make_speaker_();
    make_speaker_ = nullptr;  // once: a kiosk without a voice does not try on every screen
  }
  if (speaker_) speaker_->say(std::move(parts));
}

std::vector<Action> AudioMode::after_screen(ui::Frame& f, const View& v, Step drawn_step, std::size_t screen_items,
                                            const std::string& header) {
  std::vector<Action> out;
  const KioskState& s = v.state;
  const auto& th = f.theme();
  const float sc = f.scale();
  const float gap = th.sizes.spacing * sc;
  // What the screen drew, before the switch and the bar are added to the record.
  const auto& drawn = f.drawn().items;
  const std::vector<ui::ScreenItem> screen(drawn.begin(),
                                           drawn.begin() + static_cast<long>(std::min(screen_items, drawn.size())));
  ImDrawList* dl = ImGui::GetWindowDrawList();

  // The switch: in the same place on the start screen and the menu, a speaker and "Listen".
  if (drawn_step == s.step && (s.step == Step::Language || s.step == Step::Menu) && s.catalogue) {
    // The start screen's words are English until a language is chosen.
    const Tr t(v.translations, s.step == Step::Language ? std::string("en") : s.language);
    const std::string label = t.trc("audio guide", "Listen");
    const float h = th.sizes.button_height * sc;
    const float icon = h * 0.7f;
    const float w = f.measure(label, ui::TextStyle::Large).x + 2 * (icon + gap) + 2 * gap;
    const ui::Rect c = f.content();
    f.set_cursor(c.x, c.y);
    if (f.button(label + "##audio-switch", s.audio ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, w)) {
      out.push_back({Action::Kind::SetAudio, {}});
    }
    // The speaker at the start of the button: its left end, or its right end in a mirrored frame.
    const ImU32 ink = im(s.audio ? th.colors.primary_text : th.colors.secondary_text);
    const ui::Rect b = f.on_screen({c.x, c.y, w, h});
    const float cx = f.mirrored() ? b.x + b.w - gap / 2 - icon / 2 : b.x + gap / 2 + icon / 2;
    draw_speaker(dl, ImVec2(cx, b.y + h / 2), icon, ink);
  }

  // Screens that take typed or scanned text: a scanner's Tab or arrow is not a citizen's choice.
  const bool typing = s.step == Step::AppField || s.step == Step::StatusEntry;
  if (!s.audio || !citizen_step(s.step)) {
    // A key a citizen who cannot see the switch will try first turns audio mode on.
    if (citizen_step(s.step) && !typing && drawn_step == s.step && s.catalogue &&
        any_key(f, {SDLK_TAB, SDLK_DOWN, SDLK_UP, SDLK_LEFT, SDLK_RIGHT})) {
      out.push_back({Action::Kind::SetAudio, "on"});
      f.animate();
    }
    if (on_) {
      on_ = false;
      ring_.clear();
      if (speaker_) speaker_->stop();
    }
    return out;
  }

  // The bar (as tall as the theme's buttons, well over 15 mm): Previous, Repeat, Select, Next, each
  // a quarter of the row clear of the staff corner. In a mirrored frame (Urdu) the row runs from
  // the right, Previous on the right, and the frame turns the arrows round.
  enum class Cmd { None, Next, Previous, Select, Repeat } cmd = Cmd::None;
  {
    const Tr t = v.t();
    const float h = bar_height(f);
    const float left = f.content().x;
    const float right = f.screen().w - th.sizes.padding * sc - (th.sizes.corner_control + th.sizes.spacing) * sc;
    const float y = f.screen().h - th.sizes.padding * sc - h;
    const float w = std::floor((right - left - 3 * gap) / 4);
    struct Key {
      std::string label;
      ui::ButtonKind kind;
      Cmd cmd;
    };
    const Key keys[] = {
        {"\u2190 " + t.trc("audio guide", "Previous option") + "##audio-previous", ui::ButtonKind::Secondary,
         Cmd::Previous},
        {t.trc("audio guide", "Repeat") + "##audio-repeat", ui::ButtonKind::Secondary, Cmd::Repeat},
        {t.trc("audio guide", "Select") + "##audio-select", ui::ButtonKind::Primary, Cmd::Select},
        {t.trc("audio guide", "Next option") + " \u2192##audio-next", ui::ButtonKind::Secondary, Cmd::Next},
    };
    float x = left;
    for (const auto& k : keys) {
      f.set_cursor(x, y);
      if (f.button(k.label, k.kind, w)) cmd = k.cmd;
      x += w + gap;
    }
  }
  // The same from a keyboard or a keypad. Return belongs to the screens that type (their Next).
  // The arrow keys move the way they point, as the bar's arrows do: in a mirrored frame the next
  // option is to the left, so Left is Next there and Right is Previous. Down and Tab are always
  // Next, Up and Shift+Tab Previous.
  const SDL_Keycode forward = f.mirrored() ? SDLK_LEFT : SDLK_RIGHT;
  const SDL_Keycode backward = f.mirrored() ? SDLK_RIGHT : SDLK_LEFT;
  if (any_key(f, {forward, SDLK_DOWN, SDLK_TAB})) cmd = Cmd::Next;
  if (any_key(f, {backward, SDLK_UP}) || f.key_pressed(SDLK_TAB, KMOD_LSHIFT) || f.key_pressed(SDLK_TAB, KMOD_RSHIFT))
    cmd = Cmd::Previous;
  if (!typing && any_key(f, {SDLK_RETURN, SDLK_KP_ENTER})) cmd = Cmd::Select;
  if (f.key_pressed(SDLK_F1)) cmd = Cmd::Repeat;

  // The screen changed this frame: its controls are drawn in the next one.
  if (s.step != drawn_step) {
    f.animate();
    return out;
  }

  const bool new_screen = !on_ || s.step != spoken_step_ || s.session != spoken_session_;
  const bool changed = ring_.update(focus_order(screen, {"Staff"}, f.right_to_left()));
  on_ = true;
  auto option = [&](const FocusOption* o) { return o ? option_utterance(s, o->ref.label, o->detail) : Utterance{}; };
  if (new_screen || cmd == Cmd::Repeat) {
    spoken_step_ = s.step;
    spoken_session_ = s.session;
    std::vector<Utterance> parts = screen_intro(s, v.translations, screen, header);
    parts.push_back(option(ring_.current()));
    say(std::move(parts));
  } else if (changed) {
    say({option(ring_.current())});
  } else if (cmd == Cmd::Next) {
    say({option(ring_.next())});
  } else if (cmd == Cmd::Previous) {
    say({option(ring_.previous())});
  } else if (cmd == Cmd::Select && ring_.current()) {
    // A closed service cannot be chosen: its label and why are said again.
    if (ring_.current()->enabled) {
      f.press_next_frame(ring_.current()->ref);
    } else {
      say({option(ring_.current())});
    }
  }

  // The option in focus, outlined for those who see a little: a wide band in the accent colour
  // with the text colour inside it, visible on any theme.
  if (const FocusOption* o = ring_.current()) {
    ImDrawList* top = ImGui::GetForegroundDrawList();
    const float t1 = 8 * sc, t2 = 3 * sc;
    const ImVec2 a(o->rect.x - t1, o->rect.y - t1), b(o->rect.x + o->rect.w + t1, o->rect.y + o->rect.h + t1);
    top->AddRect(a, b, im(th.colors.accent), th.sizes.rounding * sc, 0, t1);
    top->AddRect(ImVec2(a.x + t1, a.y + t1), ImVec2(b.x - t1, b.y - t1), im(th.colors.text), th.sizes.rounding * sc, 0,
                 t2);
  }
  return out;
}

}  // namespace guichet::kiosk
