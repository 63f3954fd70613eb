// The kiosk's SQLite memory: its databases are small and its statements touch a few pages, so each
// connection keeps a small page cache instead of SQLite's defaults (2 MB per connection, and an
// up-front block of 20 pages, about 87 kB, for each connection whether it reads them or not).
#pragma once

namespace guichet::kiosk {

// Page cache per connection that limit_sqlite_memory gives the kiosk's connections.
inline constexpr int kSqliteCacheKib = 128;

// Every SQLite connection the process opens after this call gets a page cache of at most
// `cache_kib` KiB, and none gets an up-front block. Call it first thing in main, before anything
// opens a database (SQLite takes the up-front setting only before it starts). False when SQLite
// refused either setting (then its defaults stay in force; nothing else changes).
bool limit_sqlite_memory(int cache_kib = kSqliteCacheKib);

}  // namespace guichet::kiosk
