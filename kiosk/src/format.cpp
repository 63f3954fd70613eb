#include "format.hpp"

#include <cstdio>

namespace guichet::kiosk {

std::string wait_sentence(const Strings& s, const std::string& lang, int ahead, int minutes) {
  if (ahead <= 0) return s.get(lang, "You are next");
  std::string people = ahead == 1 ? s.get(lang, "1 person before you")
                                  : s.fmt(lang, "{n} people before you", {{"n", std::to_string(ahead)}});
  std::string time =
      minutes <= 1 ? s.get(lang, "About 1 minute") : s.fmt(lang, "About {n} minutes", {{"n", std::to_string(minutes)}});
  return time + " \u00B7 " + people;
}

std::string wait_short(const Strings& s, const std::string& lang, int ahead, int minutes) {
  if (ahead <= 0) return s.get(lang, "You are next");
  return s.fmt(lang, "About {minutes} min, {ahead} ahead",
               {{"minutes", std::to_string(std::max(1, minutes))}, {"ahead", std::to_string(ahead)}});
}

std::string slip_time(domain::Instant t, int utc_offset_minutes) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto lt = domain::to_local(t, utc_offset_minutes);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d %s %d %02d:%02d", lt.day, months[(lt.month + 11) % 12], lt.year,
                lt.minute_of_day / 60, lt.minute_of_day % 60);
  return buf;
}

bool drawable_without_shaping(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    std::uint32_t cp;
    std::size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c >> 5) == 0x6 && i + 1 < utf8.size()) {
      cp = (c & 0x1fu) << 6 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3fu);
      n = 2;
    } else if ((c >> 4) == 0xe && i + 2 < utf8.size()) {
      cp = (c & 0x0fu) << 12 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3fu) << 6 |
           (static_cast<unsigned char>(utf8[i + 2]) & 0x3fu);
      n = 3;
    } else {
      return false;
    }
    // Latin-1 and Latin Extended-A, general punctuation, currency signs.
    bool ok = cp < 0x0180 || (cp >= 0x2000 && cp < 0x2070) || (cp >= 0x20A0 && cp < 0x20D0);
    if (!ok) return false;
    i += n;
  }
  return true;
}

const std::string& screen_text(const domain::LocalizedText& text, const std::string& lang) {
  const std::string& t = text.get(lang);
  return drawable_without_shaping(t) ? t : text.get("en");
}

std::string language_name(const std::string& code) {
  static const std::pair<const char*, const char*> names[] = {
      {"en", "English"}, {"fr", "Français"}, {"hi", "Hindi"},     {"pa", "Punjabi"},
      {"ur", "Urdu"},    {"bn", "Bangla"},   {"pt", "Português"}, {"ht", "Kreyòl"},
      {"el", "Greek"},   {"kk", "Kazakh"},   {"es", "Español"},   {"de", "Deutsch"},
      {"ta", "Tamil"},   {"te", "Telugu"},   {"mr", "Marathi"},   {"gu", "Gujarati"}};
  for (const auto& [c, n] : names) {
    if (code == c) return n;
  }
  return code;
}

bool service_open(const domain::Service& service, domain::Instant now, int utc_offset_minutes) {
  auto lt = domain::to_local(now, utc_offset_minutes);
  return service.hours.open_at(lt.weekday, lt.minute_of_day);
}

}  // namespace guichet::kiosk
