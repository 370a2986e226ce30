#include "wk/sqlite.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using wk::sqlite::Database;
using wk::sqlite::Error;
using wk::sqlite::Transaction;

namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wk_sqlite_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "test.sqlite"; }

  fs::path dir_;
};

std::int64_t count(Database& db, const std::string& table) {
  auto st = db.prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(st.step());
  return st.integer(0);
}

}  // namespace

TEST_F(SqliteTest, OpensWithWalFullSyncAndForeignKeys) {
  Database db(file());
  auto mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
  auto sync = db.prepare("PRAGMA synchronous");
  ASSERT_TRUE(sync.step());
  EXPECT_EQ(sync.integer(0), 2);  // FULL
  auto fk = db.prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.integer(0), 1);
}

TEST_F(SqliteTest, NormalSyncWhenAsked) {
  Database::Options options;
  options.fullSync = false;
  Database db(file(), options);
  auto sync = db.prepare("PRAGMA synchronous");
  ASSERT_TRUE(sync.step());
  EXPECT_EQ(sync.integer(0), 1);  // NORMAL
}

TEST_F(SqliteTest, MigrationsAppliedOnceAndResumed) {
  std::vector<std::string> steps = {
      "CREATE TABLE a (x INTEGER)",
      "CREATE TABLE b (y TEXT); INSERT INTO a VALUES (1)",
  };
  {
    Database db(file());
    EXPECT_EQ(db.userVersion(), 0);
    db.migrate(steps);
    EXPECT_EQ(db.userVersion(), 2);
    db.migrate(steps);  // again: nothing re-run (INSERT would add a second row)
    EXPECT_EQ(count(db, "a"), 1);
  }
  // A newer program adds a step: only that one runs.
  steps.push_back("CREATE TABLE c (z BLOB); INSERT INTO a VALUES (2)");
  Database db(file());
  db.migrate(steps);
  EXPECT_EQ(db.userVersion(), 3);
  EXPECT_EQ(count(db, "a"), 2);
  EXPECT_EQ(count(db, "c"), 0);
}

TEST_F(SqliteTest, FailedMigrationRollsBackOnlyThatStep) {
  Database db(file());
  std::vector<std::string> steps = {
      "CREATE TABLE a (x INTEGER)",
      "CREATE TABLE b (y TEXT); INSERT INTO nonexistent VALUES (1)",
  };
  EXPECT_THROW(db.migrate(steps), Error);
  EXPECT_EQ(db.userVersion(), 1);  // step 0 committed, step 1 rolled back entirely
  auto st = db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'b'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 0);
  // Fixed step resumes from version 1.
  steps[1] = "CREATE TABLE b (y TEXT)";
  db.migrate(steps);
  EXPECT_EQ(db.userVersion(), 2);
}

TEST_F(SqliteTest, TransactionRollsBackOnException) {
  Database db(file());
  db.exec("CREATE TABLE t (x INTEGER)");
  try {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (1)").run();
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(count(db, "t"), 0);
  {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (2)").run();
    tx.commit();
    EXPECT_THROW(tx.commit(), Error);
  }
  EXPECT_EQ(count(db, "t"), 1);
}

TEST_F(SqliteTest, ErrorsCarrySqliteMessageAndCode) {
  Database db(file());
  db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
  try {
    db.prepare("SELECT nope FROM t");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no such column: nope"), std::string::npos) << e.what();
    EXPECT_EQ(e.code() & 0xff, SQLITE_ERROR);
  }
  db.prepare("INSERT INTO t VALUES (1)").run();
  try {
    db.prepare("INSERT INTO t VALUES (1)").run();
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code() & 0xff, SQLITE_CONSTRAINT);
    EXPECT_NE(std::string(e.what()).find("UNIQUE"), std::string::npos) << e.what();
  }
  EXPECT_THROW(db.exec("NOT SQL"), Error);
  EXPECT_THROW(db.prepare("SELECT 1; SELECT 2"), Error);
  EXPECT_THROW(db.prepare(""), Error);
}

