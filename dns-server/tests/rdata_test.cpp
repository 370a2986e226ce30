#include "codec/rdata.hpp"

#include <gtest/gtest.h>

#include "codec/encoding.hpp"
#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

std::vector<Token> tokens(std::initializer_list<const char*> words) {
  std::vector<Token> out;
  for (const char* w : words) {
    Token t;
    t.text = w;
    if (!t.text.empty() && t.text.front() == '"') {
      t.text = t.text.substr(1, t.text.size() - 2);
      t.quoted = true;
    }
    out.push_back(t);
  }
  return out;
}

// Parses text for a type and returns its presentation again.
std::string roundTrip(const char* typeName, std::initializer_list<const char*> words) {
  auto type = typeFromText(typeName);
  EXPECT_TRUE(type);
  Name origin = *Name::fromText("example.test.");
  std::vector<std::uint8_t> rdata;
  std::string error;
  auto t = tokens(words);
  if (!rdataFromText(*type, t, origin, rdata, error)) return "ERROR: " + error;
  EXPECT_TRUE(validRdata(*type, rdata));
  std::string text = rdataToText(*type, rdata);
  // And the wire form reads back through a message reader.
  std::vector<std::uint8_t> wire;
  ByteWriter w(wire);
  writeRdata(*type, rdata, w, nullptr);
  ByteReader r(wire);
  std::uint16_t len = r.u16();
  std::vector<std::uint8_t> again;
  EXPECT_TRUE(readRdata(*type, r, len, again));
  EXPECT_EQ(again, rdata);
  return text;
}

