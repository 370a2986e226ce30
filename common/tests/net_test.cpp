#include "wk/net.hpp"

#include <gtest/gtest.h>

namespace wk {
namespace {

namespace ip = boost::asio::ip;

TEST(Endpoint, ParsesIpv4AndBracketedIpv6) {
  auto v4 = Endpoint::parse("127.0.0.1:53");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address, ip::make_address("127.0.0.1"));
  EXPECT_EQ(v4->port, 53);
  auto v6 = Endpoint::parse("[::1]:5353");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->address.is_v6());
  EXPECT_EQ(v6->port, 5353);
  EXPECT_EQ(v6->toString(), "[::1]:5353");
  EXPECT_EQ(Endpoint::parse("0.0.0.0:0")->port, 0);
}

TEST(Endpoint, RejectsMalformed) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "::1:53", "[::1]", "[::1]53",
        "[127.0.0.1]:53", "host.example:53", "1.2.3.4:5x", "1.2.3.4:-1", "[::1]:"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

TEST(Cidr, MatchesPrefixes) {
  auto c = Cidr::parse("192.168.50.0/24");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(ip::make_address("192.168.50.7")));
  EXPECT_FALSE(c->contains(ip::make_address("192.168.51.7")));
  EXPECT_FALSE(c->contains(ip::make_address("::1")));
  auto odd = Cidr::parse("10.1.2.3/9");  // host bits are ignored
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->toString(), "10.0.0.0/9");
  EXPECT_TRUE(odd->contains(ip::make_address("10.127.255.255")));
  EXPECT_FALSE(odd->contains(ip::make_address("10.128.0.0")));
  auto all = Cidr::parse("0.0.0.0/0");
  EXPECT_TRUE(all->contains(ip::make_address("8.8.8.8")));
}

TEST(Cidr, Ipv6AndMappedIpv4) {
  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(ip::make_address("2001:db8:1::5")));
  EXPECT_FALSE(v6->contains(ip::make_address("2001:db9::5")));
  auto host = Cidr::parse("::1");
  EXPECT_EQ(host->prefixLength(), 128u);
  auto lo = Cidr::parse("127.0.0.0/8");
  EXPECT_TRUE(lo->contains(ip::make_address("::ffff:127.0.0.2")));
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "x/8",
                          "10.0.0.0/8/8", "10.0.0.0/-1"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(CidrList, AnyMatch) {
  CidrList list({*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")});
  EXPECT_TRUE(list.contains(ip::make_address("127.9.9.9")));
  EXPECT_TRUE(list.contains(ip::make_address("::1")));
  EXPECT_FALSE(list.contains(ip::make_address("10.0.0.1")));
  EXPECT_FALSE(CidrList().contains(ip::make_address("127.0.0.1")));  // empty = nobody
}

TEST(TokenBucket, BurstThenRate) {
  TokenBucket b(10, 5);  // 10/s, burst 5
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += b.take(0.0);
  EXPECT_EQ(allowed, 5);
  EXPECT_FALSE(b.take(0.05));  // half a token
  EXPECT_TRUE(b.take(0.1));    // one token refilled
  EXPECT_FALSE(b.take(0.1));
  // Refill never exceeds the burst.
  EXPECT_DOUBLE_EQ(b.tokens(100.0), 5.0);
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  TokenBucket b(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.take(0));
}

}  // namespace
}  // namespace wk
