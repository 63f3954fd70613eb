// Filing an application at the kiosk with fake ports: the form is checked again, nothing is saved
// with a problem, the receipt number and the due date come from local data, the request body
// follows the contract, a printer fault leaves the application saved; and the status answer.
#include "application.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "guichet/config/catalogue_loader.hpp"
#include "po_helpers.hpp"

using namespace guichet;
using namespace guichet::kiosk;
using guichet::kiosk::testing::add_po;

namespace {

std::shared_ptr<const domain::Catalogue> demo() {
  static auto cat = [] {
    auto c = config::load_catalogue(GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml");
    EXPECT_TRUE(c.ok());
    return std::make_shared<const domain::Catalogue>(c.value());
  }();
  return cat;
}

domain::Date day(const char* text) {
  domain::Date d;
  EXPECT_TRUE(domain::parse_date(text, d)) << text;
  return d;
}

class FakeApplications final : public ApplicationPort {
 public:
  std::string next_receipt(const std::string& centre_id) override {
    ++taken;
    return format_receipt(centre_id, "K1", taken);
  }
  void keep_files(const FilingRequest& request) override {
    calls.push_back("keep_files");
    if (fail_files) throw std::runtime_error("attachments: disk I/O error");
    kept = request.files;
  }
  void file(const sync::json& body) override {
    calls.push_back("file");
    if (fail) throw std::runtime_error("database or disk is full");
    filed.push_back(body);
  }
  int taken = 0;
  bool fail = false;
  bool fail_files = false;
  std::vector<sync::json> filed;
  std::vector<std::string> calls;
  std::map<std::string, std::vector<DocumentFile>> kept;
};

DocumentFile page(char hex, std::int64_t bytes = 183422) { return {std::string(64, hex), "image/png", bytes}; }

ApplicationDraft birth_draft() {
  ApplicationDraft d;
  d.service = "birth-certificate";
  d.values = {{"date-of-birth", "14/04/2026"},   {"gender", "female"},           {"place-of-birth", "hospital"},
              {"father-name", "Harpreet Singh"}, {"mother-name", "Simran Kaur"}, {"address", "12 Model Town, Ludhiana"},
              {"mobile", "98140 12345"}};
  d.documents = {{"discharge-slip", true}, {"parents-id", true}};
  return d;
}

FilingInput input(ApplicationDraft draft) {
  FilingInput in;
  in.catalogue = demo().get();
  in.draft = std::move(draft);
  in.language = "pa";
  in.today = day("2026-11-21");
  return in;
}

PrintPort printer(bool ready, bool prints, std::vector<FilingRequest>* printed) {
  PrintPort p;
  p.ready = [ready](std::string& problem) {
    if (!ready) problem = "Printer out of paper";
    return ready;
  };
  p.print = [prints, printed](const FilingRequest& r, std::string& problem) {
    if (!prints) {
      problem = "Printer cover open";
      return false;
    }
    printed->push_back(r);
    return true;
  };
  return p;
}

}  // namespace

TEST(Receipt, FormatAndNormalise) {
  EXPECT_EQ(format_receipt("LDH01", "K1", 42), "LDH01-K1-000042");
  EXPECT_EQ(format_receipt("LDH01", "K1", 1234567), "LDH01-K1-1234567");
  EXPECT_EQ(normalise_receipt(" ldh01-k1-000042\n"), "LDH01-K1-000042");
  EXPECT_EQ(normalise_receipt("LDH01/K1"), "") << "characters a receipt number never has";
  EXPECT_EQ(normalise_receipt(std::string(65, 'A')), "");
}

TEST(Receipt, MoneyAndDates) {
  EXPECT_EQ(format_money(5000, "INR"), "Rs 50.00");
  EXPECT_EQ(format_money(1205, "EUR"), "EUR 12.05");
  EXPECT_EQ(format_money(0, "INR"), "Rs 0.00");
  EXPECT_EQ(display_date(day("2026-12-09")), "9 Dec 2026");
  EXPECT_EQ(display_date(std::string("2026-01-26")), "26 Jan 2026");
  EXPECT_EQ(display_date(std::string("soon")), "soon");
}

TEST(Filing, SavesThenPrintsFromLocalData) {
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto r = file_application(apps, printer(true, true, &printed), input(birth_draft()));
  ASSERT_EQ(r.kind, FilingResult::Kind::Printed) << r.detail;
  EXPECT_EQ(r.receipt, "LDH01-K1-000001");
  // Saturday 21 Nov 2026, 5 working days + 2 at a centre, Sundays off: due Monday 30 Nov.
  EXPECT_EQ(domain::format_date(r.due_on),
            domain::format_date(domain::due_date(demo()->calendar, day("2026-11-21"), 5, domain::Filed::AtCentre)));
  // The late-birth affidavit is optional: never "missing", never asked for.
  EXPECT_EQ(r.missing, (std::vector<std::string>{"address-proof"}));
  EXPECT_EQ(r.fee_minor, 5000);

  ASSERT_EQ(apps.filed.size(), 1u);
  const auto& body = apps.filed[0];
  EXPECT_EQ(body["receipt"], "LDH01-K1-000001");
  EXPECT_EQ(body["service"], "birth-certificate");
  EXPECT_EQ(body["language"], "pa");
  EXPECT_EQ(body["channel"], "kiosk");
  EXPECT_FALSE(body.contains("token"));
  EXPECT_FALSE(body.contains("operator_id")) << "a kiosk filing names no operator";
  EXPECT_EQ(body["filed_on"], "2026-11-21");
  EXPECT_EQ(body["due_on"], domain::format_date(r.due_on));
  EXPECT_EQ(body["fields"]["date-of-birth"], "2026-04-14") << "normalised values are what is filed";
  EXPECT_EQ(body["fields"]["mobile"], "9814012345");
  EXPECT_EQ(body["fee_minor"], 0);
  ASSERT_EQ(body["documents"].size(), 4u);
  EXPECT_EQ(body["documents"][0], (sync::json{{"id", "discharge-slip"}, {"present", true}}));
  EXPECT_EQ(body["documents"][2], (sync::json{{"id", "address-proof"}, {"present", false}}));

  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0].receipt, "LDH01-K1-000001");
}

