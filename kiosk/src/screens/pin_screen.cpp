#include "screens.hpp"

namespace guichet::kiosk {

std::vector<Action> PinScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const auto& s = v.state;
  f.text("Staff PIN", ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  bool locked = s.pin_locked_until && v.now < *s.pin_locked_until;
  if (s.pin_checking) {
    f.text("Checking…", ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  } else if (locked) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(*s.pin_locked_until - v.now).count() + 1;
    f.text("Wrong PIN. Try again in " + std::to_string(secs) + " s", ui::TextStyle::Body, ui::Tone::Danger,
           ui::Align::Center);
    f.redraw_at(v.now + std::chrono::seconds(1));
  } else if (!s.staff_message.empty()) {
    f.text(s.staff_message, ui::TextStyle::Body, ui::Tone::Danger, ui::Align::Center);
  } else {
    f.text("Enter the PIN, then OK", ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  }
  std::string pin = s.pin;
  ui::NumberPadOptions o;
  o.max_digits = 12;
  o.mask = true;
  o.submit_label = "OK";
  o.cancel_label = "Cancel";
  auto r = f.number_pad(pin, o);
  if (pin != s.pin) out.push_back({Action::Kind::PinChanged, pin});
  if (r == ui::PadResult::Submitted) out.push_back({Action::Kind::PinSubmit, {}});
  if (r == ui::PadResult::Cancelled) out.push_back({Action::Kind::PinCancel, {}});
  return out;
}

}  // namespace guichet::kiosk
