#include "server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace wk::dhcp::engine {
namespace opt = codec::opt;

namespace {
constexpr Ip4 kBroadcast = 0xFFFFFFFF;
constexpr std::uint16_t kServerPort = 67;
constexpr std::uint16_t kClientPort = 68;
std::string key(const Bytes& b) {
  return {b.begin(), b.end()};
}
}  // namespace

struct Server::Context {
  const Incoming& in;
  const Packet& p;
  std::int64_t now;
  Bytes client;
  const Subnet* subnet;
  Ip4 serverId;
  std::size_t maxSize;
};

Bytes clientKey(const Packet& p) {
  Bytes k;
  if (auto id = p.options.find(opt::kClientId); id && !id->empty()) {
    k.reserve(id->size() + 1);
    k.push_back('C');
    k.insert(k.end(), id->begin(), id->end());
  } else {
    auto hw = p.hardwareAddress();
    k.reserve(hw.size() + 2);
    k.push_back('H');
    k.push_back(p.htype);
    k.insert(k.end(), hw.begin(), hw.end());
  }
  return k;
}

Server::Server(std::shared_ptr<const Config> config, LeaseStore& store)
    : config_(std::move(config)), store_(store) {}

void Server::reconfigure(std::shared_ptr<const Config> config) {
  config_ = std::move(config);
}

bool Server::isOwn(Ip4 ip, const Context& c) const {
  return ip == c.serverId || ip == config_->serverId ||
         std::find(own_.begin(), own_.end(), ip) != own_.end();
}

std::optional<Outgoing> Server::handle(const Incoming& in, std::int64_t now) {
  ++stats_.received;
  const Packet& p = in.packet;
  auto type = p.messageType();
  if (p.op != codec::kBootRequest || !type || p.hlen > 16 || p.hops > 16) {
    ++stats_.dropped;
    return std::nullopt;
  }
  sweepOffers(now);
  const Config& cfg = *config_;
  // RFC 2131 4.3.1: giaddr names the client's link; else the link we heard it on; a
  // unicast from a configured client (RENEWING, INFORM) is placed by its own address.
  const Subnet* subnet = nullptr;
  if (p.giaddr)
    subnet = cfg.subnetFor(p.giaddr);
  else if (in.linkAddress)
    subnet = cfg.subnetFor(in.linkAddress);
  else if (p.ciaddr)
    subnet = cfg.subnetFor(p.ciaddr);
  Ip4 serverId = cfg.serverId ? cfg.serverId : in.linkAddress ? in.linkAddress : in.localAddress;
  if (!serverId && !own_.empty()) serverId = own_.front();
  if (!serverId) {
    ++stats_.dropped;
    return std::nullopt;
  }
  std::size_t maxSize = codec::kDefaultMaxMessage;
  if (auto m = p.options.u16(opt::kMaxSize); m && *m >= 576)
    maxSize = std::min<std::size_t>(*m, 1500) - 28;
  Context c{in, p, now, clientKey(p), subnet, serverId, maxSize};
  if (c.client.size() <= 2) {  // neither client id nor hardware address: cannot tell apart
    ++stats_.dropped;
    return std::nullopt;
  }
  switch (*type) {
    case MessageType::kDiscover:
      return discover(c);
    case MessageType::kRequest:
      return request(c);
    case MessageType::kDecline:
      return decline(c);
    case MessageType::kRelease:
      return release(c);
    case MessageType::kInform:
      return inform(c);
    default:
      ++stats_.dropped;
      return std::nullopt;
  }
}

bool Server::availableTo(Context& c, Ip4 ip) const {
  if (const Reservation* r = c.subnet ? c.subnet->reservationOf(ip) : nullptr) {
    auto hw = c.p.hardwareAddress();
    if (!std::equal(r->mac.begin(), r->mac.end(), hw.begin(), hw.end())) return false;
  }
  if (auto it = offers_.find(ip); it != offers_.end())
    if (it->second.expires > c.now && it->second.client != c.client) return false;
  if (const Lease* l = store_.byIp(ip)) {
    if (l->client == c.client && l->state != LeaseState::kDeclined) return true;
    return l->reusable(c.now);
  }
  return true;
}