TEST_F(SqliteTest, BusyTimeoutWaitsThenFails) {
  Database::Options fast;
  fast.busyTimeout = std::chrono::milliseconds(200);
  Database a(file());
  a.exec("CREATE TABLE t (x INTEGER)");
  Database b(file(), fast);
  Transaction holder(a);  // a holds the write lock
  auto start = std::chrono::steady_clock::now();
  try {
    Transaction second(b);
    FAIL() << "second writer got the lock";
  } catch (const Error& e) {
    EXPECT_EQ(e.code() & 0xff, SQLITE_BUSY) << e.what();
  }
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(3));
  // Readers are not blocked by a writer under WAL.
  EXPECT_EQ(count(b, "t"), 0);
  holder.commit();
  Transaction now(b);  // lock free again
  now.commit();
}

TEST_F(SqliteTest, BlobsNullsTextAndReals) {
  Database db(file());
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, s TEXT, r REAL, n INTEGER)");
  std::vector<std::uint8_t> bytes = {0x00, 0xff, 0x10, 0x00, 0x7f};
  std::string withNul("a\0b", 3);
  auto ins = db.prepare("INSERT INTO t (b, s, r, n) VALUES (?1, ?2, ?3, ?4)");
  ins.bind(1, std::span<const std::uint8_t>(bytes))
      .bind(2, std::string_view(withNul))
      .bind(3, 2.5)
      .bindNull(4)
      .run();
  EXPECT_EQ(db.lastInsertRowId(), 1);
  EXPECT_EQ(db.changes(), 1);
  // Same statement again with new bindings: an empty blob stays an (empty) blob.
  ins.bind(1, std::span<const std::uint8_t>()).bind(4, std::int64_t{-7}).run();
  EXPECT_EQ(db.lastInsertRowId(), 2);

  auto sel = db.prepare("SELECT b, s, r, n, typeof(b) FROM t ORDER BY id");
  ASSERT_TRUE(sel.step());
  EXPECT_EQ(sel.blob(0), bytes);
  EXPECT_EQ(sel.text(1), withNul);
  EXPECT_DOUBLE_EQ(sel.real(2), 2.5);
  EXPECT_TRUE(sel.isNull(3));
  EXPECT_FALSE(sel.isNull(0));
  ASSERT_TRUE(sel.step());
  EXPECT_TRUE(sel.blob(0).empty());
  EXPECT_FALSE(sel.isNull(0));
  EXPECT_EQ(sel.text(4), "blob");
  EXPECT_EQ(sel.integer(3), -7);
  EXPECT_FALSE(sel.step());
  sel.reset();
  EXPECT_TRUE(sel.step());  // runs again after reset
}

TEST_F(SqliteTest, ReopenedDatabaseKeepsCommittedRowsOnly) {
  {
    Database db(file());
    db.exec("CREATE TABLE t (x INTEGER)");
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (42)").run();
    tx.commit();
    Transaction lost(db);
    db.prepare("INSERT INTO t VALUES (43)").run();
    // destroyed without commit
  }
  Database db(file());
  auto st = db.prepare("SELECT x FROM t");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 42);
  EXPECT_FALSE(st.step());
}

TEST_F(SqliteTest, ReadOnlyRefusesWritesAndMissingFile) {
  {
    Database db(file());
    db.exec("CREATE TABLE t (x INTEGER)");
  }
  Database::Options ro;
  ro.readOnly = true;
  Database db(file(), ro);
  EXPECT_EQ(count(db, "t"), 0);
  EXPECT_THROW(db.exec("INSERT INTO t VALUES (1)"), Error);
  EXPECT_THROW(Database(dir_ / "missing.sqlite", ro), Error);
  EXPECT_THROW(Database(dir_ / "no_dir" / "x.sqlite"), Error);
}

TEST_F(SqliteTest, MovedDatabaseAndStatementStayUsable) {
  Database a(file());
  a.exec("CREATE TABLE t (x INTEGER)");
  Database b(std::move(a));
  auto st = b.prepare("INSERT INTO t VALUES (?1)");
  auto moved = std::move(st);
  moved.bind(1, std::int64_t{5}).run();
  EXPECT_EQ(count(b, "t"), 1);
}

TEST(SqliteMemory, InMemoryDatabaseWorks) {
  Database db(":memory:");
  db.migrate({"CREATE TABLE t (x INTEGER)"});
  db.prepare("INSERT INTO t VALUES (1)").run();
  EXPECT_EQ(count(db, "t"), 1);
  EXPECT_EQ(db.userVersion(), 1);
}
