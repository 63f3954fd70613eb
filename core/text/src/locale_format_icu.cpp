// The ICU half of locale_format.hpp, built as a module of its own (libguichet_text_icu.so) that
// locale_format.cpp opens the first time a number, an amount or a date is formatted: ICU's
// libraries cost a program over a megabyte of memory as soon as they are loaded, and a kiosk
// showing its start screen formats nothing.
#include <unicode/dtptngen.h>
#include <unicode/gregocal.h>
#include <unicode/numberformatter.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>

#include <map>
#include <memory>
#include <mutex>

#include "locale_format_module.hpp"

namespace guichet::text {

namespace {

struct Locales {
  std::string numbers;  // ICU locale for numbers and money
  std::string dates;    // ICU locale for month names and date patterns
};

Locales locales_for(std::string_view language) {
  // Latin digits everywhere (see the header).
  const std::string latn = "@numbers=latn";
  if (language == "en" || language.empty()) return {"en_IN" + latn, "en_IN" + latn};
  if (language == "hi") return {"hi_IN" + latn, "hi_IN" + latn};
  if (language == "pa") return {"pa_IN" + latn, "pa_IN" + latn};
  if (language == "ur") return {"en_IN" + latn, "ur_IN" + latn};
  if (language == "fr") return {"fr_FR" + latn, "fr_FR" + latn};
  std::string l(language);
  return {l + latn, l + latn};
}

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::string format_number(const icu::number::LocalizedNumberFormatter& f, std::string_view decimal) {
  UErrorCode status = U_ZERO_ERROR;
  auto formatted = f.formatDecimal(icu::StringPiece(decimal.data(), static_cast<int32_t>(decimal.size())), status);
  icu::UnicodeString s = formatted.toString(status);
  // ICU only fails on out-of-memory or bad input; the plain number is better than nothing.
  if (U_FAILURE(status)) return std::string(decimal);
  return utf8(s);
}

// "-1234.05" from minor units and the number of fraction digits, without floating point.
std::string decimal_text(std::int64_t minor, int fraction_digits) {
  const bool negative = minor < 0;
  // Through unsigned arithmetic so that INT64_MIN does not overflow.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (fraction_digits > 0) {
    const auto f = static_cast<std::size_t>(fraction_digits);
    // Built anew rather than by insert(), which GCC 12 at -O3 misreads as overlapping copies.
    if (digits.size() <= f) digits = std::string(f + 1 - digits.size(), '0') + digits;
    const std::size_t whole = digits.size() - f;
    digits = digits.substr(0, whole) + '.' + digits.substr(whole);
  }
  return (negative ? "-" : "") + digits;
}

std::string format_pattern(std::string_view language, const char16_t* skeleton, int year, int month, int day, int hour,
                           int minute) {
  // Building a formatter reads ICU's data (most of a millisecond); screens redraw dates often, so
  // each (locale, skeleton) is built once. ICU formatters are not safe to share between threads
  // without a lock: slips are made on worker threads while the screen draws.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<icu::SimpleDateFormat>> formats;
  const std::string locale_id = locales_for(language).dates;
  std::string key = locale_id;
  key += '|';
  icu::UnicodeString(skeleton).toUTF8String(key);

  std::lock_guard<std::mutex> lock(mutex);
  auto it = formats.find(key);
  if (it == formats.end()) {
    UErrorCode status = U_ZERO_ERROR;
    icu::Locale locale(locale_id.c_str());
    std::unique_ptr<icu::DateTimePatternGenerator> generator(
        icu::DateTimePatternGenerator::createInstance(locale, status));
    if (U_FAILURE(status)) return {};
    icu::UnicodeString pattern = generator->getBestPattern(icu::UnicodeString(skeleton), status);
    if (U_FAILURE(status)) return {};
    auto format = std::make_unique<icu::SimpleDateFormat>(pattern, locale, status);
    if (U_FAILURE(status)) return {};
    // The caller gives local fields (the centre's zone is applied before): format them in UTC so
    // that nothing shifts them again.
    format->setTimeZone(*icu::TimeZone::getGMT());
    it = formats.emplace(key, std::move(format)).first;
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::GregorianCalendar calendar(*icu::TimeZone::getGMT(), status);
  if (U_FAILURE(status)) return {};
  calendar.clear();
  calendar.set(year, month - 1, day, hour, minute);
  UDate when = calendar.getTime(status);
  if (U_FAILURE(status)) return {};
  icu::UnicodeString out;
  it->second->format(when, out);
  return utf8(out);
}

std::string format_integer(std::string_view language, std::int64_t n) {
  auto f = icu::number::NumberFormatter::withLocale(icu::Locale(locales_for(language).numbers.c_str()));
  return format_number(f, std::to_string(n));
}

std::string format_decimal(std::string_view language, double value, int fraction_digits) {
  auto f = icu::number::NumberFormatter::withLocale(icu::Locale(locales_for(language).numbers.c_str()))
               .precision(icu::number::Precision::fixedFraction(fraction_digits));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString s = f.formatDouble(value, status).toString(status);
  if (U_FAILURE(status)) return std::to_string(value);
  return utf8(s);
}

std::string format_money(std::string_view language, std::int64_t minor, std::string_view currency) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString code =
      icu::UnicodeString::fromUTF8(icu::StringPiece(currency.data(), static_cast<int32_t>(currency.size())));
  icu::CurrencyUnit unit(code.getTerminatedBuffer(), status);
  if (U_FAILURE(status)) {
    // Not an ISO code: the amount in hundredths with the code after it, grouped as the language does.
    auto plain = icu::number::NumberFormatter::withLocale(icu::Locale(locales_for(language).numbers.c_str()))
                     .precision(icu::number::Precision::fixedFraction(2));
    return format_number(plain, decimal_text(minor, 2)) + " " + std::string(currency);
  }
  // The currency's own number of decimals (2 for INR and EUR, 0 for JPY).
  const int fraction = ucurr_getDefaultFractionDigits(code.getTerminatedBuffer(), &status);
  auto f = icu::number::NumberFormatter::withLocale(icu::Locale(locales_for(language).numbers.c_str())).unit(unit);
  std::int64_t scaled = minor;
  // Amounts are kept in hundredths; a currency with fewer decimals drops them.
  int digits = 2;
  while (digits > fraction && digits > 0) {
    scaled /= 10;
    --digits;
  }
  return format_number(f, decimal_text(scaled, digits));
}

std::string format_date(std::string_view language, int year, int month, int day) {
  return format_pattern(language, u"dMMMMy", year, month, day, 0, 0);
}

std::string format_time(std::string_view language, int hour, int minute) {
  return format_pattern(language, u"HHmm", 2000, 1, 1, hour, minute);
}

std::string format_date_time(std::string_view language, int year, int month, int day, int hour, int minute) {
  return format_date(language, year, month, day) + " " + format_time(language, hour, minute);
}

}  // namespace

}  // namespace guichet::text

extern "C" __attribute__((visibility("default"))) const guichet::text::LocaleFormatModule*
guichet_locale_format_module() {
  using namespace guichet::text;
  static const LocaleFormatModule module{kLocaleFormatModuleVersion,
                                         format_integer,
                                         format_decimal,
                                         format_money,
                                         format_date,
                                         format_time,
                                         format_date_time};
  return &module;
}
