#include <algorithm>

#include "screens.hpp"

namespace guichet::kiosk {

namespace {

std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void erase_last(std::string& s) {
  while (!s.empty()) {
    const char c = s.back();
    s.pop_back();
    if ((c & 0xC0) != 0x80) break;
  }
}

bool allowed(KeyboardKind kind, const std::string& text) {
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    switch (kind) {
      case KeyboardKind::Letters:
        if (static_cast<unsigned char>(c) < 0x20) return false;
        break;
      case KeyboardKind::Digits:
        if (!digit && c != '+' && c != '-' && c != '.' && c != ' ') return false;
        break;
      case KeyboardKind::Date:
        if (!digit && c != '/' && c != '-') return false;
        break;
      case KeyboardKind::Receipt:
        if (!digit && !letter && c != '-') return false;
        break;
    }
  }
  return true;
}

}  // namespace

KeyboardKind keyboard_for(const domain::FormField& field) {
  switch (field.type) {
    case domain::FieldType::Number:
    case domain::FieldType::Phone:
    case domain::FieldType::Aadhaar:
      return KeyboardKind::Digits;
    case domain::FieldType::Date:
      return KeyboardKind::Date;
    default:
      return KeyboardKind::Letters;
  }
}

bool keyboard(ui::Frame& f, const View& v, std::string& value, KeyboardKind kind, std::size_t max_chars) {
  bool changed = false;
  auto add = [&](const std::string& text) {
    if (utf8_length(value) + utf8_length(text) > max_chars) return;
    value += text;
    changed = true;
  };
  // Typed text first: a physical keyboard or a scanner typing a receipt number.
  for (const auto& e : f.text_events()) {
    if (allowed(kind, e.text)) add(kind == KeyboardKind::Receipt ? std::string(e.text) : e.text);
  }
  if (f.key_pressed(SDLK_BACKSPACE) && !value.empty()) {
    erase_last(value);
    changed = true;
  }

  std::vector<std::vector<std::string>> rows;
  const std::string erase = v.tr("Erase");
  const std::string space = v.tr("Space");
  switch (kind) {
    case KeyboardKind::Digits:
    case KeyboardKind::Date:
      rows = {
          {"1", "2", "3"}, {"4", "5", "6"}, {"7", "8", "9"}, {kind == KeyboardKind::Date ? "/" : space, "0", erase}};
      break;
    case KeyboardKind::Letters:
      rows = {{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", erase},
              {"Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "-"},
              {"A", "S", "D", "F", "G", "H", "J", "K", "L", ",", "."},
              {"Z", "X", "C", "V", "B", "N", "M", "@", space}};
      break;
    case KeyboardKind::Receipt:
      rows = {{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", erase},
              {"Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "-"},
              {"A", "S", "D", "F", "G", "H", "J", "K", "L"},
              {"Z", "X", "C", "V", "B", "N", "M"}};
      break;
  }
  const float gap = f.theme().sizes.spacing * f.scale() * 0.5f;
  const bool pad = kind == KeyboardKind::Digits || kind == KeyboardKind::Date;
  const float total = pad ? std::min(f.available_width(), 560 * f.scale()) : f.available_width();
  const float left = f.content().x + (f.content().w - total) / 2;
  const float key_h = f.theme().sizes.button_height * f.scale();
  float row_y = f.cursor().y;
  for (const auto& row : rows) {
    const std::size_t cols = pad ? 3 : 11;
    const float key_w = (total - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    f.set_cursor(left, row_y);
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string& k = row[i];
      // The space bar takes the rest of its row.
      float w = key_w;
      if (!pad && k == space) w = key_w * 3 + gap * 2;
      if (i > 0) f.same_line(gap);
      if (!f.button(k, k == erase ? ui::ButtonKind::Danger : ui::ButtonKind::Secondary, w)) continue;
      if (k == erase) {
        if (!value.empty()) {
          erase_last(value);
          changed = true;
        }
      } else if (k == space) {
        if (!value.empty() && value.back() != ' ') add(" ");
      } else if (kind == KeyboardKind::Letters && k.size() == 1 && k[0] >= 'A' && k[0] <= 'Z' && !value.empty() &&
                 value.back() != ' ' && value.back() != '-') {
        // Capitals start words; the rest of a word is in small letters.
        add(std::string(1, static_cast<char>(k[0] - 'A' + 'a')));
      } else {
        add(k);
      }
    }
    row_y += key_h + gap;
  }
  f.set_cursor(f.content().x, row_y);
  return changed;
}

}  // namespace guichet::kiosk
