#include "relay.hpp"

namespace wk::dhcp::engine {
namespace opt = codec::opt;

std::optional<Packet> relayRequest(Packet p, const RelayLink& link, bool agentInfo) {
  if (p.op != codec::kBootRequest || p.hops >= kMaxHops) return std::nullopt;
  ++p.hops;
  // RFC 1542 4.1.1: a relay nearer the client already named the link; keep its giaddr.
  bool first = p.giaddr == 0;
  if (first) p.giaddr = link.address;
  if (agentInfo && first && !p.options.has(opt::kRelayAgent)) {
    Bytes remote;
    for (int s = 24; s >= 0; s -= 8) remote.push_back(static_cast<std::uint8_t>(link.address >> s));
    std::vector<codec::SubOption> subs{{1, Bytes(link.name.begin(), link.name.end())},
                                       {2, std::move(remote)}};
    p.options.set(opt::kRelayAgent, codec::encodeSubOptions(subs));  // appended last
  }
  return p;
}

std::optional<RelayedReply> relayReply(Packet p, std::span<const RelayLink> links) {
  if (p.op != codec::kBootReply || !p.giaddr) return std::nullopt;
  for (std::size_t i = 0; i < links.size(); ++i) {
    if (links[i].address != p.giaddr) continue;
    p.options.remove(opt::kRelayAgent);
    RelayedReply r;
    auto type = p.messageType();
    // RFC 2131 4.1: broadcast when asked to, for NAKs, and to clients without an address.
    if (p.broadcast() || type == codec::MessageType::kNak || (!p.ciaddr && !p.yiaddr))
      r.destination = 0xFFFFFFFF;
    else if (p.ciaddr)
      r.destination = p.ciaddr;
    else
      r.destination = 0xFFFFFFFF;  // unicast to yiaddr would need an ARP entry
    r.packet = std::move(p);
    r.link = i;
    return r;
  }
  return std::nullopt;
}

}  // namespace wk::dhcp::engine
