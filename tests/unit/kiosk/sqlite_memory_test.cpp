// The kiosk's SQLite memory budget (kiosk/src/sqlite_memory.hpp): every connection gets the small
// page cache and no up-front block, through the store's ordinary Db.
#include "sqlite_memory.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "guichet/store/sqlite.hpp"
#include "guichet/testing/process.hpp"

namespace {

constexpr int kCacheKib = 64;

// As in the kiosk's main: before anything in the process starts SQLite.
const bool g_limited = guichet::kiosk::limit_sqlite_memory(kCacheKib);

int cache_size(guichet::store::Db& db) {
  auto st = db.prepare("PRAGMA cache_size");
  EXPECT_TRUE(st.step());
  return st.int32(0);
}

TEST(KioskSqliteMemory, EveryConnectionGetsTheSmallCache) {
  ASSERT_TRUE(g_limited);
  guichet::testing::TempDir dir("kiosk-sqlite-memory");
  guichet::store::Db a((dir / "a.sqlite").string());
  guichet::store::Db b((dir / "b.sqlite").string());
  EXPECT_EQ(cache_size(a), -kCacheKib);
  EXPECT_EQ(cache_size(b), -kCacheKib);
}

TEST(KioskSqliteMemory, ReadingALargeFileStaysWithinTheCache) {
  ASSERT_TRUE(g_limited);
  guichet::testing::TempDir dir("kiosk-sqlite-memory");
  const std::string path = (dir / "large.sqlite").string();
  {
    guichet::store::Db db(path);
    db.exec("CREATE TABLE t(x BLOB)");
    db.exec("BEGIN");
    auto ins = db.prepare("INSERT INTO t(x) VALUES (zeroblob(1000))");
    for (int i = 0; i < 4000; ++i) {  // about 4 MB: twice SQLite's default cache
      ins.run();
      ins.reset();
    }
    db.exec("COMMIT");
  }
  // Opening checks the file (quick_check reads every page), then a full scan reads them again.
  guichet::store::Db db(path);
  auto scan = db.prepare("SELECT count(*), sum(length(x)) FROM t");
  ASSERT_TRUE(scan.step());
  EXPECT_EQ(scan.int64(0), 4000);
  int used = 0, high = 0;
  ASSERT_EQ(sqlite3_db_status(db.handle(), SQLITE_DBSTATUS_CACHE_USED, &used, &high, 0), SQLITE_OK);
  EXPECT_GT(used, 0);
  EXPECT_LE(used, (kCacheKib + kCacheKib / 2) * 1024) << "page cache of " << used << " bytes";
}

TEST(KioskSqliteMemory, OpeningTakesNoUpFrontBlock) {
  ASSERT_TRUE(g_limited);
  guichet::testing::TempDir dir("kiosk-sqlite-memory");
  const std::string path = (dir / "small.sqlite").string();
  guichet::store::Db(path).exec("CREATE TABLE t(x)");
  const sqlite3_int64 before = sqlite3_memory_used();
  guichet::store::Db db(path);
  const sqlite3_int64 opened = sqlite3_memory_used() - before;
  ASSERT_GT(opened, 0) << "SQLite does not count its memory here: nothing to compare";
  // SQLite's default takes 20 pages (about 87 kB) per connection up front, about 200 kB in all
  // once the file is checked; the kiosk's connections take what they read.
  EXPECT_LT(opened, 80 * 1024) << "opening took " << opened << " bytes";
}

}  // namespace
