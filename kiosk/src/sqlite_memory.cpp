#include "sqlite_memory.hpp"

#include <sqlite3.h>

#include <atomic>
#include <string>

namespace guichet::kiosk {

namespace {

std::atomic<int> g_cache_kib{kSqliteCacheKib};

// Runs inside sqlite3_open_v2 for every new connection (an "automatic extension"). A file that
// cannot be read makes the PRAGMA fail; that is left to the opener, which reports it with its path.
int set_cache_size(sqlite3* db, char** /*error*/, const sqlite3_api_routines* /*api*/) {
  const std::string sql = "PRAGMA cache_size=-" + std::to_string(g_cache_kib.load());
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  return SQLITE_OK;
}

}  // namespace

bool limit_sqlite_memory(int cache_kib) {
  g_cache_kib = cache_kib > 0 ? cache_kib : kSqliteCacheKib;
  // No up-front page-cache block per connection: pages are allocated as they are read.
  const bool no_bulk = sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0) == SQLITE_OK;
  // sqlite3_auto_extension takes a plain function pointer; the entry point's real signature is
  // the documented one above.
  const bool cache = sqlite3_auto_extension(reinterpret_cast<void (*)()>(&set_cache_size)) == SQLITE_OK;
  return no_bulk && cache;
}

}  // namespace guichet::kiosk
