// Header check of a terminal's SQLite file before SQLite opens it. SQLite takes a file of zero
// bytes (and one cut down to its first byte) for a new, empty database, and reports some damage
// only when a page is read; a terminal must never mistake its damaged file for a fresh start (it
// would forget unsent actions, its issue log, its leased numbers). Used for the outbox, the change
// feed and the kiosk's own files.
#pragma once

#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "guichet/store/sqlite.hpp"

namespace guichet::store {

// Throws DbError (SQLITE_NOTADB) naming the file, `what` first ("outbox", "change feed"), when it
// exists, is not empty and does not begin with a valid SQLite header. A missing or empty file is
// left to SQLite (a new file).
inline void check_sqlite_header(const std::string& path, const std::string& what) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return;
  char header[100] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(header, sizeof header);
  const bool magic =
      in.gcount() == static_cast<std::streamsize>(sizeof header) && std::memcmp(header, "SQLite format 3", 16) == 0;
  // Page size: a power of two from 512 to 32768, or 1 for 65536 (bytes 16-17, big-endian).
  const unsigned page = (static_cast<unsigned char>(header[16]) << 8) | static_cast<unsigned char>(header[17]);
  const bool page_ok = page == 1 || (page >= 512 && page <= 32768 && (page & (page - 1)) == 0);
  if (!magic || !page_ok || size < 512) {
    throw DbError(SQLITE_NOTADB, what + " " + path +
                                     " is damaged: its SQLite header is not valid; it was not opened or "
                                     "changed (restore it from a backup, or move it away to start afresh)");
  }
}

}  // namespace guichet::store
