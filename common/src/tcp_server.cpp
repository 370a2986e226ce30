#include "wk/tcp_server.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <unordered_set>

#include "wk/daemon.hpp"

namespace wk {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// ---------------------------------------------------------------------------------------
// Connection

Connection::Connection(tcp::socket socket, unsigned thread)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      deadline_(Clock::time_point::max()),
      thread_(thread) {
  boost::system::error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  local_ = socket_.local_endpoint(ec);
  socket_.set_option(tcp::no_delay(true), ec);
}

Connection::~Connection() = default;

void Connection::expiresAfter(Clock::duration timeout) {
  expiresAt(Clock::now() + timeout);
}

void Connection::limitSession(Clock::time_point end) {
  sessionEnd_ = end;
  expiresAt(deadline_);
}

void Connection::expiresAt(Clock::time_point deadline) {
  deadline = std::min(deadline, sessionEnd_);
  bool earlier = deadline < deadline_;
  deadline_ = deadline;
  // The watchdog sleeps until the old deadline; wake it to re-arm for an earlier one.
  if (earlier) timer_.cancel();
}

asio::awaitable<void> connectionWatchdog(std::shared_ptr<Connection> self) {
  while (!self->closed_) {
    self->timer_.expires_at(self->deadline_);
    co_await self->timer_.async_wait(kTuple);
    if (self->closed_) break;
    if (self->deadline_ <= Clock::now()) {
      self->timedOut_ = true;
      boost::system::error_code ignored;
      self->socket_.close(ignored);  // fails whatever I/O is pending
      break;
    }
  }
}

void Connection::markStopping() {
  stopping_ = true;
  if (reading_ && lastWasWrite_ && buffer_.empty()) {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

asio::awaitable<Result<std::size_t>> Connection::readRaw(std::span<std::uint8_t> out) {
  if (stopping_ && lastWasWrite_ && buffer_.empty()) {
    co_return ErrorCode(asio::error::operation_aborted);  // stopping: take no new request
  }
  reading_ = true;
  auto buffer = asio::buffer(out.data(), out.size());
  boost::system::error_code ec;
  std::size_t n = 0;
  if (tls_) {
    std::tie(ec, n) = co_await tls_->async_read_some(buffer, kTuple);
  } else {
    std::tie(ec, n) = co_await socket_.async_read_some(buffer, kTuple);
  }
  reading_ = false;
  if (ec) {
    if (timedOut_) co_return make_error_code(boost::system::errc::timed_out);
    co_return ec;
  }
  lastWasWrite_ = false;
  co_return n;
}

asio::awaitable<Result<std::size_t>> Connection::fill() {
  std::array<std::uint8_t, 16384> chunk;
  auto r = co_await readRaw(chunk);
  if (!r) co_return r;
  buffer_.append(reinterpret_cast<const char*>(chunk.data()), *r);
  co_return r;
}

asio::awaitable<Result<Line>> Connection::readLine(std::size_t maxLength) {
  std::size_t scanned = 0;
  for (;;) {
    auto newline = buffer_.find('\n', scanned);
    if (newline != std::string::npos) {
      bool crlf = newline > 0 && buffer_[newline - 1] == '\r';
      std::size_t length = newline - (crlf ? 1 : 0);
      if (length > maxLength) co_return make_error_code(boost::system::errc::message_size);
      Line line{buffer_.substr(0, length), crlf};
      buffer_.erase(0, newline + 1);
      co_return line;
    }
    // +1: a full-length line may still be waiting for its CR LF.
    if (buffer_.size() > maxLength + 1) {
      co_return make_error_code(boost::system::errc::message_size);
    }
    scanned = buffer_.size();
    auto r = co_await fill();
    if (!r) co_return r.error();
    if (*r == 0) co_return ErrorCode(asio::error::eof);
  }
}

asio::awaitable<Result<void>> Connection::skipLine() {
  for (;;) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      buffer_.erase(0, newline + 1);
      co_return Result<void>{};
    }
    buffer_.clear();  // never hold more than one chunk of an over-long line
    auto r = co_await fill();
    if (!r) co_return r.error();
    if (*r == 0) co_return ErrorCode(asio::error::eof);
  }
}

asio::awaitable<Result<std::size_t>> Connection::readSome(std::span<std::uint8_t> out) {
  if (!buffer_.empty()) {
    std::size_t n = std::min(out.size(), buffer_.size());
    std::memcpy(out.data(), buffer_.data(), n);
    buffer_.erase(0, n);
    co_return n;
  }
  auto r = co_await readRaw(out);
  if (r && *r == 0 && !out.empty()) co_return ErrorCode(asio::error::eof);
  co_return r;
}

asio::awaitable<Result<void>> Connection::readExactly(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    auto r = co_await readSome(out.subspan(done));
    if (!r) co_return r.error();
    done += *r;
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Connection::write(std::span<const std::uint8_t> data) {
  auto buffer = asio::buffer(data.data(), data.size());
  boost::system::error_code ec;
  if (tls_) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, buffer, kTuple);
  } else {
    std::tie(ec, std::ignore) = co_await asio::async_write(socket_, buffer, kTuple);
  }
  if (ec) {
    if (timedOut_) co_return make_error_code(boost::system::errc::timed_out);
    co_return ec;
  }
  lastWasWrite_ = true;
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Connection::write(std::string_view text) {
  co_return co_await write(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

asio::awaitable<Result<void>> Connection::startTls(asio::ssl::context& context) {
  if (tls_) co_return make_error_code(boost::system::errc::operation_not_permitted);
  // Whatever the client sent before the handshake was not protected by it: drop it, or a
  // man in the middle could inject commands that would run as if sent over TLS.
  buffer_.clear();
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, context);
  reading_ = true;
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kTuple);
  reading_ = false;
  if (ec) {
    if (timedOut_) co_return make_error_code(boost::system::errc::timed_out);
    co_return ec;
  }
  co_return Result<void>{};
}

std::string Connection::alpn() const {
  if (!tls_) return {};
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(const_cast<SSL*>(tls_->native_handle()), &data, &length);
  return data ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

SSL* Connection::nativeTls() {
  return tls_ ? tls_->native_handle() : nullptr;
}

// ---------------------------------------------------------------------------------------
// TcpServer

struct TcpServer::Shared {
  Runtime& runtime;
  TcpOptions options;
  TcpHandler handler;
  std::atomic<std::size_t> count{0};
  // Per thread, touched only on that thread: its acceptors and live connections.
  std::vector<std::vector<std::shared_ptr<tcp::acceptor>>> acceptors;
  std::vector<std::unordered_set<Connection*>> live;
  std::vector<char> stopped;

  Shared(Runtime& rt, TcpOptions o, TcpHandler h)
      : runtime(rt),
        options(std::move(o)),
        handler(std::move(h)),
        acceptors(rt.threadCount()),
        live(rt.threadCount()),
        stopped(rt.threadCount(), 0) {}
};

namespace {

asio::awaitable<void> runSession(std::shared_ptr<TcpServer::Shared> shared, tcp::socket socket,
                                 unsigned thread) {
  auto conn = std::make_shared<Connection>(std::move(socket), thread);
  auto inflight = shared->runtime.track();
  shared->live[thread].insert(conn.get());
  if (shared->options.maxSessionTime.count() > 0) {
    conn->limitSession(Clock::now() + shared->options.maxSessionTime);
  }
  conn->expiresAfter(shared->options.idleTimeout);
  asio::co_spawn(conn->socket().get_executor(), connectionWatchdog(conn), asio::detached);

  bool ready = true;
  if (shared->options.tls) {
    conn->expiresAfter(shared->options.handshakeTimeout);
    auto r = co_await conn->startTls(*shared->options.tls);
    if (!r) {
      spdlog::debug("tls handshake with {} failed: {}", formatEndpoint(conn->remote()),
                    r.error().message());
      ready = false;
    }
    conn->expiresAfter(shared->options.idleTimeout);
  }
  if (ready) {
    try {
      co_await shared->handler(*conn);
    } catch (const std::exception& e) {
      spdlog::warn("session with {} failed: {}", formatEndpoint(conn->remote()), e.what());
    }
  }
  conn->close();
  shared->live[thread].erase(conn.get());
  shared->count.fetch_sub(1, std::memory_order_relaxed);
}

// Sends the busy message and closes gently: reading (and discarding) what the client sent
// for a moment first, so the close does not turn into a reset that destroys the message.
asio::awaitable<void> refuse(tcp::socket socket, std::string message) {
  boost::system::error_code ec;
  if (!message.empty()) {
    socket.non_blocking(true, ec);
    socket.send(asio::buffer(message), 0, ec);
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(std::chrono::milliseconds(500));
  timer.async_wait([&socket](const boost::system::error_code& e) {
    boost::system::error_code ignored;
    if (!e) socket.cancel(ignored);
  });
  std::array<char, 4096> sink;
  for (int i = 0; i < 16; ++i) {
    auto [readError, n] = co_await socket.async_read_some(asio::buffer(sink), kTuple);
    if (readError || n == 0) break;
  }
  timer.cancel();
}

asio::awaitable<void> acceptLoop(std::shared_ptr<TcpServer::Shared> shared,
                                 std::shared_ptr<tcp::acceptor> acceptor, unsigned thread) {
  asio::steady_timer backoff(acceptor->get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(kTuple);
    if (shared->stopped[thread]) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
      // Out of file descriptors and the like: log, back off, keep serving.
      spdlog::warn("accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    if (shared->count.load(std::memory_order_relaxed) >= shared->options.maxConnections) {
      spdlog::debug("connection limit reached; refusing {}",
                    formatEndpoint(socket.remote_endpoint(ec)));
      asio::co_spawn(acceptor->get_executor(),
                     refuse(std::move(socket), shared->options.busyMessage), asio::detached);
      continue;
    }
    shared->count.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(acceptor->get_executor(), runSession(shared, std::move(socket), thread),
                   asio::detached);
  }
}

}  // namespace

TcpServer::TcpServer(Runtime& runtime, TcpOptions options, TcpHandler handler)
    : runtime_(runtime),
      shared_(std::make_shared<Shared>(runtime, std::move(options), std::move(handler))) {}

TcpServer::~TcpServer() = default;

void TcpServer::start() {
  for (const auto& configured : shared_->options.endpoints) {
    tcp::endpoint ep = configured.tcp();
    for (unsigned t = 0; t < runtime_.threadCount(); ++t) {
      auto acceptor = std::make_shared<tcp::acceptor>(runtime_.context(t));
      acceptor->open(ep.protocol());
      if (ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true));
      acceptor->set_option(asio::socket_base::reuse_address(true));
      int one = 1;
      ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      boost::system::error_code ec;
      acceptor->bind(ep, ec);
      if (ec) {
        throw std::runtime_error("cannot bind " + shared_->options.proto + " " +
                                 formatEndpoint(ep) + ": " + ec.message());
      }
      acceptor->listen(asio::socket_base::max_listen_connections);
      if (t == 0) ep = acceptor->local_endpoint();  // port 0: the other threads join it
      shared_->acceptors[t].push_back(acceptor);
    }
    bound_.push_back(ep);
    logListening(shared_->options.proto, formatEndpoint(ep));
  }
  for (unsigned t = 0; t < runtime_.threadCount(); ++t) {
    for (auto& acceptor : shared_->acceptors[t]) {
      asio::co_spawn(runtime_.context(t), acceptLoop(shared_, acceptor, t), asio::detached);
    }
  }
  runtime_.onStop([this] { stop(); });
}

void TcpServer::stop() {
  for (unsigned t = 0; t < runtime_.threadCount(); ++t) {
    asio::post(runtime_.context(t), [shared = shared_, t] {
      shared->stopped[t] = 1;
      for (auto& acceptor : shared->acceptors[t]) {
        boost::system::error_code ignored;
        acceptor->close(ignored);
      }
      // Drop our references here, on the acceptor's own thread: Shared may be released
      // by a coroutine frame on another thread's io_context, and must not then destroy
      // an acceptor of this one.
      shared->acceptors[t].clear();
      for (auto* conn : shared->live[t]) conn->markStopping();
    });
  }
}

std::vector<tcp::endpoint> TcpServer::localEndpoints() const {
  return bound_;
}

std::size_t TcpServer::connections() const {
  return shared_->count.load();
}

}  // namespace wk
