// The terminal's change feed file, and damaged terminal files: refused at open with the file's
// name, never opened afresh, the file left as it was.
#include "guichet/sync/change_feed.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "guichet/sync/client.hpp"

namespace fs = std::filesystem;
using guichet::store::DbError;
using guichet::sync::ChangeFeed;
using guichet::sync::Outbox;
using guichet::sync::OutboxOptions;

namespace {

class TerminalFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "guichet-feed-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  static std::string bytes(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void overwrite(const std::string& p, std::size_t at, const std::string& junk) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  // An outbox with enough entries to span many pages, closed cleanly (WAL checkpointed).
  std::string full_outbox() {
    const std::string p = path("outbox.sqlite");
    OutboxOptions o;
    o.first_seq = 1;
    o.durability = guichet::store::Durability::Normal;
    Outbox box(p, "K1", o);
    for (int i = 0; i < 200; ++i) box.append("POST", "/api/v1/applications", std::string(400, 'a'), "", i);
    return p;
  }
  template <class Open>
  void expect_refused(const std::string& p, Open open) {
    const std::string before = bytes(p);
    try {
      open();
      FAIL() << "a damaged file was opened";
    } catch (const DbError& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
    }
    EXPECT_EQ(bytes(p), before) << "the damaged file was changed";
  }

  fs::path dir_;
};

TEST_F(TerminalFiles, ANewFeedHasNoCursorNoStatusAndSaysWhyAPullFailed) {
  ChangeFeed feed(path("feed.sqlite"), {"http://127.0.0.1:1", "K1", "secret"});
  EXPECT_EQ(feed.cursor(), "0");
  EXPECT_FALSE(feed.local_status("LDH01-K1-000001").has_value());
  EXPECT_FALSE(feed.catalogue().has_value());
  auto pull = feed.pull();
  EXPECT_FALSE(pull.ok);
  EXPECT_FALSE(pull.error.empty());
  EXPECT_EQ(feed.cursor(), "0");
}

TEST_F(TerminalFiles, AnOutboxWithADamagedPageIsRefused) {
  const std::string p = full_outbox();
  overwrite(p, 5 * 4096 + 100, std::string(2000, '\x5a'));
  expect_refused(p, [&] { Outbox box(p, "K1"); });
}

TEST_F(TerminalFiles, AnOutboxWithADamagedHeaderIsRefused) {
  const std::string p = full_outbox();
  overwrite(p, 0, "SQLite format 2");
  expect_refused(p, [&] { Outbox box(p, "K1"); });
}

TEST_F(TerminalFiles, ATruncatedOutboxIsRefused) {
  const std::string p = full_outbox();
  fs::resize_file(p, 3 * 4096);
  expect_refused(p, [&] { Outbox box(p, "K1"); });
  fs::resize_file(p, 50);
  expect_refused(p, [&] { Outbox box(p, "K1"); });
}

TEST_F(TerminalFiles, ADamagedFeedFileIsRefused) {
  const std::string p = path("feed.sqlite");
  { ChangeFeed feed(p, {"http://127.0.0.1:1", "K1", "secret"}); }
  overwrite(p, 0, std::string(16, 'x'));
  expect_refused(p, [&] { ChangeFeed feed(p, {"http://127.0.0.1:1", "K1", "secret"}); });
}

}  // namespace
