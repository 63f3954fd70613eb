// The form in progress at the counter kept across a crash: its text (draft_json) read back into
// the same form for the operator now logged in (restore_draft), pages taken by their SHA-256; and
// DraftStore on disk: the text in the outbox, the pages in draft.sqlite, those no draft names
// removed (overwritten with zeros), a draft that cannot be read set aside, never lost, and erased
// after its days.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "birth_service.hpp"
#include "draft_store.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/testing/filing.hpp"
#include "guichet/testing/process.hpp"

namespace d = guichet::domain;
namespace gs = guichet::sync;
using guichet::counter::ApplicationForm;
using guichet::counter::DraftStore;
using guichet::counter::FormStep;
using guichet::counter::Model;
using guichet::counter::ScannedPage;
using guichet::testing::TempDir;

namespace {

// The test centre on UTC+5:30, its counter C1 taking the birth certificate (or not: C9 does).
std::shared_ptr<const d::Catalogue> catalogue(bool birth_at_c1 = true) {
  d::Service birth = guichet::counter::testing::birth_service();
  if (!birth_at_c1) birth.counters = {"C9"};
  auto c = guichet::counter::testing::centre_with({birth});
  c->centre.utc_offset_minutes = 330;
  return c;
}

Model operator_at_c1(const std::string& operator_id, bool birth_at_c1 = true) {
  Model m("C1DEV");
  m.set_catalogue(catalogue(birth_at_c1));
  m.opened("session", operator_id, "Asha Verma", "operator", "C1");
  return m;
}

ScannedPage page(std::uint8_t fill) {
  ScannedPage p;
  p.png = guichet::testing::sample_page_bytes(3000, fill);
  p.file = {gs::sha256_hex(p.png), "image/png", static_cast<std::int64_t>(p.png.size())};
  p.width = 1654;
  p.height = 2339;
  return p;
}

// The birth certificate for token A042, in Punjabi, begun at 14:32 at the centre (09:02 UTC),
// its child's name typed, the hospital record scanned (two pages) and the parent's ID ticked.
ApplicationForm form_in_progress() {
  ApplicationForm form;
  form.services = {"birth"};
  form.operator_id = "op1";
  form.draft.token = "LDH01-20261124-A042";
  form.token_display = "A042";
  form.language = "pa";
  form.started_ms = 1795510920000;  // 2026-11-24T09:02:00Z
  guichet::counter::choose_service(form, "birth");
  form.draft.values["child-name"] = "Simran Kaur \"Simi\"";
  for (std::uint8_t fill : {1, 2}) {
    form.pages["hospital-record"].push_back(page(fill));
    form.draft.files["hospital-record"].push_back(page(fill).file);
  }
  form.draft.documents["hospital-record"] = true;
  form.draft.documents["parent-id"] = true;
  return form;
}

std::map<std::string, ScannedPage> pages_of(const ApplicationForm& form) {
  std::map<std::string, ScannedPage> out;
  for (const auto& [document, list] : form.pages) {
    for (const auto& p : list) out[p.file.sha256] = p;
  }
  return out;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(CounterDraft, AFormIsRestoredAsItWasForTheOperatorLoggedIn) {
  const ApplicationForm before = form_in_progress();
  const std::string text = guichet::counter::draft_json(before);
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.find("Simran Kaur \\\"Simi\\\""), std::string::npos) << text;
  EXPECT_LT(text.size(), 1500u) << "no page bytes (3000 each) in the text, only their names";

  const Model model = operator_at_c1("op2");
  auto restored = guichet::counter::restore_draft(text, pages_of(before), model);
  ASSERT_TRUE(restored.ok()) << restored.error();
  const ApplicationForm& after = restored.value();
  EXPECT_EQ(after.step, FormStep::Fill);
  EXPECT_EQ(after.draft.service, "birth");
  EXPECT_EQ(after.draft.values, before.draft.values);
  EXPECT_EQ(after.draft.documents, before.draft.documents);
  EXPECT_EQ(after.draft.files, before.draft.files);
  EXPECT_EQ(after.draft.token, "LDH01-20261124-A042");
  EXPECT_EQ(after.token_display, "A042");
  EXPECT_EQ(after.language, "pa");
  EXPECT_EQ(after.operator_id, "op2") << "filed by the operator who saves it";
  ASSERT_EQ(after.pages.at("hospital-record").size(), 2u);
  EXPECT_EQ(after.pages.at("hospital-record")[1].png, page(2).png);
  EXPECT_EQ(after.pages.at("hospital-record")[1].width, 1654);
  EXPECT_EQ(after.restored_note,
            "Restored: this application was being taken when the counter stopped (begun at 14:32).");
  // Kept again unchanged, it is the same text: nothing to write until the operator changes it.
  EXPECT_EQ(guichet::counter::draft_json(after), text);
  EXPECT_EQ(guichet::counter::draft_page_ids(after),
            (std::vector<std::string>{page(1).file.sha256, page(2).file.sha256}));
}

TEST(CounterDraft, NothingIsKeptBeforeAServiceIsChosenOrOnceItIsSaving) {
  ApplicationForm form;
  form.services = {"birth"};
  EXPECT_EQ(guichet::counter::draft_json(form), "");
  form = form_in_progress();
  form.step = FormStep::Saving;
  EXPECT_EQ(guichet::counter::draft_json(form), "");
  form.step = FormStep::Done;
  EXPECT_EQ(guichet::counter::draft_json(form), "");
}

TEST(CounterDraft, APageNotAtHandIsLeftOutAndSaid) {
  const ApplicationForm before = form_in_progress();
  auto pages = pages_of(before);
  pages.erase(page(1).file.sha256);
  auto restored = guichet::counter::restore_draft(guichet::counter::draft_json(before), pages, operator_at_c1("op1"));
  ASSERT_TRUE(restored.ok()) << restored.error();
  ASSERT_EQ(restored.value().pages.at("hospital-record").size(), 1u);
  EXPECT_EQ(restored.value().draft.files.at("hospital-record").size(), 1u);
  EXPECT_NE(restored.value().restored_note.find("1 page scanned could not be restored: scan it again."),
            std::string::npos)
      << restored.value().restored_note;
}

TEST(CounterDraft, AServiceNoLongerTakenHereIsChosenAgain) {
  auto restored = guichet::counter::restore_draft(guichet::counter::draft_json(form_in_progress()), {},
                                                  operator_at_c1("op1", false));
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(restored.value().step, FormStep::ChooseService);
  EXPECT_NE(restored.value().restored_note.find("Its service is not taken at this counter now"), std::string::npos);
  EXPECT_EQ(guichet::counter::draft_json(restored.value()), "");
}

TEST(CounterDraft, TextThatIsNotADraftIsRefusedWithWhatIsWrong) {
  const Model model = operator_at_c1("op1");
  const std::string good = guichet::counter::draft_json(form_in_progress());
  auto with = [&good](const std::string& field, const gs::json& value) {
    gs::json j = gs::json::parse(good);
    j[field] = value;
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"service\":", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {with("version", 2), "not of version 1"},
      {with("service", 7), "field 'service' of the kept form is not text"},
      {with("started_ms", "noon"), "field 'started_ms' is not a time"},
      {with("values", gs::json{{"child-name", 5}}), "the value of field 'child-name' is not text"},
      {with("documents", gs::json{{"parent-id", "yes"}}), "document 'parent-id' is neither present nor missing"},
      {with("pages", gs::json{{"hospital-record", gs::json{{"sha", 1}}}}),
       "the pages of document 'hospital-record' are not a list"},
  };
  for (const auto& [text, expected] : cases) {
    auto r = guichet::counter::restore_draft(text, {}, model);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error() << "\n" << text;
  }
}

TEST(CounterDraftStore, TheDraftAndItsPagesAreReadBackFromDisk) {
  TempDir dir("counter-draft");
  const ApplicationForm form = form_in_progress();
  const std::string text = guichet::counter::draft_json(form);
  {
    gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
    DraftStore store((dir.path() / "draft.sqlite").string(), outbox);
    EXPECT_FALSE(store.load().has_value());
    store.keep_page(page(1));
    store.keep_page(page(2));
    store.keep_page(page(2));  // once per SHA-256
    store.keep_page(page(3));  // scanned, then removed before the draft was kept
    store.save(text, guichet::counter::draft_page_ids(form));
    EXPECT_EQ(store.page_count(), 2);
  }
  gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
  DraftStore store((dir.path() / "draft.sqlite").string(), outbox);
  auto kept = store.load();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->text, text);
  ASSERT_EQ(kept->pages.size(), 2u);
  EXPECT_EQ(kept->pages.at(page(2).file.sha256).png, page(2).png);
  EXPECT_EQ(kept->pages.at(page(2).file.sha256).height, 2339);
  auto restored = guichet::counter::restore_draft(kept->text, kept->pages, operator_at_c1("op1"));
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(restored.value().draft.files, form.draft.files);
}

