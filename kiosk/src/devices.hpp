// The kiosk's real ports: the receipt printer (hardware/printer), the server through the outbox
// and sync engine (core/sync), and the token slip layout (hardware/receipts).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "application.hpp"
#include "guichet/hardware/printer/receipt_printer.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "guichet/sync/change_feed.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/text/fonts.hpp"
#include "guichet/text/layout.hpp"
#include "issuer.hpp"
#include "kiosk_store.hpp"
#include "paper.hpp"

namespace guichet::kiosk {

std::unique_ptr<hardware::printer::Transport> make_transport(const PrinterSpec& spec);

// The receipt printer. Use from one thread (the kiosk's printer worker). With a reporter, what
// each look and each job found is what the terminal's next request tells the centre.
class HardwarePrinter final : public PrinterPort {
 public:
  explicit HardwarePrinter(std::unique_ptr<hardware::printer::Transport> transport,
                           std::shared_ptr<sync::PrinterReporter> reporter = nullptr);
  PrinterCheck status() override;
  PrinterCheck print(const std::vector<std::uint8_t>& job) override;
  // Called (on the printer's thread) when a look finds another state than the last one.
  void on_change(std::function<void()> f) { on_change_ = std::move(f); }

 private:
  void found(std::string_view word);
  hardware::printer::ReceiptPrinter printer_;
  std::shared_ptr<sync::PrinterReporter> reporter_;
  std::function<void()> on_change_;
};

// Number blocks leased ahead (see ServerTokens).
struct LeaseOptions {
  bool enabled = true;
  // Numbers per lease (the server allows 1 to 200); for a service with a daily cap, at most a
  // tenth of the cap, since numbers leased and not used count against it for every device.
  int block = 30;
  // A service with fewer than block / low_fraction numbers left for today is leased again.
  int low_fraction = 3;
  std::chrono::milliseconds check{30000};   // how often blocks are looked at while nothing happens
  std::chrono::milliseconds timeout{3000};  // one lease request
};

// Tokens from the centre server. Requests go through the outbox (durable first, idempotency key
// "device:seq"); the issue log in KioskStore keeps track of every token the server counted until
// it is delivered or cancelled, across crashes and restarts.
//
// While the centre node is up, a background thread leases a block of numbers of today for every
// service of the cached catalogue (at start, when a block runs low, and every `check`), never on
// the citizen's path. When the node cannot be reached, request() takes the next number of the
// service's block instead (durably, in KioskStore); once the slip is printed (or shown under the
// screen policy) the token is reported through the outbox (kind "token.leased": leased_number,
// issued_at in the server's time, service, priority, language) and uploaded when the node is
// back, where it is queued by its time of issue. A number whose slip was not delivered is void:
// never reported, it stays an unused number of the server's lease and never reaches the queue.
class ServerTokens final : public TokenPort {
 public:
  // `schedule` runs a job on the thread that issues tokens (after the job in progress), so
  // reconciliation never races an issue in flight.
  ServerTokens(sync::SyncEngine& engine, sync::Outbox& outbox, KioskStore& store,
               std::function<void(std::function<void()>)> schedule, std::chrono::milliseconds wait,
               LeaseOptions lease = {});
  ~ServerTokens() override;
  ServerTokens(const ServerTokens&) = delete;
  ServerTokens& operator=(const ServerTokens&) = delete;

  TokenRequest request(const std::string& service, const std::string& priority, const std::string& language) override;
  void delivered(const IssuedToken& token) override;
  CancelOutcome cancel(const IssuedToken& token) override;

  // Called by the sync engine for every answered outbox entry (on its thread).
  void on_complete(const sync::OutboxEntry& entry);
  // Cancels every token the server counted that no citizen holds (run on the issuing thread).
  void reconcile();
  // After a restart: finds token requests written just before a crash, withdraws every abandoned
  // request still waiting in the outbox, then reconciles; settles numbers a crash left between
  // taken and reported; starts leasing ahead.
  void recover();
  // Withdraws the abandoned token request `seq`: its outbox entry, if still pending, is rewritten
  // in place (same sequence, so the same idempotency key) into the same request with
  // "withdrawn": true (kind "token.withdraw"). The centre node then never issues it: it answers
  // {"withdrawn":true} and changes nothing, or, if it had issued it already, the token, which
  // reconcile() cancels. False when the entry was no longer pending (already answered).
  bool withdraw(std::int64_t seq);

