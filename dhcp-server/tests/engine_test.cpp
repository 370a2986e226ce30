// The RFC 2131 state machine, driven by TestClient, run against both lease backends.
#include <gtest/gtest.h>

#include <map>

#include "codec/packet.hpp"
#include "store_fixture.hpp"
#include "test_client.hpp"

namespace wk::dhcp::testing {
namespace {
namespace opt = codec::opt;
using engine::Config;
using engine::Subnet;

constexpr Ip4 kLink = 0xc0a83201;    // 192.168.50.1, the server's interface
constexpr Ip4 kRelay = 0xc0a83301;   // 192.168.51.1, a relay's giaddr
constexpr Ip4 kPoolLo = 0xc0a83264;  // .100
constexpr Ip4 kReserved = 0xc0a8320a;

std::shared_ptr<Config> makeConfig(Ip4 poolSize = 100) {
  auto c = std::make_shared<Config>();
  Subnet s;
  s.cidr = "192.168.50.0/24";
  s.network = 0xc0a83200;
  s.mask = 0xffffff00;
  s.pools = {{kPoolLo, kPoolLo + poolSize - 1}};
  s.routers = {kLink};
  s.dnsServers = {kLink, 0x08080808};
  s.domainName = "lan.test";
  s.domainSearch = {"lan.test", "corp.lan.test"};
  s.classlessRoutes = {{0x0a000000, 8, kLink}};
  s.leaseTime = std::chrono::seconds(3600);
  s.reservations.push_back({{2, 0, 0, 0, 0, 0x10}, kReserved, "printer"});
  c->subnets.push_back(s);
  Subnet r;
  r.cidr = "192.168.51.0/24";
  r.network = 0xc0a83300;
  r.mask = 0xffffff00;
  r.pools = {{0xc0a83364, 0xc0a833c7}};
  r.routers = {kRelay};
  r.leaseTime = std::chrono::seconds(600);
  c->subnets.push_back(r);
  return c;
}

std::vector<std::uint8_t> mac(std::uint8_t last) {
  return {2, 0, 0, 0, 1, last};
}

class Engine : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { server.setOwnAddresses({kLink}); }
  TestClient client(std::uint8_t last) {
    TestClient c(server, mac(last), &now);
    c.linkAddress = kLink;
    return c;
  }

  TempDir dir;
  std::unique_ptr<engine::LeaseStore> store = makeStore(GetParam(), dir);
  std::int64_t now = 1'700'000'000;
  engine::Server server{makeConfig(), *store};
};

TEST_P(Engine, DoraLeasesAPoolAddressWithOptions) {
  auto c = client(1);
  auto offer = c.discover();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->messageType(), MessageType::kOffer);
  EXPECT_EQ(offer->yiaddr, kPoolLo);
  EXPECT_EQ(offer->options.ip(opt::kServerId), kLink);
  EXPECT_FALSE(c.lastOutgoing->durable);  // an offer promises nothing
  auto ack = c.requestSelecting();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->messageType(), MessageType::kAck);
  EXPECT_EQ(ack->yiaddr, kPoolLo);
  EXPECT_TRUE(c.lastOutgoing->durable);
  EXPECT_EQ(ack->options.u32(opt::kLeaseTime), 3600u);
  EXPECT_EQ(ack->options.u32(opt::kT1), 1800u);
  EXPECT_EQ(ack->options.u32(opt::kT2), 3150u);
  EXPECT_EQ(ack->options.ip(opt::kSubnetMask), 0xffffff00u);
  EXPECT_EQ(ack->options.ip(opt::kRouters), kLink);
  EXPECT_EQ(ack->options.find(opt::kDnsServers)->size(), 8u);
  EXPECT_EQ(*ack->options.find(opt::kDomainName),
            (codec::Bytes{'l', 'a', 'n', '.', 't', 'e', 's', 't'}));
  ASSERT_NE(store->byIp(kPoolLo), nullptr);
  EXPECT_EQ(store->byIp(kPoolLo)->expires, now + 3600);
}

