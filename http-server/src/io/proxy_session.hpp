#pragma once
// Forwarding one request to an upstream for a reverse-proxy route, streaming the response
// back to the client.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "codec/request.hpp"
#include "engine/proxy.hpp"
#include "engine/response.hpp"
#include "wk/tcp_server.hpp"

namespace wk::http::io {

struct ProxyResult {
  bool sent = false;       // a response went to the client (else: send `error`)
  engine::Response error;  // 502/504 when nothing was sent
  int status = 0;
  std::uint64_t bytes = 0;
  bool keepAlive = false;  // the client connection can go on
};

struct ProxyTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds response{60'000};  // for the response head, then between reads
  std::chrono::milliseconds send{60'000};      // to the client
};

boost::asio::awaitable<ProxyResult> forwardRequest(Connection& client,
                                                   const codec::Request& request,
                                                   const engine::ReverseRoute& route,
                                                   ProxyTimeouts timeouts, bool clientKeepAlive,
                                                   bool forwardProxy, std::string date,
                                                   std::string server);

}  // namespace wk::http::io
