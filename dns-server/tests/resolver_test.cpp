// The resolver against a fake hierarchy (as the PowerDNS Recursor tests do): each fake
// server is our own authoritative Responder over in-memory zones, reached through an
// injected Upstream that also drives a fake clock. No sockets.
#include "resolver/resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>

#include "codec/types.hpp"
#include "codec/zone_file.hpp"
#include "engine/responder.hpp"
#include "engine/zone.hpp"

namespace wk::dns::resolver {
namespace {

namespace asio = boost::asio;
using codec::Message;
using codec::Name;
using codec::Question;
using codec::Record;
namespace type = codec::type;
namespace rcode = codec::rcode;

struct FakeServer {
  engine::ZoneSet zones;
  bool down = false;
  bool noEdns = false;     // FORMERR to any query with OPT (an old server)
  bool tcOverUdp = false;  // answers over UDP are always truncated
  bool refuse = false;     // lame: REFUSED to everything
  int latencyMs = 10;
  // Replaces the response (poisoning tests).
  std::function<void(Message&)> tamper;
};

struct LoggedQuery {
  std::string server;
  std::string qname;
  std::uint16_t qtype;
  bool tcp;
  bool edns;
  bool rd;
};

class FakeUpstream : public Upstream {
 public:
  explicit FakeUpstream(std::int64_t& clock) : clock_(clock) {}

  FakeServer& server(const std::string& address) { return servers_[address]; }

  asio::awaitable<UpstreamReply> query(UpstreamQuery q) override {
    const std::string addr = q.server.to_string();
    log.push_back({addr, q.query.questions.at(0).name.toText(), q.query.questions.at(0).qtype,
                   q.tcp, q.query.edns.has_value(), q.query.header.rd});
    UpstreamReply reply;
    auto it = servers_.find(addr);
    if (it == servers_.end() || it->second.down) {
      clock_ += q.timeout.count();
      reply.status = UpstreamReply::Status::kTimeout;
      co_return reply;
    }
    FakeServer& s = it->second;
    clock_ += s.latencyMs;
    q.query.header.id = 777;
    if (s.noEdns && q.query.edns) {
      reply.status = UpstreamReply::Status::kOk;
      reply.message = q.query;
      reply.message.header.qr = true;
      reply.message.header.rcode = rcode::kFormErr;
      reply.message.edns.reset();
      co_return reply;
    }
    std::vector<std::uint8_t> wire;
    codec::writeMessage(q.query, wire);
    engine::Responder responder{engine::ResponderConfig{.cookies = false}};
    engine::Client client{q.server, q.tcp, 1700000000};
    auto out = responder.respond(wire, s.zones, client);
    auto m = codec::parseMessage(out);
    if (!m) {
      reply.status = UpstreamReply::Status::kError;
      co_return reply;
    }
    if (s.refuse) {
      m->header.rcode = rcode::kRefused;
      m->answers.clear();
      m->authority.clear();
      m->additional.clear();
    }
    if (s.tcOverUdp && !q.tcp) {
      m->header.tc = true;
      m->answers.clear();
      m->authority.clear();
      m->additional.clear();
    }
    if (s.tamper) s.tamper(*m);
    reply.status = UpstreamReply::Status::kOk;
    reply.message = std::move(*m);
    co_return reply;
  }

  std::size_t countTo(const std::string& addr) const {
    std::size_t n = 0;
    for (const auto& q : log) n += q.server == addr;
    return n;
  }

  std::vector<LoggedQuery> log;

