#include "wk/accounts.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using wk::AccountStore;
using wk::hashPassword;
using wk::verifyPassword;

namespace {

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wk_accounts_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "users.sqlite"; }

  fs::path dir_;
};

}  // namespace

TEST(PasswordHash, EncodingKeepsParametersAndVerifies) {
  std::string h = hashPassword("correct horse", 10, 8, 1);
  EXPECT_EQ(h.rfind("$scrypt$ln=10,r=8,p=1$", 0), 0u) << h;
  EXPECT_TRUE(verifyPassword("correct horse", h));
  EXPECT_FALSE(verifyPassword("correct horsE", h));
  EXPECT_FALSE(verifyPassword("", h));
  EXPECT_FALSE(verifyPassword("correct horse\n", h));
}

TEST(PasswordHash, DefaultCostIsLn15) {
  std::string h = hashPassword("pw");
  EXPECT_EQ(h.rfind("$scrypt$ln=15,r=8,p=1$", 0), 0u) << h;
  EXPECT_TRUE(verifyPassword("pw", h));
}

TEST(PasswordHash, SaltsDiffer) {
  std::string a = hashPassword("same", 8, 8, 1);
  std::string b = hashPassword("same", 8, 8, 1);
  EXPECT_NE(a, b);
  // Different salt fields, not just different hashes.
  EXPECT_NE(a.substr(0, a.rfind('$')), b.substr(0, b.rfind('$')));
  EXPECT_TRUE(verifyPassword("same", a));
  EXPECT_TRUE(verifyPassword("same", b));
}

TEST(PasswordHash, TamperedEncodingFails) {
  std::string h = hashPassword("secret", 8, 8, 1);
  ASSERT_TRUE(verifyPassword("secret", h));
  // Flip one character of the hash, of the salt, and change the cost.
  std::string badHash = h;
  badHash.back() = badHash.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifyPassword("secret", badHash));
  std::string badSalt = h;
  std::size_t saltPos = h.find('$', 9) + 1;
  badSalt[saltPos] = badSalt[saltPos] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifyPassword("secret", badSalt));
  std::string badCost = h;
  badCost.replace(badCost.find("ln=8"), 4, "ln=9");
  EXPECT_FALSE(verifyPassword("secret", badCost));
  // Malformed encodings never verify and never throw.
  for (std::string bad : {std::string(), std::string("$scrypt$"), h.substr(0, h.size() - 10),
                          std::string("$pbkdf2$ln=8,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA"), h + "$",
                          h + "=", std::string("plaintext")}) {
    EXPECT_FALSE(verifyPassword("secret", bad)) << bad;
  }
}

TEST(PasswordHash, RefusesAbsurdCostsFromStorage) {
  // A row tampered to ask for terabytes of memory must be refused, not attempted.
  std::string h = hashPassword("secret", 8, 8, 1);
  std::string huge = h;
  huge.replace(huge.find("ln=8"), 4, "ln=40");
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(verifyPassword("secret", huge));
  std::string manyP = h;
  manyP.replace(manyP.find("p=1"), 3, "p=999");
  EXPECT_FALSE(verifyPassword("secret", manyP));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_THROW(hashPassword("x", 30, 8, 1), std::invalid_argument);
  EXPECT_THROW(hashPassword("x", 10, 0, 1), std::invalid_argument);
  EXPECT_THROW(hashPassword("", 10, 8, 1), std::invalid_argument);
}

TEST(AccountNames, ValidName) {
  EXPECT_TRUE(AccountStore::validName("bob"));
  EXPECT_TRUE(AccountStore::validName("bob.smith+tag@example.org"));
  EXPECT_TRUE(AccountStore::validName("A_Z-0.9"));
  EXPECT_TRUE(AccountStore::validName(std::string(64, 'x')));
  EXPECT_FALSE(AccountStore::validName(std::string(65, 'x')));
  EXPECT_FALSE(AccountStore::validName(""));
  EXPECT_FALSE(AccountStore::validName("bob smith"));
  EXPECT_FALSE(AccountStore::validName("bob:x"));
  EXPECT_FALSE(AccountStore::validName("../bob"));
  EXPECT_FALSE(AccountStore::validName(std::string("bo\0b", 4)));
  EXPECT_FALSE(AccountStore::validName("b\xc3\xb6"));
}

TEST_F(AccountsTest, AddVerifyWrongPasswordRemove) {
  AccountStore store(file());
  EXPECT_TRUE(store.add("alice", "wonderland"));
  EXPECT_TRUE(store.exists("alice"));
  EXPECT_TRUE(store.verify("alice", "wonderland"));
  EXPECT_FALSE(store.verify("alice", "Wonderland"));
  EXPECT_FALSE(store.verify("alice", ""));
  EXPECT_FALSE(store.verify("mallory", "wonderland"));
  EXPECT_FALSE(store.verify("bad name", "wonderland"));
  EXPECT_TRUE(store.remove("alice"));
  EXPECT_FALSE(store.remove("alice"));
  EXPECT_FALSE(store.exists("alice"));
  EXPECT_FALSE(store.verify("alice", "wonderland"));
}

