#include <gtest/gtest.h>

#include <set>

#include "keyboard_layout.hpp"

using namespace guichet;
using namespace guichet::kiosk;

namespace {

// The code points of UTF-8 text (the keyboards only hold valid UTF-8).
std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<std::size_t>(n);
  }
  return out;
}

const Key* find_text(const KeyboardLayout& l, char32_t cp) {
  for (const auto& row : l.rows)
    for (const auto& k : row)
      if (k.kind == Key::Kind::Text && decode(k.text) == std::vector<char32_t>{cp}) return &k;
  return nullptr;
}

const Key* find_kind(const KeyboardLayout& l, Key::Kind kind) {
  for (const auto& row : l.rows)
    for (const auto& k : row)
      if (k.kind == kind) return &k;
  return nullptr;
}

std::set<char32_t> typed(const KeyboardLayout& l) {
  std::set<char32_t> out;
  for (const auto& row : l.rows)
    for (const auto& k : row)
      if (k.kind == Key::Kind::Text) {
        auto cps = decode(k.text);
        EXPECT_EQ(cps.size(), 1u) << "one code point per key: " << k.label;
        out.insert(cps.begin(), cps.end());
      }
  return out;
}

int width(const std::vector<Key>& row) {
  int w = 0;
  for (const auto& k : row) w += k.width;
  return w;
}

struct Fixture {
  text::Translations none;
  Tr tr(const char* lang) const { return Tr(none, lang); }
};

}  // namespace

TEST(Keyboard, TheLanguagesScript) {
  EXPECT_EQ(script_for("pa"), Script::Gurmukhi);
  EXPECT_EQ(script_for("hi"), Script::Devanagari);
  EXPECT_EQ(script_for("ur"), Script::Urdu);
  EXPECT_EQ(script_for("fr"), Script::Latin);
  EXPECT_EQ(script_for("en"), Script::Latin);
}

TEST(Keyboard, EachLayoutTypesItsScriptOnly) {
  Fixture fx;
  struct Case {
    const char* lang;
    Script script;
    char32_t from, to;
  };
  for (const Case& c : {Case{"pa", Script::Gurmukhi, 0x0A00, 0x0A7F}, Case{"hi", Script::Devanagari, 0x0900, 0x097F},
                        Case{"ur", Script::Urdu, 0x0600, 0x06FF}}) {
    SCOPED_TRACE(c.lang);
    auto l = keyboard_layout(KeyboardKind::Letters, c.script, fx.tr(c.lang));
    EXPECT_EQ(l.script, c.script);
    for (char32_t cp : typed(l)) {
      EXPECT_TRUE(cp >= c.from && cp <= c.to) << std::hex << static_cast<unsigned>(cp);
    }
    EXPECT_NE(find_kind(l, Key::Kind::ToLatin), nullptr) << "a key to switch to Latin";
    EXPECT_NE(find_kind(l, Key::Kind::Erase), nullptr);
    EXPECT_NE(find_kind(l, Key::Kind::Space), nullptr);
    for (const auto& row : l.rows) EXPECT_LE(width(row), l.columns);
  }
}

TEST(Keyboard, DevanagariHasWhatNamesAndAddressesNeed) {
  Fixture fx;
  auto l = keyboard_layout(KeyboardKind::Letters, Script::Devanagari, fx.tr("hi"));
  auto keys = typed(l);
  for (char32_t cp = 0x0915; cp <= 0x0939; ++cp) {
    if (cp == 0x0929 || cp == 0x0931 || cp == 0x0933 || cp == 0x0934) continue;  // rare nukta forms
    EXPECT_TRUE(keys.count(cp)) << "consonant U+" << std::hex << static_cast<unsigned>(cp);
  }
  for (char32_t cp : {0x093E, 0x093F, 0x0940, 0x0941, 0x0942, 0x0947, 0x0948, 0x094B, 0x094C})
    EXPECT_TRUE(keys.count(cp)) << "matra U+" << std::hex << static_cast<unsigned>(cp);
  EXPECT_TRUE(keys.count(0x094D)) << "virama";
  EXPECT_TRUE(keys.count(0x0902)) << "anusvara";
  EXPECT_TRUE(keys.count(0x093C)) << "nukta";
  EXPECT_TRUE(keys.count(0x0905) && keys.count(0x0914)) << "vowels";
  EXPECT_EQ(find_text(l, 0x093F)->label, "\u25CC\u093F") << "a vowel sign is shown on a dotted circle";
}

TEST(Keyboard, GurmukhiHasVowelSignsTippiAddakAndVirama) {
  Fixture fx;
  auto keys = typed(keyboard_layout(KeyboardKind::Letters, Script::Gurmukhi, fx.tr("pa")));
  for (char32_t cp : {0x0A15, 0x0A16, 0x0A17, 0x0A38, 0x0A39, 0x0A5C, 0x0A3E, 0x0A3F, 0x0A40, 0x0A41, 0x0A42, 0x0A47,
                      0x0A48, 0x0A4B, 0x0A4C, 0x0A02, 0x0A70, 0x0A71, 0x0A4D, 0x0A3C, 0x0A05, 0x0A06, 0x0A07})
    EXPECT_TRUE(keys.count(cp)) << "U+" << std::hex << static_cast<unsigned>(cp);
}

