#include "engine/config.hpp"

#include <gtest/gtest.h>

#include "io/relay_io.hpp"

namespace wk::dhcp::engine {
namespace {

// Loads and returns the error messages (empty when the config is valid).
std::vector<std::string> errorsOf(const std::string& text,
                                  std::shared_ptr<const Config>* out = nullptr) {
  auto doc = config::Document::fromString(text, "test.toml");
  auto root = doc.root();
  config::CommonConfig::load(root);
  auto c = loadConfig(root);
  if (out) *out = c;
  std::vector<std::string> msgs;
  try {
    doc.finish();
  } catch (const config::Errors& e) {
    for (const auto& err : e.errors()) msgs.push_back(err.toString());
  }
  return msgs;
}

constexpr const char* kIssueExample = R"(
[server]
interfaces = ["veth-srv"]
listen = ["0.0.0.0:67"]
lease_db = "leases.sqlite"
server_id = ""

[[subnet]]
cidr = "192.168.50.0/24"
pools = ["192.168.50.100-192.168.50.199"]
routers = ["192.168.50.1"]
dns_servers = ["192.168.50.1"]
domain_name = "lan.test"
lease_time = "1h"
[[subnet.reservation]]
mac = "02:00:00:00:00:10"
ip = "192.168.50.10"
hostname = "printer"
)";

TEST(DhcpConfig, TheIssueExampleLoads) {
  std::shared_ptr<const Config> c;
  EXPECT_TRUE(errorsOf(kIssueExample, &c).empty());
  ASSERT_EQ(c->subnets.size(), 1u);
  const Subnet& s = c->subnets[0];
  EXPECT_EQ(s.network, 0xc0a83200u);
  EXPECT_EQ(s.mask, 0xffffff00u);
  EXPECT_EQ(s.pools[0].first, 0xc0a83264u);
  EXPECT_EQ(s.pools[0].last, 0xc0a832c7u);
  EXPECT_EQ(s.leaseTime.count(), 3600);
  ASSERT_EQ(s.reservations.size(), 1u);
  EXPECT_EQ(s.reservations[0].hostname, "printer");
  EXPECT_EQ(c->leaseDb.filename(), "leases.sqlite");
  EXPECT_EQ(c->serverId, 0u);
}

TEST(DhcpConfig, ReportsEveryMistakeWithPosition) {
  auto errors = errorsOf(R"(
[server]
listen = ["127.0.0.1:67"]
server_id = "nope"
colour = "blue"
[[subnet]]
cidr = "10.0.0.0/24"
pools = ["10.0.1.1-10.0.1.9", "10.0.0.9-10.0.0.1"]
routers = ["10.0.0.300"]
classless_routes = ["10.1.0.0/16 10.0.0.1"]
domain_search = ["a..b"]
lease_time = "1s"
[[subnet.reservation]]
mac = "zz:00"
ip = "10.9.9.9"
[[subnet]]
cidr = "10.0.0.0/16"
)");
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  for (const char* expect :
       {"test.toml:4:", "server_id", "colour", "pool outside its subnet", "FIRST-LAST",
        "not an IPv4 address", "PREFIX via ROUTER", "domain_search", "lease_time",
        "hardware address", "inside the subnet", "overlaps"})
    EXPECT_NE(all.find(expect), std::string::npos) << expect << " in\n" << all;
}

TEST(DhcpConfig, NeedsSomethingToListenOn) {
  auto errors = errorsOf("[server]\ninterfaces = []\nlisten = []\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("nothing to listen on"), std::string::npos);
}

TEST(DhcpConfig, MacFormats) {
  EXPECT_EQ(parseMac("02:00:00:00:00:10"), (Bytes{2, 0, 0, 0, 0, 0x10}));
  EXPECT_EQ(parseMac("02-AB-00-00-00-10"), (Bytes{2, 0xab, 0, 0, 0, 0x10}));
  EXPECT_FALSE(parseMac("02:00:"));
  EXPECT_FALSE(parseMac("0200"));
  EXPECT_FALSE(parseMac(""));
}

TEST(DhcpRelayConfig, LoadsAndChecks) {
  auto doc = config::Document::fromString(
      "[relay]\ninterfaces = [\"veth-lan2\"]\nservers = [\"192.168.50.1\", \"10.0.0.1:6767\"]\n"
      "agent_info = false\n",
      "relay.toml");
  auto c = io::RelayConfig::load(doc.root());
  EXPECT_NO_THROW(doc.finish());
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[1].second, 6767);
  EXPECT_FALSE(c.agentInfo);
  auto bad = config::Document::fromString("[relay]\ninterfaces = []\nservers = [\"x\"]\n", "r");
  io::RelayConfig::load(bad.root());
  EXPECT_THROW(bad.finish(), config::Errors);
}

}  // namespace
}  // namespace wk::dhcp::engine