 private:
  std::int64_t& clock_;
  std::map<std::string, FakeServer> servers_;
};

void addZone(FakeServer& s, const char* apex, const std::string& text) {
  Name origin = *Name::fromText(apex);
  std::vector<codec::ZoneError> errors;
  std::vector<codec::ZoneRecord> records;
  codec::ZoneParseOptions o;
  o.origin = origin;
  ASSERT_TRUE(codec::parseZoneText(
      text, apex, o, [&](const codec::ZoneRecord& r) { records.push_back(r); }, errors))
      << errors.front().toString();
  auto zone = engine::Zone::build(origin, std::move(records), errors);
  ASSERT_TRUE(zone) << errors.front().toString();
  s.zones.add(zone);
}

const std::string kSoa = "@ 3600 SOA ns.invalid. host.invalid. 1 3600 600 86400 300\n";

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Root on 10.0.0.1.
    addZone(upstream.server("10.0.0.1"), ".",
            kSoa +
                "@ NS a.root.test.\n"
                "test. NS ns1.test.\n"
                "ns1.test. A 10.0.1.1\n"
                "a.root.test. A 10.0.0.1\n"
                "other. NS ns.other.\n"
                "ns.other. A 10.0.2.1\n");
    // test. on 10.0.1.1. Also carries an out-of-bailiwick "glue" attempt for other.
    addZone(upstream.server("10.0.1.1"), "test.",
            kSoa +
                "@ NS ns1\n"
                "ns1 A 10.0.1.1\n"
                "a.root A 10.0.0.1\n"
                "example NS ns1.example\n"
                "example NS ns2.example\n"
                "ns1.example A 10.0.3.1\n"
                "ns2.example A 10.0.3.2\n"
                "glueless NS ns.other.\n"
                "lame NS ns1.lame\n"
                "ns1.lame A 10.0.5.1\n"
                "lame NS ns2.lame\n"
                "ns2.lame A 10.0.5.2\n");
    // other. on 10.0.2.1, which also serves glueless.test.
    auto& other = upstream.server("10.0.2.1");
    addZone(other, "other.",
            kSoa + "@ NS ns\nns A 10.0.2.1\nwww 600 A 10.9.9.9\nloop1 CNAME loop2.example.test.\n");
    addZone(other, "glueless.test.", kSoa + "@ NS ns.other.\nwww A 10.7.7.7\n");
    // example.test. on 10.0.3.1 and 10.0.3.2.
    const std::string example = kSoa +
                                "@ NS ns1\n@ NS ns2\nns1 A 10.0.3.1\nns2 A 10.0.3.2\n"
                                "www 3600 A 192.0.2.1\n"
                                "alias 300 CNAME www.other.\n"
                                "deep.a.b.c 60 A 192.0.2.9\n"
                                "loop2 CNAME loop1.other.\n";
    addZone(upstream.server("10.0.3.1"), "example.test.", example);
    addZone(upstream.server("10.0.3.2"), "example.test.", example);
    // lame.test.: the first server refuses, the second serves.
    addZone(upstream.server("10.0.5.1"), "lame.test.",
            kSoa + "@ NS ns1\n@ NS ns2\nns1 A 10.0.5.1\nns2 A 10.0.5.2\nwww A 10.5.5.5\n");
    upstream.server("10.0.5.1").refuse = true;
    addZone(upstream.server("10.0.5.2"), "lame.test.",
            kSoa + "@ NS ns1\n@ NS ns2\nns1 A 10.0.5.1\nns2 A 10.0.5.2\nwww A 10.5.5.5\n");

    config.hints.nsNames = {*Name::fromText("a.root.test.")};
    config.hints.addresses = {
        {*Name::fromText("a.root.test."), asio::ip::make_address("10.0.0.1")}};
  }

  Resolver& resolver() {
    if (!resolver_) {
      resolver_ = std::make_unique<Resolver>(config, cache, upstream, [this] { return clock; });
    }
    return *resolver_;
  }

  Answer ask(const char* name, std::uint16_t qtype) {
    asio::io_context io;
    Answer out;
    bool done = false;
    asio::co_spawn(io, resolver().resolveQuestion(Question{*Name::fromText(name), qtype, 1}),
                   [&](std::exception_ptr e, Answer a) {
                     EXPECT_FALSE(e);
                     out = std::move(a);
                     done = true;
                   });
    io.run();
    EXPECT_TRUE(done);
    return out;
  }

  static std::vector<std::string> texts(const std::vector<Record>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(codec::recordToText(r));
    return out;
  }

