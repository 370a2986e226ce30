#include "wk/sqlite.hpp"

#include <utility>

namespace wk::sqlite {

namespace {

[[noreturn]] void fail(sqlite3* db, int rc) {
  // sqlite3_errmsg describes the most recent failure on this connection, which is more
  // useful than the generic text for the result code.
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(rc, message);
}

void check(sqlite3* db, int rc) {
  if (rc != SQLITE_OK) fail(db, rc);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Database

Database::Database(const std::filesystem::path& file) : Database(file, Options{}) {}

Database::Database(const std::filesystem::path& file, Options options) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(rc, file.string() + ": " + message);
  }
  try {
    check(db_, sqlite3_busy_timeout(db_, static_cast<int>(options.busyTimeout.count())));
    sqlite3_extended_result_codes(db_, 1);
    exec("PRAGMA foreign_keys = ON");
    // ":memory:" and "" (a private temporary file) are for tests and scratch work: they
    // have no WAL, and no other connection could see one.
    bool scratch = file.empty() || file == ":memory:";
    if (options.wal && !options.readOnly && !scratch) {
      // journal_mode returns a row; a statement is needed to read it back.
      Statement mode(db_, "PRAGMA journal_mode = WAL");
      if (mode.step() && mode.text(0) != "wal")
        throw Error(SQLITE_ERROR, file.string() + ": cannot switch to WAL mode");
    }
    exec(options.fullSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  // close_v2 defers the close until every statement is finalized, so a Statement that
  // outlives its Database (a bug, but not one worth crashing for) does not dangle.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

void Database::exec(std::string_view sql) {
  // sqlite3_exec needs a NUL-terminated string; string_view may not be one.
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(rc, message);
  }
}

Statement Database::prepare(std::string_view sql) {
  return Statement(db_, sql);
}

std::int64_t Database::lastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
  return sqlite3_changes(db_);
}

int Database::userVersion() {
  Statement st(db_, "PRAGMA user_version");
  if (!st.step()) return 0;
  return static_cast<int>(st.integer(0));
}

void Database::migrate(const std::vector<std::string>& migrations) {
  for (;;) {
    // The version is read inside the write transaction, so two processes migrating the
    // same file at once cannot both apply a step: the second waits (busy timeout), then
    // sees the bumped version.
    Transaction tx(*this);
    int version = userVersion();
    if (version < 0 || static_cast<std::size_t>(version) >= migrations.size()) {
      // Nothing to do (or a database newer than this program, which is left alone).
      tx.commit();
      return;
    }
    exec(migrations[static_cast<std::size_t>(version)]);
    exec("PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

// ---------------------------------------------------------------------------------------
// Statement

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, &tail);
  if (rc != SQLITE_OK) fail(db, rc);
  if (stmt_ == nullptr) throw Error(SQLITE_MISUSE, "empty SQL statement");
  // Trailing text other than whitespace and ';' would be silently ignored: refuse it.
  if (tail != nullptr) {
    for (const char* p = tail; p < sql.data() + sql.size(); ++p) {
      if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        throw Error(SQLITE_MISUSE, "prepare: more than one statement (use exec)");
      }
    }
  }
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  check(db_, sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  check(db_,
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
  // A zero-length blob must stay a blob, not become NULL: zeroblob(0) does that, whereas
  // bind_blob with a null pointer would bind NULL.
  if (blob.empty()) {
    check(db_, sqlite3_bind_zeroblob(stmt_, index, 0));
  } else {
    check(db_, sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT));
  }
  return *this;
}

Statement& Statement::bindNull(int index) {
  check(db_, sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Reset so the statement is usable again; the error message is taken first since
  // reset may overwrite it.
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw Error(rc, message);
}

void Statement::run() {
  while (step()) {
  }
  sqlite3_reset(stmt_);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::vector<std::uint8_t> Statement::blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr || n <= 0) return {};
  return std::vector<std::uint8_t>(p, p + n);
}

bool Statement::isNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------------------
// Transaction

Transaction::Transaction(Database& db) : db_(db) {
  // IMMEDIATE takes the write lock now (waiting up to the busy timeout), so a transaction
  // never fails half-way with SQLITE_BUSY on its first write.
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  // The destructor must not throw; a failed rollback (the connection already rolled back
  // after an I/O error, say) leaves nothing else to do.
  char* err = nullptr;
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, &err);
  sqlite3_free(err);
}

void Transaction::commit() {
  if (done_) throw Error(SQLITE_MISUSE, "transaction already finished");
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace wk::sqlite
