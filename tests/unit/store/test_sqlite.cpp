// The store's SQLite connection: the process-wide settings it makes when the first database opens.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "guichet/store/sqlite.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::store {
namespace {

// Memory statistics are off once a database is opened (this test program starts SQLite only
// through the store): SQLite then counts no memory, and takes no global mutex per allocation.
TEST(SqliteSettings, MemoryStatisticsAreOffSoAllocationsTakeNoGlobalLock) {
  testing::TempDir dir{"guichet-sqlite"};
  Db db((dir / "a.sqlite").string());
  db.exec("CREATE TABLE t(x TEXT)");
  auto ins = db.prepare("INSERT INTO t(x) VALUES (?)");
  for (int i = 0; i < 100; ++i) {
    ins.bind(1, std::string(500, 'x'));
    ins.run();
    ins.reset();
  }
  EXPECT_EQ(sqlite3_memory_used(), 0) << "SQLite is counting its memory (SQLITE_CONFIG_MEMSTATUS on)";
  // The statistics only: the connection itself still reports what its page cache holds.
  int used = 0, high = 0;
  ASSERT_EQ(sqlite3_db_status(db.handle(), SQLITE_DBSTATUS_CACHE_USED, &used, &high, 0), SQLITE_OK);
  EXPECT_GT(used, 0);
}

}  // namespace
}  // namespace guichet::store
