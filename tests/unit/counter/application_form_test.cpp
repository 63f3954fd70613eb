// "New application" at the counter: the form's state, its check, the filing it makes and the paper.
#include "application_form.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "birth_service.hpp"

namespace d = guichet::domain;
namespace k = guichet::kiosk;
using guichet::counter::Action;
using guichet::counter::ApplicationForm;
using guichet::counter::FormStep;
using guichet::counter::Model;
using guichet::counter::PrinterSetting;
using guichet::counter::QueueSnapshot;

namespace {

d::Date date(const char* iso) {
  d::Date out;
  if (!d::parse_date(iso, out)) throw std::invalid_argument(iso);
  return out;
}

// English: the source strings, no catalogue needed.
const guichet::text::Translations& english() {
  static const guichet::text::Translations none;
  return none;
}

// When the fee was taken: 23 November 2026, 10:42 at the centre (this catalogue is on UTC).
d::Instant paid_at() {
  d::Instant t{};
  if (!d::parse_iso("2026-11-23T10:42:00Z", t)) throw std::invalid_argument("paid_at");
  return t;
}

// The test centre, named, whose birth certificate also asks the date of birth (and a name of two
// letters at least), beside an enquiry queue that takes no applications.
std::shared_ptr<const d::Catalogue> catalogue() {
  d::Service birth = guichet::counter::testing::birth_service();
  birth.form[0].min_length = 2;
  d::FormField born;
  born.id = "date-of-birth";
  born.label.by_lang["en"] = "Date of birth";
  born.type = d::FieldType::Date;
  born.required = true;
  birth.form.push_back(born);
  d::Service queue_only = birth;
  queue_only.id = "enquiry";
  queue_only.prefix = "E";
  queue_only.name.by_lang["en"] = "Enquiry";
  queue_only.form.clear();
  queue_only.documents.clear();
  auto c = guichet::counter::testing::centre_with({queue_only, birth});
  c->centre.name.by_lang["en"] = "Ludhiana Sewa Kendra";
  c->centre.address = "Civil Lines, Ludhiana";
  return c;
}

Model logged_in_model() {
  Model m("C1DEV");
  m.set_catalogue(catalogue());
  m.opened("session", "op1", "Asha Verma", "operator", "C1");
  return m;
}

d::Token token(const std::string& service, const std::string& prefix) {
  d::Token t;
  t.prefix = prefix;
  t.number = 42;
  t.id = "LDH01-20261123-" + t.display_number();
  t.service = service;
  t.business_day = "2026-11-23";
  t.state = d::TokenState::Serving;
  t.counter = "C1";
  return t;
}

Model with_citizen(const std::string& service, const std::string& prefix) {
  Model m = logged_in_model();
  QueueSnapshot snap;
  snap.counter = "C1";
  snap.operator_id = "op1";
  snap.current = token(service, prefix);
  m.begin_refresh();
  m.apply_snapshot(snap);
  return m;
}

// Records what the filing wrote and what was printed.
struct FakePort final : k::ApplicationPort {
  std::vector<guichet::sync::json> filed;
  std::string next_receipt(const std::string& centre) override { return k::format_receipt(centre, "C1DEV", 7); }
  void file(const guichet::sync::json& body) override { filed.push_back(body); }
};

}  // namespace

TEST(CounterPrinterSetting, TcpFileOrNone) {
  auto none = guichet::counter::parse_printer_setting("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value().kind, PrinterSetting::Kind::None);
  auto tcp = guichet::counter::parse_printer_setting("tcp:127.0.0.1:9100");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp.value().kind, PrinterSetting::Kind::Tcp);
  EXPECT_EQ(tcp.value().host, "127.0.0.1");
  EXPECT_EQ(tcp.value().port, 9100);
  auto file = guichet::counter::parse_printer_setting("file:/tmp/slips.bin");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file.value().kind, PrinterSetting::Kind::File);
  EXPECT_EQ(file.value().path, "/tmp/slips.bin");
  for (const char* bad : {"tcp:127.0.0.1", "tcp:host:99999", "tcp:host:91x", "file:", "lpt1", "usb:/dev/x"}) {
    auto r = guichet::counter::parse_printer_setting(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
  }
}

