// "New application" at the counter: the operator takes an application for the citizen at the
// counter (their token goes with it) or for a walk-in. The form and the documents checklist are
// plain data here; filing is the kiosk's code (kiosk/filing, channel "counter", the fee collected)
// and the paper is the fee receipt and the acknowledgement slip. No I/O, no clock, no UI.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "application.hpp"
#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/result.hpp"
#include "model.hpp"
#include "paper.hpp"
#include "scan_port.hpp"

namespace guichet::counter {

// Where the counter prints: "tcp:HOST:PORT" (a port-9100 printer or the simulator), "file:PATH",
// or "" for no printer.
struct PrinterSetting {
  enum class Kind { None, Tcp, File };
  Kind kind = Kind::None;
  std::string host;
  int port = 0;
  std::string path;
};
domain::Result<PrinterSetting, std::string> parse_printer_setting(const std::string& text);

enum class FormStep { ChooseService, Fill, Saving, Done };

// A page scanned for a document, held in memory until the application is saved (then kept in the
// terminal's attachments first, and named in the filing).
struct ScannedPage {
  kiosk::DocumentFile file;  // sha256, "image/png", size
  std::vector<std::uint8_t> png;
  int width = 0;
  int height = 0;
};

struct ApplicationForm {
  FormStep step = FormStep::ChooseService;
  std::vector<std::string> services;  // ids offered, catalogue order
  int service_index = 0;              // highlighted while choosing
  kiosk::ApplicationDraft draft;      // service, values, documents, token id, problems
  std::string token_display;          // "A042", or "" for a walk-in
  std::string language = "en";        // the citizen's (their token's), for their papers
  std::string operator_id;            // the logged-in operator who takes it: filed with it
  bool checked = false;               // problems are shown once the operator tried to save
  // Scanned pages per document id, in scan order (draft.files names the same files).
  std::map<std::string, std::vector<ScannedPage>> pages;
  std::string scanning;      // the document being scanned now, "" when none
  std::string scan_message;  // the scanner's last problem, or why a scan was not started
  // Set when the form was restored after the counter stopped (restore_draft): shown under the title
  // until the operator changes something.
  std::string restored_note;
  std::int64_t started_ms = 0;  // when it was opened, terminal clock (kept with the draft)
  // After saving.
  std::string receipt;
  domain::Date due_on{};  // as printed on the acknowledgement
  std::string outcome;    // what happened, for the operator
  bool print_failed = false;
};

// Opens the form from the citizen at the counter (their token; their service chosen already when
// it takes applications) or, with nobody at the counter, for a walk-in.
ApplicationForm open_application(const Model& model);
// The next of the centre's languages for the citizen's papers (after the last, the first again):
// a walk-in tells the operator which they read.
void next_paper_language(ApplicationForm& form, const domain::Catalogue& catalogue);
// Picks the service: an empty form and every document marked missing.
void choose_service(ApplicationForm& form, const std::string& service_id);
// Present ↔ missing. A document with scanned pages stays present (scan_message says why).
void toggle_document(ApplicationForm& form, const std::string& document_id);

// ---- scanned pages (the scanner is a ScanPort, run off the UI thread by the app) ---------------
// Starts a scan for the document: true when it may (the form being filled, no other scan under
// way, room for another page); otherwise false with scan_message saying why.
bool begin_scan(ApplicationForm& form, const std::string& document_id);
// The scan's outcome: a page is added to the document and marks it present; a failure changes
// nothing but scan_message (the scanner's words). Either way the scan is over.
void finish_scan(ApplicationForm& form, const std::string& document_id, const ScanOutcome& outcome);
// Removes a page before saving (the document stays present).
void remove_page(ApplicationForm& form, const std::string& document_id, std::size_t index);
// "1 page", "2 pages".
std::string pages_text(std::size_t n);
// The pages' bytes by sha256: what the terminal keeps before filing.
std::map<std::string, std::vector<std::uint8_t>> page_bytes(const ApplicationForm& form);
// The fee the operator collects, in the centre's currency: "Rs 50.00" ("" for an unknown service).
std::string fee_text(const domain::Catalogue& catalogue, const std::string& service_id);
// A choice as the operator types it: its id or its English label, any case ("Female" → "female");
// yes/no lower-cased. Other fields as typed.
std::string choice_value(const domain::FormField& field, const std::string& typed);
// The draft's values with choices turned into their ids: what is checked and filed.
std::map<std::string, std::string> typed_values(const ApplicationForm& form, const domain::Service& service);
// Checks the form as the server will and keeps every problem in the draft; true when it can be
// saved.
bool check_application(ApplicationForm& form, const domain::Catalogue& catalogue, domain::Date today);
// The problem to show next to a field, in English ("" when none).
std::string field_problem(const ApplicationForm& form, const domain::FormField& field);
// What file_application needs: channel "counter", the token when there is one, the operator who
// took it, the fee collected.
kiosk::FilingInput filing_input(const ApplicationForm& form, const domain::Catalogue& catalogue, domain::Date today);
// Words for the operator after filing. The receipt number is always in them when it was saved.
std::string filing_message(const kiosk::FilingResult& result);

// ---- the draft kept across a crash (docs/counter.md, "A form in progress is kept") -------------
// What of the form is kept while it is being filled: the service, the token, the citizen's
// language, the values as typed, the documents ticked and the scanned pages by SHA-256 (their
// bytes are kept apart, DraftStore). JSON text, version 1. Empty while no service is chosen or
// once the form is saving or done: there is nothing to keep then.
std::string draft_json(const ApplicationForm& form);
// The SHA-256 of every page the draft names.
std::vector<std::string> draft_page_ids(const ApplicationForm& form);
// The form as it was kept, for the operator now logged in (`model`: the counter's services and
// the catalogue as they are now). Each page named is taken from `pages` by its SHA-256; one
// missing there is left out and said in restored_note, as is a service no longer taken here (the
// service is then chosen again, the values kept for it lost). Text that is not a draft of this
// version is refused with what is wrong; nothing is changed.
domain::Result<ApplicationForm, std::string> restore_draft(const std::string& json_text,
                                                           const std::map<std::string, ScannedPage>& pages,
                                                           const Model& model);

// The two papers of a counter filing: the fee receipt, then the acknowledgement slip (ESC/POS).
struct CounterPapers {
  std::vector<std::uint8_t> fee_receipt;
  std::vector<std::uint8_t> acknowledgement;
};
// Both in the citizen's language (`request.language`), drawn with `paper` where the printer's code
// page lacks characters (see kiosk/filing/paper.hpp).
domain::Result<CounterPapers, std::string> build_counter_papers(const domain::Catalogue& catalogue,
                                                                const text::Translations& translations,
                                                                const kiosk::FilingRequest& request,
                                                                const std::string& token_display,
                                                                const std::string& counter_id, domain::Instant paid_at,
                                                                kiosk::PaperText* paper = nullptr);

}  // namespace guichet::counter
