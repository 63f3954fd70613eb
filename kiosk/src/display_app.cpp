// Display-board mode: the hall's screen. Now serving per counter and the last calls from the
// server's live feed; each call is announced with a chime and a voice.
#include <filesystem>
#include <iostream>
#include <map>

#include "board.hpp"
#include "format.hpp"
#include "guichet/text/locale_format.hpp"
#include "guichet/ui/frame.hpp"
#include "kiosk_app.hpp"
#include "services.hpp"
#include "speech.hpp"

namespace guichet::kiosk {

namespace {

constexpr auto kFlashTime = std::chrono::seconds(10);

domain::Instant wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// What the board needs at start: the last calls and who is at each counter now.
struct BoardStart {
  bool ok = false;
  std::string error;
  std::vector<sync::WireEvent> calls;
  std::vector<std::pair<std::string, std::optional<domain::Token>>> current;
};

BoardStart fetch_start(sync::ApiClient& client, const domain::Catalogue& catalogue) {
  BoardStart s;
  try {
    auto r = client.get("/api/v1/calls?limit=8");
    if (!r.ok()) {
      s.error = r.error_message();
      return s;
    }
    // The parsed document must outlive the loop: a range-for over a member of a temporary reads
    // freed memory (the temporary dies before the first iteration).
    const auto body = sync::json::parse(r.body);
    for (const auto& e : body.at("calls")) s.calls.push_back(sync::event_from_json(e));
    for (const auto& c : catalogue.counters) {
      auto q = client.get("/api/v1/queue?counter=" + c.id);
      if (!q.ok()) {
        s.error = q.error_message();
        return s;
      }
      auto j = sync::json::parse(q.body);
      std::optional<domain::Token> current;
      if (j.contains("current") && !j["current"].is_null()) current = sync::token_from_json(j["current"]);
      s.current.emplace_back(c.id, current);
    }
  } catch (const std::exception& e) {
    s.error = std::string("unexpected answer from the server: ") + e.what();
    return s;
  }
  s.ok = true;
  return s;
}

class BoardScreen {
 public:
  void draw(ui::Frame& f, const BoardModel& board, const domain::Catalogue* catalogue, const Tr& tr, bool started,
            const std::map<std::string, Clock::time_point>& flash, domain::Instant centre_now) {
    const auto& t = f.theme();
    const float s = f.scale();
    const ui::Rect c = f.content();
    const float gap = t.sizes.spacing * s;
    const std::string& lang = tr.language();

    // Top line: the centre and the time.
    const float top_h = t.fonts.large * s * 1.3f;
    if (catalogue) {
      f.text_in({c.x, c.y, c.w * 0.75f, top_h}, screen_text(catalogue->centre.name, lang), ui::TextStyle::Large,
                ui::Tone::Normal, ui::Align::Left);
      auto lt = domain::to_local(centre_now, catalogue->centre.utc_offset_minutes);
      const std::string clock = text::format_time(lang, lt.minute_of_day / 60, lt.minute_of_day % 60);
      f.text_in({c.x + c.w * 0.75f, c.y, c.w * 0.25f, top_h}, clock, ui::TextStyle::Large, ui::Tone::Muted,
                ui::Align::Right);
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
      f.redraw_at(f.now() + std::chrono::seconds(60 - secs.count() % 60));
    }
    if (!catalogue || !started) {
      f.text_in({c.x, c.y + c.h * 0.35f, c.w, c.h * 0.2f}, tr.tr("Connecting to the queue system…"),
                ui::TextStyle::Heading, ui::Tone::Muted, ui::Align::Center);
      return;
    }

    // Left: now serving, one card per counter. Right: the last calls.
    const float body_y = c.y + top_h + gap;
    const float body_h = c.y + c.h - body_y;
    const float left_w = c.w * 0.64f;
    const float right_x = c.x + left_w + gap;
    const float right_w = c.w - left_w - gap;
    const float head_h = t.fonts.heading * s * 1.3f;
    f.text_in({c.x, body_y, left_w, head_h}, tr.tr("Now serving"), ui::TextStyle::Heading, ui::Tone::Normal,
              ui::Align::Left);
    f.text_in({right_x, body_y, right_w, head_h}, tr.tr("Last calls"), ui::TextStyle::Heading, ui::Tone::Normal,
              ui::Align::Left);

    auto counters = board.counters(*catalogue);
    const int cols = counters.size() > 4 ? 2 : 1;
    const int rows = std::max(1, static_cast<int>((counters.size() + cols - 1) / cols));
    const float grid_y = body_y + head_h + gap / 2;
    const float card_w = (left_w - gap * (cols - 1)) / cols;
    const float card_h = std::min((body_y + body_h - grid_y - gap * (rows - 1)) / rows, 260 * s);
    for (std::size_t i = 0; i < counters.size(); ++i) {
      const auto* counter = counters[i].first;
      const auto* call = counters[i].second;
      float x = c.x + static_cast<float>(i % cols) * (card_w + gap);
      float y = grid_y + static_cast<float>(i / cols) * (card_h + gap);
      auto fl = flash.find(counter->id);
      bool flashing = call && fl != flash.end() && f.now() < fl->second;
      if (flashing) f.redraw_at(fl->second);
      f.fill({x, y, card_w, card_h}, flashing ? t.colors.primary : t.colors.surface);
      ui::Tone label_tone = flashing ? ui::Tone::OnPrimary : ui::Tone::Normal;
      ui::Tone number_tone = flashing ? ui::Tone::OnPrimary : call ? ui::Tone::Accent : ui::Tone::Muted;
      // The counter's name on top, the number large below it.
      const float label_h = t.fonts.large * s * 1.4f;
      f.text_in({x + gap, y + gap / 3, card_w - 2 * gap, label_h}, screen_text(counter->name, lang),
                ui::TextStyle::Large, label_tone, ui::Align::Left);
      f.text_fit({x + gap, y + label_h, card_w - 2 * gap, card_h - label_h - gap / 3}, call ? call->display : "\u2013",
                 ui::TextStyle::Display, number_tone, ui::Align::Center);
    }

    float y = body_y + head_h + gap / 2;
    const float row_h = t.fonts.large * s * 1.6f;
    for (const auto& call : board.state().recent) {
      if (y + row_h > c.y + c.h) break;
      std::string counter_name = call.counter;
      if (const auto* cc = catalogue->counter(call.counter)) counter_name = screen_text(cc->name, lang);
      f.text_in({right_x, y, right_w * 0.4f, row_h}, call.display, ui::TextStyle::Large, ui::Tone::Accent,
                ui::Align::Left);
      f.text_in({right_x + right_w * 0.4f, y, right_w * 0.6f, row_h}, "\u2192 " + counter_name, ui::TextStyle::Large,
                ui::Tone::Normal, ui::Align::Left);
      y += row_h;
    }
    if (!board.state().connected) {
      f.text_in({c.x, c.y + c.h - t.fonts.body * s * 1.4f, c.w, t.fonts.body * s * 1.4f},
                tr.tr("Reconnecting to the queue system…"), ui::TextStyle::Body, ui::Tone::Danger, ui::Align::Center);
    }
  }
};

class DisplayApp {
 public:
  DisplayApp(const KioskConfig& config, ui::App& app, const text::Translations& translations,
             const sync::ServerEndpoint& endpoint)
      : config_(config),
        translations_(translations),
        endpoint_(endpoint),
        poster_(app.poster()),
        store_((std::filesystem::path(config.data_dir) / "display.sqlite").string()),
        refresher_(endpoint, store_, [this](CatalogueUpdate u) {
          if (u.clock_offset) poster_.post([this, off = *u.clock_offset] { clock_offset_ = off; });
          if (u.catalogue) poster_.post([this, cat = u.catalogue] { on_catalogue(cat); });
        }) {
    // The board's words are in the centre's first language (the screen draws every script).
    lang_ = config.languages.empty() ? std::string("en") : config.languages.front();
    auto audio =
        AudioOut::open(config.audio_out, (std::filesystem::path(config.data_dir) / "announcements").string(), 22050);
    if (audio.ok()) {
      audio_ = std::move(audio).value();
    } else {
      std::cerr << "guichet-kiosk: announcements will not be heard: " << audio.error() << "\n";
    }
    if (auto cached = load_cached_catalogue(store_)) on_catalogue(cached);
    refresher_.start();
  }

