// Between locale_format.cpp (in every program) and the ICU module it opens on first use
// (locale_format_icu.cpp, libguichet_text_icu.so): the module's one exported function returns
// this table. Both are built from the same tree; the version guards against a stale module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace guichet::text {

inline constexpr int kLocaleFormatModuleVersion = 1;

struct LocaleFormatModule {
  int version;
  std::string (*format_integer)(std::string_view language, std::int64_t n);
  std::string (*format_decimal)(std::string_view language, double value, int fraction_digits);
  std::string (*format_money)(std::string_view language, std::int64_t minor, std::string_view currency);
  std::string (*format_date)(std::string_view language, int year, int month, int day);
  std::string (*format_time)(std::string_view language, int hour, int minute);
  std::string (*format_date_time)(std::string_view language, int year, int month, int day, int hour, int minute);
};

}  // namespace guichet::text

extern "C" const guichet::text::LocaleFormatModule* guichet_locale_format_module();
