#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> LanguageScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  draw_header(f, v);
  if (!v.state.catalogue) {
    // First start with the server down: nothing cached yet, so no services to offer.
    f.space(f.screen().h * 0.25f);
    f.text(v.strings.get("en", "Welcome"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
    f.text(v.strings.get("en", "This kiosk is getting ready. Please wait a moment."), ui::TextStyle::Body,
           ui::Tone::Muted, ui::Align::Center);
    if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
    return out;
  }
  std::vector<std::string> langs = v.state.catalogue->centre.languages;
  if (langs.empty()) langs = {"en"};

  // The question in every language the screen can draw, since the citizen has not chosen yet.
  f.space(f.scale() * 10);
  f.text(v.strings.get("en", "Welcome"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  std::string question;
  for (const auto& l : langs) {
    std::string q = v.strings.get(l, "Touch your language");
    if (!drawable_without_shaping(q) || question.find(q) != std::string::npos) continue;
    if (!question.empty()) question += "  \u00B7  ";
    question += q;
  }
  f.text(question, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  f.space();

  std::vector<ui::Tile> tiles;
  for (const auto& l : langs) tiles.push_back({language_name(l), {}, true, "lang:" + l});
  int columns = langs.size() <= 4 ? 2 : 3;
  int tapped = f.tile_grid(tiles, columns);
  if (tapped >= 0) out.push_back({Action::Kind::ChooseLanguage, langs[static_cast<std::size_t>(tapped)]});
  if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
  return out;
}

}  // namespace guichet::kiosk
