#include <algorithm>
#include <cmath>

#include "i18n.hpp"
#include "screens.hpp"

namespace guichet::counter {

namespace d = guichet::domain;

namespace {

std::string title_of(const ApplicationForm& form) {
  return form.token_display.empty() ? std::string("New application - walk-in")
                                    : "New application - token " + form.token_display;
}

}  // namespace

std::vector<Command> ApplicationScreen::draw(ui::Frame& frame, const Model& model, ApplicationForm& form,
                                             bool can_scan) {
  std::vector<Command> out;
  const d::Catalogue* cat = model.catalogue();
  const ui::Rect c = frame.content();
  const float s = frame.scale();
  const float gap = frame.theme().sizes.spacing * s;
  const float button_h = frame.theme().sizes.button_height * s;
  const bool escape = frame.key_pressed(SDLK_ESCAPE);
  const bool enter = frame.key_pressed(SDLK_RETURN) || frame.key_pressed(SDLK_KP_ENTER);

  // The main screen's offline mark, smaller: what is saved now waits here until the link returns.
  if (const ConnectionStatus link = model.connection(); link.kind == ConnectionStatus::Kind::Offline) {
    const float heading_line = frame.font(ui::TextStyle::Heading)->FontSize * 1.15f;
    frame.text_in(ui::Rect{c.x + c.w * 0.45f, c.y, c.w * 0.55f, heading_line}, link.text, ui::TextStyle::Body,
                  ui::Tone::Danger, ui::Align::Right);
  } else if (const std::string files = model.files_status(); !files.empty()) {
    const float heading_line = frame.font(ui::TextStyle::Heading)->FontSize * 1.15f;
    frame.text_in(ui::Rect{c.x + c.w * 0.45f, c.y, c.w * 0.55f, heading_line}, files, ui::TextStyle::Body,
                  ui::Tone::Muted, ui::Align::Right);
  }
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
        frame.text("Due by " + kiosk::display_date(form.due_on), ui::TextStyle::Large);
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
  const float left_w = std::floor((c.w - gap) * 0.62f);
  const float right_w = c.w - left_w - gap;
  const float panel_h = c.y + c.h - top;

  // Left: the form in three columns (one panel each, filled top to bottom), each problem under its
  // field.
  frame.set_cursor(c.x, top);
  frame.begin_panel("application-form", left_w, panel_h, true);
  const ui::Vec2 origin = frame.cursor();
  constexpr int kColumns = 3;
  const float col_w = std::floor((frame.available_width() - gap * (kColumns - 1)) / kColumns);
  const float col_h = c.y + c.h - origin.y - gap;
  const std::size_t per_col = (svc->form.size() + kColumns - 1) / kColumns;
  for (int col = 0; col < kColumns; ++col) {
    frame.set_cursor(origin.x + static_cast<float>(col) * (col_w + gap), origin.y);
    frame.begin_panel("form-column-" + std::to_string(col), col_w, col_h, false);
    const std::size_t first = std::min(svc->form.size(), per_col * static_cast<std::size_t>(col));
    const std::size_t last = std::min(svc->form.size(), first + per_col);
    for (std::size_t i = first; i < last; ++i) {
      const auto& field = svc->form[i];
      std::string label = field.label.get("en");
      if (field.required) label += " *";
      // Short labels: three columns of fields must fit a 1280x800 screen. A choice typed wrong is
      // answered with the list of its answers, under the field.
      if (field.type == d::FieldType::Date) label += " (d/m/y)";
      if (field.type == d::FieldType::YesNo) label += " (yes/no)";
      std::string& value = form.draft.values[field.id];
      frame.input_text(label + "##" + field.id, value);
      const std::string problem = field_problem(form, field);
      if (!problem.empty()) frame.text(problem, ui::TextStyle::Small, ui::Tone::Danger);
    }
    frame.end_panel();
  }
  frame.end_panel();

  // Right: documents (a row each: tap or Ctrl+number toggles; with a scanner, Scan or Alt+number
  // scans a page for it), fee, save.
  frame.set_cursor(c.x + left_w + gap, top);
  frame.begin_panel("application-side", right_w, panel_h, true);
  // At 1280x800 the side panel is about 580 pixels tall: the hint, the fee and the problems take a
  // line of small text each, the buttons under Save are smaller, and the document rows are
  // compact (their names set smaller rather than cut), so the checklist gets the room.
  frame.text(can_scan ? "Documents: tap or Ctrl+number; Scan or Alt+number" : "Documents: tap or Ctrl+number",
             ui::TextStyle::Small, ui::Tone::Muted);
  if (!form.scanning.empty()) {
    std::string name = form.scanning;
    for (const auto& doc : svc->documents) {
      if (doc.id == form.scanning) name = doc.name.get("en");
    }
    frame.text("Scanning " + name + "…", ui::TextStyle::Body, ui::Tone::Accent);
    frame.animate();  // the row's state changes when the page arrives
  } else if (!form.scan_message.empty()) {
    frame.text(form.scan_message, ui::TextStyle::Body, ui::Tone::Danger);
  }
  const float row_h = std::floor(button_h * 0.72f);
  const float small_h = std::floor(button_h * 0.6f);
  const bool show_problems = form.checked && !form.draft.problems.empty();
  if (svc->documents.empty()) {
    frame.text("This service asks for no documents.", ui::TextStyle::Body, ui::Tone::Muted);
  } else {
    // The rows scroll when they would push the fee, the problems and the buttons off the panel.
    // With a scanner each document has a second, smaller line under its row: Scan (or Alt+number,
    // as the line above says) and taking the last page off. The row itself keeps the panel's
    // whole width for the document's name.
    const std::size_t n_docs = svc->documents.size();
    const float per_doc = row_h + gap + (can_scan ? small_h + gap : 0.0f);
    const float all_rows = static_cast<float>(n_docs) * per_doc + gap;
    const float below = frame.line_height(ui::TextStyle::Body) +
                        (show_problems ? frame.line_height(ui::TextStyle::Small) : 0.0f) + button_h + small_h + 5 * gap;
    const float room = top + panel_h - frame.cursor().y - below;
    frame.begin_panel("documents", frame.available_width(), std::clamp(room, std::min(all_rows, per_doc), all_rows),
                      false);
    int i = 0;
    for (const auto& doc : svc->documents) {
      ++i;
      const auto it = form.draft.documents.find(doc.id);
      const bool present = it != form.draft.documents.end() && it->second;
      const auto pages = form.pages.find(doc.id);
      const std::size_t n = pages == form.pages.end() ? 0 : pages->second.size();
      const std::string row = std::to_string(i) + ". " + (present ? "Present: " : "Missing: ") + doc.name.get("en") +
                              (doc.required ? "" : " (optional)") + (n > 0 ? " - " + pages_text(n) : "");
      if (frame.button(row, present ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, frame.available_width(),
                       true, row_h) ||
          (i <= 9 && frame.key_pressed(SDLK_1 + i - 1, KMOD_CTRL))) {
        out.push_back({CommandKind::AppToggleDocument, doc.id});
      }
      if (!can_scan) continue;
      const float half = std::floor((frame.available_width() - gap) / 2);
      if (frame.button("Scan " + std::to_string(i) + ".", ui::ButtonKind::Secondary, half, form.scanning.empty(),
                       small_h) ||
          (i <= 9 && form.scanning.empty() && frame.key_pressed(SDLK_1 + i - 1, KMOD_ALT))) {
        out.push_back({CommandKind::AppScan, doc.id});
      }
      if (n > 0) {
        // The last page can be taken off before saving (a page scanned askew, the wrong paper).
        frame.same_line();
        if (frame.button("Remove a page of " + std::to_string(i) + ".", ui::ButtonKind::Secondary, half, true,
                         small_h)) {
          out.push_back({CommandKind::AppRemovePage, doc.id, static_cast<int>(n - 1)});
        }
      }
    }
    frame.end_panel();
  }
  frame.text("Fee collected: " + fee_text(*cat, svc->id), ui::TextStyle::Body, ui::Tone::Accent);
  if (show_problems) {
    const std::size_t n = form.draft.problems.size();
    frame.text(std::to_string(n) + (n == 1 ? " problem" : " problems") + ": see the fields in red.",
               ui::TextStyle::Small, ui::Tone::Danger);
  }
  const float w = frame.available_width();
  if (frame.button("Save and print [F12]", ui::ButtonKind::Primary, w, model.busy.empty()) ||
      frame.key_pressed(SDLK_F12)) {
    out.push_back({CommandKind::AppSave});
  }
  const bool other = form.services.size() > 1;
  const int columns = other ? 3 : 2;
  // The language button's label is the longest: it gets the widest part.
  const float room_w = w - gap * static_cast<float>(columns - 1);
  const float papers_w = std::floor(room_w * (other ? 0.42f : 0.6f));
  const float part = std::floor((room_w - papers_w) / static_cast<float>(columns - 1));
  // The citizen's papers in the language they read: their token's, or what a walk-in says.
  if (frame.button("Papers in: " + kiosk::language_name(form.language) + " [F2]", ui::ButtonKind::Secondary, papers_w,
                   true, small_h) ||
      frame.key_pressed(SDLK_F2)) {
    out.push_back({CommandKind::AppPaperLanguage});
  }
  frame.same_line();
  if (other && frame.button("Other service", ui::ButtonKind::Secondary, part, true, small_h)) {
    out.push_back({CommandKind::AppChangeService});
  }
  if (other) frame.same_line();
  if (frame.button("Cancel [Esc]", ui::ButtonKind::Secondary, part, true, small_h) || escape) {
    out.push_back({CommandKind::AppClose});
  }
  frame.end_panel();
  return out;
}

}  // namespace guichet::counter