// Every required document brought, the optional affidavit not: nothing is missing, and the server
// is still told which documents came (the affidavit absent).
TEST(Filing, AnOptionalDocumentLeftAtHomeIsNotMissing) {
  const domain::Service* svc = demo()->service("birth-certificate");
  ASSERT_NE(svc, nullptr);
  const auto affidavit = std::find_if(svc->documents.begin(), svc->documents.end(),
                                      [](const domain::RequiredDocument& d) { return d.id == "late-affidavit"; });
  ASSERT_NE(affidavit, svc->documents.end());
  ASSERT_FALSE(affidavit->required) << "the demo catalogue's affidavit is the optional document of this test";

  auto draft = birth_draft();
  draft.documents["address-proof"] = true;
  EXPECT_TRUE(missing_documents(*svc, draft.documents).empty());
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto r = file_application(apps, printer(true, true, &printed), input(draft));
  ASSERT_EQ(r.kind, FilingResult::Kind::Printed) << r.detail;
  EXPECT_TRUE(r.missing.empty());
  ASSERT_EQ(apps.filed.size(), 1u);
  EXPECT_EQ(apps.filed[0]["documents"][3], (sync::json{{"id", "late-affidavit"}, {"present", false}}));

  // A required document still missing is listed, the optional one never.
  draft.documents["discharge-slip"] = false;
  auto missing = missing_documents(*svc, draft.documents);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]->id, "discharge-slip");
}

TEST(Filing, ProblemsSaveNothingAndNameEveryField) {
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto draft = birth_draft();
  draft.values.erase("father-name");
  draft.values["mobile"] = "12345";
  draft.values["date-of-birth"] = "14/04/2027";
  auto r = file_application(apps, printer(true, true, &printed), input(draft));
  ASSERT_EQ(r.kind, FilingResult::Kind::Invalid);
  std::vector<std::string> fields;
  for (const auto& p : r.problems) fields.push_back(p.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"date-of-birth", "father-name", "mobile"}));
  EXPECT_EQ(apps.taken, 0) << "no receipt number is used up";
  EXPECT_TRUE(apps.filed.empty());
  EXPECT_TRUE(printed.empty());
}

