#include "engine/responder.hpp"

#include <gtest/gtest.h>

#include "codec/rdata.hpp"
#include "codec/types.hpp"
#include "codec/zone_file.hpp"

namespace wk::dns::engine {
namespace {

using namespace codec;

constexpr const char* kZone = R"($TTL 3600
@        IN SOA ns1 hostmaster 2024010101 3600 900 604800 300
         IN NS  ns1
         IN NS  ns2.elsewhere.test.
         IN MX  10 mail
ns1      IN A   192.0.2.53
mail     IN A   192.0.2.25
mail     IN AAAA 2001:db8::25
www      IN A   192.0.2.80
         IN TXT "web"
alias    IN CNAME www
chain1   IN CNAME chain2
chain2   IN CNAME alias
dangling IN CNAME nothere
outside  IN CNAME www.other.test.
loop1    IN CNAME loop2
loop2    IN CNAME loop1
*.wild   IN A   192.0.2.99
*.wild   IN MX  5 mail
*.cw     IN CNAME www
a.b.ent  IN A   192.0.2.7
_sip._udp IN SRV 0 5 5060 www
sub      IN NS  ns.sub
sub      IN NS  ns.elsewhere.test.
ns.sub   IN A   192.0.2.100
big      IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "1123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "2123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "3123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "4123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "5123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "6123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "7123456789012345678901234567890123456789012345678901234567890123456789"
)";

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Name apex = *Name::fromText("example.test.");
    ZoneParseOptions o;
    o.origin = apex;
    std::vector<ZoneError> errors;
    ZoneBuilder b(apex, errors);
    ASSERT_TRUE(parseZoneText(
        kZone, "example.test.zone", o, [&](const ZoneRecord& r) { b.add(r); }, errors));
    auto zone = b.finish();
    ASSERT_TRUE(zone) << (errors.empty() ? "" : errors[0].toString());
    zones.add(zone);
  }

  Message ask(const char* name, std::uint16_t qtype, bool edns = true, bool tcp = false,
              std::uint16_t udpSize = 1232) {
    Message q;
    q.header.id = 4242;
    q.header.rd = true;
    q.questions.push_back({*Name::fromText(name), qtype, rclass::kIN});
    if (edns) {
      q.edns = Edns{};
      q.edns->udpSize = udpSize;
    }
    std::vector<std::uint8_t> wire;
    writeMessage(q, wire);
    return send(wire, tcp);
  }

  Message send(const std::vector<std::uint8_t>& wire, bool tcp = false) {
    Client c;
    c.address = boost::asio::ip::make_address("127.0.0.1");
    c.tcp = tcp;
    c.now = 1700000000;
    auto out = responder.respond(wire, zones, c);
    last.assign(out.begin(), out.end());
    if (out.empty()) return Message{};
    auto m = parseMessage(out);
    EXPECT_TRUE(m) << "response does not parse";
    return m ? *m : Message{};
  }

  static std::vector<std::string> texts(const std::vector<Record>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(recordToText(r));
    return out;
  }

  ZoneSet zones;
  Responder responder{ResponderConfig{.nsid = "ns-test"}};
  std::vector<std::uint8_t> last;
};

TEST_F(ResponderTest, ExactAnswerWithAdditional) {
  auto m = ask("example.test.", type::kMX);
  EXPECT_EQ(m.header.id, 4242);
  EXPECT_TRUE(m.header.qr && m.header.aa && m.header.rd && !m.header.tc);
  EXPECT_EQ(m.rcode(), rcode::kNoError);
  EXPECT_EQ(texts(m.answers),
            (std::vector<std::string>{"example.test.\t3600\tIN\tMX\t10 mail.example.test."}));
  // As NSD: the apex NS in authority, then addresses of all targets, A before AAAA.
  EXPECT_EQ(texts(m.authority),
            (std::vector<std::string>{"example.test.\t3600\tIN\tNS\tns1.example.test.",
                                      "example.test.\t3600\tIN\tNS\tns2.elsewhere.test."}));
  EXPECT_EQ(texts(m.additional),
            (std::vector<std::string>{"mail.example.test.\t3600\tIN\tA\t192.0.2.25",
                                      "ns1.example.test.\t3600\tIN\tA\t192.0.2.53",
                                      "mail.example.test.\t3600\tIN\tAAAA\t2001:db8::25"}));
  auto ns = ask("example.test.", type::kNS);
  EXPECT_EQ(ns.answers.size(), 2u);
  EXPECT_TRUE(ns.authority.empty());  // not repeated
  EXPECT_EQ(texts(ns.additional),
            (std::vector<std::string>{"ns1.example.test.\t3600\tIN\tA\t192.0.2.53"}));
}

