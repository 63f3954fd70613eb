#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> IssuingScreen::draw(ui::Frame& f, const View& v) {
  draw_header(f, v);
  f.space(f.screen().h * 0.22f);
  f.text(v.tr("Printing your token…"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.space();
  f.spinner();
  f.text(v.tr("Please wait a moment."), ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  return {};
}

}  // namespace guichet::kiosk
