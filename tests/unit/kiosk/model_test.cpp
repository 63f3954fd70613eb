#include "model.hpp"

#include <gtest/gtest.h>

#include "guichet/config/catalogue_loader.hpp"

using namespace guichet;
using namespace guichet::kiosk;
using K = Action::Kind;

namespace {

std::shared_ptr<const domain::Catalogue> demo() {
  static auto cat = [] {
    auto c = config::load_catalogue(GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml");
    EXPECT_TRUE(c.ok());
    return std::make_shared<const domain::Catalogue>(c.value());
  }();
  return cat;
}

const Clock::time_point t0{};

KioskModel ready(PrinterPolicy p = PrinterPolicy::Stop) {
  KioskModel m(p);
  m.on_catalogue(demo(), false);
  return m;
}

}  // namespace

TEST(KioskModel, HappyPathWithPriority) {
  KioskModel m = ready();
  EXPECT_EQ(m.state().step, Step::Language);
  EXPECT_EQ(m.state().language, "en") << "the catalogue's first language";
  EXPECT_TRUE(m.apply({K::ChooseLanguage, "fr"}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Menu);
  EXPECT_EQ(m.state().language, "fr");
  EXPECT_TRUE(m.apply({K::ChooseMenu, "token"}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Service);
  EXPECT_TRUE(m.apply({K::ChooseService, "birth-certificate"}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Priority);
  auto effects = m.apply({K::ChoosePriority, "elderly"}, t0);
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::Issue);
  EXPECT_EQ(effects[0].service, "birth-certificate");
  EXPECT_EQ(effects[0].priority, "elderly");
  EXPECT_EQ(effects[0].language, "fr");
  EXPECT_EQ(m.state().step, Step::Issuing);
  EXPECT_FALSE(m.idle_applies()) << "never time out in the middle of issuing";
  EXPECT_TRUE(m.apply({K::StartOver, {}}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Issuing);

  IssueResult r;
  r.kind = IssueResult::Kind::Printed;
  r.display_number = "A042";
  EXPECT_TRUE(m.on_issue_result(r).empty());
  EXPECT_EQ(m.state().step, Step::Result);
  EXPECT_TRUE(m.state().printer.ready);
  m.apply({K::StartOver, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Language);
  EXPECT_TRUE(m.state().service.empty());
  EXPECT_EQ(m.state().language, "en");
}

TEST(KioskModel, ServiceWithoutCategoriesIssuesAtOnceAndRefusesUnknowns) {
  KioskModel m = ready();
  m.apply({K::ChooseLanguage, "en"}, t0);
  m.apply({K::ChooseMenu, "token"}, t0);
  EXPECT_TRUE(m.apply({K::ChooseService, "no-such-service"}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Service);
  const domain::Service* plain = nullptr;
  for (const auto& s : demo()->services) {
    if (s.priority_categories.empty()) plain = &s;
  }
  if (plain) {
    auto e = m.apply({K::ChooseService, plain->id}, t0);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].priority, "");
  }
  KioskModel m2 = ready();
  m2.apply({K::ChooseLanguage, "en"}, t0);
  m2.apply({K::ChooseMenu, "token"}, t0);
  m2.apply({K::ChooseService, "birth-certificate"}, t0);
  EXPECT_TRUE(m2.apply({K::ChoosePriority, "ex-servicemen"}, t0).empty()) << "not offered for this service";
  EXPECT_EQ(m2.state().step, Step::Priority);
  auto none = m2.apply({K::ChoosePriority, ""}, t0);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].priority, "");
}

TEST(KioskModel, BackAndIdle) {
  KioskModel m = ready();
  m.apply({K::ChooseLanguage, "fr"}, t0);
  m.apply({K::ChooseMenu, "token"}, t0);
  m.apply({K::ChooseService, "birth-certificate"}, t0);
  m.apply({K::Back, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Service);
  m.apply({K::Back, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Menu);
  m.apply({K::Back, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Language);
  EXPECT_FALSE(m.on_idle()) << "already at the start";
  const auto session = m.state().session;
  m.apply({K::ChooseLanguage, "fr"}, t0);
  EXPECT_EQ(m.state().session, session + 1) << "choosing a language starts a citizen's session";
  EXPECT_TRUE(m.idle_applies());
  EXPECT_TRUE(m.on_idle());
  EXPECT_EQ(m.state().step, Step::Language);
  EXPECT_EQ(m.state().language, "en") << "the next citizen starts in the default language";
  m.apply({K::ChooseLanguage, "fr"}, t0);
  EXPECT_EQ(m.state().session, session + 2) << "a new citizen in the same language is a new session";
}

TEST(KioskModel, StopPolicyStopsIssuingUntilThePrinterIsFine) {
  KioskModel m = ready(PrinterPolicy::Stop);
  m.apply({K::ChooseLanguage, "en"}, t0);
  m.apply({K::ChooseMenu, "token"}, t0);
  m.apply({K::ChooseService, "birth-certificate"}, t0);
  m.apply({K::ChoosePriority, ""}, t0);
  IssueResult r;
  r.kind = IssueResult::Kind::PrinterFault;
  r.detail = "Printer out of paper";
  auto e = m.on_issue_result(r);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Effect::Kind::WatchPrinter);
  EXPECT_EQ(m.state().step, Step::Result);
  m.apply({K::StartOver, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Stopped);
  EXPECT_TRUE(m.apply({K::ChooseLanguage, "en"}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Stopped) << "no citizen flow while stopped";
  auto again = m.on_printer_status(false, "Printer out of paper");
  ASSERT_EQ(again.size(), 1u) << "keep watching";
  EXPECT_TRUE(m.on_printer_status(true, "").empty());
  EXPECT_EQ(m.state().step, Step::Language);
}

TEST(KioskModel, ScreenPolicyKeepsIssuing) {
  KioskModel m = ready(PrinterPolicy::Screen);
  m.apply({K::ChooseLanguage, "en"}, t0);
  m.apply({K::ChooseMenu, "token"}, t0);
  m.apply({K::ChooseService, "birth-certificate"}, t0);
  m.apply({K::ChoosePriority, ""}, t0);
  IssueResult r;
  r.kind = IssueResult::Kind::OnScreen;
  r.display_number = "A043";
  r.detail = "Printer out of paper";
  EXPECT_TRUE(m.on_issue_result(r).empty());
  EXPECT_FALSE(m.state().printer.ready);
  m.apply({K::StartOver, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Language);
  EXPECT_TRUE(m.on_printer_status(false, "Printer out of paper").empty());
  EXPECT_EQ(m.state().step, Step::Language);
}

TEST(KioskModel, UnreachableAndRefusedLeaveNothingIssued) {
  for (auto kind : {IssueResult::Kind::Unreachable, IssueResult::Kind::Refused}) {
    KioskModel m = ready();
    m.apply({K::ChooseLanguage, "en"}, t0);
    m.apply({K::ChooseMenu, "token"}, t0);
    m.apply({K::ChooseService, "birth-certificate"}, t0);
    m.apply({K::ChoosePriority, ""}, t0);
    IssueResult r;
    r.kind = kind;
    r.detail = "Service closed";
    EXPECT_TRUE(m.on_issue_result(r).empty());
    EXPECT_EQ(m.state().step, Step::Result);
    EXPECT_EQ(m.state().server_online, kind == IssueResult::Kind::Refused);
  }
}

// The screens' offline mark follows what the kiosk last heard of the server, and is never shown
// before it heard anything (a kiosk just started, from its cached catalogue).
TEST(KioskModel, TheServerIsOfflineOnlyOnceKnownToBeOutOfReach) {
  KioskModel m;
  EXPECT_FALSE(m.state().server_offline()) << "nothing heard yet";
  m.on_catalogue(demo(), true);
  EXPECT_FALSE(m.state().server_offline()) << "a cached catalogue says nothing of the server";
  m.on_server_online(false);
  EXPECT_TRUE(m.state().server_offline());
  m.on_server_online(true);
  EXPECT_FALSE(m.state().server_offline());
  m.on_server_online(false);
  m.on_catalogue(demo(), false);
  EXPECT_FALSE(m.state().server_offline()) << "the server just sent its catalogue";

  KioskModel status = ready();
  status.apply({K::ChooseLanguage, "en"}, t0);
  status.apply({K::ChooseMenu, "status"}, t0);
  status.apply({K::StatusInput, "LDH01-K1-000042"}, t0);
  status.apply({K::StatusSubmit, {}}, t0);
  StatusLookup l;
  l.kind = StatusLookup::Kind::Unreachable;
  status.on_status_lookup(l);
  EXPECT_TRUE(status.state().server_offline()) << "a status check found it out of reach";
}

TEST(KioskModel, StaffPinWithSlowDown) {
  KioskModel m = ready();
  m.apply({K::OpenStaff, {}}, t0);
  EXPECT_EQ(m.state().step, Step::AdminPin);
  EXPECT_TRUE(m.apply({K::PinSubmit, {}}, t0).empty()) << "nothing typed";
  m.apply({K::PinChanged, "1234"}, t0);
  auto e = m.apply({K::PinSubmit, {}}, t0);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Effect::Kind::VerifyPin);
  EXPECT_EQ(e[0].pin, "1234");
  EXPECT_TRUE(m.state().pin.empty()) << "the PIN is not kept once sent for checking";
  EXPECT_TRUE(m.apply({K::PinSubmit, {}}, t0).empty()) << "one check at a time";
  m.on_pin_checked(false, t0);
  EXPECT_EQ(m.state().staff_message, "Wrong PIN");
  EXPECT_EQ(m.state().step, Step::AdminPin);
  for (int i = 0; i < 2; ++i) {
    m.apply({K::PinChanged, "0000"}, t0);
    ASSERT_EQ(m.apply({K::PinSubmit, {}}, t0).size(), 1u);
    m.on_pin_checked(false, t0);
  }
  ASSERT_TRUE(m.state().pin_locked_until.has_value()) << "three wrong PINs slow it down";
  EXPECT_EQ(*m.state().pin_locked_until, t0 + std::chrono::seconds(5));
  m.apply({K::PinChanged, "1234"}, t0 + std::chrono::seconds(2));
  EXPECT_TRUE(m.apply({K::PinSubmit, {}}, t0 + std::chrono::seconds(2)).empty()) << "locked";
  m.apply({K::PinChanged, "1234"}, t0 + std::chrono::seconds(6));
  ASSERT_EQ(m.apply({K::PinSubmit, {}}, t0 + std::chrono::seconds(6)).size(), 1u);
  m.on_pin_checked(true, t0 + std::chrono::seconds(6));
  EXPECT_EQ(m.state().step, Step::Settings);
  EXPECT_EQ(m.state().pin_failures, 0);
  EXPECT_EQ(KioskModel::pin_delay(4), std::chrono::seconds(10));
  EXPECT_EQ(KioskModel::pin_delay(20), std::chrono::seconds(300));
}

TEST(KioskModel, SettingsPolicyTestPrintExit) {
  KioskModel m = ready(PrinterPolicy::Stop);
  EXPECT_TRUE(m.apply({K::SetPolicy, "screen"}, t0).empty());
  EXPECT_EQ(m.state().policy, PrinterPolicy::Stop) << "only from the settings screen";
  EXPECT_TRUE(m.apply({K::Exit, {}}, t0).empty()) << "exit needs the PIN";
  m.apply({K::OpenStaff, {}}, t0);
  m.apply({K::PinChanged, "1234"}, t0);
  m.apply({K::PinSubmit, {}}, t0);
  m.on_pin_checked(true, t0);
  m.apply({K::SetPolicy, "screen"}, t0);
  EXPECT_EQ(m.state().policy, PrinterPolicy::Screen);
  m.apply({K::SetPolicy, "sideways"}, t0);
  EXPECT_EQ(m.state().policy, PrinterPolicy::Screen);
  auto tp = m.apply({K::TestPrint, {}}, t0);
  ASSERT_EQ(tp.size(), 1u);
  EXPECT_EQ(tp[0].kind, Effect::Kind::TestPrint);
  EXPECT_TRUE(m.apply({K::TestPrint, {}}, t0).empty()) << "one test page at a time";
  m.on_test_print(false, "Printer cover open");
  EXPECT_EQ(m.state().staff_message, "Printer cover open");
  EXPECT_FALSE(m.state().printer.ready);
  auto ex = m.apply({K::Exit, {}}, t0);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].kind, Effect::Kind::Exit);
}

TEST(KioskModel, PolicyNames) {
  PrinterPolicy p = PrinterPolicy::Stop;
  EXPECT_TRUE(parse_printer_policy("screen", p));
  EXPECT_EQ(p, PrinterPolicy::Screen);
  EXPECT_STREQ(to_string(p), "screen");
  EXPECT_FALSE(parse_printer_policy("Stop", p));
}

namespace {

domain::Date nov21() {
  domain::Date d;
  EXPECT_TRUE(domain::parse_date("2026-11-21", d));
  return d;
}

// Language, "File an application", birth certificate: the first field.
KioskModel applying() {
  KioskModel m = ready();
  m.set_today(nov21());
  m.apply({K::ChooseLanguage, "en"}, t0);
  m.apply({K::ChooseMenu, "apply"}, t0);
  EXPECT_EQ(m.state().step, Step::AppService);
  m.apply({K::ChooseAppService, "birth-certificate"}, t0);
  EXPECT_EQ(m.state().step, Step::AppField);
  return m;
}

void answer(KioskModel& m, const std::string& value) {
  m.apply({K::FieldInput, value}, t0);
  m.apply({K::FieldNext, {}}, t0);
}

}  // namespace

TEST(KioskApplication, FieldByFieldThenDocumentsReviewAndSave) {
  KioskModel m = applying();
  const auto* svc = demo()->service("birth-certificate");
  EXPECT_EQ(m.state().draft.field, 0u);
  m.apply({K::FieldNext, {}}, t0);  // the child's name is optional
  EXPECT_EQ(m.state().draft.field, 1u);

  // A date in the future stays on its field with the problem.
  answer(m, "14/04/2027");
  EXPECT_EQ(m.state().draft.field, 1u);
  ASSERT_NE(problem_of(m.state().draft, "date-of-birth"), nullptr);
  EXPECT_EQ(problem_of(m.state().draft, "date-of-birth")->code, domain::FieldProblemCode::FutureDate);
  answer(m, "14/04/2026");
  EXPECT_EQ(problem_of(m.state().draft, "date-of-birth"), nullptr) << "fixed";
  EXPECT_EQ(m.state().draft.field, 2u);
  for (const char* v :
       {"female", "hospital", "", "Harpreet Singh", "Simran Kaur", "12 Model Town, Ludhiana", "98140 12345"}) {
    answer(m, v);
  }
  EXPECT_EQ(m.state().step, Step::AppDocuments);
  m.apply({K::ToggleDocument, "discharge-slip"}, t0);
  m.apply({K::ToggleDocument, "no-such-document"}, t0);
  EXPECT_EQ(m.state().draft.documents.size(), 1u);
  m.apply({K::DocumentsDone, {}}, t0);
  EXPECT_EQ(m.state().step, Step::AppReview);
  EXPECT_TRUE(m.state().draft.problems.empty());
  // Required and not brought (the optional affidavit is not "missing").
  EXPECT_EQ(missing_documents(*svc, m.state().draft.documents).size(), 2u);

  auto effects = m.apply({K::SaveApplication, {}}, t0);
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::FileApplication);
  EXPECT_EQ(effects[0].language, "en");
  EXPECT_EQ(m.state().step, Step::Filing);
  EXPECT_FALSE(m.idle_applies()) << "never time out while saving";
  EXPECT_TRUE(m.apply({K::StartOver, {}}, t0).empty());
  EXPECT_EQ(m.state().step, Step::Filing);

  FilingResult r;
  r.kind = FilingResult::Kind::NotPrinted;
  r.receipt = "LDH01-K1-000001";
  r.detail = "Printer out of paper";
  auto watch = m.on_filing_result(r);
  ASSERT_EQ(watch.size(), 1u);
  EXPECT_EQ(watch[0].kind, Effect::Kind::WatchPrinter) << "the stop policy watches the printer";
  EXPECT_EQ(m.state().step, Step::Filed) << "the receipt number is shown first";
  EXPECT_EQ(m.state().filing->receipt, "LDH01-K1-000001");
  EXPECT_TRUE(m.state().draft.values.empty()) << "the answers leave the screen once saved";
  EXPECT_FALSE(m.state().printer.ready);
  m.apply({K::StartOver, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Stopped) << "then the kiosk stops until the printer is fine";
  EXPECT_FALSE(m.state().filing.has_value());
  m.on_printer_status(true, {});
  EXPECT_EQ(m.state().step, Step::Language);
}

TEST(KioskApplication, ReviewShowsEveryProblemAndEditReturnsToIt) {
  KioskModel m = applying();
  // Skip through: required fields left empty are flagged one by one, so go straight to the
  // review through the documents' Back.
  for (int i = 0; i < 9; ++i) m.apply({K::FieldNext, {}}, t0);
  EXPECT_EQ(m.state().step, Step::AppField) << "a required field cannot be skipped";
  EXPECT_EQ(m.state().draft.field, 1u);
  answer(m, "14/04/2026");
  for (const char* v : {"male", "home", "", "Harpreet Singh", "S", "12 Model Town, Ludhiana", "98140 12345"}) {
    m.apply({K::FieldInput, v}, t0);
    if (std::string(v) == "S") {
      m.apply({K::FieldNext, {}}, t0);
      EXPECT_NE(problem_of(m.state().draft, "mother-name"), nullptr);
      m.apply({K::FieldInput, "Simran Kaur"}, t0);
    }
    m.apply({K::FieldNext, {}}, t0);
  }
  m.apply({K::DocumentsDone, {}}, t0);
  ASSERT_EQ(m.state().step, Step::AppReview);
  EXPECT_TRUE(m.state().draft.problems.empty());

  m.apply({K::EditField, "mobile"}, t0);
  EXPECT_EQ(m.state().step, Step::AppField);
  EXPECT_TRUE(m.state().draft.from_review);
  m.apply({K::FieldInput, "12345"}, t0);
  m.apply({K::Back, {}}, t0);  // back to the review, which checks everything again
  EXPECT_EQ(m.state().step, Step::AppReview);
  ASSERT_EQ(m.state().draft.problems.size(), 1u);
  EXPECT_EQ(m.state().draft.problems[0].field, "mobile");
  EXPECT_TRUE(m.apply({K::SaveApplication, {}}, t0).empty()) << "nothing is saved with a problem";
  EXPECT_EQ(m.state().step, Step::AppReview);

  // The server-side check of the worker can still refuse: back to the review with its problems.
  m.apply({K::EditField, "mobile"}, t0);
  answer(m, "98140 12345");
  EXPECT_EQ(m.state().step, Step::AppReview);
  ASSERT_EQ(m.apply({K::SaveApplication, {}}, t0).size(), 1u);
  FilingResult invalid;
  invalid.kind = FilingResult::Kind::Invalid;
  invalid.problems = {{"address", domain::FieldProblemCode::TooShort, "too short"}};
  m.on_filing_result(invalid);
  EXPECT_EQ(m.state().step, Step::AppReview);
  EXPECT_NE(problem_of(m.state().draft, "address"), nullptr);
}

TEST(KioskApplication, IdleForgetsTheDraft) {
  KioskModel m = applying();
  answer(m, "Baby");
  EXPECT_TRUE(m.idle_applies());
  EXPECT_TRUE(m.on_idle());
  EXPECT_EQ(m.state().step, Step::Language);
  EXPECT_TRUE(m.state().draft.values.empty());
  EXPECT_TRUE(m.state().draft.service.empty());
}

TEST(KioskApplication, CheckStatus) {
  KioskModel m = ready();
  m.apply({K::ChooseLanguage, "fr"}, t0);
  m.apply({K::ChooseMenu, "status"}, t0);
  EXPECT_EQ(m.state().step, Step::StatusEntry);
  m.apply({K::StatusInput, "ldh01/"}, t0);
  EXPECT_TRUE(m.apply({K::StatusSubmit, {}}, t0).empty()) << "not a receipt number";
  m.apply({K::StatusInput, "ldh01-k1-000042"}, t0);
  auto effects = m.apply({K::StatusSubmit, {}}, t0);
  ASSERT_EQ(effects.size(), 1u);
  EXPECT_EQ(effects[0].kind, Effect::Kind::LookupStatus);
  EXPECT_EQ(effects[0].value, "LDH01-K1-000042");
  EXPECT_EQ(m.state().step, Step::StatusLoading);
  EXPECT_FALSE(m.idle_applies());
  StatusLookup l;
  l.kind = StatusLookup::Kind::Unreachable;
  m.on_status_lookup(l);
  EXPECT_EQ(m.state().step, Step::StatusShown);
  EXPECT_FALSE(m.state().server_online);
  m.apply({K::Back, {}}, t0);
  EXPECT_EQ(m.state().step, Step::StatusEntry);
  m.apply({K::Back, {}}, t0);
  EXPECT_EQ(m.state().step, Step::Menu);
  m.on_status_lookup(l);
  EXPECT_EQ(m.state().step, Step::Menu) << "a late answer changes nothing";
}

// A citizen with low vision picks high contrast or larger text for their own session; the next
// citizen gets the kiosk's theme back.
TEST(KioskModel, CitizensViewLastsTheirSession) {
  KioskModel m = ready();
  m.set_theme_name("default");
  EXPECT_TRUE(m.apply({K::ChooseView, "large-text"}, t0).empty()) << "only from the menu";
  m.apply({K::ChooseLanguage, "hi"}, t0);
  auto e = m.apply({K::ChooseView, "large-text"}, t0);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Effect::Kind::ApplyTheme);
  EXPECT_EQ(e[0].value, "large-text");
  EXPECT_EQ(m.state().shown_theme(), "large-text");
  e = m.apply({K::ChooseView, "high-contrast"}, t0);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "high-contrast") << "one view at a time";
  e = m.apply({K::ChooseView, "high-contrast"}, t0);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "default") << "the same choice again turns it off";
  EXPECT_TRUE(m.apply({K::ChooseView, "neon"}, t0).empty()) << "unknown views are ignored";
  EXPECT_EQ(m.state().shown_theme(), "default");

  m.apply({K::ChooseView, "large-text"}, t0);
  m.apply({K::ChooseMenu, "token"}, t0);
  EXPECT_EQ(m.state().shown_theme(), "large-text") << "kept on every screen of the session";
  EXPECT_TRUE(m.on_idle());
  EXPECT_EQ(m.state().view, "");
  EXPECT_EQ(m.state().shown_theme(), "default") << "the next citizen starts with the kiosk's theme";
}
