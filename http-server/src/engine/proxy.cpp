#include "engine/proxy.hpp"

#include <charconv>

namespace wk::http::engine {

using codec::iequals;

std::string Upstream::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 80) h += ":" + std::to_string(port);
  return h;
}

std::optional<Upstream> parseUpstream(std::string_view url) {
  Upstream u;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  auto scheme = url.substr(0, sep);
  if (!iequals(scheme, "http")) return std::nullopt;
  u.scheme = "http";
  auto rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    u.basePath = rest.substr(slash);
    while (!u.basePath.empty() && u.basePath.back() == '/') u.basePath.pop_back();
    if (u.basePath.find_first_of("?# ") != std::string::npos) return std::nullopt;
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '_')) {
      return std::nullopt;
    }
  }
  u.host = host;
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  return u;
}

const ReverseRoute* matchRoute(const std::vector<ReverseRoute>& routes, std::string_view path) {
  const ReverseRoute* best = nullptr;
  for (const auto& r : routes) {
    std::string_view prefix = r.path;
    bool match = false;
    if (path.starts_with(prefix)) {
      // A prefix ending in "/" matches anything below it; otherwise the next character
      // must end a segment.
      match = prefix.ends_with('/') || path.size() == prefix.size() || path[prefix.size()] == '/' ||
              path[prefix.size()] == '?';
    } else if (prefix.ends_with('/') && path == prefix.substr(0, prefix.size() - 1)) {
      match = true;  // "/app" for route "/app/"
    }
    if (match && (!best || r.path.size() > best->path.size())) best = &r;
  }
  return best;
}

void removeHopByHop(codec::Headers& headers) {
  if (auto connection = headers.combined("Connection")) {
    for (auto name : codec::splitList(*connection)) {
      if (codec::isToken(name)) headers.remove(name);
    }
  }
  for (const char* name :
       {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
        "Upgrade", "Proxy-Authorization", "Proxy-Authenticate"}) {
    headers.remove(name);
  }
}

std::string buildUpstreamRequest(const codec::Request& request, std::string_view target,
                                 const Upstream& upstream, const ForwardInfo& info) {
  codec::Headers h = request.headers;
  removeHopByHop(h);
  h.remove("Content-Length");
  const auto originalHost = request.headers.get("Host").value_or("");
  h.remove("Expect");  // answered here already; the body goes along at once
  if (info.forwardProxy) {
    // RFC 9112 3.2.2: a proxy replaces Host with the absolute-form target's authority.
    h.set("Host", upstream.authority());
  } else if (!h.has("Host")) {
    h.add("Host", upstream.authority());
  }
  auto xff = request.headers.combined("X-Forwarded-For");
  h.set("X-Forwarded-For",
        xff ? *xff + ", " + std::string(info.clientAddress) : std::string(info.clientAddress));
  h.set("X-Forwarded-Proto", info.tls ? "https" : "http");
  if (!originalHost.empty() && !info.forwardProxy) h.set("X-Forwarded-Host", originalHost);
  auto via = request.headers.combined("Via");
  h.set("Via", via ? *via + ", " + std::string(info.via) : std::string(info.via));
  if (!request.body.empty() || request.hasBody()) {
    h.add("Content-Length", std::to_string(request.body.size()));
  }
  std::string out;
  out.reserve(256 + target.size());
  out += request.method;
  out += ' ';
  out += upstream.basePath;
  out += target;
  out += " HTTP/1.1\r\n";
  for (const auto& f : h.fields()) {
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

void rewriteResponseHeaders(codec::Headers& headers, std::string_view via) {
  removeHopByHop(headers);
  auto existing = headers.combined("Via");
  headers.set("Via", existing ? *existing + ", " + std::string(via) : std::string(via));
}

}  // namespace wk::http::engine