TEST(Filing, PrinterFaultLeavesTheApplicationSaved) {
  for (bool ready : {false, true}) {
    SCOPED_TRACE(ready ? "fails while printing" : "not ready");
    FakeApplications apps;
    std::vector<FilingRequest> printed;
    auto r = file_application(apps, printer(ready, false, &printed), input(birth_draft()));
    EXPECT_EQ(r.kind, FilingResult::Kind::NotPrinted);
    EXPECT_EQ(r.detail, ready ? "Printer cover open" : "Printer out of paper");
    EXPECT_EQ(r.receipt, "LDH01-K1-000001");
    EXPECT_EQ(apps.filed.size(), 1u);
  }
}

TEST(Filing, AnOutboxThatRefusesMeansNothingFiled) {
  FakeApplications apps;
  apps.fail = true;
  std::vector<FilingRequest> printed;
  auto r = file_application(apps, printer(true, true, &printed), input(birth_draft()));
  EXPECT_EQ(r.kind, FilingResult::Kind::Failed);
  EXPECT_EQ(r.detail, "database or disk is full");
  EXPECT_TRUE(printed.empty()) << "no slip for an application that does not exist";
}

TEST(Filing, CounterCarriesTokenAndFee) {
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto in = input(birth_draft());
  in.channel = "counter";
  in.fee_minor = 5000;
  in.draft.token = "LDH01-20261121-A042";
  auto r = file_application(apps, printer(true, true, &printed), in);
  ASSERT_EQ(r.kind, FilingResult::Kind::Printed);
  EXPECT_EQ(apps.filed[0]["channel"], "counter");
  EXPECT_EQ(apps.filed[0]["fee_minor"], 5000);
  EXPECT_EQ(apps.filed[0]["token"], "LDH01-20261121-A042");
}

TEST(Filing, UnknownServiceIsRefused) {
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto draft = birth_draft();
  draft.service = "moon-visa";
  auto r = file_application(apps, printer(true, true, &printed), input(draft));
  EXPECT_EQ(r.kind, FilingResult::Kind::Failed);
  EXPECT_NE(r.detail.find("moon-visa"), std::string::npos);
  EXPECT_TRUE(apps.filed.empty());
}

TEST(ProblemText, InTheCitizensLanguage) {
  text::Translations s;
  add_po(s, "fr",
         "msgid \"Please fill this in.\"\nmsgstr \"Veuillez remplir ce champ.\"\n\n"
         "msgid \"Please use at least {n} character.\"\nmsgid_plural \"Please use at least {n} characters.\"\n"
         "msgstr[0] \"Veuillez utiliser au moins {n} caractère.\"\n"
         "msgstr[1] \"Veuillez utiliser au moins {n} caractères.\"\n");
  const Tr fr(s, "fr"), en(s, "en");
  const auto* svc = demo()->service("birth-certificate");
  const auto* father = svc->field("father-name");
  ASSERT_NE(father, nullptr);
  domain::FieldProblem missing{"father-name", domain::FieldProblemCode::Missing, "Father's name is required."};
  EXPECT_EQ(problem_text(fr, *father, missing), "Veuillez remplir ce champ.");
  domain::FieldProblem shortp{"father-name", domain::FieldProblemCode::TooShort, "too short"};
  EXPECT_EQ(problem_text(fr, *father, shortp), "Veuillez utiliser au moins 2 caractères.");
  EXPECT_EQ(problem_text(en, *father, shortp), "Please use at least 2 characters.");
  const auto* mobile = svc->field("mobile");
  domain::FieldProblem pattern{"mobile", domain::FieldProblemCode::PatternMismatch, "Mobile number ..."};
  EXPECT_EQ(problem_text(en, *mobile, pattern), "Please check the phone number.");
}

