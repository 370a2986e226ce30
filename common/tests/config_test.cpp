#include "wk/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace wk::config {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> errorsOf(Document& doc) {
  std::vector<std::string> out;
  try {
    doc.finish();
  } catch (const Errors& e) {
    for (const auto& err : e.errors()) out.push_back(err.toString());
  }
  return out;
}

TEST(ParseSize, UnitsAndBareBytes) {
  EXPECT_EQ(parseSize("256MiB"), 256ull << 20);
  EXPECT_EQ(parseSize("2GiB"), 2ull << 30);
  EXPECT_EQ(parseSize("2GB"), 2'000'000'000ull);
  EXPECT_EQ(parseSize("64K"), 65536ull);
  EXPECT_EQ(parseSize("1.5KiB"), 1536ull);
  EXPECT_EQ(parseSize("4096"), 4096ull);
  for (const char* bad : {"", "MiB", "12 MiB", "12XB", "-1", "1e9", "12MiBs"}) {
    EXPECT_FALSE(parseSize(bad)) << bad;
  }
}

TEST(ParseDuration, CompoundUnits) {
  EXPECT_EQ(parseDuration("30s"), 30s);
  EXPECT_EQ(parseDuration("1h30m"), 90min);
  EXPECT_EQ(parseDuration("250ms"), 250ms);
  EXPECT_EQ(parseDuration("1d"), 24h);
  EXPECT_EQ(parseDuration("1w"), 168h);
  EXPECT_EQ(parseDuration("15"), 15s);  // bare number: seconds
  EXPECT_EQ(parseDuration("1.5s"), 1500ms);
  for (const char* bad : {"", "s", "10x", "1h 30m", "30 s", "1h30", "-5s"}) {
    EXPECT_FALSE(parseDuration(bad)) << bad;
  }
}

TEST(Table, TypedGettersReadValuesAndDefaults) {
  auto doc = Document::fromString(R"(
[server]
listen = ["127.0.0.1:53", "[::1]:53"]
threads = 4
[cache]
size = "128MiB"
ttl = "1h"
enabled = true
name = "x"
allow = ["10.0.0.0/8"]
words = ["a", "b"]
ratio = 0.5
)",
                                  "t.toml");
  auto root = doc.root();
  auto server = root.table("server");
  auto listen = server.endpoints("listen", {});
  ASSERT_EQ(listen.size(), 2u);
  EXPECT_EQ(listen[1].toString(), "[::1]:53");
  EXPECT_EQ(server.integer("threads", 0), 4);
  auto cache = root.table("cache");
  EXPECT_EQ(cache.size("size", 0), 128ull << 20);
  EXPECT_EQ(cache.duration("ttl", 0ms), 1h);
  EXPECT_TRUE(cache.boolean("enabled", false));
  EXPECT_EQ(cache.string("name", ""), "x");
  EXPECT_TRUE(cache.cidrs("allow", {}).contains(boost::asio::ip::make_address("10.2.3.4")));
  EXPECT_EQ(cache.strings("words", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(cache.number("ratio", 0), 0.5);
  // Absent keys and tables give the defaults.
  EXPECT_EQ(cache.string("absent", "dflt"), "dflt");
  EXPECT_EQ(root.table("nope").integer("x", 7), 7);
  EXPECT_TRUE(errorsOf(doc).empty());
}

TEST(Table, UnknownKeysAreErrorsWithPosition) {
  auto doc = Document::fromString("[server]\nlisten = []\nlisen = []\n\n[typo]\nx = 1\n", "d.toml");
  auto root = doc.root();
  root.table("server").endpoints("listen", {});
  auto errors = errorsOf(doc);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "d.toml:3:1: unknown key 'lisen' in [server]");
  EXPECT_EQ(errors[1], "d.toml:5:2: unknown key 'typo'");
}

TEST(Table, BadValuesReportedAllAtOnce) {
  auto doc = Document::fromString(R"([a]
size = "lots"
ttl = "forever"
ep = "localhost:53"
n = "7"
n2 = 900
flag = "yes"
eps = ["1.2.3.4:1", 5]
)",
                                  "v.toml");
  auto a = doc.root().table("a");
  EXPECT_EQ(a.size("size", 1), 1u);
  EXPECT_EQ(a.duration("ttl", 2s), 2s);
  a.endpoint("ep", {});
  EXPECT_EQ(a.integer("n", 3), 3);
  EXPECT_EQ(a.integer("n2", 3, 0, 100), 3);
  a.boolean("flag", false);
  EXPECT_EQ(a.endpoints("eps", {}).size(), 1u);
  auto errors = errorsOf(doc);
  ASSERT_EQ(errors.size(), 7u);
  EXPECT_EQ(errors[0], "v.toml:2:8: 'size' must be a size such as \"256MiB\", \"2GB\" or 4096");
  EXPECT_EQ(errors[1].substr(0, 12), "v.toml:3:7: ");
  EXPECT_EQ(errors[4], "v.toml:6:6: 'n2' must be between 0 and 100");
  EXPECT_EQ(errors[6].substr(0, 13), "v.toml:8:21: ");
}

