#pragma once
// Connections to upstream (origin) servers for the proxy: connect with a deadline, a
// watchdog that closes the socket when the deadline passes (like wk::Connection), and a
// per-thread pool of idle keep-alive connections per upstream.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "engine/proxy.hpp"
#include "wk/result.hpp"

namespace wk::http::io {

class UpstreamConn {
 public:
  // With its deadline watchdog running.
  static std::shared_ptr<UpstreamConn> create(boost::asio::any_io_executor executor);
  explicit UpstreamConn(boost::asio::any_io_executor executor);
  ~UpstreamConn();

  void expiresAfter(std::chrono::steady_clock::duration timeout);
  boost::asio::awaitable<Result<void>> connect(const engine::Upstream& upstream,
                                               std::chrono::milliseconds timeout);
  boost::asio::awaitable<Result<void>> write(std::string_view data);
  // Appends what arrives to buffer(); 0 bytes = EOF.
  boost::asio::awaitable<Result<std::size_t>> read();
  std::string& buffer() { return buffer_; }
  bool timedOut() const { return timedOut_; }
  bool reused() const { return reused_; }
  void markReused() { reused_ = true; }
  void close();
  bool isOpen() const { return socket_.is_open(); }

  // Used by the watchdog coroutine.
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool timedOut_ = false;
  bool closed_ = false;

 private:
  std::string buffer_;
  bool reused_ = false;
};

// Idle connections of this thread to one upstream (by its "host:port"), newest first.
std::shared_ptr<UpstreamConn> takeIdle(const engine::Upstream& upstream);
void putIdle(const engine::Upstream& upstream, std::shared_ptr<UpstreamConn> conn);

}  // namespace wk::http::io
