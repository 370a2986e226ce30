#include "config.hpp"

#include <algorithm>
#include <charconv>

namespace wk::dhcp::engine {
namespace {

std::vector<Ip4> ipList(config::Table& t, std::string_view key) {
  std::vector<Ip4> out;
  for (const auto& s : t.strings(key, {})) {
    if (auto ip = codec::parseIp(s))
      out.push_back(*ip);
    else
      t.error(key, "not an IPv4 address: " + s);
  }
  return out;
}

std::optional<std::pair<Ip4, unsigned>> parseCidr4(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = codec::parseIp(text.substr(0, slash));
  unsigned len = 0;
  auto tail = text.substr(slash + 1);
  auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), len);
  if (!ip || ec != std::errc{} || p != tail.data() + tail.size() || len > 32) return std::nullopt;
  return std::pair{*ip, len};
}

Ip4 maskOf(unsigned len) {
  return len == 0 ? 0 : ~Ip4{0} << (32 - len);
}

}  // namespace

bool Subnet::inPool(Ip4 ip) const {
  return std::any_of(pools.begin(), pools.end(),
                     [ip](const Pool& p) { return ip >= p.first && ip <= p.last; });
}

const Reservation* Subnet::reservationFor(std::span<const std::uint8_t> mac) const {
  for (const auto& r : reservations)
    if (std::equal(r.mac.begin(), r.mac.end(), mac.begin(), mac.end())) return &r;
  return nullptr;
}

const Reservation* Subnet::reservationOf(Ip4 ip) const {
  for (const auto& r : reservations)
    if (r.ip == ip) return &r;
  return nullptr;
}

const Subnet* Config::subnetFor(Ip4 ip) const {
  for (const auto& s : subnets)
    if (s.contains(ip)) return &s;
  return nullptr;
}

std::optional<Bytes> parseMac(std::string_view text) {
  Bytes out;
  while (!text.empty()) {
    if (text.size() < 2) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + 2, v, 16);
    if (ec != std::errc{} || p != text.data() + 2) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(v));
    text.remove_prefix(2);
    if (!text.empty()) {
      if (text[0] != ':' && text[0] != '-') return std::nullopt;
      text.remove_prefix(1);
      if (text.empty()) return std::nullopt;
    }
  }
  if (out.empty() || out.size() > 16) return std::nullopt;
  return out;
}

std::shared_ptr<const Config> loadConfig(config::Table root) {
  auto c = std::make_shared<Config>();
  auto server = root.table("server");
  c->interfaces = server.strings("interfaces", c->interfaces);
  for (const auto& name : c->interfaces)
    if (name.empty() || name.size() > 15) server.error("interfaces", "bad interface name");
  c->listen = server.endpoints("listen", c->listen);
  for (const auto& ep : c->listen)
    if (!ep.address.is_v4()) server.error("listen", "DHCPv4 listens on IPv4 addresses only");
  c->leaseDb = server.path("lease_db", c->leaseDb);
  auto sid = server.string("server_id", "");
  if (!sid.empty()) {
    if (auto ip = codec::parseIp(sid))
      c->serverId = *ip;
    else
      server.error("server_id", "server_id must be an IPv4 address");
  }
  auto seconds = [](std::chrono::milliseconds ms) {
    return std::chrono::duration_cast<std::chrono::seconds>(ms);
  };
  c->offerTime = seconds(server.duration("offer_time", c->offerTime));
  c->declineProbation = seconds(server.duration("decline_probation", c->declineProbation));
  if (c->interfaces.empty() && c->listen.empty())
    server.error("listen", "nothing to listen on: set interfaces or listen");

  for (auto& st : root.tables("subnet")) {
    Subnet s;
    s.cidr = st.string("cidr", "");
    auto cidr = parseCidr4(s.cidr);
    if (!cidr) {
      // Keep reading the table so its other keys are checked (and not called unknown).
      st.error("cidr", "expected an IPv4 prefix such as 192.168.50.0/24");
      cidr = std::pair<Ip4, unsigned>{0, 0};
    }
    const bool valid = parseCidr4(s.cidr).has_value();
    s.mask = maskOf(cidr->second);
    s.network = cidr->first & s.mask;
    for (const auto& text : st.strings("pools", {})) {
      auto dash = text.find('-');
      std::optional<Ip4> a, b;
      if (dash != std::string::npos) {
        a = codec::parseIp(std::string_view(text).substr(0, dash));
        b = codec::parseIp(std::string_view(text).substr(dash + 1));
      } else if (auto pc = parseCidr4(text)) {
        a = (pc->first & maskOf(pc->second));
        b = *a | ~maskOf(pc->second);
      }
      if (!a || !b || *a > *b) {
        st.error("pools", "expected FIRST-LAST or a prefix: " + text);
      } else if (!s.contains(*a) || !s.contains(*b)) {
        st.error("pools", "pool outside its subnet: " + text);
      } else {
        // Never hand out the network or broadcast address.
        Pool p{std::max(*a, s.network + 1), std::min(*b, s.broadcast() - 1)};
        if (s.mask == ~Ip4{0} || cidr->second >= 31) p = {*a, *b};
        if (p.first <= p.last) s.pools.push_back(p);
      }
    }
    s.routers = ipList(st, "routers");
    s.dnsServers = ipList(st, "dns_servers");
    s.ntpServers = ipList(st, "ntp_servers");
    s.domainName = st.string("domain_name", "");
    s.domainSearch = st.strings("domain_search", {});
    if (!s.domainSearch.empty() && !codec::encodeDomainSearch(s.domainSearch))
      st.error("domain_search", "domain_search: not a list of valid domain names");
    for (const auto& text : st.strings("classless_routes", {})) {
      // "10.0.0.0/8 via 192.168.50.1"
      auto via = text.find(" via ");
      std::optional<std::pair<Ip4, unsigned>> dst;
      std::optional<Ip4> gw;
      if (via != std::string::npos) {
        dst = parseCidr4(std::string_view(text).substr(0, via));
        gw = codec::parseIp(std::string_view(text).substr(via + 5));
      }
      if (!dst || !gw)
        st.error("classless_routes", "expected \"PREFIX via ROUTER\": " + text);
      else
        s.classlessRoutes.push_back(
            {dst->first & maskOf(dst->second), static_cast<std::uint8_t>(dst->second), *gw});
    }
    s.leaseTime = seconds(st.duration("lease_time", s.leaseTime));
    if (s.leaseTime < std::chrono::seconds(10)) {
      st.error("lease_time", "lease_time must be at least 10s");
      s.leaseTime = std::chrono::seconds(10);
    }
    for (auto& rt : st.tables("reservation")) {
      Reservation r;
      auto mac = parseMac(rt.string("mac", ""));
      auto ip = codec::parseIp(rt.string("ip", ""));
      r.hostname = rt.string("hostname", "");
      if (!mac) rt.error("mac", "expected a hardware address such as 02:00:00:00:00:10");
      if (!ip || !s.contains(*ip)) rt.error("ip", "expected an IPv4 address inside the subnet");
      if (!mac || !ip) continue;
      r.mac = *mac;
      r.ip = *ip;
      if (s.reservationFor(r.mac) || s.reservationOf(r.ip))
        rt.error("ip", "duplicate reservation");
      else
        s.reservations.push_back(std::move(r));
    }
    if (!valid) continue;
    for (const auto& other : c->subnets)
      if (other.contains(s.network) || s.contains(other.network))
        st.error("cidr", "subnet overlaps " + other.cidr);
    c->subnets.push_back(std::move(s));
  }
  return c;
}

}  // namespace wk::dhcp::engine
