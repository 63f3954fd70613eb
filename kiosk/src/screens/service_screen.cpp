#include <algorithm>
#include <cmath>

#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> ServiceScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  if (!v.state.catalogue) return out;
  const auto& cat = *v.state.catalogue;
  const std::string& lang = v.state.language;
  if (for_language_ != lang + "|" + v.state.service) {
    for_language_ = lang + "|" + v.state.service;
    page_ = 0;
  }
  draw_header(f, v);
  f.text(v.tr("Which service do you need?"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.space(f.scale() * 8);

  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + v.state.clock_offset;
  std::vector<ui::Tile> tiles;
  std::vector<std::string> ids;
  for (const auto& s : cat.services) {
    bool open = service_open(s, now, cat.centre.utc_offset_minutes);
    std::string detail;
    if (!open) {
      detail = v.tr("Closed now");
    } else if (const auto* d = cat.department(s.department)) {
      detail = screen_text(d->name, lang);
    }
    tiles.push_back({screen_text(s.name, lang), detail, open, "svc:" + s.id});
    ids.push_back(s.id);
  }

  // As many rows as fit above the navigation buttons; the rest on further pages.
  const auto& t = f.theme();
  const float tile_h = t.sizes.tile_height * f.scale();
  const float gap = t.sizes.spacing * f.scale();
  const float nav_h = t.sizes.button_height * f.scale() + gap;
  const float avail = f.content().y + f.content().h - f.cursor().y - nav_h;
  const int columns = 3;
  const int rows = std::max(1, static_cast<int>(std::floor((avail + gap) / (tile_h + gap))));
  const int per_page = rows * columns;
  const int pages = std::max(1, static_cast<int>((tiles.size() + per_page - 1) / per_page));
  page_ = std::clamp(page_, 0, pages - 1);
  const std::size_t first = static_cast<std::size_t>(page_ * per_page);
  std::vector<ui::Tile> shown(tiles.begin() + static_cast<long>(first),
                              tiles.begin() + static_cast<long>(std::min(tiles.size(), first + per_page)));
  int tapped = f.tile_grid(shown, columns);
  if (tapped >= 0) out.push_back({Action::Kind::ChooseService, ids[first + static_cast<std::size_t>(tapped)]});

  // Navigation along the bottom.
  f.set_cursor(f.content().x, f.content().y + f.content().h - t.sizes.button_height * f.scale());
  if (f.button("\u2190 " + v.tr("Back"), ui::ButtonKind::Secondary)) out.push_back({Action::Kind::Back, {}});
  if (pages > 1) {
    f.same_line();
    if (page_ > 0) {
      if (f.button(v.tr("Previous services"), ui::ButtonKind::Secondary)) page_--;
      f.same_line();
    }
    if (page_ + 1 < pages) {
      if (f.button(v.tr("More services") + " \u2192", ui::ButtonKind::Primary)) page_++;
    }
  }
  if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
  return out;
}

}  // namespace guichet::kiosk