TEST_F(AccountsTest, DuplicateAddKeepsOriginalPassword) {
  AccountStore store(file());
  EXPECT_TRUE(store.add("bob", "first"));
  EXPECT_FALSE(store.add("bob", "second"));
  EXPECT_TRUE(store.verify("bob", "first"));
  EXPECT_FALSE(store.verify("bob", "second"));
}

TEST_F(AccountsTest, SetPasswordAndList) {
  AccountStore store(file());
  EXPECT_FALSE(store.setPassword("carol", "x"));  // no such user
  EXPECT_TRUE(store.add("carol", "old"));
  EXPECT_TRUE(store.add("alice", "a"));
  EXPECT_TRUE(store.setPassword("carol", "new"));
  EXPECT_TRUE(store.verify("carol", "new"));
  EXPECT_FALSE(store.verify("carol", "old"));
  EXPECT_EQ(store.list(), (std::vector<std::string>{"alice", "carol"}));
}

TEST_F(AccountsTest, RejectsEmptyPasswordAndBadNames) {
  AccountStore store(file());
  EXPECT_THROW(store.add("dave", ""), std::invalid_argument);
  EXPECT_THROW(store.add("da ve", "pw"), std::invalid_argument);
  EXPECT_THROW(store.add(std::string(65, 'd'), "pw"), std::invalid_argument);
  EXPECT_TRUE(store.list().empty());
  ASSERT_TRUE(store.add("dave", "pw"));
  EXPECT_THROW(store.setPassword("dave", ""), std::invalid_argument);
  EXPECT_TRUE(store.verify("dave", "pw"));
}

TEST_F(AccountsTest, StoresNoPlaintextAndPersists) {
  {
    AccountStore store(file());
    ASSERT_TRUE(store.add("erin", "hunter2-plaintext"));
  }
  AccountStore reopened(file());
  EXPECT_TRUE(reopened.verify("erin", "hunter2-plaintext"));
  wk::sqlite::Database db(file());
  auto st = db.prepare("SELECT hash FROM users WHERE name = 'erin'");
  ASSERT_TRUE(st.step());
  std::string stored = st.text(0);
  EXPECT_EQ(stored.rfind("$scrypt$ln=15,r=8,p=1$", 0), 0u);
  EXPECT_EQ(stored.find("hunter2"), std::string::npos);
}

TEST_F(AccountsTest, TamperedRowFailsVerify) {
  AccountStore store(file());
  ASSERT_TRUE(store.add("frank", "pw"));
  {
    wk::sqlite::Database db(file());
    db.exec("UPDATE users SET hash = replace(hash, 'ln=15', 'ln=14') WHERE name = 'frank'");
  }
  EXPECT_FALSE(store.verify("frank", "pw"));
}

TEST_F(AccountsTest, UnknownUserCostsAsMuchAsKnown) {
  AccountStore store(file());
  ASSERT_TRUE(store.add("gina", "pw"));
  store.verify("nobody", "warm-up");  // builds the dummy hash once
  auto time = [&store](const char* user) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(store.verify(user, "wrong"));
    return std::chrono::steady_clock::now() - start;
  };
  auto known = time("gina");
  auto unknown = time("nobody");
  // Both run a full ln=15 scrypt: the unknown name must not be answered much faster.
  EXPECT_GT(unknown * 4, known);
  EXPECT_GT(unknown, std::chrono::milliseconds(10));
}

TEST_F(AccountsTest, SecondStoreOnSameFileSeesChangesAtOnce) {
  // A daemon keeps its store open while wk-user (another connection) edits the file.
  AccountStore daemon(file());
  AccountStore tool(file());
  EXPECT_FALSE(daemon.verify("hank", "pw"));
  ASSERT_TRUE(tool.add("hank", "pw"));
  EXPECT_TRUE(daemon.verify("hank", "pw"));
  ASSERT_TRUE(tool.remove("hank"));
  EXPECT_FALSE(daemon.exists("hank"));
}

TEST_F(AccountsTest, ConcurrentVerifyFromThreads) {
  AccountStore store(file());
  ASSERT_TRUE(store.add("ivy", "pw"));
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&store, &good, i] {
      bool right = store.verify("ivy", i % 2 == 0 ? "pw" : "nope");
      if (right == (i % 2 == 0)) ++good;
      store.list();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 4);
}
