// Applications at the kiosk: the citizen's draft, filing it offline-first (receipt number from the
// terminal's outbox, due date from the centre's calendar, the request durable in the outbox, then
// the acknowledgement slip printed from the local data), and looking up where an application
// stands. Pure logic and ports; the real ports are in devices.hpp. Runs on worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guichet/domain/calendar.hpp"
#include "guichet/domain/form.hpp"
#include "guichet/sync/protocol.hpp"
#include "i18n.hpp"

namespace guichet::kiosk {

// One file scanned for a document (one page), as a filing names it: the SHA-256 of its bytes (64
// lower-case hex digits), its media type ("image/png", "image/jpeg", "application/pdf") and its
// size. The bytes travel on their own (PUT /api/v1/attachments/{sha256}, docs/sync.md).
struct DocumentFile {
  std::string sha256;
  std::string media_type;
  std::int64_t bytes = 0;
  bool operator==(const DocumentFile&) const = default;
};
inline constexpr std::size_t kMaxFilesPerDocument = 20;
inline constexpr std::size_t kMaxFilesPerFiling = 60;
inline constexpr std::int64_t kMaxFileBytes = 8 * 1024 * 1024;

// What a citizen (or an operator) entered so far for one application.
struct ApplicationDraft {
  std::string service;
  std::map<std::string, std::string> values;   // field id → value as typed
  std::map<std::string, bool> documents;       // document id → present
  std::size_t field = 0;                       // the field being filled in
  bool from_review = false;                    // editing one field from the review: go back there
  std::vector<domain::FieldProblem> problems;  // from the last check
  std::string token;                           // the queue token it came from ("" at a kiosk)
  // Document id → the files scanned for it (at a counter), in scan order.
  std::map<std::string, std::vector<DocumentFile>> files;
};

// The problem of one field in the draft's last check, or nullptr.
const domain::FieldProblem* problem_of(const ApplicationDraft& draft, const std::string& field_id);
// Required documents of the service that are not ticked present, in catalogue order. Optional ones
// (required = false) are never missing: the citizen is not asked to bring them, and without the
// required ones missing the slip says that all required documents were received.
std::vector<const domain::RequiredDocument*> missing_documents(const domain::Service& service,
                                                               const std::map<std::string, bool>& documents);

// What a filing request carries (see the applications contract in docs/ui.md).
struct FilingRequest {
  std::string receipt;
  std::string service;
  std::string language;
  std::string channel;      // "kiosk" | "counter"
  std::string token;        // optional
  std::string operator_id;  // the operator who took it at a counter ("" at a kiosk)
  domain::Date filed_on;
  domain::Date due_on;
  std::map<std::string, std::string> fields;  // normalised values
  std::map<std::string, bool> documents;      // every document of the service
  std::vector<std::string> document_order;    // the service's order
  // Document id → the files scanned for it, in scan order (none for most documents).
  std::map<std::string, std::vector<DocumentFile>> files;
  std::int64_t fee_minor = 0;
};
// The body of POST /api/v1/applications. A document with files carries them as `files` (the
// order scanned); one without has no `files` key.
sync::json application_body(const FilingRequest& request);
// The body as the terminal writes it to its outbox: application_body's text (keys sorted), except
// that a document entry with files is written {"id", "present", "files"} and each file {"sha256",
// "media_type", "bytes"}, in that key order (the contract's, so a resent body has the same
// fingerprint). A body without files is byte for byte application_body(request).dump().
std::string application_body_text(const FilingRequest& request);
// The terminal's check of the files before a filing is saved, as the centre checks them: a file
// only on a document of the service that is present, a valid sha256 / media type / size, at most
// kMaxFilesPerDocument per document and kMaxFilesPerFiling in all, no sha256 twice. The problem
// names where ("documents[1].files[0].sha256 must be 64 lower-case hex digits"), "" when none.
std::string check_document_files(const FilingRequest& request);

// The receipt number: "<centre>-<device>-<n>", n zero-padded to 6 digits (more when needed).
std::string format_receipt(const std::string& centre_id, const std::string& device_id, std::int64_t n);
// A receipt number as typed or scanned: spaces dropped, letters upper-cased. Empty when it cannot
// be one (characters other than letters, digits and '-', or longer than 64).
std::string normalise_receipt(const std::string& text);

// "Rs 50.00" (INR) or "EUR 12.50": Latin text that any receipt printer's code page can print (the
// counter's receipts, and the kiosk's paper when the language's own format cannot be printed).
// Screens use Tr::money instead.
std::string format_money(std::int64_t minor, const std::string& currency);
// "21 Nov 2026": Latin, for paper and the counter (screens use Tr::date).
std::string display_date(domain::Date d);
// "21 Nov 2026" from "2026-11-21", or the text itself when it is not a date.
std::string display_date(const std::string& iso_date);

// A form problem for the citizen, in their language: "Please fill this in", "Use at least 2
// characters", … (the catalogue's English sentence when the code has no sentence of its own).
std::string problem_text(const Tr& t, const domain::FormField& field, const domain::FieldProblem& problem);

// The outcome of filing.
struct FilingResult {
  enum class Kind {
    Printed,     // saved in the outbox and the acknowledgement printed
    NotPrinted,  // saved in the outbox; the printer failed (detail says why)
    Invalid,     // the form has problems: nothing saved
    Failed,      // could not be saved (the outbox refused it): nothing filed
  };
  Kind kind = Kind::Failed;
  std::string receipt;
  domain::Date filed_on;
  domain::Date due_on;
  std::vector<std::string> missing;  // ids of required documents not present
  std::int64_t fee_minor = 0;        // the fee to pay (kiosk) or paid (counter)
  std::vector<domain::FieldProblem> problems;
  std::string detail;  // the printer's words, or what failed
};

// The terminal's side of filing: the receipt counter and the outbox.
class ApplicationPort {
 public:
  virtual ~ApplicationPort() = default;
  virtual std::string next_receipt(const std::string& centre_id) = 0;
  // Keeps, durably, the bytes of every file the filing names (request.files), before file() is
  // called: after any crash, every file a saved filing names is on this terminal's disk. Throws
  // when it cannot; nothing is filed then. Terminals that scan nothing keep nothing.
  virtual void keep_files(const FilingRequest& /*request*/) {}
  // Writes the filing to the outbox, durably; throws when it cannot.
  virtual void file(const sync::json& body) = 0;
  // What file_application calls: file(application_body(request)). A terminal that writes files
  // writes application_body_text(request) instead, whose file entries keep the contract's order.
  virtual void file_request(const FilingRequest& request) { file(application_body(request)); }
};

struct PrintPort {
  std::function<bool(std::string& problem)> ready;  // printer status before printing
  // Prints the paper for the filed application; false with the problem when it did not come out.
  std::function<bool(const FilingRequest& request, std::string& problem)> print;
};

struct FilingInput {
  const domain::Catalogue* catalogue = nullptr;
  ApplicationDraft draft;
  std::string language = "en";
  std::string channel = "kiosk";
  std::string operator_id;  // at a counter: the logged-in operator, recorded with the filing
  std::int64_t fee_minor = 0;
  domain::Date today;
};

// Checks the form (and the scanned files) again, takes the receipt number, computes the due date,
// keeps the files, writes the request to the outbox and prints. Nothing is saved when the form has problems. Never
// waits on the network.
FilingResult file_application(ApplicationPort& port, const PrintPort& printer, const FilingInput& in);

// ---- where an application stands (GET /api/v1/applications/{receipt}) -------------------------

struct StatusEvent {
  std::string status;
  std::string at;  // ISO 8601 with offset
  std::string note;
};

struct PublicStatus {
  std::string receipt, service, status, filed_on, due_on, updated_at;
  std::vector<StatusEvent> history;
};
// Parses {"application":{…public status…}}; nullopt with the problem when it is not one.
std::optional<PublicStatus> parse_public_status(const std::string& body, std::string& problem);

struct StatusLookup {
  enum class Kind {
    Found,
    Unknown,      // 404 unknown_application
    Unreachable,  // no answer, or an answer that is not a status
  };
  Kind kind = Kind::Unreachable;
  // Where a Found status comes from: the server, or (server out of reach) this kiosk's own filing
  // still waiting in its outbox, or the last status the kiosk's change feed downloaded.
  enum class Source { Server, ThisKiosk, LastCopy };
  Source source = Source::Server;
  std::string receipt;
  PublicStatus status;
  std::string detail;  // for logs: what failed (no personal data)
};

// "Received at the centre", "Sent to the department", …: the English text of a status (marked for
// extraction), for Tr::tr.
std::string status_label(const std::string& status);

}  // namespace guichet::kiosk