  std::int64_t clock = 1'000'000;
  FakeUpstream upstream{clock};
  Cache cache{CacheConfig{}};
  ResolverConfig config;
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(ResolverTest, FollowsReferralsFromTheRootAndCaches) {
  auto a = ask("www.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_EQ(texts(a.answers),
            std::vector<std::string>{"www.example.test.\t3600\tIN\tA\t192.0.2.1"});
  const auto queries = upstream.log.size();
  EXPECT_LE(queries, 5u);  // priming, root, TLD, zone
  EXPECT_GE(upstream.countTo("10.0.0.1"), 1u);
  EXPECT_GE(upstream.countTo("10.0.1.1"), 1u);

  // Again: from the cache, with the TTL counted down.
  clock += 100'000;
  a = ask("www.example.test.", type::kA);
  EXPECT_EQ(upstream.log.size(), queries);
  ASSERT_EQ(a.answers.size(), 1u);
  EXPECT_EQ(a.answers[0].ttl, 3500u);
  auto fromCache =
      resolver().answerFromCache(Question{*Name::fromText("WWW.example.test."), type::kA, 1});
  ASSERT_TRUE(fromCache);
  EXPECT_EQ(fromCache->answers.at(0).ttl, 3500u);

  // A sibling name needs only the zone's servers now.
  ask("ns1.example.test.", type::kA);
  EXPECT_EQ(upstream.log.size(), queries + 1);
  EXPECT_TRUE(upstream.log.back().server.starts_with("10.0.3."));
}

TEST_F(ResolverTest, QnameMinimisationRevealsOneLabelAtATime) {
  auto a = ask("deep.a.b.c.example.test.", type::kA);
  ASSERT_EQ(a.rcode, rcode::kNoError);
  ASSERT_EQ(a.answers.size(), 1u);
  for (const auto& q : upstream.log) {
    if (q.server == "10.0.0.1" && !(q.qname == "." && q.qtype == type::kNS)) {
      EXPECT_EQ(q.qname, "test.");
    }
    if (q.server == "10.0.1.1") {
      EXPECT_EQ(q.qname, "example.test.");
    }
    EXPECT_FALSE(q.rd);
  }
}

TEST_F(ResolverTest, WithoutMinimisationTheFullNameGoesEverywhere) {
  config.qnameMinimisation = false;
  ask("www.example.test.", type::kA);
  for (const auto& q : upstream.log) {
    if (q.server == "10.0.1.1") {
      EXPECT_EQ(q.qname, "www.example.test.");
    }
  }
}

TEST_F(ResolverTest, GluelessDelegationResolvesTheNsOnTheSide) {
  auto a = ask("www.glueless.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_EQ(texts(a.answers),
            std::vector<std::string>{"www.glueless.test.\t3600\tIN\tA\t10.7.7.7"});
  EXPECT_GE(upstream.countTo("10.0.2.1"), 2u);  // ns.other. A, then the question
}

TEST_F(ResolverTest, CnameAcrossZonesAndDname) {
  auto a = ask("alias.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_EQ(texts(a.answers),
            (std::vector<std::string>{"alias.example.test.\t300\tIN\tCNAME\twww.other.",
                                      "www.other.\t600\tIN\tA\t10.9.9.9"}));
  // The cached chain answers alone.
  auto cached =
      resolver().answerFromCache(Question{*Name::fromText("alias.example.test."), type::kA, 1});
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->answers.size(), 2u);