TEST_F(ResponderTest, CaseInsensitiveAndQuestionCasePreserved) {
  auto m = ask("WwW.ExAmPlE.TeSt.", type::kA);
  EXPECT_EQ(m.rcode(), rcode::kNoError);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.questions[0].name.toText(), "WwW.ExAmPlE.TeSt.");
  EXPECT_EQ(m.answers[0].name.toText(), "WwW.ExAmPlE.TeSt.");  // compressed to the question
}

TEST_F(ResponderTest, CnameChainInZone) {
  auto m = ask("chain1.example.test.", type::kA);
  EXPECT_EQ(m.rcode(), rcode::kNoError);
  EXPECT_TRUE(m.header.aa);
  EXPECT_EQ(texts(m.answers),
            (std::vector<std::string>{"chain1.example.test.\t3600\tIN\tCNAME\tchain2.example.test.",
                                      "chain2.example.test.\t3600\tIN\tCNAME\talias.example.test.",
                                      "alias.example.test.\t3600\tIN\tCNAME\twww.example.test.",
                                      "www.example.test.\t3600\tIN\tA\t192.0.2.80"}));
  auto cname = ask("alias.example.test.", type::kCNAME);
  EXPECT_EQ(cname.answers.size(), 1u);
  auto dangling = ask("dangling.example.test.", type::kA);
  EXPECT_EQ(dangling.rcode(), rcode::kNXDomain);  // RFC 6604: rcode of the last name
  EXPECT_EQ(dangling.answers.size(), 1u);
  EXPECT_EQ(dangling.authority.size(), 1u);
  auto outside = ask("outside.example.test.", type::kA);
  EXPECT_EQ(outside.rcode(), rcode::kNoError);
  EXPECT_EQ(outside.answers.size(), 1u);
  EXPECT_TRUE(outside.authority.empty());  // the target's zone is not ours
  auto loop = ask("loop1.example.test.", type::kA);
  EXPECT_EQ(loop.rcode(), rcode::kNoError);
  EXPECT_EQ(loop.answers.size(), 2u);
  auto nodata = ask("alias.example.test.", type::kAAAA);
  EXPECT_EQ(nodata.rcode(), rcode::kNoError);
  EXPECT_EQ(nodata.answers.size(), 1u);
  EXPECT_EQ(nodata.authority.size(), 1u);
}

TEST_F(ResponderTest, NxdomainAndNodataCarrySoaWithNegativeTtl) {
  auto nx = ask("nope.example.test.", type::kA);
  EXPECT_EQ(nx.rcode(), rcode::kNXDomain);
  EXPECT_TRUE(nx.header.aa);
  EXPECT_TRUE(nx.answers.empty());
  ASSERT_EQ(nx.authority.size(), 1u);
  EXPECT_EQ(nx.authority[0].type, type::kSOA);
  EXPECT_EQ(nx.authority[0].ttl, 300u);  // min(3600, minimum 300)
  auto nodata = ask("www.example.test.", type::kAAAA);
  EXPECT_EQ(nodata.rcode(), rcode::kNoError);
  EXPECT_TRUE(nodata.answers.empty());
  ASSERT_EQ(nodata.authority.size(), 1u);
  EXPECT_EQ(nodata.authority[0].type, type::kSOA);
}

TEST_F(ResponderTest, EmptyNonTerminalIsNodataNotNxdomain) {
  auto ent = ask("b.ent.example.test.", type::kA);
  EXPECT_EQ(ent.rcode(), rcode::kNoError);
  EXPECT_TRUE(ent.answers.empty());
  auto ent2 = ask("ent.example.test.", type::kA);
  EXPECT_EQ(ent2.rcode(), rcode::kNoError);
  auto below = ask("x.b.ent.example.test.", type::kA);
  EXPECT_EQ(below.rcode(), rcode::kNXDomain);
}

