#pragma once
// The [resolver] table of dns-server's config (issue 4; these key names are public):
//
//   enabled, allow (CIDRs), root_hints (named.root file, "" = IANA built in),
//   forwarders (["ip:port"]), cache_size, max_ttl, max_negative_ttl, serve_stale,
//   qname_minimisation
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "wk/config.hpp"
#include "wk/net.hpp"

namespace wk::dns::io {

struct RecursionConfig {
  bool enabled = false;
  CidrList allow;
  std::filesystem::path rootHints;
  std::vector<Endpoint> forwarders;
  std::uint64_t cacheSize = 128u << 20;
  std::chrono::milliseconds maxTtl{86'400'000};
  std::chrono::milliseconds maxNegativeTtl{3 * 3'600'000};
  bool serveStale = true;
  bool qnameMinimisation = true;
  std::uint16_t upstreamPort = 53;  // not a config key: where hints and delegations listen

  // Reads the [resolver] table (unknown keys are reported by the config layer).
  static RecursionConfig load(config::Table table);
};

}  // namespace wk::dns::io