TEST(Rdata, EveryListedTypeRoundTrips) {
  EXPECT_EQ(roundTrip("A", {"192.0.2.1"}), "192.0.2.1");
  EXPECT_EQ(roundTrip("AAAA", {"2001:db8::1"}), "2001:db8::1");
  EXPECT_EQ(roundTrip("NS", {"ns1"}), "ns1.example.test.");
  EXPECT_EQ(roundTrip("CNAME", {"@"}), "example.test.");
  EXPECT_EQ(roundTrip("SOA", {"ns1", "hostmaster", "2024010101", "1h", "15m", "1w", "300"}),
            "ns1.example.test. hostmaster.example.test. 2024010101 3600 900 604800 300");
  EXPECT_EQ(roundTrip("MX", {"10", "mail.other.test."}), "10 mail.other.test.");
  EXPECT_EQ(roundTrip("TXT", {"\"hello world\"", "x\\\"y"}), "\"hello world\" \"x\\\"y\"");
  EXPECT_EQ(roundTrip("PTR", {"host"}), "host.example.test.");
  EXPECT_EQ(roundTrip("SRV", {"0", "5", "5060", "sip"}), "0 5 5060 sip.example.test.");
  EXPECT_EQ(roundTrip("CAA", {"0", "issue", "\"ca.example.net\""}), "0 issue \"ca.example.net\"");
  EXPECT_EQ(roundTrip("NAPTR", {"100", "10", "\"U\"", "\"E2U+sip\"", "\"!^.*$!sip:i@x!\"", "."}),
            "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:i@x!\" .");
  EXPECT_EQ(roundTrip("HINFO", {"\"PC\"", "Linux"}), "\"PC\" \"Linux\"");
  EXPECT_EQ(roundTrip("SSHFP", {"1", "1", "dd465c09cfa51fb45020cc83316fff21b9ec74ac"}),
            "1 1 DD465C09CFA51FB45020CC83316FFF21B9EC74AC");
  EXPECT_EQ(roundTrip("TLSA", {"3", "1", "1",
                               "0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB"
                               "23E5B514B56664C5D3D6"}),
            "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6");
  EXPECT_EQ(roundTrip("DS", {"60485", "5", "1", "2BB183AF5F22588179A53B0A98631FAD1A292118"}),
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
  EXPECT_EQ(roundTrip("DNSKEY", {"256", "3", "8", "AwEAAcw5QLr0", "aw=="}),
            "256 3 8 AwEAAcw5QLr0aw==");
  EXPECT_EQ(roundTrip("RRSIG", {"A", "8", "3", "3600", "20240201000000", "20240101000000", "12345",
                                "example.test.", "AAECAw=="}),
            "A 8 3 3600 20240201000000 20240101000000 12345 example.test. AAECAw==");
  EXPECT_EQ(roundTrip("NSEC", {"host.example.test.", "A", "MX", "RRSIG", "NSEC", "TYPE1234"}),
            "host.example.test. A MX RRSIG NSEC TYPE1234");
  EXPECT_EQ(roundTrip("NSEC3", {"1", "1", "12", "AABBCCDD", "2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", "A",
                                "RRSIG"}),
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG");
  EXPECT_EQ(roundTrip("NSEC3PARAM", {"1", "0", "0", "-"}), "1 0 0 -");
  EXPECT_EQ(
      roundTrip("SVCB", {"1", ".", "alpn=h2,h3", "port=8443", "ipv4hint=192.0.2.1,192.0.2.2"}),
      "1 . alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.1,192.0.2.2");
  EXPECT_EQ(roundTrip("HTTPS", {"1", ".", "ipv6hint=2001:db8::1", "mandatory=alpn", "alpn=h3"}),
            "1 . mandatory=alpn alpn=\"h3\" ipv6hint=2001:db8::1");
  EXPECT_EQ(roundTrip("HTTPS", {"0", "svc.example.net."}), "0 svc.example.net.");
}

TEST(Rdata, GenericRfc3597) {
  EXPECT_EQ(roundTrip("TYPE65280", {"\\#", "4", "0A000001"}), "\\# 4 0A000001");
  EXPECT_EQ(roundTrip("TYPE731", {"\\#", "0"}), "\\# 0");
  // Generic data for a known type must be valid for it.
  EXPECT_EQ(roundTrip("A", {"\\#", "4", "C0000201"}), "192.0.2.1");
  EXPECT_EQ(roundTrip("A", {"\\#", "3", "C00002"}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("TYPE1", {"\\#", "2", "C000"}).substr(0, 6), "ERROR:");
}

TEST(Rdata, RejectsBadText) {
  EXPECT_EQ(roundTrip("A", {"192.0.2.256"}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("A", {"192.0.2.1", "extra"}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("MX", {"70000", "mail"}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("TXT", {}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("CAA", {"0", "is-sue", "\"x\""}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("DNSKEY", {"256", "3", "8", "not*base64"}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("SVCB", {"1", ".", "bogus=1"}).substr(0, 6), "ERROR:");
  EXPECT_EQ(roundTrip("TXT", {std::string(256, 'a').c_str()}).substr(0, 6), "ERROR:");
}

TEST(Rdata, TypeNames) {
  EXPECT_EQ(typeToText(1), "A");
  EXPECT_EQ(typeToText(255), "ANY");
  EXPECT_EQ(typeToText(65000), "TYPE65000");
  EXPECT_EQ(*typeFromText("aaaa"), type::kAAAA);
  EXPECT_EQ(*typeFromText("TYPE28"), 28);
  EXPECT_FALSE(typeFromText("TYPE70000"));
  EXPECT_FALSE(typeFromText("BOGUS"));
}

TEST(Rdata, TtlUnits) {
  EXPECT_EQ(*parseTtl("3600"), 3600u);
  EXPECT_EQ(*parseTtl("1h30m"), 5400u);
  EXPECT_EQ(*parseTtl("1W2D"), 777600u);
  EXPECT_FALSE(parseTtl("1h30"));
  EXPECT_FALSE(parseTtl("h"));
  EXPECT_FALSE(parseTtl("99999999999"));
}

TEST(Rdata, ReadDecompressesNamesAndChecksLengths) {
  // A message fragment: name at 0, then an MX RDATA pointing at it.
  std::vector<std::uint8_t> msg = {4, 't', 'e', 's', 't', 0, 0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 0};
  ByteReader r(msg);
  r.seek(6);
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(readRdata(type::kMX, r, 9, out));
  EXPECT_EQ(rdataToText(type::kMX, out), "10 mail.test.");
  ByteReader bad(msg);
  bad.seek(6);
  EXPECT_FALSE(readRdata(type::kMX, bad, 10, out));  // longer than the data
  ByteReader shortLen(msg);
  shortLen.seek(6);
  EXPECT_FALSE(readRdata(type::kMX, shortLen, 7, out));  // name runs past rdlength
}

TEST(Encoding, Base64Base32Hex) {
  std::vector<std::uint8_t> data = {0, 1, 2, 250, 251, 252, 253};
  std::vector<std::uint8_t> back;
  ASSERT_TRUE(fromBase64(toBase64(data), back));
  EXPECT_EQ(back, data);
  back.clear();
  ASSERT_TRUE(fromBase32Hex(toBase32Hex(data), back));
  EXPECT_EQ(back, data);
  back.clear();
  ASSERT_TRUE(fromHex(toHex(data), back));
  EXPECT_EQ(back, data);
  EXPECT_FALSE(fromBase64("abc", back));
}

}  // namespace
}  // namespace wk::dns::codec