TEST_F(ResponderTest, Wildcards) {
  auto m = ask("anything.wild.example.test.", type::kA);
  EXPECT_EQ(m.rcode(), rcode::kNoError);
  EXPECT_EQ(texts(m.answers),
            (std::vector<std::string>{"anything.wild.example.test.\t3600\tIN\tA\t192.0.2.99"}));
  auto deep = ask("a.b.c.wild.example.test.", type::kMX);
  EXPECT_EQ(deep.answers.size(), 1u);
  EXPECT_EQ(deep.additional.size(), 3u);  // mail A and AAAA, ns1 A
  auto nodata = ask("x.wild.example.test.", type::kTXT);
  EXPECT_EQ(nodata.rcode(), rcode::kNoError);
  EXPECT_TRUE(nodata.answers.empty());
  EXPECT_EQ(nodata.authority.size(), 1u);
  auto literal = ask("*.wild.example.test.", type::kA);
  EXPECT_EQ(literal.answers.size(), 1u);
  auto cw = ask("q.cw.example.test.", type::kA);
  EXPECT_EQ(texts(cw.answers),
            (std::vector<std::string>{"q.cw.example.test.\t3600\tIN\tCNAME\twww.example.test.",
                                      "www.example.test.\t3600\tIN\tA\t192.0.2.80"}));
  // The wildcard's parent itself is an empty non-terminal: NODATA, not synthesized.
  auto parent = ask("wild.example.test.", type::kA);
  EXPECT_EQ(parent.rcode(), rcode::kNoError);
  EXPECT_TRUE(parent.answers.empty());
}

TEST_F(ResponderTest, DelegationIsAReferralWithGlue) {
  for (const char* name : {"sub.example.test.", "host.sub.example.test.", "ns.sub.example.test."}) {
    auto m = ask(name, type::kA);
    EXPECT_EQ(m.rcode(), rcode::kNoError) << name;
    EXPECT_FALSE(m.header.aa) << name;
    EXPECT_TRUE(m.answers.empty()) << name;
    EXPECT_EQ(m.authority.size(), 2u) << name;
    EXPECT_EQ(texts(m.additional),
              (std::vector<std::string>{"ns.sub.example.test.\t3600\tIN\tA\t192.0.2.100"}));
  }
  auto ds = ask("sub.example.test.", type::kDS);  // DS is the parent's: NODATA here
  EXPECT_TRUE(ds.header.aa);
  EXPECT_EQ(ds.authority.size(), 1u);
  EXPECT_EQ(ds.authority[0].type, type::kSOA);
}

TEST_F(ResponderTest, SrvAdditionalAndAny) {
  auto srv = ask("_sip._udp.example.test.", type::kSRV);
  EXPECT_EQ(srv.answers.size(), 1u);
  EXPECT_EQ(srv.additional.size(), 2u);  // www A, ns1 A
  auto any = ask("www.example.test.", type::kANY);
  EXPECT_EQ(any.answers.size(), 1u);  // RFC 8482 over UDP
  auto anyTcp = ask("www.example.test.", type::kANY, true, true);
  EXPECT_EQ(anyTcp.answers.size(), 1u);
  EXPECT_TRUE(anyTcp.authority.empty());
}

TEST_F(ResponderTest, RefusedOutsideOurZones) {
  auto m = ask("www.example.org.", type::kA);
  EXPECT_EQ(m.rcode(), rcode::kRefused);
  EXPECT_FALSE(m.header.aa);
  auto ch = ask("version.bind.", type::kTXT);
  EXPECT_EQ(ch.rcode(), rcode::kRefused);
}

TEST_F(ResponderTest, TruncationOverUdp) {
  auto small = ask("big.example.test.", type::kTXT, false);  // 512 bytes without EDNS
  EXPECT_TRUE(small.header.tc);
  EXPECT_TRUE(small.answers.empty());
  EXPECT_LE(last.size(), 512u);
  auto edns = ask("big.example.test.", type::kTXT, true, false, 4096);
  EXPECT_FALSE(edns.header.tc);
  EXPECT_EQ(edns.answers.size(), 8u);
  auto capped = ask("big.example.test.", type::kTXT, true, false, 600);
  EXPECT_TRUE(capped.header.tc);
  EXPECT_LE(last.size(), 600u);
  // Authority NS and additional data are optional: when only they do not fit, they are
  // dropped without TC.
  bool sawOptionalDropped = false;
  for (std::uint16_t size = 512; size <= 1232; size += 8) {
    auto m = ask("big.example.test.", type::kTXT, true, false, size);
    EXPECT_LE(last.size(), size);
    if (!m.header.tc) {
      EXPECT_EQ(m.answers.size(), 8u);
      if (m.authority.empty()) sawOptionalDropped = true;
    }
  }
  EXPECT_TRUE(sawOptionalDropped);
  auto tcp = ask("big.example.test.", type::kTXT, false, true);
  EXPECT_FALSE(tcp.header.tc);
  EXPECT_EQ(tcp.answers.size(), 8u);
}