TEST(Keyboard, UrduHasItsOwnLettersAndIsRightToLeft) {
  Fixture fx;
  auto l = keyboard_layout(KeyboardKind::Letters, Script::Urdu, fx.tr("ur"));
  EXPECT_TRUE(l.right_to_left);
  auto keys = typed(l);
  // ٹ ڈ ڑ ں ے ھ, and Urdu's ک ی ہ rather than the Arabic look-alikes ك ي ه.
  for (char32_t cp : {0x0679, 0x0688, 0x0691, 0x06BA, 0x06D2, 0x06BE, 0x06A9, 0x06CC, 0x06C1, 0x067E, 0x0686, 0x06AF})
    EXPECT_TRUE(keys.count(cp)) << "U+" << std::hex << static_cast<unsigned>(cp);
  for (char32_t cp : {0x0643, 0x064A, 0x0647})
    EXPECT_FALSE(keys.count(cp)) << "U+" << std::hex << static_cast<unsigned>(cp);
  // Typed in logical order: the first key pressed is the first code point.
  std::string v;
  for (char32_t cp : {0x0627, 0x0631, 0x062F, 0x0648}) ASSERT_TRUE(press(l, *find_text(l, cp), v, 50));
  EXPECT_EQ(v, "اردو");
}

TEST(Keyboard, TypingAHindiWordAndErasingOneCodePoint) {
  Fixture fx;
  auto l = keyboard_layout(KeyboardKind::Letters, Script::Devanagari, fx.tr("hi"));
  std::string v;
  // न म स ् त े  →  नमस्ते
  for (char32_t cp : {0x0928, 0x092E, 0x0938, 0x094D, 0x0924, 0x0947}) {
    const Key* k = find_text(l, cp);
    ASSERT_NE(k, nullptr) << std::hex << static_cast<unsigned>(cp);
    ASSERT_TRUE(press(l, *k, v, 50));
  }
  EXPECT_EQ(v, "\u0928\u092E\u0938\u094D\u0924\u0947");
  EXPECT_EQ(v, "नमस्ते");
  EXPECT_TRUE(press(l, *find_kind(l, Key::Kind::Space), v, 50));
  EXPECT_FALSE(press(l, *find_kind(l, Key::Kind::Space), v, 50)) << "one space between words";
  const Key& erase = *find_kind(l, Key::Kind::Erase);
  EXPECT_TRUE(press(l, erase, v, 50));
  EXPECT_TRUE(press(l, erase, v, 50));
  EXPECT_EQ(v, "नमस्त") << "erase undoes the last key: the vowel sign, not the whole syllable";
  EXPECT_TRUE(press(l, erase, v, 50));
  EXPECT_EQ(v, "नमस्");
  std::string empty;
  EXPECT_FALSE(press(l, erase, empty, 50));
}

TEST(Keyboard, NeverPastTheFieldsLengthInCodePoints) {
  Fixture fx;
  auto l = keyboard_layout(KeyboardKind::Letters, Script::Gurmukhi, fx.tr("pa"));
  std::string v;
  const Key& ka = *find_text(l, 0x0A15);
  EXPECT_TRUE(press(l, ka, v, 2));
  EXPECT_TRUE(press(l, ka, v, 2));
  EXPECT_FALSE(press(l, ka, v, 2));
  EXPECT_EQ(code_points(v), 2u);
  EXPECT_EQ(v.size(), 6u);
}

TEST(Keyboard, LatinCapitalisesWordsAndFrenchHasAccents) {
  Fixture fx;
  auto en = keyboard_layout(KeyboardKind::Letters, Script::Latin, fx.tr("en"));
  EXPECT_EQ(find_kind(en, Key::Kind::ToNative), nullptr) << "English has no other script";
  EXPECT_EQ(find_text(en, 0x00E9), nullptr);
  std::string v;
  for (char c : std::string("ANNA")) {
    for (const auto& row : en.rows)
      for (const auto& k : row)
        if (k.text == std::string(1, c)) press(en, k, v, 50);
  }
  EXPECT_EQ(v, "Anna");

  auto fr = keyboard_layout(KeyboardKind::Letters, Script::Latin, fx.tr("fr"));
  for (char32_t cp : {0x00E9, 0x00E8, 0x00EA, 0x00E0, 0x00E7, 0x00F4, 0x00F9, 0x00EE})
    EXPECT_NE(find_text(fr, cp), nullptr) << "U+" << std::hex << static_cast<unsigned>(cp);

  // Punjabi's Latin keyboard has the key back to Gurmukhi, named in Gurmukhi.
  auto pa_latin = keyboard_layout(KeyboardKind::Letters, Script::Latin, fx.tr("pa"));
  const Key* back = find_kind(pa_latin, Key::Kind::ToNative);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->label, "ਪੰਜਾਬੀ");
}

