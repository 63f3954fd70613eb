// An operator takes an application at the real counter app: log in, call a token, "New
// application" [F11], the birth certificate's form typed on the keyboard (a problem shown next to
// its field first), the documents checklist, the fee, save. The printer simulator prints the fee
// receipt and the acknowledgement; both render and their QR decodes to the receipt number shown
// on screen; the filing is in the counter's outbox as "application.file" with channel "counter",
// the token and the fee, and the server has the application. A printer fault still saves it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <regex>

#include "../../integration/printer/sim_process.hpp"
#include "../../integration/sync/centre_server.hpp"
#include "../../unit/hardware/receipt_test_support.hpp"
#include "../../unit/hardware/scanned_png.hpp"
#include "guichet/hardware/escpos_render/image.hpp"
#include "guichet/store/sqlite.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/testing/automation.hpp"
#include "guichet/testing/saned.hpp"

using namespace std::chrono_literals;
using guichet::sync::ApiClient;
using guichet::sync::json;
using guichet::sync::RequestOptions;
using guichet::testing::Process;
using guichet::testing::ProcessOptions;
namespace fs = std::filesystem;
namespace test = guichet::test;

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class CounterFilingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kiosk_secret_ = centre_.add_device("K1", "kiosk");
    counter_secret_ = centre_.add_device("C1", "counter");
    desk_secret_ = centre_.add_device("M1", "counter");  // the manager's desk
    centre_.add_operator("op1", "Asha Verma", "operator", "2468");
    centre_.add_operator("mgr", "Meera Joshi", "manager", "8642");
    ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
    sim_ = std::make_unique<test::SimProcess>(work_ / "printer");
    ASSERT_TRUE(sim_->running());
    shots_ = work_ / "shots";
    if (const char* keep = std::getenv("GUICHET_SCREENSHOT_DIR"); keep && *keep) shots_ = keep;
    fs::create_directories(shots_);
  }

  // A token taken at the kiosk by a citizen who chose `language` there.
  std::string issue(const std::string& service, int n, const std::string& language = "en") {
    ApiClient kiosk(centre_.endpoint("K1", kiosk_secret_));
    RequestOptions o;
    o.idempotency_key = "K1:" + std::to_string(n);
    auto r = kiosk.post("/api/v1/tokens", {{"service", service}, {"priority", ""}, {"language", language}}, o);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body)["token"]["id"].get<std::string>() : std::string();
  }

  void start_counter(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) {
    ProcessOptions o;
    o.args = {"--server",         centre_.url(),
              "--device",         "C1",
              "--secret-file",    centre_.secret_file("C1").string(),
              "--data-dir",       (work_ / "counter-data").string(),
              "--printer",        "tcp:127.0.0.1:" + std::to_string(sim_->port()),
              "--size",           "1280x800",
              "--script",         "-",
              "--screenshot-dir", shots_.string()};
    // A size of the test's own replaces the default one.
    if (const auto size = std::find(extra.begin(), extra.end(), "--size");
        size != extra.end() && size + 1 != extra.end()) {
      *(std::find(o.args.begin(), o.args.end(), "1280x800")) = *(size + 1);
      extra.erase(size, size + 2);
    }
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env = {{"SDL_VIDEODRIVER", "offscreen"}, {"SDL_AUDIODRIVER", "dummy"}};
    o.env.insert(env.begin(), env.end());
    o.log_dir = work_.path();
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    app_ = std::make_unique<Process>("guichet-counter", GUICHET_COUNTER, o);
  }

  // The counter with the simulated SANE scanner as its document scanner. SANE's net backend
  // writes its steps, timed, on the counter's stderr (read only when a test fails).
  void start_counter_with(const guichet::testing::SanedSimulator& scanner) {
    start_counter({"--scanner", scanner.device_name()},
                  {{"SANE_CONFIG_DIR", scanner.client_config_dir().string()}, {"SANE_DEBUG_NET", "2"}});
  }

  // Declared after a test's scanner: when the test has failed, prints what the counter and the
  // scanner's daemon said, which tells a scan that never came back from one that failed, and
  // where it stopped (before the scanner goes, with its log).
  class ScanTrace {
   public:
    ScanTrace(const CounterFilingTest& test, const guichet::testing::SanedSimulator& scanner)
        : test_(test), scanner_(scanner) {}
    ~ScanTrace() {
      if (!::testing::Test::HasFailure()) return;
      std::cerr << "--- the counter's stderr ---\n"
                << (test_.app_ ? test_.app_->stderr_text() : std::string("(not started)\n")) << "--- saned ---\n"
                << scanner_.log();
    }
    ScanTrace(const ScanTrace&) = delete;
    ScanTrace& operator=(const ScanTrace&) = delete;

   private:
    const CounterFilingTest& test_;
    const guichet::testing::SanedSimulator& scanner_;
  };

  // A citizen's token for the birth certificate; the counter started with `scanner`, op1 logged in,
  // the token called and its form filled (documents ticked with their keys).
  void call_and_fill_with(const guichet::testing::SanedSimulator& scanner) {
    ASSERT_FALSE(issue("birth-certificate", 1).empty());
    start_counter_with(scanner);
    documents_by_keys_ = true;
    log_in_call_and_fill();
  }
  // Restarts the centre node with the demo catalogue and `more` (a test's own service) appended.
  void restart_centre_with(const std::string& more) {
    const fs::path catalogue = work_ / "centre-and-more.toml";
    {
      std::ofstream out(catalogue, std::ios::binary);
      out << read_all(guichet::testing::CentreServer::catalogue()) << "\n" << more;
    }
    centre_.stop();
    centre_.catalogue_file = catalogue;
    ASSERT_TRUE(centre_.start(centre_.port())) << centre_.stderr_text();
  }
  // The made-up permit to build a house (twelve documents) with `more` optional documents after
  // its own, for the checklists longer than a screen.
  static std::string house_permit_with(int more) {
    static const char* const names[] = {"Fire safety certificate (above two floors)",
                                        "Tree survey of the plot",
                                        "Architect's registration certificate",
                                        "Engineer's registration certificate",
                                        "Sewer connection fee receipt",
                                        "Labour welfare cess receipt",
                                        "Undertaking to keep space for parking",
                                        "Neighbours' consent to a shared wall",
                                        "Soil test report",
                                        "Lift safety certificate"};
    std::string permit = read_all(fs::path(GUICHET_SOURCE_DIR) / "tests/e2e/counter/house-permit.toml");
    for (int n = 1; n <= more && n <= static_cast<int>(std::size(names)); ++n) {
      permit += "\n[[services.documents]]\nid = \"more-" + std::to_string(n) + "\"\nrequired = false\nname.en = \"" +
                names[n - 1] + "\"\n";
    }
    return permit;
  }
  // The first item drawn whose text starts with `prefix` shows whole on screen now.
  bool row_whole(const std::string& prefix) {
    cmd("dump");
    const auto items = guichet::testing::parse_dump(dumped_);
    const auto* row = starting_with(items, prefix);
    return row != nullptr && !row->cut;
  }
  // The first item drawn whose text starts with `prefix`, or null.
  static const guichet::testing::DumpedItem* starting_with(const std::vector<guichet::testing::DumpedItem>& items,
                                                           const std::string& prefix) {
    for (const auto& i : items) {
      if (i.text.rfind(prefix, 0) == 0) return &i;
    }
    return nullptr;
  }

  // One automation command; "ok" or "error: …". Lines of a dump come first and are kept.
  std::string cmd(const std::string& line, std::chrono::milliseconds timeout = 30s) {
    return guichet::testing::automation_command(*app_, line, timeout, dumped_);
  }
  // C1's printer as the manager's dashboard shows it (from the manager's desk, M1), or "".
  std::string printer_on_dashboard() {
    const json row = centre_.dashboard_row("C1", "M1", desk_secret_, "mgr", "8642");
    return row.is_object() && row["printer"].is_string() ? row["printer"].get<std::string>() : "";
  }
  std::string screen() {
    cmd("dump");
    return guichet::testing::joined_lines(dumped_);
  }
  // The documents checklist shows whole at the screen's size: each of the service's `count`
  // documents has its row, and with a scanner its Scan button beside it (and Remove under it once
  // it has pages), between the title and the bar with Save, none of them
  // cut (scrolled out of view, cut by the panel's edge or its label cut by its button's).
  // In two columns a Scan button is named by its row's number ("Scan 12.") instead of its keys.
  void expect_checklist_whole(int count, bool two_columns = false) {
    cmd("dump");
    const auto items = guichet::testing::parse_dump(dumped_);
    const auto find = [&](const std::string& prefix) { return starting_with(items, prefix); };
    const auto* title = find("New application - ");
    const auto* save = find("Save and print [F12]");
    ASSERT_TRUE(title && save) << screen();
    const bool scanner = find(two_columns ? "Scan 1." : "Scan [Alt+1]") != nullptr;
    for (int i = 1; i <= count; ++i) {
      const std::string n = std::to_string(i) + ".";
      // The tenth answers Alt+0; the eleventh to the twentieth the same with Shift.
      const std::string key = std::string(i > 10 ? "Shift+" : "") + std::to_string(i % 10);
      const auto* row = find(n + " Present: ");
      if (!row) row = find(n + " Missing: ");
      ASSERT_TRUE(row) << "no row for document " << i << "\n" << screen();
      EXPECT_FALSE(row->cut) << row->text << "\n" << screen();
      EXPECT_GT(row->y, title->bottom()) << row->text;
      // The panel ends above the bar, a little more than the bar's own margin.
      EXPECT_LT(row->bottom(), save->y - 4) << row->text << "\n" << screen();
      if (!scanner) continue;
      const auto* scan = find(two_columns ? "Scan " + n : "Scan [Alt+" + key + "]");
      ASSERT_TRUE(scan) << screen();
      EXPECT_FALSE(scan->cut) << scan->text << "\n" << screen();
      EXPECT_GE(scan->x, row->right()) << "the Scan button is beside its row";
      EXPECT_GE(scan->y, row->y);
      EXPECT_LE(scan->bottom(), row->bottom());
      if (const auto* remove = find("Remove page " + n)) {
        EXPECT_FALSE(remove->cut) << remove->text << "\n" << screen();
        EXPECT_GE(remove->y, scan->bottom()) << "under its Scan button";
        EXPECT_LE(remove->bottom(), row->bottom() + 1);  // (pixels rounded)
      }
    }
  }
  // The form shows whole at the screen's size: each field's label and its box are on screen, none
  // cut (scrolled out of its column or cut by the panel's edge), the box under its label, all of
  // it between the title and the bar with Save.
  void expect_form_whole(const std::vector<std::string>& labels) {
    cmd("dump");
    const auto items = guichet::testing::parse_dump(dumped_);
    const auto find = [&](const std::string& text, bool control) -> const guichet::testing::DumpedItem* {
      for (const auto& i : items) {
        if (i.text == text && i.control == control) return &i;
      }
      return nullptr;
    };
    const auto* save = find("Save and print [F12]", true);
    ASSERT_TRUE(save) << screen();
    for (const auto& label : labels) {
      const auto* text = find(label, false);
      const auto* box = find(label, true);
      ASSERT_TRUE(text && box) << "no field '" << label << "' on screen\n" << screen();
      EXPECT_FALSE(text->cut) << label << "\n" << screen();
      EXPECT_FALSE(box->cut) << label << "\n" << screen();
      EXPECT_GE(box->y, text->bottom() - 1) << label << ": the box is under its label";
      EXPECT_LT(box->bottom(), save->y - 4) << label << "\n" << screen();
    }
  }
  std::string receipt_on_screen() {
    static const std::regex pattern("LDH01-C1-[0-9]{6,}");
    const std::string s = screen();
    std::smatch m;
    return std::regex_search(s, m, pattern) ? m.str() : std::string();
  }

  // Log in, open counter 1, call the next citizen, open "New application", fill the birth
  // certificate's form. A date in the future is refused next to its field first.
  void log_in_call_and_fill() {
    log_in();
    if (HasFatalFailure()) return;
    ASSERT_EQ(cmd("key F1"), "ok");
    ASSERT_EQ(cmd("wait_text \"Why this token:\" 15000"), "ok") << screen();
    open_and_fill();
  }

  // A citizen waiting (so the counter opens on its main screen), the counter started with
  // `scanner`, op1 logged in, and for a walk-in the form of the `position`th of counter 1's services
  // with a form (F11, Down, Enter) open under its `service` name.
  void open_walk_in_form(const guichet::testing::SanedSimulator& scanner, int position, const std::string& service) {
    ASSERT_FALSE(issue("birth-certificate", 1).empty());
    start_counter_with(scanner);
    log_in();
    if (HasFatalFailure()) return;
    ASSERT_EQ(cmd("key F11"), "ok");
    ASSERT_EQ(cmd("wait_text \"Which service?\" 15000"), "ok") << screen();
    for (int i = 1; i < position; ++i) ASSERT_EQ(cmd("key Down"), "ok");
    ASSERT_EQ(cmd("key Return"), "ok");
    ASSERT_EQ(cmd("wait_text " + quoted(service + " - Tab: next field") + " 15000"), "ok") << screen();
  }

  // The operator's ID and PIN typed on the login screen.
  void enter_operator(const std::string& op, const std::string& pin) {
    ASSERT_EQ(cmd("wait_text \"Operator ID\" 20000"), "ok") << screen();
    ASSERT_EQ(cmd("type " + quoted(op)), "ok");
    ASSERT_EQ(cmd("key Return"), "ok");
    ASSERT_EQ(cmd("wait_text \"Enter your PIN\" 15000"), "ok");
    ASSERT_EQ(cmd("type " + quoted(pin)), "ok");
    ASSERT_EQ(cmd("key Return"), "ok");
  }

  // Log in as op1 and choose counter 1.
  void open_counter_1() {
    enter_operator("op1", "2468");
    if (HasFatalFailure()) return;
    ASSERT_EQ(cmd("wait_text \"Choose your counter\" 15000"), "ok") << screen();
    ASSERT_EQ(cmd("type \"1\""), "ok");
  }

  // Log in as op1 at counter 1, one citizen waiting.
  void log_in() {
    open_counter_1();
    if (HasFatalFailure()) return;
    ASSERT_EQ(cmd("wait_text \"Waiting: 1\" 15000"), "ok") << screen();
  }

  // "New application" for the called token A001, or for a walk-in (the birth certificate chosen
  // from the counter's services), and the form filled.
  void open_and_fill(bool walk_in = false) {
    ASSERT_EQ(cmd("key F11"), "ok");
    if (walk_in) {
      ASSERT_EQ(cmd("wait_text \"Which service?\" 15000"), "ok") << screen();
      ASSERT_EQ(cmd("key Return"), "ok");
    }
    const std::string title = walk_in ? "New application - walk-in" : "New application - token A001";
    ASSERT_EQ(cmd("wait_text " + quoted(title) + " 15000"), "ok") << screen();
    ASSERT_EQ(cmd("wait_text \"Fee collected: Rs 50.00\""), "ok") << screen();

    const std::vector<std::pair<std::string, std::string>> fields = {{"Child's full name", "Baby"},
                                                                     {"Date of birth * (d/m/y)", "14/04"},
                                                                     {"Gender *", "Female"},
                                                                     {"Place of birth *", "hospital"},
                                                                     {"Name of the hospital", "Civil Hospital"},
                                                                     {"Father's name *", "Harpreet Singh"},
                                                                     {"Mother's name *", "Simran Kaur"},
                                                                     {"Full address *", "12 Model Town, Ludhiana"},
                                                                     {"Mobile number *", "98140 12345"}};
    for (const auto& [label, value] : fields) {
      ASSERT_EQ(cmd("tap " + quoted(label) + " 15000"), "ok") << screen();
      ASSERT_EQ(cmd("type " + quoted(value)), "ok");
      ASSERT_EQ(cmd("wait_text " + quoted(value)), "ok") << screen();
    }
    if (documents_by_keys_) {
      // The keys an operator with a scanner uses (Alt+number scans, Ctrl+number marks).
      ASSERT_EQ(cmd("key Ctrl+1"), "ok");
      ASSERT_EQ(cmd("wait_text \"1. Present: Hospital discharge slip or birth report\""), "ok") << screen();
      ASSERT_EQ(cmd("key Ctrl+2"), "ok");
    } else {
      ASSERT_EQ(cmd("tap \"1. Missing: Hospital discharge slip or birth report\""), "ok") << screen();
      ASSERT_EQ(cmd("wait_text \"1. Present: Hospital discharge slip or birth report\""), "ok") << screen();
      ASSERT_EQ(cmd("tap \"2. Missing: Identity proof of a parent (Aadhaar card, voter ID card or passport)\""), "ok");
    }

    // Save with half a date: the problem is next to its field and nothing is saved. The rest of
    // the date is typed after it (a tap on the short value puts the caret at its end).
    ASSERT_EQ(cmd("key F12"), "ok");
    ASSERT_EQ(cmd("wait_text \"Please enter the date as day/month/year, e.g. 14/04/2026.\" 15000"), "ok") << screen();
    ASSERT_EQ(cmd("wait_text \"1 problem: see the fields in red.\""), "ok") << screen();
    ASSERT_EQ(cmd("screenshot counter-application-problem.png"), "ok");
    ASSERT_EQ(cmd("tap \"Date of birth * (d/m/y)\""), "ok");
    ASSERT_EQ(cmd("type \"/2026\""), "ok");
    ASSERT_EQ(cmd("wait_text \"14/04/2026\""), "ok") << screen();
    ASSERT_EQ(cmd("screenshot counter-application-form.png"), "ok");
  }

  // The application as the centre server answers for it once it is there (waits up to `timeout`).
  guichet::sync::HttpResponse application_at_centre(const std::string& receipt, std::chrono::seconds timeout) {
    ApiClient api(centre_.endpoint("C1", counter_secret_));
    guichet::sync::HttpResponse status;
    test::wait_until(
        [&] {
          status = api.get("/api/v1/applications/" + receipt);
          return status.ok();
        },
        timeout);
    return status;
  }

  json outbox_filing() {
    guichet::store::Db db((work_ / "counter-data" / "outbox.sqlite").string());
    auto st = db.prepare("SELECT body FROM outbox WHERE kind = 'application.file' ORDER BY seq");
    std::vector<std::string> bodies;
    while (st.step()) bodies.push_back(st.text(0));
    EXPECT_EQ(bodies.size(), 1u);
    return bodies.empty() ? json() : json::parse(bodies[0]);
  }

  guichet::testing::CentreServer centre_;
  guichet::testing::TempDir work_{"counter-filing"};
  std::unique_ptr<test::SimProcess> sim_;
  std::unique_ptr<Process> app_;
  std::string kiosk_secret_, counter_secret_, desk_secret_;
  std::vector<std::string> dumped_;
  fs::path shots_;
  bool documents_by_keys_ = false;  // tick documents with Ctrl+number rather than tapping their rows
};

}  // namespace