TEST(CounterApplication, OfferedWhenTheCounterHasAServiceWithAForm) {
  Model m = logged_in_model();
  EXPECT_TRUE(m.enabled(Action::NewApplication));
  ASSERT_EQ(m.application_services().size(), 1u);
  EXPECT_EQ(m.application_services()[0]->id, "birth");

  Model no_catalogue("C1DEV");
  no_catalogue.opened("session", "op1", "Asha Verma", "operator", "C1");
  EXPECT_FALSE(no_catalogue.enabled(Action::NewApplication));
  EXPECT_NE(no_catalogue.unavailable_reason(Action::NewApplication), "");

  Model busy = logged_in_model();
  busy.busy = "Call next…";
  EXPECT_FALSE(busy.enabled(Action::NewApplication));
}

TEST(CounterApplication, FromTheCalledTokenItsServiceIsChosenAndTheTokenGoesWithIt) {
  Model m = with_citizen("birth", "A");
  ApplicationForm f = guichet::counter::open_application(m);
  EXPECT_EQ(f.step, FormStep::Fill);
  EXPECT_EQ(f.draft.service, "birth");
  EXPECT_EQ(f.draft.token, "LDH01-20261123-A042");
  EXPECT_EQ(f.token_display, "A042");
}

TEST(CounterApplication, WalkInHasNoToken) {
  Model m = logged_in_model();
  ApplicationForm f = guichet::counter::open_application(m);
  EXPECT_TRUE(f.draft.token.empty());
  EXPECT_TRUE(f.token_display.empty());
  EXPECT_EQ(f.operator_id, "op1");  // taken by the operator all the same
  // One service takes applications here: it is chosen already.
  EXPECT_EQ(f.step, FormStep::Fill);
  EXPECT_EQ(f.draft.service, "birth");
}

TEST(CounterApplication, TokenOfAServiceWithoutFormStillGoesWithTheApplication) {
  Model m = with_citizen("enquiry", "E");
  ApplicationForm f = guichet::counter::open_application(m);
  EXPECT_EQ(f.draft.token, "LDH01-20261123-E042");
  EXPECT_EQ(f.draft.service, "birth");
}

TEST(CounterApplication, ChoosingAServiceAgainStartsAnEmptyFormAndKeepsTheToken) {
  Model m = with_citizen("birth", "A");
  ApplicationForm f = guichet::counter::open_application(m);
  f.draft.values["child-name"] = "Aarav";
  guichet::counter::toggle_document(f, "parent-id");
  guichet::counter::choose_service(f, "birth");
  EXPECT_TRUE(f.draft.values.empty());
  EXPECT_TRUE(f.draft.documents.empty());
  EXPECT_EQ(f.draft.token, "LDH01-20261123-A042");
}

TEST(CounterApplication, DocumentsTogglePresentAndMissing) {
  ApplicationForm f = guichet::counter::open_application(logged_in_model());
  guichet::counter::toggle_document(f, "parent-id");
  EXPECT_TRUE(f.draft.documents["parent-id"]);
  guichet::counter::toggle_document(f, "parent-id");
  EXPECT_FALSE(f.draft.documents["parent-id"]);
}

TEST(CounterApplication, FeeInTheCentresCurrency) {
  auto c = catalogue();
  EXPECT_EQ(guichet::counter::fee_text(*c, "birth"), "Rs 50.00");
  EXPECT_EQ(guichet::counter::fee_text(*c, "nope"), "");
}

TEST(CounterApplication, EveryProblemIsShownNextToItsFieldOnlyAfterSaveWasTried) {
  auto c = catalogue();
  ApplicationForm f = guichet::counter::open_application(logged_in_model());
  f.draft.values["child-name"] = "A";
  f.draft.values["date-of-birth"] = "31/02/2026";
  const auto& name = c->service("birth")->form[0];
  const auto& born = c->service("birth")->form[1];
  EXPECT_EQ(guichet::counter::field_problem(f, name), "");
  EXPECT_FALSE(guichet::counter::check_application(f, *c, date("2026-11-23")));
  EXPECT_EQ(guichet::counter::field_problem(f, name), "Please use at least 2 characters.");
  EXPECT_EQ(guichet::counter::field_problem(f, born), "Please enter the date as day/month/year, e.g. 14/04/2026.");

  f.draft.values["child-name"] = "Aarav";
  f.draft.values["date-of-birth"] = "14/04/2026";
  EXPECT_TRUE(guichet::counter::check_application(f, *c, date("2026-11-23")));
  EXPECT_EQ(guichet::counter::field_problem(f, name), "");
  EXPECT_EQ(guichet::counter::field_problem(f, born), "");
}

