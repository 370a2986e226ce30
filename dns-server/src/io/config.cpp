#include "io/config.hpp"

namespace wk::dns::io {

const char* const kDefaultConfig =
    R"(# dns-server built-in config: example.test on loopback port 5353
[server]
listen = ["127.0.0.1:5353", "[::1]:5353"]

[[zone]]
name = "example.test"
allow_transfer = ["127.0.0.0/8", "::1/128"]
text = """
$TTL 1h
@        IN SOA  ns1 hostmaster 1 1h 15m 1w 5m
         IN NS   ns1
         IN MX   10 mail
ns1      IN A    127.0.0.1
         IN AAAA ::1
www      IN A    127.0.0.1
         IN AAAA ::1
mail     IN A    127.0.0.1
alias    IN CNAME www
*.wild   IN TXT  "wildcard"
"""
)";

DnsConfig DnsConfig::load(config::Table root) {
  DnsConfig c;
  auto server = root.table("server");
  c.listen = server.endpoints("listen", c.listen);
  c.nsid = server.string("nsid", c.nsid);
  if (c.nsid.size() > 255) server.error("nsid", "'nsid' must be at most 255 bytes");
  c.maxUdpPayload = server.integer("max_udp_payload", c.maxUdpPayload, 512, 65535);
  c.tcpIdleTimeout = server.duration("tcp_idle_timeout", c.tcpIdleTimeout);

  for (auto zone : root.tables("zone")) {
    ZoneConfig z;
    std::string name = zone.string("name", "");
    if (name.empty()) {
      zone.error("name", "a [[zone]] needs a 'name'");
    } else {
      std::string absolute = name.back() == '.' ? name : name + ".";
      auto apex = codec::Name::fromText(absolute);
      if (!apex)
        zone.error("name", "'" + name + "' is not a valid domain name");
      else
        z.apex = *apex;
      for (const auto& other : c.zones)
        if (apex && other.apex.equals(*apex))
          zone.error("name", "zone '" + name + "' is listed twice");
    }
    z.text = zone.string("text", "");
    if (zone.has("file")) z.file = zone.path("file", {});
    if (zone.has("primary")) {
      z.primary = zone.endpoint("primary", {});
      if (!z.file.empty() || !z.text.empty())
        zone.error("primary", "a secondary zone ('primary') takes no 'file' or 'text'");
    } else if (z.file.empty() && z.text.empty()) {
      zone.error("name", "zone '" + name + "' needs a 'file'");
    } else if (!z.file.empty() && !z.text.empty()) {
      zone.error("text", "a zone takes 'file' or 'text', not both");
    }
    z.allowTransfer = zone.cidrs("allow_transfer", z.allowTransfer);
    z.notify = zone.endpoints("notify", z.notify);
    c.zones.push_back(std::move(z));
  }

  auto rrl = root.table("rrl");
  c.rrl.responsesPerSecond =
      rrl.integer("responses_per_second", c.rrl.responsesPerSecond, 0, 1'000'000);
  c.rrl.slip = rrl.integer("slip", c.rrl.slip, 0, 10);
  c.resolver = RecursionConfig::load(root.table("resolver"));
  return c;
}

}  // namespace wk::dns::io