TEST_F(CounterFilingTest, ApplicationFromACalledTokenIsSavedPrintedAndOnTheServer) {
  // The citizen chose Hindi at the kiosk: their papers are printed in Hindi.
  const std::string token = issue("birth-certificate", 1, "hi");
  ASSERT_FALSE(token.empty());
  start_counter();
  log_in_call_and_fill();
  if (HasFatalFailure()) return;

  // The papers' language comes from the token; F2 steps through the centre's languages (a walk-in
  // says which they read) and back round.
  ASSERT_EQ(cmd("wait_text \"Papers in: हिन्दी [F2]\""), "ok") << screen();
  ASSERT_EQ(cmd("key F2"), "ok");
  ASSERT_EQ(cmd("wait_text \"Papers in: اردو [F2]\""), "ok") << screen();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(cmd("key F2"), "ok");
  ASSERT_EQ(cmd("wait_text \"Papers in: हिन्दी [F2]\""), "ok") << screen();
  // Online: no offline mark on the form.
  EXPECT_EQ(screen().find("unreachable"), std::string::npos) << screen();
  ASSERT_EQ(cmd("key F12"), "ok");
  ASSERT_EQ(cmd("wait_text \"Fee receipt and acknowledgement printed.\" 20000"), "ok") << screen();
  // Filed on Monday 23 November 2026: 5 working days and the 2 a centre adds, Tuesday 24 (a
  // holiday) and Sunday 29 not counted.
  ASSERT_EQ(cmd("wait_text \"Due by 2 Dec 2026\""), "ok") << screen();
  ASSERT_EQ(cmd("screenshot counter-application-saved.png"), "ok");
  const std::string receipt = receipt_on_screen();
  ASSERT_FALSE(receipt.empty()) << screen();

  // Two jobs: the fee receipt, then the acknowledgement; each renders and its QR is the receipt.
  for (int job : {1, 2}) {
    ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(job)); }, 10s)) << sim_->log();
    auto png = guichet::hardware::escpos_render::read_png(sim_->job_png(job));
    ASSERT_TRUE(png.ok()) << png.error().message;
    EXPECT_EQ(test::decode_qr(png.value()), receipt) << "job " << job;
    fs::copy_file(sim_->job_png(job), shots_ / ("counter-application-job-" + std::to_string(job) + ".png"),
                  fs::copy_options::overwrite_existing);
  }
  const std::string fee_receipt = read_all(sim_->job_bin(1));
  const std::string acknowledgement = read_all(sim_->job_bin(2));
  // In Hindi: what the printer's code page lacks is drawn (raster images), the receipt number is
  // text, and no English is left.
  for (const std::string* paper : {&fee_receipt, &acknowledgement}) {
    EXPECT_NE(paper->find("\x1dv0"), std::string::npos) << "drawn text";
    EXPECT_NE(paper->find(receipt), std::string::npos);
  }
  EXPECT_EQ(fee_receipt.find("Fee receipt"), std::string::npos);
  EXPECT_EQ(fee_receipt.find("Rs 50.00"), std::string::npos);
  EXPECT_EQ(acknowledgement.find("Application received"), std::string::npos);
  EXPECT_EQ(acknowledgement.find("Address proof"), std::string::npos) << "missing documents named in Hindi";

  // The outbox entry: channel counter, the token, the fee collected.
  json body = outbox_filing();
  EXPECT_EQ(body["receipt"], receipt);
  EXPECT_EQ(body["service"], "birth-certificate");
  EXPECT_EQ(body["channel"], "counter");
  EXPECT_EQ(body["token"], token);
  EXPECT_EQ(body["operator_id"], "op1");
  EXPECT_EQ(body["due_on"], "2026-12-02");
  EXPECT_EQ(body["fee_minor"], 5000);
  EXPECT_EQ(body["fields"]["gender"], "female");
  EXPECT_EQ(body["fields"]["date-of-birth"], "2026-04-14");
  EXPECT_EQ(body["fields"]["mobile"], "9814012345");
  EXPECT_EQ(body["documents"][0], (json{{"id", "discharge-slip"}, {"present", true}}));
  EXPECT_EQ(body["documents"][2], (json{{"id", "address-proof"}, {"present", false}}));

  // The server has it.
  const guichet::sync::HttpResponse status = application_at_centre(receipt, 10s);
  EXPECT_TRUE(status.ok()) << status.status << " " << status.body;
  if (status.ok()) {
    json app = json::parse(status.body)["application"];
    EXPECT_EQ(app["receipt"], receipt);
    EXPECT_EQ(app["service"], "birth-certificate");
    EXPECT_EQ(app["status"], "received");
  }

  ASSERT_EQ(cmd("key Return"), "ok");
  ASSERT_EQ(cmd("wait_text \"Why this token:\""), "ok") << "back to the citizen at the counter";
  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
}