  // Number blocks: starts the background leasing (recover() does), or stops it.
  void start_leasing();
  void stop_leasing();
  // One pass of the leasing thread, on the caller's thread: drops blocks of previous days and
  // leases for every service with few numbers left today. Returns the blocks leased.
  int top_up();
  // The server's business day now, as far as the kiosk knows (from its latest block's clock
  // offset and zone; the kiosk's clock and the cached catalogue's zone without one).
  std::string today();
  // Takes the next number of today's block of the service (as issue_token does when the node is
  // unreachable); nullopt when none is left.
  std::optional<IssuedToken> take_leased(const std::string& service, const std::string& priority,
                                         const std::string& language);

 private:
  static std::int64_t now_ms();
  void report_leased(const IssuedToken& token);
  // The answer to a token request (or its withdrawal) in the issue log: a token is recorded (and
  // reconciled if no citizen holds it), a withdrawal marks the request withdrawn.
  void settle_answer(const sync::OutboxEntry& entry);
  void lease_loop();
  void wake_leaser();
  sync::SyncEngine& engine_;
  sync::Outbox& outbox_;
  KioskStore& store_;
  std::function<void(std::function<void()>)> schedule_;
  std::chrono::milliseconds wait_;
  LeaseOptions lease_;
  bool lease_at_start_ = false;  // the catalogue was cached when the kiosk started
  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  bool lease_stop_ = false;
  bool lease_wake_ = false;
  std::atomic<bool> lease_abort_{false};              // abandons a lease request in flight at shutdown
  std::map<std::string, std::string> lease_refused_;  // service -> business day the server refused it
  std::thread leaser_;
};

// Parses {"token":…, "wait":…} (POST /api/v1/tokens).
std::optional<IssuedToken> parse_issue_response(const std::string& body, std::string& problem);

// The token slip's bytes in the citizen's language with its number and date formats; text the
// printer's code page lacks is drawn with `paper` when given. Without it (or when the drawing
// fails) the slip falls back, in this order: the language with plain Latin formats ("Rs 50.00",
// ordinary spaces), then English with plain formats.
std::optional<std::vector<std::uint8_t>> build_slip(const domain::Catalogue& catalogue,
                                                    const text::Translations& translations, const std::string& language,
                                                    const IssuedToken& token, std::string& problem,
                                                    PaperText* paper = nullptr);

// Applications through the outbox: the receipt number from the outbox's durable per-device
// counter, the filing written as an entry of kind "application.file" and sent by the sync engine
// whenever it can. Status lookups ask the server first (a status view is not an action); when it
// cannot be reached they answer from what the kiosk has: its own filings still waiting in the
// outbox, then the last statuses its change feed (its own SQLite file) downloaded from the server.
class ServerApplications final : public ApplicationPort {
 public:
  // `feed_path`: the change feed's file; it pulls every `poll` on its own thread after start().
  ServerApplications(sync::SyncEngine& engine, sync::Outbox& outbox, sync::ServerEndpoint endpoint,
                     const std::string& feed_path, std::chrono::milliseconds poll);
  ~ServerApplications();
  void start();
  void stop();
  void wake_feed() { feed_.wake(); }  // a pull now, not at the next poll
  // Called on the status feed's thread after each of its pulls (every `poll`) with whether the
  // server answered: how the kiosk's screens learn that it went away and that it came back. Set
  // before start().
  void on_server_reached(std::function<void(bool)> callback);
  std::string next_receipt(const std::string& centre_id) override;
  void file(const sync::json& body) override;
  // GET /api/v1/applications/{receipt}, then the kiosk's own copies; blocks up to `timeout` (less
  // when the sync engine already knows the server is out of reach). Call it on a worker thread.
  StatusLookup lookup(const std::string& receipt, std::chrono::milliseconds timeout);

 private:
  std::optional<PublicStatus> waiting_in_outbox(const std::string& receipt);
  std::optional<PublicStatus> last_copy(const std::string& receipt, std::string& problem);
  sync::SyncEngine& engine_;
  sync::Outbox& outbox_;
  sync::ServerEndpoint endpoint_;
  sync::ChangeFeed feed_;
};

// A short test page for staff.
std::vector<std::uint8_t> build_test_page(const domain::Catalogue* catalogue, const std::string& device_id);

}  // namespace guichet::kiosk