  ~DisplayApp() {
    sleeper_.stop();
    refresher_.stop();
    if (stream_) stream_->stop();
  }

  void draw(ui::Frame& f) {
    f.set_language(lang_);  // the board's texts are shaped and aligned for its language
    screen_.draw(f, board_, catalogue_.get(), Tr(translations_, lang_), started_, flash_, wall_now() + clock_offset_);
  }

 private:
  void on_catalogue(std::shared_ptr<const domain::Catalogue> catalogue) {
    catalogue_ = std::move(catalogue);
    if (!start_requested_) {
      start_requested_ = true;
      request_start();
    }
  }

  // Loads the last calls and the counters' citizens, retrying until the server answers, then
  // follows the live feed from there.
  void request_start() {
    net_worker_.run([this, catalogue = catalogue_] {
      sync::ApiClient client(endpoint_);
      for (;;) {
        BoardStart s = fetch_start(client, *catalogue);
        if (s.ok) {
          poster_.post([this, s] { on_start(s); });
          return;
        }
        if (!sleeper_.sleep_for(std::chrono::seconds(3))) return;
      }
    });
  }

  void on_start(const BoardStart& s) {
    board_.load_recent(s.calls);
    for (const auto& [counter, token] : s.current) {
      const auto* c = catalogue_->counter(counter);
      board_.set_current(counter, c ? c->number : 0, token ? &*token : nullptr);
    }
    started_ = true;
    stream_ = std::make_unique<sync::EventStream>(
        endpoint_, [this](const sync::WireEvent& e) { poster_.post([this, e] { on_event(e); }); },
        board_.state().last_seq);
    stream_->on_status([this](bool connected, const std::string&) {
      poster_.post([this, connected] { board_.set_connected(connected); });
    });
    stream_->start();
  }

