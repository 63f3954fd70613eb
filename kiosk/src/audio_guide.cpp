#include "audio_guide.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "announce.hpp"
#include "format.hpp"

namespace guichet::kiosk {

namespace {

// Decodes one UTF-8 code point at `i` (advancing it); malformed bytes come back as themselves.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
  if (i + static_cast<std::size_t>(len) > s.size()) len = 1;
  char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(len);
  return cp;
}

// Arrows, check marks, bullets and geometric shapes: drawn for the eye, not said.
bool silent_symbol(char32_t cp) {
  return (cp >= 0x2190 && cp <= 0x21FF) || (cp >= 0x2700 && cp <= 0x27BF) || (cp >= 0x25A0 && cp <= 0x25FF) ||
         cp == 0x2022 || cp == 0x00B7;
}

Utterance plain(const std::string& language, const std::string& text) {
  return Utterance{language, text, ssml_of(text)};
}

}  // namespace

std::string speakable(std::string_view label) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < label.size();) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(label, i);
    if (silent_symbol(cp) || cp == ' ' || cp == '\t' || cp == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out.append(label.substr(start, i - start));
  }
  return out;
}

namespace {
// "A042" -> {"A", 42}; false when it is not letters then digits.
bool split_number(const std::string& s, std::string& letters, int& number) {
  std::size_t i = 0;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
  if (i == s.size()) return false;
  letters = s.substr(0, i);
  long value = 0;
  for (std::size_t k = i; k < s.size(); ++k) {
    if (!std::isdigit(static_cast<unsigned char>(s[k])) || k - i > 8) return false;
    value = value * 10 + (s[k] - '0');
  }
  number = static_cast<int>(value);
  return true;
}
}  // namespace

std::string spoken_display_number(const std::string& display_number) {
  std::string letters;
  int number = 0;
  if (!split_number(display_number, letters, number)) return display_number;
  // As the board says it (announce.hpp): "A 42", never "A zero four two".
  return letters.empty() ? std::to_string(number) : letters + " " + std::to_string(number);
}

std::string spoken_display_number_ssml(const std::string& display_number) {
  std::string letters;
  int number = 0;
  if (!split_number(display_number, letters, number)) return xml_escape(display_number);
  if (letters.empty()) return std::to_string(number);
  return "<say-as interpret-as=\"characters\">" + xml_escape(letters) + "</say-as> " + std::to_string(number);
}

std::string ssml_of(std::string_view text) { return "<speak>" + xml_escape(text) + "</speak>"; }

std::vector<FocusOption> focus_order(const std::vector<ui::ScreenItem>& items, const std::vector<std::string>& skip,
                                     bool rtl) {
  std::vector<FocusOption> out;
  std::vector<std::pair<std::string, int>> seen;  // label -> controls with it so far, drawn or not
  for (const auto& item : items) {
    if (item.kind != ui::ScreenItem::Kind::Control) continue;
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == item.text; });
    if (it == seen.end()) it = seen.insert(seen.end(), {item.text, 0});
    const int occurrence = it->second++;
    if (std::find(skip.begin(), skip.end(), item.text) != skip.end()) continue;
    // A tile's detail: the text recorded right after it, inside it.
    std::string detail;
    const auto next = std::next(items.begin(), &item - items.data() + 1);
    if (next != items.end() && next->kind == ui::ScreenItem::Kind::Text) {
      const ui::Rect& r = item.rect;
      const ui::Rect& d = next->rect;
      if (d.cy() >= r.y && d.cy() <= r.y + r.h && d.cx() >= r.x && d.cx() <= r.x + r.w) detail = next->text;
    }
    if (!item.enabled && detail.empty()) continue;
    out.push_back(FocusOption{{item.text, occurrence}, item.rect, std::move(detail), item.enabled});
  }
  // Reading order. Two controls are on one row when each one's middle is within the other's height.
  auto same_row = [](const ui::Rect& a, const ui::Rect& b) {
    return (a.cy() >= b.y && a.cy() < b.y + b.h) || (b.cy() >= a.y && b.cy() < a.y + a.h);
  };
  std::stable_sort(out.begin(), out.end(), [&](const FocusOption& a, const FocusOption& b) {
    if (!same_row(a.rect, b.rect)) return a.rect.cy() < b.rect.cy();
    return rtl ? a.rect.cx() > b.rect.cx() : a.rect.cx() < b.rect.cx();
  });
  return out;
}

