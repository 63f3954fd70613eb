#include <algorithm>
#include <cmath>
#include <optional>

#include "../format.hpp"
#include "guichet/text/locale_format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

namespace {

// A closed service's second line: when it opens again today, or only that it is closed.
std::string closed_detail(const View& v, const domain::Service& s, domain::Instant now, int utc_offset_minutes) {
  const auto lt = domain::to_local(now, utc_offset_minutes);
  const auto& today = s.hours.by_weekday[static_cast<std::size_t>(lt.weekday % 7)];
  std::optional<int> opens;
  for (const auto& r : today) {
    if (r.from_minute > lt.minute_of_day && (!opens || r.from_minute < *opens)) opens = r.from_minute;
  }
  if (!opens) return v.tr("Closed now");
  return v.tr("Closed now, opens at {time}", {{"time", text::format_time(v.state.language, *opens / 60, *opens % 60)}});
}

}  // namespace

std::vector<Action> ServiceScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  if (!v.state.catalogue) return out;
  const auto& cat = *v.state.catalogue;
  const std::string& lang = v.state.language;
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
      detail = closed_detail(v, s, now, cat.centre.utc_offset_minutes);
    } else if (const auto* d = cat.department(s.department)) {
      detail = screen_text(d->name, lang);
    }
    tiles.push_back({screen_text(s.name, lang), detail, open, "svc:" + s.id});
    ids.push_back(s.id);
  }

  // As many rows as fit above the navigation buttons; the rest on further pages.
  const auto& t = f.theme();
  const float nav_h = (t.sizes.button_height + t.sizes.spacing) * f.scale();
  int tapped = paged_tile_grid(f, v, tiles, 3, t.sizes.tile_height * f.scale(), nav_h, pages_);
  if (tapped >= 0) out.push_back({Action::Kind::ChooseService, ids[static_cast<std::size_t>(tapped)]});

  // Navigation along the bottom.
  f.set_cursor(f.content().x, f.content().y + f.content().h - t.sizes.button_height * f.scale());
  if (f.button("\u2190 " + v.tr("Back"), ui::ButtonKind::Secondary)) out.push_back({Action::Kind::Back, {}});
  page_buttons(f, v, pages_, v.tr("Previous services"), v.tr("More services"));
  if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
  return out;
}

}  // namespace guichet::kiosk