TEST_F(CounterFilingTest, PrinterFaultKeepsTheApplicationAndShowsTheReceiptNumber) {
  ASSERT_FALSE(issue("birth-certificate", 1).empty());
  start_counter();
  log_in_call_and_fill();
  if (HasFatalFailure()) return;
  // The counter looked at its printer as it started: the manager's dashboard says it is ready.
  EXPECT_TRUE(test::wait_until([this] { return printer_on_dashboard() == "ready"; }, 10s)) << printer_on_dashboard();
  EXPECT_EQ(sim_->control("paper-out").rfind("ok", 0), 0u);
  ASSERT_EQ(cmd("key F12"), "ok");
  ASSERT_EQ(cmd("wait_text \"but the printer failed\" 20000"), "ok") << screen();
  ASSERT_EQ(cmd("screenshot counter-application-printer-fault.png"), "ok");
  const std::string receipt = receipt_on_screen();
  ASSERT_FALSE(receipt.empty()) << screen();
  EXPECT_FALSE(fs::exists(sim_->job_png(1)));
  EXPECT_EQ(outbox_filing()["receipt"], receipt);
  // The upload of the filing says what the counter found: the manager sees the empty roll.
  EXPECT_TRUE(test::wait_until([this] { return printer_on_dashboard() == "paper_out"; }, 10s))
      << printer_on_dashboard();
}

