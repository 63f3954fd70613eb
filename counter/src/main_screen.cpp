#include <algorithm>
#include <cmath>

#include "screens.hpp"

namespace guichet::counter {

namespace d = guichet::domain;

namespace {

ui::Tone tone_of(Notice::Kind kind) {
  switch (kind) {
    case Notice::Kind::Error:
    case Notice::Kind::Offline:
      return ui::Tone::Danger;
    case Notice::Kind::Success:
    case Notice::Kind::Info:
      break;
  }
  return ui::Tone::Normal;
}

ui::ButtonKind kind_of(Action a) {
  switch (a) {
    case Action::CallNext:
    case Action::Finish:
      return ui::ButtonKind::Primary;
    case Action::NoShow:
      return ui::ButtonKind::Danger;
    default:
      return ui::ButtonKind::Secondary;
  }
}

std::string minutes_text(int minutes) { return minutes == 1 ? "1 min" : std::to_string(minutes) + " min"; }

}  // namespace

std::vector<Command> MainScreen::draw(ui::Frame& frame, const Model& model, std::uint32_t ticks_ms) {
  std::vector<Command> out;
  const ui::Rect c = frame.content();
  const float s = frame.scale();
  const float gap = frame.theme().sizes.spacing * s;
  const float button_h = frame.theme().sizes.button_height * s;
  const float body_line = frame.font(ui::TextStyle::Body)->FontSize * 1.15f;
  const float large_line = frame.font(ui::TextStyle::Large)->FontSize * 1.15f;

  // Top: where and who, and whether the server is there. Bottom: the actions, in function-key
  // order, like the keys above a keyboard. Between them: the citizen at the counter (left) and
  // the people waiting (right).
  const ui::Rect bar{c.x, c.y, c.w, large_line + body_line};
  const float strip_h = 2 * button_h + gap;
  const ui::Rect strip{c.x, c.y + c.h - strip_h, c.w, strip_h};
  const float y0 = bar.y + bar.h + gap;
  const float mid_h = strip.y - gap - y0;
  const float left_w = std::floor((c.w - gap) * 0.55f);
  const float notice_h = 2 * body_line;
  const ui::Rect card{c.x, y0, left_w, mid_h - notice_h - gap / 2};
  const ui::Rect notice{c.x, card.y + card.h + gap / 2, left_w, notice_h};
  const ui::Rect waiting{c.x + left_w + gap, y0, c.w - left_w - gap, mid_h};

  draw_top_bar(frame, model, bar, out);
  if (model.picker == Picker::None) {
    draw_current(frame, model, card);
    draw_waiting(frame, model, waiting);
  } else {
    // The picker takes the whole middle: as many rows in view as the screen allows.
    draw_picker(frame, model, ui::Rect{c.x, y0, c.w, mid_h}, out);
  }
  if (model.picker != Picker::None) {
    // The picker has the room; its buttons say what happens next.
  } else if (!model.busy.empty()) {
    frame.text_in(notice, model.busy, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Left);
  } else if (model.notice) {
    // Done is said in white with a tick: the theme's green is too faint on the dark background
    // for a sentence that has to be read at a glance.
    const std::string text =
        model.notice->kind == Notice::Kind::Success ? "\u2713 " + model.notice->text : model.notice->text;
    frame.text_in(notice, text, ui::TextStyle::Body, tone_of(model.notice->kind), ui::Align::Left);
  }
  draw_actions(frame, model, strip, out);
  handle_keys(frame, model, ticks_ms, out);
  // Waited minutes move on even when nothing else happens.
  frame.redraw_at(frame.now() + std::chrono::seconds(20));
  return out;
}

void MainScreen::draw_top_bar(ui::Frame& frame, const Model& model, const ui::Rect& area, std::vector<Command>&) {
  std::string title = model.counter_name(model.counter);
  if (const auto* cat = model.catalogue()) {
    if (const auto* counter = cat->counter(model.counter); counter && !counter->location.empty()) {
      title += " - " + counter->location;
    }
  }
  const float large_line = frame.font(ui::TextStyle::Large)->FontSize * 1.15f;
  frame.text_in(ui::Rect{area.x, area.y, area.w * 0.55f, large_line}, title, ui::TextStyle::Large, ui::Tone::Normal,
                ui::Align::Left);
  frame.text_in(ui::Rect{area.x, area.y + large_line, area.w * 0.55f, area.h - large_line},
                model.operator_name + " (" + model.operator_id + ")" +
                    (model.offline_session ? " - PIN checked on this counter" : ""),
                ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Left);

  const ConnectionStatus connection = model.connection();
  const bool live = connection.kind == ConnectionStatus::Kind::Live;
  const std::string& status = connection.text;
  const ui::Tone tone = live ? ui::Tone::Success : ui::Tone::Danger;
  const ui::TextStyle style = live ? ui::TextStyle::Body : ui::TextStyle::Large;
  const std::string files = model.files_status();
  const float status_h = files.empty() ? area.h : area.h - large_line;
  frame.text_in(ui::Rect{area.x + area.w * 0.45f, area.y, area.w * 0.55f, status_h}, status, style, tone,
                ui::Align::Right);
  // Scanned pages kept here until the centre has them.
  if (!files.empty()) {
    frame.text_in(ui::Rect{area.x + area.w * 0.45f, area.y + status_h, area.w * 0.55f, area.h - status_h}, files,
                  ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Right);
  }
}

void MainScreen::draw_current(ui::Frame& frame, const Model& model, const ui::Rect& card) {
  frame.set_cursor(card.x, card.y);
  frame.begin_panel("current", card.w, card.h, true);
  frame.text("AT THE COUNTER", ui::TextStyle::Small, ui::Tone::Muted);
  if (!model.current) {
    frame.text("Nobody at the counter", ui::TextStyle::Heading);
    frame.text(model.offline_session
                   ? "Calling tokens waits until the centre server answers. Take a walk-in's application with [F11]."
                   : "Call the next citizen [F1], pick one from the list [F8] or scan a token's QR code.",
               ui::TextStyle::Body, ui::Tone::Muted);
    frame.end_panel();
    return;
  }
  const CurrentCitizen& cur = *model.current;
  const d::Token& t = cur.token;
  frame.text(t.display_number(), ui::TextStyle::Heading, ui::Tone::Accent);
  frame.same_line();
  const ui::Vec2 after = frame.cursor();
  const float heading_h = frame.font(ui::TextStyle::Heading)->FontSize;
  const float large_h = frame.font(ui::TextStyle::Large)->FontSize;
  frame.set_cursor(after.x, after.y + (heading_h - large_h) * 0.55f);
  frame.text(model.service_name(t.service), ui::TextStyle::Large);
  if (t.is_priority()) {
    frame.text("Priority: " + model.priority_name(t.priority), ui::TextStyle::Body, ui::Tone::Accent);
  }
  std::string line = state_label(t.state);
  if (t.recalls > 0) line += " - recalled " + std::to_string(t.recalls) + (t.recalls == 1 ? " time" : " times");
  frame.text(line + " - waited " + minutes_text(model.waited_minutes(t, model.now_ms)), ui::TextStyle::Body,
             ui::Tone::Muted);
  if (cur.reason) {
    frame.text("Why this token: " + reason_label(*cur.reason), ui::TextStyle::Body);
    if (!cur.explanation.empty()) frame.text(cur.explanation, ui::TextStyle::Body, ui::Tone::Muted);
  } else {
    frame.text("Called before this terminal started; the reason is in the centre's records.", ui::TextStyle::Small,
               ui::Tone::Muted);
  }
  frame.end_panel();
}

void MainScreen::draw_actions(ui::Frame& frame, const Model& model, const ui::Rect& area, std::vector<Command>& out) {
  const float gap = frame.theme().sizes.spacing * frame.scale();
  const float button_h = frame.theme().sizes.button_height * frame.scale();
  const int per_row = 6;  // two rows: F1–F6, F7–F11
  const float w = std::floor((area.w - gap * (per_row - 1)) / per_row);
  int i = 0;
  for (const auto& a : all_actions()) {
    const int row = i / per_row, col = i % per_row;
    frame.set_cursor(area.x + static_cast<float>(col) * (w + gap), area.y + static_cast<float>(row) * (button_h + gap));
    if (frame.button(button_label(a.action), kind_of(a.action), w, model.enabled(a.action))) {
      out.push_back({CommandKind::Act, a.action});
    }
    ++i;
  }
}

void MainScreen::draw_picker(ui::Frame& frame, const Model& model, const ui::Rect& area, std::vector<Command>& out) {
  const float gap = frame.theme().sizes.spacing * frame.scale();
  const float button_h = frame.theme().sizes.button_height * frame.scale();
  std::string title, confirm;
  const int n = model.picker_size();
  const bool has_selection = model.picker_index >= 0 && model.picker_index < n;
  switch (model.picker) {
    case Picker::CallSpecific:
      title = "Call which token?";
      confirm =
          "Call " + (has_selection ? model.waiting[model.picker_index].display_number() : std::string()) + " [Enter]";
      break;
    case Picker::Resume:
      title = "Resume which parked token?";
      confirm =
          "Resume " + (has_selection ? model.parked[model.picker_index].display_number() : std::string()) + " [Enter]";
      break;
    case Picker::Transfer:
      title = "Transfer " + (model.current ? model.current->token.display_number() : std::string()) + " to:";
      confirm = "Transfer [Enter]";
      break;
    case Picker::None:
      return;
  }
  frame.set_cursor(area.x, area.y);
  frame.begin_panel("picker-area", area.w, area.h, false);
  frame.text(title + " Up/Down to choose.", ui::TextStyle::Large);
  const float top = frame.cursor().y;
  const float buttons_w = std::floor(area.w * 0.26f);
  const float list_w = area.w - buttons_w - gap;
  frame.begin_panel("picker-list-area", list_w, area.y + area.h - top, false);
  int tapped = frame.text_list("picker", model.picker_rows(model.now_ms), area.y + area.h - top, model.picker_index);
  frame.end_panel();
  if (tapped >= 0) out.push_back({CommandKind::PickerSelect, tapped});
  frame.set_cursor(area.x + list_w + gap, top);
  if (frame.button(confirm, ui::ButtonKind::Primary, buttons_w, has_selection && model.busy.empty())) {
    out.push_back({CommandKind::PickerConfirm});
  }
  frame.set_cursor(area.x + list_w + gap, top + button_h + gap);
  if (frame.button("Cancel [Esc]", ui::ButtonKind::Secondary, buttons_w)) out.push_back({CommandKind::ClosePicker});
  frame.end_panel();
}

void MainScreen::draw_waiting(ui::Frame& frame, const Model& model, const ui::Rect& area) {
  const float pad = frame.theme().sizes.spacing * frame.scale();
  const float large_h = frame.font(ui::TextStyle::Large)->FontSize * 1.15f;
  const float body_h = frame.font(ui::TextStyle::Body)->FontSize * 1.15f;
  const auto groups = model.waiting_groups(model.now_ms);

  const float title_h = large_h + pad * 0.3f;
  // Logged in on this counter alone, the queue is the server's and unknown here: no count is shown
  // that could be taken for "nobody waiting".
  frame.text_in(ui::Rect{area.x, area.y, area.w, large_h},
                model.offline_session ? std::string("Waiting") : "Waiting: " + std::to_string(model.waiting.size()),
                ui::TextStyle::Large, ui::Tone::Normal, ui::Align::Left);
  frame.set_cursor(area.x, area.y + title_h);
  frame.begin_panel("waiting", area.w, area.h - title_h, true);
  if (model.offline_session) {
    frame.text("The waiting list shows when the centre server answers.", ui::TextStyle::Body, ui::Tone::Muted);
    frame.end_panel();
    return;
  }
  const float inner_w = frame.available_width();
  auto token_row = [&](const d::Token& t, const std::string& priority, int minutes) {
    const ui::Vec2 at = frame.cursor();
    frame.text(t.display_number(), ui::TextStyle::Large, t.is_priority() ? ui::Tone::Accent : ui::Tone::Normal);
    const float dy = (large_h - body_h) / 2;
    if (!priority.empty()) {
      frame.set_cursor(at.x + inner_w * 0.25f, at.y + dy);
      frame.text(priority, ui::TextStyle::Body, ui::Tone::Accent);
    }
    frame.text_in(ui::Rect{at.x, at.y, inner_w, large_h}, minutes_text(minutes), ui::TextStyle::Body, ui::Tone::Normal,
                  ui::Align::Right);
    frame.set_cursor(at.x, at.y + large_h);
  };
  for (const auto& g : groups) {
    std::string head = g.name;
    if (!g.prefix.empty()) head += " (" + g.prefix + ")";
    head += g.rows.empty() ? " - nobody waiting" : " - " + std::to_string(g.rows.size()) + " waiting";
    frame.text(head, ui::TextStyle::Body, ui::Tone::Muted);
    for (const auto& r : g.rows) token_row(*r.token, r.priority, r.waited_minutes);
    if (!g.rows.empty()) frame.space(pad * 0.4f);
  }
  if (!model.parked.empty()) {
    frame.text("Parked at this counter (resume with [F9])", ui::TextStyle::Body, ui::Tone::Muted);
    for (const auto& t : model.parked) {
      token_row(t, model.priority_name(t.priority), model.waited_minutes(t, model.now_ms));
    }
  }
  frame.end_panel();
}

void MainScreen::handle_keys(ui::Frame& frame, const Model& model, std::uint32_t ticks_ms, std::vector<Command>& out) {
  for (const auto& ev : frame.text_events()) scanner_.on_text(ev.text, ev.at_ms);
  bool enter = frame.key_pressed(SDLK_RETURN) || frame.key_pressed(SDLK_KP_ENTER);
  if (enter) {
    if (auto scanned = scanner_.on_enter(ticks_ms)) {
      out.push_back({CommandKind::Scanned, *scanned});
      enter = false;
    }
  }
  if (model.picker != Picker::None) {
    if (frame.key_pressed(SDLK_ESCAPE)) out.push_back({CommandKind::ClosePicker});
    if (frame.key_pressed(SDLK_UP)) out.push_back({CommandKind::PickerMove, -1});
    if (frame.key_pressed(SDLK_DOWN)) out.push_back({CommandKind::PickerMove, +1});
    if (enter) out.push_back({CommandKind::PickerConfirm});
  } else if (frame.key_pressed(SDLK_ESCAPE) && model.notice) {
    out.push_back({CommandKind::DismissNotice});
  }
  // SDL's F1 … F12 key codes are consecutive.
  for (int n = 1; n <= 12; ++n) {
    if (!frame.key_pressed(SDLK_F1 + n - 1)) continue;
    if (auto action = action_for_function_key(n)) out.push_back({CommandKind::Act, *action});
  }
}

}  // namespace guichet::counter
