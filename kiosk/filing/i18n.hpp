// The kiosk's words in the citizen's language: gettext catalogues (locales/<lang>.po, English is
// the source) read by guichet::text, and numbers, money and dates as the language writes them.
//
// Every user-visible string goes through one marked call, so that the extractor (xgettext, run
// by the completeness test and by locales/update.sh) finds it:
//   t.tr("Token")                                    a sentence or label
//   t.tr("Token {token}", {{"token", "A 42"}})       with {placeholders}
//   t.trc("slip", "Token")                           with a context (msgctxt)
//   t.trn("{n} person before you", "{n} people before you", n)   a plural ({n} is filled in)
//   N_("Approved")                                   marks a string used later through tr()
// Only string literals can be extracted: a computed string passed to tr() must be marked N_
// where it is written.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "guichet/domain/result.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/text/translations.hpp"

// Marks a string literal for extraction; the translation is looked up where it is shown.
#define N_(english) english

namespace guichet::kiosk {

using Values = std::map<std::string, std::string>;

// One citizen's language over the shared catalogues. Cheap to make: a reference and a code.
class Tr {
 public:
  Tr(const text::Translations& translations, std::string language)
      : translations_(&translations), language_(std::move(language)) {}

  const std::string& language() const { return language_; }
  const text::Translations& translations() const { return *translations_; }

  std::string tr(std::string_view msgid, const Values& values = {}) const;
  std::string trc(std::string_view context, std::string_view msgid, const Values& values = {}) const;
  // The plural form for `n`; {n} is replaced by `n` written as the language writes numbers.
  std::string trn(std::string_view singular, std::string_view plural, std::int64_t n, Values values = {}) const;

  // Numbers, money (minor units) and dates as the language writes them (guichet/text/locale_format.hpp).
  std::string number(std::int64_t n) const;
  std::string money(std::int64_t minor, const std::string& currency) const;
  std::string date(domain::Date d) const;
  // "21 नवंबर 2026" from "2026-11-21", or the text itself when it is not a date.
  std::string date(const std::string& iso_date) const;

 private:
  const text::Translations* translations_;
  std::string language_;
};

// Where the .po files are: $GUICHET_LOCALES, the installed share directory, or the source tree's
// locales/.
std::string default_locale_dir();

// Every <lang>.po of `dir`; a broken file is refused with its file, line and what is wrong.
domain::Result<text::Translations, text::PoError> load_translations(const std::string& dir);

// The name of a language in its own script, for the language tiles: "ਪੰਜਾਬੀ", "हिन्दी", "اردو".
std::string language_name(const std::string& code);

}  // namespace guichet::kiosk
