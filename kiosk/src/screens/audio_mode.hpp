// Audio mode at the kiosk (audio_guide.hpp has its rules): the switch with a speaker symbol on the
// start screen and the menu, the big Previous / Repeat / Select / Next bar along the bottom of
// every citizen screen while it is on, the keys that do the same, the outline round the option in
// focus, and what is said when.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../audio_guide.hpp"
#include "../speaker.hpp"
#include "screens.hpp"

namespace guichet::kiosk {

class AudioMode {
 public:
  // `make_speaker` is called (on the UI thread) the first time something is to be said, so a kiosk
  // whose citizens never turn audio mode on never opens the sound device; it may return null
  // (nothing is said; the focus still moves).
  explicit AudioMode(std::function<std::unique_ptr<Speaker>()> make_speaker) : make_speaker_(std::move(make_speaker)) {}

  // Before the screen draws: keeps the bar's room free at the bottom while audio mode is on.
  void before_screen(ui::Frame& f, const KioskState& state) const;
  // After the screen drew (its first `screen_items` items) for `drawn_step` and its actions were
  // applied: the switch, the bar, the keys, the focus and the speech. Returns the citizen's
  // audio-mode choices (Action::SetAudio).
  std::vector<Action> after_screen(ui::Frame& f, const View& v, Step drawn_step, std::size_t screen_items,
                                   const std::string& header);

 private:
  void say(std::vector<Utterance> parts);

  std::function<std::unique_ptr<Speaker>()> make_speaker_;
  std::unique_ptr<Speaker> speaker_;
  FocusRing ring_;
  bool on_ = false;  // audio mode was on in the last frame
  Step spoken_step_ = Step::Language;
  std::uint64_t spoken_session_ = 0;
};

// Whether a step is one of the citizen's (audio mode applies), not the staff's or a stopped kiosk.
bool citizen_step(Step step);

}  // namespace guichet::kiosk
