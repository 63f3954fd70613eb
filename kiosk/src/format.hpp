// Pure text helpers of the kiosk: what the wait looks like in words, dates on the slip, which
// catalogue text can be drawn, whether a service is open. No I/O, no clock: callers pass `now`.
#pragma once

#include <string>
#include <string_view>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/time.hpp"
#include "strings.hpp"

namespace guichet::kiosk {

// For the screen: "About 25 minutes · 6 people before you", "You are next".
std::string wait_sentence(const Strings& s, const std::string& lang, int ahead, int minutes);
// For paper, shorter: "About 25 min, 6 ahead".
std::string wait_short(const Strings& s, const std::string& lang, int ahead, int minutes);

// "23 Nov 2026 09:14" in the centre's time zone.
std::string slip_time(domain::Instant t, int utc_offset_minutes);

// True when every character can be drawn by the screen fonts without text shaping (Latin
// scripts). Gurmukhi, Devanagari and Arabic-script text needs shaping, which the screen kit does
// not do yet; such text falls back to English rather than showing broken letters.
bool drawable_without_shaping(std::string_view utf8);

// The text in `lang` when it can be drawn, otherwise English.
const std::string& screen_text(const domain::LocalizedText& text, const std::string& lang);

// The name a language tile shows, in Latin letters (see drawable_without_shaping).
std::string language_name(const std::string& code);

// Whether the service takes tokens at `now` (opening hours in the centre's zone).
bool service_open(const domain::Service& service, domain::Instant now, int utc_offset_minutes);

}  // namespace guichet::kiosk
