#include <algorithm>

#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> PriorityScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  if (!v.state.catalogue) return out;
  const auto& cat = *v.state.catalogue;
  const auto* svc = cat.service(v.state.service);
  if (!svc) return out;
  const std::string& lang = v.state.language;
  draw_header(f, v);
  f.text(screen_text(svc->name, lang), ui::TextStyle::Large, ui::Tone::Accent, ui::Align::Center);
  f.text(v.tr("Does a priority category apply to you?"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.space(f.scale() * 8);

  std::vector<ui::Tile> tiles;
  std::vector<std::string> ids;
  for (const auto& id : svc->priority_categories) {
    const auto* pc = cat.priority_category(id);
    tiles.push_back({pc ? screen_text(pc->name, lang) : id, {}, true, "prio:" + id});
    ids.push_back(id);
  }
  // "No" is one more tile of the same size, last, so every answer is equally easy to touch.
  tiles.push_back({v.tr("No, none of these"), {}, true, "prio:none"});
  ids.emplace_back();
  // Every row above the Back button, never taller than the theme's tiles.
  const auto& t = f.theme();
  const std::size_t columns = tiles.size() > 4 ? 3 : 2;
  const float gap = t.sizes.spacing * f.scale();
  const float rows = static_cast<float>((tiles.size() + columns - 1) / columns);
  const float room = f.content().y + f.content().h - f.cursor().y - (t.sizes.button_height * f.scale() + gap);
  const float tile_h = std::min(t.sizes.tile_height * f.scale(), (room - (rows - 1) * gap) / rows);
  int tapped = f.tile_grid(tiles, static_cast<int>(columns), tile_h);
  if (tapped >= 0) out.push_back({Action::Kind::ChoosePriority, ids[static_cast<std::size_t>(tapped)]});
  f.set_cursor(f.content().x, f.content().y + f.content().h - t.sizes.button_height * f.scale());
  if (f.button("\u2190 " + v.tr("Back"), ui::ButtonKind::Secondary)) out.push_back({Action::Kind::Back, {}});
  return out;
}

}  // namespace guichet::kiosk
