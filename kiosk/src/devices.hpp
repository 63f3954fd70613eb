// The kiosk's real ports: the receipt printer (hardware/printer), the server through the outbox
// and sync engine (core/sync), and the token slip layout (hardware/receipts).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "application.hpp"
#include "guichet/hardware/printer/receipt_printer.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/text/fonts.hpp"
#include "guichet/text/layout.hpp"
#include "issuer.hpp"
#include "kiosk_store.hpp"

namespace guichet::kiosk {

std::unique_ptr<hardware::printer::Transport> make_transport(const PrinterSpec& spec);

// The receipt printer. Use from one thread (the kiosk's printer worker).
class HardwarePrinter final : public PrinterPort {
 public:
  explicit HardwarePrinter(std::unique_ptr<hardware::printer::Transport> transport);
  PrinterCheck status() override;
  PrinterCheck print(const std::vector<std::uint8_t>& job) override;

 private:
  hardware::printer::ReceiptPrinter printer_;
};

// Tokens from the centre server. Requests go through the outbox (durable first, idempotency key
// "device:seq"); the issue log in KioskStore keeps track of every token the server counted until
// it is delivered or cancelled, across crashes and restarts.
class ServerTokens final : public TokenPort {
 public:
  // `schedule` runs a job on the thread that issues tokens (after the job in progress), so
  // reconciliation never races an issue in flight.
  ServerTokens(sync::SyncEngine& engine, sync::Outbox& outbox, KioskStore& store,
               std::function<void(std::function<void()>)> schedule, std::chrono::milliseconds wait);

  TokenRequest request(const std::string& service, const std::string& priority, const std::string& language) override;
  void delivered(const IssuedToken& token) override;
  CancelOutcome cancel(const IssuedToken& token) override;

  // Called by the sync engine for every answered outbox entry (on its thread).
  void on_complete(const sync::OutboxEntry& entry);
  // Cancels every token the server counted that no citizen holds (run on the issuing thread).
  void reconcile();
  // After a restart: finds token requests written just before a crash, then reconciles.
  void recover();

 private:
  static std::int64_t now_ms();
  sync::SyncEngine& engine_;
  sync::Outbox& outbox_;
  KioskStore& store_;
  std::function<void(std::function<void()>)> schedule_;
  std::chrono::milliseconds wait_;
};

// Parses {"token":…, "wait":…} (POST /api/v1/tokens).
std::optional<IssuedToken> parse_issue_response(const std::string& body, std::string& problem);

// Fonts and text engines for the slip text a printer's code page lacks (Gurmukhi, Devanagari,
// Urdu, the rupee sign): hardware/receipts draws it and sends it as raster images. Made on first
// use, since fontconfig takes tens of milliseconds and most slips of a Latin-language centre never
// need it; then kept. Thread-safe: slips are made on the kiosk's worker thread.
class PaperText {
 public:
  // The encode options with the engines; without them (no engines) when the fonts could not be
  // opened, which `problem()` then says (slips fall back as build_slip describes).
  hardware::receipts::EncodeOptions options();
  std::string problem();

 private:
  std::mutex mu_;
  bool tried_ = false;
  std::string problem_;
  std::unique_ptr<text::FontSet> regular_, bold_;
  std::unique_ptr<text::TextEngine> text_, bold_text_;
};

// The token slip's bytes in the citizen's language with its number and date formats; text the
// printer's code page lacks is drawn with `paper` when given. Without it (or when the drawing
// fails) the slip falls back, in this order: the language with plain Latin formats ("Rs 50.00",
// ordinary spaces), then English with plain formats.
std::optional<std::vector<std::uint8_t>> build_slip(const domain::Catalogue& catalogue,
                                                    const text::Translations& translations, const std::string& language,
                                                    const IssuedToken& token, std::string& problem,
                                                    PaperText* paper = nullptr);

// Text for a receipt printer's code page: "₹" written "Rs", no-break spaces as spaces.
std::string plain_for_paper(std::string_view text);

// Applications through the outbox: the receipt number from the outbox's durable per-device
// counter, the filing written as an entry of kind "application.file" and sent by the sync engine
// whenever it can. Status lookups ask the server directly (a status view is not an action).
class ServerApplications final : public ApplicationPort {
 public:
  ServerApplications(sync::SyncEngine& engine, sync::Outbox& outbox, sync::ServerEndpoint endpoint);
  std::string next_receipt(const std::string& centre_id) override;
  void file(const sync::json& body) override;
  // GET /api/v1/applications/{receipt}; blocks up to `timeout` (call it on a worker thread).
  StatusLookup lookup(const std::string& receipt, std::chrono::milliseconds timeout);

 private:
  sync::SyncEngine& engine_;
  sync::Outbox& outbox_;
  sync::ServerEndpoint endpoint_;
};

// The acknowledgement slip's bytes in the citizen's language, drawn with `paper` where the code
// page lacks characters; otherwise as build_slip falls back.
std::optional<std::vector<std::uint8_t>> build_application_slip(
    const domain::Catalogue& catalogue, const text::Translations& translations, const std::string& language,
    const FilingRequest& request, const std::string& token_display, std::string& problem, PaperText* paper = nullptr);

// A short test page for staff.
std::vector<std::uint8_t> build_test_page(const domain::Catalogue* catalogue, const std::string& device_id);

}  // namespace guichet::kiosk
