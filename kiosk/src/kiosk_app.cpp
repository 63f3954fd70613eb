// Kiosk mode: wires the model, the screens and the workers (printer, server, PIN checks) together.
#include "kiosk_app.hpp"

#include <pthread.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "devices.hpp"
#include "guichet/ui/touch_target.hpp"
#include "pin.hpp"
#include "screens/audio_mode.hpp"
#include "screens/screens.hpp"
#include "services.hpp"

namespace guichet::kiosk {

namespace {

// How long the "Please take your token" screen stays before the next citizen's start screen.
constexpr auto kResultScreenTime = std::chrono::seconds(20);
// How often an idle kiosk looks at its printer, so that the centre's dashboard shows an empty roll
// or an open cover before a citizen finds it.
constexpr auto kPrinterLookEvery = std::chrono::seconds(60);

// The server endpoint whose requests also say what the kiosk last found of its printer.
sync::ServerEndpoint with_printer(sync::ServerEndpoint endpoint, std::shared_ptr<const sync::PrinterReporter> printer) {
  endpoint.printer = std::move(printer);
  return endpoint;
}

class KioskApp {
 public:
  KioskApp(const KioskConfig& config, ui::App& app, const text::Translations& translations,
           const sync::ServerEndpoint& endpoint)
      : config_(config),
        app_(app),
        translations_(translations),
        poster_(app.poster()),
        printer_report_(std::make_shared<sync::PrinterReporter>()),
        endpoint_(with_printer(endpoint, printer_report_)),
        store_((std::filesystem::path(config.data_dir) / "kiosk.sqlite").string()),
        outbox_((std::filesystem::path(config.data_dir) / "outbox.sqlite").string(), config.device),
        engine_(outbox_, endpoint_),
        printer_(make_transport(parse_printer_spec(config.printer).value()), printer_report_),
        tokens_(
            engine_, outbox_, store_, [this](std::function<void()> job) { printer_worker_.run(std::move(job)); },
            std::chrono::seconds(6),
            LeaseOptions{.enabled = config.lease_block > 0, .block = std::max(config.lease_block, 1)}),
        applications_(engine_, outbox_, endpoint_, (std::filesystem::path(config.data_dir) / "changes.sqlite").string(),
                      std::chrono::seconds(config.status_poll)),
        model_(config.printer_policy),
        audio_([wav_dir = config.audio_out, fallback = (std::filesystem::path(config.data_dir) / "speech").string()] {
          return std::make_unique<Speaker>(wav_dir, fallback);
        }),
        refresher_(endpoint_, store_, [this](CatalogueUpdate u) {
          poster_.post([this, u] {
            if (u.clock_offset) model_.on_clock_offset(*u.clock_offset);
            if (u.catalogue) model_.on_catalogue(u.catalogue, false);
            model_.on_server_online(u.online);
          });
        }) {
    model_.set_theme_name(config.theme);
    if (auto cached = load_cached_catalogue(store_)) model_.on_catalogue(cached, true);
    engine_.on_complete([this](const sync::OutboxEntry& e) { tokens_.on_complete(e); });
    // A printer that changed state is said at once: the status feed's next pull carries it.
    printer_.on_change([this] { applications_.wake_feed(); });
    // The status feed asks the server every --status-poll seconds: the screens' offline mark comes
    // and goes with its answers. Posted only when the model says otherwise (whatever told it: the
    // catalogue refresher, a token request, a status check), so an idle kiosk is not redrawn.
    applications_.on_server_reached([this](bool online) {
      if (static_cast<int>(online) != model_online_.load()) {
        poster_.post([this, online] { model_.on_server_online(online); });
      }
    });
    theme_name_ = config.theme;
    app_.set_theme(sized(app_.theme()));
  }

  ~KioskApp() {
    looks_.reset();
    sleeper_.stop();
    refresher_.stop();
    applications_.stop();
    engine_.stop();
  }

