// The dashboard page as managers read it: the page the server serves runs its own script under
// Node against a stand-in for the browser's document (dashboard_page.js), on the dashboard answer
// the server gives. Asserted: the words and the red marks of the sync part.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "guichet/domain/calendar.hpp"
#include "guichet/server/resources.hpp"
#include "guichet/testing/filing.hpp"
#include "guichet/testing/process.hpp"
#include "server_fixture.hpp"

namespace guichet::server::test {
namespace {

class DashboardPage : public ServerFixture {
 protected:
  void SetUp() override {
    relay_node = true;  // a centre node that sends to central
    ServerFixture::SetUp();
  }

  // What the page shows for the server's dashboard answer now.
  json rendered() {
    const std::string mgr = login("D2", "mgr", "9876", "");
    Response d = call("GET", "/api/v1/dashboard", "D2", "", mgr);
    EXPECT_EQ(d.status, 200) << d.body;
    const std::filesystem::path page = dir / "dashboard.html";
    std::ofstream(page) << dashboard_html();
    const std::string node = GUICHET_NODE;
    if (node.empty()) {
      ADD_FAILURE() << "Node.js was not found when the tests were configured (packaging/setup-debian.sh installs "
                       "nodejs)";
      return json();
    }
    auto r = guichet::testing::run(
        node, {std::string(GUICHET_SOURCE_DIR) + "/tests/unit/server/dashboard_page.js", page.string()}, d.body);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? json::parse(r.out) : json();
  }

  static std::string text(const json& row, int cell) { return row.at(cell).at("text").get<std::string>(); }
  static std::string cls(const json& row, int cell) { return row.at(cell).at("cls").get<std::string>(); }

  static const json* row_of(const json& page, const std::string& id) {
    for (const auto& row : page["rows"]) {
      if (row[0]["text"] == id) return &row;
    }
    return nullptr;
  }
};

TEST_F(DashboardPage, SaysWhichTerminalsAreQuietWhatTheyHoldAndThatTheLinkToCentralIsDown) {
  // K1 holds 9 entries, the oldest written 20 minutes ago; its upload is refused whole (a protocol
  // version the server does not speak), so all 9 still wait and the oldest is known.
  Request refused = request("POST", "/api/v1/sync/upload", "K1", R"({"protocol":1,"entries":[]})");
  refused.with_header("X-Guichet-Outbox", "pending=9, oldest-age=1200");
  refused.with_header("X-Guichet-Protocol", "7");
  refused.with_header("X-Guichet-Disk", "free-mib=310");                        // and its disk is nearly full
  refused.with_header("X-Guichet-Printer", "state=paper_out, checked-age=60");  // and its paper ran out
  ASSERT_EQ(api->handle_sync(refused).status, 400);
  // K2 sends everything it holds, with room to spare.
  ASSERT_EQ(upload_tokens("K2", 1, 4, "pending=4, oldest-age=30").status, 200);
  Request k2_read = request("GET", "/api/v1/catalogue", "K2", "");
  k2_read.with_header("X-Guichet-Disk", "free-mib=20480");
  ASSERT_EQ(api->handle_sync(k2_read).status, 200);
  // A filing K1 made directly, waiting to go to central.
  guichet::testing::SampleFiling f;
  f.receipt = "LDH01-K1-000001";
  f.due_on = domain::format_date(domain::due_date(
      demo_catalogue()->calendar, domain::Date{std::chrono::year{2026}, std::chrono::November, std::chrono::day{23}},
      demo_catalogue()->service("birth-certificate")->time_limit_days, domain::Filed::AtCentre));
  Response filed = call("POST", "/api/v1/applications", "K1", guichet::testing::sample_filing(f).dump());
  ASSERT_EQ(filed.status, 201) << filed.body;
  wall += 11 * 60'000;  // K1 and K2 then fall silent for 11 minutes
  centre->upstream_link().did_not_go_through(wall.load(), false, "no answer: connection refused");
  // D1, a counter, has just looked at its printer: its paper is low, and it still prints.
  Request d1_read = request("GET", "/api/v1/catalogue", "D1", "");
  d1_read.with_header("X-Guichet-Printer", "state=paper_low, checked-age=0");
  ASSERT_EQ(api->handle_sync(d1_read).status, 200);

  const json page = rendered();
  const std::string link = page["link"]["text"];
  EXPECT_NE(link.find("Link to central: down since "), std::string::npos) << link;
  EXPECT_NE(link.find("(no answer: connection refused)"), std::string::npos) << link;
  EXPECT_NE(link.find("1 applications waiting, the oldest since 2026-11-23 10:00"), std::string::npos) << link;
  EXPECT_EQ(page["link"]["cls"].get<std::string>(), "long");

  const json* k1 = row_of(page, "K1");
  ASSERT_NE(k1, nullptr) << page.dump();
  EXPECT_EQ(text(*k1, 1), "11 min ago");
  EXPECT_EQ(cls(*k1, 1), "long");
  EXPECT_EQ(text(*k1, 2), "9 (oldest 31 min)");
  EXPECT_EQ(cls(*k1, 2), "n long");
  EXPECT_EQ(text(*k1, 3), "310 MB (low)");
  EXPECT_EQ(cls(*k1, 3), "n long");
  EXPECT_EQ(text(*k1, 4), "Out of paper (looked 12 min ago)");
  EXPECT_EQ(cls(*k1, 4), "long");
  const json* d1 = row_of(page, "D1");
  ASSERT_NE(d1, nullptr);
  EXPECT_EQ(text(*d1, 4), "Paper low");
  EXPECT_EQ(cls(*d1, 4), "");
  const json* k2 = row_of(page, "K2");
  ASSERT_NE(k2, nullptr);
  EXPECT_EQ(text(*k2, 2), "0");
  EXPECT_EQ(cls(*k2, 2), "n");
  EXPECT_EQ(text(*k2, 3), "20.0 GB");
  EXPECT_EQ(cls(*k2, 3), "n");
  const json* d2 = row_of(page, "D2");  // the manager's desk, signing in just now
  ASSERT_NE(d2, nullptr);
  EXPECT_EQ(text(*d2, 1), "just now");
  EXPECT_EQ(cls(*d2, 1), "");
  EXPECT_EQ(text(*d2, 2), "—");  // it never uploaded: no outbox report
  EXPECT_EQ(text(*d2, 3), "—");  // nor said its free disk
  EXPECT_EQ(text(*d2, 4), "—");  // nor has a printer
  EXPECT_EQ(cls(*d2, 4), "");
  const json* b1 = row_of(page, "B1");
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(text(*b1, 1), "not since the server started");
  EXPECT_EQ(cls(*b1, 1), "long");
}

TEST_F(DashboardPage, SaysTheLinkWorksAndNothingWaitsOnceCentralHasEverything) {
  centre->upstream_link().went_through(wall.load());
  const json page = rendered();
  EXPECT_EQ(page["link"]["text"].get<std::string>(), "Link to central: working · nothing waiting");
  EXPECT_EQ(page["link"]["cls"].get<std::string>(), "");
  EXPECT_EQ(page["rows"].size(), 6u);
}

}  // namespace
}  // namespace guichet::server::test
