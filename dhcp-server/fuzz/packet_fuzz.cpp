// Packet parser and, for what parses, the round trip through serialize and the
// structured option formats (82, 119, 121).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "codec/packet.hpp"

using namespace wk::dhcp::codec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  auto p = parse(in);
  if (!p) return 0;
  for (std::uint8_t code : {opt::kRelayAgent, opt::kDomainSearch, opt::kClasslessRoutes}) {
    if (auto v = p->options.find(code)) {
      (void)parseSubOptions(*v);
      (void)parseDomainSearch(*v);
      (void)parseRoutes(*v);
    }
  }
  std::vector<std::uint8_t> out;
  if (serialize(*p, out, 1500)) {
    if (out.size() > 1500) std::abort();
    auto again = parse(out);
    if (!again || again->xid != p->xid || again->messageType() != p->messageType()) std::abort();
  }
  return 0;
}
