// Everything the counter app does on the network, off the UI thread. Every queue action is written
// to the terminal's outbox (SQLite) first and sent by the sync engine with its idempotency key;
// the live feed keeps the waiting list current. Results come back to the UI thread through the
// kit's Poster, as values the app applies to its model.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "application_form.hpp"
#include "draft_store.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/ui/app.hpp"
#include "model.hpp"
#include "operator_cache.hpp"
#include "paper.hpp"

namespace guichet::counter {

struct BackendConfig {
  sync::ServerEndpoint endpoint;
  std::string data_dir;  // the terminal's own files: outbox.sqlite, attachments.sqlite, catalogue.json
  std::chrono::milliseconds action_timeout{4000};
  PrinterSetting printer;  // where fee receipts and acknowledgements go
  // How often an idle counter looks at its printer (a paper or a look at start also does), so the
  // centre's dashboard shows an empty roll or an open cover before the next citizen's papers.
  std::chrono::milliseconds printer_look_every{std::chrono::seconds(60)};
  text::Translations translations;  // locales/: the citizen's papers in their language
  ScanPort scanner;                 // the document scanner; none when scan is null
  // How long a PIN the server accepted may be checked here while the server cannot be reached
  // (operators.sqlite); zero: never, every login waits for the server.
  std::chrono::hours offline_login{24 * 7};
  // How long a scanned page stays here once the centre has stored it (zero: its bytes are removed
  // as soon as the centre answers; they are citizens' papers).
  std::chrono::hours keep_sent_pages{0};
};

// What the operator filed, for the printer thread.
struct FilingJob {
  kiosk::FilingInput input;  // its catalogue pointer points into `catalogue`
  std::shared_ptr<const domain::Catalogue> catalogue;
  std::string bearer;  // an operator session sent with the filing, or "" (device credentials only)
  std::map<std::string, std::vector<std::uint8_t>> pages;  // scanned pages' bytes by sha256
  std::string token_display;                               // "A042", or "" for a walk-in
  std::string counter_id;                                  // named on the fee receipt
  domain::Instant paid_at{};                               // when the fee was taken, on the centre's clock
};

struct CatalogueOutcome {
  std::shared_ptr<const domain::Catalogue> catalogue;  // null when neither server nor cache had one
  bool from_cache = false;
  std::int64_t clock_offset_ms = 0;
  std::string message;  // why it failed, or why the cache is used
};

struct LoginOutcome {
  bool ok = false;
  bool unreachable = false;
  // The server could not be reached and the PIN was checked here (no session: queue actions wait
  // until a login at the server opens one).
  bool offline = false;
  std::string session, operator_id, name, role, counter;
  std::string message;  // the server's words when refused
  int retry_after_s = 0;
};

struct SnapshotOutcome {
  bool ok = false;
  QueueSnapshot snapshot;
  std::string message;
};

struct ActionOutcome {
  enum class Kind { Done, Refused, Queued };
  Kind kind = Kind::Queued;
  std::int64_t seq = 0;
  bool late = false;  // the answer to an action that was reported as queued earlier
  std::optional<sync::WireEvent> event;
  std::string message;  // the server's refusal, or what went wrong reading its answer
};

class Backend {
 public:
  using EventHandler = std::function<void(const sync::WireEvent&)>;
  using FeedHandler = std::function<void(bool connected)>;
  using LateHandler = std::function<void(const ActionOutcome&)>;
  using SyncHandler = std::function<void(bool reachable, std::int64_t backlog)>;
  using FilesHandler = std::function<void(std::int64_t waiting)>;  // scanned files not yet sent

  // Opens the outbox and the attachments in data_dir (throws store::DbError with the path if it
  // cannot: a damaged file is never started afresh).
  Backend(BackendConfig config, ui::Poster poster);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // Starts the sync engine, the attachment uploader and the live feed. Handlers run on the UI
  // thread.
  void start(EventHandler on_event, FeedHandler on_feed, LateHandler on_late, SyncHandler on_sync,
             FilesHandler on_files = {});
  void stop();

  // Each call runs on the network worker, in order, and posts `done` to the UI thread.
  void load_catalogue(std::function<void(CatalogueOutcome)> done);
  // Opens a session at the server (at `counter`, or none when "": the PIN is only checked). When
  // the server cannot be reached, the PIN is checked against operators.sqlite: `offline` is set
  // and there is no session. A PIN the server accepts on its own (counter "") is kept there as a hash; one it refuses
  // removes the operator.
  void login(std::string operator_id, std::string pin, std::string counter, std::function<void(LoginOutcome)> done) {
    login(std::move(operator_id), std::move(pin), std::move(counter), true, std::move(done));
  }
  // `offline_check` false: only the server may accept the PIN (an offline session opening the
  // counter at the server).
  void login(std::string operator_id, std::string pin, std::string counter, bool offline_check,
             std::function<void(LoginOutcome)> done);
  void fetch_queue(std::string counter, std::function<void(SnapshotOutcome)> done);
  // A queue action at `counter`: written to the outbox, sent, answered (or reported queued).
  void act(Action action, std::string counter, sync::json body, std::string bearer,
           std::function<void(ActionOutcome)> done);
  // Closes a session (through the outbox too: closing the counter must reach the server).
  void logout(std::string bearer, std::function<void(ActionOutcome)> done);

