#include <algorithm>
#include <cmath>

#include "screens.hpp"

namespace guichet::counter {

namespace d = guichet::domain;

namespace {

std::string title_of(const ApplicationForm& form) {
  return form.token_display.empty() ? std::string("New application - walk-in")
                                    : "New application - token " + form.token_display;
}

}  // namespace

std::vector<Command> ApplicationScreen::draw(ui::Frame& frame, const Model& model, ApplicationForm& form) {
  std::vector<Command> out;
  const d::Catalogue* cat = model.catalogue();
  const ui::Rect c = frame.content();
  const float s = frame.scale();
  const float gap = frame.theme().sizes.spacing * s;
  const float button_h = frame.theme().sizes.button_height * s;
  const bool escape = frame.key_pressed(SDLK_ESCAPE);
  const bool enter = frame.key_pressed(SDLK_RETURN) || frame.key_pressed(SDLK_KP_ENTER);

  frame.set_cursor(c.x, c.y);
  frame.text(title_of(form), ui::TextStyle::Heading);

  if (!cat) {
    frame.text("The centre's catalogue is not loaded yet.", ui::TextStyle::Body, ui::Tone::Danger);
    if (escape || frame.button("Close [Esc]", ui::ButtonKind::Secondary)) out.push_back({CommandKind::AppClose});
    return out;
  }

  switch (form.step) {
    case FormStep::ChooseService: {
      frame.text("Which service? Up/Down to choose, Enter to confirm.", ui::TextStyle::Large);
      std::vector<std::string> rows;
      for (const auto& id : form.services) {
        const auto* svc = cat->service(id);
        rows.push_back((svc ? svc->name.get("en") : id) + " - fee " + fee_text(*cat, id));
      }
      const int n = static_cast<int>(rows.size());
      highlighted_ = std::clamp(highlighted_, 0, std::max(0, n - 1));
      if (frame.key_pressed(SDLK_UP)) highlighted_ = std::max(0, highlighted_ - 1);
      if (frame.key_pressed(SDLK_DOWN)) highlighted_ = std::min(std::max(0, n - 1), highlighted_ + 1);
      const float list_h = c.y + c.h - frame.cursor().y - button_h - gap;
      const int tapped = frame.text_list("services", rows, list_h, highlighted_);
      if (tapped >= 0) highlighted_ = tapped;
      if (frame.button("Choose [Enter]", ui::ButtonKind::Primary, 0, n > 0) || (enter && n > 0)) {
        out.push_back({CommandKind::AppChooseService, form.services[static_cast<std::size_t>(highlighted_)]});
      }
      frame.same_line();
      if (frame.button("Cancel [Esc]", ui::ButtonKind::Secondary) || escape) out.push_back({CommandKind::AppClose});
      return out;
    }
    case FormStep::Saving:
      frame.text("Saving and printing…", ui::TextStyle::Large);
      frame.spinner();
      return out;
    case FormStep::Done:
      if (!form.receipt.empty()) {
        frame.text("Receipt number", ui::TextStyle::Body, ui::Tone::Muted);
        frame.text(form.receipt, ui::TextStyle::Display, ui::Tone::Accent);
      }
      frame.text_in(ui::Rect{c.x, frame.cursor().y, c.w, 3 * button_h}, form.outcome, ui::TextStyle::Large,
                    form.print_failed || form.receipt.empty() ? ui::Tone::Danger : ui::Tone::Success, ui::Align::Left);
      frame.set_cursor(c.x, frame.cursor().y + 3 * button_h + gap);
      if (frame.button("Close [Enter]", ui::ButtonKind::Primary) || enter || escape) {
        out.push_back({CommandKind::AppClose});
      }
      return out;
    case FormStep::Fill:
      break;
  }

  const d::Service* svc = cat->service(form.draft.service);
  if (!svc) {
    out.push_back({CommandKind::AppChangeService});
    return out;
  }
  frame.text(svc->name.get("en") + " - Tab moves to the next field, F12 saves and prints, Esc leaves without saving.",
             ui::TextStyle::Body, ui::Tone::Muted);
  const float top = frame.cursor().y + gap / 2;
  const float left_w = std::floor((c.w - gap) * 0.58f);
  const float right_w = c.w - left_w - gap;
  const float panel_h = c.y + c.h - top;

  // Left: the form in two columns, each problem under its field.
  frame.set_cursor(c.x, top);
  frame.begin_panel("application-form", left_w, panel_h, true);
  const ui::Vec2 origin = frame.cursor();
  const float col_w = std::floor((frame.available_width() - gap) / 2);
  float row_top = origin.y, row_bottom = origin.y;
  int col = 0;
  for (const auto& field : svc->form) {
    std::string label = field.label.get("en");
    if (field.required) label += " *";
    if (field.type == d::FieldType::Date) label += " (day/month/year)";
    if (field.type == d::FieldType::YesNo) label += " (yes / no)";
    if (field.type == d::FieldType::Choice) {
      std::string list;
      for (const auto& ch : field.choices) list += (list.empty() ? "" : " / ") + ch.label.get("en");
      label += " (" + list + ")";
    }
    frame.set_cursor(origin.x + static_cast<float>(col) * (col_w + gap), row_top);
    std::string& value = form.draft.values[field.id];
    frame.input_text(label + "##" + field.id, value, false, col_w);
    const std::string problem = field_problem(form, field);
    if (!problem.empty()) {
      const ui::Vec2 at = frame.cursor();
      const float h = frame.font(ui::TextStyle::Small)->FontSize * 1.2f;
      frame.text_fit(ui::Rect{at.x, at.y, col_w, h}, problem, ui::TextStyle::Small, ui::Tone::Danger, ui::Align::Left);
      frame.set_cursor(at.x, at.y + h);
    }
    row_bottom = std::max(row_bottom, frame.cursor().y);
    if (++col == 2) {
      col = 0;
      row_top = row_bottom + gap / 2;
    }
  }
  frame.end_panel();

  // Right: documents, fee, save.
  frame.set_cursor(c.x + left_w + gap, top);
  frame.begin_panel("application-side", right_w, panel_h, true);
  frame.text("Documents (Ctrl+number toggles)", ui::TextStyle::Large);
  int i = 0;
  for (const auto& doc : svc->documents) {
    ++i;
    const auto it = form.draft.documents.find(doc.id);
    const bool present = it != form.draft.documents.end() && it->second;
    const std::string label = std::to_string(i) + ". " + (present ? "Present: " : "Missing: ") + doc.name.get("en") +
                              (doc.required ? "" : " (optional)");
    const bool by_key = i <= 9 && frame.key_pressed(SDLK_1 + i - 1, KMOD_CTRL);
    if (frame.button(label, present ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, frame.available_width()) ||
        by_key) {
      out.push_back({CommandKind::AppToggleDocument, doc.id});
    }
  }
  if (svc->documents.empty()) frame.text("This service asks for no documents.", ui::TextStyle::Body, ui::Tone::Muted);
  frame.space();
  frame.text("Fee collected: " + fee_text(*cat, svc->id), ui::TextStyle::Large, ui::Tone::Accent);
  if (form.checked && !form.draft.problems.empty()) {
    const std::size_t n = form.draft.problems.size();
    frame.text(std::to_string(n) + (n == 1 ? " problem" : " problems") + " in the form: see the fields in red.",
               ui::TextStyle::Body, ui::Tone::Danger);
  }
  frame.space();
  const float w = frame.available_width();
  if (frame.button("Save and print [F12]", ui::ButtonKind::Primary, w, model.busy.empty()) ||
      frame.key_pressed(SDLK_F12)) {
    out.push_back({CommandKind::AppSave});
  }
  if (form.services.size() > 1 && frame.button("Other service", ui::ButtonKind::Secondary, w)) {
    out.push_back({CommandKind::AppChangeService});
  }
  if (frame.button("Cancel [Esc]", ui::ButtonKind::Secondary, w) || escape) out.push_back({CommandKind::AppClose});
  frame.end_panel();
  return out;
}

}  // namespace guichet::counter
