// The citizen's application screens: the menu after the language, the service, one screen per
// form field with its keyboard, the documents checklist, the review with every problem next to
// its field, the acknowledgement, and the status check.
#include <algorithm>

#include "../format.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

namespace {

const domain::Service* draft_service(const View& v) {
  if (!v.state.catalogue) return nullptr;
  return v.state.catalogue->service(v.state.draft.service);
}

// Back on the left, the next step on the right, along the bottom of the screen.
void back_button(ui::Frame& f, const View& v, std::vector<Action>& out, const std::string& next_label = {},
                 Action::Kind next = Action::Kind::Back, bool next_enabled = true) {
  const auto& t = f.theme();
  const float y = f.content().y + f.content().h - t.sizes.button_height * f.scale();
  f.set_cursor(f.content().x, y);
  if (f.button("\u2190 " + v.tr("Back"), ui::ButtonKind::Secondary)) out.push_back({Action::Kind::Back, {}});
  if (!next_label.empty()) {
    const float w = std::min(f.content().w * 0.4f, 520 * f.scale());
    f.set_cursor(f.content().x + f.content().w - w, y);
    if (f.button(next_label, ui::ButtonKind::Primary, w, next_enabled)) out.push_back({next, {}});
  }
}

// What was typed, or the example in muted type, in `r`.
void value_in(ui::Frame& f, const ui::Rect& r, const std::string& value, const std::string& placeholder) {
  const auto& t = f.theme();
  f.fill(r, t.colors.surface);
  ui::Rect inner{r.x + t.sizes.padding * f.scale() * 0.5f, r.y, r.w - t.sizes.padding * f.scale(), r.h};
  // (The kit's text_in must not be given an empty text.)
  if (value.empty()) {
    if (!placeholder.empty()) f.text_in(inner, placeholder, ui::TextStyle::Large, ui::Tone::Muted, ui::Align::Left);
  } else {
    f.text_in(inner, value, ui::TextStyle::Large, ui::Tone::Normal, ui::Align::Left);
  }
}

// A field's row above its keyboard: Back, what was typed, and the next step side by side, so the
// keyboard below keeps room for keys a finger can hit (15 mm) in the large-text theme too.
// `height` 0: the theme's button height.
void value_row(ui::Frame& f, const View& v, std::vector<Action>& out, const std::string& value,
               const std::string& placeholder, const std::string& next_label, Action::Kind next,
               bool next_enabled = true, float height = 0) {
  const auto& t = f.theme();
  const float s = f.scale();
  const float h = height > 0 ? height : t.sizes.button_height * s, gap = t.sizes.spacing * s;
  const ui::Rect c = f.content();
  const float y = f.cursor().y;
  const float back_w = std::min(c.w * 0.22f, 360 * s);
  const float next_w = std::min(c.w * 0.25f, 420 * s);
  f.set_cursor(c.x, y);
  if (f.button("\u2190 " + v.tr("Back"), ui::ButtonKind::Secondary, back_w, true, h)) {
    out.push_back({Action::Kind::Back, {}});
  }
  f.set_cursor(c.x + c.w - next_w, y);
  if (f.button(next_label, ui::ButtonKind::Primary, next_w, next_enabled, h)) out.push_back({next, {}});
  value_in(f, {c.x + back_w + gap, y, c.w - back_w - next_w - 2 * gap, h}, value, placeholder);
  f.set_cursor(c.x, y + h + gap);
}

// How a screen with a keyboard (a form field, the status check) makes room for keys of the least
// touch size (15 mm on the kiosk's panel) when its full layout leaves too little: first the row
// of Back, the value and Next comes down from the theme's button height to the least size that
// still holds its text, then the centre's name (already on the start screen) goes, then the
// question count moves up beside the question. Large text on a fine panel (15.6 inches at
// 1920x1080) needs all three; other themes and panels keep the full layout. While the server
// cannot be reached the header's line stays for the offline mark (the name still goes).
struct KeyboardScreenPlan {
  float value_h = 0;           // 0: the theme's button height
  bool centre_name = true;     // the header line
  bool count_own_line = true;  // the question count on its own line (else beside the question)
};

KeyboardScreenPlan plan_keyboard_screen(const ui::Frame& f, float keyboard_least, bool has_header, bool offline,
                                        const std::string& count, const std::string& question, float other_texts_h) {
  KeyboardScreenPlan plan;
  plan.centre_name = has_header;
  plan.count_own_line = !count.empty();
  if (keyboard_least <= 0) return plan;
  const auto& t = f.theme();
  const float s = f.scale(), gap = t.sizes.spacing * s, width = f.content().w;
  const float header_h = f.line_height(ui::TextStyle::Small) + gap;
  const float count_h = count.empty() ? 0 : f.measure(count, ui::TextStyle::Small, width).y + gap;
  const float below = f.content().y + f.content().h - f.cursor().y;
  auto room = [&] {
    const float value = plan.value_h > 0 ? plan.value_h : t.sizes.button_height * s;
    return below - (plan.centre_name || offline ? header_h : 0) - (plan.count_own_line ? count_h : 0) - other_texts_h -
           value - gap;
  };
  if (room() >= keyboard_least) return plan;
  plan.value_h = std::min(t.sizes.button_height * s,
                          std::max(t.sizes.touch_min * s + 1, f.line_height(ui::TextStyle::Large) + gap));
  if (room() >= keyboard_least) return plan;
  plan.centre_name = false;
  if (room() >= keyboard_least || count.empty()) return plan;
  // Beside the question only when both fit on its line.
  const ui::Vec2 q = f.measure(question, ui::TextStyle::Heading, 0), c = f.measure(count, ui::TextStyle::Small, 0);
  if (q.x + gap + c.x <= width) plan.count_own_line = false;
  return plan;
}

std::string shown_value(const domain::FormField& field, const std::string& value, const std::string& lang,
                        const View& v) {
  if (field.type == domain::FieldType::Choice) {
    for (const auto& c : field.choices) {
      if (c.id == value) return screen_text(c.label, lang);
    }
  }
  if (field.type == domain::FieldType::YesNo) {
    if (value == "yes") return v.tr("Yes");
    if (value == "no") return v.tr("No");
  }
  return value;
}

}  // namespace

