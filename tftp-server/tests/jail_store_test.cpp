#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/file_store.hpp"

namespace wk::tftp::engine {
namespace {

namespace fs = std::filesystem;
using codec::ErrorCode;

struct TftpJailStore : ::testing::Test {
  fs::path base;
  fs::path root;

  void SetUp() override {
    base = fs::temp_directory_path() /
           ("tftp-jail-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    root = base / "root";
    fs::create_directories(root / "sub");
    write(root / "a.txt", "hello");
    write(base / "secret", "secret");
    fs::create_symlink(base / "secret", root / "out");
    fs::create_symlink("a.txt", root / "in");
  }
  void TearDown() override { fs::remove_all(base); }

  static void write(const fs::path& p, std::string_view text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static std::string readAll(ReadableFile& f) {
    std::string s(f.size(), '\0');
    auto n = f.read(0, {reinterpret_cast<std::uint8_t*>(s.data()), s.size()});
    s.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return s;
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(root), {}));
  }
};

ErrorCode refusal(const Opened<ReadableFile>& o) {
  return std::holds_alternative<Refusal>(o) ? std::get<Refusal>(o).code : ErrorCode{99};
}
ErrorCode refusal(const Opened<Upload>& o) {
  return std::holds_alternative<Refusal>(o) ? std::get<Refusal>(o).code : ErrorCode{99};
}
std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST_F(TftpJailStore, ReadsInsideRootWithOrWithoutLeadingSlash) {
  JailStore store(root, false, false);
  for (auto name : {"a.txt", "/a.txt", "sub/../a.txt", "in"}) {
    auto o = store.openRead(name);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<ReadableFile>>(o)) << name;
    auto& f = *std::get<std::unique_ptr<ReadableFile>>(o);
    EXPECT_EQ(f.size(), 5u);
    EXPECT_EQ(readAll(f), "hello");
  }
}

TEST_F(TftpJailStore, RefusesEscapesAndNonFiles) {
  JailStore store(root, false, false);
  EXPECT_EQ(refusal(store.openRead("../secret")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openRead("/../secret")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openRead("out")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openRead("sub")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openRead("")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openRead(std::string_view("a.txt\0x", 7))), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openRead("missing")), ErrorCode::fileNotFound);
}

TEST_F(TftpJailStore, WritesDisabledByDefault) {
  JailStore store(root, false, false);
  EXPECT_EQ(refusal(store.openWrite("new.bin")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openWrite("a.txt")), ErrorCode::accessViolation);
  EXPECT_EQ(read(root / "a.txt"), "hello");
}

TEST_F(TftpJailStore, UploadVisibleOnlyAfterCommit) {
  JailStore store(root, false, true);
  auto o = store.openWrite("/sub/new.bin");
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Upload>>(o));
  auto upload = std::move(std::get<std::unique_ptr<Upload>>(o));
  ASSERT_TRUE(upload->write(bytes("part one, ")));
  ASSERT_TRUE(upload->write(bytes("part two")));
  EXPECT_FALSE(fs::exists(root / "sub" / "new.bin"));
  ASSERT_TRUE(upload->commit());
  upload.reset();
  EXPECT_EQ(read(root / "sub" / "new.bin"), "part one, part two");
  EXPECT_EQ(std::distance(fs::directory_iterator(root / "sub"), {}), 1);  // no temp file left
}

TEST_F(TftpJailStore, AbandonedUploadLeavesNothing) {
  JailStore store(root, true, true);
  auto before = entries();
  {
    auto o = store.openWrite("a.txt");
    auto& upload = std::get<std::unique_ptr<Upload>>(o);
    ASSERT_TRUE(upload->write(bytes("half a new file")));
    EXPECT_EQ(entries(), before + 1);  // the hidden temporary file
  }
  EXPECT_EQ(entries(), before);
  EXPECT_EQ(read(root / "a.txt"), "hello");
}

TEST_F(TftpJailStore, CreateAndOverwritePermissionsAreSeparate) {
  JailStore createOnly(root, false, true);
  EXPECT_EQ(refusal(createOnly.openWrite("a.txt")), ErrorCode::fileExists);
  JailStore overwriteOnly(root, true, false);
  EXPECT_EQ(refusal(overwriteOnly.openWrite("fresh")), ErrorCode::accessViolation);
  auto o = overwriteOnly.openWrite("a.txt");
  auto& upload = std::get<std::unique_ptr<Upload>>(o);
  ASSERT_TRUE(upload->write(bytes("replaced")));
  ASSERT_TRUE(upload->commit());
  EXPECT_EQ(read(root / "a.txt"), "replaced");
}

TEST_F(TftpJailStore, WritesNeverLeaveTheRoot) {
  JailStore store(root, true, true);
  EXPECT_EQ(refusal(store.openWrite("../escaped")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openWrite("out")), ErrorCode::accessViolation);  // symlink leading out
  EXPECT_EQ(refusal(store.openWrite("sub")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openWrite("/")), ErrorCode::accessViolation);
  EXPECT_EQ(refusal(store.openWrite("nodir/x")), ErrorCode::fileNotFound);
  EXPECT_FALSE(fs::exists(base / "escaped"));
  EXPECT_EQ(read(base / "secret"), "secret");
}

}  // namespace
}  // namespace wk::tftp::engine
