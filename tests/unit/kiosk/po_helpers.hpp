// Catalogues for tests, written as .po text: the same parser as the kiosk's files.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "guichet/text/translations.hpp"

namespace guichet::kiosk::testing {

// Adds `entries` (msgid/msgstr lines) to `t` as the catalogue of `language`.
inline void add_po(text::Translations& t, const std::string& language, const std::string& entries,
                   const std::string& plural_forms = "nplurals=2; plural=(n > 1);") {
  const std::string po =
      "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Language: " + language +
      "\\n\"\n\"Plural-Forms: " + plural_forms + "\\n\"\n\n" + entries;
  auto r = text::parse_po(po, language + ".po");
  ASSERT_FALSE(r.error) << r.error->to_string();
  t.add(*r.catalog);
}

}  // namespace guichet::kiosk::testing