// Nobody at the counter, nothing printed: the counter still looks at its printer (here every
// second), and the manager's dashboard follows the cover opened, the roll running low and the
// printer fixed, each within a few seconds.
TEST_F(CounterFilingTest, AnIdleCounterLooksAtItsPrinterAndTheDashboardFollows) {
  ASSERT_FALSE(issue("birth-certificate", 1).empty());
  start_counter({"--printer-look-seconds", "1"});
  log_in();
  if (HasFatalFailure()) return;
  EXPECT_TRUE(test::wait_until([this] { return printer_on_dashboard() == "ready"; }, 10s)) << printer_on_dashboard();
  EXPECT_EQ(sim_->control("cover-open").rfind("ok", 0), 0u);
  EXPECT_TRUE(test::wait_until([this] { return printer_on_dashboard() == "cover_open"; }, 10s))
      << printer_on_dashboard();
  EXPECT_EQ(sim_->control("ok").rfind("ok", 0), 0u);
  EXPECT_EQ(sim_->control("paper-near-end").rfind("ok", 0), 0u);
  EXPECT_TRUE(test::wait_until([this] { return printer_on_dashboard() == "paper_low"; }, 10s))
      << printer_on_dashboard();
  EXPECT_EQ(sim_->control("ok").rfind("ok", 0), 0u);
  EXPECT_TRUE(test::wait_until([this] { return printer_on_dashboard() == "ready"; }, 10s)) << printer_on_dashboard();
  EXPECT_FALSE(fs::exists(sim_->job_png(1))) << "a look prints nothing";
  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
}

// The centre server goes away while the operator is at work. The form shows the offline mark; a
// walk-in's application is saved here and its papers print (in English, the centre's first
// language: the due date is printed as the screen shows it); the operator logs out. The operator's
// session is closed at the server before the counter reaches it again (as when the session ended
// meanwhile): the filing, uploaded then, is stored as the operator's because it names them, while
// the call and the logout sent with that session are refused.
TEST_F(CounterFilingTest, FiledOfflineAndUploadedAfterLogoutIsStoredWithItsOperator) {
  ASSERT_FALSE(issue("birth-certificate", 1).empty());
  start_counter();
  log_in();
  if (HasFatalFailure()) return;
  const std::uint16_t port = centre_.port();
  centre_.kill9();
  ASSERT_EQ(cmd("key F1"), "ok");  // Call next: kept here, the server being out of reach
  ASSERT_EQ(cmd("wait_text \"Centre server unreachable: the action is saved here\" 20000"), "ok") << screen();
  open_and_fill(true);
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"Centre server unreachable - 1 action saved\""), "ok") << screen();
  ASSERT_EQ(cmd("wait_text \"Papers in: English [F2]\""), "ok") << screen();
  ASSERT_EQ(cmd("screenshot counter-application-offline.png"), "ok");

  ASSERT_EQ(cmd("key F12"), "ok");
  ASSERT_EQ(cmd("wait_text \"Fee receipt and acknowledgement printed.\" 20000"), "ok") << screen();
  ASSERT_EQ(cmd("wait_text \"Due by 2 Dec 2026\""), "ok") << screen();
  ASSERT_EQ(cmd("wait_text \"Centre server unreachable - 2 actions saved\""), "ok") << screen();
  const std::string receipt = receipt_on_screen();
  ASSERT_FALSE(receipt.empty()) << screen();
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(2)); }, 10s)) << sim_->log();
  const std::string acknowledgement = read_all(sim_->job_bin(2));
  EXPECT_NE(acknowledgement.find("Due by: 2 December 2026"), std::string::npos) << acknowledgement;
  EXPECT_NE(acknowledgement.find(receipt), std::string::npos);

  ASSERT_EQ(cmd("key Return"), "ok");
  ASSERT_EQ(cmd("wait_text \"Nobody at the counter\""), "ok") << screen();
  ASSERT_EQ(cmd("key F10"), "ok");
  ASSERT_EQ(cmd("wait_text \"Logged out here.\" 20000"), "ok") << screen();

  // What waits in the outbox: the filing names its operator and carries no session; the call and
  // the logout carry the session.
  std::string session;
  {
    guichet::store::Db db((work_ / "counter-data" / "outbox.sqlite").string());
    auto st = db.prepare("SELECT kind, bearer FROM outbox WHERE state = 'pending' ORDER BY seq");
    std::vector<std::string> pending;
    while (st.step()) {
      pending.push_back(st.text(0) + (st.text(1).empty() ? "" : " with session"));
      if (!st.text(1).empty()) session = st.text(1);
    }
    EXPECT_EQ(pending, (std::vector<std::string>{"counter.call_next with session", "application.file",
                                                 "session.close with session"}));
  }
  EXPECT_EQ(outbox_filing()["operator_id"], "op1");
  ASSERT_FALSE(session.empty());

  // The session is closed at the server while the counter cannot reach it (the server on another
  // port), then the server comes back where the counter looks for it.
  centre_.time_origin = "2026-11-23T12:00:00+05:30";
  ASSERT_TRUE(centre_.start()) << centre_.stderr_text();
  {
    ApiClient elsewhere(centre_.endpoint("C1", counter_secret_));
    RequestOptions o;
    o.bearer = session;
    auto closed = elsewhere.del("/api/v1/sessions/current", o);
    ASSERT_EQ(closed.status, 200) << closed.body;
  }
  centre_.stop();
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();

  const guichet::sync::HttpResponse status = application_at_centre(receipt, 20s);
  ASSERT_TRUE(status.ok()) << status.status << " " << status.body;
  // Every entry answered: the filing stored, the call and the logout refused (the session had
  // ended), which the filing escaped by naming its operator.
  std::vector<std::string> answered;
  std::string answers;  // for a failure's message
  ASSERT_TRUE(test::wait_until(
      [&] {
        answered.clear();
        answers.clear();
        guichet::store::Db db((work_ / "counter-data" / "outbox.sqlite").string());
        auto st = db.prepare("SELECT kind, state, response_status, response_body FROM outbox ORDER BY seq");
        bool pending = false;
        while (st.step()) {
          answered.push_back(st.text(0) + " " + st.text(1) + " " + std::to_string(st.int64(2)));
          answers += answered.back() + " " + st.text(3) + "\n";
          pending = pending || st.text(1) == "pending";
        }
        return !pending;
      },
      20s))
      << answers;
  ASSERT_GE(answered.size(), 3u) << answers;
  EXPECT_EQ(std::vector<std::string>(answered.end() - 3, answered.end()),
            (std::vector<std::string>{"counter.call_next failed 401", "application.file done 201",
                                      "session.close failed 401"}))
      << answers;

  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  centre_.stop();
  guichet::store::Db centre_db(centre_.db().string());
  auto st = centre_db.prepare("SELECT operator_id, channel, device, fee_minor FROM applications WHERE receipt = ?1");
  st.bind(1, receipt);
  ASSERT_TRUE(st.step()) << receipt << " is not at the centre";
  EXPECT_EQ(st.text(0), "op1");
  EXPECT_EQ(st.text(1), "counter");
  EXPECT_EQ(st.text(2), "C1");
  EXPECT_EQ(st.int64(3), 5000);
}