TEST(CounterDraftStore, FilingRemovesTheDraftInItsTransactionAndThePagesAreThenDropped) {
  TempDir dir("counter-draft");
  gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
  DraftStore store((dir.path() / "draft.sqlite").string(), outbox);
  const ApplicationForm form = form_in_progress();
  store.keep_page(page(1));
  store.keep_page(page(2));
  store.save(guichet::counter::draft_json(form), guichet::counter::draft_page_ids(form));
  store.drop_unnamed_pages();
  EXPECT_EQ(store.page_count(), 2) << "named by the draft: kept";
  outbox.append("POST", "/api/v1/applications", "{}", "", 1000, "application.file",
                {{DraftStore::kDraftName, std::nullopt}});
  EXPECT_FALSE(store.load().has_value());
  store.drop_unnamed_pages();
  EXPECT_EQ(store.page_count(), 0);
}

TEST(CounterDraftStore, ACancelledFormLeavesNoPageBytesInTheFile) {
  TempDir dir("counter-draft");
  const std::string path = (dir.path() / "draft.sqlite").string();
  gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
  DraftStore store(path, outbox);
  ScannedPage marked = page(7);
  const std::string mark = "CITIZEN-PAPER-7f3a";
  std::copy(mark.begin(), mark.end(), marked.png.begin() + 100);
  marked.file.sha256 = gs::sha256_hex(marked.png);
  store.keep_page(marked);
  ApplicationForm form = form_in_progress();
  form.pages["parent-id"] = {marked};
  store.save(guichet::counter::draft_json(form), guichet::counter::draft_page_ids(form));
  EXPECT_TRUE(file_bytes(path).find(mark) != std::string::npos ||
              file_bytes(path + "-wal").find(mark) != std::string::npos)
      << "the page is on disk while the form is open";
  store.clear();
  EXPECT_FALSE(store.load().has_value());
  EXPECT_EQ(file_bytes(path).find(mark), std::string::npos);
  EXPECT_EQ(file_bytes(path + "-wal").find(mark), std::string::npos);
}

