#pragma once
// A TCP acceptor per endpoint per thread (SO_REUSEPORT), each accepted connection served by
// a handler coroutine on the accepting thread.
//
// Connection gives handlers what text and binary protocols need: a buffered line reader
// with a maximum line length, exact and partial reads, writes, an optional TLS layer (on
// accept, or later with startTls(), which discards plaintext that arrived before the
// upgrade), and one deadline for all I/O (expiresAfter) enforced by closing the socket.
//
// Graceful stop: acceptors close; a connection waiting for a new request (its last
// completed operation was a write, or nothing yet, and nothing is buffered) is cancelled
// at once; a busy one sees stopping() and finishes its exchange. Every connection holds a
// Runtime::InFlight, so the runtime waits for them up to its shutdown deadline.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wk/net.hpp"
#include "wk/result.hpp"
#include "wk/runtime.hpp"

namespace wk {

struct Line {
  std::string text;   // without the line ending
  bool crlf = false;  // ended in CRLF (false: a bare LF)
};

class Connection {
 public:
  Connection(boost::asio::ip::tcp::socket socket, unsigned thread);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const boost::asio::ip::tcp::endpoint& remote() const { return remote_; }
  const boost::asio::ip::tcp::endpoint& local() const { return local_; }
  unsigned thread() const { return thread_; }
  bool isTls() const { return tls_ != nullptr; }
  bool stopping() const { return stopping_; }
  bool timedOut() const { return timedOut_; }

  // All following I/O must complete by now + timeout, or the connection is closed.
  void expiresAfter(std::chrono::steady_clock::duration timeout);
  void expiresAt(std::chrono::steady_clock::time_point deadline);
  // A hard cap on the whole session: no later expiresAt() can extend past it.
  void limitSession(std::chrono::steady_clock::time_point end);

  // A line up to maxLength bytes (ending excluded). Longer: error message_size, and the
  // over-long line stays unread; skipLine() discards it so a text protocol can answer
  // "line too long" and go on.
  boost::asio::awaitable<Result<Line>> readLine(std::size_t maxLength);
  boost::asio::awaitable<Result<void>> skipLine();
  // Up to out.size() bytes (buffered ones first).
  boost::asio::awaitable<Result<std::size_t>> readSome(std::span<std::uint8_t> out);
  boost::asio::awaitable<Result<void>> readExactly(std::span<std::uint8_t> out);
  boost::asio::awaitable<Result<void>> write(std::span<const std::uint8_t> data);
  boost::asio::awaitable<Result<void>> write(std::string_view text);

  // TLS handshake as server (STARTTLS, or implicit TLS on accept). Any plaintext already
  // buffered is discarded first (CVE-2011-0411-style command injection).
  boost::asio::awaitable<Result<void>> startTls(boost::asio::ssl::context& context);
  // Negotiated ALPN protocol, or empty.
  std::string alpn() const;
  SSL* nativeTls();

  // Bytes read from the socket but not yet consumed.
  std::string& buffered() { return buffer_; }
  // The raw socket (for sendfile on plain connections); do not read from it directly.
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  void close();
  // Tells the connection a response went out through socket() directly (sendfile), so a
  // graceful stop treats it as idle while it waits for the next request.
  void markWritten() { lastWasWrite_ = true; }

  // Used by TcpServer: a graceful stop cancels an idle connection, flags a busy one.
  void markStopping();
  friend boost::asio::awaitable<void> connectionWatchdog(std::shared_ptr<Connection> self);

 private:
  boost::asio::awaitable<Result<std::size_t>> fill();
  boost::asio::awaitable<Result<std::size_t>> readRaw(std::span<std::uint8_t> out);

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point sessionEnd_ = std::chrono::steady_clock::time_point::max();
  boost::asio::ip::tcp::endpoint remote_;
  boost::asio::ip::tcp::endpoint local_;
  std::string buffer_;
  unsigned thread_;
  bool stopping_ = false;
  bool timedOut_ = false;
  bool closed_ = false;
  bool reading_ = false;      // a read is waiting on the socket
  bool lastWasWrite_ = true;  // idle = waiting for a new request after answering one
};

// The session body. Called with the connection after accept (and TLS handshake, when the
// listener is TLS); the connection closes when it returns.
using TcpHandler = std::function<boost::asio::awaitable<void>(Connection&)>;

struct TcpOptions {
  std::vector<Endpoint> endpoints;
  std::string proto = "tcp";                       // label for the "listening" line: tcp, tls, ...
  std::shared_ptr<boost::asio::ssl::context> tls;  // set: TLS handshake on accept
  std::size_t maxConnections = 1024;               // across all threads
  std::string busyMessage;                         // written before closing when full
  std::chrono::milliseconds idleTimeout{60'000};   // the initial deadline of a connection
  std::chrono::milliseconds handshakeTimeout{10'000};
  std::chrono::milliseconds maxSessionTime{0};  // 0 = unlimited
};

class TcpServer {
 public:
  TcpServer(Runtime& runtime, TcpOptions options, TcpHandler handler);
  ~TcpServer();

  // Binds, logs "listening <proto> ADDR:PORT" per endpoint, starts accepting.
  void start();
  void stop();
  std::vector<boost::asio::ip::tcp::endpoint> localEndpoints() const;
  std::size_t connections() const;

  struct Shared;  // state shared with accept loops and sessions (implementation detail)

 private:
  Runtime& runtime_;
  std::shared_ptr<Shared> shared_;
  std::vector<boost::asio::ip::tcp::endpoint> bound_;
};

}  // namespace wk
