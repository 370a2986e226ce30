#pragma once
// http-server's config (issue 7 names the keys; they are public interface).

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "codec/request.hpp"
#include "engine/proxy.hpp"
#include "engine/static_site.hpp"
#include "wk/config.hpp"
#include "wk/net.hpp"

namespace wk::http::io {

struct HttpConfig {
  // [server]
  std::vector<Endpoint> listen{*Endpoint::parse("127.0.0.1:8080")};
  std::size_t maxConnections = 10'000;
  std::chrono::milliseconds keepaliveTimeout{75'000};  // idle between requests
  std::chrono::milliseconds headerTimeout{10'000};     // whole head, from its first byte
  std::chrono::milliseconds bodyTimeout{30'000};       // whole request body
  std::chrono::milliseconds sendTimeout{60'000};       // between two successful writes
  std::chrono::milliseconds upstreamTimeout{60'000};   // proxy: response head, then per read
  std::filesystem::path accessLog;                     // empty: off; "-": stdout
  codec::Limits limits;
  // [tls]
  std::vector<Endpoint> tlsListen;
  std::filesystem::path cert;  // empty: self-signed
  std::filesystem::path key;
  // [static]
  std::filesystem::path root = "/srv/www";
  engine::StaticConfig site;
  std::chrono::milliseconds fileCacheValid{1000};  // open-file cache; 0: open per request

  // [proxy]: the forward proxy (absolute-form requests; CONNECT is not supported yet)
  std::vector<Endpoint> proxyListen;
  CidrList proxyAllow{{*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")}};
  // [[reverse]]: reverse-proxy routes on the main listeners
  std::vector<engine::ReverseRoute> routes;

  // Reads and validates every key, recording errors in the document (never throws).
  static HttpConfig load(config::Table root);
};

}  // namespace wk::http::io
