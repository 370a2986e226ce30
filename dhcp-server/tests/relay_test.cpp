#include "engine/relay.hpp"

#include <gtest/gtest.h>

namespace wk::dhcp::engine {
namespace {
namespace opt = codec::opt;

Packet request() {
  Packet p;
  p.chaddr = {2, 0, 0, 0, 2, 1};
  p.options.setU8(opt::kMessageType, 1);
  return p;
}

TEST(Relay, SetsGiaddrIncrementsHopsAddsAgentInfo) {
  RelayLink link{"veth-lan2", 0xc0a83301};
  auto out = relayRequest(request(), link, true);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->giaddr, 0xc0a83301u);
  EXPECT_EQ(out->hops, 1);
  auto subs = codec::parseSubOptions(*out->options.find(opt::kRelayAgent));
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->size(), 2u);
  EXPECT_EQ(std::string(subs->at(0).value.begin(), subs->at(0).value.end()), "veth-lan2");
  EXPECT_EQ(subs->at(1).value, (codec::Bytes{192, 168, 51, 1}));
  auto plain = relayRequest(request(), link, false);
  EXPECT_FALSE(plain->options.has(opt::kRelayAgent));
}

TEST(Relay, KeepsAnEarlierRelaysGiaddrAndDropsLoops) {
  RelayLink link{"eth1", 0x0a000001};
  Packet p = request();
  p.giaddr = 0xc0a80001;
  p.hops = 3;
  auto out = relayRequest(p, link, true);
  EXPECT_EQ(out->giaddr, 0xc0a80001u);
  EXPECT_EQ(out->hops, 4);
  EXPECT_FALSE(out->options.has(opt::kRelayAgent));
  p.hops = 16;
  EXPECT_FALSE(relayRequest(p, link, true));
  p.hops = 0;
  p.op = codec::kBootReply;
  EXPECT_FALSE(relayRequest(p, link, true));
}

TEST(Relay, RepliesGoBackToTheirLinkWithout82) {
  std::vector<RelayLink> links{{"a", 0x0a000001}, {"b", 0xc0a83301}};
  Packet p = request();
  p.op = codec::kBootReply;
  p.options.setU8(opt::kMessageType, 5);
  p.giaddr = 0xc0a83301;
  p.yiaddr = 0xc0a83364;
  p.options.set(opt::kRelayAgent, {1, 1, 'b'});
  auto r = relayReply(p, links);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->link, 1u);
  EXPECT_FALSE(r->packet.options.has(opt::kRelayAgent));
  EXPECT_EQ(r->destination, 0xffffffffu);
  p.ciaddr = 0xc0a83364;  // a renewing client: unicast
  EXPECT_EQ(relayReply(p, links)->destination, 0xc0a83364u);
  p.giaddr = 0x01010101;  // not one of ours
  EXPECT_FALSE(relayReply(p, links));
}

}  // namespace
}  // namespace wk::dhcp::engine
