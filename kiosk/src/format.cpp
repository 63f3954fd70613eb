#include "format.hpp"

#include <algorithm>

#include "guichet/text/locale_format.hpp"

namespace guichet::kiosk {

std::string wait_sentence(const Tr& t, int ahead, int minutes) {
  if (ahead < 0) return {};  // not known: issued from the leased number block while the node is down
  if (ahead == 0) return t.tr("You are next");
  std::string people = t.trn("{n} person before you", "{n} people before you", ahead);
  std::string time = t.trn("About {n} minute", "About {n} minutes", std::max(1, minutes));
  return time + " \u00B7 " + people;
}

std::string wait_short(const Tr& t, int ahead, int minutes) {
  if (ahead <= 0) return t.tr("You are next");
  // Two counts in one sentence: the plural follows the people ahead; the minutes are short ("min").
  return t.trn("About {minutes} min, {n} ahead", "About {minutes} min, {n} ahead", ahead,
               {{"minutes", t.number(std::max(1, minutes))}});
}

std::string slip_time(const Tr& t, domain::Instant when, int utc_offset_minutes) {
  auto lt = domain::to_local(when, utc_offset_minutes);
  return text::format_date_time(t.language(), lt.year, lt.month, lt.day, lt.minute_of_day / 60, lt.minute_of_day % 60);
}

std::string offline_mark(const Tr& t) { return t.tr("Working offline – nothing is lost"); }

const std::string& screen_text(const domain::LocalizedText& text, const std::string& lang) { return text.get(lang); }

bool service_open(const domain::Service& service, domain::Instant now, int utc_offset_minutes) {
  auto lt = domain::to_local(now, utc_offset_minutes);
  return service.hours.open_at(lt.weekday, lt.minute_of_day);
}

}  // namespace guichet::kiosk
