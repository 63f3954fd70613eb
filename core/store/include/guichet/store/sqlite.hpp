// A thin RAII layer over SQLite: one connection, prepared statements with bound parameters only
// (never SQL spliced from strings), transactions, and numbered schema migrations.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::store {

// Thrown for failures that are not expected in normal operation (I/O error, corrupt file, bad
// SQL). `code` is SQLite's extended result code.
class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool is_corrupt() const { return (code_ & 0xff) == SQLITE_CORRUPT || (code_ & 0xff) == SQLITE_NOTADB; }
  bool is_full() const { return (code_ & 0xff) == SQLITE_FULL; }
  bool is_busy() const { return (code_ & 0xff) == SQLITE_BUSY; }

 private:
  int code_;
};

enum class Durability {
  Normal,  // WAL + synchronous=NORMAL: durable against process crash
  Full,    // WAL + synchronous=FULL: durable against power loss
};

struct OpenOptions {
  Durability durability = Durability::Full;
  bool read_only = false;
  int busy_timeout_ms = 5000;
  bool check_integrity = true;  // run quick_check at open; a damaged file is refused
};

class Statement;

class Db {
 public:
  // Opens (creating if needed) the file in WAL mode. Throws DbError, with the path, if the file
  // cannot be opened or fails its integrity check.
  explicit Db(const std::string& path, const OpenOptions& options = {});
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  void exec(std::string_view sql);  // one or more statements, no parameters
  Statement prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;

  // Applies each migration whose index (1-based) is above PRAGMA user_version, each in its own
  // transaction, and sets user_version. Refuses a file from a newer schema than it knows.
  void migrate(const std::vector<std::string>& migrations);
  int schema_version();

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  // Binding is 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Statement& bind(int index, double v);
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind_blob(int index, const void* data, std::size_t size);
  Statement& bind_null(int index);
  template <class T>
  Statement& bind(int index, const std::optional<T>& v) {
    return v ? bind(index, *v) : bind_null(index);
  }

  // Steps once: true if a row is available, false when done. Throws DbError on failure.
  bool step();
  // Runs to completion (for statements returning no rows).
  void run();
  void reset();  // reset and clear bindings, ready for reuse

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  int int32(int col) const { return static_cast<int>(int64(col)); }
  double real(int col) const;
  std::string text(int col) const;
  std::vector<unsigned char> blob(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE … COMMIT, rolled back if destroyed without commit().
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace guichet::store