TEST(CounterDraftStore, AnUnreadableDraftIsSetAsideNotLost) {
  TempDir dir("counter-draft");
  gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
  DraftStore store((dir.path() / "draft.sqlite").string(), outbox);
  outbox.set_meta(DraftStore::kDraftName, "{\"version\":9}");
  store.set_aside("the kept form is not of version 1");
  EXPECT_FALSE(store.load().has_value()) << "not offered again";
  const auto aside = outbox.get_meta(DraftStore::kUnreadableName);
  ASSERT_TRUE(aside.has_value());
  const auto j = gs::json::parse(*aside);
  EXPECT_EQ(j["text"], "{\"version\":9}");
  EXPECT_EQ(j["why"], "the kept form is not of version 1");
  EXPECT_TRUE(j["at_ms"].is_number_integer());
}

// A set-aside draft holds a citizen's details: it is erased once it is older than kAsideDays, at
// the next start; a younger one stays; one whose record cannot be read is dated and kept.
TEST(CounterDraftStore, ASetAsideDraftIsErasedAfterItsDaysAtTheNextStart) {
  TempDir dir("counter-draft");
  const std::string pages = (dir.path() / "draft.sqlite").string();
  gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
  constexpr std::int64_t kDay = 24LL * 3600 * 1000;
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto aside_at = [&](std::int64_t at_ms) {
    outbox.set_meta(
        DraftStore::kUnreadableName,
        gs::json{{"why", "field 'values' is not an object"}, {"text", "{\"version\":1}"}, {"at_ms", at_ms}}.dump());
  };
  aside_at(now - (DraftStore::kAsideDays - 1) * kDay);
  { DraftStore store(pages, outbox); }
  EXPECT_TRUE(outbox.get_meta(DraftStore::kUnreadableName).has_value()) << "younger than its days: kept";

  aside_at(now - (DraftStore::kAsideDays + 1) * kDay);
  { DraftStore store(pages, outbox); }
  EXPECT_FALSE(outbox.get_meta(DraftStore::kUnreadableName).has_value()) << "older than its days: erased";

  DraftStore store(pages, outbox);
  outbox.set_meta(DraftStore::kUnreadableName, "not a record");
  EXPECT_FALSE(store.expire_aside(now));
  const auto kept = outbox.get_meta(DraftStore::kUnreadableName);
  ASSERT_TRUE(kept.has_value());
  const auto j = gs::json::parse(*kept);
  EXPECT_EQ(j["text"], "not a record");
  EXPECT_EQ(j["at_ms"], now);
  EXPECT_FALSE(store.expire_aside(now + DraftStore::kAsideDays * kDay));
  EXPECT_TRUE(store.expire_aside(now + DraftStore::kAsideDays * kDay + 1));
  EXPECT_FALSE(outbox.get_meta(DraftStore::kUnreadableName).has_value());
}

TEST(CounterDraftStore, ADamagedPagesFileIsRefusedWithItsName) {
  TempDir dir("counter-draft");
  const std::string path = (dir.path() / "draft.sqlite").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "this is not a database, it is a page of text that replaced it";
  }
  gs::Outbox outbox((dir.path() / "outbox.sqlite").string(), "C1DEV");
  try {
    DraftStore store(path, outbox);
    FAIL() << "a damaged file was opened";
  } catch (const guichet::store::DbError& e) {
    EXPECT_NE(std::string(e.what()).find("draft.sqlite"), std::string::npos) << e.what();
  }
}
