// The kiosk's screens: one small class each, drawing from the state and returning what the
// citizen (or staff) asked for. No I/O here.
#pragma once

#include <string>
#include <vector>

#include "../format.hpp"
#include "../keyboard_layout.hpp"
#include "../model.hpp"
#include "guichet/ui/frame.hpp"
#include "i18n.hpp"

namespace guichet::kiosk {

// What every screen reads.
struct View {
  const KioskState& state;
  const text::Translations& translations;
  Clock::time_point now;
  // Staff screens only.
  std::int64_t outbox_backlog = 0;
  bool has_theme_choice = true;

  // The citizen's language for this session (see Tr for the marked calls).
  Tr t() const { return Tr(translations, state.language); }
  std::string tr(std::string_view msgid, const Values& values = {}) const { return t().tr(msgid, values); }
  std::string trc(std::string_view context, std::string_view msgid, const Values& values = {}) const {
    return t().trc(context, msgid, values);
  }
  std::string trn(std::string_view singular, std::string_view plural, std::int64_t n, Values values = {}) const {
    return t().trn(singular, plural, n, std::move(values));
  }
};

// What an on-screen keyboard remembers between frames: whether the citizen switched to Latin
// letters, for the field (`context`) being filled in.
struct KeyboardState {
  bool latin = false;
  std::string context;
};

using KioskScreen = ui::Screen<View, Action>;

// Which page of a tile grid is shown; it goes back to the first for each new citizen.
struct TilePages {
  int page = 0;
  int pages = 1;
  std::uint64_t session = 0;
};

class LanguageScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class ServiceScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;

 private:
  TilePages pages_;
};

class PriorityScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class IssuingScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class ResultScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class StoppedScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class PinScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class SettingsScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

// Applications (application_screens.cpp).
class MenuScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class AppServiceScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;

 private:
  TilePages pages_;
};

class FieldScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;

 private:
  KeyboardState keyboard_;
};

class DocumentsScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class ReviewScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class FilingScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class FiledScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class StatusEntryScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;

 private:
  KeyboardState keyboard_;
};

class StatusScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

// The on-screen keyboard of `kind` in the citizen's script (keyboard_layout.hpp), with a key to
// switch to Latin letters and back. Keys and typed text (a keyboard or a keyboard-wedge scanner)
// edit `value`; returns true when it changed. `state` remembers the Latin switch while `context`
// (the field being filled in) stays the same.
bool keyboard(ui::Frame& f, const View& v, std::string& value, KeyboardKind kind, std::size_t max_chars,
              KeyboardState& state, const std::string& context);
// The height the keyboard of `kind` needs for keys of the least touch size (the theme's
// touch_min, with the gaps drawn then); 0 when the panel's density is not known.
float keyboard_least_height(const ui::Frame& f, const View& v, KeyboardKind kind, const KeyboardState& state,
                            const std::string& context);

// Shared pieces.
void draw_header(ui::Frame& f, const View& v);
// The header of a screen that gave the centre's name up for room: while the server cannot be
// reached, the offline mark alone on the header's line (nothing otherwise). The mark is never
// given up: a citizen filing offline is told that nothing is lost on every screen.
void draw_header_without_name(ui::Frame& f, const View& v);
bool staff_corner(ui::Frame& f);

// Tiles in pages of as many whole rows as fit between the cursor and `reserve` pixels above the
// content's bottom (the navigation buttons): a touch screen does not scroll, so a tile cut by the
// edge would be one a finger cannot use. Returns the index in `tiles` tapped, or -1.
int paged_tile_grid(ui::Frame& f, const View& v, const std::vector<ui::Tile>& tiles, int columns, float tile_h,
                    float reserve, TilePages& pages);

// "Previous" and "More" buttons for `pages`, from the cursor along the bottom row.
void page_buttons(ui::Frame& f, const View& v, TilePages& pages, const std::string& previous_label,
                  const std::string& more_label);

}  // namespace guichet::kiosk
