#pragma once
// An in-repo DHCP client (after Kea's Dhcp4Client) that drives engine::Server without
// sockets: every message goes through serialize + parse, so the codec is exercised too.

#include <optional>
#include <vector>

#include "engine/server.hpp"

namespace wk::dhcp::testing {

using codec::Ip4;
using codec::MessageType;
using codec::Packet;

class TestClient {
 public:
  TestClient(engine::Server& server, std::vector<std::uint8_t> mac, std::int64_t* clock);

  // What the client sends next.
  std::vector<std::uint8_t> mac;
  std::vector<std::uint8_t> clientId;  // option 61 when not empty
  std::vector<std::uint8_t> prl{1, 3, 6, 15, 51, 54};
  std::optional<std::vector<std::uint8_t>> relayInfo;  // option 82 as a relay would add
  Ip4 giaddr = 0;                                      // acting behind a relay
  Ip4 linkAddress = 0;                                 // the server interface it shares a link with
  bool broadcastFlag = false;

  // Exchanges. Each returns the reply (nullopt: the server stayed silent).
  std::optional<Packet> discover(std::optional<Ip4> requested = std::nullopt);
  std::optional<Packet> requestSelecting();  // for the last OFFER
  std::optional<Packet> requestSelecting(Ip4 ip, Ip4 serverId);
  std::optional<Packet> initReboot(Ip4 ip);
  std::optional<Packet> renew();   // unicast with ciaddr
  std::optional<Packet> rebind();  // broadcast with ciaddr
  void decline();
  void release();
  std::optional<Packet> inform(Ip4 ciaddr);
  // DISCOVER + REQUEST; the leased address, or nullopt.
  std::optional<Ip4> dora();

  // State learned from replies.
  Ip4 address = 0;
  Ip4 serverId = 0;
  std::optional<Packet> lastReply;
  std::optional<engine::Outgoing> lastOutgoing;

  Packet build(MessageType type);
  std::optional<Packet> send(const Packet& p, bool unicast = false);

 private:
  engine::Server& server_;
  std::int64_t* clock_;
  std::uint32_t xid_ = 0x1000;
  std::optional<Packet> offer_;
};

}  // namespace wk::dhcp::testing