// The longest form and checklist of the demo centre (the disability pension's fourteen fields and
// seven documents) show whole at 1280x800 side by side, with a scanner's column beside each
// document and a page scanned for the first one: no field or document is scrolled out of the
// operator's view.
TEST_F(CounterFilingTest, TheLongestFormAndChecklistShowWholeWithAScanner) {
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  // Counter 1's services with a form, in the catalogue's order: the disability pension is fifth.
  open_walk_in_form(scanner, 5, "Disability pension");
  if (HasFatalFailure()) return;
  expect_form_whole({"Applicant's full name *", "Father's or husband's name *", "Date of birth * (d/m/y)", "Gender *",
                     "Aadhaar number *", "Marital status *", "Kind of disability *",
                     "Disability as on the medical certificate (%) *", "UDID card number", "Annual family income (₹) *",
                     "Bank account number *", "Bank IFSC code *", "Full address *", "Mobile number *"});
  if (HasFatalFailure()) return;
  expect_checklist_whole(7);
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("key Alt+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"Remove page 1.\" 20000"), "ok") << screen();
  expect_checklist_whole(7);
  ASSERT_EQ(cmd("screenshot counter-longest-form.png"), "ok");
}

// The longest checklist a counter shows without scrolling: ten documents (a made-up mutation of
// land records, appended to the demo catalogue at counter 1). At 1280x800 with a scanner the form
// narrows to give the checklist room, and every field and document shows whole; the tenth
// document answers Ctrl+0 and Alt+0 as the first nine answer their numbers.
TEST_F(CounterFilingTest, TenDocumentsShowWholeWithAScannerAndTheTenthAnswersItsKeys) {
  restart_centre_with(read_all(fs::path(GUICHET_SOURCE_DIR) / "tests/e2e/counter/land-mutation.toml"));
  if (HasFatalFailure()) return;
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  // Counter 1's services with a form, in the catalogue's order: the appended one is sixth.
  open_walk_in_form(scanner, 6, "Mutation of land records (after a sale)");
  if (HasFatalFailure()) return;
  expect_form_whole({"Village or ward *", "Khasra number *", "Area sold (square yards) *", "Seller's full name *",
                     "Buyer's full name *", "Buyer's father's or husband's name *", "Sale deed registration number *",
                     "Date the sale deed was registered * (d/m/y)", "Buyer's full address *", "Mobile number *"});
  if (HasFatalFailure()) return;
  expect_checklist_whole(10);
  ASSERT_EQ(cmd("screenshot counter-ten-documents.png"), "ok");
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("key Ctrl+0"), "ok");
  ASSERT_EQ(cmd("wait_text \"10. Present: Passport-size photographs of the buyer and the seller\" 15000"), "ok")
      << screen();
  ASSERT_EQ(cmd("key Alt+0"), "ok");
  ASSERT_EQ(cmd("wait_text \"Remove page 10.\" 20000"), "ok") << screen();
  expect_checklist_whole(10);
  ASSERT_EQ(cmd("screenshot counter-ten-documents-page.png"), "ok");
}

// A checklist longer than ten documents (a made-up permit to build a house, twelve documents,
// appended to the demo catalogue at counter 1): at 1280x800 with a scanner it is set in two
// columns beside a narrower form, and every field and document shows whole, a page scanned
// included. The eleventh and twelfth documents answer Ctrl and Alt with Shift held.
TEST_F(CounterFilingTest, TwelveDocumentsShowWholeInTwoColumnsAndTheEleventhAnswersShift) {
  restart_centre_with(read_all(fs::path(GUICHET_SOURCE_DIR) / "tests/e2e/counter/house-permit.toml"));
  if (HasFatalFailure()) return;
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  open_walk_in_form(scanner, 6, "Permit to build a house (residential plot)");
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"with Shift for 11 to 20; Ctrl+D: the checklist.\""), "ok") << screen();
  expect_form_whole({"Owner's full name *", "Plot number *", "Sector or colony *", "Plot area (square metres) *",
                     "Floors to be built *", "Mobile number *"});
  if (HasFatalFailure()) return;
  expect_checklist_whole(12, true);
  if (HasFatalFailure()) return;
  // Two columns: the seventh document heads the second, level with the first.
  cmd("dump");
  const auto items = guichet::testing::parse_dump(dumped_);
  const auto* first = starting_with(items, "1. Missing: ");
  const auto* seventh = starting_with(items, "7. Missing: ");
  const auto* scan_sixth = starting_with(items, "Scan 6.");
  ASSERT_TRUE(first && seventh && scan_sixth) << screen();
  EXPECT_NEAR(seventh->y, first->y, 2.0f);
  EXPECT_GE(seventh->x, scan_sixth->right()) << "the second column starts right of the first one's Scan buttons";
  ASSERT_EQ(cmd("screenshot counter-twelve-documents.png"), "ok");
  // Shift picks the second ten: Ctrl+Shift+2 is the twelfth document, Ctrl+2 still the second.
  ASSERT_EQ(cmd("key Ctrl+Shift+2"), "ok");
  ASSERT_EQ(cmd("wait_text \"12. Present: Property tax receipt\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("wait_text \"2. Missing: Jamabandi of the plot\""), "ok") << screen();
  ASSERT_EQ(cmd("key Ctrl+2"), "ok");
  ASSERT_EQ(cmd("wait_text \"2. Present: Jamabandi of the plot\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key Alt+Shift+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"Remove page 11.\" 20000"), "ok") << screen();
  EXPECT_EQ(cmd("wait_text \"11. Present: Photographs of the plot - 1 page\""), "ok") << screen();
  expect_checklist_whole(12, true);
  ASSERT_EQ(cmd("screenshot counter-twelve-documents-page.png"), "ok");
}