// The logged-in operator is named in the filing itself: no session goes with it, so one sent after
// the operator logged out is still theirs.
TEST(CounterApplication, FiledThroughTheOutboxAsACounterApplicationWithTokenOperatorAndFee) {
  auto c = catalogue();
  ApplicationForm f = guichet::counter::open_application(with_citizen("birth", "A"));
  f.draft.values["child-name"] = "Aarav";
  f.draft.values["date-of-birth"] = "14/04/2026";
  guichet::counter::toggle_document(f, "hospital-record");
  FakePort port;
  std::vector<std::string> printed;
  k::PrintPort printer;
  printer.ready = [](std::string&) { return true; };
  printer.print = [&](const k::FilingRequest& r, std::string&) {
    auto papers = guichet::counter::build_counter_papers(*c, english(), r, "A042", "C1", paid_at());
    EXPECT_TRUE(papers.ok());
    printed.push_back(r.receipt);
    return papers.ok();
  };
  auto result = k::file_application(port, printer, guichet::counter::filing_input(f, *c, date("2026-11-23")));
  ASSERT_EQ(result.kind, k::FilingResult::Kind::Printed) << result.detail;
  ASSERT_EQ(port.filed.size(), 1u);
  const auto& body = port.filed[0];
  EXPECT_EQ(body["channel"], "counter");
  EXPECT_EQ(body["token"], "LDH01-20261123-A042");
  EXPECT_EQ(body["operator_id"], "op1");
  EXPECT_EQ(body["fee_minor"], 5000);
  EXPECT_EQ(body["receipt"], "LDH01-C1DEV-000007");
  EXPECT_EQ(body["fields"]["date-of-birth"], "2026-04-14");
  EXPECT_EQ(body["documents"][0]["present"], true);
  EXPECT_EQ(body["documents"][1]["present"], false);
  EXPECT_EQ(printed, std::vector<std::string>{"LDH01-C1DEV-000007"});
  const std::string said = guichet::counter::filing_message(result);
  EXPECT_NE(said.find("LDH01-C1DEV-000007"), std::string::npos) << said;
}

TEST(CounterApplication, PrinterFaultKeepsTheApplicationAndSaysTheReceiptNumber) {
  auto c = catalogue();
  ApplicationForm f = guichet::counter::open_application(logged_in_model());
  f.draft.values["child-name"] = "Aarav";
  f.draft.values["date-of-birth"] = "14/04/2026";
  FakePort port;
  k::PrintPort printer;
  printer.ready = [](std::string& problem) {
    problem = "out of paper";
    return false;
  };
  auto result = k::file_application(port, printer, guichet::counter::filing_input(f, *c, date("2026-11-23")));
  EXPECT_EQ(result.kind, k::FilingResult::Kind::NotPrinted);
  ASSERT_EQ(port.filed.size(), 1u);
  EXPECT_FALSE(port.filed[0].contains("token"));
  const std::string said = guichet::counter::filing_message(result);
  EXPECT_NE(said.find("LDH01-C1DEV-000007"), std::string::npos) << said;
  EXPECT_NE(said.find("out of paper"), std::string::npos) << said;
}

TEST(CounterApplication, NothingIsFiledWithProblems) {
  auto c = catalogue();
  ApplicationForm f = guichet::counter::open_application(logged_in_model());
  FakePort port;
  auto result = k::file_application(port, {}, guichet::counter::filing_input(f, *c, date("2026-11-23")));
  EXPECT_EQ(result.kind, k::FilingResult::Kind::Invalid);
  EXPECT_TRUE(port.filed.empty());
}

TEST(CounterApplication, PapersNameTheReceiptAndTheFee) {
  auto c = catalogue();
  k::FilingRequest r;
  r.receipt = "LDH01-C1DEV-000007";
  r.service = "birth";
  r.channel = "counter";
  r.filed_on = date("2026-11-23");
  r.due_on = date("2026-12-02");
  r.fee_minor = 5000;
  r.documents = {{"hospital-record", true}, {"parent-id", false}};
  r.document_order = {"hospital-record", "parent-id"};
  auto papers = guichet::counter::build_counter_papers(*c, english(), r, "A042", "C1", paid_at());
  ASSERT_TRUE(papers.ok()) << papers.error();
  auto has = [](const std::vector<std::uint8_t>& bytes, const std::string& text) {
    return std::search(bytes.begin(), bytes.end(), text.begin(), text.end()) != bytes.end();
  };
  EXPECT_TRUE(has(papers.value().fee_receipt, "Rs 50.00"));
  EXPECT_TRUE(has(papers.value().fee_receipt, "LDH01-C1DEV-000007"));
  EXPECT_TRUE(has(papers.value().fee_receipt, "Counter 1"));
  EXPECT_TRUE(has(papers.value().fee_receipt, "23 November 2026"));
  EXPECT_TRUE(has(papers.value().fee_receipt, "10:42"));
  EXPECT_TRUE(has(papers.value().acknowledgement, "LDH01-C1DEV-000007"));
  EXPECT_TRUE(has(papers.value().acknowledgement, "Parent's identity proof"));
  EXPECT_TRUE(has(papers.value().acknowledgement, "Fee paid: Rs 50.00"));
  EXPECT_FALSE(has(papers.value().acknowledgement, "Hospital discharge record"));

  r.receipt = "";
  EXPECT_FALSE(guichet::counter::build_counter_papers(*c, english(), r, "", "C1", paid_at()).ok());
}

