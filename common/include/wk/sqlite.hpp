#pragma once
// RAII SQLite: a connection (WAL, busy timeout, foreign keys), prepared statements,
// transactions, and schema migrations keyed on PRAGMA user_version.
// Errors throw sqlite::Error (storage errors are exceptional; callers that serve the
// network catch them, log, and drop the one request).

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wk::sqlite {

class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Statement;

class Database {
 public:
  struct Options {
    bool readOnly = false;
    bool wal = true;
    std::chrono::milliseconds busyTimeout{5000};
    // synchronous=FULL: a committed transaction survives power loss (kill -9 needs only
    // NORMAL under WAL, but leases and mail are promised durable).
    bool fullSync = true;
  };

  // Opens (creating unless readOnly) the file; ":memory:" gives a private in-memory
  // database (no WAL). Throws Error.
  explicit Database(const std::filesystem::path& file);  // default Options
  Database(const std::filesystem::path& file, Options options);
  ~Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);  // one or more statements, no results
  Statement prepare(std::string_view sql);
  std::int64_t lastInsertRowId() const;
  int changes() const;
  sqlite3* handle() { return db_; }

  // Applies migrations[user_version..] each in its own transaction, bumping user_version.
  // Index i of the vector brings the schema from version i to i + 1. A step is SQL for
  // exec() (several statements allowed) without BEGIN/COMMIT of its own. A step that throws
  // is rolled back whole, and the error propagates; the earlier steps stay committed. A
  // database newer than the list (user_version beyond it) is left alone.
  void migrate(const std::vector<std::string>& migrations);
  int userVersion();

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::span<const std::uint8_t> blob);
  Statement& bindNull(int index);

  // Advances to the next row: true = a row is available, false = done.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  void reset();  // ready to run again; bindings kept

  // Columns are 0-based.
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::vector<std::uint8_t> blob(int column) const;
  bool isNull(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace wk::sqlite