// A checklist too long to show at once (the permit to build a house with eight more documents,
// twenty in all) scrolls: a document reached by its keys is brought into view, the twentieth with
// Ctrl+Shift+0 and then the first again with Ctrl+1, each whole on screen once ticked.
TEST_F(CounterFilingTest, ADocumentReachedByItsKeysInAScrollingChecklistIsBroughtIntoView) {
  restart_centre_with(house_permit_with(8));
  if (HasFatalFailure()) return;
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  open_walk_in_form(scanner, 6, "Permit to build a house (residential plot)");
  if (HasFatalFailure()) return;
  ASSERT_TRUE(row_whole("1. Missing: ")) << screen();
  ASSERT_FALSE(row_whole("20. Missing: ")) << "twenty documents should not all show at once\n" << screen();
  ASSERT_EQ(cmd("key Ctrl+Shift+0"), "ok");
  ASSERT_EQ(cmd("wait_text \"20. Present: Neighbours' consent to a shared wall (optional)\" 15000"), "ok") << screen();
  EXPECT_TRUE(test::wait_until([&] { return row_whole("20. Present: "); }, 5s)) << screen();
  EXPECT_FALSE(row_whole("1. Missing: ")) << "scrolled down to the twentieth\n" << screen();
  ASSERT_EQ(cmd("key Ctrl+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"1. Present: Ownership deed or allotment letter of plot\" 15000"), "ok") << screen();
  EXPECT_TRUE(test::wait_until([&] { return row_whole("1. Present: "); }, 5s)) << screen();
  ASSERT_EQ(cmd("screenshot counter-twenty-documents.png"), "ok");
}

