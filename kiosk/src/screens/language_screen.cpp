#include <algorithm>

#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> LanguageScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  // Nobody has chosen a language yet: English, the source language, except where every
  // language is offered.
  const Tr en(v.translations, "en");
  draw_header(f, v);
  if (!v.state.catalogue) {
    // First start with the server down: nothing cached yet, so no services to offer.
    f.space(f.screen().h * 0.25f);
    f.text(en.tr("Welcome"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
    f.text(en.tr("This kiosk is getting ready. Please wait a moment."), ui::TextStyle::Body, ui::Tone::Muted,
           ui::Align::Center);
    if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
    return out;
  }
  std::vector<std::string> langs = v.state.catalogue->centre.languages;
  if (langs.empty()) langs = {"en"};

  // The question in every language, since the citizen has not chosen yet.
  f.space(f.scale() * 10);
  f.text(en.tr("Welcome"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  std::string question;
  for (const auto& l : langs) {
    std::string q = Tr(v.translations, l).tr("Touch your language");
    if (question.find(q) != std::string::npos) continue;
    if (!question.empty()) question += "  \u00B7  ";
    question += q;
  }
  f.text(question, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  f.space();

  std::vector<ui::Tile> tiles;
  // Each language by its own name in its own script: a citizen recognises ਪੰਜਾਬੀ, not "Punjabi".
  for (const auto& l : langs) tiles.push_back({language_name(l), {}, true, "lang:" + l});
  int columns = langs.size() <= 4 ? 2 : 3;
  // Every row above the bottom of the content (which the audio bar may raise), never taller than
  // the theme's tiles.
  const auto& th = f.theme();
  const float gap = th.sizes.spacing * f.scale();
  const float rows =
      static_cast<float>((tiles.size() + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns));
  const float room = f.content().y + f.content().h - f.cursor().y;
  const float tile_h = std::min(th.sizes.tile_height * f.scale(), (room - (rows - 1) * gap) / rows);
  int tapped = f.tile_grid(tiles, columns, tile_h);
  if (tapped >= 0) out.push_back({Action::Kind::ChooseLanguage, langs[static_cast<std::size_t>(tapped)]});
  if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
  return out;
}

}  // namespace guichet::kiosk