  void draw(ui::Frame& f) {
    if (!workers_started_) {
      // The background work (sending the outbox, the status feed, recovering an interrupted slip,
      // refreshing the catalogue) starts once the first frame is on screen: on a small kiosk CPU
      // it would otherwise compete with drawing the start screen. The post runs at the loop's next
      // turn, after this frame is presented and before any tap is handled.
      workers_started_ = true;
      poster_.post([this] { start_workers(); });
    }
    const auto now = f.now();
    // Results from workers change the step between frames; the timeouts count from the change.
    if (model_.state().step != shown_step_) {
      shown_step_ = model_.state().step;
      step_since_ = now;
    }
    model_.set_today(centre_today());
    const Step before = model_.state().step;
    model_online_ = model_.state().server_known ? static_cast<int>(model_.state().server_online) : -1;
    View view{model_.state(), translations_, now};
    view.outbox_backlog = before == Step::Settings ? engine_.backlog() : 0;
    // The citizen's language shapes every text of the screen (its script's font first, Urdu from
    // the right), and a right-to-left language mirrors the screen: Back bottom right, rows of
    // buttons and tiles from the right.
    f.set_language(model_.state().language);
    f.set_mirrored(f.right_to_left());
    audio_.before_screen(f, model_.state());
    std::vector<Action> actions;
    switch (before) {
      case Step::Language:
        actions = language_.draw(f, view);
        break;
      case Step::Menu:
        actions = menu_.draw(f, view);
        break;
      case Step::Service:
        actions = service_.draw(f, view);
        break;
      case Step::AppService:
        actions = app_service_.draw(f, view);
        break;
      case Step::AppField:
        actions = field_.draw(f, view);
        break;
      case Step::AppDocuments:
        actions = documents_.draw(f, view);
        break;
      case Step::AppReview:
        actions = review_.draw(f, view);
        break;
      case Step::Filing:
        actions = filing_.draw(f, view);
        break;
      case Step::Filed:
        actions = filed_.draw(f, view);
        break;
      case Step::StatusEntry:
        actions = status_entry_.draw(f, view);
        break;
      case Step::StatusLoading:
      case Step::StatusShown:
        actions = status_.draw(f, view);
        break;
      case Step::Priority:
        actions = priority_.draw(f, view);
        break;
      case Step::Issuing:
        actions = issuing_.draw(f, view);
        break;
      case Step::Result:
        actions = result_.draw(f, view);
        break;
      case Step::Stopped:
        actions = stopped_.draw(f, view);
        break;
      case Step::AdminPin:
        actions = pin_.draw(f, view);
        break;
      case Step::Settings:
        actions = settings_.draw(f, view);
        break;
    }
    const std::size_t screen_items = f.drawn().items.size();
    for (const auto& a : actions) run(model_.apply(a, now));
    {
      // Audio mode: its switch, its bar, the focus and what is said, from what the screen drew.
      const auto& st = model_.state();
      const std::string header = st.catalogue ? screen_text(st.catalogue->centre.name, st.language) : std::string();
      View after{st, translations_, now};
      for (const auto& a : audio_.after_screen(f, after, before, screen_items, header)) run(model_.apply(a, now));
    }

    // Timeouts: back to the start after the idle time, and sooner after a result.
    if (model_.state().step != before) {
      shown_step_ = model_.state().step;
      step_since_ = now;
    }
    if (model_.idle_applies()) {
      auto deadline = std::max(f.last_input(), step_since_) + std::chrono::seconds(config_.idle_timeout);
      if (model_.state().step == Step::Result) deadline = std::min(deadline, step_since_ + kResultScreenTime);
      if (now >= deadline) {
        if (model_.on_idle()) {
          shown_step_ = model_.state().step;
          step_since_ = now;
        }
      } else {
        f.redraw_at(deadline);
      }
    }
    // A citizen's choice of view ends with their session (idle timeout, Done, start over).
    apply_theme(model_.state().shown_theme());
    if (model_.state().step != before) f.animate();  // draw the new screen now
  }

