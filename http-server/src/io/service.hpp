#pragma once
// The running http-server: listeners (plain and TLS) on common's TcpServer, each
// connection served by serveConnection(), and the reloadable state (site, access log)
// swapped atomically on SIGHUP.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>

#include "engine/static_site.hpp"
#include "io/access_log.hpp"
#include "io/config.hpp"
#include "wk/daemon.hpp"
#include "wk/tcp_server.hpp"

namespace wk::http::io {

// What a request needs, immutable once built; a reload builds a new one.
struct State {
  HttpConfig config;
  engine::StaticSite site;
  std::shared_ptr<AccessLog> accessLog;  // null: off
};
std::shared_ptr<const State> makeState(HttpConfig config);

class HttpService final : public Service {
 public:
  HttpService(Runtime& runtime, HttpConfig config);
  void start() override;
  void reload(config::Table root) override;

  std::shared_ptr<const State> state() const { return state_.load(); }

 private:
  Runtime& runtime_;
  std::atomic<std::shared_ptr<const State>> state_;
  std::unique_ptr<TcpServer> plain_;
  std::unique_ptr<TcpServer> tls_;
  std::unique_ptr<TcpServer> proxy_;
};

// One client connection: requests in order (pipelined ones included) until close.
// forwardProxy: the [proxy] listener (absolute-form requests to any origin, ACL checked).
boost::asio::awaitable<void> serveConnection(const HttpService* service, Connection& conn,
                                             bool forwardProxy);

}  // namespace wk::http::io