TEST(PublicStatus, ParsesTheContractAndRefusesOtherAnswers) {
  std::string problem;
  auto s = parse_public_status(R"({"application":{"receipt":"LDH01-K1-000042","service":"income-certificate",
      "status":"forwarded","filed_on":"2026-11-21","due_on":"2026-12-09","updated_at":"2026-11-22T10:00:00+05:30",
      "history":[{"status":"received","at":"2026-11-21T10:42:00+05:30"},
                 {"status":"forwarded","at":"2026-11-22T10:00:00+05:30","note":"Sent to Tehsildar"}]}})",
                               problem);
  ASSERT_TRUE(s.has_value()) << problem;
  EXPECT_EQ(s->receipt, "LDH01-K1-000042");
  EXPECT_EQ(s->status, "forwarded");
  ASSERT_EQ(s->history.size(), 2u);
  EXPECT_EQ(s->history[1].note, "Sent to Tehsildar");
  EXPECT_EQ(s->history[0].note, "");
  EXPECT_FALSE(parse_public_status(R"({"token":{}})", problem).has_value());
  EXPECT_NE(problem.find("unexpected answer"), std::string::npos);
  EXPECT_FALSE(parse_public_status("not json", problem).has_value());
  EXPECT_EQ(status_label("with_department"), "Being examined by the department");
}

// ---- scanned files on a document (docs/ui.md, "Applications") -----------------------------------

namespace {

FilingRequest request_for_body() {
  FilingRequest r;
  r.receipt = "LDH01-C1-000042";
  r.service = "birth-certificate";
  r.language = "en";
  r.channel = "counter";
  r.token = "LDH01-20261123-A042";
  r.operator_id = "op1";
  r.filed_on = day("2026-11-23");
  r.due_on = day("2026-12-02");
  r.fields = {{"gender", "female"}, {"mobile", "9814012345"}};
  r.documents = {{"discharge-slip", true}, {"parents-id", false}};
  r.document_order = {"discharge-slip", "parents-id"};
  r.fee_minor = 5000;
  return r;
}

}  // namespace

TEST(FilingBody, WithoutFilesItIsByteForByteWhatItWasBefore) {
  const FilingRequest r = request_for_body();
  // The text terminals wrote before documents had files: keys sorted, no "files" key anywhere.
  const std::string before =
      R"({"channel":"counter","documents":[{"id":"discharge-slip","present":true},{"id":"parents-id","present":false}],)"
      R"("due_on":"2026-12-02","fee_minor":5000,"fields":{"gender":"female","mobile":"9814012345"},)"
      R"("filed_on":"2026-11-23","language":"en","operator_id":"op1","receipt":"LDH01-C1-000042",)"
      R"("service":"birth-certificate","token":"LDH01-20261123-A042"})";
  EXPECT_EQ(application_body(r).dump(), before);
  EXPECT_EQ(application_body_text(r), before);
  // An empty list of files is no files.
  FilingRequest empty = r;
  empty.files["discharge-slip"] = {};
  EXPECT_EQ(application_body_text(empty), before);
}

TEST(FilingBody, FilesAreWrittenInScanOrderWithTheContractsKeyOrder) {
  FilingRequest r = request_for_body();
  r.files["discharge-slip"] = {page('b', 183422), {std::string(64, 'a'), "image/jpeg", 512}};
  const std::string text = application_body_text(r);
  EXPECT_NE(text.find(R"({"id":"discharge-slip","present":true,"files":[{"sha256":")" + std::string(64, 'b') +
                      R"(","media_type":"image/png","bytes":183422},{"sha256":")" + std::string(64, 'a') +
                      R"(","media_type":"image/jpeg","bytes":512}]},{"id":"parents-id","present":false}])"),
            std::string::npos)
      << text;
  // Everything else as before, and the same content as application_body.
  EXPECT_TRUE(text.starts_with(R"({"channel":"counter","documents":[)")) << text;
  EXPECT_EQ(sync::json::parse(text), application_body(r));
  EXPECT_EQ(application_body(r)["documents"][0]["files"][1]["media_type"], "image/jpeg");
  EXPECT_FALSE(application_body(r)["documents"][1].contains("files"));
}

