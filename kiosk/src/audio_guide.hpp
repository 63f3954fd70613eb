// Audio mode's rules, pure: which controls of a drawn screen the citizen goes through and in what
// order, and what is said for a screen and for the option in focus, in which language. The
// controls come from what the screen drew (the automation record), so every screen works without
// listing its options. Sound is made elsewhere (speaker.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "guichet/ui/automation.hpp"
#include "guichet/ui/frame.hpp"
#include "i18n.hpp"
#include "model.hpp"

namespace guichet::kiosk {

// One thing to say, in one voice.
struct Utterance {
  std::string language;  // espeak-ng voice: "en", "hi", …
  std::string text;      // what is said, for people and tests
  std::string ssml;      // the same for the speech engine
};

// A label as it is said: arrows and check marks dropped, spaces tidied.
std::string speakable(std::string_view label);

// A token number as people say it: "A042" -> "A 42" (the letters, then the number without its
// leading zeros); the SSML spells the letters.
std::string spoken_display_number(const std::string& display_number);
std::string spoken_display_number_ssml(const std::string& display_number);

// Plain text as SSML (escaped).
std::string ssml_of(std::string_view text);

// An option the citizen can move to.
struct FocusOption {
  ui::ControlRef ref;
  ui::Rect rect;
  std::string detail;   // a tile's second line ("Closed now, opens at 14:00"), said after its label
  bool enabled = true;  // a closed service's tile is gone through too, so its detail is heard
};

// The controls among `items` in reading order: rows from top to bottom, each row left to right
// (right to left when `rtl`). Disabled controls are left out, except those with a detail (a
// closed service's tile: the citizen hears why it cannot be chosen); controls labelled as in
// `skip` are left out (the staff corner). A control's detail is the text drawn next inside it.
std::vector<FocusOption> focus_order(const std::vector<ui::ScreenItem>& items, const std::vector<std::string>& skip,
                                     bool rtl);

// The option in focus among a screen's options; Next and Previous go round.
class FocusRing {
 public:
  // The options of the screen as drawn now. When they are not the ones before (another screen or
  // page), the focus goes back to the first and this returns true.
  bool update(std::vector<FocusOption> options);
  void clear();
  const FocusOption* current() const;
  const FocusOption* next();
  const FocusOption* previous();
  std::size_t size() const { return options_.size(); }

 private:
  std::vector<FocusOption> options_;
  std::size_t index_ = 0;
};

// What a screen is called, as said to the citizen: its question or heading in the session's
// language, the token number read as people say it. `drawn` (the screen's record) gives the
// heading of screens without a title of their own; `header` (the centre's name) is skipped there.
Utterance screen_title(const KioskState& state, const text::Translations& translations,
                       const std::vector<ui::ScreenItem>& drawn, const std::string& header);

// What is said when a screen comes, before its first option: its title, except on the start
// screen, where nobody has chosen a language yet: how audio mode works is said in each of the
// centre's languages, each in its own voice, the kiosk's first language first (a text the same
// as one already said, a language without its own translation, is said once).
std::vector<Utterance> screen_intro(const KioskState& state, const text::Translations& translations,
                                    const std::vector<ui::ScreenItem>& drawn, const std::string& header);

// The option in focus: in the session's language, except on the language screen, where each
// language's name is said in that language.
// `detail` (a tile's second line) is said after the label.
Utterance option_utterance(const KioskState& state, const std::string& label, const std::string& detail = {});

}  // namespace guichet::kiosk
