#include "codec/message.hpp"

#include <gtest/gtest.h>

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

Record rr(const char* owner, std::uint16_t t, std::uint32_t ttl,
          std::initializer_list<const char*> words) {
  Record r;
  r.name = *Name::fromText(owner);
  r.type = t;
  r.ttl = ttl;
  std::vector<Token> toks;
  for (const char* w : words) toks.push_back({w, false});
  std::string error;
  EXPECT_TRUE(rdataFromText(t, toks, *Name::fromText("example.test."), r.rdata, error)) << error;
  return r;
}

Message sample() {
  Message m;
  m.header.id = 0x1234;
  m.header.qr = true;
  m.header.aa = true;
  m.questions.push_back({*Name::fromText("www.Example.test."), type::kA, rclass::kIN});
  m.answers.push_back(rr("www.example.test.", type::kCNAME, 300, {"host.example.test."}));
  m.answers.push_back(rr("host.example.test.", type::kA, 300, {"192.0.2.1"}));
  m.authority.push_back(rr("example.test.", type::kNS, 3600, {"ns1.example.test."}));
  m.additional.push_back(rr("ns1.example.test.", type::kAAAA, 3600, {"2001:db8::53"}));
  Edns e;
  e.udpSize = 1232;
  e.options.push_back({edns::kNsid, {'n', 's', '1'}});
  m.edns = e;
  return m;
}

TEST(Message, WriteParseRoundTripWithCompression) {
  Message m = sample();
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(writeMessage(m, wire));
  auto back = parseMessage(wire);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->header.id, 0x1234);
  EXPECT_TRUE(back->header.qr && back->header.aa && !back->header.tc);
  ASSERT_EQ(back->answers.size(), 2u);
  // Compressed names take the case of the first occurrence (the question's).
  EXPECT_EQ(recordToText(back->answers[0]),
            "www.Example.test.\t300\tIN\tCNAME\thost.Example.test.");
  EXPECT_EQ(back->questions[0].name.toText(), "www.Example.test.");  // case kept
  ASSERT_TRUE(back->edns);
  EXPECT_EQ(back->edns->options.size(), 1u);
  EXPECT_EQ(back->edns->options[0].code, edns::kNsid);
  // Compression: the whole message is far smaller than the names spelled out.
  EXPECT_LT(wire.size(), 160u);
}

TEST(Message, TruncationSetsTcAndKeepsOpt) {
  Message m = sample();
  for (int i = 0; i < 50; ++i)
    m.answers.push_back(
        rr("host.example.test.", type::kTXT, 300, {"0123456789012345678901234567"}));
  std::vector<std::uint8_t> wire;
  writeMessage(m, wire, 512);
  EXPECT_LE(wire.size(), 512u);
  auto back = parseMessage(wire);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->header.tc);
  EXPECT_TRUE(back->edns);
  EXPECT_LT(back->answers.size(), m.answers.size());
}

TEST(Message, DroppedAdditionalDoesNotSetTc) {
  Message m = sample();
  for (int i = 0; i < 40; ++i)
    m.additional.push_back(rr("x.example.test.", type::kTXT, 1, {"0123456789012345678901234567"}));
  std::vector<std::uint8_t> wire;
  writeMessage(m, wire, 512);
  auto back = parseMessage(wire);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->header.tc);
  EXPECT_EQ(back->answers.size(), 2u);
}

TEST(Message, RejectsHostileInput) {
  Message m = sample();
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(writeMessage(m, wire));
  // Every truncation of a valid message fails cleanly.
  for (std::size_t n = 0; n < wire.size(); ++n) EXPECT_FALSE(parseMessage({wire.data(), n})) << n;
  // Trailing garbage.
  auto extra = wire;
  extra.push_back(0);
  EXPECT_EQ(parseMessage(extra).error(), ParseError::kTrailingData);
  // Absurd counts.
  auto counts = wire;
  counts[6] = counts[7] = 0xff;
  EXPECT_FALSE(parseMessage(counts));
  // Two OPT records.
  Message two = sample();
  std::vector<std::uint8_t> w2;
  writeMessage(two, w2);
  w2[11] += 1;
  const std::uint8_t opt[] = {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0};
  w2.insert(w2.end(), opt, opt + sizeof opt);
  EXPECT_EQ(parseMessage(w2).error(), ParseError::kBadOpt);
}

TEST(Message, ExtendedRcodeAndText) {
  Message m;
  m.header.qr = true;
  m.edns = Edns{};
  m.header.rcode = 0;
  m.edns->extendedRcode = 1;  // BADVERS = 16
  EXPECT_EQ(m.rcode(), rcode::kBadVers);
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(writeMessage(m, wire));
  auto back = parseMessage(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rcode(), rcode::kBadVers);
  EXPECT_NE(messageToText(sample()).find("CNAME\thost.example.test."), std::string::npos);
}

}  // namespace
}  // namespace wk::dns::codec
