#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> SettingsScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const auto& s = v.state;
  const ui::Rect c = f.content();
  const float gap = f.theme().sizes.spacing * f.scale();
  const float half = (c.w - gap) / 2;
  // The heading over the left half only: the choices on the right take the full height above the
  // bottom row, so that their last row of buttons is whole in the large-text theme on a fine panel.
  const float bottom = c.y + c.h - f.theme().sizes.button_height * f.scale() - gap;
  f.set_cursor(c.x, c.y);
  f.text("Kiosk settings", ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Left);

  // Left: how things are.
  f.begin_panel("##status", half, bottom - f.cursor().y, false);
  f.text(std::string("Server: ") + (s.server_online ? "connected" : "not reachable") +
             (v.outbox_backlog > 0 ? " · " + std::to_string(v.outbox_backlog) + " waiting to send" : ""),
         ui::TextStyle::Body, s.server_online ? ui::Tone::Normal : ui::Tone::Danger);
  f.text(std::string("Printer: ") + (!s.printer.known  ? "not checked yet"
                                     : s.printer.ready ? "ready"
                                                       : s.printer.message),
         ui::TextStyle::Body, !s.printer.known || s.printer.ready ? ui::Tone::Normal : ui::Tone::Danger);
  if (s.catalogue) {
    f.text(std::string("Services: ") + std::to_string(s.catalogue->services.size()) +
               (s.catalogue_cached ? " (saved copy; the server has not answered yet)" : ""),
           ui::TextStyle::Body);
  }
  if (!s.staff_message.empty()) f.text(s.staff_message, ui::TextStyle::Body, ui::Tone::Accent);
  f.space();
  if (f.button(s.test_printing ? "Printing…" : "Print a test page", ui::ButtonKind::Secondary, 0, !s.test_printing)) {
    out.push_back({Action::Kind::TestPrint, {}});
  }
  f.end_panel();

  // Right: the choices.
  f.set_cursor(c.x + half + gap, c.y);
  f.begin_panel("##choices", half, bottom - c.y, false);
  f.text("When the printer fails:", ui::TextStyle::Body, ui::Tone::Muted);
  bool screen_policy = s.policy == PrinterPolicy::Screen;
  if (f.button(std::string(screen_policy ? "\u2713 " : "") + "Show the number on screen",
               screen_policy ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, f.available_width())) {
    out.push_back({Action::Kind::SetPolicy, "screen"});
  }
  if (f.button(std::string(!screen_policy ? "\u2713 " : "") + "Stop issuing tokens",
               !screen_policy ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, f.available_width())) {
    out.push_back({Action::Kind::SetPolicy, "stop"});
  }
  if (v.has_theme_choice) {
    f.space();
    f.text("Screen style:", ui::TextStyle::Body, ui::Tone::Muted);
    const std::pair<const char*, const char*> themes[] = {
        {"default", "Standard"}, {"high-contrast", "High contrast"}, {"large-text", "Large text"}};
    const float w = (f.available_width() - 2 * gap) / 3;
    bool first = true;
    for (const auto& [id, label] : themes) {
      if (!first) f.same_line();
      first = false;
      bool current = s.theme == id;
      if (f.button(std::string(current ? "\u2713 " : "") + label,
                   current ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, w)) {
        out.push_back({Action::Kind::SetTheme, id});
      }
    }
  }
  f.end_panel();

  // Bottom: leave.
  f.set_cursor(c.x, c.y + c.h - f.theme().sizes.button_height * f.scale());
  if (f.button("Back to the kiosk", ui::ButtonKind::Primary)) out.push_back({Action::Kind::CloseSettings, {}});
  f.same_line();
  if (f.button("Exit the kiosk", ui::ButtonKind::Danger)) out.push_back({Action::Kind::Exit, {}});
  return out;
}

}  // namespace guichet::kiosk