  void on_event(const sync::WireEvent& e) {
    auto call = board_.apply(e, wall_now() + clock_offset_);
    if (e.event.type == domain::EventType::Called || e.event.type == domain::EventType::Recalled) {
      flash_[e.event.counter] = Clock::now() + kFlashTime;
    }
    if (call) announce(*call);
  }

  void announce(const BoardCall& call) {
    if (!audio_) return;
    auto list = announcements_for_call(translations_, config_.languages, call.language, call.prefix, call.number,
                                       call.counter_number, call.recall);
    audio_worker_.run([this, list, display = call.display] {
      if (!speech_) {
        auto e = SpeechEngine::create();
        if (!e.ok()) {
          std::cerr << "guichet-kiosk: " << e.error() << "\n";
          return;
        }
        speech_ = std::move(e).value();
      }
      Pcm all = make_chime(speech_->sample_rate());
      for (const auto& a : list) {
        auto pcm = speech_->speak(a.language, a.ssml);
        if (!pcm.ok()) {
          std::cerr << "guichet-kiosk: " << pcm.error() << "\n";
          continue;
        }
        // A short pause between languages.
        all.samples.insert(all.samples.end(), static_cast<std::size_t>(all.sample_rate / 3), 0);
        all.samples.insert(all.samples.end(), pcm.value().samples.begin(), pcm.value().samples.end());
      }
      auto played = audio_->play(all, display);
      if (!played.ok()) std::cerr << "guichet-kiosk: " << played.error().message << "\n";
    });
  }

  const KioskConfig& config_;
  const text::Translations& translations_;
  sync::ServerEndpoint endpoint_;
  ui::Poster poster_;
  KioskStore store_;
  CatalogueRefresher refresher_;
  std::shared_ptr<const domain::Catalogue> catalogue_;
  BoardModel board_;
  BoardScreen screen_;
  std::string lang_;
  bool start_requested_ = false;
  bool started_ = false;
  std::map<std::string, Clock::time_point> flash_;
  std::chrono::milliseconds clock_offset_{0};
  std::unique_ptr<AudioOut> audio_;
  std::unique_ptr<SpeechEngine> speech_;  // used on the audio worker only
  std::unique_ptr<sync::EventStream> stream_;
  Sleeper sleeper_;
  // Declared last: destroyed first.
  ui::Worker audio_worker_{"board-audio"};
  ui::Worker net_worker_{"board-net"};
};

}  // namespace

int run_display(const KioskConfig& config, ui::App& app, const text::Translations& translations,
                const sync::ServerEndpoint& endpoint) {
  DisplayApp display(config, app, translations, endpoint);
  return app.run([&](ui::Frame& f) { display.draw(f); });
}

}  // namespace guichet::kiosk
