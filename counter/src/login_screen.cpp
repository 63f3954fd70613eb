#include <algorithm>

#include "screens.hpp"

namespace guichet::counter {

namespace {

std::string centre_name(const Model& model) {
  return model.catalogue() ? model.catalogue()->centre.name.get() : std::string("Guichet");
}

}  // namespace

void LoginScreen::clear_pin() {
  std::fill(pin_.begin(), pin_.end(), '\0');
  pin_.clear();
}

void LoginScreen::clear_all() {
  clear_pin();
  operator_id_.clear();
}

std::vector<Command> LoginScreen::draw(ui::Frame& frame, const Model& model) {
  std::vector<Command> out;
  const ui::Rect c = frame.content();
  const float gap = frame.theme().sizes.spacing * frame.scale();
  const float left_w = std::floor(c.w * 0.45f);
  const float right_x = c.x + left_w + 2 * gap;
  const float right_w = c.w - left_w - 2 * gap;

  // Left: where we are and what happened.
  frame.set_cursor(c.x, c.y);
  frame.begin_panel("login-info", left_w, c.h, false);
  frame.text(centre_name(model), ui::TextStyle::Heading, ui::Tone::Accent);
  frame.text("Counter terminal " + model.device_id, ui::TextStyle::Body, ui::Tone::Muted);
  frame.space();
  if (!model.catalogue()) {
    frame.text("Connecting to the centre server…", ui::TextStyle::Large);
    if (!model.login_message.empty()) {
      frame.text(model.login_message, ui::TextStyle::Body, ui::Tone::Danger);
      if (frame.button("Try again", ui::ButtonKind::Secondary)) out.push_back({CommandKind::RetryConnect});
    } else {
      frame.spinner();
    }
    frame.end_panel();
    return out;
  }
  if (model.login_step == LoginStep::Operator) {
    frame.text("Log in", ui::TextStyle::Large);
    frame.text("Type your operator ID and press Enter.", ui::TextStyle::Body, ui::Tone::Muted);
  } else {
    frame.text("Operator " + model.operator_input, ui::TextStyle::Large);
    frame.text("Enter your PIN on the pad or the keyboard, then Enter.", ui::TextStyle::Body, ui::Tone::Muted);
  }
  frame.space();
  if (!model.busy.empty()) {
    frame.text(model.busy, ui::TextStyle::Body);
    frame.spinner();
  } else if (!model.login_message.empty()) {
    frame.text(model.login_message, ui::TextStyle::Large, ui::Tone::Danger);
  }
  const std::int64_t wait_ms = model.retry_at_ms - model.now_ms;
  if (wait_ms > 0) {
    const std::int64_t secs = (wait_ms + 999) / 1000;
    frame.text("You can try again in " + std::to_string(secs) + " s.", ui::TextStyle::Body, ui::Tone::Danger);
    frame.redraw_at(frame.now() + std::chrono::milliseconds(wait_ms % 1000 + 1));
  }
  frame.end_panel();

  // Right: the input.
  frame.set_cursor(right_x, c.y);
  frame.begin_panel("login-input", right_w, c.h, false);
  const bool idle = model.busy.empty();
  if (model.login_step == LoginStep::Operator) {
    frame.space(c.h * 0.15f);
    // Enter is also read from the kit's key list: ImGui sees a key only through its scancode,
    // which injected key events may lack.
    const bool entered = frame.input_text("Operator ID", operator_id_) || frame.key_pressed(SDLK_RETURN) ||
                         frame.key_pressed(SDLK_KP_ENTER);
    frame.space();
    const bool next = frame.button("Next", ui::ButtonKind::Primary, right_w, idle && !operator_id_.empty());
    if (idle && (entered || next) && !operator_id_.empty()) {
      out.push_back({CommandKind::SubmitOperator, operator_id_});
    }
  } else {
    ui::NumberPadOptions pad;
    pad.max_digits = 12;
    pad.submit_label = "Log in";
    pad.cancel_label = "Back";
    ui::PadResult r = frame.number_pad(pin_, pad);
    if (idle && r == ui::PadResult::Submitted && !pin_.empty()) {
      out.push_back({CommandKind::SubmitPin, pin_});
      clear_pin();
    } else if (r == ui::PadResult::Cancelled) {
      clear_pin();
      out.push_back({CommandKind::BackToOperator});
    }
  }
  frame.end_panel();
  return out;
}

}  // namespace guichet::counter
