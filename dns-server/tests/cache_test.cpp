#include "resolver/cache.hpp"

#include <gtest/gtest.h>

#include "codec/types.hpp"

namespace wk::dns::resolver {
namespace {

using codec::Name;
using codec::Record;
namespace type = codec::type;

RRset aSet(const char* name, std::uint32_t ttl, std::vector<std::uint8_t> addr = {192, 0, 2, 1}) {
  return RRset{*Name::fromText(name), type::kA, 1, ttl, {std::move(addr)}};
}

Record soa(const char* zone, std::uint32_t ttl, std::uint32_t minimum) {
  Record r;
  r.name = *Name::fromText(zone);
  r.type = type::kSOA;
  r.ttl = ttl;
  auto mname = *Name::fromText("ns.test.");
  auto rname = *Name::fromText("host.test.");
  r.rdata.assign(mname.wire().begin(), mname.wire().end());
  r.rdata.insert(r.rdata.end(), rname.wire().begin(), rname.wire().end());
  for (std::uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) {
    for (int s = 24; s >= 0; s -= 8) r.rdata.push_back(static_cast<std::uint8_t>(v >> s));
  }
  return r;
}

TEST(Cache, TtlCountsDownAndExpires) {
  Cache cache({});
  ASSERT_TRUE(cache.insert(aSet("www.example.test.", 300), Rank::kAnswer, 1000));
  auto hit = cache.lookup(*Name::fromText("WWW.Example.TEST."), type::kA, 1, 1000);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rrset.ttl, 300u);
  hit = cache.lookup(*Name::fromText("www.example.test."), type::kA, 1, 1100);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rrset.ttl, 200u);
  EXPECT_FALSE(hit->stale);
  EXPECT_FALSE(cache.lookup(*Name::fromText("www.example.test."), type::kA, 1, 1300));
  EXPECT_FALSE(cache.lookup(*Name::fromText("www.example.test."), type::kAAAA, 1, 1000));
}

TEST(Cache, MaxTtlCapsAndZeroTtlIsNotStored) {
  CacheConfig c;
  c.maxTtl = 60;
  Cache cache(c);
  cache.insert(aSet("a.test.", 86400), Rank::kAnswer, 0);
  EXPECT_EQ(cache.lookup(*Name::fromText("a.test."), type::kA, 1, 0)->rrset.ttl, 60u);
  EXPECT_FALSE(cache.insert(aSet("b.test.", 0), Rank::kAnswer, 0));
  EXPECT_FALSE(cache.lookup(*Name::fromText("b.test."), type::kA, 1, 0));
}

TEST(Cache, NegativeAnswersUseSoaMinimumCappedByMaxNegativeTtl) {
  CacheConfig c;
  c.maxNegativeTtl = 900;
  Cache cache(c);
  // RFC 2308 5: min(SOA TTL, MINIMUM).
  cache.insertNxDomain(*Name::fromText("nx.example.test."), 1, soa("example.test.", 3600, 300), 0);
  auto hit = cache.lookup(*Name::fromText("nx.example.test."), type::kMX, 1, 10);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->kind, CacheHit::Kind::kNxDomain);
  EXPECT_EQ(hit->soa->ttl, 290u);
  cache.insertNoData(*Name::fromText("www.example.test."), type::kAAAA, 1,
                     soa("example.test.", 120, 7200), 0);
  hit = cache.lookup(*Name::fromText("www.example.test."), type::kAAAA, 1, 0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->kind, CacheHit::Kind::kNoData);
  EXPECT_EQ(hit->soa->ttl, 120u);
  EXPECT_FALSE(cache.lookup(*Name::fromText("www.example.test."), type::kA, 1, 0));
  // Capped.
  cache.insertNoData(*Name::fromText("x.example.test."), type::kA, 1,
                     soa("example.test.", 86400, 86400), 0);
  EXPECT_EQ(cache.lookup(*Name::fromText("x.example.test."), type::kA, 1, 0)->soa->ttl, 900u);
}

TEST(Cache, LowerRankDoesNotReplaceLiveHigherRank) {
  Cache cache({});
  cache.insert(aSet("ns.example.test.", 300, {192, 0, 2, 1}), Rank::kAnswer, 0);
  cache.insert(aSet("ns.example.test.", 300, {192, 0, 2, 99}), Rank::kAdditional, 10);
  auto hit = cache.lookup(*Name::fromText("ns.example.test."), type::kA, 1, 10);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rrset.rdatas.front(), (std::vector<std::uint8_t>{192, 0, 2, 1}));
  // Once expired, anything may replace it; and an equal rank always replaces.
  cache.insert(aSet("ns.example.test.", 300, {192, 0, 2, 7}), Rank::kAnswer, 20);
  EXPECT_EQ(
      cache.lookup(*Name::fromText("ns.example.test."), type::kA, 1, 20)->rrset.rdatas.front(),
      (std::vector<std::uint8_t>{192, 0, 2, 7}));
}

TEST(Cache, ServeStaleWithinWindowOnlyWhenAsked) {
  CacheConfig c;
  c.staleWindow = 1000;
  c.staleTtl = 30;
  Cache cache(c);
  cache.insert(aSet("s.test.", 100), Rank::kAnswer, 0);
  auto name = *Name::fromText("s.test.");
  EXPECT_FALSE(cache.lookup(name, type::kA, 1, 200));
  auto hit = cache.lookup(name, type::kA, 1, 200, true);
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->stale);
  EXPECT_EQ(hit->rrset.ttl, 30u);
  EXPECT_FALSE(cache.lookup(name, type::kA, 1, 1200, true));

  c.serveStale = false;
  Cache off(c);
  off.insert(aSet("s.test.", 100), Rank::kAnswer, 0);
  EXPECT_FALSE(off.lookup(name, type::kA, 1, 200, true));
}

TEST(Cache, SizeBoundEvictsLeastRecentlyUsed) {
  CacheConfig c;
  c.shards = 1;
  c.maxBytes = 2000;
  Cache cache(c);
  for (int i = 0; i < 100; ++i) {
    std::string name = "h" + std::to_string(i) + ".test.";
    cache.insert(aSet(name.c_str(), 3600), Rank::kAnswer, 0);
    // Keep h0 hot: it must survive while the others churn.
    EXPECT_TRUE(cache.lookup(*Name::fromText("h0.test."), type::kA, 1, 0)) << i;
  }
  EXPECT_LE(cache.bytes(), 2000u);
  EXPECT_LT(cache.entries(), 20u);
  EXPECT_TRUE(cache.lookup(*Name::fromText("h99.test."), type::kA, 1, 0));
  EXPECT_FALSE(cache.lookup(*Name::fromText("h50.test."), type::kA, 1, 0));
}

TEST(Cache, RRsetLimitAndDuplicates) {
  CacheConfig c;
  c.maxRecordsPerRRset = 4;
  Cache cache(c);
  RRset big{*Name::fromText("big.test."), type::kA, 1, 60, {}};
  for (std::uint8_t i = 0; i < 5; ++i) big.rdatas.push_back({10, 0, 0, i});
  EXPECT_FALSE(cache.insert(big, Rank::kAnswer, 0));
  RRset dup{*Name::fromText("dup.test."), type::kA, 1, 60, {{10, 0, 0, 1}, {10, 0, 0, 1}}};
  EXPECT_TRUE(cache.insert(dup, Rank::kAnswer, 0));
  EXPECT_EQ(cache.lookup(*Name::fromText("dup.test."), type::kA, 1, 0)->rrset.rdatas.size(), 1u);
}

}  // namespace
}  // namespace wk::dns::resolver
