#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

namespace {

void big_number(ui::Frame& f, const std::string& number) {
  const auto& t = f.theme();
  float h = t.fonts.display * f.scale() * 1.25f;
  ui::Vec2 c = f.cursor();
  float w = f.available_width();
  ui::Rect r{c.x + w * 0.2f, c.y, w * 0.6f, h};
  f.fill(r, t.colors.surface);
  f.text_in(r, number, ui::TextStyle::Display, ui::Tone::Accent, ui::Align::Center);
  f.set_cursor(c.x, c.y + h + t.sizes.spacing * f.scale());
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
      big_number(f, r.display_number);
      f.text(wait_sentence(v.t(), r.ahead, r.minutes), ui::TextStyle::Large, ui::Tone::Normal, ui::Align::Center);
      f.text(v.tr("Your slip is below the screen. Please wait until your number is called."), ui::TextStyle::Body,
             ui::Tone::Muted, ui::Align::Center);
      break;
    case K::OnScreen:
      f.text(v.tr("Your token number is {number}", {{"number", r.display_number}}), ui::TextStyle::Heading,
             ui::Tone::Normal, ui::Align::Center);
      f.text(service_name, ui::TextStyle::Large, ui::Tone::Muted, ui::Align::Center);
      big_number(f, r.display_number);
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
  f.set_cursor(f.content().x + (f.content().w - w) / 2, f.cursor().y);
  if (f.button(done_label, ui::ButtonKind::Primary, w)) out.push_back({Action::Kind::StartOver, {}});
  return out;
}

}  // namespace guichet::kiosk
