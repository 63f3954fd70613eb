#include <algorithm>
#include <cmath>
#include <limits>

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

  if (form.step != FormStep::Fill) {
    checklist_keys_ = false;  // a new form starts in its fields, at the first document
    chosen_ = 0;
    parked_field_ = 0;
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
  // Ctrl+D gives the keys to the checklist, whatever its length, and back to the field that had
  // them (Ctrl+D again, Esc or Tab; a click on another field gives them to that one). While the
  // checklist has them the arrow keys (Home, End) choose a document, ringed and kept in view, and
  // Space ticks it present or missing, Enter scans a page for it; the fields take no typing.
  const int doc_count = static_cast<int>(svc->documents.size());
  bool cancel_key = escape;
  bool entered_checklist = false;
  if (const std::uint32_t field = frame.focused_field(); checklist_keys_ && field != 0 && field != parked_field_) {
    checklist_keys_ = false;  // a click on another field
  }
  if (frame.key_pressed(SDLK_d, KMOD_CTRL) && (checklist_keys_ || doc_count > 0)) {
    checklist_keys_ = !checklist_keys_;
    entered_checklist = checklist_keys_;
    if (checklist_keys_) parked_field_ = frame.focused_field();
  } else if (checklist_keys_ && (escape || frame.key_pressed(SDLK_TAB))) {
    checklist_keys_ = false;
    cancel_key = false;  // Esc leaves the checklist, not the application
  }
  chosen_ = std::clamp(chosen_, 0, std::max(0, doc_count - 1));
  if (checklist_keys_) {
    frame.keep_keys_from_fields();
    const int before = chosen_;
    const int column = std::max(1, per_column_);
    if (frame.key_pressed(SDLK_UP)) chosen_ = std::max(0, chosen_ - 1);
    if (frame.key_pressed(SDLK_DOWN)) chosen_ = std::min(doc_count - 1, chosen_ + 1);
    if (frame.key_pressed(SDLK_LEFT) && chosen_ - column >= 0) chosen_ -= column;
    if (frame.key_pressed(SDLK_RIGHT) && chosen_ + column < doc_count) chosen_ += column;
    if (frame.key_pressed(SDLK_HOME)) chosen_ = 0;
    if (frame.key_pressed(SDLK_END)) chosen_ = doc_count - 1;
    if (chosen_ != before || entered_checklist) keep_in_view(svc->documents[static_cast<std::size_t>(chosen_)].id);
  }
  const bool space_key = checklist_keys_ && frame.key_pressed(SDLK_SPACE);
  const bool enter_key = checklist_keys_ && enter;

  // Under the title one line: the service and the keys (the checklist's own while it has them), or
  // what is happening now: a page being scanned, the scanner's problem, once a save was refused the
  // count of problems (each is under its field), or that the form was restored after the counter
  // stopped. It is shrunk to one line rather than wrapped: the checklist needs the height.
  {
    std::string line = svc->name.get("en") + " - Tab: next field; Ctrl+number: document present or missing" +
                       (can_scan ? "; Alt+number: scan it" : "") +
                       (svc->documents.size() > 10 ? "; with Shift for 11 to 20" : "") +
                       (doc_count > 0 ? "; Ctrl+D: the checklist." : ".");
    if (checklist_keys_) {
      line = "Document " + std::to_string(chosen_ + 1) + " of " + std::to_string(doc_count) +
             " - arrows: choose; Space: present or missing" + (can_scan ? "; Enter: scan it" : "") +
             "; Esc: back to the form.";
    }
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
  // above it.
  const float bar_h = std::floor(button_h * 0.6f);
  const float bar_y = c.y + c.h - bar_h;
  const float top = frame.cursor().y + gap / 2;
  const float panel_h = std::max(bar_h, bar_y - gap / 2 - top);

  // The checklist's rows: a row each, its name, present or missing (tap or Ctrl+number toggles),
  // and with a scanner a column beside it: Scan (or Alt+number) and, once it has pages, taking
  // the last one off. Each row is as tall as its name needs in small text (names are set smaller
  // rather than cut), and at least a compact button.
  struct DocumentRow {
    const d::RequiredDocument* doc = nullptr;
    std::string label;
    bool present = false;
    std::size_t pages = 0;
    float height = 0;
  };
  std::vector<DocumentRow> rows;
  for (const auto& doc : svc->documents) {
    const auto it = form.draft.documents.find(doc.id);
    const bool present = it != form.draft.documents.end() && it->second;
    const auto pages = form.pages.find(doc.id);
    const std::size_t n = pages == form.pages.end() ? 0 : pages->second.size();
    const std::string number = std::to_string(rows.size() + 1) + ".";
    rows.push_back({&doc,
                    number + " " + (present ? "Present: " : "Missing: ") + doc.name.get("en") +
                        (doc.required ? "" : " (optional)") + (n > 0 ? " - " + pages_text(n) : ""),
                    present, n});
  }
  // How the rows are set in a checklist `whole_w` wide: usual (at least a compact button tall, a
  // quarter of the width for the scanner's column) or low (as low as their text allows, the
  // scanner's column just wide enough for its widest Scan label on one line, tighter gaps).
  struct RowLook {
    bool low = false;
    bool numbered_scan = false;  // Scan buttons named by their row's number ("Scan 12.") rather than their keys
    float row_gap = 0, control_w = 0, name_w = 0, min_row = 0, scan_min = 0, pages_min = 0;
  };
  const float pad = frame.theme().sizes.spacing * s;
  // In one column a Scan button says its keys; in two there is no room for that, and it says its
  // row's number (the keys are under the title).
  const auto row_look = [&](float whole_w, bool low, int columns) {
    RowLook k;
    k.low = low;
    k.numbered_scan = columns > 1;
    const std::string widest_scan = k.numbered_scan    ? "Scan 20."
                                    : rows.size() > 10 ? "Scan [Alt+Shift+0]"
                                                       : "Scan [Alt+0]";
    k.row_gap = std::floor(low ? gap / 6 : gap / 4);
    if (can_scan) {
      k.control_w =
          low ? std::ceil(std::max(frame.measure(widest_scan, ui::TextStyle::Small).x + pad * 1.25f, whole_w * 0.18f))
              : std::floor(whole_w * 0.25f);
    }
    k.name_w = can_scan ? whole_w - k.control_w - k.row_gap : whole_w;
    const auto label_h = [&](const std::string& label) {
      return std::ceil(frame.measure(label, ui::TextStyle::Small, k.control_w - pad).y + pad / 4);
    };
    k.scan_min = can_scan ? label_h(widest_scan) : 0.0f;
    k.min_row = low ? std::max(std::ceil(frame.line_height(ui::TextStyle::Small) + pad / 4), k.scan_min)
                    : std::floor(button_h * 0.6f);
    // A row with pages has Scan and Remove one above the other.
    k.pages_min = low ? k.scan_min + k.row_gap / 2 + label_h("Remove page 10.")
                      : 2 * (frame.line_height(ui::TextStyle::Small) * 2 + pad / 2) + k.row_gap / 2;
    return k;
  };
  // The checklist in `columns` columns, filled top to bottom like the form's: the first takes the
  // odd one out.
  const auto rows_per_column = [&](int columns) {
    return (rows.size() + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns);
  };
  // Sets each row's height for `k`; the height the tallest column needs. (Names squeezed narrower
  // than a short word fit nowhere.)
  const float narrowest_name = frame.measure("12. Missing:", ui::TextStyle::Small).x + pad;
  const auto lay_rows = [&](const RowLook& k, int columns) {
    const std::size_t per_column = std::max<std::size_t>(1, rows_per_column(columns));
    float tallest = 0, total = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i % per_column == 0) total = 0;
      auto& r = rows[i];
      const float text_h = frame.measure(r.label, ui::TextStyle::Small, k.name_w - pad).y + (k.low ? pad / 4 : pad / 3);
      r.height = std::ceil(std::max({k.min_row, text_h, can_scan && r.pages > 0 ? k.pages_min : 0.0f}));
      total += r.height + (total > 0 ? k.row_gap : 0.0f);
      tallest = std::max(tallest, total);
    }
    return tallest;
  };
  // A column's width in a checklist `whole_w` wide.
  const auto column_w = [&](float whole_w, int columns) {
    return std::floor((whole_w - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns));
  };
  // The form takes 60% of the width and the rows a compact button's height, unless a long
  // checklist needs more room: then its rows are as low as their text, and if that is not enough
  // the form narrows by steps to 40% (its three columns keep their fields), so that ten documents
  // show at once at 1280x800 in one column. A longer checklist is set in two columns beside a form
  // of 50% to 40% (twelve documents at 1280x800, eight with names of two lines in one column, a
  // scanner's column in each). Only a checklist longer than that scrolls.
  const float rows_h = panel_h - 2 * gap;
  struct Layout {
    float form_share;
    bool low;
    int columns;
  };
  const Layout layouts[] = {{0.6f, false, 1}, {0.6f, true, 1}, {0.55f, true, 1}, {0.5f, true, 1}, {0.45f, true, 1},
                            {0.4f, true, 1},  {0.5f, true, 2}, {0.45f, true, 2}, {0.4f, true, 2}};
  // When none fits: for ten documents or fewer the form as wide as usual and the rows low; for more,
  // the layout that needs the least height. Either scrolls.
  Layout layout = layouts[1];
  float least = std::numeric_limits<float>::max();
  for (const auto& l : layouts) {
    const float side_w = c.w - std::floor((c.w - gap) * l.form_share) - gap;
    const RowLook k = row_look(column_w(side_w - 2 * gap, l.columns), l.low, l.columns);
    const float needed = k.name_w < narrowest_name ? std::numeric_limits<float>::max() : lay_rows(k, l.columns);
    if (needed <= rows_h) {
      layout = l;
      break;
    }
    if (rows.size() > 10 && needed < least) {
      least = needed;
      layout = l;
    }
  }
  const float left_w = std::floor((c.w - gap) * layout.form_share);
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
  // A form at a desk, read from a chair: labels in small text close above their fields and the
  // fields a line of body text tall, so the longest demo form (fourteen fields) shows whole.
  ui::InputLook look;
  look.label = ui::TextStyle::Small;
  look.value = ui::TextStyle::Body;
  look.label_gap = std::floor(gap / 6);
  look.gap_after = std::floor(gap / 2);
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
      frame.input_text(label + "##" + field.id, value, look);
      const std::string problem = field_problem(form, field);
      if (!problem.empty()) frame.text(problem, ui::TextStyle::Small, ui::Tone::Danger);
    }
    frame.end_panel();
  }
  frame.end_panel();

  // Right: the documents checklist, nothing else. Documents one to nine answer Ctrl and Alt with
  // their number, the tenth with 0; the eleventh to the twentieth the same with Shift held.
  frame.set_cursor(c.x + left_w + gap, top);
  frame.begin_panel("application-side", right_w, panel_h, true);
  if (rows.empty()) {
    frame.text("This service asks for no documents.", ui::TextStyle::Body, ui::Tone::Muted);
  } else {
    frame.begin_panel("documents", frame.available_width(), std::max(std::floor(button_h * 0.6f), rows_h), false);
    // Laid out again at the width the panel gives (less a scroll bar's when it scrolls), ending on
    // a whole pixel: a scrolling panel clips at the pixel its edge is rounded to.
    const ui::Vec2 first_row = frame.cursor();
    const float whole_w = std::floor(first_row.x + frame.available_width()) - first_row.x;
    const float doc_col_w = column_w(whole_w, layout.columns);
    const RowLook fitted = row_look(doc_col_w, layout.low, layout.columns);
    const float tallest = lay_rows(fitted, layout.columns);
    const std::size_t per_column = std::max<std::size_t>(1, rows_per_column(layout.columns));
    per_column_ = static_cast<int>(per_column);
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const DocumentRow& r = rows[k];
      const int i = static_cast<int>(k) + 1;
      const std::string number = std::to_string(i) + ".";
      // 1 to 9, then 0; again with Shift for the second ten.
      const int digit = i % 10;
      const SDL_Keycode key = i <= 20 ? (digit == 0 ? SDLK_0 : SDLK_1 + digit - 1) : SDLK_UNKNOWN;
      const std::uint16_t shift = i > 10 ? KMOD_SHIFT : 0;
      const std::string key_name = std::string(i > 10 ? "Shift+" : "") + std::to_string(digit);
      if (k > 0 && k % per_column == 0) {
        frame.set_cursor(first_row.x + static_cast<float>(k / per_column) * (doc_col_w + gap), first_row.y);
      }
      const ui::Vec2 at = frame.cursor();
      // A row reached by its keys in a checklist that scrolls is brought into view.
      const bool chosen = checklist_keys_ && static_cast<int>(k) == chosen_;
      const bool toggle_key =
          (key != SDLK_UNKNOWN && frame.key_pressed(key, static_cast<std::uint16_t>(KMOD_CTRL | shift))) ||
          (chosen && space_key);
      const bool scan_key =
          can_scan && form.scanning.empty() &&
          ((key != SDLK_UNKNOWN && frame.key_pressed(key, static_cast<std::uint16_t>(KMOD_ALT | shift))) ||
           (chosen && enter_key));
      if (toggle_key || scan_key) keep_in_view(r.doc->id);
      // The chosen row's ring is drawn just outside it, and shown whole with it.
      const float ring =
          chosen ? frame.focus_ring(
                       ui::Rect{at.x, at.y,
                                can_scan ? fitted.name_w + fitted.row_gap + fitted.control_w : fitted.name_w, r.height},
                       frame.theme().colors.accent)
                 : 0.0f;
      if (keep_in_view_ == r.doc->id) {
        frame.scroll_to_show(at.y - ring, at.y + r.height + ring);
        if (std::chrono::steady_clock::now() < keep_in_view_until_) {
          frame.animate();  // frames keep coming while it settles
        } else {
          keep_in_view_.clear();
        }
      }
      if (frame.button(r.label, r.present ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, fitted.name_w, true,
                       r.height, ui::TextStyle::Small) ||
          toggle_key) {
        out.push_back({CommandKind::AppToggleDocument, r.doc->id});
      }
      if (can_scan) {
        const float x = at.x + fitted.name_w + fitted.row_gap;
        // Every Scan button is the same size (a taller row keeps its button at the top), so their
        // labels are set alike.
        const float scan_h = r.pages == 0 ? std::min(r.height, std::max(fitted.min_row, fitted.scan_min))
                             : fitted.low ? fitted.scan_min  // Remove takes the rest: its label may need two lines
                                          : std::floor((r.height - fitted.row_gap / 2) / 2);
        frame.set_cursor(x, at.y);
        const std::string scan_label =
            key != SDLK_UNKNOWN && !fitted.numbered_scan ? "Scan [Alt+" + key_name + "]" : "Scan " + number;
        if (frame.button(scan_label, ui::ButtonKind::Secondary, fitted.control_w, form.scanning.empty(), scan_h,
                         ui::TextStyle::Small) ||
            scan_key) {
          out.push_back({CommandKind::AppScan, r.doc->id});
        }
        if (r.pages > 0) {
          // The last page can be taken off before saving (a page scanned askew, the wrong paper).
          frame.set_cursor(x, at.y + scan_h + fitted.row_gap / 2);
          if (frame.button("Remove page " + number, ui::ButtonKind::Secondary, fitted.control_w, true,
                           r.height - scan_h - fitted.row_gap / 2, ui::TextStyle::Small)) {
            out.push_back({CommandKind::AppRemovePage, r.doc->id, static_cast<int>(r.pages - 1)});
          }
        }
      }
      if (k + 1 < rows.size() && (k + 1) % per_column != 0) frame.set_cursor(at.x, at.y + r.height + fitted.row_gap);
    }
    // A checklist that scrolls ends a little below its tallest column, so that scrolled to its end
    // its last row shows whole inside the panel's clip.
    if (tallest > rows_h) {
      frame.set_cursor(first_row.x, first_row.y + tallest);
      frame.space(std::ceil(fitted.row_gap) + 1);
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
  if (frame.button("Cancel [Esc]", ui::ButtonKind::Secondary, small_w, true, bar_h) || cancel_key) {
    out.push_back({CommandKind::AppClose});
  }
  frame.same_line();
  if (frame.button("Save and print [F12]", ui::ButtonKind::Primary, save_w, model.busy.empty(), bar_h) ||
      frame.key_pressed(SDLK_F12)) {
    out.push_back({CommandKind::AppSave});
  }
  return out;
}

void ApplicationScreen::keep_in_view(const std::string& document) {
  keep_in_view_ = document;
  keep_in_view_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
}

}  // namespace guichet::counter
