// Pages scanned for an application's documents at the counter, with a fake scanner port: a page
// is added to its document and marks it present, a failure changes nothing and shows the
// scanner's sentence, a page can be removed; and saving keeps every page in attachments.sqlite
// before the filing naming them is in outbox.sqlite (both read back from the disk).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdexcept>

#include "application_form.hpp"
#include "birth_service.hpp"
#include "filing_port.hpp"
#include "guichet/testing/filing.hpp"
#include "guichet/testing/process.hpp"
#include "scan_port.hpp"

namespace d = guichet::domain;
namespace k = guichet::kiosk;
namespace gs = guichet::sync;
using guichet::counter::ApplicationForm;
using guichet::counter::CounterFilingPort;
using guichet::counter::FormStep;
using guichet::counter::ScanOutcome;
using guichet::counter::ScanPort;
using guichet::testing::TempDir;

namespace {

std::shared_ptr<const d::Catalogue> catalogue() {
  return guichet::counter::testing::centre_with({guichet::counter::testing::birth_service()});
}

ApplicationForm birth_form() {
  ApplicationForm form;
  form.services = {"birth"};
  form.operator_id = "op1";
  guichet::counter::choose_service(form, "birth");
  form.draft.values["child-name"] = "Simran";
  return form;
}

std::vector<std::uint8_t> png_page(std::uint8_t fill) { return guichet::testing::sample_page_bytes(2000, fill); }

// A scanner that gives the pages or problems it is told, in order.
struct FakeScanner {
  std::vector<ScanOutcome> outcomes;
  int scans = 0;
  ScanPort port() {
    return {[this] { return outcomes.at(static_cast<std::size_t>(scans++)); }, [] {}};
  }
};

ScanOutcome page(std::uint8_t fill) { return {true, png_page(fill), 1654, 2339, ""}; }
ScanOutcome problem(const std::string& sentence) { return {false, {}, 0, 0, sentence}; }

// What the app does with the port: begin (on the UI thread), scan (off it), finish (on it).
bool scan(ApplicationForm& form, const ScanPort& port, const std::string& document) {
  if (!guichet::counter::begin_scan(form, document)) return false;
  EXPECT_EQ(form.scanning, document) << "the screen says Scanning… meanwhile";
  guichet::counter::finish_scan(form, document, port.scan());
  EXPECT_EQ(form.scanning, "");
  return true;
}

}  // namespace

TEST(CounterScannedPages, AScanAddsAPageToTheDocumentAndMarksItPresent) {
  FakeScanner scanner;
  scanner.outcomes = {page(1), page(2)};
  ApplicationForm form = birth_form();
  EXPECT_FALSE(form.draft.documents["hospital-record"]);
  ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  EXPECT_TRUE(form.draft.documents["hospital-record"]);
  ASSERT_EQ(form.pages["hospital-record"].size(), 1u);
  const auto& first = form.pages["hospital-record"][0];
  EXPECT_EQ(first.file.sha256, gs::sha256_hex(png_page(1)));
  EXPECT_EQ(first.file.media_type, "image/png");
  EXPECT_EQ(first.file.bytes, 2000);
  EXPECT_EQ(first.width, 1654);
  ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  EXPECT_EQ(guichet::counter::pages_text(form.pages["hospital-record"].size()), "2 pages");
  EXPECT_EQ(guichet::counter::pages_text(1), "1 page");
  // The draft names the files in scan order: what the filing will carry.
  ASSERT_EQ(form.draft.files["hospital-record"].size(), 2u);
  EXPECT_EQ(form.draft.files["hospital-record"][1].sha256, gs::sha256_hex(png_page(2)));
  EXPECT_FALSE(form.draft.documents["parent-id"]);
  EXPECT_EQ(form.draft.files.count("parent-id"), 0u);
}

TEST(CounterScannedPages, AFailedScanChangesNothingAndShowsTheScannersSentence) {
  FakeScanner scanner;
  scanner.outcomes = {page(1), problem("Paper jammed in the scanner")};
  ApplicationForm form = birth_form();
  ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  const auto pages_before = form.draft.files;
  const auto documents_before = form.draft.documents;
  ASSERT_TRUE(scan(form, scanner.port(), "parent-id"));
  EXPECT_EQ(form.scan_message, "Paper jammed in the scanner");
  EXPECT_EQ(form.draft.files, pages_before);
  EXPECT_EQ(form.draft.documents, documents_before);
  EXPECT_FALSE(form.draft.documents["parent-id"]);
  EXPECT_EQ(form.pages.count("parent-id"), 0u);
}

