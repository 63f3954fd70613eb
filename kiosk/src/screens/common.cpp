#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

void draw_header(ui::Frame& f, const View& v) {
  if (v.state.catalogue) {
    f.text(screen_text(v.state.catalogue->centre.name, v.state.language), ui::TextStyle::Small, ui::Tone::Muted,
           ui::Align::Center);
  }
}

bool staff_corner(ui::Frame& f) { return f.corner_control("Staff", ui::Corner::BottomRight); }

}  // namespace guichet::kiosk
