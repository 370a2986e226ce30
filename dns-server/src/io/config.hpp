#pragma once
// dns-server's own config keys (issue 3):
//
//   [server] listen = ["127.0.0.1:5353", "[::1]:5353"]   UDP and TCP on each
//            nsid = "ns1"              EDNS NSID sent when asked (empty: off)
//            max_udp_payload = 1232    EDNS buffer size we advertise and cap UDP answers at
//            tcp_idle_timeout = "10s"
//   [[zone]] name, file (or text: inline master-file data), allow_transfer (CIDRs),
//            notify (endpoints), primary (a secondary zone: AXFR from there)
//   [rrl]    responses_per_second (0 = off), slip

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "codec/name.hpp"
#include "io/resolver_config.hpp"
#include "wk/config.hpp"
#include "wk/net.hpp"

namespace wk::dns::io {

struct ZoneConfig {
  codec::Name apex;
  std::filesystem::path file;
  std::string text;  // inline zone data (the embedded default config uses it)
  CidrList allowTransfer;
  std::vector<Endpoint> notify;
  std::optional<Endpoint> primary;  // set: a secondary zone, transferred from there
};

struct RrlConfig {
  std::int64_t responsesPerSecond = 0;
  std::int64_t slip = 2;
};

struct DnsConfig {
  std::vector<Endpoint> listen = {*Endpoint::parse("127.0.0.1:5353"),
                                  *Endpoint::parse("[::1]:5353")};
  std::string nsid;
  std::int64_t maxUdpPayload = 1232;
  std::chrono::milliseconds tcpIdleTimeout{10'000};
  std::vector<ZoneConfig> zones;
  RrlConfig rrl;
  RecursionConfig resolver;  // [resolver] (issue 4)

  static DnsConfig load(config::Table root);
};

extern const char* const kDefaultConfig;

}  // namespace wk::dns::io
