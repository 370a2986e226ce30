#pragma once
// dhcp-server's configuration: [server] and [[subnet]] (issue 5 names the keys), read
// through wk::config so every mistake is reported with its position.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../codec/packet.hpp"
#include "wk/config.hpp"

namespace wk::dhcp::engine {

using codec::Bytes;
using codec::Ip4;

struct Reservation {
  Bytes mac;  // hardware address (6 bytes for Ethernet)
  Ip4 ip = 0;
  std::string hostname;
};

struct Pool {
  Ip4 first = 0;
  Ip4 last = 0;
};

struct Subnet {
  std::string cidr;
  Ip4 network = 0;
  Ip4 mask = 0;
  std::vector<Pool> pools;
  std::vector<Ip4> routers;
  std::vector<Ip4> dnsServers;
  std::vector<Ip4> ntpServers;
  std::string domainName;
  std::vector<std::string> domainSearch;
  std::vector<codec::Route> classlessRoutes;
  std::chrono::seconds leaseTime{3600};
  std::vector<Reservation> reservations;

  bool contains(Ip4 ip) const { return (ip & mask) == network; }
  Ip4 broadcast() const { return network | ~mask; }
  bool inPool(Ip4 ip) const;
  const Reservation* reservationFor(std::span<const std::uint8_t> mac) const;
  const Reservation* reservationOf(Ip4 ip) const;
};

struct Config {
  std::vector<std::string> interfaces;
  std::vector<Endpoint> listen;
  std::filesystem::path leaseDb;  // empty: leases in memory only
  Ip4 serverId = 0;               // 0: the receiving interface's address
  std::chrono::seconds offerTime{10};
  std::chrono::seconds declineProbation{600};
  std::vector<Subnet> subnets;

  const Subnet* subnetFor(Ip4 ip) const;
};

// Reads [server] and [[subnet]] from a config root, recording errors in the document.
std::shared_ptr<const Config> loadConfig(config::Table root);

// "02:00:00:00:00:10" (also '-' separated) -> bytes.
std::optional<Bytes> parseMac(std::string_view text);

}  // namespace wk::dhcp::engine
