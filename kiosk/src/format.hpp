// Pure text helpers of the kiosk: what the wait looks like in words, dates on the slip, catalogue
// text in the citizen's language, whether a service is open. No I/O, no clock: callers pass `now`.
#pragma once

#include <string>
#include <string_view>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/time.hpp"
#include "i18n.hpp"

namespace guichet::kiosk {

// For the screen: "About 25 minutes · 6 people before you", "You are next".
// Empty when `ahead` is negative (not known).
std::string wait_sentence(const Tr& t, int ahead, int minutes);
// For paper, shorter: "About 25 min, 6 ahead".
std::string wait_short(const Tr& t, int ahead, int minutes);

// "23 November 2026 09:14" in the centre's time zone, the month in the language.
std::string slip_time(const Tr& t, domain::Instant when, int utc_offset_minutes);

// The discreet mark of the public screens while the centre's server cannot be reached: the kiosk
// goes on working (applications saved, tokens from its leased numbers, statuses from its copies),
// and a citizen is told so without being alarmed.
std::string offline_mark(const Tr& t);

// The catalogue's text in `lang`, or English when the catalogue has none in that language.
const std::string& screen_text(const domain::LocalizedText& text, const std::string& lang);

// Whether the service takes tokens at `now` (opening hours in the centre's zone).
bool service_open(const domain::Service& service, domain::Instant now, int utc_offset_minutes);

}  // namespace guichet::kiosk
