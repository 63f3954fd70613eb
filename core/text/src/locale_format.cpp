// locale_format.hpp for every program: the formatting itself is ICU's, in a module of its own
// (locale_format_icu.cpp) opened the first time something is formatted, so that a program that
// formats nothing (a kiosk waiting on its start screen) never loads ICU.
#include "guichet/text/locale_format.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "locale_format_module.hpp"

namespace guichet::text {

namespace {

constexpr const char* kModuleFile = "libguichet_text_icu.so";

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
}

// The directory of the running program, from /proc/self/exe; "" when it cannot be read.
std::string program_directory() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return directory_of(std::string(buf, static_cast<std::size_t>(n)));
}

// The directory of the object this code is linked into: the program itself when guichet_text is
// linked statically, else the shared library's.
std::string library_directory() {
  static const char anchor = 0;
  Dl_info info{};
  if (dladdr(&anchor, &info) == 0 || !info.dli_fname) return {};
  const std::string path = info.dli_fname;
  return path.empty() || path[0] != '/' ? std::string() : directory_of(path);
}

}  // namespace

std::vector<std::string> locale_module_candidates(const char* from_env, const std::vector<std::string>& program_dirs) {
  std::vector<std::string> out;
  auto add = [&out](std::string path) {
    if (path.empty() || std::find(out.begin(), out.end(), path) != out.end()) return;
    out.push_back(std::move(path));
  };
  if (from_env && *from_env) add(from_env);
  for (const auto& dir : program_dirs) {
    if (dir.empty()) continue;
    add(dir + "/" + kModuleFile);                 // beside the program (a copied build)
    add(dir + "/../lib/guichet/" + kModuleFile);  // an install moved to another prefix
    add(dir + "/../lib/" + kModuleFile);
  }
  add(GUICHET_TEXT_ICU_BUILD_PATH);
  add(GUICHET_TEXT_ICU_INSTALL_PATH);
  return out;
}

std::vector<std::string> locale_module_candidates() {
  return locale_module_candidates(std::getenv("GUICHET_TEXT_ICU_MODULE"), {program_directory(), library_directory()});
}

namespace {

// The first module of locale_module_candidates() that opens and is of this version.
const LocaleFormatModule* open_module() {
  std::string tried;
  for (const std::string& candidate : locale_module_candidates()) {
    const char* path = candidate.c_str();
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
