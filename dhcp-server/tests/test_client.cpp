#include "test_client.hpp"

#include <algorithm>
#include <stdexcept>

namespace wk::dhcp::testing {
namespace opt = codec::opt;

TestClient::TestClient(engine::Server& server, std::vector<std::uint8_t> m, std::int64_t* clock)
    : mac(std::move(m)), server_(server), clock_(clock) {
  xid_ = 0x1000u + (mac.empty() ? 0u : mac.back() * 65536u);
}

Packet TestClient::build(MessageType type) {
  Packet p;
  p.op = codec::kBootRequest;
  p.htype = 1;
  p.hlen = static_cast<std::uint8_t>(mac.size());
  p.xid = ++xid_;
  p.giaddr = giaddr;
  if (broadcastFlag) p.flags = codec::kBroadcastFlag;
  std::copy(mac.begin(), mac.end(), p.chaddr.begin());
  p.options.setU8(opt::kMessageType, static_cast<std::uint8_t>(type));
  if (!clientId.empty()) p.options.set(opt::kClientId, clientId);
  if (!prl.empty()) p.options.set(opt::kParamList, prl);
  if (relayInfo) p.options.set(opt::kRelayAgent, *relayInfo);
  return p;
}

std::optional<Packet> TestClient::send(const Packet& p, bool unicast) {
  std::vector<std::uint8_t> wire;
  if (!codec::serialize(p, wire)) throw std::runtime_error("test client: serialize failed");
  auto parsed = codec::parse(wire);
  if (!parsed) throw std::runtime_error("test client: own message does not parse");
  engine::Incoming in;
  in.packet = *parsed;
  in.linkAddress = giaddr ? 0 : (unicast ? 0 : linkAddress);
  in.localAddress = unicast ? linkAddress : 0;
  in.sourceAddress = giaddr ? giaddr : p.ciaddr;
  in.sourcePort = giaddr ? 67 : 68;
  lastOutgoing = server_.handle(in, *clock_);
  if (!lastOutgoing) {
    lastReply.reset();
    return std::nullopt;
  }
  if (!codec::serialize(lastOutgoing->packet, wire, lastOutgoing->maxSize))
    throw std::runtime_error("test client: reply does not serialize");
  auto reply = codec::parse(wire);
  if (!reply) throw std::runtime_error("test client: reply does not parse");
  if (reply->xid != p.xid) throw std::runtime_error("test client: reply xid mismatch");
  lastReply = *reply;
  auto type = reply->messageType();
  if (type == MessageType::kAck && reply->yiaddr) {
    address = reply->yiaddr;
    serverId = reply->options.ip(opt::kServerId).value_or(0);
  } else if (type == MessageType::kNak) {
    address = 0;
  }
  return lastReply;
}

std::optional<Packet> TestClient::discover(std::optional<Ip4> requested) {
  Packet p = build(MessageType::kDiscover);
  if (requested) p.options.setIp(opt::kRequestedIp, *requested);
  offer_ = send(p);
  return offer_;
}

std::optional<Packet> TestClient::requestSelecting() {
  if (!offer_) return std::nullopt;
  return requestSelecting(offer_->yiaddr, offer_->options.ip(opt::kServerId).value_or(0));
}

std::optional<Packet> TestClient::requestSelecting(Ip4 ip, Ip4 sid) {
  Packet p = build(MessageType::kRequest);
  p.options.setIp(opt::kRequestedIp, ip);
  p.options.setIp(opt::kServerId, sid);
  return send(p);
}

std::optional<Packet> TestClient::initReboot(Ip4 ip) {
  Packet p = build(MessageType::kRequest);
  p.options.setIp(opt::kRequestedIp, ip);
  return send(p);
}

std::optional<Packet> TestClient::renew() {
  Packet p = build(MessageType::kRequest);
  p.ciaddr = address;
  return send(p, true);
}

std::optional<Packet> TestClient::rebind() {
  Packet p = build(MessageType::kRequest);
  p.ciaddr = address;
  return send(p);
}

void TestClient::decline() {
  Packet p = build(MessageType::kDecline);
  p.options.setIp(opt::kRequestedIp, address);
  p.options.setIp(opt::kServerId, serverId);
  send(p);
  address = 0;
}

void TestClient::release() {
  Packet p = build(MessageType::kRelease);
  p.ciaddr = address;
  p.options.setIp(opt::kServerId, serverId);
  send(p, true);
  address = 0;
}

std::optional<Packet> TestClient::inform(Ip4 ciaddr) {
  Packet p = build(MessageType::kInform);
  p.ciaddr = ciaddr;
  return send(p, true);
}

std::optional<Ip4> TestClient::dora() {
  auto o = discover();
  if (!o || o->messageType() != MessageType::kOffer) return std::nullopt;
  auto a = requestSelecting();
  if (!a || a->messageType() != MessageType::kAck) return std::nullopt;
  return a->yiaddr;
}

}  // namespace wk::dhcp::testing