TEST_F(ResponderTest, EdnsBadversNsidAndCookies) {
  Message q;
  q.header.id = 7;
  q.questions.push_back({*Name::fromText("www.example.test."), type::kA, rclass::kIN});
  q.edns = Edns{};
  q.edns->version = 1;
  std::vector<std::uint8_t> wire;
  writeMessage(q, wire);
  auto bad = send(wire);
  EXPECT_EQ(bad.rcode(), rcode::kBadVers);
  EXPECT_TRUE(bad.answers.empty());
  ASSERT_TRUE(bad.edns);
  EXPECT_EQ(bad.edns->version, 0);

  q.edns->version = 0;
  q.edns->options.push_back({edns::kNsid, {}});
  q.edns->options.push_back({edns::kCookie, {1, 2, 3, 4, 5, 6, 7, 8}});
  q.edns->options.push_back({65001, {9, 9}});  // unknown: ignored
  writeMessage(q, wire);
  auto m = send(wire);
  EXPECT_EQ(m.rcode(), rcode::kNoError);
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->udpSize, 1232);
  ASSERT_EQ(m.edns->options.size(), 2u);
  EXPECT_EQ(m.edns->options[0].code, edns::kNsid);
  EXPECT_EQ(std::string(m.edns->options[0].data.begin(), m.edns->options[0].data.end()), "ns-test");
  EXPECT_EQ(m.edns->options[1].code, edns::kCookie);
  ASSERT_EQ(m.edns->options[1].data.size(), 24u);
  std::span<const std::uint8_t> server(m.edns->options[1].data.data() + 8, 16);
  std::array<std::uint8_t, 8> client{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_TRUE(validServerCookie({}, client, server, boost::asio::ip::make_address("127.0.0.1"),
                                1700000000));
  EXPECT_FALSE(validServerCookie({}, client, server, boost::asio::ip::make_address("127.0.0.2"),
                                 1700000000));

  q.edns->options = {{edns::kCookie, {1, 2, 3}}};  // malformed cookie
  writeMessage(q, wire);
  EXPECT_EQ(send(wire).rcode(), rcode::kFormErr);
}

