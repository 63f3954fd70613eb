#include "announce.hpp"

#include <algorithm>

namespace guichet::kiosk {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string spoken_token(const std::string& prefix, int number) {
  // std::to_string never pads: 42 is "42", whatever the slip's "A042" shows.
  return prefix.empty() ? std::to_string(number) : prefix + " " + std::to_string(number);
}

Announcement make_announcement(const text::Translations& translations, const std::string& language,
                               const std::string& prefix, int number, int counter_number, bool recall) {
  const Tr t(translations, language);
  // The placeholders stay in the pattern: the SSML form fills them with marked-up text.
  std::string pattern =
      recall ? t.tr("Reminder: token {token}, counter {counter}") : t.tr("Token {token}, counter {counter}");
  Announcement a;
  a.language = language;
  a.text =
      text::substitute(pattern, {{"token", spoken_token(prefix, number)}, {"counter", std::to_string(counter_number)}});
  // The letters are spelled ("ay", not the article "a"); the numbers are left as numbers so the
  // voice reads them as whole numbers in its own language.
  std::string token_ssml = prefix.empty() ? std::to_string(number)
                                          : "<say-as interpret-as=\"characters\">" + xml_escape(prefix) + "</say-as> " +
                                                std::to_string(number);
  std::string escaped = xml_escape(pattern);
  a.ssml = "<speak>" + text::substitute(escaped, {{"token", token_ssml}, {"counter", std::to_string(counter_number)}}) +
           "</speak>";
  return a;
}

std::vector<Announcement> announcements_for_call(const text::Translations& translations,
                                                 const std::vector<std::string>& languages,
                                                 const std::string& citizen_language, const std::string& prefix,
                                                 int number, int counter_number, bool recall) {
  std::vector<std::string> order = languages;
  auto it = std::find(order.begin(), order.end(), citizen_language);
  if (it != order.end()) std::rotate(order.begin(), it, it + 1);
  std::vector<Announcement> out;
  for (const auto& lang : order)
    out.push_back(make_announcement(translations, lang, prefix, number, counter_number, recall));
  return out;
}

}  // namespace guichet::kiosk
