#include "codec/zone_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

struct Parsed {
  bool ok = false;
  std::vector<std::string> records;  // "name ttl TYPE rdata"
  std::vector<std::string> errors;
};

Parsed parse(std::string_view text, bool allowInclude = false, std::string file = "t.zone") {
  Parsed p;
  ZoneParseOptions o;
  o.origin = *Name::fromText("example.test.");
  o.allowInclude = allowInclude;
  std::vector<ZoneError> errors;
  p.ok = parseZoneText(
      text, file, o,
      [&](const ZoneRecord& r) {
        p.records.push_back(r.name.toText() + " " + std::to_string(r.ttl) + " " +
                            typeToText(r.type) + " " + rdataToText(r.type, r.rdata));
      },
      errors);
  for (const auto& e : errors) p.errors.push_back(e.toString());
  return p;
}

TEST(ZoneFile, DirectivesOwnersAndTtls) {
  auto p = parse(R"($TTL 1h
@   IN SOA ns1 hostmaster (
        2024010101 ; serial
        1h 15m 1w
        5m )
    IN NS ns1
    300 IN NS ns2.other.test.
ns1 A 192.0.2.53
$ORIGIN sub.example.test.
www 60 A 192.0.2.80
    AAAA 2001:db8::80
$TTL 2m
mail IN 30 MX 10 @
)");
  ASSERT_TRUE(p.ok) << (p.errors.empty() ? "" : p.errors[0]);
  ASSERT_EQ(p.records.size(), 7u);
  EXPECT_EQ(p.records[0],
            "example.test. 3600 SOA ns1.example.test. hostmaster.example.test. "
            "2024010101 3600 900 604800 300");
  EXPECT_EQ(p.records[1], "example.test. 3600 NS ns1.example.test.");
  EXPECT_EQ(p.records[2], "example.test. 300 NS ns2.other.test.");
  EXPECT_EQ(p.records[3], "ns1.example.test. 3600 A 192.0.2.53");
  EXPECT_EQ(p.records[4], "www.sub.example.test. 60 A 192.0.2.80");
  EXPECT_EQ(p.records[5], "www.sub.example.test. 3600 AAAA 2001:db8::80");
  EXPECT_EQ(p.records[6], "mail.sub.example.test. 30 MX 10 sub.example.test.");
}

TEST(ZoneFile, QuotedStringsEscapesAndComments) {
  auto p = parse(
      "txt TXT \"a;b\" \"c\\\"d\" e\\032f ; comment\n"
      "a\\.b A 192.0.2.1\n"
      "x TXT \"multi\n line\"\n");
  ASSERT_TRUE(p.ok) << p.errors[0];
  ASSERT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.records[0], "txt.example.test. 3600 TXT \"a;b\" \"c\\\"d\" \"e f\"");
  EXPECT_EQ(p.records[1], "a\\.b.example.test. 3600 A 192.0.2.1");
  EXPECT_EQ(p.records[2], "x.example.test. 3600 TXT \"multi\\010 line\"");
}

TEST(ZoneFile, Generate) {
  auto p = parse(
      "$GENERATE 1-3 host-$ A 192.0.2.$\n"
      "$GENERATE 10-20/5 ${-10,3,d} CNAME x${0,2,X}\n"
      "$GENERATE 255-255 $ PTR ${0,0,n}.ip6\n");
  ASSERT_TRUE(p.ok) << p.errors[0];
  ASSERT_EQ(p.records.size(), 7u);
  EXPECT_EQ(p.records[0], "host-1.example.test. 3600 A 192.0.2.1");
  EXPECT_EQ(p.records[2], "host-3.example.test. 3600 A 192.0.2.3");
  EXPECT_EQ(p.records[3], "000.example.test. 3600 CNAME x0A.example.test.");
  EXPECT_EQ(p.records[5], "010.example.test. 3600 CNAME x14.example.test.");
  EXPECT_EQ(p.records[6], "255.example.test. 3600 PTR f.f.ip6.example.test.");
}

TEST(ZoneFile, GenericAndUnknownTypes) {
  auto p = parse("x TYPE65280 \\# 3 abcdef\nx TYPE1 \\# 4 c0000201\n");
  ASSERT_TRUE(p.ok) << p.errors[0];
  EXPECT_EQ(p.records[0], "x.example.test. 3600 TYPE65280 \\# 3 ABCDEF");
  EXPECT_EQ(p.records[1], "x.example.test. 3600 A 192.0.2.1");
}

TEST(ZoneFile, ErrorsCarryFileAndLine) {
  auto p = parse(
      "ok A 192.0.2.1\n\nbad A 300.1.1.1\nx BOGUS 1\n  CH A 1.2.3.4\n$FOO\n"
      "y A (192.0.2.1\n");
  EXPECT_FALSE(p.ok);
  ASSERT_GE(p.errors.size(), 5u);
  EXPECT_EQ(p.errors[0], "t.zone:3: A: bad IPv4 address '300.1.1.1'");
  EXPECT_EQ(p.errors[1], "t.zone:4: unknown record type 'BOGUS'");
  EXPECT_EQ(p.errors[2], "t.zone:5: only class IN is supported");
  EXPECT_EQ(p.errors[3], "t.zone:6: unknown directive '$FOO'");
  EXPECT_EQ(p.errors[4], "t.zone:7: unbalanced '(': missing ')'");
  EXPECT_EQ(p.records.size(), 1u);
}

TEST(ZoneFile, MoreErrors) {
  EXPECT_FALSE(parse(" A 192.0.2.1\n").ok);  // blank owner first
  EXPECT_FALSE(parse("x TXT \"open\n").ok);
  EXPECT_FALSE(parse("x A 1.2.3.4 )\n").ok);
  EXPECT_FALSE(parse("x 1h30 A 1.2.3.4\n").ok);
  EXPECT_FALSE(parse("x ANY \\# 0\n").ok);
  EXPECT_FALSE(parse("$GENERATE 5-1 x A 1.2.3.4\n").ok);
  EXPECT_FALSE(parse("$GENERATE 0-99999999 x$ A 1.2.3.4\n").ok);
  EXPECT_FALSE(parse("$INCLUDE other.zone\n").ok);  // not allowed in this mode
}

TEST(ZoneFile, IncludeWithOriginIsScoped) {
  auto dir = std::filesystem::temp_directory_path() / "wk-dns-zone-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "inc.zone") << "www A 192.0.2.7\n$ORIGIN deeper.test.\nz A 192.0.2.8\n";
  std::ofstream(dir / "bad.zone") << "www A 192.0.2.999\n";
  auto main = (dir / "main.zone").string();
  auto p = parse("$INCLUDE inc.zone sub.example.test.\nafter A 192.0.2.9\n", true, main);
  ASSERT_TRUE(p.ok) << p.errors[0];
  ASSERT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.records[0], "www.sub.example.test. 3600 A 192.0.2.7");
  EXPECT_EQ(p.records[1], "z.deeper.test. 3600 A 192.0.2.8");
  EXPECT_EQ(p.records[2], "after.example.test. 3600 A 192.0.2.9");
  auto bad = parse("$INCLUDE bad.zone\n", true, main);
  ASSERT_FALSE(bad.ok);
  EXPECT_EQ(bad.errors[0], (dir / "bad.zone").string() + ":1: A: bad IPv4 address '192.0.2.999'");
  auto loop = parse("$INCLUDE main.zone\n", true, main);
  std::ofstream(main) << "$INCLUDE main.zone\n";
  auto self = parse("$INCLUDE main.zone\n", true, main);
  EXPECT_FALSE(self.ok);  // nested too deep, not a hang
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wk::dns::codec