TEST_P(Engine, AnswersRequestedOptionsInRequestedOrder) {
  auto c = client(1);
  c.prl = {121, 15, 119, 3, 1, 28, 42, 6};  // 42 is not configured: left out
  c.dora();
  std::vector<std::uint8_t> codes;
  for (const auto& item : c.lastReply->options.items()) codes.push_back(item.code);
  EXPECT_EQ(codes, (std::vector<std::uint8_t>{53, 54, 51, 58, 59, 121, 15, 119, 3, 1, 28, 6}));
  auto routes = codec::parseRoutes(*c.lastReply->options.find(opt::kClasslessRoutes));
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->at(0).prefix, 8);
  auto search = codec::parseDomainSearch(*c.lastReply->options.find(opt::kDomainSearch));
  ASSERT_TRUE(search);
  EXPECT_EQ(search->at(1), "corp.lan.test");
  EXPECT_EQ(c.lastReply->options.ip(opt::kBroadcast), 0xc0a832ffu);
}

TEST_P(Engine, DeliveryRules) {
  auto c = client(1);
  c.discover();
  EXPECT_EQ(c.lastOutgoing->destination, 0xffffffffu);
  EXPECT_EQ(c.lastOutgoing->port, 68);
  c.requestSelecting();
  c.renew();
  EXPECT_EQ(c.lastOutgoing->destination, kPoolLo);  // unicast to ciaddr
  EXPECT_EQ(c.lastOutgoing->port, 68);
  auto r = client(2);
  r.giaddr = kRelay;
  r.discover();
  EXPECT_EQ(r.lastOutgoing->destination, kRelay);
  EXPECT_EQ(r.lastOutgoing->port, 67);
}

TEST_P(Engine, ReturningClientGetsItsAddressBack) {
  auto a = client(1), b = client(2);
  Ip4 ipA = *a.dora();
  Ip4 ipB = *b.dora();
  EXPECT_NE(ipA, ipB);
  a.release();
  EXPECT_EQ(store->byIp(ipA)->state, engine::LeaseState::kReleased);
  now += 10;
  EXPECT_EQ(a.dora(), ipA);  // released, but nobody took it: same address
  now += 7200;               // both expire
  EXPECT_EQ(b.dora(), ipB);
}

TEST_P(Engine, ClientIdentifierKeysTheLease) {
  auto a = client(1);
  a.clientId = {1, 'x'};
  Ip4 first = *a.dora();
  auto a2 = client(1);  // same MAC, other client id: another client
  a2.clientId = {1, 'y'};
  Ip4 second = *a2.dora();
  EXPECT_NE(first, second);
  EXPECT_EQ(*a2.lastReply->options.find(opt::kClientId), (codec::Bytes{1, 'y'}));  // RFC 6842
  auto a3 = client(9);  // other MAC, first client id: the first lease
  a3.clientId = {1, 'x'};
  EXPECT_EQ(a3.dora(), first);
}

TEST_P(Engine, ReservationWinsWithHostname) {
  TestClient p(server, {2, 0, 0, 0, 0, 0x10}, &now);
  p.linkAddress = kLink;
  p.prl = {1, 12, 3};
  EXPECT_EQ(p.dora(), kReserved);
  EXPECT_EQ(*p.lastReply->options.find(opt::kHostname),
            (codec::Bytes{'p', 'r', 'i', 'n', 't', 'e', 'r'}));
  // Nobody else gets the reserved address, even asking for it.
  auto o = client(3);
  auto offer = o.discover(kReserved);
  EXPECT_NE(offer->yiaddr, kReserved);
  EXPECT_EQ(o.initReboot(kReserved)->messageType(), MessageType::kNak);
}

TEST_P(Engine, OfferedAddressIsHeldThenReleased) {
  auto a = client(1), b = client(2);
  Ip4 offered = a.discover()->yiaddr;
  EXPECT_NE(b.discover(offered)->yiaddr, offered);  // held for a
  // b may not take a's offered address by requesting it either.
  EXPECT_EQ(b.requestSelecting(offered, kLink)->messageType(), MessageType::kNak);
  now += 60;  // offer lapsed
  auto c = client(3);
  EXPECT_EQ(c.discover(offered)->yiaddr, offered);
}

TEST_P(Engine, AnotherServerChosenDropsOurOffer) {
  auto a = client(1);
  Ip4 offered = a.discover()->yiaddr;
  EXPECT_FALSE(a.requestSelecting(offered, 0x01020304));  // silence
  auto b = client(2);
  EXPECT_EQ(b.discover(offered)->yiaddr, offered);  // released at once
}

