// HarfBuzz's own reference for the text tests, and the strings they shape: one definition for the
// text engine's tests and the UI kit's on-screen text tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace guichet::testing {

// `s` quoted for /bin/sh.
std::string shell_quote(const std::string& s);

// hb-shape's glyphs (26.6 units, like ours) for `text` in `font_file` at `pixel_size`, with the
// text around it on its line (`before`, `after`) as context; an empty `direction` lets HarfBuzz
// guess it. What hb-shape printed, as a JSON string, when it did not give glyphs.
nlohmann::json hb_shape(const std::string& font_file, const std::string& text, int pixel_size,
                        const std::string& language, const std::string& direction = "", const std::string& before = "",
                        const std::string& after = "");

// The translated strings of one language's kiosk catalogue (locales/LANGUAGE.po in the source
// tree): its single-line msgstr entries without escapes.
std::vector<std::string> po_strings(const std::string& language);

}  // namespace guichet::testing
