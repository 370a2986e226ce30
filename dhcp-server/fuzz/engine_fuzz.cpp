// Hostile messages through the whole server state machine: the input is a sequence of
// datagrams (2-byte length prefix each) handled by one engine with an in-memory store,
// with the clock advancing. Checks the invariant that matters most: no address is ever
// leased to two clients, and every reply serialises within its size limit.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <unordered_map>

#include "engine/server.hpp"

using namespace wk::dhcp;

namespace {
std::shared_ptr<engine::Config> makeConfig() {
  auto c = std::make_shared<engine::Config>();
  engine::Subnet s;
  s.cidr = "192.168.50.0/24";
  s.network = 0xc0a83200;
  s.mask = 0xffffff00;
  s.pools = {{0xc0a83264, 0xc0a8326d}};  // 10 addresses: exhaustion is reachable
  s.routers = {0xc0a83201};
  s.domainSearch = {"lan.test"};
  s.classlessRoutes = {{0x0a000000, 8, 0xc0a83201}};
  s.leaseTime = std::chrono::seconds(60);
  s.reservations.push_back({{2, 0, 0, 0, 0, 0x10}, 0xc0a8320a, "printer"});
  c->subnets.push_back(s);
  engine::Subnet r = s;
  r.cidr = "10.0.0.0/8";
  r.network = 0x0a000000;
  r.mask = 0xff000000;
  r.pools = {{0x0a000001, 0x0a000004}};
  r.reservations.clear();
  c->subnets.push_back(r);
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto config = [] {
    spdlog::set_level(spdlog::level::off);  // decline and exhaustion warnings are expected
    return makeConfig();
  }();
  engine::MemoryLeaseStore store;
  engine::Server server(config, store);
  server.setOwnAddresses({0xc0a83201});
  std::int64_t now = 1'000'000;
  std::span<const std::uint8_t> in(data, size);
  std::vector<std::uint8_t> wire;
  while (in.size() >= 3) {
    std::size_t len = std::min<std::size_t>(in[0] << 8 | in[1], in.size() - 3);
    std::uint8_t flags = in[2];
    auto msg = in.subspan(3, len);
    in = in.subspan(3 + len);
    auto p = codec::parse(msg);
    if (!p) continue;
    engine::Incoming inc;
    inc.packet = std::move(*p);
    inc.linkAddress = (flags & 1) ? 0xc0a83201 : 0;
    now += flags >> 2;
    // The pools are tiny, so a snapshot of every lease before each message is cheap.
    std::unordered_map<codec::Ip4, engine::Lease> before;
    store.forEach([&](const engine::Lease& l) { before.emplace(l.ip, l); });
    auto client = engine::clientKey(inc.packet);
    auto out = server.handle(inc, now);
    if (!out) continue;
    if (codec::serialize(out->packet, wire, out->maxSize) &&
        wire.size() > std::max(out->maxSize, codec::kDefaultMaxMessage))
      std::abort();
    if (out->packet.messageType() == codec::MessageType::kAck && out->packet.yiaddr) {
      // Never ACK an address whose unexpired lease belongs to another client.
      auto it = before.find(out->packet.yiaddr);
      if (it != before.end() && it->second.client != client &&
          it->second.state == engine::LeaseState::kActive && it->second.expires > now)
        std::abort();
      if (!out->durable) std::abort();
    }
  }
  return 0;
}
