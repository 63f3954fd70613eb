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

  // The form's screen has the smaller title: its checklist and fields need the height.
  const ui::TextStyle title_style = form.step == FormStep::Fill ? ui::TextStyle::Large : ui::TextStyle::Heading;
  const float title_line = frame.font(title_style)->FontSize * 1.15f;
  // The main screen's offline mark, smaller: what is saved now waits here until the link returns.
  if (const ConnectionStatus link = model.connection(); link.kind == ConnectionStatus::Kind::Offline) {
    frame.text_in(ui::Rect{c.x + c.w * 0.45f, c.y, c.w * 0.55f, title_line}, link.text, ui::TextStyle::Body,
                  ui::Tone::Danger, ui::Align::Right);
  } else if (const std::string files = model.files_status(); !files.empty()) {
    frame.text_in(ui::Rect{c.x + c.w * 0.45f, c.y, c.w * 0.55f, title_line}, files, ui::TextStyle::Body,
                  ui::Tone::Muted, ui::Align::Right);
  }
  frame.set_cursor(c.x, c.y);
  frame.text(title_of(form), title_style);

  if (!cat) {
    frame.text("The centre's catalogue is not loaded yet.", ui::TextStyle::Body, ui::Tone::Danger);
    if (escape || frame.button("Close [Esc]", ui::ButtonKind::Secondary)) out.push_back({CommandKind::AppClose});
    return out;
  }

  switch (form.step) {
    case FormStep::ChooseService: {
      frame.text("Which service? Up/Down to choose, Enter to confirm.", ui::TextStyle::Large);
      if (!form.restored_note.empty()) frame.text(form.restored_note, ui::TextStyle::Body, ui::Tone::Accent);
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
  // Under the title one line: the service and the keys, or what is happening now: a page being
  // scanned, the scanner's problem, once a save was refused the count of problems (each is under
  // its field), or that the form was restored after the counter stopped. It is shrunk to one line rather than wrapped:
  // the checklist needs the height.
  {
    std::string line = svc->name.get("en") + " - Tab: next field; Ctrl+number: document present or missing" +
                       (can_scan ? "; Alt+number: scan it." : ".");
    ui::Tone tone = ui::Tone::Muted;
    if (!form.scanning.empty()) {
      std::string name = form.scanning;
      for (const auto& doc : svc->documents) {
        if (doc.id == form.scanning) name = doc.name.get("en");
      }
      line = "Scanning " + name + "…";
      tone = ui::Tone::Accent;
      frame.animate();  // the row's state changes when the page arrives
    } else if (!form.scan_message.empty()) {
      line = form.scan_message;
      tone = ui::Tone::Danger;
    } else if (form.checked && !form.draft.problems.empty()) {
      const std::size_t n = form.draft.problems.size();
      line = svc->name.get("en") + " - " + std::to_string(n) + (n == 1 ? " problem" : " problems") +
             ": see the fields in red.";
      tone = ui::Tone::Danger;
    } else if (!form.restored_note.empty()) {
      line = form.restored_note + " Check it, then save [F12] or cancel [Esc].";
      tone = ui::Tone::Accent;
    }
    const ui::Vec2 at = frame.cursor();
    const float line_h = frame.line_height(ui::TextStyle::Body);
    frame.text_fit(ui::Rect{at.x, at.y, c.w, line_h}, line, ui::TextStyle::Body, tone, ui::Align::Left);
    frame.set_cursor(at.x, at.y + line_h);
  }
  // At 1280x800 the screen is about 580 pixels tall under the title. The fee and the buttons take a
  // bar across the bottom, so the form and the documents checklist each get the whole height
  // above it: a service's four to seven documents show at once, scanner or not.
  const float bar_h = std::floor(button_h * 0.6f);
  const float bar_y = c.y + c.h - bar_h;
  const float top = frame.cursor().y + gap / 2;
  const float panel_h = std::max(bar_h, bar_y - gap / 2 - top);
  const float left_w = std::floor((c.w - gap) * 0.6f);
  const float right_w = c.w - left_w - gap;

  // Left: the form in three columns (one panel each, filled top to bottom), each problem under its
  // field.
  frame.set_cursor(c.x, top);
  frame.begin_panel("application-form", left_w, panel_h, true);
  const ui::Vec2 origin = frame.cursor();
  constexpr int kColumns = 3;
  const float col_w = std::floor((frame.available_width() - gap * (kColumns - 1)) / kColumns);
  const float col_h = top + panel_h - origin.y - gap;
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

  // Right: the documents checklist, nothing else. A row each: its name, present or missing (tap or
  // Ctrl+number toggles), and with a scanner a column beside it: Scan (or Alt+number) and, once it
  // has pages, taking the last one off.
  frame.set_cursor(c.x + left_w + gap, top);
  frame.begin_panel("application-side", right_w, panel_h, true);
  if (svc->documents.empty()) {
    frame.text("This service asks for no documents.", ui::TextStyle::Body, ui::Tone::Muted);
  } else {
    // Each row is as tall as its name needs in small text (names are set smaller rather than cut),
    // and at least a compact button; the rows scroll only when they outgrow the panel.
    const float pad = frame.theme().sizes.spacing * s;
    const float row_gap = std::floor(gap / 4);
    const float min_row = std::floor(button_h * 0.6f);
    const float control_h = frame.line_height(ui::TextStyle::Small) * 2 + pad / 2;
    frame.begin_panel("documents", frame.available_width(), std::max(min_row, top + panel_h - frame.cursor().y - gap),
                      false);
    const float whole_w = frame.available_width();
    const float control_w = can_scan ? std::floor(whole_w * 0.25f) : 0.0f;
    const float name_w = can_scan ? whole_w - control_w - row_gap : whole_w;
    int i = 0;
    for (const auto& doc : svc->documents) {
      ++i;
      const auto it = form.draft.documents.find(doc.id);
      const bool present = it != form.draft.documents.end() && it->second;
      const auto pages = form.pages.find(doc.id);
      const std::size_t n = pages == form.pages.end() ? 0 : pages->second.size();
      const std::string number = std::to_string(i) + ".";
      const std::string row = number + " " + (present ? "Present: " : "Missing: ") + doc.name.get("en") +
                              (doc.required ? "" : " (optional)") + (n > 0 ? " - " + pages_text(n) : "");
      const float text_h = frame.measure(row, ui::TextStyle::Small, name_w - pad).y + pad / 3;
      const float row_h =
          std::ceil(std::max({min_row, text_h, can_scan && n > 0 ? 2 * control_h + row_gap / 2 : 0.0f}));
      const ui::Vec2 at = frame.cursor();
      if (frame.button(row, present ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, name_w, true, row_h) ||
          (i <= 9 && frame.key_pressed(SDLK_1 + i - 1, KMOD_CTRL))) {
        out.push_back({CommandKind::AppToggleDocument, doc.id});
      }
      if (can_scan) {
        const float x = at.x + name_w + row_gap;
        const float scan_h = n > 0 ? std::floor((row_h - row_gap / 2) / 2) : row_h;
        frame.set_cursor(x, at.y);
        if (frame.button("Scan [Alt+" + std::to_string(i) + "]", ui::ButtonKind::Secondary, control_w,
                         form.scanning.empty(), scan_h) ||
            (i <= 9 && form.scanning.empty() && frame.key_pressed(SDLK_1 + i - 1, KMOD_ALT))) {
          out.push_back({CommandKind::AppScan, doc.id});
        }
        if (n > 0) {
          // The last page can be taken off before saving (a page scanned askew, the wrong paper).
          frame.set_cursor(x, at.y + scan_h + row_gap / 2);
          if (frame.button("Remove page " + number, ui::ButtonKind::Secondary, control_w, true,
                           row_h - scan_h - row_gap / 2)) {
            out.push_back({CommandKind::AppRemovePage, doc.id, static_cast<int>(n - 1)});
          }
        }
      }
      if (i < static_cast<int>(svc->documents.size())) frame.set_cursor(at.x, at.y + row_h + row_gap);
    }
    frame.end_panel();
  }
  frame.end_panel();

  // The bar: the fee collected, the citizen's papers' language, another service, cancel, save.
  const bool other = form.services.size() > 1;
  const float save_w = std::floor(c.w * 0.24f);
  const float small_w = std::floor(c.w * 0.13f);
  const float papers_w = std::floor(c.w * 0.2f);
  const float buttons_w = save_w + papers_w + small_w * (other ? 2.0f : 1.0f) + gap * (other ? 3.0f : 2.0f);
  const float fee_w = std::max(0.0f, c.w - buttons_w - gap);
  frame.text_fit(ui::Rect{c.x, bar_y, fee_w, bar_h}, "Fee collected: " + fee_text(*cat, svc->id), ui::TextStyle::Body,
                 ui::Tone::Accent, ui::Align::Left);
  frame.set_cursor(c.x + fee_w + gap, bar_y);
  // The citizen's papers in the language they read: their token's, or what a walk-in says.
  if (frame.button("Papers in: " + kiosk::language_name(form.language) + " [F2]", ui::ButtonKind::Secondary, papers_w,
                   true, bar_h) ||
      frame.key_pressed(SDLK_F2)) {
    out.push_back({CommandKind::AppPaperLanguage});
  }
  frame.same_line();
  if (other) {
    if (frame.button("Other service", ui::ButtonKind::Secondary, small_w, true, bar_h)) {
      out.push_back({CommandKind::AppChangeService});
    }
    frame.same_line();
  }
  if (frame.button("Cancel [Esc]", ui::ButtonKind::Secondary, small_w, true, bar_h) || escape) {
    out.push_back({CommandKind::AppClose});
  }
  frame.same_line();
  if (frame.button("Save and print [F12]", ui::ButtonKind::Primary, save_w, model.busy.empty(), bar_h) ||
      frame.key_pressed(SDLK_F12)) {
    out.push_back({CommandKind::AppSave});
  }
  return out;
}

}  // namespace guichet::counter
