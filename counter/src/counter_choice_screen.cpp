#include <algorithm>
#include <chrono>

#include "screens.hpp"

namespace guichet::counter {

std::vector<Command> CounterChoiceScreen::draw(ui::Frame& frame, const Model& model) {
  std::vector<Command> out;
  const auto* cat = model.catalogue();
  if (!cat) return out;
  frame.text("Choose your counter", ui::TextStyle::Heading);
  frame.text(
      "Logged in as " + model.operator_name + " (" + model.operator_input + "). Tap a counter or press its number.",
      ui::TextStyle::Body, ui::Tone::Muted);
  frame.space();

  std::vector<ui::Tile> tiles;
  for (const auto& counter : cat->counters) {
    ui::Tile tile;
    tile.label = counter.name.get();
    tile.id = counter.id;
    // Prefixes keep the tile short; operators know their services by letter.
    std::string prefixes;
    for (const auto* s : cat->services_of_counter(counter.id)) {
      prefixes += prefixes.empty() ? "Serves " : ", ";
      prefixes += s->prefix;
    }
    tile.detail = counter.location.empty() ? prefixes : counter.location + "\n" + prefixes;
    tile.enabled = model.busy.empty();
    tiles.push_back(std::move(tile));
  }
  const int columns = tiles.size() > 4 ? 3 : 2;
  int rows = (static_cast<int>(tiles.size()) + columns - 1) / columns;
  const float gap = frame.theme().sizes.spacing * frame.scale();
  const float reserve = frame.theme().sizes.button_height * frame.scale() * 2.2f;
  const float room = frame.content().y + frame.content().h - frame.cursor().y - reserve;
  const float tile_h = std::min(frame.theme().sizes.tile_height * frame.scale() * 1.2f,
                                (room - gap * static_cast<float>(rows - 1)) / static_cast<float>(std::max(rows, 1)));
  int tapped = frame.tile_grid(tiles, columns, tile_h);
  if (tapped >= 0) out.push_back({CommandKind::ChooseCounter, cat->counters[tapped].id});

  frame.space();
  if (!model.busy.empty()) {
    frame.text(model.busy, ui::TextStyle::Body);
  } else if (model.notice) {
    frame.text(model.notice->text, ui::TextStyle::Body,
               model.notice->kind == Notice::Kind::Info ? ui::Tone::Normal : ui::Tone::Danger);
  }
  if (frame.button("Back to log in", ui::ButtonKind::Secondary, 0, model.busy.empty()) ||
      (model.busy.empty() && frame.key_pressed(SDLK_ESCAPE))) {
    out.push_back({CommandKind::CancelCounterChoice});
  }
  // Keyboard: the counter's number picks it (1 … 9), once no other character followed it.
  constexpr auto kQuiet = std::chrono::milliseconds(80);
  const auto now = frame.now();
  for (const auto& ev : frame.text_events()) {
    const bool lone_digit = ev.text.size() == 1 && ev.text[0] >= '1' && ev.text[0] <= '9';
    const bool in_burst = now - last_text_ < kQuiet;
    last_text_ = now;
    if (lone_digit && !in_burst && pending_digit_ == 0) {
      pending_digit_ = ev.text[0];
      pending_at_ = now;
    } else {
      pending_digit_ = 0;
    }
  }
  if (pending_digit_ != 0) {
    if (now - pending_at_ >= kQuiet && now - last_text_ >= kQuiet) {
      const int n = pending_digit_ - '0';
      pending_digit_ = 0;
      if (model.busy.empty()) {
        for (const auto& counter : cat->counters) {
          if (counter.number == n) out.push_back({CommandKind::ChooseCounter, counter.id});
        }
      }
    } else {
      frame.redraw_at(pending_at_ + kQuiet);
    }
  }
  return out;
}

}  // namespace guichet::counter
