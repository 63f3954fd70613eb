// What the display board says when a token is called: "Token A 42, counter 5", in each configured
// language, with numbers as people say them (never "A zero four two"). Pure functions: the speech
// engine (speech.hpp) only turns the result into sound.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "i18n.hpp"

namespace guichet::kiosk {

struct Announcement {
  std::string language;  // espeak-ng voice: "en", "hi", …
  std::string text;      // "Token A 42, counter 5"
  std::string ssml;      // the same for the speech engine, letters marked to be spelled out
};

// Text made safe inside SSML (and any XML): & < > " escaped.
std::string xml_escape(std::string_view s);

// "A 42", "AB 7": the prefix, a space, the number without leading zeros.
std::string spoken_token(const std::string& prefix, int number);

// One announcement in one language.
Announcement make_announcement(const text::Translations& translations, const std::string& language,
                               const std::string& prefix, int number, int counter_number, bool recall);

// The announcements for a call, one per configured language. The citizen's own language (the
// one chosen at the kiosk) goes first when it is among them.
std::vector<Announcement> announcements_for_call(const text::Translations& translations,
                                                 const std::vector<std::string>& languages,
                                                 const std::string& citizen_language, const std::string& prefix,
                                                 int number, int counter_number, bool recall);

}  // namespace guichet::kiosk