std::optional<Ip4> Server::allocate(Context& c, std::optional<Ip4> requested) {
  const Subnet& s = *c.subnet;
  if (const Reservation* r = s.reservationFor(c.p.hardwareAddress()); r && availableTo(c, r->ip))
    return r->ip;
  if (const Lease* l = store_.byClient(c.client);
      l && s.contains(l->ip) && l->state != LeaseState::kDeclined && availableTo(c, l->ip))
    return l->ip;
  if (auto it = offerByClient_.find(key(c.client)); it != offerByClient_.end()) {
    auto o = offers_.find(it->second);
    if (o != offers_.end() && o->second.expires > c.now && s.contains(it->second))
      return it->second;
  }
  if (requested && s.inPool(*requested) && availableTo(c, *requested)) return *requested;
  for (const Pool& pool : s.pools) {
    Ip4& next =
        cursor_.try_emplace(std::uint64_t{pool.first} << 32 | pool.last, pool.first).first->second;
    while (next >= pool.first && next <= pool.last) {
      Ip4 ip = next++;
      if (next == 0) next = pool.last + 1;  // wrapped past 255.255.255.255
      if (!store_.byIp(ip) && availableTo(c, ip)) return ip;
    }
  }
  for (const Pool& pool : s.pools) {
    auto ip = store_.oldestReusable(pool.first, pool.last, c.now,
                                    [&](Ip4 a) { return !availableTo(c, a); });
    if (ip) return ip;
  }
  return std::nullopt;
}

void Server::dropOffer(const Bytes& client) {
  auto it = offerByClient_.find(key(client));
  if (it == offerByClient_.end()) return;
  offers_.erase(it->second);
  offerByClient_.erase(it);
}

void Server::sweepOffers(std::int64_t now) {
  if (now - lastSweep_ < 5) return;
  lastSweep_ = now;
  for (auto it = offers_.begin(); it != offers_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    Ip4 ip = it->first;
    offerByClient_.erase(key(it->second.client));
    it = offers_.erase(it);
    // An offer nobody took leaves a never-leased address behind the cursor: rewind.
    if (store_.byIp(ip)) continue;
    for (auto& [pool, next] : cursor_) {
      Ip4 first = static_cast<Ip4>(pool >> 32), last = static_cast<Ip4>(pool);
      if (ip >= first && ip <= last && (ip < next || next > last)) next = ip;
    }
  }
}

Lease Server::commitLease(Context& c, Ip4 ip) {
  Lease l;
  l.ip = ip;
  l.client = c.client;
  l.hwaddr.push_back(c.p.htype);
  auto hw = c.p.hardwareAddress();
  l.hwaddr.insert(l.hwaddr.end(), hw.begin(), hw.end());
  if (const Reservation* r = c.subnet->reservationOf(ip); r && !r->hostname.empty())
    l.hostname = r->hostname;
  else if (auto h = c.p.options.find(opt::kHostname))
    l.hostname.assign(
        h->begin(), h->begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(h->size(), 63)));
  l.expires = c.now + c.subnet->leaseTime.count();
  l.state = LeaseState::kActive;
  store_.put(l);
  dropOffer(c.client);
  return l;
}

std::optional<Outgoing> Server::discover(Context& c) {
  if (!c.subnet) {
    ++stats_.dropped;
    return std::nullopt;
  }
  auto ip = allocate(c, c.p.options.ip(opt::kRequestedIp));
  if (!ip) {
    ++stats_.exhausted;
    if (c.now - lastExhaustedLog_ >= 10) {
      lastExhaustedLog_ = c.now;
      spdlog::warn("pool exhausted in subnet {}: no address for {}", c.subnet->cidr,
                   codec::formatHex(c.p.hardwareAddress()));
    }
    return std::nullopt;
  }
  dropOffer(c.client);
  offers_[*ip] = {c.client, c.now + config_->offerTime.count()};
  offerByClient_[key(c.client)] = *ip;
  ++stats_.offers;
  return reply(c, MessageType::kOffer, *ip, true);
}

