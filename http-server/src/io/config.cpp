#include "io/config.hpp"

#include <system_error>

namespace wk::http::io {

HttpConfig HttpConfig::load(config::Table root) {
  HttpConfig c;
  auto server = root.table("server");
  c.listen = server.endpoints("listen", c.listen);
  c.maxConnections = static_cast<std::size_t>(
      server.integer("max_connections", static_cast<std::int64_t>(c.maxConnections), 1, 1'000'000));
  c.keepaliveTimeout = server.duration("keepalive_timeout", c.keepaliveTimeout);
  c.headerTimeout = server.duration("header_timeout", c.headerTimeout);
  c.bodyTimeout = server.duration("body_timeout", c.bodyTimeout);
  c.sendTimeout = server.duration("send_timeout", c.sendTimeout);
  c.upstreamTimeout = server.duration("upstream_timeout", c.upstreamTimeout);
  for (const char* key : {"keepalive_timeout", "header_timeout", "body_timeout", "send_timeout",
                          "upstream_timeout"}) {
    if (server.has(key) && server.duration(key, std::chrono::milliseconds(1)).count() <= 0) {
      server.error(key, std::string("'") + key + "' must be positive");
    }
  }
  if (server.has("access_log")) {
    auto text = server.string("access_log", "");
    c.accessLog = text == "-" ? std::filesystem::path("-") : server.path("access_log", "");
  }
  c.limits.maxHeaderBytes =
      static_cast<std::size_t>(server.size("max_header_size", c.limits.maxHeaderBytes));
  c.limits.maxBody = server.size("max_body_size", c.limits.maxBody);
  if (c.limits.maxHeaderBytes < 1024) {
    server.error("max_header_size", "'max_header_size' must be at least 1KiB");
  }
  c.limits.maxRequestLine = std::min<std::size_t>(c.limits.maxRequestLine, c.limits.maxHeaderBytes);

  auto tls = root.table("tls");
  c.tlsListen = tls.endpoints("listen", c.tlsListen);
  if (tls.has("cert")) c.cert = tls.path("cert", "");
  if (tls.has("key")) c.key = tls.path("key", "");
  if (c.cert.empty() != c.key.empty()) {
    tls.error(c.cert.empty() ? "key" : "cert", "'cert' and 'key' go together");
  }

  auto st = root.table("static");
  c.root = st.path("root", c.root);
  c.site.index = st.strings("index", c.site.index);
  for (const auto& name : c.site.index) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      st.error("index", "index names are plain file names");
      break;
    }
  }
  c.site.autoindex = st.boolean("autoindex", c.site.autoindex);
  c.site.maxRanges = static_cast<std::size_t>(
      st.integer("max_ranges", static_cast<std::int64_t>(c.site.maxRanges), 1, 1000));
  c.fileCacheValid = st.duration("file_cache_valid", c.fileCacheValid);
  auto proxy = root.table("proxy");
  c.proxyListen = proxy.endpoints("listen", c.proxyListen);
  c.proxyAllow = proxy.cidrs("allow", c.proxyAllow);
  for (auto& route : root.tables("reverse")) {
    engine::ReverseRoute r;
    r.path = route.string("path", "");
    auto url = route.string("upstream", "");
    if (r.path.empty() || r.path.front() != '/') {
      route.error("path", "'path' must start with '/'");
    }
    if (auto upstream = engine::parseUpstream(url)) {
      r.upstream = *upstream;
    } else {
      route.error("upstream", "'upstream' must be http://HOST[:PORT][/PATH]");
    }
    c.routes.push_back(std::move(r));
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(c.root, ec)) {
    st.error("root", "'" + c.root.string() + "' is not a directory");
  }
  return c;
}

}  // namespace wk::http::io
