// locale_format.hpp for every program: the formatting itself is ICU's, in a module of its own
// (locale_format_icu.cpp) opened the first time something is formatted, so that a program that
// formats nothing (a kiosk waiting on its start screen) never loads ICU.
#include "guichet/text/locale_format.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "locale_format_module.hpp"

namespace guichet::text {

namespace {

// The module from the build tree, else from where it is installed; GUICHET_TEXT_ICU_MODULE, when
// set, is tried first.
const LocaleFormatModule* open_module() {
  std::string tried;
  const char* from_env = std::getenv("GUICHET_TEXT_ICU_MODULE");
  const char* candidates[] = {from_env, GUICHET_TEXT_ICU_BUILD_PATH, GUICHET_TEXT_ICU_INSTALL_PATH};
  for (const char* path : candidates) {
    if (!path || !*path) continue;
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      tried += std::string(tried.empty() ? "" : "; ") + (why ? why : path);
      continue;
    }
    using Entry = const LocaleFormatModule* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "guichet_locale_format_module"));
    const LocaleFormatModule* module = entry ? entry() : nullptr;
    if (module && module->version == kLocaleFormatModuleVersion) return module;  // kept open for good
    tried += std::string(tried.empty() ? "" : "; ") + path + ": not a Guichet locale module of this version";
    dlclose(handle);
  }
  std::fprintf(stderr,
               "guichet: cannot load the locale formats (%s); numbers, amounts and dates are written plainly "
               "(digits without grouping, ISO dates)\n",
               tried.c_str());
  return nullptr;
}

const LocaleFormatModule* module() {
  static const LocaleFormatModule* const loaded = open_module();
  return loaded;
}

std::string two_digits(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", n);
  return buf;
}

}  // namespace

std::string format_integer(std::string_view language, std::int64_t n) {
  if (auto* m = module()) return m->format_integer(language, n);
  return std::to_string(n);
}

std::string format_decimal(std::string_view language, double value, int fraction_digits) {
  if (auto* m = module()) return m->format_decimal(language, value, fraction_digits);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", fraction_digits, value);
  return buf;
}

std::string format_money(std::string_view language, std::int64_t minor, std::string_view currency) {
  if (auto* m = module()) return m->format_money(language, minor, currency);
  const std::int64_t whole = minor / 100, cents = (minor < 0 ? -minor : minor) % 100;
  return std::string(currency) + " " + (minor < 0 && whole == 0 ? "-" : "") + std::to_string(whole) + "." +
         two_digits(static_cast<int>(cents));
}

std::string format_date(std::string_view language, int year, int month, int day) {
  if (auto* m = module()) return m->format_date(language, year, month, day);
  return std::to_string(year) + "-" + two_digits(month) + "-" + two_digits(day);
}

std::string format_time(std::string_view language, int hour, int minute) {
  if (auto* m = module()) return m->format_time(language, hour, minute);
  return two_digits(hour) + ":" + two_digits(minute);
}

std::string format_date_time(std::string_view language, int year, int month, int day, int hour, int minute) {
  if (auto* m = module()) return m->format_date_time(language, year, month, day, hour, minute);
  return format_date(language, year, month, day) + " " + format_time(language, hour, minute);
}

}  // namespace guichet::text
