#include "services.hpp"

#include "guichet/sync/protocol.hpp"

namespace guichet::kiosk {

bool Sleeper::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopped_; });
}

void Sleeper::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

std::shared_ptr<const domain::Catalogue> load_cached_catalogue(KioskStore& store) {
  auto text = store.load_catalogue();
  if (!text) return nullptr;
  try {
    return std::make_shared<const domain::Catalogue>(sync::catalogue_from_json(sync::json::parse(*text)));
  } catch (const std::exception&) {
    return nullptr;
  }
}

CatalogueRefresher::CatalogueRefresher(sync::ServerEndpoint endpoint, KioskStore& store,
                                       std::function<void(CatalogueUpdate)> on_update,
                                       std::chrono::milliseconds refresh, std::chrono::milliseconds retry)
    : endpoint_(std::move(endpoint)),
      store_(store),
      on_update_(std::move(on_update)),
      refresh_(refresh),
      retry_(retry) {}

CatalogueRefresher::~CatalogueRefresher() { stop(); }

void CatalogueRefresher::start() {
  thread_ = std::thread([this] { run(); });
}

void CatalogueRefresher::stop() {
  sleeper_.stop();
  if (thread_.joinable()) thread_.join();
}

namespace {

// What identifies a catalogue's text between two fetches, without keeping the text itself (tens
// of kilobytes held for the kiosk's whole life otherwise).
struct TextDigest {
  std::size_t size = 0;
  std::size_t hash = 0;
  bool operator==(const TextDigest&) const = default;
};

TextDigest digest_of(const std::string& text) { return {text.size(), std::hash<std::string>{}(text)}; }

}  // namespace

void CatalogueRefresher::run() {
  sync::ApiClient client(endpoint_);
  std::optional<TextDigest> last_digest;
  int last_online = -1;
  std::optional<std::chrono::milliseconds> last_offset;
  for (;;) {
    // One fetch in a scope of its own: the answers' bodies and the catalogue's text are freed
    // before the thread sleeps, and before the update wakes the screen (which then returns freed
    // memory to the system as it goes idle).
    CatalogueUpdate u;
    bool changed = false;
    {
      sync::RequestOptions o;
      o.timeout = std::chrono::seconds(5);
      const auto asked = std::chrono::system_clock::now();
      auto health = client.get("/api/v1/health", o);
      if (health.ok()) {
        try {
          domain::Instant server_time;
          if (domain::parse_iso(sync::json::parse(health.body).at("time").get<std::string>(), server_time)) {
            const auto answered = std::chrono::system_clock::now();
            const auto local = asked + (answered - asked) / 2;
            u.clock_offset = std::chrono::duration_cast<std::chrono::milliseconds>(server_time - local);
          }
        } catch (const std::exception&) {
          // No usable time: the local clock stays in use.
        }
      }
      auto r = client.get("/api/v1/catalogue", o);
      std::string text;
      if (r.ok()) {
        try {
          auto j = sync::json::parse(r.body);
          u.catalogue = std::make_shared<const domain::Catalogue>(sync::catalogue_from_json(j));
          text = j.dump();
          u.online = true;
        } catch (const std::exception& e) {
          u.error = std::string("the server's catalogue was not understood: ") + e.what();
        }
      } else {
        u.error = r.error_message();
      }
      if (u.catalogue) {
        const TextDigest digest = digest_of(text);
        changed = digest != last_digest;
        if (changed) {
          store_.save_catalogue(text, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
          last_digest = digest;
        }
      }
    }
    bool offset_changed = false;
    if (u.clock_offset) {
      offset_changed = !last_offset || std::chrono::abs(*u.clock_offset - *last_offset) > std::chrono::seconds(2);
      if (offset_changed) last_offset = u.clock_offset;
    }
    if (changed || offset_changed || static_cast<int>(u.online) != last_online) {
      last_online = u.online;
      if (!changed) u.catalogue = nullptr;  // reachability only
      on_update_(std::move(u));
    } else {
      u = {};
    }
    if (!sleeper_.sleep_for(last_online > 0 ? refresh_ : retry_)) return;
  }
}

}  // namespace guichet::kiosk