// Every document of a checklist is reached from the keyboard, past the twentieth too (the permit
// to build a house with ten more documents, twenty-two in all, in two scrolling columns): Ctrl+D
// gives the keys to the checklist, the arrow keys (Home, End) choose a document, ringed and kept in
// view, Space ticks it and Enter scans a page for it; typing then reaches no field. Esc gives the
// keys back to the field that had them, without cancelling the application; Tab gives them to a
// field too.
TEST_F(CounterFilingTest, EveryDocumentOfALongChecklistIsReachedByTheArrowKeysAfterCtrlD) {
  restart_centre_with(house_permit_with(10));
  if (HasFatalFailure()) return;
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  open_walk_in_form(scanner, 6, "Permit to build a house (residential plot)");
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"with Shift for 11 to 20; Ctrl+D: the checklist.\""), "ok") << screen();
  ASSERT_FALSE(row_whole("22. Missing: ")) << "twenty-two documents should not all show at once\n" << screen();
  // The second field has the keys when the checklist takes them.
  ASSERT_EQ(cmd("type \"Harpreet Kaur\""), "ok");
  ASSERT_EQ(cmd("tap \"Plot number *\""), "ok") << screen();
  ASSERT_EQ(cmd("type \"417\""), "ok");
  ASSERT_EQ(cmd("wait_text \"417\""), "ok") << screen();
  ASSERT_EQ(cmd("expect_no_text \"Harpreet Kaur4\""), "ok") << screen();
  ASSERT_EQ(cmd("key Ctrl+D"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 1 of 22 - arrows: choose; Space: present or missing; Enter: scan it; Esc: back "
                "to the form.\" 15000"),
            "ok")
      << screen();
  // Typing goes to no field while the checklist has the keys.
  ASSERT_EQ(cmd("type \"9\""), "ok");
  ASSERT_EQ(cmd("key End"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 22 of 22\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"4179\""), "ok") << screen();
  ASSERT_EQ(cmd("key Space"), "ok");
  ASSERT_EQ(cmd("wait_text \"22. Present: Lift safety certificate (optional)\" 15000"), "ok") << screen();
  EXPECT_TRUE(test::wait_until([&] { return row_whole("22. Present: "); }, 5s)) << screen();
  EXPECT_FALSE(row_whole("1. Missing: ")) << "scrolled down to the twenty-second\n" << screen();
  ASSERT_EQ(cmd("screenshot counter-checklist-keys.png"), "ok");
  ASSERT_EQ(cmd("key Up"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 21 of 22\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key Return"), "ok");
  ASSERT_EQ(cmd("wait_text \"Remove page 21.\" 20000"), "ok") << screen();
  EXPECT_EQ(cmd("wait_text \"21. Present: Soil test report (optional) - 1 page\""), "ok") << screen();
  // Two columns of eleven: Left and Right move between them, level.
  ASSERT_EQ(cmd("key Left"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 10 of 22\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key Right"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 21 of 22\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key Home"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 1 of 22\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key Space"), "ok");
  ASSERT_EQ(cmd("wait_text \"1. Present: Ownership deed or allotment letter of plot\" 15000"), "ok") << screen();
  EXPECT_TRUE(test::wait_until([&] { return row_whole("1. Present: "); }, 5s)) << screen();
  // Esc: the keys back to the plot number, the application still open.
  ASSERT_EQ(cmd("key Escape"), "ok");
  ASSERT_EQ(cmd("wait_text \"Ctrl+D: the checklist.\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("wait_text \"New application - walk-in\""), "ok") << screen();
  ASSERT_EQ(cmd("type \"8\""), "ok");
  EXPECT_EQ(cmd("wait_text \"4178\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"Harpreet Kaur8\""), "ok") << screen();
  EXPECT_EQ(cmd("wait_text \"Harpreet Kaur\""), "ok") << screen();
  // Tab from the checklist gives the keys back to a field too.
  ASSERT_EQ(cmd("key Ctrl+D"), "ok");
  ASSERT_EQ(cmd("wait_text \"Document 1 of 22\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key Tab"), "ok");
  ASSERT_EQ(cmd("wait_text \"Ctrl+D: the checklist.\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"Document 1 of 22\""), "ok") << screen();
}

// The operator scans the citizen's papers at the counter: a real SANE scanner (the network
// daemon with SANE's test device, on a loopback address of its own) behind the counter's Scan
// buttons. A page scanned is listed on its document's row; the same page again is not added; a
// paper jam is said in plain words and changes nothing; the last page can be taken off. Saved, the
// filing names each page by its SHA-256, the counter keeps the pages, and its uploader brings them
// to the centre node, where they are the very pages scanned (a 200 dpi grid of 10 mm squares).
TEST_F(CounterFilingTest, ScannedPagesAreAttachedToTheirDocumentAndReachTheCentre) {
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  call_and_fill_with(scanner);
  if (HasFatalFailure()) return;

  ASSERT_EQ(cmd("wait_text \"Scan [Alt+1]\""), "ok") << screen();
  expect_checklist_whole(4);
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("tap \"Scan [Alt+1]\""), "ok");
  ASSERT_EQ(cmd("wait_text \"1. Present: Hospital discharge slip or birth report - 1 page\" 20000"), "ok") << screen();
  // The same paper again gives the same page: not added twice.
  ASSERT_EQ(cmd("key Alt+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"This page is the same as one scanned already\" 20000"), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"birth report - 2 pages\""), "ok");
  // A jam: the scanner's problem in plain words; the address proof stays missing, with no page.
  scanner_options.read_status = "SANE_STATUS_JAMMED";
  scanner.set_options(scanner_options);
  ASSERT_EQ(cmd("key Alt+3"), "ok");
  ASSERT_EQ(cmd("wait_text \"Paper jammed in the scanner\" 20000"), "ok") << screen();
  ASSERT_EQ(cmd("screenshot counter-scan-jammed.png"), "ok");
  // The jam cleared, a second page (another paper) for the discharge slip.
  scanner_options.read_status.clear();
  scanner_options.picture = "Color pattern";
  scanner.set_options(scanner_options);
  ASSERT_EQ(cmd("key Alt+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"birth report - 2 pages\" 20000"), "ok") << screen();
  // Taken off, and scanned again.
  ASSERT_EQ(cmd("tap \"Remove page 1.\""), "ok");
  ASSERT_EQ(cmd("wait_text \"birth report - 1 page\""), "ok") << screen();
  ASSERT_EQ(cmd("key Alt+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"birth report - 2 pages\" 20000"), "ok") << screen();
  expect_checklist_whole(4);
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("screenshot counter-scan-pages.png"), "ok");

  ASSERT_EQ(cmd("key F12"), "ok");
  ASSERT_EQ(cmd("wait_text \"Fee receipt and acknowledgement printed.\" 20000"), "ok") << screen();
  const std::string receipt = receipt_on_screen();
  ASSERT_FALSE(receipt.empty()) << screen();

  // The acknowledgement tells the citizen what the counter kept of their papers (read once the
  // job is whole: its image is rendered after the cut).
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(sim_->job_png(2)); }, 10s)) << sim_->log();
  const std::string acknowledgement = read_all(sim_->job_bin(2));
  EXPECT_NE(acknowledgement.find("Scanned at the counter:"), std::string::npos) << acknowledgement;
  // (The line wraps at the paper's 48 columns, after "2".)
  EXPECT_NE(acknowledgement.find("- Hospital discharge slip or birth report: 2"), std::string::npos) << acknowledgement;

  // The filing names the two pages of the discharge slip, in the order scanned.
  json body = outbox_filing();
  ASSERT_TRUE(body["documents"][0].contains("files")) << body.dump();
  const json files = body["documents"][0]["files"];
  ASSERT_EQ(files.size(), 2u) << body.dump();
  EXPECT_FALSE(body["documents"][2].contains("files")) << "the jam attached nothing";
  std::vector<std::string> shas;
  for (const auto& f : files) {
    EXPECT_EQ(f["media_type"], "image/png");
    shas.push_back(f["sha256"].get<std::string>());
  }
  EXPECT_NE(shas[0], shas[1]);

  // The centre node gets both pages from the counter's uploader, byte for byte what the counter
  // scanned (their SHA-256 is the one the counter computed); the counter then drops its copies.
  const fs::path centre_files = centre_.dir() / "attachments.sqlite";
  auto count_at_centre = [&] {
    if (!fs::exists(centre_files)) return -1;
    guichet::store::Db db(centre_files.string());
    auto st = db.prepare("SELECT count(*) FROM attachments WHERE sha256 IN (?, ?)");
    st.bind(1, shas[0]).bind(2, shas[1]);
    return st.step() ? static_cast<int>(st.int64(0)) : -1;
  };
  EXPECT_TRUE(test::wait_until([&] { return count_at_centre() == 2; }, 20s)) << count_at_centre();
  guichet::store::Db counter_db((work_ / "counter-data" / "attachments.sqlite").string());
  guichet::store::Db centre_db(centre_files.string());
  for (const auto& sha : shas) {
    auto theirs = centre_db.prepare("SELECT content, device FROM attachments WHERE sha256 = ?");
    theirs.bind(1, sha);
    ASSERT_TRUE(theirs.step()) << sha;
    const auto blob = theirs.blob(0);
    EXPECT_EQ(guichet::sync::sha256_hex(std::vector<std::uint8_t>(blob.begin(), blob.end())), sha);
    EXPECT_EQ(theirs.text(1), "C1");
  }
  EXPECT_TRUE(test::wait_until(
      [&] {
        auto st = counter_db.prepare(
            "SELECT count(*) FROM attachments WHERE state = 'sent' AND length(content) = 0 AND bytes > 0");
        return st.step() && st.int64(0) == 2;
      },
      10s))
      << "the centre has the pages: the counter keeps only their names";
  // What the first page shows: the test device's grid of 10 mm squares at 200 dpi (1574 pixels
  // for its 200 mm), black and white alternating.
  auto first = centre_db.prepare("SELECT content FROM attachments WHERE sha256 = ?");
  first.bind(1, shas[0]);
  ASSERT_TRUE(first.step());
  const auto bytes = first.blob(0);
  {
    std::ofstream out(shots_ / "counter-scan-page-1.png", std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const auto page = test::decode_png(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  EXPECT_EQ(page.width, 1574);
  EXPECT_EQ(page.height, 1574);
  const double square = 200 * 10 / 25.4;  // 10 mm in pixels at 200 dpi
  // The centre of square (col, row) is white when col + row is even (the top-left one is).
  for (int row = 0; row < 20 && page.width == 1574; ++row) {
    for (int col = 0; col < 20; ++col) {
      ASSERT_EQ(page.at(static_cast<int>((col + 0.5) * square), static_cast<int>((row + 0.5) * square)),
                (col + row) % 2 == 0 ? 255 : 0)
          << "square " << col << "," << row;
    }
  }

  // The application at the centre lists them on its document.
  guichet::store::Db centre_main(centre_.db().string());
  auto app = centre_main.prepare("SELECT documents FROM applications WHERE receipt = ?");
  app.bind(1, receipt);
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto again = centre_main.prepare("SELECT count(*) FROM applications WHERE receipt = ?");
        again.bind(1, receipt);
        return again.step() && again.int64(0) == 1;
      },
      10s));
  ASSERT_TRUE(app.step());
  const json documents = json::parse(app.text(0));
  ASSERT_EQ(documents[0]["files"].size(), 2u) << documents.dump();
  EXPECT_EQ(documents[0]["files"][0]["sha256"], shas[0]);
  EXPECT_EQ(documents[0]["files"][1]["sha256"], shas[1]);

  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  // Removed from the file itself, not only unlinked: no PNG is left in the counter's files.
  for (const char* name : {"attachments.sqlite", "attachments.sqlite-wal"}) {
    const fs::path file = work_ / "counter-data" / name;
    if (fs::exists(file)) {
      EXPECT_EQ(read_all(file).find("\x89PNG\r\n"), std::string::npos) << name;
    }
  }
}

