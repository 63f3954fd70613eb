// The on-screen keyboards' layouts and what a key does to the text, apart from drawing (the
// screens draw them in screens/keyboard.cpp), so that they can be tested key by key.
//
// Scripts: Latin (QWERTY; French adds a row of accented letters), Gurmukhi (Punjabi), Devanagari
// (Hindi) and Urdu (Arabic script, typed right to left); a number pad for numbers, phones and
// Aadhaar numbers, and dates. The letters follow the citizen's language; a key switches to Latin
// (names and addresses are often written in Latin letters too) and back.
//
// Indic text is typed in logical order, one code point per key: a consonant, then its vowel sign
// (matra) or a virama (halant) to join it to the next consonant; "नमस्ते" is न म स ् त े. The
// erase key removes the last code point, not the last grapheme cluster: it undoes exactly the
// last key pressed (ते becomes त, not nothing), which is what a citizen correcting a vowel sign
// expects. Urdu is stored in logical order too; the text engine draws it right to left.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/form.hpp"
#include "i18n.hpp"

namespace guichet::kiosk {

enum class Script { Latin, Gurmukhi, Devanagari, Urdu };
// The script of a language's own letters: pa → Gurmukhi, hi → Devanagari, ur → Urdu, else Latin.
Script script_for(std::string_view language);

// Which keyboard a field takes: a number pad for numbers, phones and Aadhaar numbers (with '/'
// for dates), letters otherwise; receipt numbers take Latin capitals and digits.
enum class KeyboardKind { Letters, Digits, Date, Receipt };
KeyboardKind keyboard_for(const domain::FormField& field);

struct Key {
  enum class Kind { Text, Space, Erase, ToLatin, ToNative };
  Kind kind = Kind::Text;
  std::string label;  // what the key shows (a vowel sign on a dotted circle: "◌ा")
  std::string text;   // what a Text key types
  int width = 1;      // in key widths
};

struct KeyboardLayout {
  Script script = Script::Latin;
  std::vector<std::vector<Key>> rows;
  int columns = 11;            // key widths per row
  bool pad = false;            // a number pad (narrower, centred)
  bool right_to_left = false;  // keys laid out from the right (Urdu)
  bool capitalise_words = false;
};

// The layout of `kind` in `script` (Letters only; the others ignore it). `language` chooses the
// accents row (French) and names the key back to the native script; `t` translates Space and Erase.
KeyboardLayout keyboard_layout(KeyboardKind kind, Script script, const Tr& t);

// The same keys in the same order in at most `rows` rows: longer rows (more columns) for a screen
// that has not the height for the layout's rows at a finger's size. A layout with no more rows
// than that is returned as it is; `max_columns` bounds the row length (keys stay as wide as they
// must be) and wins over `rows`.
KeyboardLayout reflowed(const KeyboardLayout& layout, std::size_t rows, int max_columns);

// Applies a key to `value`, never past `max_chars` code points; true when the value changed.
// ToLatin/ToNative keys do not edit (the caller switches layouts).
bool press(const KeyboardLayout& layout, const Key& key, std::string& value, std::size_t max_chars);

// Typed text (a physical keyboard or a scanner) that `kind` accepts.
bool typed_text_allowed(KeyboardKind kind, std::string_view text);

std::size_t code_points(std::string_view utf8);
// Removes the last code point; false when `value` was empty.
bool erase_last_code_point(std::string& value);

}  // namespace guichet::kiosk
