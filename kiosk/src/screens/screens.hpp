// The kiosk's screens: one small class each, drawing from the state and returning what the
// citizen (or staff) asked for. No I/O here.
#pragma once

#include <string>
#include <vector>

#include "../model.hpp"
#include "../strings.hpp"
#include "guichet/ui/frame.hpp"

namespace guichet::kiosk {

// What every screen reads.
struct View {
  const KioskState& state;
  const Strings& strings;
  Clock::time_point now;
  // Staff screens only.
  std::int64_t outbox_backlog = 0;
  bool has_theme_choice = true;

  // The citizen's language.
  std::string tr(std::string_view english) const { return strings.get(state.language, english); }
  std::string tr(std::string_view english, const std::map<std::string, std::string>& values) const {
    return strings.fmt(state.language, english, values);
  }
};

using KioskScreen = ui::Screen<View, Action>;

class LanguageScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;
};

class ServiceScreen final : public KioskScreen {
 public:
  std::vector<Action> draw(ui::Frame& f, const View& v) override;

 private:
  int page_ = 0;
  std::string for_language_;  // the page resets when a new citizen starts
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

// Shared pieces.
void draw_header(ui::Frame& f, const View& v);
bool staff_corner(ui::Frame& f);

}  // namespace guichet::kiosk
