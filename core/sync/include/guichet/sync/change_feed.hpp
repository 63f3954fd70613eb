// The terminal side of protocol v1 downloads (docs/sync.md, "Protocol v1"): changes since a
// cursor, kept in the terminal's own SQLite file, so a kiosk can answer a status check from its
// last copy while the centre server is out of reach.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "guichet/store/sqlite.hpp"
#include "guichet/sync/client.hpp"

namespace guichet::sync {

struct ChangeFeedOptions {
  int page = 1000;  // changes per request (the server allows up to 5000)
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds poll_interval{5000};  // between pulls on the background thread
  // Before the first pull on the background thread (a kiosk lets its start-up finish first);
  // wake() ends the wait early.
  std::chrono::milliseconds first_pull_delay{0};
  store::Durability durability = store::Durability::Full;
};

// Downloads GET /api/v1/sync/changes from the cursor stored in its file. Each page's changes and
// the cursor that covers them are stored in one transaction, so a crash resumes exactly after the
// last page stored. Application statuses go to a local table (local_status); catalogue changes
// are stored and handed to the callback; queue rows are kept as (day, last event).
//
// A server that refuses the cursor as one its database no longer has (400 `cursor_ahead` or
// `cursor_unknown`: restored from a backup, or replaced) is read again from cursor 0, its
// compacted snapshot. The statuses and
// queue days kept here go on answering while the snapshot's pages are staged (across restarts
// too); its last page replaces them, in one transaction, so the feed ends with the server's state.
class ChangeFeed {
 public:
  using CatalogueHandler = std::function<void(const std::string& version, const json& catalogue)>;

  // Opens or creates the file (its own SQLite file, e.g. beside the outbox). A damaged file is
  // refused with store::DbError naming it, never recreated empty.
  ChangeFeed(const std::string& db_path, ServerEndpoint endpoint, const ChangeFeedOptions& options = {});
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Called (on the pulling thread) for every catalogue version received. Set before pulling.
  void on_catalogue(CatalogueHandler handler);

  struct Pull {
    bool ok = false;       // the feed is up to date with the server
    int changes = 0;       // changes stored by this pull
    std::string error;     // why not, when !ok
    bool refused = false;  // the server refused the protocol version: pulling again cannot help
    // The server refused the cursor as ahead of its changes: this pull started again from 0.
    bool restarted = false;
    bool reached = false;  // the server answered (with any HTTP status): it can be reached
  };
  // Pulls pages until the server says there is no more. Blocking; not concurrent with itself.
  Pull pull();
  // Called on the background thread (start()) after each of its pulls, with the pull's outcome: a
  // terminal learns from it, every poll_interval, whether the server can be reached. Not called
  // for a pull that stop() cut short, or one that failed on the terminal's own file. Set before
  // start().
  void on_pulled(std::function<void(const Pull&)> handler);

  // The last public status this terminal received for the receipt ({"receipt":…,"status":…}).
  std::optional<json> local_status(const std::string& receipt);
  // The last catalogue received, with its version.
  std::optional<std::pair<std::string, json>> catalogue();
  std::optional<std::uint64_t> queue_last_event(const std::string& day);
  std::string cursor();
  // A snapshot read again from 0 is under way (not all of its pages stored yet).
  bool reading_snapshot();

  // Pulls on its own thread every poll_interval (and at once after wake()).
  void start();
  void stop();
  void wake();

 private:
  // `last`: the server said there is no more (a snapshot being read again then replaces the tables).
  void store_page(const json& changes, const std::string& cursor, bool last);
  void start_snapshot();  // cursor 0, staging emptied, in one transaction
  void run();

  std::unique_ptr<store::Db> db_;
  std::mutex db_mu_;
  ServerEndpoint endpoint_;
  ChangeFeedOptions options_;
  CatalogueHandler on_catalogue_;
  std::function<void(const Pull&)> on_pulled_;
  std::mutex pull_mu_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::atomic<bool> abort_{false};
};

}  // namespace guichet::sync
