#include <algorithm>

#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

namespace {

// The number as large as the room left allows: `below` is what still has to fit under it.
void big_number(ui::Frame& f, const std::string& number, float below) {
  const auto& t = f.theme();
  const float room = f.content().y + f.content().h - f.cursor().y - below;
  float h = std::max(f.text_size(ui::TextStyle::Display), std::min(t.fonts.display * f.scale() * 1.25f, room));
  ui::Vec2 c = f.cursor();
  float w = f.available_width();
  ui::Rect r{c.x + w * 0.2f, c.y, w * 0.6f, h};
  f.fill(r, t.colors.surface);
  f.text_in(r, number, ui::TextStyle::Display, ui::Tone::Accent, ui::Align::Center);
  f.set_cursor(c.x, c.y + h + t.sizes.spacing * f.scale());
}

// The height of `large` lines of large text, `body` lines of body text and the Done button, with
// the spacing between them: what the screen draws under the number.
float below(const ui::Frame& f, int large, int body) {
  const auto& t = f.theme();
  const float gap = t.sizes.spacing * f.scale();
  return static_cast<float>(large) * f.line_height(ui::TextStyle::Large) +
         static_cast<float>(body) * f.line_height(ui::TextStyle::Body) + t.sizes.button_height * f.scale() +
         static_cast<float>(large + body + 2) * gap;
}

}  // namespace

std::vector<Action> ResultScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  if (!v.state.result) return out;
  const IssueResult& r = *v.state.result;
  const std::string service_name = [&] {
    if (!v.state.catalogue) return std::string();
    const auto* s = v.state.catalogue->service(v.state.service);
    return s ? screen_text(s->name, v.state.language) : std::string();
  }();
  draw_header(f, v);
  using K = IssueResult::Kind;
  std::string done_label = v.tr("Done");
  switch (r.kind) {
    case K::Printed:
      f.text(v.tr("Please take your token {number}", {{"number", r.display_number}}), ui::TextStyle::Heading,
             ui::Tone::Normal, ui::Align::Center);
      f.text(service_name, ui::TextStyle::Large, ui::Tone::Muted, ui::Align::Center);
      big_number(f, r.display_number, below(f, 1, 2));
      f.text(wait_sentence(v.t(), r.ahead, r.minutes), ui::TextStyle::Large, ui::Tone::Normal, ui::Align::Center);
      {
        // The hint only where it fits above Done (large text with the audio bar leaves less room).
        const std::string hint = v.tr("Your slip is below the screen. Please wait until your number is called.");
        const auto& th = f.theme();
        const float need = f.measure(hint, ui::TextStyle::Body, f.available_width()).y +
                           2 * th.sizes.spacing * f.scale() + th.sizes.button_height * f.scale();
        if (f.cursor().y + need <= f.content().y + f.content().h) {
          f.text(hint, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
        }
      }
      break;
    case K::OnScreen:
      f.text(v.tr("Your token number is {number}", {{"number", r.display_number}}), ui::TextStyle::Heading,
             ui::Tone::Normal, ui::Align::Center);
      f.text(service_name, ui::TextStyle::Large, ui::Tone::Muted, ui::Align::Center);
      big_number(f, r.display_number, below(f, 1, 3));
      f.text(v.tr("The printer is not working, so there is no paper slip. Please remember this number, or take a "
                  "photo of it. It will be shown and called out when it is your turn."),
             ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
      f.text(wait_sentence(v.t(), r.ahead, r.minutes), ui::TextStyle::Large, ui::Tone::Normal, ui::Align::Center);
      done_label = v.tr("I have noted my number");
      break;
    case K::PrinterFault:
      f.space(f.screen().h * 0.1f);
      f.text(v.tr("Sorry, tokens cannot be printed right now"), ui::TextStyle::Heading, ui::Tone::Normal,
             ui::Align::Center);
      f.text(r.detail, ui::TextStyle::Large, ui::Tone::Accent, ui::Align::Center);
      f.text(v.tr("No token was issued. Please ask a member of staff for help."), ui::TextStyle::Body, ui::Tone::Normal,
             ui::Align::Center);
      done_label = v.tr("OK");
      break;
    case K::PrintFailed:
      f.space(f.screen().h * 0.1f);
      f.text(v.tr("Sorry, your token could not be printed"), ui::TextStyle::Heading, ui::Tone::Normal,
             ui::Align::Center);
      f.text(r.detail, ui::TextStyle::Large, ui::Tone::Accent, ui::Align::Center);
      f.text(v.tr("No token was issued for you. Please ask a member of staff for help."), ui::TextStyle::Body,
             ui::Tone::Normal, ui::Align::Center);
      done_label = v.tr("OK");
      break;
    case K::Refused:
      f.space(f.screen().h * 0.1f);
      f.text(v.tr("Sorry, no token can be given for this service now"), ui::TextStyle::Heading, ui::Tone::Normal,
             ui::Align::Center);
      if (!r.detail.empty()) f.text(r.detail, ui::TextStyle::Large, ui::Tone::Accent, ui::Align::Center);
      f.text(v.tr("No token was issued. You can choose another service, or ask a member of staff."),
             ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
      done_label = v.tr("OK");
      break;
    case K::Unreachable:
      f.space(f.screen().h * 0.1f);
      f.text(v.tr("Sorry, the kiosk cannot reach the queue system right now"), ui::TextStyle::Heading, ui::Tone::Normal,
             ui::Align::Center);
      f.text(v.tr("No token was issued. Please try again in a minute, or ask a member of staff."), ui::TextStyle::Large,
             ui::Tone::Accent, ui::Align::Center);
      done_label = v.tr("OK");
      break;
  }
  f.space();
  const float w = std::min(f.available_width(), 600 * f.scale());
  // Never under the bottom of the content (the audio bar is there when it is on).
  const float last_y = f.content().y + f.content().h - f.theme().sizes.button_height * f.scale();
  f.set_cursor(f.content().x + (f.content().w - w) / 2, std::min(f.cursor().y, last_y));
  if (f.button(done_label, ui::ButtonKind::Primary, w)) out.push_back({Action::Kind::StartOver, {}});
  return out;
}

}  // namespace guichet::kiosk
