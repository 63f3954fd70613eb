// The acknowledgement slip in the citizen's language, with the language's own formats where the
// printer's code page has their characters and plain Latin ones where it does not.
#include <gtest/gtest.h>

#include "devices.hpp"
#include "guichet/config/catalogue_loader.hpp"

using namespace guichet;
using namespace guichet::kiosk;

namespace {

std::shared_ptr<const domain::Catalogue> demo() {
  static std::shared_ptr<const domain::Catalogue> c = [] {
    auto r = config::load_catalogue(GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml");
    EXPECT_TRUE(r.ok());
    return std::make_shared<const domain::Catalogue>(std::move(r).value());
  }();
  return c;
}

FilingRequest request() {
  FilingRequest r;
  r.receipt = "LDH01-K1-000042";
  r.service = "birth-certificate";
  r.channel = "kiosk";
  r.filed_on = domain::Date{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{21}};
  r.due_on = domain::Date{std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{28}};
  return r;
}

std::string printed(const text::Translations& t, const std::string& language) {
  std::string problem;
  auto bytes = build_application_slip(*demo(), t, language, request(), "", problem);
  EXPECT_TRUE(bytes.has_value()) << problem;
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

}  // namespace

TEST(Slip, PlainTextForThePrintersCodePage) {
  EXPECT_EQ(plain_for_paper("\u20B91,00,000.00"), "Rs 1,00,000.00");
  EXPECT_EQ(plain_for_paper("100\u202F000,00\u00A0\u20B9"), "100 000,00 Rs");
  EXPECT_EQ(plain_for_paper("Frais : 50,00\u00A0\u20B9"), "Frais : 50,00 Rs");
  EXPECT_EQ(plain_for_paper("21 novembre 2026"), "21 novembre 2026");
}

TEST(Slip, FrenchSlipKeepsFrenchWithPlainAmounts) {
  auto t = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  const std::string fr = printed(t.value(), "fr");
  EXPECT_NE(fr.find("50,00 Rs"), std::string::npos) << "the amount as French writes it, ₹ spelled Rs";
  EXPECT_NE(fr.find("novembre 2026"), std::string::npos) << "the month in French";
  EXPECT_NE(fr.find("LDH01-K1-000042"), std::string::npos);
  EXPECT_EQ(fr.find("Receipt number"), std::string::npos) << "no English label on a French slip";
}

// The dates on the slip are the request's, written out as the citizen's language writes them: the
// due date is the one the citizen must remember.
TEST(Slip, TheFilingAndDueDatesArePrintedInFull) {
  auto t = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  const std::string en = printed(t.value(), "en");
  EXPECT_NE(en.find("Filed on: 21 November 2026"), std::string::npos) << en;
  EXPECT_NE(en.find("Due by: 28 November 2026"), std::string::npos) << en;
  const std::string fr = printed(t.value(), "fr");
  EXPECT_NE(fr.find("28 novembre 2026"), std::string::npos) << fr;
}

TEST(Slip, AScriptThePrinterLacksFallsBackToEnglish) {
  auto t = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  const std::string hi = printed(t.value(), "hi");
  EXPECT_NE(hi.find("Rs 50.00"), std::string::npos);
  EXPECT_NE(hi.find("21 November 2026"), std::string::npos);
  EXPECT_NE(hi.find("LDH01-K1-000042"), std::string::npos);
}

// Only required documents are ever "still missing" on the slip: the optional late-birth affidavit
// left at home is not asked for, and with every required one brought the slip says so.
TEST(Slip, OnlyRequiredDocumentsAreListedAsMissing) {
  auto t = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  FilingRequest r = request();
  r.documents = {{"discharge-slip", true}, {"parents-id", true}, {"address-proof", true}, {"late-affidavit", false}};
  std::string problem;
  auto bytes = build_application_slip(*demo(), t.value(), "en", r, "", problem);
  ASSERT_TRUE(bytes.has_value()) << problem;
  std::string job(bytes->begin(), bytes->end());
  EXPECT_NE(job.find("All required documents received."), std::string::npos);
  EXPECT_EQ(job.find("Documents still missing"), std::string::npos);
  EXPECT_EQ(job.find("Affidavit"), std::string::npos) << "an optional document is not asked for";

  r.documents["address-proof"] = false;
  bytes = build_application_slip(*demo(), t.value(), "en", r, "", problem);
  ASSERT_TRUE(bytes.has_value()) << problem;
  job.assign(bytes->begin(), bytes->end());
  EXPECT_NE(job.find("Documents still missing:"), std::string::npos);
  EXPECT_NE(job.find("Address proof"), std::string::npos);
  EXPECT_EQ(job.find("All required documents received."), std::string::npos);
  EXPECT_EQ(job.find("Affidavit"), std::string::npos) << "an optional document is not asked for";
}

// With the text engine at hand, a Hindi or Urdu slip is printed in its language: the text the code
// page lacks goes to paper as raster images (GS v 0), the receipt number stays text, and nothing
// falls back to English.
TEST(Slip, TheEngineDrawsHindiAndUrduSlipsInTheirLanguage) {
  auto t = load_translations(std::string(GUICHET_SOURCE_DIR) + "/locales");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  PaperText paper;
  for (const char* language : {"hi", "ur", "pa"}) {
    std::string problem;
    auto bytes = build_application_slip(*demo(), t.value(), language, request(), "", problem, &paper);
    ASSERT_TRUE(bytes.has_value()) << language << ": " << problem;
    const std::string job(bytes->begin(), bytes->end());
    EXPECT_NE(job.find("\x1dv0"), std::string::npos) << language << ": drawn text";
    EXPECT_NE(job.find("LDH01-K1-000042"), std::string::npos) << language;
    EXPECT_EQ(job.find("Rs 50.00"), std::string::npos) << language << ": not the English fallback";
    EXPECT_EQ(job.find("November"), std::string::npos) << language << ": not the English fallback";
    EXPECT_EQ(job.find("Receipt number"), std::string::npos) << language;

    IssuedToken token;
    token.token.id = "LDH01-20261121-B007";
    token.token.service = "birth-certificate";
    token.token.prefix = "B";
    token.token.number = 7;
    auto token_bytes = build_slip(*demo(), t.value(), language, token, problem, &paper);
    ASSERT_TRUE(token_bytes.has_value()) << language << ": " << problem;
    const std::string token_job(token_bytes->begin(), token_bytes->end());
    EXPECT_NE(token_job.find("\x1dv0"), std::string::npos) << language;
    EXPECT_EQ(token_job.find("Your token number"), std::string::npos) << language;
  }
  EXPECT_EQ(paper.problem(), "");
}