  // DNAME (RFC 6672): our authoritative engine has none, so the servers are made to
  // answer as a DNAME-aware server would: the DNAME and the synthesised CNAME.
  auto dname = [](Message& m) {
    const Name owner = *Name::fromText("legacy.example.test.");
    if (!m.questions.at(0).name.isSubdomainOf(owner)) return;
    m.header.rcode = rcode::kNoError;
    m.header.aa = true;
    if (m.questions.at(0).name.equals(owner)) return;  // NODATA at the DNAME owner
    m.header.aa = true;
    m.authority.clear();
    Record d;
    d.name = *Name::fromText("legacy.example.test.");
    d.type = 39;
    d.ttl = 300;
    auto target = *Name::fromText("other.");
    d.rdata.assign(target.wire().begin(), target.wire().end());
    m.answers.push_back(d);
  };
  upstream.server("10.0.3.1").tamper = dname;
  upstream.server("10.0.3.2").tamper = dname;
  a = ask("www.legacy.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  ASSERT_FALSE(a.answers.empty());
  EXPECT_EQ(codec::recordToText(a.answers.back()), "www.other.\t600\tIN\tA\t10.9.9.9");
}

TEST_F(ResolverTest, CnameLoopIsServfailWithinBudget) {
  auto a = ask("loop1.other.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kServFail);
  EXPECT_LE(upstream.log.size(), config.maxQueriesPerQuestion + 0u);
}

TEST_F(ResolverTest, NxdomainAndNodataAreCachedForTheSoaMinimum) {
  auto a = ask("nope.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNXDomain);
  ASSERT_EQ(a.authority.size(), 1u);
  EXPECT_EQ(a.authority[0].type, type::kSOA);
  EXPECT_EQ(a.authority[0].ttl, 300u);
  a = ask("www.example.test.", type::kAAAA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_TRUE(a.answers.empty());
  ASSERT_EQ(a.authority.size(), 1u);
  EXPECT_EQ(a.authority[0].ttl, 300u);

  const auto queries = upstream.log.size();
  clock += 60'000;
  a = ask("nope.example.test.", type::kTXT);  // NXDOMAIN covers every type
  EXPECT_EQ(a.rcode, rcode::kNXDomain);
  EXPECT_EQ(a.authority.at(0).ttl, 240u);
  a = ask("www.example.test.", type::kAAAA);
  EXPECT_EQ(a.authority.at(0).ttl, 240u);
  EXPECT_EQ(upstream.log.size(), queries);
  clock += 300'000;
  ask("www.example.test.", type::kAAAA);
  EXPECT_GT(upstream.log.size(), queries);
}

TEST_F(ResolverTest, NxdomainAtAMinimisedLabelEndsTheSearch) {
  auto a = ask("x.y.z.nowhere.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNXDomain);
  for (const auto& q : upstream.log) EXPECT_NE(q.qname, "x.y.z.nowhere.test.");
}

TEST_F(ResolverTest, DeadServerIsAvoidedBySmoothedRtt) {
  upstream.server("10.0.3.1").down = true;
  for (int i = 0; i < 6; ++i) {
    std::string name = "n" + std::to_string(i) + ".example.test.";
    auto a = ask(name.c_str(), type::kA);
    EXPECT_EQ(a.rcode, rcode::kNXDomain) << name;
  }
  EXPECT_LE(upstream.countTo("10.0.3.1"), 2u);
  EXPECT_GE(upstream.countTo("10.0.3.2"), 6u);
}

TEST_F(ResolverTest, TruncatedAnswerIsRetriedOverTcp) {
  upstream.server("10.0.3.1").tcOverUdp = true;
  upstream.server("10.0.3.2").tcOverUdp = true;
  auto a = ask("www.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_EQ(a.answers.size(), 1u);
  EXPECT_TRUE(upstream.log.back().tcp);
}

TEST_F(ResolverTest, EdnsFallbackForServersThatRejectIt) {
  upstream.server("10.0.3.1").noEdns = true;
  upstream.server("10.0.3.2").noEdns = true;
  auto a = ask("www.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_FALSE(upstream.log.back().edns);
  // Remembered: the next query to that server goes without EDNS at once.
  const auto before = upstream.log.size();
  ask("ns1.example.test.", type::kA);
  EXPECT_EQ(upstream.log.size(), before + 1);
  EXPECT_FALSE(upstream.log.back().edns);
}

TEST_F(ResolverTest, LameServerIsMarkedAndSkipped) {
  for (int i = 0; i < 5; ++i) {
    std::string name = i == 0 ? "www.lame.test." : "n" + std::to_string(i) + ".lame.test.";
    auto a = ask(name.c_str(), type::kA);
    EXPECT_NE(a.rcode, rcode::kServFail) << name;
  }
  EXPECT_LE(upstream.countTo("10.0.5.1"), 1u);
}

TEST_F(ResolverTest, OutOfBailiwickRecordsAreDropped) {
  // The example.test. servers try to poison www.other. and the NS of other.
  auto poison = [](Message& m) {
    Record r;
    r.name = *Name::fromText("www.other.");
    r.type = type::kA;
    r.ttl = 86400;
    r.rdata = {6, 6, 6, 6};
    m.answers.push_back(r);
    m.additional.push_back(r);
    Record ns;
    ns.name = *Name::fromText("ns.other.");
    ns.type = type::kA;
    ns.ttl = 86400;
    ns.rdata = {6, 6, 6, 7};
    m.additional.push_back(ns);
  };
  upstream.server("10.0.3.1").tamper = poison;
  upstream.server("10.0.3.2").tamper = poison;
  auto a = ask("www.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_EQ(a.answers.size(), 1u);
  EXPECT_FALSE(resolver().answerFromCache(Question{*Name::fromText("www.other."), type::kA, 1}));
  a = ask("www.other.", type::kA);
  EXPECT_EQ(texts(a.answers), std::vector<std::string>{"www.other.\t600\tIN\tA\t10.9.9.9"});
}

TEST_F(ResolverTest, NxnsAttackIsBoundedByTheBudget) {
  // A delegation to many NS names in a zone that answers nothing for them.
  std::string tld = kSoa + "@ NS ns1\nns1 A 10.0.1.1\n";
  for (int i = 0; i < 100; ++i) tld += "victim NS n" + std::to_string(i) + ".nothing.other.\n";
  upstream.server("10.0.1.1").zones = engine::ZoneSet{};
  addZone(upstream.server("10.0.1.1"), "test.", tld);
  auto a = ask("www.victim.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kServFail);
  EXPECT_LE(upstream.log.size(), config.maxQueriesPerQuestion);
  EXPECT_LE(upstream.countTo("10.0.2.1"), config.maxGluelessPerReferral * 2 + 2);
}

TEST_F(ResolverTest, ServeStaleWhenTheHierarchyIsDown) {
  ask("www.other.", type::kA);
  clock += 700'000;  // past the 600 s TTL
  for (auto addr : {"10.0.0.1", "10.0.1.1", "10.0.2.1"}) upstream.server(addr).down = true;
  auto a = ask("www.other.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_TRUE(a.stale);
  ASSERT_EQ(a.answers.size(), 1u);
  EXPECT_EQ(a.answers[0].ttl, 30u);
}

TEST_F(ResolverTest, NoStaleAnswerWhenDisabled) {
  CacheConfig c;
  c.serveStale = false;
  Cache noStale(c);
  Resolver r(config, noStale, upstream, [this] { return clock; });
  asio::io_context io;
  Answer out;
  asio::co_spawn(io, r.resolveQuestion(Question{*Name::fromText("www.other."), type::kA, 1}),
                 [&](std::exception_ptr, Answer a) { out = a; });
  io.run();
  ASSERT_EQ(out.rcode, rcode::kNoError);
  clock += 700'000;
  upstream.server("10.0.2.1").down = true;
  io.restart();
  asio::co_spawn(io, r.resolveQuestion(Question{*Name::fromText("www.other."), type::kA, 1}),
                 [&](std::exception_ptr, Answer a) { out = a; });
  io.run();
  EXPECT_EQ(out.rcode, rcode::kServFail);
}

TEST_F(ResolverTest, IdenticalQuestionsInFlightShareOneResolution) {
  asio::io_context io;
  std::vector<Answer> answers;
  for (int i = 0; i < 5; ++i) {
    resolver().resolve(Question{*Name::fromText("www.example.test."), type::kA, 1},
                       io.get_executor(), [&](const Answer& a) { answers.push_back(a); });
  }
  io.run();
  ASSERT_EQ(answers.size(), 5u);
  for (const auto& a : answers) EXPECT_EQ(a.answers.size(), 1u);
  EXPECT_EQ(resolver().stats().resolutions, 1u);
  EXPECT_EQ(resolver().stats().coalesced, 4u);
}

TEST_F(ResolverTest, ForwardingModeSendsRdToTheForwarder) {
  // The "forwarder" knows everything (a big authoritative server stands in for it).
  auto& fwd = upstream.server("10.0.9.9");
  addZone(fwd, "example.test.", kSoa + "@ NS ns1\nns1 A 10.0.3.1\nalias CNAME www.other.\n");
  addZone(fwd, "other.", kSoa + "@ NS ns\nns A 10.0.2.1\nwww 600 A 10.9.9.9\n");
  config.forwarders = {{asio::ip::make_address("10.0.9.9"), 53}};
  auto a = ask("alias.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kNoError);
  EXPECT_EQ(a.answers.size(), 2u);
  for (const auto& q : upstream.log) {
    EXPECT_EQ(q.server, "10.0.9.9");
    EXPECT_TRUE(q.rd);
  }
}

TEST_F(ResolverTest, EverythingDownIsServfail) {
  for (auto addr : {"10.0.0.1"}) upstream.server(addr).down = true;
  auto a = ask("www.example.test.", type::kA);
  EXPECT_EQ(a.rcode, rcode::kServFail);
}

TEST_F(ResolverTest, FailuresAreRememberedForAFewSeconds) {
  upstream.server("10.0.0.1").down = true;
  EXPECT_EQ(ask("www.example.test.", type::kA).rcode, rcode::kServFail);
  const auto queries = upstream.log.size();
  EXPECT_GT(queries, 0u);
  EXPECT_EQ(ask("www.example.test.", type::kA).rcode, rcode::kServFail);
  EXPECT_EQ(upstream.log.size(), queries);  // RFC 9520: no new upstream traffic
  EXPECT_EQ(resolver().stats().cachedFailures, 1u);
  upstream.server("10.0.0.1").down = false;
  clock += 6'000;
  EXPECT_EQ(ask("www.example.test.", type::kA).rcode, rcode::kNoError);
}

TEST(RootHints, BuiltinAndParsed) {
  auto h = builtinRootHints();
  EXPECT_EQ(h.nsNames.size(), 13u);
  EXPECT_EQ(h.addresses.size(), 26u);
  std::string error;
  auto parsed =
      parseRootHints(". 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.53\n", error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->addresses.at(0).second.to_string(), "127.0.0.53");
  EXPECT_FALSE(parseRootHints("garbage here\n", error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace wk::dns::resolver
