#include "engine/settings.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace wk::tftp::engine {
namespace {

std::string rootLine() {
  return "root = \"" + std::filesystem::temp_directory_path().string() + "\"\n";
}

TEST(TftpSettings, ReadsEveryKey) {
  auto doc = config::Document::fromString(
      "[server]\nlisten = [\"127.0.0.1:69\", \"[::]:69\"]\n"
      "[tftp]\n" +
          rootLine() +
          "allow_write = true\nallow_create = true\n"
          "max_blksize = 1468\ntimeout = \"250ms\"\n"
          "retries = 9\nmax_sessions = 20\n",
      "t.toml");
  auto s = Settings::load(doc.root());
  EXPECT_NO_THROW(doc.finish());
  ASSERT_EQ(s.listen.size(), 2u);
  EXPECT_EQ(s.listen[1].port, 69);
  EXPECT_EQ(s.root, std::filesystem::temp_directory_path());
  EXPECT_TRUE(s.allowWrite);
  EXPECT_TRUE(s.allowCreate);
  EXPECT_EQ(s.maxBlksize, 1468u);
  EXPECT_EQ(s.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(s.retries, 9u);
  EXPECT_EQ(s.maxSessions, 20u);
}

TEST(TftpSettings, DefaultsAreSafe) {
  auto doc = config::Document::fromString("[tftp]\n" + rootLine(), "t.toml");
  auto s = Settings::load(doc.root());
  EXPECT_NO_THROW(doc.finish());
  EXPECT_FALSE(s.allowWrite);
  EXPECT_FALSE(s.allowCreate);
  EXPECT_EQ(s.maxBlksize, 65464u);
  EXPECT_EQ(s.timeout, std::chrono::seconds(1));
  EXPECT_EQ(s.retries, 5u);
  EXPECT_EQ(s.maxSessions, 1000u);
  EXPECT_EQ(s.listen.size(), 2u);
}

TEST(TftpSettings, RejectsBadValuesAndUnknownKeys) {
  for (std::string bad :
       {"max_blksize = 7\n", "max_blksize = 65465\n", "timeout = \"5ms\"\n", "timeout = \"300s\"\n",
        "retries = 0\n", "max_sessions = 0\n", "allow_write = \"yes\"\n", "blksize = 512\n",
        "root = \"/nonexistent/tftp/root\"\n"}) {
    std::string text = bad.starts_with("root") ? "[tftp]\n" + bad : "[tftp]\n" + rootLine() + bad;
    auto doc = config::Document::fromString(text, "t.toml");
    Settings::load(doc.root());
    EXPECT_THROW(doc.finish(), config::Errors) << bad;
  }
}

}  // namespace
}  // namespace wk::tftp::engine
