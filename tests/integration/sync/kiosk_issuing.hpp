// The kiosk's own objects for issuing tokens against a real centre node, wired as the kiosk wires
// them: its SQLite store and outbox in a folder, the sync engine, ServerTokens with number blocks,
// and the printer's worker thread, which issuing and reconciliation share. For the integration
// tests of number blocks.
#pragma once

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "devices.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/ui/app.hpp"
#include "issuer.hpp"
#include "kiosk_store.hpp"

namespace guichet::kiosk {

struct KioskIssuing {
  // The engine is not started: a test starts it (and may stop and start it again) itself.
  KioskIssuing(const std::filesystem::path& dir, const std::string& device, sync::ServerEndpoint endpoint,
               const LeaseOptions& lease)
      : store((dir / "kiosk.sqlite").string()),
        outbox((dir / "outbox.sqlite").string(), device),
        engine(outbox, std::move(endpoint), engine_options()),
        tokens(
            engine, outbox, store,
            [this](std::function<void()> job) {
              if (worker) worker->run(std::move(job));
            },
            std::chrono::seconds(3), lease) {
    worker = std::make_unique<ui::Worker>("kiosk-printer");
    engine.on_complete([this](const sync::OutboxEntry& e) { tokens.on_complete(e); });
  }
  ~KioskIssuing() { stop(); }
  KioskIssuing(const KioskIssuing&) = delete;
  KioskIssuing& operator=(const KioskIssuing&) = delete;

  // A citizen's token, issued and printed on the printer's worker thread, as the kiosk does.
  IssueResult issue(PrinterPort& printer, const SlipBuilder& slip, const IssueInput& in) {
    std::promise<IssueResult> done;
    auto result = done.get_future();
    worker->run([&] { done.set_value(issue_token(printer, tokens, slip, in)); });
    return result.get();
  }

  // What the kiosk does as it exits: no more leasing, the engine stopped, the worker's jobs done.
  void stop() {
    tokens.stop_leasing();
    engine.stop();
    worker.reset();
  }

  static sync::SyncOptions engine_options() {
    sync::SyncOptions o;
    o.backoff_max = std::chrono::milliseconds(500);
    return o;
  }

  KioskStore store;
  sync::Outbox outbox;
  sync::SyncEngine engine;
  std::unique_ptr<ui::Worker> worker;
  ServerTokens tokens;
};

}  // namespace guichet::kiosk