TEST_P(Engine, InitReboot) {
  auto a = client(1);
  Ip4 ip = *a.dora();
  EXPECT_EQ(a.initReboot(ip)->messageType(), MessageType::kAck);
  EXPECT_TRUE(a.lastOutgoing->durable);
  // Wrong network for this link: NAK.
  EXPECT_EQ(a.initReboot(0x0a000001)->messageType(), MessageType::kNak);
  EXPECT_EQ(a.lastReply->yiaddr, 0u);
  // Another address on the link than the one it holds: NAK.
  EXPECT_EQ(a.initReboot(ip + 5)->messageType(), MessageType::kNak);
  // A client we have no record of: silence (RFC 2131 4.3.2).
  auto b = client(2);
  EXPECT_FALSE(b.initReboot(kPoolLo + 50));
  // An address held by someone else: NAK.
  EXPECT_EQ(b.initReboot(ip)->messageType(), MessageType::kNak);
}

TEST_P(Engine, InitRebootAfterReleaseGetsTheSameAddress) {
  auto a = client(1);
  Ip4 ip = *a.dora();
  a.release();
  now += 100;
  auto r = a.initReboot(ip);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->messageType(), MessageType::kAck);
  EXPECT_EQ(store->byIp(ip)->state, engine::LeaseState::kActive);
}

TEST_P(Engine, UnidentifiableClientsAreIgnored) {
  TestClient c(server, {}, &now);  // hlen 0 and no client identifier
  c.linkAddress = kLink;
  EXPECT_FALSE(c.discover());
}

TEST_P(Engine, RenewAndRebindExtendTheLease) {
  auto a = client(1);
  Ip4 ip = *a.dora();
  now += 1800;
  auto r = a.renew();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->messageType(), MessageType::kAck);
  EXPECT_EQ(r->yiaddr, ip);
  EXPECT_EQ(r->ciaddr, ip);
  EXPECT_EQ(store->byIp(ip)->expires, now + 3600);
  now += 3200;
  EXPECT_EQ(a.rebind()->yiaddr, ip);
  // Someone else's address in ciaddr: NAK.
  auto b = client(2);
  b.address = ip;
  EXPECT_EQ(b.renew()->messageType(), MessageType::kNak);
}

TEST_P(Engine, DeclineSetsTheAddressAside) {
  auto a = client(1);
  Ip4 ip = *a.dora();
  a.decline();
  const auto* l = store->byIp(ip);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->state, engine::LeaseState::kDeclined);
  EXPECT_TRUE(l->client.empty());
  Ip4 next = *a.dora();
  EXPECT_NE(next, ip);  // not the declined one again
  // Exhaust the rest of the pool: the declined address stays out until probation ends.
  for (std::uint8_t i = 10; i < 108; ++i) client(i).dora();
  auto late = client(200);
  EXPECT_FALSE(late.discover());
  now += 601;
  now += 3600;  // and the other leases expired too; the oldest reusable comes first
  EXPECT_EQ(late.discover()->yiaddr, ip);
}

TEST_P(Engine, ExpiredLeasesReusedOldestFirst) {
  auto cfg = makeConfig(3);
  server.reconfigure(cfg);
  Ip4 ips[3];
  for (std::uint8_t i = 0; i < 3; ++i) {
    ips[i] = *client(i + 1).dora();
    now += 10;
  }
  EXPECT_FALSE(client(9).dora());  // exhausted
  now += 3585;                     // first two expired, third has 5s left
  EXPECT_EQ(client(9).dora(), ips[0]);
  EXPECT_EQ(client(10).dora(), ips[1]);
  EXPECT_FALSE(client(11).dora());
}

TEST_P(Engine, ExhaustedPoolStillRenewsExistingLeases) {
  server.reconfigure(makeConfig(5));
  auto a = client(1);
  Ip4 ip = *a.dora();
  for (std::uint8_t i = 0; i < 200; ++i) {  // a flood of random MACs
    TestClient f(server, {0x0e, 1, 2, 3, static_cast<std::uint8_t>(i >> 4), i}, &now);
    f.linkAddress = kLink;
    f.discover();
  }
  EXPECT_GT(server.stats().exhausted, 0u);
  EXPECT_EQ(a.renew()->yiaddr, ip);
  EXPECT_EQ(a.initReboot(ip)->messageType(), MessageType::kAck);
}

TEST_P(Engine, InformGivesConfigurationWithoutLease) {
  auto a = client(1);
  auto r = a.inform(0xc0a83205);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->messageType(), MessageType::kAck);
  EXPECT_EQ(r->yiaddr, 0u);
  EXPECT_FALSE(r->options.has(opt::kLeaseTime));
  EXPECT_TRUE(r->options.has(opt::kRouters));
  EXPECT_EQ(a.lastOutgoing->destination, 0xc0a83205u);
  EXPECT_EQ(store->size(), 0u);
}