TEST_F(ResponderTest, HostileAndOddQueries) {
  auto good = ask("www.example.test.", type::kA);
  std::vector<std::uint8_t> wire;
  Message q;
  q.header.id = 9;
  q.questions.push_back({*Name::fromText("www.example.test."), type::kA, rclass::kIN});
  writeMessage(q, wire);

  auto response = wire;
  response[2] |= 0x80;  // QR=1: dropped
  send(response);
  EXPECT_TRUE(last.empty());
  send(std::vector<std::uint8_t>(wire.begin(), wire.begin() + 11));  // runt: dropped
  EXPECT_TRUE(last.empty());

  auto notify = wire;
  notify[2] = static_cast<std::uint8_t>(notify[2] | (2 << 3));  // opcode STATUS
  auto ni = send(notify);
  EXPECT_EQ(ni.rcode(), rcode::kNotImp);
  EXPECT_EQ(ni.header.opcode, 2);

  auto truncated = std::vector<std::uint8_t>(wire.begin(), wire.end() - 2);
  auto fe = send(truncated);
  EXPECT_EQ(fe.rcode(), rcode::kFormErr);
  EXPECT_EQ(last[1], 9);  // id kept

  auto twoQ = wire;
  twoQ[5] = 2;
  EXPECT_EQ(send(twoQ).rcode(), rcode::kFormErr);
  auto noQ = wire;
  noQ[5] = 0;
  EXPECT_EQ(send(noQ).rcode(), rcode::kFormErr);

  // A compression loop in the question.
  std::vector<std::uint8_t> loop(wire.begin(), wire.begin() + 12);
  loop.insert(loop.end(), {0xc0, 12, 0, 1, 0, 1});
  EXPECT_EQ(send(loop).rcode(), rcode::kFormErr);

  auto axfr = ask("example.test.", type::kAXFR);
  EXPECT_EQ(axfr.rcode(), rcode::kFormErr);
  // IXFR carries the client's SOA in authority; over UDP the answer is our SOA alone.
  Message ixfr;
  ixfr.header.id = 12;
  ixfr.questions.push_back({*Name::fromText("example.test."), type::kIXFR, rclass::kIN});
  ixfr.authority.push_back(Record{*Name::fromText("example.test."), type::kSOA, rclass::kIN, 0,
                                  last /* any bytes: not interpreted */});
  std::vector<Token> soaText = {{"a", false}, {"b", false}, {"2024010100", false}, {"1", false},
                                {"2", false}, {"3", false}, {"4", false}};
  std::string error;
  ASSERT_TRUE(rdataFromText(type::kSOA, soaText, *Name::fromText("example.test."),
                            ixfr.authority[0].rdata, error));
  std::vector<std::uint8_t> ixfrWire;
  writeMessage(ixfr, ixfrWire);
  auto ixfrUdp = send(ixfrWire);
  EXPECT_EQ(ixfrUdp.rcode(), rcode::kNoError);
  ASSERT_EQ(ixfrUdp.answers.size(), 1u);
  EXPECT_EQ(ixfrUdp.answers[0].type, type::kSOA);
  send(ixfrWire, true);
  EXPECT_EQ(responder.lastOutcome(), Outcome::kTransfer);
  auto chaos = wire;
  chaos[wire.size() - 1] = 3;
  EXPECT_EQ(send(chaos).rcode(), rcode::kRefused);
}

TEST_F(ResponderTest, EveryTruncatedOrMutatedQueryGetsAnAnswerOrSilence) {
  Message q;
  q.questions.push_back({*Name::fromText("chain1.example.test."), type::kA, rclass::kIN});
  q.edns = Edns{};
  q.edns->options.push_back({edns::kCookie, {1, 2, 3, 4, 5, 6, 7, 8}});
  std::vector<std::uint8_t> wire;
  writeMessage(q, wire);
  for (std::size_t n = 0; n <= wire.size(); ++n) send({wire.begin(), wire.begin() + n});
  for (std::size_t i = 0; i < wire.size(); ++i)
    for (std::uint8_t v : {0x00, 0x3f, 0xc0, 0xff}) {
      auto m = wire;
      m[i] = v;
      send(m);
    }
  SUCCEED();  // the checks are "no crash" plus the parse assertion inside send()
}

TEST(ZoneBuild, RejectsBadZones) {
  Name apex = *Name::fromText("example.test.");
  auto build = [&](const char* text) {
    ZoneParseOptions o;
    o.origin = apex;
    std::vector<ZoneError> errors;
    ZoneBuilder b(apex, errors);
    parseZoneText(
        text, "z", o, [&](const ZoneRecord& r) { b.add(r); }, errors);
    auto zone = errors.empty() ? b.finish() : nullptr;
    return errors.empty() ? std::string("ok") : errors[0].toString();
  };
  EXPECT_EQ(build("@ SOA a b 1 2 3 4 5\n@ NS a\n"), "ok");
  EXPECT_EQ(build("@ NS a\n"),
            "zone example.test.:0: no SOA record at the zone apex example.test.");
  EXPECT_EQ(build("@ SOA a b 1 2 3 4 5\n@ NS a\nx.other.test. A 1.2.3.4\n"),
            "z:3: out-of-zone data: x.other.test. is not in example.test.");
  EXPECT_EQ(build("@ SOA a b 1 2 3 4 5\n@ NS a\nx CNAME a\nx CNAME b\n"),
            "z:4: more than one CNAME at x.example.test.");
  EXPECT_EQ(build("@ SOA a b 1 2 3 4 5\n@ NS a\nx CNAME a\nx A 1.2.3.4\n"),
            "zone example.test.:0: CNAME and other data at x.example.test.");
  EXPECT_EQ(build("@ SOA a b 1 2 3 4 5\n@ NS a\nx SOA a b 1 2 3 4 5\n"),
            "z:3: SOA record not at the zone apex");
}

}  // namespace
}  // namespace wk::dns::engine
