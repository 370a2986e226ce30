#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/file_store.hpp"

namespace fs = std::filesystem;
using namespace wk::http::engine;

class JailStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base = fs::temp_directory_path() / ("wk-http-jail-" + std::to_string(::getpid()));
    fs::remove_all(base);
    fs::create_directories(base / "www" / "dir");
    std::ofstream(base / "www" / "a.txt") << "hello";
    std::ofstream(base / "secret.txt") << "outside";
    fs::create_symlink(base / "secret.txt", base / "www" / "out.txt");
    fs::create_symlink("a.txt", base / "www" / "in.txt");
    ::mkfifo((base / "www" / "fifo").c_str(), 0644);
    store = makeJailFileStore((base / "www").string());
  }
  void TearDown() override { fs::remove_all(base); }

  fs::path base;
  std::shared_ptr<FileStore> store;
};

TEST_F(JailStoreTest, OpensFilesWithTheirMetadata) {
  auto r = store->open("a.txt");
  ASSERT_EQ(r.status, FsStatus::ok);
  EXPECT_EQ(r.file->info().size, 5u);
  EXPECT_GE(r.file->fd(), 0);
  char buf[8];
  EXPECT_EQ(r.file->read(1, std::span<char>(buf, sizeof buf)), 4);
  EXPECT_EQ(std::string(buf, 4), "ello");
}

TEST_F(JailStoreTest, ClassifiesWhatIsNotAPlainFile) {
  EXPECT_EQ(store->open("dir").status, FsStatus::is_directory);
  EXPECT_EQ(store->open("").status, FsStatus::is_directory);
  EXPECT_EQ(store->open("missing").status, FsStatus::not_found);
  EXPECT_EQ(store->open("fifo").status, FsStatus::forbidden);     // would block a worker
  EXPECT_EQ(store->open("out.txt").status, FsStatus::not_found);  // symlink out of the root
  EXPECT_EQ(store->open("in.txt").status, FsStatus::ok);          // symlink inside is fine
}

TEST_F(JailStoreTest, ListsDirectories) {
  auto entries = store->list("");
  ASSERT_TRUE(entries);
  bool sawDir = false, sawFile = false;
  for (const auto& e : *entries) {
    if (e.name == "dir") sawDir = e.directory;
    if (e.name == "a.txt") sawFile = !e.directory && e.size == 5;
  }
  EXPECT_TRUE(sawDir);
  EXPECT_TRUE(sawFile);
  EXPECT_FALSE(store->list("a.txt"));
  EXPECT_FALSE(store->list("missing"));
}