TEST_P(Engine, RelayedRequestsUseGiaddrSubnetAndEcho82) {
  auto r = client(1);
  r.giaddr = kRelay;
  r.relayInfo = codec::Bytes{1, 3, 'e', 't', 'h', 2, 1, 7};
  Ip4 ip = *r.dora();
  EXPECT_EQ(ip & 0xffffff00, 0xc0a83300u);
  EXPECT_EQ(*r.lastReply->options.find(opt::kRelayAgent), *r.relayInfo);
  EXPECT_EQ(r.lastReply->options.items().back().code, opt::kRelayAgent);
  EXPECT_EQ(r.lastReply->options.u32(opt::kLeaseTime), 600u);
  EXPECT_EQ(r.lastReply->giaddr, kRelay);
  // INIT-REBOOT NAK to a relay: 82 echoed, broadcast bit set (RFC 3046 2.2).
  auto nak = r.initReboot(0xc0a83299);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->messageType(), MessageType::kNak);
  EXPECT_EQ(*nak->options.find(opt::kRelayAgent), *r.relayInfo);
  EXPECT_TRUE(nak->broadcast());
  EXPECT_EQ(r.lastOutgoing->destination, kRelay);
}

TEST_P(Engine, UnknownRelayLinkIsIgnored) {
  auto r = client(1);
  r.giaddr = 0x0a0a0a01;
  EXPECT_FALSE(r.discover());
}

TEST_P(Engine, RespectsMaxMessageSize) {
  auto cfg = makeConfig();
  cfg->subnets[0].domainSearch.clear();
  for (int i = 0; i < 40; ++i)
    cfg->subnets[0].domainSearch.push_back("host" + std::to_string(i) + ".site" +
                                           std::to_string(i) + ".example");
  server.reconfigure(cfg);
  auto a = client(1);
  a.prl = {1, 3, 119, 6, 15};
  a.dora();
  EXPECT_EQ(a.lastOutgoing->maxSize, codec::kDefaultMaxMessage);
  std::vector<std::uint8_t> wire;
  codec::serialize(a.lastOutgoing->packet, wire, a.lastOutgoing->maxSize);
  EXPECT_LE(wire.size(), 548u);
  Packet big = a.build(MessageType::kDiscover);
  big.options.setU16(opt::kMaxSize, 1500);
  a.send(big);
  EXPECT_EQ(a.lastOutgoing->maxSize, 1472u);
  codec::serialize(a.lastOutgoing->packet, wire, a.lastOutgoing->maxSize);
  EXPECT_GT(wire.size(), 548u);
  auto search = codec::parseDomainSearch(*codec::parse(wire)->options.find(opt::kDomainSearch));
  ASSERT_TRUE(search);
  EXPECT_EQ(search->size(), 40u);
}

TEST_P(Engine, NeverGivesOneAddressToTwoClients) {
  server.reconfigure(makeConfig(20));
  std::map<Ip4, int> owners;
  for (int round = 0; round < 3; ++round) {
    for (std::uint8_t i = 0; i < 30; ++i) {
      auto c = client(i);
      if (auto ip = c.dora()) owners[*ip]++;
    }
    for (const auto& [ip, n] : owners) EXPECT_EQ(n, 1) << codec::formatIp(ip);
    owners.clear();
    now += 4000;
  }
}

TEST_P(Engine, ReloadKeepsLeases) {
  auto a = client(1);
  Ip4 ip = *a.dora();
  server.reconfigure(makeConfig(50));
  EXPECT_EQ(a.renew()->yiaddr, ip);
}

TEST_P(Engine, DropsGarbage) {
  auto a = client(1);
  Packet p = a.build(MessageType::kOffer);  // a server message sent to us
  EXPECT_FALSE(a.send(p));
  p = a.build(MessageType::kDiscover);
  p.op = codec::kBootReply;
  EXPECT_FALSE(a.send(p));
  p = a.build(MessageType::kRequest);  // no server id, no requested ip, no ciaddr
  EXPECT_FALSE(a.send(p));
}

INSTANTIATE_TEST_SUITE_P(Backends, Engine, kBackends);

}  // namespace
}  // namespace wk::dhcp::testing
