// Protocol messages: the JSON forms of catalogue, tokens, queue events and counter states, shared
// by the server and the terminals (see docs/api.md and sync-server/openapi.yaml).
// Parsing functions validate and throw ProtocolError naming the offending field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/queue.hpp"

namespace guichet::sync {

using json = nlohmann::json;

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kProtocolVersion = 1;

// Protocol v1 batches (docs/sync.md, "Protocol v1"): at most this many entries per upload.
inline constexpr std::size_t kMaxUploadEntries = 500;
// ... and at most this many bytes of body (the server's limit for POST /api/v1/sync/upload).
inline constexpr std::size_t kMaxUploadBytes = 4 * 1024 * 1024;

// What an outbox entry does, for people and for the server's records: "token.issue",
// "application.file", "payment.record", "status.view". Lower-case dotted words: 1 to 64
// characters, words of a–z, 0–9 and '_' starting with a letter, separated by single dots.
bool valid_outbox_kind(std::string_view kind);

// Whether an outbox entry's request may travel in a protocol v1 upload batch: the centre's write
// endpoints that take an idempotency key (applications, tokens, token cancel, counter actions,
// closing a session, day close). Logging in, enrollment and the sync endpoints themselves are not.
bool batchable_write(std::string_view method, std::string_view path);

// What a terminal tells the centre of its outbox with each upload, in the X-Guichet-Outbox header
// (docs/sync.md, "Protocol v1"): "pending=<entries>, oldest-age=<seconds>". `pending` counts the
// entries not yet answered for good, this batch's included; `oldest_age_s` is how long ago the
// oldest of them was written, measured on the terminal's own clock (so a skewed clock does not
// skew it), 0 when none is pending. Both fit in 0..10^12.
inline constexpr const char* kOutboxHeader = "X-Guichet-Outbox";
struct OutboxReport {
  std::int64_t pending = 0;
  std::int64_t oldest_age_s = 0;
  bool operator==(const OutboxReport&) const = default;
};
std::string format_outbox_report(const OutboxReport& report);
// The report in a header value; nullopt for any other text (the server then ignores the header:
// a report is for people, never a reason to refuse a batch).
std::optional<OutboxReport> parse_outbox_report(std::string_view value);

// What a terminal tells the centre of its disk with every request, in the X-Guichet-Disk header:
// "free-mib=<MiB>", the space left for it (an unprivileged process) where it keeps its data, in
// 0..10^12. A manager sees a terminal running out of room before it can no longer write what it
// takes. Malformed, it is ignored like the outbox report.
inline constexpr const char* kDiskHeader = "X-Guichet-Disk";
std::string format_disk_report(std::int64_t free_mib);
std::optional<std::int64_t> parse_disk_report(std::string_view value);

// What a terminal tells the centre of its receipt printer with every request, in the
// X-Guichet-Printer header: "state=<state>, checked-age=<seconds>". The state is what the
// terminal found the last time it looked (before each print, after each print, and every minute
// while idle); checked-age is how long ago that was, on the terminal's own clock, in 0..10^12.
// States, one word each: ready, paper_low (it still prints), paper_out, cover_open, offline,
// printer_error (cutter, mechanism), not_responding (connected, no answer) and unreachable (no
// connection, or a device file that cannot be written). A terminal without a printer (a display
// board) sends no header. Malformed or with another word, it is ignored like the outbox report.
inline constexpr const char* kPrinterHeader = "X-Guichet-Printer";
struct PrinterReport {
  std::string state;
  std::int64_t checked_age_s = 0;
  bool operator==(const PrinterReport&) const = default;
};
bool valid_printer_state(std::string_view state);
// Whether the printer in that state prints (ready, paper_low).
bool printer_state_prints(std::string_view state);
std::string format_printer_report(const PrinterReport& report);
std::optional<PrinterReport> parse_printer_report(std::string_view value);

// Times are ISO 8601 strings with the centre's UTC offset.
json to_json(const domain::Token& token, int utc_offset_minutes);
domain::Token token_from_json(const json& j);

json to_json(const domain::WaitEstimate& wait);
domain::WaitEstimate wait_from_json(const json& j);

json to_json(const domain::CounterState& counter);
domain::CounterState counter_state_from_json(const json& j);

// An event as sent on the wire; `seq` is the server's event sequence number (0 = not stored).
struct WireEvent {
  std::uint64_t seq = 0;
  domain::QueueEvent event;
  int counter_number = 0;  // the counter's displayed number, for boards
};
json to_json(const WireEvent& e, int utc_offset_minutes);
WireEvent event_from_json(const json& j);

json to_json(const domain::Catalogue& catalogue);
domain::Catalogue catalogue_from_json(const json& j);

// {"error":{"code":…,"message":…}}
json error_body(const std::string& code, const std::string& message);

}  // namespace guichet::sync
