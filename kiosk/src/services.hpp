// Background services shared by the kiosk and the display board: the catalogue (cached in the
// kiosk's SQLite, refreshed from the server) and a sleep that stop() can cut short.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "guichet/domain/catalogue.hpp"
#include "guichet/sync/client.hpp"
#include "kiosk_store.hpp"

namespace guichet::kiosk {

class Sleeper {
 public:
  // False when stopped before `d` passed.
  bool sleep_for(std::chrono::milliseconds d);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

struct CatalogueUpdate {
  std::shared_ptr<const domain::Catalogue> catalogue;  // null when the server did not answer
  bool from_cache = false;
  bool online = false;
  std::string error;
  // Server clock minus this device's clock, from GET /api/v1/health: opening hours and the board's
  // clock follow the centre's time, not a kiosk clock that may be off.
  std::optional<std::chrono::milliseconds> clock_offset;
};

// The cached catalogue, or null. A damaged cache is ignored (the server's copy replaces it).
std::shared_ptr<const domain::Catalogue> load_cached_catalogue(KioskStore& store);

// Fetches the catalogue on its own thread: at once, then every `refresh` while the server
// answers, or every `retry` while it does not. `on_update` is called (on that thread) when the
// catalogue changed or the server's reachability changed.
class CatalogueRefresher {
 public:
  CatalogueRefresher(sync::ServerEndpoint endpoint, KioskStore& store, std::function<void(CatalogueUpdate)> on_update,
                     std::chrono::milliseconds refresh = std::chrono::minutes(10),
                     std::chrono::milliseconds retry = std::chrono::seconds(10));
  ~CatalogueRefresher();
  void start();
  void stop();

 private:
  void run();
  sync::ServerEndpoint endpoint_;
  KioskStore& store_;
  std::function<void(CatalogueUpdate)> on_update_;
  std::chrono::milliseconds refresh_, retry_;
  Sleeper sleeper_;
  std::thread thread_;
};

}  // namespace guichet::kiosk