std::optional<Outgoing> Server::request(Context& c) {
  auto sid = c.p.options.ip(opt::kServerId);
  auto requested = c.p.options.ip(opt::kRequestedIp);
  const Subnet* s = c.subnet;
  const Reservation* mine = s ? s->reservationFor(c.p.hardwareAddress()) : nullptr;
  // May this client have `ip` (beyond nobody else holding it)?
  auto grantable = [&](Ip4 ip) {
    if (!availableTo(c, ip)) return false;
    if (mine && mine->ip != ip && availableTo(c, mine->ip)) return false;  // reservation wins
    const Lease* l = store_.byIp(ip);
    return s->inPool(ip) || (mine && mine->ip == ip) ||
           (l && l->client == c.client && l->state == LeaseState::kActive);
  };
  auto ack = [&](Ip4 ip) {
    commitLease(c, ip);
    ++stats_.acks;
    auto out = reply(c, MessageType::kAck, ip, true);
    out.durable = true;
    return out;
  };

  if (sid) {  // SELECTING
    if (!isOwn(*sid, c)) {
      dropOffer(c.client);  // the client chose another server
      return std::nullopt;
    }
    Ip4 ip = requested ? *requested : c.p.ciaddr;
    if (!s || !s->contains(ip)) return nak(c, "requested address not on this link");
    if (!grantable(ip)) return nak(c, "requested address not available");
    return ack(ip);
  }
  if (requested && !c.p.ciaddr) {  // INIT-REBOOT
    if (!s) return std::nullopt;
    if (!s->contains(*requested)) return nak(c, "wrong network");
    const Lease* held = store_.byIp(*requested);
    // Ours even if released or expired, as long as nobody else has taken it since.
    bool ours = held && held->client == c.client && held->state != LeaseState::kDeclined;
    if ((ours || (mine && mine->ip == *requested)) && grantable(*requested)) return ack(*requested);
    if (held && held->client != c.client && !held->reusable(c.now))
      return nak(c, "address belongs to another client");
    if (const Lease* other = store_.byClient(c.client); other && other->ip != *requested)
      return nak(c, "client holds a different address");
    if (mine && mine->ip != *requested) return nak(c, "client has a reservation");
    return std::nullopt;  // RFC 2131 4.3.2: no record of this client, stay silent
  }
  if (c.p.ciaddr) {  // RENEWING (unicast) or REBINDING (broadcast)
    if (!s) return std::nullopt;
    if (!s->contains(c.p.ciaddr)) return nak(c, "address not on this link");
    if (grantable(c.p.ciaddr)) return ack(c.p.ciaddr);
    return nak(c, "lease not renewable");
  }
  ++stats_.dropped;
  return std::nullopt;
}

std::optional<Outgoing> Server::decline(Context& c) {
  auto ip = c.p.options.ip(opt::kRequestedIp);
  auto sid = c.p.options.ip(opt::kServerId);
  if (!ip || (sid && !isOwn(*sid, c))) return std::nullopt;
  const Lease* l = store_.byIp(*ip);
  if (!l || l->client != c.client) return std::nullopt;
  Lease declined = *l;
  declined.client.clear();
  declined.state = LeaseState::kDeclined;
  declined.expires = c.now + config_->declineProbation.count();
  store_.put(declined);
  ++stats_.declines;
  spdlog::warn("address {} declined by {} (in use on the link?); set aside for {}s",
               codec::formatIp(*ip), codec::formatHex(c.p.hardwareAddress()),
               config_->declineProbation.count());
  return std::nullopt;
}

std::optional<Outgoing> Server::release(Context& c) {
  const Lease* l = store_.byIp(c.p.ciaddr);
  if (!l || l->client != c.client || l->state != LeaseState::kActive) return std::nullopt;
  Lease released = *l;
  released.state = LeaseState::kReleased;
  released.expires = c.now;
  store_.put(released);
  ++stats_.releases;
  return std::nullopt;
}

std::optional<Outgoing> Server::inform(Context& c) {
  if (!c.subnet) return std::nullopt;
  ++stats_.informs;
  return reply(c, MessageType::kAck, 0, false);  // configuration only, no lease
}