 private:
  void run(const std::vector<Effect>& effects) {
    for (const auto& e : effects) {
      switch (e.kind) {
        case Effect::Kind::Issue:
          issue(e);
          break;
        case Effect::Kind::VerifyPin:
          pin_worker_.run([this, pin = e.pin] {
            bool ok = verify_pin(config_.admin_pin_hash, pin);
            poster_.post([this, ok] { model_.on_pin_checked(ok, Clock::now()); });
          });
          break;
        case Effect::Kind::TestPrint:
          printer_worker_.run([this, catalogue = model_.state().catalogue] {
            auto job = build_test_page(catalogue.get(), config_.device);
            PrinterCheck st = printer_.status();
            if (st.ok) st = printer_.print(job);
            poster_.post([this, st] { model_.on_test_print(st.ok, st.message); });
          });
          break;
        case Effect::Kind::WatchPrinter:
          watch_printer();
          break;
        case Effect::Kind::ApplyTheme:
          apply_theme(e.value);
          break;
        case Effect::Kind::Exit:
          app_.quit(0);
          break;
        case Effect::Kind::FileApplication:
          file_application_now(e);
          break;
        case Effect::Kind::LookupStatus:
          status_worker_.run([this, receipt = e.value] {
            StatusLookup l = applications_.lookup(receipt, std::chrono::seconds(4));
            if (l.kind == StatusLookup::Kind::Unreachable) {
              std::cerr << "guichet-kiosk: application status not available: " << l.detail << "\n";
            }
            poster_.post([this, l] { model_.on_status_lookup(l); });
          });
          break;
      }
    }
  }

  void issue(const Effect& e) {
    IssueInput in{e.service, e.priority, e.language, model_.state().policy};
    auto catalogue = model_.state().catalogue;
    printer_worker_.run([this, in, catalogue] {
      SlipBuilder slip = [&](const IssuedToken& t, std::string& problem) {
        return build_slip(*catalogue, translations_, in.language, t, problem, &paper_text_);
      };
      IssueResult r = issue_token(printer_, tokens_, slip, in);
      poster_.post([this, r] { run(model_.on_issue_result(r)); });
    });
  }

  // The centre's civil date now (the server's clock when known, in the centre's zone).
  domain::Date centre_today() const {
    const auto& st = model_.state();
    const int offset = st.catalogue ? st.catalogue->centre.utc_offset_minutes : 0;
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + st.clock_offset;
    domain::Date d;
    if (!domain::parse_date(domain::business_day(now, offset), d)) return {};
    return d;
  }

  // Saving never waits on the network: the receipt number and the entry are local, then the slip
  // is printed from the same data. On the printer's thread, after any token being printed.
  void file_application_now(const Effect& e) {
    FilingInput in;
    in.catalogue = nullptr;
    auto catalogue = model_.state().catalogue;
    in.draft = model_.state().draft;
    in.language = e.language;
    in.channel = "kiosk";
    in.fee_minor = 0;  // paid at the counter
    in.today = model_.state().today;
    printer_worker_.run([this, in, catalogue]() mutable {
      in.catalogue = catalogue.get();
      PrintPort paper;
      paper.ready = [this](std::string& problem) {
        PrinterCheck st = printer_.status();
        if (!st.ok) problem = st.message;
        return st.ok;
      };
      paper.print = [this, &in](const FilingRequest& request, std::string& problem) {
        auto bytes =
            build_application_slip(*in.catalogue, translations_, in.language, request, {}, problem, &paper_text_);
        if (!bytes) return false;
        PrinterCheck p = printer_.print(*bytes);
        if (!p.ok) problem = p.message;
        return p.ok;
      };
      FilingResult r = file_application(applications_, paper, in);
      if (r.kind == FilingResult::Kind::Failed) {
        std::cerr << "guichet-kiosk: an application could not be saved: " << r.detail << "\n";
      }
      poster_.post([this, r] { run(model_.on_filing_result(r)); });
    });
  }

