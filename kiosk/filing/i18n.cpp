#include "i18n.hpp"

#include <cstdlib>
#include <filesystem>

#include "guichet/text/locale_format.hpp"

namespace guichet::kiosk {

std::string Tr::tr(std::string_view msgid, const Values& values) const {
  std::string s = translations_->get(language_, msgid);
  return values.empty() ? s : text::substitute(s, values);
}

std::string Tr::trc(std::string_view context, std::string_view msgid, const Values& values) const {
  std::string s = translations_->get(language_, msgid, context);
  return values.empty() ? s : text::substitute(s, values);
}

std::string Tr::trn(std::string_view singular, std::string_view plural, std::int64_t n, Values values) const {
  // Negative counts do not occur (people, minutes); they take the form of their magnitude.
  const auto count = static_cast<unsigned long>(n < 0 ? -n : n);
  std::string s = translations_->get_plural(language_, singular, plural, count);
  values.emplace("n", number(n));
  return text::substitute(s, values);
}

std::string Tr::number(std::int64_t n) const { return text::format_integer(language_, n); }

std::string Tr::money(std::int64_t minor, const std::string& currency) const {
  return text::format_money(language_, minor, currency.empty() ? "INR" : currency);
}

std::string Tr::date(domain::Date d) const {
  return text::format_date(language_, static_cast<int>(d.year()), static_cast<int>(static_cast<unsigned>(d.month())),
                           static_cast<int>(static_cast<unsigned>(d.day())));
}

std::string Tr::date(const std::string& iso_date) const {
  domain::Date d;
  if (!domain::parse_date(iso_date, d)) return iso_date;
  return date(d);
}

std::string default_locale_dir() {
  if (const char* env = std::getenv("GUICHET_LOCALES"); env && *env) return env;
  if (std::filesystem::exists(GUICHET_LOCALE_INSTALL_DIR)) return GUICHET_LOCALE_INSTALL_DIR;
  return GUICHET_LOCALE_SOURCE_DIR;
}

domain::Result<text::Translations, text::PoError> load_translations(const std::string& dir) {
  text::Translations t;
  if (auto error = t.load_dir(dir)) return *error;
  return t;
}

std::string language_name(const std::string& code) {
  static const std::pair<const char*, const char*> names[] = {
      {"en", "English"},  {"fr", "Français"}, {"hi", "हिन्दी"},     {"pa", "ਪੰਜਾਬੀ"},
      {"ur", "اردو"},     {"bn", "বাংলা"},    {"pt", "Português"}, {"ht", "Kreyòl"},
      {"el", "Ελληνικά"}, {"kk", "Қазақша"},  {"es", "Español"},   {"de", "Deutsch"},
      {"ta", "தமிழ்"},     {"te", "తెలుగు"},    {"mr", "मराठी"},     {"gu", "ગુજરાતી"}};
  for (const auto& [c, n] : names) {
    if (code == c) return n;
  }
  return code;
}

}  // namespace guichet::kiosk