TEST(CounterScannedPages, OneScanAtATimeAndTheSamePageIsNotAddedTwice) {
  FakeScanner scanner;
  scanner.outcomes = {page(1), page(1)};
  ApplicationForm form = birth_form();
  ASSERT_TRUE(guichet::counter::begin_scan(form, "hospital-record"));
  EXPECT_FALSE(guichet::counter::begin_scan(form, "parent-id"));
  EXPECT_NE(form.scan_message.find("Wait"), std::string::npos);
  guichet::counter::finish_scan(form, "hospital-record", scanner.port().scan());
  ASSERT_TRUE(scan(form, scanner.port(), "parent-id"));
  EXPECT_EQ(form.pages.count("parent-id"), 0u) << "the centre refuses the same file twice in one filing";
  EXPECT_NE(form.scan_message.find("same as one scanned already"), std::string::npos);
}

TEST(CounterScannedPages, APageCanBeRemovedBeforeSaving) {
  FakeScanner scanner;
  scanner.outcomes = {page(1), page(2), page(3)};
  ApplicationForm form = birth_form();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  guichet::counter::remove_page(form, "hospital-record", 1);
  ASSERT_EQ(form.draft.files["hospital-record"].size(), 2u);
  EXPECT_EQ(form.draft.files["hospital-record"][0].sha256, gs::sha256_hex(png_page(1)));
  EXPECT_EQ(form.draft.files["hospital-record"][1].sha256, gs::sha256_hex(png_page(3)));
  EXPECT_EQ(guichet::counter::page_bytes(form).size(), 2u);
  // A document with pages stays present; once they are all gone the operator may mark it missing.
  guichet::counter::toggle_document(form, "hospital-record");
  EXPECT_TRUE(form.draft.documents["hospital-record"]);
  guichet::counter::remove_page(form, "hospital-record", 1);
  guichet::counter::remove_page(form, "hospital-record", 0);
  EXPECT_EQ(form.draft.files.count("hospital-record"), 0u);
  EXPECT_EQ(form.pages.count("hospital-record"), 0u);
  guichet::counter::toggle_document(form, "hospital-record");
  EXPECT_FALSE(form.draft.documents["hospital-record"]);
}

TEST(CounterScannedPages, APageThatComesBackAfterTheFormWasSavedIsNotAdded) {
  FakeScanner scanner;
  scanner.outcomes = {page(1)};
  ApplicationForm form = birth_form();
  ASSERT_TRUE(guichet::counter::begin_scan(form, "hospital-record"));
  form.step = FormStep::Saving;
  guichet::counter::finish_scan(form, "hospital-record", scanner.port().scan());
  EXPECT_TRUE(form.pages.empty());
  EXPECT_TRUE(form.draft.files.empty());
}

// ---- saving: attachments first, then the outbox ---------------------------------------------------

namespace {

struct SavedFiles {
  TempDir dir;
  std::string outbox_path() const { return (dir / "outbox.sqlite").string(); }
  std::string attachments_path() const { return (dir / "attachments.sqlite").string(); }
};

k::PrintPort no_printer() {
  k::PrintPort p;
  p.ready = [](std::string& problem) {
    problem = "no printer is set for this counter";
    return false;
  };
  return p;
}

}  // namespace