Outgoing Server::reply(Context& c, MessageType type, Ip4 yiaddr, bool withLease) {
  const Subnet& s = *c.subnet;
  Outgoing out;
  Packet& r = out.packet;
  r.op = codec::kBootReply;
  r.htype = c.p.htype;
  r.hlen = c.p.hlen;
  r.xid = c.p.xid;
  r.flags = c.p.flags;
  r.ciaddr = type == MessageType::kOffer ? 0 : c.p.ciaddr;
  r.yiaddr = yiaddr;
  r.giaddr = c.p.giaddr;
  r.chaddr = c.p.chaddr;
  auto& o = r.options;
  o.setU8(opt::kMessageType, static_cast<std::uint8_t>(type));
  o.setIp(opt::kServerId, c.serverId);
  if (withLease) {
    auto t = static_cast<std::uint32_t>(s.leaseTime.count());
    o.setU32(opt::kLeaseTime, t);
    o.setU32(opt::kT1, t / 2);
    o.setU32(opt::kT2, static_cast<std::uint32_t>(std::uint64_t{t} * 7 / 8));
  }
  auto add = [&](std::uint8_t code) {
    if (o.has(code)) return;
    switch (code) {
      case opt::kSubnetMask:
        o.setIp(code, s.mask);
        break;
      case opt::kRouters:
        if (!s.routers.empty()) o.setIps(code, s.routers);
        break;
      case opt::kDnsServers:
        if (!s.dnsServers.empty()) o.setIps(code, s.dnsServers);
        break;
      case opt::kDomainName:
        if (!s.domainName.empty()) o.setText(code, s.domainName);
        break;
      case opt::kHostname:
        if (const Reservation* res = yiaddr ? s.reservationOf(yiaddr) : nullptr;
            res && !res->hostname.empty())
          o.setText(code, res->hostname);
        break;
      case opt::kBroadcast:
        o.setIp(code, s.broadcast());
        break;
      case opt::kNtp:
        if (!s.ntpServers.empty()) o.setIps(code, s.ntpServers);
        break;
      case opt::kDomainSearch:
        if (!s.domainSearch.empty())
          if (auto v = codec::encodeDomainSearch(s.domainSearch)) o.set(code, std::move(*v));
        break;
      case opt::kClasslessRoutes:
        if (!s.classlessRoutes.empty()) o.set(code, codec::encodeRoutes(s.classlessRoutes));
        break;
      default:
        break;
    }
  };
  if (auto prl = c.p.options.find(opt::kParamList)) {
    for (std::uint8_t code : *prl) add(code);  // in the order the client asked
  } else {
    for (std::uint8_t code :
         {opt::kSubnetMask, opt::kRouters, opt::kDnsServers, opt::kDomainName, opt::kHostname})
      add(code);
  }
  if (auto id = c.p.options.find(opt::kClientId)) o.set(opt::kClientId, *id);  // RFC 6842
  if (auto ra = c.p.options.find(opt::kRelayAgent); ra && c.p.giaddr)
    o.set(opt::kRelayAgent, *ra);  // RFC 3046 2.2: echoed, last
  out.maxSize = c.maxSize;
  // RFC 2131 4.1: relayed -> the relay's port 67; configured client -> unicast; else
  // broadcast (unicast to chaddr would need an ARP entry the client has not made yet).
  if (c.p.giaddr) {
    out.destination = c.p.giaddr;
    out.port = kServerPort;
  } else if (c.p.ciaddr) {
    out.destination = c.p.ciaddr;
    out.port = kClientPort;
  } else {
    out.destination = kBroadcast;
    out.port = kClientPort;
  }
  return out;
}

Outgoing Server::nak(Context& c, const char* why) {
  ++stats_.naks;
  spdlog::debug("NAK to {}: {}", codec::formatHex(c.p.hardwareAddress()), why);
  Outgoing out;
  Packet& r = out.packet;
  r.op = codec::kBootReply;
  r.htype = c.p.htype;
  r.hlen = c.p.hlen;
  r.xid = c.p.xid;
  r.flags = c.p.flags;
  r.giaddr = c.p.giaddr;
  r.chaddr = c.p.chaddr;
  auto& o = r.options;
  o.setU8(opt::kMessageType, static_cast<std::uint8_t>(MessageType::kNak));
  o.setIp(opt::kServerId, c.serverId);
  o.setText(opt::kMessage, why);
  if (auto id = c.p.options.find(opt::kClientId)) o.set(opt::kClientId, *id);
  if (auto ra = c.p.options.find(opt::kRelayAgent); ra && c.p.giaddr) o.set(opt::kRelayAgent, *ra);
  if (c.p.giaddr) {
    r.flags |= codec::kBroadcastFlag;  // the relay must broadcast it on the client's link
    out.destination = c.p.giaddr;
    out.port = kServerPort;
  } else {
    out.destination = kBroadcast;
    out.port = kClientPort;
  }
  return out;
}

}  // namespace wk::dhcp::engine
