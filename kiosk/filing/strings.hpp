// User-visible strings of the kiosk, through gettext .po files (kiosk/locales/<lang>.po). English
// is the source language: the msgid is the English text and needs no file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/result.hpp"

namespace guichet::kiosk {

struct PoError {
  std::string file;
  int line = 0;
  std::string message;
  std::string to_string() const { return file + ":" + std::to_string(line) + ": " + message; }
};

using Messages = std::map<std::string, std::string, std::less<>>;

// Parses msgid/msgstr pairs (with continued "…" lines and \n \t \" \\ escapes). Comments and
// msgctxt-free headers are accepted; an untranslated entry (empty msgstr) is left out.
domain::Result<Messages, PoError> parse_po(std::string_view text, const std::string& file);

class Strings {
 public:
  Strings() = default;
  // Loads <dir>/<lang>.po for each language that has one; English needs none.
  static domain::Result<Strings, PoError> load(const std::string& dir, const std::vector<std::string>& languages);
  // Loads every <lang>.po in `dir`.
  static domain::Result<Strings, PoError> load_all(const std::string& dir);
  void add(const std::string& language, Messages messages) { by_lang_[language] = std::move(messages); }

  // The translation of `english` into `lang`, or `english` itself.
  std::string get(const std::string& lang, std::string_view english) const;
  // get() with {name} placeholders replaced: fmt(lang, "Token {token}", {{"token", "A 42"}}).
  std::string fmt(const std::string& lang, std::string_view english,
                  const std::map<std::string, std::string>& values) const;
  bool has(const std::string& lang) const { return lang == "en" || by_lang_.count(lang) > 0; }

 private:
  std::map<std::string, Messages> by_lang_;
};

// Replaces {name} placeholders; unknown names stay as written.
std::string substitute(std::string_view text, const std::map<std::string, std::string>& values);

// Where the .po files are: $GUICHET_KIOSK_LOCALES, the installed share directory or the source tree.
std::string default_locale_dir();

}  // namespace guichet::kiosk