bool FocusRing::update(std::vector<FocusOption> options) {
  const bool same = options.size() == options_.size() &&
                    std::equal(options.begin(), options.end(), options_.begin(), [](const auto& a, const auto& b) {
                      return a.ref.label == b.ref.label && a.ref.occurrence == b.ref.occurrence;
                    });
  options_ = std::move(options);
  if (same) return false;
  index_ = 0;
  return true;
}

void FocusRing::clear() {
  options_.clear();
  index_ = 0;
}

const FocusOption* FocusRing::current() const { return index_ < options_.size() ? &options_[index_] : nullptr; }

const FocusOption* FocusRing::next() {
  if (options_.empty()) return nullptr;
  index_ = (index_ + 1) % options_.size();
  return current();
}

const FocusOption* FocusRing::previous() {
  if (options_.empty()) return nullptr;
  index_ = (index_ + options_.size() - 1) % options_.size();
  return current();
}

Utterance screen_title(const KioskState& s, const text::Translations& translations,
                       const std::vector<ui::ScreenItem>& drawn, const std::string& header) {
  const Tr t(translations, s.language);
  switch (s.step) {
    case Step::Language:
      return plain(s.language, t.tr("Choose your language. Press Next option to hear each language, then Select."));
    case Step::Menu:
      return plain(s.language, t.tr("What would you like to do?"));
    case Step::Service:
      return plain(s.language, t.tr("Which service do you need?"));
    case Step::Priority:
      return plain(s.language, t.tr("Does a priority category apply to you?"));
    case Step::Issuing:
      return plain(s.language, t.tr("Printing your token…"));
    case Step::AppService:
      return plain(s.language, t.tr("Which service are you applying for?"));
    case Step::Result:
      if (s.result && (s.result->kind == IssueResult::Kind::Printed || s.result->kind == IssueResult::Kind::OnScreen)) {
        const auto& r = *s.result;
        // The pattern keeps its placeholder so the SSML form can spell the letters.
        const std::string pattern = r.kind == IssueResult::Kind::Printed ? t.tr("Please take your token {number}")
                                                                         : t.tr("Your token number is {number}");
        const std::string wait = wait_sentence(t, r.ahead, r.minutes);
        Utterance u;
        u.language = s.language;
        u.text = text::substitute(pattern, {{"number", spoken_display_number(r.display_number)}}) + ". " + wait;
        u.ssml = "<speak>" +
                 text::substitute(xml_escape(pattern), {{"number", spoken_display_number_ssml(r.display_number)}}) +
                 ". " + xml_escape(wait) + "</speak>";
        return u;
      }
      break;
    default:
      break;
  }
  // Other screens: the first text they drew under the centre's name (their heading), the offline
  // mark beside the name left out too.
  const std::string mark = offline_mark(t);
  for (const auto& item : drawn) {
    if (item.kind == ui::ScreenItem::Kind::Text && item.text != header && item.text != mark &&
        !speakable(item.text).empty()) {
      return plain(s.language, speakable(item.text));
    }
  }
  return plain(s.language, "");
}

Utterance option_utterance(const KioskState& s, const std::string& label, const std::string& detail) {
  std::string language = s.language;
  if (s.step == Step::Language && s.catalogue) {
    for (const auto& code : s.catalogue->centre.languages) {
      if (language_name(code) == label) language = code;
    }
  }
  std::string said = speakable(label);
  const std::string more = speakable(detail);
  if (!more.empty()) said += ". " + more;
  return plain(language, said);
}

std::vector<Utterance> screen_intro(const KioskState& s, const text::Translations& translations,
                                    const std::vector<ui::ScreenItem>& drawn, const std::string& header) {
  if (s.step != Step::Language || !s.catalogue) return {screen_title(s, translations, drawn, header)};
  std::vector<std::string> languages = s.catalogue->centre.languages;
  if (std::find(languages.begin(), languages.end(), s.language) == languages.end())
    languages.insert(languages.begin(), s.language);
  std::vector<Utterance> out;
  for (const auto& code : languages) {
    KioskState in = s;
    in.language = code;
    Utterance u = screen_title(in, translations, drawn, header);
    const bool said = std::any_of(out.begin(), out.end(), [&](const Utterance& o) { return o.text == u.text; });
    if (!said && !u.text.empty()) out.push_back(std::move(u));
  }
  return out;
}

}  // namespace guichet::kiosk
