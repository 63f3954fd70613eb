// Translations from gettext .po files. English is the source language: the msgid is the English
// text. A file is checked as it is read, and a broken one is refused with file, line and what is
// wrong: a malformed entry or escape, an entry given twice, a translation that lacks (or adds) a
// {placeholder} of its English text, plural forms that do not match the file's Plural-Forms
// header, or a header expression that cannot be evaluated.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::text {

struct PoError {
  std::string file;
  int line = 0;
  std::string message;
  std::string to_string() const { return file + ":" + std::to_string(line) + ": " + message; }
};

// The Plural-Forms rule of a language: "nplurals=2; plural=(n != 1);" — which form a count takes.
class PluralRule {
 public:
  // English's rule: one, other.
  PluralRule();
  // Parses the header value; std::nullopt with `error` set when it is malformed.
  static std::optional<PluralRule> parse(std::string_view header_value, std::string& error);
  int forms() const { return nplurals_; }
  int form(unsigned long n) const;
  struct Node;  // the parsed expression (defined in translations.cpp)

 private:
  int nplurals_ = 2;
  std::shared_ptr<const Node> expr_;
};

struct PoEntry {
  std::string context;  // msgctxt, "" if none
  std::string msgid;
  std::string msgid_plural;         // "" for a singular entry
  std::vector<std::string> msgstr;  // one, or one per plural form
  int line = 0;                     // where its msgid is
  bool fuzzy = false;
};

class Catalog {
 public:
  std::string language;  // from the header's Language:
  PluralRule plural;
  // Untranslated (empty msgstr) and fuzzy entries are not kept: the English text shows instead.
  std::map<std::string, PoEntry, std::less<>> entries;  // key: context + '\x04' + msgid (gettext's)

  // The translation, or nullptr.
  const PoEntry* find(std::string_view msgid, std::string_view context = {}) const;
  // The translation of `msgid`, or `msgid` itself.
  std::string get(std::string_view msgid, std::string_view context = {}) const;
  // The form for `n` of the plural entry, or English's (`msgid` for 1, `msgid_plural` otherwise).
  std::string get_plural(std::string_view msgid, std::string_view msgid_plural, unsigned long n,
                         std::string_view context = {}) const;
};

// Parses one .po file's text. `file` names it in errors.
struct PoResult {
  std::optional<Catalog> catalog;
  std::optional<PoError> error;
};
PoResult parse_po(std::string_view text, const std::string& file);
PoResult load_po(const std::string& path);

// The {name} placeholders of a text, in order of first appearance ("{{" and "}}" are literal braces).
std::vector<std::string> placeholders(std::string_view text);
// Replaces {name} placeholders; unknown names stay as written; "{{" and "}}" become "{" and "}".
std::string substitute(std::string_view text, const std::map<std::string, std::string>& values);

// The catalogs of every language, switched per citizen without a restart: every lookup names its
// language.
class Translations {
 public:
  // Loads every <lang>.po in `dir`; the first broken file stops with its error (a file's Language
  // header must match its name).
  std::optional<PoError> load_dir(const std::string& dir);
  void add(Catalog catalog);
  bool has(std::string_view language) const;
  std::vector<std::string> languages() const;  // "en" first, then the loaded ones
  const Catalog* catalog(std::string_view language) const;

  std::string get(std::string_view language, std::string_view msgid, std::string_view context = {}) const;
  std::string get_plural(std::string_view language, std::string_view msgid, std::string_view msgid_plural,
                         unsigned long n, std::string_view context = {}) const;
  std::string fmt(std::string_view language, std::string_view msgid,
                  const std::map<std::string, std::string>& values) const {
    return substitute(get(language, msgid), values);
  }

 private:
  std::map<std::string, Catalog, std::less<>> catalogs_;
};

}  // namespace guichet::text
