#include <algorithm>
#include <cmath>

#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

void draw_header(ui::Frame& f, const View& v) {
  const ui::Rect c = f.content();
  const float top = f.cursor().y;
  const std::string name = v.state.catalogue ? screen_text(v.state.catalogue->centre.name, v.state.language) : "";
  if (!name.empty()) f.text(name, ui::TextStyle::Small, ui::Tone::Muted, ui::Align::Center);
  if (!v.state.server_offline()) return;
  // The server cannot be reached: a small, muted mark at the end of the centre's line (on the
  // right, on the left in a mirrored screen: away from the Listen switch), where it takes no room
  // from the screen; on a line of its own only when there is no name or it leaves no room.
  const std::string mark = offline_mark(v.t());
  const float w = f.measure(mark, ui::TextStyle::Small).x;
  const float gap = f.theme().sizes.spacing * f.scale();
  const float name_w = f.measure(name, ui::TextStyle::Small).x;
  if (!name.empty() && (c.w - name_w) / 2 >= w + gap) {
    f.text_in({c.x + c.w - w, top, w, f.line_height(ui::TextStyle::Small)}, mark, ui::TextStyle::Small, ui::Tone::Muted,
              ui::Align::Right);
  } else {
    f.text(mark, ui::TextStyle::Small, ui::Tone::Muted, ui::Align::Center);
  }
}

void draw_header_without_name(ui::Frame& f, const View& v) {
  if (v.state.server_offline()) f.text(offline_mark(v.t()), ui::TextStyle::Small, ui::Tone::Muted, ui::Align::Center);
}

bool staff_corner(ui::Frame& f) { return f.corner_control("Staff", ui::Corner::BottomRight); }

int paged_tile_grid(ui::Frame& f, const View& v, const std::vector<ui::Tile>& tiles, int columns, float tile_h,
                    float reserve, TilePages& pages) {
  if (pages.session != v.state.session) {
    pages = TilePages{};
    pages.session = v.state.session;
  }
  const float gap = f.theme().sizes.spacing * f.scale();
  const float avail = f.content().y + f.content().h - f.cursor().y - reserve;
  const int rows = std::max(1, static_cast<int>(std::floor((avail + gap) / (tile_h + gap))));
  const int per_page = rows * columns;
  pages.pages = std::max(1, static_cast<int>((tiles.size() + static_cast<std::size_t>(per_page) - 1) /
                                             static_cast<std::size_t>(per_page)));
  pages.page = std::clamp(pages.page, 0, pages.pages - 1);
  const std::size_t first = static_cast<std::size_t>(pages.page * per_page);
  const std::size_t last = std::min(tiles.size(), first + static_cast<std::size_t>(per_page));
  std::vector<ui::Tile> shown(tiles.begin() + static_cast<long>(first), tiles.begin() + static_cast<long>(last));
  const int tapped = f.tile_grid(shown, columns, tile_h);
  return tapped < 0 ? -1 : static_cast<int>(first) + tapped;
}

void page_buttons(ui::Frame& f, const View&, TilePages& pages, const std::string& previous_label,
                  const std::string& more_label) {
  if (pages.pages <= 1) return;
  if (pages.page > 0) {
    f.same_line();
    if (f.button(previous_label, ui::ButtonKind::Secondary)) pages.page--;
  }
  if (pages.page + 1 < pages.pages) {
    f.same_line();
    if (f.button(more_label + " \u2192", ui::ButtonKind::Primary)) pages.page++;
  }
}

}  // namespace guichet::kiosk