// The citizen at the counter took their token in Hindi (or Urdu, Punjabi): the form opens in their
// language for their papers, and the fee receipt and acknowledgement are printed in it, the text
// the printer's code page lacks drawn as raster images (GS v 0), the receipt number as text, and
// nothing in English.
TEST(CounterApplication, PapersAreInTheCitizensLanguage) {
  auto c = catalogue();
  auto t = k::load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  k::PaperText paper;
  for (const char* language : {"hi", "ur", "pa"}) {
    SCOPED_TRACE(language);
    Model m = with_citizen("birth", "A");
    m.current->token.language = language;
    ApplicationForm f = guichet::counter::open_application(m);
    EXPECT_EQ(f.language, language);
    f.draft.values["child-name"] = "Aarav";
    f.draft.values["date-of-birth"] = "14/04/2026";
    const k::FilingInput in = guichet::counter::filing_input(f, *c, date("2026-11-23"));
    EXPECT_EQ(in.language, language);

    k::FilingRequest r;
    r.receipt = "LDH01-C1DEV-000007";
    r.service = "birth";
    r.language = language;
    r.channel = "counter";
    r.filed_on = date("2026-11-23");
    r.due_on = date("2026-12-02");
    r.fee_minor = 5000;
    r.documents = {{"hospital-record", true}, {"parent-id", false}};
    r.document_order = {"hospital-record", "parent-id"};
    auto papers = guichet::counter::build_counter_papers(*c, t.value(), r, "A042", "C1", paid_at(), &paper);
    ASSERT_TRUE(papers.ok()) << papers.error();
    for (const auto* bytes : {&papers.value().fee_receipt, &papers.value().acknowledgement}) {
      const std::string job(bytes->begin(), bytes->end());
      EXPECT_NE(job.find("\x1dv0"), std::string::npos) << "drawn text";
      EXPECT_NE(job.find("LDH01-C1DEV-000007"), std::string::npos);
      EXPECT_EQ(job.find("Rs 50.00"), std::string::npos) << "not the English fallback";
      EXPECT_EQ(job.find("November"), std::string::npos) << "not the English fallback";
      EXPECT_EQ(job.find("Receipt number"), std::string::npos);
      EXPECT_EQ(job.find("Fee receipt"), std::string::npos);
    }
  }
  EXPECT_EQ(paper.problem(), "");
  // A walk-in (no token) gets English papers unless told otherwise.
  EXPECT_EQ(guichet::counter::open_application(logged_in_model()).language, "en");
}

TEST(CounterApplication, ChoicesAreTypedAsTheirLabelOrId) {
  d::FormField gender;
  gender.id = "gender";
  gender.type = d::FieldType::Choice;
  d::FieldChoice female;
  female.id = "female";
  female.label.by_lang["en"] = "Female";
  d::FieldChoice other;
  other.id = "other-place";
  other.label.by_lang["en"] = "Elsewhere";
  gender.choices = {female, other};
  EXPECT_EQ(guichet::counter::choice_value(gender, "Female"), "female");
  EXPECT_EQ(guichet::counter::choice_value(gender, " FEMALE "), "female");
  EXPECT_EQ(guichet::counter::choice_value(gender, "elsewhere"), "other-place");
  EXPECT_EQ(guichet::counter::choice_value(gender, "Other-Place"), "other-place");
  EXPECT_EQ(guichet::counter::choice_value(gender, "fem"), "fem") << "left for the check to refuse";
  d::FormField yes_no;
  yes_no.type = d::FieldType::YesNo;
  EXPECT_EQ(guichet::counter::choice_value(yes_no, "Yes"), "yes");
  d::FormField text;
  EXPECT_EQ(guichet::counter::choice_value(text, " Aarav "), " Aarav ");
}
