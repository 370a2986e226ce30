#pragma once
// Proxy rules shared by the reverse and forward proxies (RFC 9110 7.6): which route a
// request takes, and how a request and a response are rewritten on the way through:
// hop-by-hop fields removed (Connection and every field it names, Keep-Alive, TE, Trailer,
// Transfer-Encoding, Upgrade, Proxy-Connection, Proxy-Authorization), Via added, and
// X-Forwarded-For / -Proto / -Host for the origin.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/headers.hpp"
#include "codec/request.hpp"

namespace wk::http::engine {

struct Upstream {
  std::string scheme;  // "http" (https upstreams are not supported yet)
  std::string host;    // name or address, IPv6 without brackets
  std::uint16_t port = 80;
  std::string basePath;           // path prefix of the upstream URL, "" or "/base"
  std::string authority() const;  // "host:port" as a Host value
};

// "http://127.0.0.1:9000" or "http://[::1]:9000/base"; nullopt if unusable.
std::optional<Upstream> parseUpstream(std::string_view url);

struct ReverseRoute {
  std::string path;  // "/app/" (prefix)
  Upstream upstream;
};

// The route with the longest matching prefix. "/app/" matches "/app/x" (and "/app", which
// the caller may redirect); "/app" also matches "/app/x" but never "/apple".
const ReverseRoute* matchRoute(const std::vector<ReverseRoute>& routes, std::string_view path);

// Removes hop-by-hop fields, including every field named in Connection.
void removeHopByHop(codec::Headers& headers);

struct ForwardInfo {
  std::string_view clientAddress;  // "192.0.2.1" or "2001:db8::1"
  bool tls = false;                // the client spoke HTTPS to us
  std::string_view via = "1.1 wellknown";
  bool forwardProxy = false;  // absolute-form request: Host becomes the target's authority
};

// The request line and header section to send upstream (origin-form target with the
// upstream's base path), ending in the empty line; the body (request.body) follows with
// its Content-Length, or none.
std::string buildUpstreamRequest(const codec::Request& request, std::string_view target,
                                 const Upstream& upstream, const ForwardInfo& info);

// Response fields from upstream made fit for the client: hop-by-hop removed, Via added.
void rewriteResponseHeaders(codec::Headers& headers, std::string_view via = "1.1 wellknown");

}  // namespace wk::http::engine