std::vector<Action> MenuScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  draw_header(f, v);
  f.space(f.scale() * 10);
  f.text(v.tr("What would you like to do?"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.space();
  std::vector<ui::Tile> tiles = {
      {v.tr("Take a token"), v.tr("Wait for your turn at a counter"), true, "menu:token"},
      {v.tr("File an application"), v.tr("Fill in the form here and get a receipt"), true, "menu:apply"},
      {v.tr("Check my application"), v.tr("Scan the QR code on your slip"), true, "menu:status"},
  };
  const char* ids[] = {"token", "apply", "status"};
  // Three tiles between the question and the bottom row, shorter than the theme's when the theme's
  // text is large (they never run under the buttons).
  {
    const auto& th = f.theme();
    const float gap = th.sizes.spacing * f.scale();
    const float room = f.content().y + f.content().h - f.cursor().y - (th.sizes.button_height * f.scale() + gap);
    const float tile_h = std::min(th.sizes.tile_height * f.scale(), (room - 2 * gap) / 3);
    int tapped = f.tile_grid(tiles, 1, tile_h);
    if (tapped >= 0) out.push_back({Action::Kind::ChooseMenu, ids[tapped]});
  }

  back_button(f, v, out);

  // For citizens with low vision: this session's screens in high contrast or larger text. On the
  // bottom row, after Back, clear of the staff corner.
  const auto& t = f.theme();
  const float gap = t.sizes.spacing * f.scale();
  const float right = f.content().x + f.content().w - (t.sizes.corner_control + t.sizes.spacing) * f.scale();
  const float w = std::min(520 * f.scale(), (right - f.content().x) / 3 - gap);
  const float y = f.content().y + f.content().h - t.sizes.button_height * f.scale();
  const std::pair<const char*, std::string> views[] = {{"high-contrast", v.tr("Easier to see")},
                                                       {"large-text", v.tr("Larger text")}};
  float x = right - 2 * w - gap;
  for (const auto& [id, label] : views) {
    const bool on = v.state.view == id;
    f.set_cursor(x, y);
    if (f.button((on ? "\u2713 " : "") + label + "##view:" + id,
                 on ? ui::ButtonKind::Primary : ui::ButtonKind::Secondary, w)) {
      out.push_back({Action::Kind::ChooseView, id});
    }
    x += w + gap;
  }
  if (staff_corner(f)) out.push_back({Action::Kind::OpenStaff, {}});
  return out;
}

std::vector<Action> AppServiceScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  if (!v.state.catalogue) return out;
  const auto& cat = *v.state.catalogue;
  const std::string& lang = v.state.language;
  draw_header(f, v);
  f.text(v.tr("Which service are you applying for?"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.space(f.scale() * 8);
  std::vector<ui::Tile> tiles;
  std::vector<std::string> ids;
  for (const auto& s : cat.services) {
    if (s.form.empty() && s.documents.empty()) continue;  // nothing to apply for: a queue service only
    std::string detail = s.fee_minor > 0
                             ? v.tr("Fee {amount}", {{"amount", v.t().money(s.fee_minor, cat.centre.currency)}})
                             : v.tr("No fee");
    tiles.push_back({screen_text(s.name, lang), detail, true, "app:" + s.id});
    ids.push_back(s.id);
  }
  const auto& t = f.theme();
  const float nav_h = (t.sizes.button_height + t.sizes.spacing) * f.scale();
  int tapped = paged_tile_grid(f, v, tiles, 3, t.sizes.tile_height * f.scale(), nav_h, pages_);
  if (tapped >= 0) out.push_back({Action::Kind::ChooseAppService, ids[static_cast<std::size_t>(tapped)]});
  back_button(f, v, out);
  page_buttons(f, v, pages_, v.tr("Previous services"), v.tr("More services"));
  return out;
}

std::vector<Action> FieldScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const auto* svc = draft_service(v);
  if (!svc || v.state.draft.field >= svc->form.size()) return out;
  const std::string& lang = v.state.language;
  const domain::FormField& field = svc->form[v.state.draft.field];
  const bool keys = field.type != domain::FieldType::Choice && field.type != domain::FieldType::YesNo;
  const std::string context = std::to_string(v.state.session) + "|" + svc->id + "|" + field.id;
  // In audio mode the bar takes the bottom of the screen: the centre's name and the question count
  // give their room to the keyboard, whose keys stay finger-sized in the large-text theme too.
  const std::string count = v.state.audio
                                ? std::string()
                                : screen_text(svc->name, lang) + " \u00B7 " +
                                      v.tr("Question {n} of {total}",
                                           {{"n", v.t().number(static_cast<std::int64_t>(v.state.draft.field + 1))},
                                            {"total", v.t().number(static_cast<std::int64_t>(svc->form.size()))}});
  const std::string question = screen_text(field.label, lang) + (field.required ? "" : " (" + v.tr("optional") + ")");
  const std::string& help = screen_text(field.help, lang);
  auto it = v.state.draft.values.find(field.id);
  std::string value = it == v.state.draft.values.end() ? std::string() : it->second;
  const auto* problem = problem_of(v.state.draft, field.id);
  const std::string problem_line = problem ? problem_text(v.t(), field, *problem) : std::string();

  KeyboardScreenPlan plan;
  plan.centre_name = !v.state.audio && v.state.catalogue;
  plan.count_own_line = !count.empty();
  if (keys) {
    const float w = f.content().w, gap = f.theme().sizes.spacing * f.scale();
    float texts = f.measure(question, ui::TextStyle::Heading, w).y + gap;
    if (!help.empty()) texts += f.measure(help, ui::TextStyle::Body, w).y + gap;
    if (!problem_line.empty()) texts += f.measure(problem_line, ui::TextStyle::Body, w).y + gap;
    plan = plan_keyboard_screen(f, keyboard_least_height(f, v, keyboard_for(field), keyboard_, context),
                                plan.centre_name, v.state.server_offline(), count, question, texts);
  }
  if (plan.centre_name) {
    draw_header(f, v);
  } else {
    draw_header_without_name(f, v);
  }
  if (plan.count_own_line) f.text(count, ui::TextStyle::Small, ui::Tone::Muted, ui::Align::Center);
  const float question_y = f.cursor().y;
  f.text(question, ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Left);
  if (!plan.count_own_line && !count.empty()) {
    // Beside the question, at the line's other end.
    f.text_in({f.content().x, question_y, f.content().w, f.line_height(ui::TextStyle::Heading)}, count,
              ui::TextStyle::Small, ui::Tone::Muted, ui::Align::Right);
  }
  if (!help.empty()) f.text(help, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Left);
  if (!problem_line.empty()) f.text(problem_line, ui::TextStyle::Body, ui::Tone::Danger, ui::Align::Left);

  const std::string next = v.state.draft.from_review ? v.tr("Done") : v.tr("Next") + " \u2192";
  if (!keys) {
    std::vector<ui::Tile> tiles;
    std::vector<std::string> ids;
    if (field.type == domain::FieldType::YesNo) {
      tiles = {{v.tr("Yes"), {}, true, "yn:yes"}, {v.tr("No"), {}, true, "yn:no"}};
      ids = {"yes", "no"};
    } else {
      for (const auto& c : field.choices) {
        tiles.push_back(
            {screen_text(c.label, lang), c.id == value ? v.tr("Chosen") : std::string(), true, "choice:" + c.id});
        ids.push_back(c.id);
      }
    }
    f.space(f.scale() * 8);
    int tapped = f.tile_grid(tiles, tiles.size() > 4 ? 3 : 2);
    if (tapped >= 0) {
      out.push_back({Action::Kind::FieldInput, ids[static_cast<std::size_t>(tapped)]});
      out.push_back({Action::Kind::FieldNext, {}});
    }
    back_button(f, v, out, field.required ? std::string() : v.tr("Skip") + " \u2192", Action::Kind::FieldNext);
    return out;
  }

  std::string example =
      field.example.empty() ? std::string() : v.tr("For example: {example}", {{"example", field.example}});
  value_row(f, v, out, value, example, next, Action::Kind::FieldNext, true, plan.value_h);
  const std::size_t max = static_cast<std::size_t>(field.max_length.value_or(domain::kMaxValueChars));
  if (keyboard(f, v, value, keyboard_for(field), max, keyboard_, context)) {
    out.push_back({Action::Kind::FieldInput, value});
  }
  if (f.key_pressed(SDLK_RETURN) || f.key_pressed(SDLK_KP_ENTER)) out.push_back({Action::Kind::FieldNext, {}});
  return out;
}

std::vector<Action> DocumentsScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const auto* svc = draft_service(v);
  if (!svc) return out;
  const std::string& lang = v.state.language;
  draw_header(f, v);
  f.text(v.tr("Which of these documents do you have with you?"), ui::TextStyle::Heading, ui::Tone::Normal,
         ui::Align::Center);
  f.text(v.tr("Touch a document to mark it. Missing documents can be brought to the counter later."),
         ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  f.space(f.scale() * 8);
  std::vector<ui::Tile> tiles;
  for (const auto& d : svc->documents) {
    auto it = v.state.draft.documents.find(d.id);
    const bool have = it != v.state.draft.documents.end() && it->second;
    std::string detail = have ? v.tr("I have it") : v.tr("Not with me");
    if (!d.required) detail += " \u00B7 " + v.tr("optional");
    tiles.push_back({screen_text(d.name, lang), detail, true, "doc:" + d.id});
  }
  f.begin_panel("documents", f.available_width(),
                f.content().y + f.content().h - f.cursor().y -
                    (f.theme().sizes.button_height + f.theme().sizes.spacing) * f.scale(),
                false);
  int tapped = f.tile_grid(tiles, 2);
  f.end_panel();
  if (tapped >= 0) out.push_back({Action::Kind::ToggleDocument, svc->documents[static_cast<std::size_t>(tapped)].id});
  back_button(f, v, out, v.tr("Next") + " \u2192", Action::Kind::DocumentsDone);
  return out;
}

std::vector<Action> ReviewScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const auto* svc = draft_service(v);
  if (!svc || !v.state.catalogue) return out;
  const std::string& lang = v.state.language;
  const auto& problems = v.state.draft.problems;
  draw_header(f, v);
  f.text(v.tr("Please check your application"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  if (!problems.empty()) {
    f.text(v.tr("Some answers need attention. Touch an answer to change it."), ui::TextStyle::Body, ui::Tone::Danger,
           ui::Align::Center);
  }
  // Every answer is a tile (touch it to change the answer); a problem is shown on its tile, in
  // place of the answer, and again below in red.
  std::vector<ui::Tile> tiles;
  for (const auto& field : svc->form) {
    auto it = v.state.draft.values.find(field.id);
    const std::string value = it == v.state.draft.values.end() ? std::string() : it->second;
    const auto* p = problem_of(v.state.draft, field.id);
    std::string detail =
        p ? problem_text(v.t(), field, *p) : (value.empty() ? "\u2014" : shown_value(field, value, lang, v));
    tiles.push_back({screen_text(field.label, lang), detail, true, "field:" + field.id});
  }
  int tapped = f.tile_grid(tiles, 3, f.theme().sizes.tile_height * f.scale() * 0.6f);
  if (tapped >= 0) out.push_back({Action::Kind::EditField, svc->form[static_cast<std::size_t>(tapped)].id});
  for (const auto& field : svc->form) {
    if (const auto* p = problem_of(v.state.draft, field.id)) {
      f.text(screen_text(field.label, lang) + ": " + problem_text(v.t(), field, *p), ui::TextStyle::Body,
             ui::Tone::Danger);
    }
  }
  auto missing = missing_documents(*svc, v.state.draft.documents);
  if (!svc->documents.empty()) {
    f.space();
    if (missing.empty()) {
      // An optional document not ticked is not missing, but "all the documents" would not be true.
      const bool all = std::all_of(svc->documents.begin(), svc->documents.end(), [&](const auto& d) {
        const auto it = v.state.draft.documents.find(d.id);
        return it != v.state.draft.documents.end() && it->second;
      });
      f.text(all ? v.tr("You have all the documents.") : v.tr("You have all the required documents."),
             ui::TextStyle::Body, ui::Tone::Success);
    } else {
      f.text(v.tr("Documents still missing:"), ui::TextStyle::Body, ui::Tone::Accent);
      for (const auto* d : missing) f.text("\u2022 " + screen_text(d->name, lang), ui::TextStyle::Body);
    }
  }
  if (svc->fee_minor > 0) {
    f.text(v.tr("Fee to pay at the counter: {amount}",
                {{"amount", v.t().money(svc->fee_minor, v.state.catalogue->centre.currency)}}),
           ui::TextStyle::Body, ui::Tone::Normal);
  }
  back_button(f, v, out, v.tr("Save and print"), Action::Kind::SaveApplication, problems.empty());
  return out;
}

std::vector<Action> FilingScreen::draw(ui::Frame& f, const View& v) {
  draw_header(f, v);
  f.space(f.screen().h * 0.22f);
  f.text(v.tr("Saving your application…"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.space();
  f.spinner();
  f.text(v.tr("Please wait a moment."), ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  return {};
}

std::vector<Action> FiledScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  if (!v.state.filing || !v.state.catalogue) return out;
  const FilingResult& r = *v.state.filing;
  const std::string& lang = v.state.language;
  draw_header(f, v);
  std::string done = v.tr("Done");
  if (r.kind == FilingResult::Kind::Failed) {
    f.space(f.screen().h * 0.1f);
    f.text(v.tr("Sorry, your application could not be saved"), ui::TextStyle::Heading, ui::Tone::Normal,
           ui::Align::Center);
    f.text(v.tr("Nothing was filed. Please ask a member of staff for help."), ui::TextStyle::Large, ui::Tone::Accent,
           ui::Align::Center);
  } else {
    const auto* svc = v.state.catalogue->service(v.state.draft.service);
    f.text(v.tr("Your application is saved"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
    if (svc) f.text(screen_text(svc->name, lang), ui::TextStyle::Large, ui::Tone::Muted, ui::Align::Center);
    f.text(v.tr("Receipt number"), ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
    const auto& t = f.theme();
    const float h = t.fonts.display * f.scale() * 1.1f;
    ui::Vec2 c = f.cursor();
    ui::Rect box{c.x, c.y, f.available_width(), h};
    f.fill(box, t.colors.surface);
    f.text_fit(box, r.receipt, ui::TextStyle::Display, ui::Tone::Accent, ui::Align::Center);
    f.set_cursor(c.x, c.y + h + t.sizes.spacing * f.scale());
    f.text(v.tr("It should be ready by {date}.", {{"date", v.t().date(r.due_on)}}), ui::TextStyle::Large,
           ui::Tone::Normal, ui::Align::Center);
    if (svc && !r.missing.empty()) {
      std::string names;
      for (const auto* d : missing_documents(*svc, v.state.draft.documents)) {
        if (!names.empty()) names += "; ";
        names += screen_text(d->name, lang);
      }
      f.text(v.tr("Please bring to the counter: {documents}", {{"documents", names}}), ui::TextStyle::Body,
             ui::Tone::Normal, ui::Align::Center);
    }
    if (r.fee_minor > 0) {
      f.text(v.tr("Fee to pay at the counter: {amount}",
                  {{"amount", v.t().money(r.fee_minor, v.state.catalogue->centre.currency)}}),
             ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
    }
    if (r.kind == FilingResult::Kind::Printed) {
      f.text(v.tr("Your acknowledgement slip is below the screen. Keep it: its QR code shows where your application "
                  "stands."),
             ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
    } else {
      f.text(v.tr("The printer is not working, so there is no paper slip. Your application is saved all the same: "
                  "please write down the receipt number, or take a photo of it."),
             ui::TextStyle::Body, ui::Tone::Danger, ui::Align::Center);
      if (!r.detail.empty()) f.text(r.detail, ui::TextStyle::Small, ui::Tone::Muted, ui::Align::Center);
      done = v.tr("I have noted my number");
    }
  }
  // Always at the bottom of the screen, however long the text above is.
  const float w = std::min(f.available_width(), 600 * f.scale());
  f.set_cursor(f.content().x + (f.content().w - w) / 2,
               f.content().y + f.content().h - f.theme().sizes.button_height * f.scale());
  if (f.button(done, ui::ButtonKind::Primary, w)) out.push_back({Action::Kind::StartOver, {}});
  return out;
}

std::vector<Action> StatusEntryScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  const std::string context = std::to_string(v.state.session);
  const std::string title = v.tr("Check my application");
  const std::string how = v.tr("Hold the QR code of your slip under the scanner, or type your receipt number.");
  const float w = f.content().w, gap = f.theme().sizes.spacing * f.scale();
  const KeyboardScreenPlan plan = plan_keyboard_screen(
      f, keyboard_least_height(f, v, KeyboardKind::Receipt, keyboard_, context), v.state.catalogue != nullptr,
      v.state.server_offline(), {}, title,
      f.measure(title, ui::TextStyle::Heading, w).y + f.measure(how, ui::TextStyle::Body, w).y + 2 * gap);
  if (plan.centre_name) {
    draw_header(f, v);
  } else {
    draw_header_without_name(f, v);
  }
  f.text(title, ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
  f.text(how, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
  std::string value = v.state.status_query;
  value_row(f, v, out, value, v.tr("For example: {example}", {{"example", "LDH01-K1-000042"}}), v.tr("Check"),
            Action::Kind::StatusSubmit, !normalise_receipt(value).empty(), plan.value_h);
  if (keyboard(f, v, value, KeyboardKind::Receipt, 64, keyboard_, context)) {
    out.push_back({Action::Kind::StatusInput, value});
  }
  // A scanner ends the number with Return.
  if (f.key_pressed(SDLK_RETURN) || f.key_pressed(SDLK_KP_ENTER)) out.push_back({Action::Kind::StatusSubmit, {}});
  return out;
}

std::vector<Action> StatusScreen::draw(ui::Frame& f, const View& v) {
  std::vector<Action> out;
  draw_header(f, v);
  if (v.state.step == Step::StatusLoading || !v.state.lookup) {
    f.space(f.screen().h * 0.22f);
    f.text(v.tr("Looking up your application…"), ui::TextStyle::Heading, ui::Tone::Normal, ui::Align::Center);
    f.space();
    f.spinner();
    return out;
  }
  const StatusLookup& l = *v.state.lookup;
  const std::string& lang = v.state.language;
  switch (l.kind) {
    case StatusLookup::Kind::Found: {
      const auto& s = l.status;
      const domain::Service* svc = v.state.catalogue ? v.state.catalogue->service(s.service) : nullptr;
      f.text(svc ? screen_text(svc->name, lang) : s.service, ui::TextStyle::Large, ui::Tone::Muted, ui::Align::Center);
      f.text(s.receipt, ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
      f.text(v.tr(status_label(s.status)), ui::TextStyle::Heading, ui::Tone::Accent, ui::Align::Center);
      if (l.source == StatusLookup::Source::ThisKiosk) {
        f.text(v.tr("It is sent as soon as the kiosk can reach the centre's system. Nothing is lost."),
               ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
      } else if (l.source == StatusLookup::Source::LastCopy) {
        f.text(v.tr("The centre's system cannot be reached just now: this is the last status the kiosk received."),
               ui::TextStyle::Body, ui::Tone::Muted, ui::Align::Center);
      }
      f.text(v.tr("Filed on {date}", {{"date", v.t().date(s.filed_on)}}) + "  \u00B7  " +
                 v.tr("Due by {date}", {{"date", v.t().date(s.due_on)}}),
             ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
      f.space();
      const int offset = v.state.catalogue ? v.state.catalogue->centre.utc_offset_minutes : 0;
      for (const auto& h : s.history) {
        domain::Instant at;
        std::string when = domain::parse_iso(h.at, at) ? slip_time(v.t(), at, offset) : h.at;
        std::string line = when + "  " + v.tr(status_label(h.status));
        if (!h.note.empty()) line += " \u2014 " + h.note;
        f.text(line, ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
      }
      break;
    }
    case StatusLookup::Kind::Unknown:
      f.space(f.screen().h * 0.1f);
      f.text(v.tr("No application has the receipt number {receipt}", {{"receipt", l.receipt}}), ui::TextStyle::Heading,
             ui::Tone::Normal, ui::Align::Center);
      f.text(v.tr("Please check the number on your slip, or ask a member of staff."), ui::TextStyle::Body,
             ui::Tone::Normal, ui::Align::Center);
      break;
    case StatusLookup::Kind::Unreachable:
      f.space(f.screen().h * 0.1f);
      f.text(v.tr("Sorry, the status cannot be checked right now"), ui::TextStyle::Heading, ui::Tone::Normal,
             ui::Align::Center);
      f.text(v.tr("The kiosk cannot reach the centre's system. Your application is not affected. Please try again "
                  "later, or ask a member of staff."),
             ui::TextStyle::Body, ui::Tone::Normal, ui::Align::Center);
      break;
  }
  f.space();
  const float w = std::min(f.available_width(), 600 * f.scale());
  f.set_cursor(f.content().x + (f.content().w - w) / 2, f.cursor().y);
  if (f.button(v.tr("Done"), ui::ButtonKind::Primary, w)) out.push_back({Action::Kind::StartOver, {}});
  back_button(f, v, out);
  return out;
}

}  // namespace guichet::kiosk