TEST(Table, ArrayOfTablesAndCrossKeyErrors) {
  auto doc = Document::fromString(R"(
[[zone]]
name = "a.test"
[[zone]]
name = "b.test"
extra = 1
)",
                                  "z.toml");
  auto zones = doc.root().tables("zone");
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[0].string("name", ""), "a.test");
  zones[1].string("name", "");
  zones[0].error("name", "duplicate zone");
  auto errors = errorsOf(doc);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "z.toml:3:8: duplicate zone");
  EXPECT_EQ(errors[1], "z.toml:6:1: unknown key 'extra' in [zone]");
}

TEST(Table, IntegerArraysWithBounds) {
  auto doc = Document::fromString("ports = [443, 8443]\nbad = [1, 70000, \"x\"]\n", "i.toml");
  auto root = doc.root();
  EXPECT_EQ(root.integers("ports", {}, 1, 65535), (std::vector<std::int64_t>{443, 8443}));
  EXPECT_EQ(root.integers("bad", {}, 1, 65535), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(root.integers("absent", {7}), (std::vector<std::int64_t>{7}));
  auto errors = errorsOf(doc);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "i.toml:2:11: 'bad' must hold integers between 1 and 65535");
}

TEST(Document, SyntaxErrorsThrowWithPosition) {
  try {
    Document::fromString("a = 1\nb = [\n", "s.toml");
    FAIL() << "no error";
  } catch (const Errors& e) {
    ASSERT_EQ(e.errors().size(), 1u);
    EXPECT_EQ(e.errors()[0].file, "s.toml");
    EXPECT_GE(e.errors()[0].line, 2u);
  }
}

TEST(Document, MissingFileIsAnError) {
  EXPECT_THROW(Document::fromFile("/nonexistent/wk.toml"), Errors);
}

TEST(Document, RelativePathsResolveAgainstTheConfigFile) {
  auto dir = std::filesystem::temp_directory_path() / "wk_config_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "c.toml") << "[zone]\nfile = \"zones/a.zone\"\nabs = \"/etc/x\"\n";
  auto doc = Document::fromFile(dir / "c.toml");
  auto zone = doc.root().table("zone");
  EXPECT_EQ(zone.path("file", {}), std::filesystem::absolute(dir) / "zones/a.zone");
  EXPECT_EQ(zone.path("abs", {}), "/etc/x");
  std::filesystem::remove_all(dir);
}

TEST(CommonConfig, DefaultsAndValidation) {
  auto doc = Document::fromString("[log]\nlevel = \"debug\"\n[server]\nthreads = 3\n", "c.toml");
  auto c = CommonConfig::load(doc.root());
  EXPECT_EQ(c.logLevel, "debug");
  EXPECT_EQ(c.logFormat, "text");
  EXPECT_EQ(c.threads, 3u);
  auto bad = Document::fromString("[log]\nformat = \"xml\"\n", "b.toml");
  CommonConfig::load(bad.root());
  auto errors = errorsOf(bad);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "b.toml:2:10: 'format' must be one of: text, json");
}

}  // namespace
}  // namespace wk::config