TEST(CounterFilingPort, SavingKeepsEveryPageOnDiskBeforeTheFilingThatNamesThem) {
  FakeScanner scanner;
  scanner.outcomes = {page(1), page(2), page(3)};
  ApplicationForm form = birth_form();
  ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  ASSERT_TRUE(scan(form, scanner.port(), "parent-id"));
  auto cat = catalogue();
  SavedFiles files;
  int sync_woken = 0, uploader_woken = 0;
  std::vector<std::string> order;
  {
    gs::OutboxOptions o;
    o.first_seq = 1;
    gs::Outbox outbox(files.outbox_path(), "C1DEV", o);
    gs::AttachmentStore attachments(files.attachments_path());
    CounterFilingPort port(
        outbox, attachments, "", guichet::counter::page_bytes(form),
        [&] {
          ++sync_woken;
          order.push_back("outbox");
          // When the filing reaches the outbox, its pages are on disk already.
          gs::AttachmentStore check(files.attachments_path());
          for (const auto& [id, list] : form.draft.files)
            for (const auto& f : list) EXPECT_TRUE(check.get(f.sha256)) << f.sha256;
        },
        [&] {
          ++uploader_woken;
          order.push_back("attachments");
        });
    auto in = guichet::counter::filing_input(
        form, *cat, d::Date{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{23}});
    const auto result = k::file_application(port, no_printer(), in);
    ASSERT_EQ(result.kind, k::FilingResult::Kind::NotPrinted) << result.detail;
  }
  EXPECT_EQ(order, (std::vector<std::string>{"attachments", "outbox"}));
  // Both files read back from the disk, as after a restart.
  gs::AttachmentStore attachments(files.attachments_path());
  EXPECT_EQ(attachments.pending_count(), 3);
  const auto pending = attachments.pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].sha256, gs::sha256_hex(png_page(1)));
  EXPECT_EQ(pending[2].sha256, gs::sha256_hex(png_page(3)));
  EXPECT_EQ(*attachments.content(pending[1].sha256), png_page(2));
  gs::Outbox outbox(files.outbox_path(), "C1DEV");
  const auto entries = outbox.pending();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kind, "application.file");
  EXPECT_EQ(entries[0].path, "/api/v1/applications");
  // The body names the files in scan order, keys in the contract's order.
  const std::string expected_record = R"({"id":"hospital-record","present":true,"files":[{"sha256":")" +
                                      gs::sha256_hex(png_page(1)) + R"(","media_type":"image/png","bytes":2000},)";
  EXPECT_NE(entries[0].body.find(expected_record), std::string::npos) << entries[0].body;
  const auto body = gs::json::parse(entries[0].body);
  EXPECT_EQ(body["documents"][0]["files"].size(), 2u);
  EXPECT_EQ(body["documents"][1]["files"][0]["sha256"], gs::sha256_hex(png_page(3)));
  EXPECT_EQ(body["documents"][1]["present"], true);
}

TEST(CounterFilingPort, APageThatCannotBeKeptMeansNothingFiled) {
  FakeScanner scanner;
  scanner.outcomes = {page(1)};
  ApplicationForm form = birth_form();
  ASSERT_TRUE(scan(form, scanner.port(), "hospital-record"));
  auto cat = catalogue();
  SavedFiles files;
  {
    gs::Outbox outbox(files.outbox_path(), "C1DEV");
    gs::AttachmentStore attachments(files.attachments_path());
    // The page's bytes are not at hand (lost between the form and the save).
    CounterFilingPort port(outbox, attachments, "", {}, nullptr, nullptr);
    auto in = guichet::counter::filing_input(
        form, *cat, d::Date{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{23}});
    const auto result = k::file_application(port, no_printer(), in);
    EXPECT_EQ(result.kind, k::FilingResult::Kind::Failed);
    EXPECT_NE(result.detail.find("scan it again"), std::string::npos) << result.detail;
  }
  gs::Outbox outbox(files.outbox_path(), "C1DEV");
  EXPECT_EQ(outbox.pending_count(), 0);
}

TEST(CounterFilingPort, AFilingWithoutPagesIsWrittenAsBefore) {
  ApplicationForm form = birth_form();
  form.draft.documents["hospital-record"] = true;
  auto cat = catalogue();
  SavedFiles files;
  gs::OutboxOptions o;
  o.first_seq = 1;
  gs::Outbox outbox(files.outbox_path(), "C1DEV", o);
  gs::AttachmentStore attachments(files.attachments_path());
  CounterFilingPort port(outbox, attachments, "", {}, nullptr, nullptr);
  auto in = guichet::counter::filing_input(
      form, *cat, d::Date{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{23}});
  const auto result = k::file_application(port, no_printer(), in);
  ASSERT_EQ(result.kind, k::FilingResult::Kind::NotPrinted) << result.detail;
  const auto entries = outbox.pending();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].body, gs::json::parse(entries[0].body).dump()) << "keys sorted, no files key";
  EXPECT_EQ(entries[0].body.find("files"), std::string::npos);
  EXPECT_EQ(attachments.pending_count(), 0);
}

TEST(CounterModel, ScannedPagesWaitingToUploadAreShown) {
  guichet::counter::Model m("C1DEV");
  EXPECT_EQ(m.files_status(), "");
  m.files_waiting = 1;
  EXPECT_EQ(m.files_status(), "1 scanned page waiting to upload");
  m.files_waiting = 3;
  EXPECT_EQ(m.files_status(), "3 scanned pages waiting to upload");
}
