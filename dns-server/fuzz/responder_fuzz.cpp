// Responder fuzzer: any datagram against a zone with every answer shape (CNAME chains and
// loops, wildcards, delegation, ENTs) must give silence or a response that parses, within
// the UDP size limit.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "codec/message.hpp"
#include "codec/zone_file.hpp"
#include "engine/responder.hpp"

namespace {

constexpr const char* kZone = R"($TTL 300
@ SOA ns1 h 1 2 3 4 5
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.1
mail AAAA 2001:db8::1
www A 192.0.2.2
a CNAME b
b CNAME www
l1 CNAME l2
l2 CNAME l1
*.w MX 1 mail
*.c CNAME a
x.y.ent TXT "t"
sub NS ns.sub
ns.sub A 192.0.2.3
s SRV 0 0 1 www
)";

const wk::dns::engine::ZoneSet& zones() {
  static const wk::dns::engine::ZoneSet set = [] {
    using namespace wk::dns;
    auto apex = *codec::Name::fromText("example.test.");
    std::vector<codec::ZoneError> errors;
    engine::ZoneBuilder builder(apex, errors);
    codec::ZoneParseOptions options;
    options.origin = apex;
    codec::parseZoneText(
        kZone, "fuzz", options, [&](const codec::ZoneRecord& r) { builder.add(r); }, errors);
    engine::ZoneSet s;
    s.add(builder.finish());
    return s;
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wk::dns;
  static engine::Responder responder(engine::ResponderConfig{.nsid = "fuzz"});
  engine::Client client;
  client.address = boost::asio::ip::make_address("127.0.0.1");
  client.tcp = size > 0 && (data[0] & 1);
  auto out = responder.respond({data, size}, zones(), client);
  if (out.empty()) return 0;
  if (!client.tcp && out.size() > 1232) std::abort();
  if (!codec::parseMessage(out)) std::abort();
  return 0;
}