TEST(FilingFiles, TheTerminalRefusesWhatTheCentreWouldRefuse) {
  FilingRequest r = request_for_body();
  EXPECT_EQ(check_document_files(r), "");
  r.files["discharge-slip"] = {page('a')};
  EXPECT_EQ(check_document_files(r), "");

  FilingRequest missing = r;
  missing.files["parents-id"] = {page('c')};
  EXPECT_EQ(check_document_files(missing), "documents[1] has files and must be present");

  FilingRequest bad = r;
  bad.files["discharge-slip"] = {page('a'), page('A')};
  EXPECT_EQ(check_document_files(bad), "documents[0].files[1].sha256 must be 64 lower-case hex digits");
  bad.files["discharge-slip"] = {page('a'), page('a')};
  EXPECT_EQ(check_document_files(bad), "documents[0].files[1].sha256 names a file already in this filing");
  bad.files["discharge-slip"] = {{std::string(64, 'a'), "image/gif", 10}};
  EXPECT_EQ(check_document_files(bad),
            "documents[0].files[0].media_type must be one of image/png, image/jpeg, application/pdf");
  bad.files["discharge-slip"] = {page('a', 0)};
  EXPECT_EQ(check_document_files(bad), "documents[0].files[0].bytes must be from 1 to 8388608");
  bad.files["discharge-slip"] = {page('a', kMaxFileBytes + 1)};
  EXPECT_NE(check_document_files(bad), "");

  FilingRequest many = r;
  many.files["discharge-slip"].clear();
  for (int i = 0; i < 21; ++i) {
    char hex[65];
    std::snprintf(hex, sizeof hex, "%064x", i);
    many.files["discharge-slip"].push_back({hex, "image/png", 100});
  }
  EXPECT_EQ(check_document_files(many), "documents[0].files has 21 files; at most 20");
  many.files["discharge-slip"].pop_back();
  EXPECT_EQ(check_document_files(many), "");

  FilingRequest elsewhere = r;
  elsewhere.files["moon-rock"] = {page('d')};
  EXPECT_NE(check_document_files(elsewhere).find("moon-rock"), std::string::npos);
}

TEST(FilingFiles, TheFilesAreKeptBeforeTheFilingThatNamesThem) {
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto draft = birth_draft();
  draft.files["discharge-slip"] = {page('1'), page('2', 2048)};
  auto r = file_application(apps, printer(true, true, &printed), input(draft));
  ASSERT_EQ(r.kind, FilingResult::Kind::Printed) << r.detail;
  EXPECT_EQ(apps.calls, (std::vector<std::string>{"keep_files", "file"}));
  EXPECT_EQ(apps.kept.at("discharge-slip"), draft.files["discharge-slip"]);
  ASSERT_EQ(apps.filed.size(), 1u);
  const auto& files = apps.filed[0]["documents"][0]["files"];
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0]["sha256"], std::string(64, '1'));
  EXPECT_EQ(files[1]["bytes"], 2048);
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0].files.at("discharge-slip").size(), 2u) << "the paper may say how many pages were scanned";
}

TEST(FilingFiles, FilesThatCannotBeKeptMeanNothingFiled) {
  FakeApplications apps;
  apps.fail_files = true;
  std::vector<FilingRequest> printed;
  auto draft = birth_draft();
  draft.files["discharge-slip"] = {page('1')};
  auto r = file_application(apps, printer(true, true, &printed), input(draft));
  EXPECT_EQ(r.kind, FilingResult::Kind::Failed);
  EXPECT_EQ(r.detail, "attachments: disk I/O error");
  EXPECT_TRUE(apps.filed.empty());
  EXPECT_TRUE(printed.empty());
}

TEST(FilingFiles, ADocumentWithFilesThatIsNotPresentIsRefusedAndNothingSaved) {
  FakeApplications apps;
  std::vector<FilingRequest> printed;
  auto draft = birth_draft();
  draft.documents["discharge-slip"] = false;
  draft.files["discharge-slip"] = {page('1')};
  auto r = file_application(apps, printer(true, true, &printed), input(draft));
  EXPECT_EQ(r.kind, FilingResult::Kind::Failed);
  EXPECT_EQ(r.detail, "documents[0] has files and must be present");
  EXPECT_EQ(apps.taken, 0) << "no receipt number is used up";
  EXPECT_TRUE(apps.calls.empty());
}