TEST(Keyboard, NumericFieldsGetTheNumberPad) {
  Fixture fx;
  domain::FormField f;
  for (auto type : {domain::FieldType::Number, domain::FieldType::Phone, domain::FieldType::Aadhaar}) {
    f.type = type;
    EXPECT_EQ(keyboard_for(f), KeyboardKind::Digits);
  }
  f.type = domain::FieldType::Date;
  EXPECT_EQ(keyboard_for(f), KeyboardKind::Date);
  f.type = domain::FieldType::Text;
  EXPECT_EQ(keyboard_for(f), KeyboardKind::Letters);
  // The pad is the same in every script: Latin digits, as on the slips and the board.
  for (auto script : {Script::Latin, Script::Devanagari, Script::Urdu}) {
    auto pad = keyboard_layout(KeyboardKind::Digits, script, fx.tr("hi"));
    EXPECT_TRUE(pad.pad);
    EXPECT_EQ(pad.columns, 3);
    std::set<char32_t> digits;
    for (char32_t c = '0'; c <= '9'; ++c) digits.insert(c);
    EXPECT_EQ(typed(pad), digits);
  }
  auto date = keyboard_layout(KeyboardKind::Date, Script::Gurmukhi, fx.tr("pa"));
  EXPECT_TRUE(typed(date).count('/'));
}

TEST(Keyboard, PhysicalKeyboardTextIsFilteredByField) {
  EXPECT_TRUE(typed_text_allowed(KeyboardKind::Letters, "नमस्ते"));
  EXPECT_FALSE(typed_text_allowed(KeyboardKind::Letters, "\t"));
  EXPECT_TRUE(typed_text_allowed(KeyboardKind::Digits, "98765 43210"));
  EXPECT_FALSE(typed_text_allowed(KeyboardKind::Digits, "98a"));
  EXPECT_TRUE(typed_text_allowed(KeyboardKind::Date, "14/04/2026"));
  EXPECT_TRUE(typed_text_allowed(KeyboardKind::Receipt, "LDH01-K1-000042"));
  EXPECT_FALSE(typed_text_allowed(KeyboardKind::Receipt, "LDH 01"));
}

// A screen short of height gets the same keys, in the same order, in fewer and longer rows.
TEST(Keyboard, ReflowedIntoFewerRowsKeepsEveryKeyInOrder) {
  Fixture fx;
  for (const auto& [script, lang] : {std::pair{Script::Gurmukhi, "pa"}, std::pair{Script::Devanagari, "hi"},
                                     std::pair{Script::Urdu, "ur"}, std::pair{Script::Latin, "en"}}) {
    SCOPED_TRACE(lang);
    const auto l = keyboard_layout(KeyboardKind::Letters, script, fx.tr(lang));
    std::vector<std::string> before;
    for (const auto& row : l.rows)
      for (const auto& k : row) before.push_back(k.label);
    for (std::size_t rows = 1; rows < l.rows.size(); ++rows) {
      const auto r = reflowed(l, rows, 100);
      EXPECT_LE(r.rows.size(), rows);
      EXPECT_GT(r.columns, l.columns);
      EXPECT_EQ(r.right_to_left, l.right_to_left);
      std::vector<std::string> after;
      for (const auto& row : r.rows) {
        EXPECT_LE(width(row), r.columns);
        for (const auto& k : row) after.push_back(k.label);
      }
      EXPECT_EQ(after, before);
    }
  }
  // Six rows of Gurmukhi in five: 66 key widths, 14 to a row.
  const auto pa = reflowed(keyboard_layout(KeyboardKind::Letters, Script::Gurmukhi, fx.tr("pa")), 5, 19);
  EXPECT_EQ(pa.rows.size(), 5u);
  EXPECT_EQ(pa.columns, 14);
}

TEST(Keyboard, ReflowingNeverMakesKeysNarrowerThanAllowed) {
  Fixture fx;
  const auto l = keyboard_layout(KeyboardKind::Letters, Script::Gurmukhi, fx.tr("pa"));
  // A layout that fits already is left alone.
  EXPECT_EQ(reflowed(l, 6, 19).rows.size(), 6u);
  EXPECT_EQ(reflowed(l, 6, 19).columns, 11);
  EXPECT_EQ(reflowed(l, 0, 19).rows.size(), 6u);
  // One row would need 66 columns: the bound wins, with as few rows as it allows.
  const auto r = reflowed(l, 1, 20);
  EXPECT_EQ(r.columns, 20);
  EXPECT_EQ(r.rows.size(), 4u);
}