  // Files an application on the printer's thread: receipt number and outbox entry (never waits on
  // the network), then the fee receipt and the acknowledgement. `done` runs on the UI thread.
  void file_application(FilingJob job, std::function<void(kiosk::FilingResult)> done);

  // ---- the form in progress, kept across a crash (DraftStore) -----------------------------------
  // The draft kept by an earlier run, read on the draft thread: `done` runs on the UI thread with
  // it (nullopt when there is none, or with `problem` when its file could not be read).
  void load_draft(std::function<void(std::optional<DraftStore::Kept> kept, std::string problem)> done);
  // The form's text (draft_json) and the pages it names, kept on the draft thread, never on the
  // UI's: the latest text replaces one not yet written; `new_pages` (scanned since the last call)
  // are written before it. An empty text removes the draft.
  void keep_draft(std::string text, std::vector<std::string> page_ids, std::vector<ScannedPage> new_pages);
  // The draft removed (the operator cancelled the form).
  void clear_draft();
  // A kept draft that could not be restored is moved aside (DraftStore::set_aside).
  void set_draft_aside(std::string why);

  // Whether a document scanner is set for this counter.
  bool can_scan() const { return config_.scanner.available(); }
  // Scans one page on the scanner's own thread (never behind the network or the printer); `done`
  // runs on the UI thread.
  void scan(std::function<void(ScanOutcome)> done);
  // Asks a scan under way to stop (the operator left the form).
  void cancel_scan();

  static std::string action_path(Action action, const std::string& counter);

 private:
  ActionOutcome submit(const std::string& method, const std::string& path, const sync::json& body,
                       const std::string& bearer);
  ActionOutcome outcome_of(const sync::OutboxEntry& entry) const;
  void report_sync();
  void report_files();
  void drop_sent_pages();  // the bytes of pages the centre has, after keep_sent_pages
  void remember_operator(const LoginOutcome& accepted, const std::string& pin);
  void forget_operator(const std::string& operator_id);
  LoginOutcome offline_login(LoginOutcome out, const std::string& operator_id, const std::string& pin);
  void queue_draft_writes();  // under draft_mu_: a write_drafts job, unless one is queued
  void write_drafts();        // on the draft thread: what keep_draft and clear_draft left
  void settle_drafts();       // on the printer thread before filing: no draft write left or under way

  // Looks at the printer (on the printer's thread) and keeps what it found for the centre.
  void look_at_printer();
  void printer_found(std::string_view word);

  BackendConfig config_;
  // What the counter last found of its printer; every request says it (null without a printer).
  std::shared_ptr<sync::PrinterReporter> printer_report_;
  kiosk::PaperText paper_;  // fonts for papers in scripts the printer lacks, opened on first use
  ui::Poster poster_;
  std::unique_ptr<sync::Outbox> outbox_;
  std::unique_ptr<sync::AttachmentStore> attachments_;
  std::unique_ptr<OperatorCache> operators_;  // null when offline logins are off; worker thread only
  std::unique_ptr<sync::AttachmentUploader> uploader_;
  std::unique_ptr<sync::SyncEngine> engine_;
  std::unique_ptr<sync::EventStream> feed_;
  std::unique_ptr<sync::ApiClient> client_;  // used on the worker thread only
  std::unique_ptr<ui::Worker> worker_;
  std::unique_ptr<ui::Worker> printer_worker_;  // filing and printing: never behind a network call
  std::unique_ptr<ui::Ticker> printer_looks_;   // the printer's idle looks; stopped first
  std::unique_ptr<ui::Worker> scanner_worker_;  // scanning: a page takes seconds
  std::unique_ptr<DraftStore> drafts_;
  std::unique_ptr<ui::Worker> draft_worker_;  // the form in progress, written as it changes

  // Draft writes not yet done, coalesced (under draft_mu_).
  struct DraftWrites {
    bool clear = false;
    std::optional<std::pair<std::string, std::vector<std::string>>> text;
    std::vector<ScannedPage> pages;
    bool queued = false;  // a write_drafts job is on the draft thread
  };
  std::mutex draft_mu_;
  DraftWrites draft_writes_;

  std::mutex mu_;
  std::set<std::int64_t> abandoned_;  // entries reported as queued whose answer is still due
  LateHandler on_late_;
  SyncHandler on_sync_;
  FilesHandler on_files_;
};

}  // namespace guichet::counter
