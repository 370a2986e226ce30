#pragma once
// dhcp-relay's message rules (RFC 1542, RFC 2131 4.1, RFC 3046), free of sockets.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../codec/packet.hpp"

namespace wk::dhcp::engine {

using codec::Bytes;
using codec::Ip4;
using codec::Packet;

struct RelayLink {
  std::string name;  // interface; becomes the circuit id
  Ip4 address = 0;   // our address there; becomes giaddr
};

inline constexpr std::uint8_t kMaxHops = 16;

// Client -> server. nullopt: drop (not a request, or too many hops).
std::optional<Packet> relayRequest(Packet p, const RelayLink& link, bool agentInfo);

struct RelayedReply {
  Packet packet;
  std::size_t link = 0;  // index into the links passed in
  Ip4 destination = 0;   // 0xFFFFFFFF = broadcast on that link
};
// Server -> client: finds the link by giaddr, strips option 82. nullopt: not ours.
std::optional<RelayedReply> relayReply(Packet p, std::span<const RelayLink> links);

}  // namespace wk::dhcp::engine