  // While issuing is stopped, look at the printer every few seconds; the kiosk reopens by itself
  // when it is fine. Only one watch runs at a time.
  void watch_printer() {
    if (watching_) return;
    watching_ = true;
    printer_worker_.run([this] {
      if (!sleeper_.sleep_for(std::chrono::seconds(3))) return;
      PrinterCheck st = printer_.status();
      poster_.post([this, st] {
        watching_ = false;
        run(model_.on_printer_status(st.ok, st.message));
      });
    });
  }

  void apply_theme(const std::string& name) {
    if (name == theme_name_) return;
    auto t = ui::load_theme(ui::find_theme_file(name));
    if (!t.ok()) {
      std::cerr << "guichet-kiosk: " << t.error().to_string() << "\n";
      return;
    }
    theme_name_ = name;
    app_.set_theme(sized(t.value()));
  }

  void start_workers() {
    engine_.start();
    applications_.start();
    printer_worker_.run([this] { tokens_.recover(); });
    // The printer is looked at now and every minute, on the printer's thread between jobs: what
    // it finds goes to the centre with the kiosk's next request.
    printer_worker_.run([this] { printer_.status(); });
    looks_ = std::make_unique<ui::Ticker>("kiosk-look", kPrinterLookEvery, [this] {
      if (!printer_worker_.busy()) printer_worker_.run([this] { printer_.status(); });
    });
    refresher_.start();
  }

  // A theme with controls of at least 15 mm at the configured panel's density.
  ui::Theme sized(ui::Theme theme) const {
    const double dpi = ui::screen_dpi(config_.screen_diagonal_inches, config_.width, config_.height);
    return ui::sized_for_touch(std::move(theme), ui::px_per_mm(dpi), config_.height);
  }

  const KioskConfig& config_;
  ui::App& app_;
  const text::Translations& translations_;
  PaperText paper_text_;  // slip text the printer's code page lacks, drawn (printer thread)
  ui::Poster poster_;
  std::shared_ptr<sync::PrinterReporter> printer_report_;
  sync::ServerEndpoint endpoint_;  // the one given, whose requests also say the printer's state
  KioskStore store_;
  sync::Outbox outbox_;
  sync::SyncEngine engine_;
  HardwarePrinter printer_;
  ServerTokens tokens_;
  ServerApplications applications_;
  KioskModel model_;
  AudioMode audio_;
  CatalogueRefresher refresher_;
  Sleeper sleeper_;
  std::unique_ptr<ui::Ticker> looks_;  // the printer's idle looks; stopped first in the destructor
  bool watching_ = false;
  bool workers_started_ = false;
  // What the model says of the server, for the status feed's thread: 1 online, 0 not, -1 not known.
  std::atomic<int> model_online_{-1};
  std::string theme_name_;
  Clock::time_point step_since_ = Clock::now();
  Step shown_step_ = Step::Language;

  LanguageScreen language_;
  ServiceScreen service_;
  PriorityScreen priority_;
  IssuingScreen issuing_;
  ResultScreen result_;
  StoppedScreen stopped_;
  PinScreen pin_;
  SettingsScreen settings_;
  MenuScreen menu_;
  AppServiceScreen app_service_;
  FieldScreen field_;
  DocumentsScreen documents_;
  ReviewScreen review_;
  FilingScreen filing_;
  FiledScreen filed_;
  StatusEntryScreen status_entry_;
  StatusScreen status_;

  // Declared last: destroyed first, so no job runs against members already gone.
  ui::Worker pin_worker_{"kiosk-pin"};
  ui::Worker status_worker_{"kiosk-status"};
  ui::Worker printer_worker_{"kiosk-printer"};
};

}  // namespace

int run_kiosk(const KioskConfig& config, ui::App& app, const text::Translations& translations,
              const sync::ServerEndpoint& endpoint) {
  KioskApp kiosk(config, app, translations, endpoint);
  return app.run([&](ui::Frame& f) { kiosk.draw(f); });
}

}  // namespace guichet::kiosk
