#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> StoppedScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const Tr en(v.translations, "en");
  draw_header(f, v);
  f.space(f.screen().h * 0.15f);
  // Nobody has chosen a language yet: say it in English, the source language.
  f.text(en.tr("Tokens cannot be issued at the moment"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.text(v.state.printer.message, ui::TextStyle::Large, ui::Tone::Accent, ui::Align::Center);
  f.text(en.tr("Please ask a member of staff for help. This screen changes by itself when the printer "
               "is working again."),
         ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
  return out;
}

}  // namespace guichet::kiosk
