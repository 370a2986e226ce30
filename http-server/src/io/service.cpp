#include "io/service.hpp"

#include <spdlog/spdlog.h>

#include "engine/cached_store.hpp"
#include "wk/tls.hpp"

namespace wk::http::io {

namespace {
// Written to connections beyond max_connections before they are closed.
constexpr const char* kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    "Connection: close\r\n\r\n";
}  // namespace

std::shared_ptr<const State> makeState(HttpConfig config) {
  auto store = engine::makeCachedFileStore(engine::makeJailFileStore(config.root.string()),
                                           {.valid = config.fileCacheValid});
  std::shared_ptr<AccessLog> log;
  if (!config.accessLog.empty()) log = std::make_shared<AccessLog>(config.accessLog);
  auto site = config.site;
  return std::make_shared<const State>(
      State{std::move(config), engine::StaticSite(std::move(site), std::move(store)), log});
}

HttpService::HttpService(Runtime& runtime, HttpConfig config)
    : runtime_(runtime), state_(makeState(std::move(config))) {}

void HttpService::start() {
  auto st = state();
  const auto& c = st->config;
  auto handler = [this](Connection& conn) { return serveConnection(this, conn, false); };
  if (!c.listen.empty()) {
    plain_ = std::make_unique<TcpServer>(runtime_,
                                         TcpOptions{.endpoints = c.listen,
                                                    .proto = "tcp",
                                                    .maxConnections = c.maxConnections,
                                                    .busyMessage = kBusy,
                                                    .idleTimeout = c.headerTimeout},
                                         handler);
    plain_->start();
  }
  if (!c.tlsListen.empty()) {
    auto context = tls::makeServerContext(
        tls::ServerOptions{.cert = c.cert, .key = c.key, .alpn = {"http/1.1"}});
    tls_ = std::make_unique<TcpServer>(runtime_,
                                       TcpOptions{.endpoints = c.tlsListen,
                                                  .proto = "tls",
                                                  .tls = context,
                                                  .maxConnections = c.maxConnections,
                                                  .idleTimeout = c.headerTimeout,
                                                  .handshakeTimeout = c.headerTimeout},
                                       handler);
    tls_->start();
  }
  if (!c.proxyListen.empty()) {
    auto proxyHandler = [this](Connection& conn) { return serveConnection(this, conn, true); };
    proxy_ = std::make_unique<TcpServer>(runtime_,
                                         TcpOptions{.endpoints = c.proxyListen,
                                                    .proto = "proxy",
                                                    .maxConnections = c.maxConnections,
                                                    .busyMessage = kBusy,
                                                    .idleTimeout = c.headerTimeout},
                                         proxyHandler);
    proxy_->start();
  }
}

void HttpService::reload(config::Table root) {
  auto fresh = HttpConfig::load(root);
  const auto& old = state()->config;
  if (fresh.listen != old.listen || fresh.tlsListen != old.tlsListen ||
      fresh.proxyListen != old.proxyListen || fresh.cert != old.cert || fresh.key != old.key) {
    spdlog::warn("listen addresses and TLS certificates change only on restart");
  }
  state_.store(makeState(std::move(fresh)));
}

}  // namespace wk::http::io