// The counter stops (kill -9) while the operator is taking an application: the form filled and a
// page scanned. Started again, the operator logs in and finds the form as it was, with its page,
// marked as restored; saved, it is filed once with the page, and the kept form is gone (nothing is
// offered at the next start, and no page is left in draft.sqlite).
TEST_F(CounterFilingTest, AFormInProgressComesBackAfterTheCounterStoppedAndIsSavedOnce) {
  guichet::testing::SanedOptions scanner_options;
  guichet::testing::SanedSimulator scanner(scanner_options);
  const ScanTrace trace(*this, scanner);
  ASSERT_TRUE(scanner.start()) << scanner.log();
  call_and_fill_with(scanner);
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("key Alt+1"), "ok");
  ASSERT_EQ(cmd("wait_text \"1. Present: Hospital discharge slip or birth report - 1 page\" 20000"), "ok") << screen();

  // Kept on the disk as it changes: the last value typed and the page are in it.
  const fs::path outbox = work_ / "counter-data" / "outbox.sqlite";
  const fs::path pages = work_ / "counter-data" / "draft.sqlite";
  auto kept_draft = [&]() -> json {
    guichet::store::Db db(outbox.string());
    auto st = db.prepare("SELECT value FROM outbox_meta WHERE key = 'app.counter.draft'");
    return st.step() ? json::parse(st.text(0)) : json();
  };
  auto pages_kept = [&] {
    guichet::store::Db db(pages.string());
    auto st = db.prepare("SELECT count(*) FROM pages");
    return st.step() ? st.int64(0) : -1;
  };
  std::string page_sha;
  ASSERT_TRUE(test::wait_until(
      [&] {
        const json d = kept_draft();
        if (!d.is_object() || d["values"].value("date-of-birth", "") != "14/04/2026") return false;
        for (const auto& [document, list] : d["pages"].items()) {
          if (!list.empty()) page_sha = list[0]["sha256"];
        }
        return !page_sha.empty();
      },
      10s))
      << kept_draft().dump();
  EXPECT_EQ(pages_kept(), 1);
  app_->kill9();

  start_counter_with(scanner);
  open_counter_1();
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"Restored: this application was being taken when the counter stopped\" 15000"), "ok")
      << screen();
  ASSERT_EQ(cmd("wait_text \"New application - token A001\""), "ok") << screen();
  for (const char* value :
       {"14/04/2026", "Harpreet Singh", "Simran Kaur", "12 Model Town, Ludhiana", "98140 12345",
        "1. Present: Hospital discharge slip or birth report - 1 page", "2. Present: Identity proof of a parent"}) {
    EXPECT_EQ(cmd("wait_text " + quoted(value)), "ok") << screen();
  }
  ASSERT_EQ(cmd("screenshot counter-form-restored.png"), "ok");

  ASSERT_EQ(cmd("key F12"), "ok");
  ASSERT_EQ(cmd("wait_text \"Fee receipt and acknowledgement printed.\" 20000"), "ok") << screen();
  const std::string receipt = receipt_on_screen();
  ASSERT_FALSE(receipt.empty()) << screen();
  // One filing (outbox_filing checks there is exactly one), with the page scanned before the stop.
  const json body = outbox_filing();
  ASSERT_TRUE(body["documents"][0].contains("files")) << body.dump();
  ASSERT_EQ(body["documents"][0]["files"].size(), 1u) << body.dump();
  EXPECT_EQ(body["documents"][0]["files"][0]["sha256"], page_sha);
  EXPECT_EQ(body["operator_id"], "op1");
  EXPECT_TRUE(application_at_centre(receipt, 20s).ok());
  EXPECT_TRUE(kept_draft().is_null()) << "removed with the filing: " << kept_draft().dump();
  EXPECT_TRUE(test::wait_until([&] { return pages_kept() == 0; }, 10s)) << pages_kept();

  // Nothing is offered at the next start.
  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  start_counter_with(scanner);
  open_counter_1();
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"Waiting: 0\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"Restored:\""), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"New application - \""), "ok") << screen();
  ASSERT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  EXPECT_EQ(read_all(pages).find("\x89PNG\r\n"), std::string::npos) << "no page left in draft.sqlite";
}

// A power cut: the counter comes back before the centre server does. The operator logged in at
// this counter yesterday, so the PIN is checked here (a wrong one is refused, an operator who never
// logged in here is told why); the counter opens for applications only, a walk-in's application is
// saved and printed, and calling waits. When the server returns the counter opens there by itself:
// the queue works, and the application is at the centre, filed by its operator.
TEST_F(CounterFilingTest, AfterAPowerCutTheOperatorLogsInOnTheCounterAndTakesApplicationsUntilTheServerReturns) {
  start_counter();
  open_counter_1();
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"Nobody at the counter\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("key F10"), "ok");
  ASSERT_EQ(cmd("wait_text \"Operator ID\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  {
    // What the counter keeps: a hash of the PIN, never the PIN.
    const std::string kept = read_all(work_ / "counter-data" / "operators.sqlite");
    EXPECT_NE(kept.find("$argon2id$"), std::string::npos);
    EXPECT_EQ(kept.find("2468"), std::string::npos);
  }

  const std::uint16_t port = centre_.port();
  centre_.kill9();
  start_counter();
  enter_operator("op9", "1357");
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"has not logged in on this counter in the last 7 days\" 20000"), "ok") << screen();
  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  start_counter();
  enter_operator("op1", "1111");
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("wait_text \"Wrong operator ID or PIN (checked on this counter\" 20000"), "ok") << screen();
  ASSERT_EQ(cmd("type \"2468\""), "ok");
  ASSERT_EQ(cmd("key Return"), "ok");
  ASSERT_EQ(cmd("wait_text \"your PIN was checked on this counter\" 20000"), "ok") << screen();
  ASSERT_EQ(cmd("screenshot counter-offline-choice.png"), "ok");
  ASSERT_EQ(cmd("type \"1\""), "ok");
  ASSERT_EQ(cmd("wait_text \"PIN checked on this counter\" 15000"), "ok") << screen();
  ASSERT_EQ(cmd("wait_text \"Calling tokens waits until the centre server answers.\""), "ok") << screen();
  ASSERT_EQ(cmd("wait_text \"The waiting list shows when the centre server answers.\""), "ok") << screen();
  ASSERT_EQ(cmd("screenshot counter-offline-login.png"), "ok");
  ASSERT_EQ(cmd("key F1"), "ok");
  ASSERT_EQ(cmd("wait_text \"Call next needs the centre server\" 15000"), "ok") << screen();

  open_and_fill(true);
  if (HasFatalFailure()) return;
  ASSERT_EQ(cmd("key F12"), "ok");
  ASSERT_EQ(cmd("wait_text \"Fee receipt and acknowledgement printed.\" 20000"), "ok") << screen();
  const std::string receipt = receipt_on_screen();
  ASSERT_FALSE(receipt.empty()) << screen();
  ASSERT_EQ(cmd("key Return"), "ok");
  EXPECT_EQ(outbox_filing()["operator_id"], "op1");

  // The server returns where the counter looks for it; a citizen takes a token there.
  ASSERT_TRUE(centre_.start(port)) << centre_.stderr_text();
  ASSERT_FALSE(issue("birth-certificate", 1).empty());
  ASSERT_EQ(cmd("wait_text \"The centre server answers again\" 45000"), "ok") << screen();
  ASSERT_EQ(cmd("wait_text \"Waiting: 1\" 15000"), "ok") << screen();
  EXPECT_EQ(cmd("expect_no_text \"PIN checked on this counter\""), "ok") << screen();
  ASSERT_EQ(cmd("key F1"), "ok");
  ASSERT_EQ(cmd("wait_text \"Why this token:\" 15000"), "ok") << screen();

  const guichet::sync::HttpResponse status = application_at_centre(receipt, 20s);
  ASSERT_TRUE(status.ok()) << status.status << " " << status.body;
  EXPECT_EQ(cmd("quit"), "ok");
  EXPECT_EQ(app_->wait(10s), 0);
  centre_.stop();
  guichet::store::Db centre_db(centre_.db().string());
  auto st = centre_db.prepare("SELECT operator_id, channel FROM applications WHERE receipt = ?1");
  st.bind(1, receipt);
  ASSERT_TRUE(st.step()) << receipt << " is not at the centre";
  EXPECT_EQ(st.text(0), "op1");
  EXPECT_EQ(st.text(1), "counter");
}
