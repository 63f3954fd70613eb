#include "keyboard_layout.hpp"

#include <algorithm>
#include <initializer_list>

namespace guichet::kiosk {

namespace {

std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// Letters, written as code points so that look-alikes (Arabic ي and Urdu ی, ك and ک) cannot slip in.
std::vector<Key> letters(std::initializer_list<char32_t> cps) {
  std::vector<Key> out;
  for (char32_t cp : cps) out.push_back({Key::Kind::Text, utf8(cp), utf8(cp), 1});
  return out;
}

// Combining signs (matras, virama, nukta, anusvara) shown on a dotted circle, as printed keyboards do.
std::vector<Key> signs(std::initializer_list<char32_t> cps) {
  std::vector<Key> out;
  for (char32_t cp : cps) out.push_back({Key::Kind::Text, "\u25CC" + utf8(cp), utf8(cp), 1});
  return out;
}

std::vector<Key> ascii(std::initializer_list<const char*> keys) {
  std::vector<Key> out;
  for (const char* k : keys) out.push_back({Key::Kind::Text, k, k, 1});
  return out;
}

std::vector<Key> join(std::vector<Key> a, const std::vector<Key>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Key erase_key(const Tr& t, int width = 1) { return {Key::Kind::Erase, t.tr("Erase"), {}, width}; }
Key space_key(const Tr& t, int width) { return {Key::Kind::Space, t.tr("Space"), {}, width}; }
// "ABC" is the same everywhere: it shows the letters the key switches to.
Key latin_key() { return {Key::Kind::ToLatin, "ABC", {}, 1}; }

KeyboardLayout gurmukhi(const Tr& t) {
  KeyboardLayout l;
  l.script = Script::Gurmukhi;
  l.rows = {
      // Vowels, and ਸ਼ (common in names).
      letters({0x0A05, 0x0A06, 0x0A07, 0x0A08, 0x0A09, 0x0A0A, 0x0A0F, 0x0A10, 0x0A13, 0x0A14, 0x0A36}),
      letters({0x0A15, 0x0A16, 0x0A17, 0x0A18, 0x0A19, 0x0A1A, 0x0A1B, 0x0A1C, 0x0A1D, 0x0A1E, 0x0A1F}),
      letters({0x0A20, 0x0A21, 0x0A22, 0x0A23, 0x0A24, 0x0A25, 0x0A26, 0x0A27, 0x0A28, 0x0A2A, 0x0A2B}),
      letters({0x0A2C, 0x0A2D, 0x0A2E, 0x0A2F, 0x0A30, 0x0A32, 0x0A35, 0x0A38, 0x0A39, 0x0A5C, 0x0A33}),
      // Vowel signs, bindi and tippi.
      signs({0x0A3E, 0x0A3F, 0x0A40, 0x0A41, 0x0A42, 0x0A47, 0x0A48, 0x0A4B, 0x0A4C, 0x0A02, 0x0A70}),
      // Addak, nukta, virama, ਜ਼ ਫ਼; Latin, space, and erase twice as wide (its word is long in Gurmukhi).
      join(join(signs({0x0A71, 0x0A3C, 0x0A4D}), letters({0x0A5B, 0x0A5E})),
           {latin_key(), space_key(t, 3), erase_key(t, 2)}),
  };
  return l;
}

KeyboardLayout devanagari(const Tr& t) {
  KeyboardLayout l;
  l.script = Script::Devanagari;
  l.rows = {
      letters({0x0905, 0x0906, 0x0907, 0x0908, 0x0909, 0x090A, 0x090B, 0x090F, 0x0910, 0x0913, 0x0914}),
      letters({0x0915, 0x0916, 0x0917, 0x0918, 0x0919, 0x091A, 0x091B, 0x091C, 0x091D, 0x091E, 0x091F}),
      letters({0x0920, 0x0921, 0x0922, 0x0923, 0x0924, 0x0925, 0x0926, 0x0927, 0x0928, 0x092A, 0x092B}),
      letters({0x092C, 0x092D, 0x092E, 0x092F, 0x0930, 0x0932, 0x0935, 0x0936, 0x0937, 0x0938, 0x0939}),
      // Vowel signs (matras) and anusvara.
      signs({0x093E, 0x093F, 0x0940, 0x0941, 0x0942, 0x0943, 0x0947, 0x0948, 0x094B, 0x094C, 0x0902}),
      // Chandrabindu, visarga, virama (halant), nukta, danda; Latin, space, and erase twice as wide.
      join(join(signs({0x0901, 0x0903, 0x094D, 0x093C}), letters({0x0964})),
           {latin_key(), space_key(t, 3), erase_key(t, 2)}),
  };
  return l;
}

KeyboardLayout urdu(const Tr& t) {
  KeyboardLayout l;
  l.script = Script::Urdu;
  l.right_to_left = true;
  l.rows = {
      // ا ب پ ت ٹ ث ج چ ح خ د
      letters({0x0627, 0x0628, 0x067E, 0x062A, 0x0679, 0x062B, 0x062C, 0x0686, 0x062D, 0x062E, 0x062F}),
      // ڈ ذ ر ڑ ز ژ س ش ص ض ط
      letters({0x0688, 0x0630, 0x0631, 0x0691, 0x0632, 0x0698, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637}),
      // ظ ع غ ف ق ک گ ل م ن ں
      letters({0x0638, 0x0639, 0x063A, 0x0641, 0x0642, 0x06A9, 0x06AF, 0x0644, 0x0645, 0x0646, 0x06BA}),
      // و ہ ھ ء ی ے آ ئ ؤ ، ۔
      letters({0x0648, 0x06C1, 0x06BE, 0x0621, 0x06CC, 0x06D2, 0x0622, 0x0626, 0x0624, 0x060C, 0x06D4}),
      {latin_key(), space_key(t, 3), erase_key(t, 2)},
  };
  return l;
}

KeyboardLayout latin(const Tr& t, Script native) {
  KeyboardLayout l;
  l.script = Script::Latin;
  l.capitalise_words = true;
  l.rows = {
      join(ascii({"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}), {erase_key(t)}),
      ascii({"Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "-"}),
      ascii({"A", "S", "D", "F", "G", "H", "J", "K", "L", ",", "."}),
      ascii({"Z", "X", "C", "V", "B", "N", "M", "@", "'", "/"}),
  };
  // French names and addresses need their accents (Hélène, François, Cœur).
  if (t.language() == "fr") {
    l.rows.push_back(ascii({"é", "è", "ê", "ë", "à", "â", "ç", "î", "ï", "ô", "ù"}));
  }
  std::vector<Key> bottom;
  if (native != Script::Latin) bottom.push_back({Key::Kind::ToNative, language_name(t.language()), {}, 2});
  bottom.push_back(space_key(t, 5));
  l.rows.push_back(bottom);
  return l;
}

}  // namespace

Script script_for(std::string_view language) {
  if (language == "pa") return Script::Gurmukhi;
  if (language == "hi") return Script::Devanagari;
  if (language == "ur") return Script::Urdu;
  return Script::Latin;
}

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

KeyboardLayout keyboard_layout(KeyboardKind kind, Script script, const Tr& t) {
  switch (kind) {
    case KeyboardKind::Digits:
    case KeyboardKind::Date: {
      KeyboardLayout l;
      l.pad = true;
      l.columns = 3;
      const Key left = kind == KeyboardKind::Date ? Key{Key::Kind::Text, "/", "/", 1} : space_key(t, 1);
      l.rows = {ascii({"1", "2", "3"}),
                ascii({"4", "5", "6"}),
                ascii({"7", "8", "9"}),
                {left, Key{Key::Kind::Text, "0", "0", 1}, erase_key(t)}};
      return l;
    }
    case KeyboardKind::Receipt: {
      // Receipt numbers are Latin capitals, digits and '-', whatever the language.
      KeyboardLayout l;
      l.rows = {join(ascii({"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}), {erase_key(t)}),
                ascii({"Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "-"}),
                ascii({"A", "S", "D", "F", "G", "H", "J", "K", "L"}), ascii({"Z", "X", "C", "V", "B", "N", "M"})};
      return l;
    }
    case KeyboardKind::Letters:
      break;
  }
  switch (script) {
    case Script::Gurmukhi:
      return gurmukhi(t);
    case Script::Devanagari:
      return devanagari(t);
    case Script::Urdu:
      return urdu(t);
    case Script::Latin:
      break;
  }
  return latin(t, script_for(t.language()));
}

KeyboardLayout reflowed(const KeyboardLayout& layout, std::size_t rows, int max_columns) {
  if (rows == 0 || layout.rows.size() <= rows) return layout;
  std::vector<Key> keys;
  int units = 0;
  for (const auto& row : layout.rows) {
    for (const auto& k : row) {
      keys.push_back(k);
      units += k.width;
    }
  }
  // Rows filled in order; the shortest row length that needs no more than `rows` rows.
  auto pack = [&keys](int columns) {
    std::vector<std::vector<Key>> out(1);
    int used = 0;
    for (const auto& k : keys) {
      if (used > 0 && used + k.width > columns) {
        out.emplace_back();
        used = 0;
      }
      out.back().push_back(k);
      used += k.width;
    }
    return out;
  };
  const auto n = static_cast<int>(rows);
  int widest = layout.columns;
  for (const auto& k : keys) widest = std::max(widest, k.width);
  int columns = std::max(widest, std::min((units + n - 1) / n, max_columns));
  auto packed = pack(columns);
  while (packed.size() > rows && columns < max_columns) packed = pack(++columns);
  KeyboardLayout out = layout;
  out.rows = std::move(packed);
  out.columns = columns;
  return out;
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool erase_last_code_point(std::string& value) {
  if (value.empty()) return false;
  while (!value.empty()) {
    const char c = value.back();
    value.pop_back();
    if ((c & 0xC0) != 0x80) break;  // the lead byte (or an ASCII character): one code point gone
  }
  return true;
}

bool press(const KeyboardLayout& layout, const Key& key, std::string& value, std::size_t max_chars) {
  auto add = [&](const std::string& text) {
    if (code_points(value) + code_points(text) > max_chars) return false;
    value += text;
    return true;
  };
  switch (key.kind) {
    case Key::Kind::Erase:
      return erase_last_code_point(value);
    case Key::Kind::Space:
      // One space between words, none at the start.
      if (value.empty() || value.back() == ' ') return false;
      return add(" ");
    case Key::Kind::ToLatin:
    case Key::Kind::ToNative:
      return false;
    case Key::Kind::Text:
      break;
  }
  const std::string& k = key.text;
  if (layout.capitalise_words && k.size() == 1 && k[0] >= 'A' && k[0] <= 'Z' && !value.empty() && value.back() != ' ' &&
      value.back() != '-' && value.back() != '\'') {
    // Capitals start words; the rest of a word is in small letters.
    return add(std::string(1, static_cast<char>(k[0] - 'A' + 'a')));
  }
  return add(k);
}

bool typed_text_allowed(KeyboardKind kind, std::string_view text) {
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

}  // namespace guichet::kiosk
