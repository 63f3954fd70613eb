// What the centre node knows of its terminals and of its link to central beyond what it stores:
// when each terminal was last heard from, what it last said its outbox still holds, its disk has
// left and its printer is doing, and whether central answers the relay. Kept in memory (a restart
// starts them empty; terminals are heard again within seconds) and shown to managers on the
// dashboard (docs/server.md, "Sync state").
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "guichet/sync/protocol.hpp"

namespace guichet::server {

// What one request said of its terminal, each part absent when not said (or malformed).
struct TerminalSays {
  std::optional<sync::OutboxReport> outbox;
  std::optional<std::int64_t> disk_free_mib;
  std::optional<sync::PrinterReport> printer;
};

struct DeviceSeen {
  std::int64_t heard_ms = 0;                  // its last authenticated request
  std::optional<sync::OutboxReport> report;   // the outbox report of its last upload
  std::int64_t report_ms = 0;                 // when that report came
  std::int64_t answered = 0;                  // entries that upload answered for good
  int feeds = 0;                              // its live feeds open now (boards, counters)
  std::optional<std::int64_t> disk_free_mib;  // the disk space it last said it has left
  std::string printer_state;                  // its printer's state at its newest look ("" never said)
  std::int64_t printer_checked_ms = 0;        // when the terminal looked (the server's clock)

  // Entries still on the terminal by its last report, those answered since taken off; nullopt
  // when it never reported.
  std::optional<std::int64_t> waiting() const;
  // When the oldest of them was written (the server's clock), while the report's oldest entry is
  // known to be still waiting: nothing of that upload was answered for good.
  std::optional<std::int64_t> oldest_waiting_ms() const;
};

class DeviceActivity {
 public:
  // An authenticated request of `device` at `now_ms`, with what it said of the terminal (a part
  // it did not say keeps the last one said).
  void heard(const std::string& device, std::int64_t now_ms, const TerminalSays& says = {});
  // The upload that carried the device's last report was answered: `entries` of it for good.
  void answered(const std::string& device, std::int64_t entries);
  // A live feed of `device` opened or closed: while one is open, the device is being heard.
  void feed_opened(const std::string& device, std::int64_t now_ms);
  void feed_closed(const std::string& device, std::int64_t now_ms);
  void forget(const std::string& device);  // a revoked device
  // Every device heard since the start; one with a feed open is heard at `now_ms`.
  std::map<std::string, DeviceSeen> snapshot(std::int64_t now_ms) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, DeviceSeen> seen_;
};

// The relay's view of central: the last answer, and since when nothing has gone through and why.
struct UpstreamState {
  std::int64_t last_answer_ms = 0;  // 0: central has not answered since this start
  std::int64_t down_since_ms = 0;   // 0: the last request went through
  std::string problem;              // why the last request did not go through (no personal data)
};

class UpstreamLink {
 public:
  void went_through(std::int64_t now_ms);
  // A request that did not go through: no answer (`answered` false), or an answer that refuses
  // the request itself (credentials, overload, server error).
  void did_not_go_through(std::int64_t now_ms, bool answered, std::string problem);
  UpstreamState state() const;

 private:
  mutable std::mutex mu_;
  UpstreamState state_;
};

}  // namespace guichet::server
