#include "io/upstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <unordered_map>

namespace wk::http::io {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::size_t kMaxIdlePerUpstream = 32;

// Holds only a weak reference, so dropping the last owner destroys the connection (the
// pending wait then completes as cancelled and this ends).
asio::awaitable<void> upstreamWatchdog(std::weak_ptr<UpstreamConn> weak) {
  for (;;) {
    asio::steady_timer* timer = nullptr;
    {
      auto self = weak.lock();
      if (!self || self->closed_) co_return;
      self->timer_.expires_at(self->deadline_);
      timer = &self->timer_;
    }
    co_await timer->async_wait(kTuple);
    auto self = weak.lock();
    if (!self || self->closed_) co_return;
    if (self->deadline_ <= Clock::now()) {
      self->timedOut_ = true;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
      co_return;
    }
  }
}

std::unordered_map<std::string, std::deque<std::shared_ptr<UpstreamConn>>>& idlePool() {
  thread_local std::unordered_map<std::string, std::deque<std::shared_ptr<UpstreamConn>>> pool;
  return pool;
}

std::string poolKey(const engine::Upstream& u) {
  return u.host + ":" + std::to_string(u.port);
}

}  // namespace

UpstreamConn::UpstreamConn(asio::any_io_executor executor)
    : socket_(executor), timer_(executor), deadline_(Clock::time_point::max()) {}

UpstreamConn::~UpstreamConn() {
  close();
}

void UpstreamConn::expiresAfter(Clock::duration timeout) {
  auto deadline = Clock::now() + timeout;
  bool earlier = deadline < deadline_;
  deadline_ = deadline;
  if (earlier) timer_.cancel();
}

void UpstreamConn::close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<Result<void>> UpstreamConn::connect(const engine::Upstream& upstream,
                                                    std::chrono::milliseconds timeout) {
  expiresAfter(timeout);
  asio::ip::tcp::resolver resolver(socket_.get_executor());
  auto [rec, results] =
      co_await resolver.async_resolve(upstream.host, std::to_string(upstream.port), kTuple);
  if (rec) co_return rec;
  auto [cec, ep] = co_await asio::async_connect(socket_, results, kTuple);
  if (cec) {
    if (timedOut_) co_return make_error_code(boost::system::errc::timed_out);
    co_return cec;
  }
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpstreamConn::write(std::string_view data) {
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()), kTuple);
  if (ec) {
    if (timedOut_) co_return make_error_code(boost::system::errc::timed_out);
    co_return ec;
  }
  co_return Result<void>{};
}

asio::awaitable<Result<std::size_t>> UpstreamConn::read() {
  char chunk[16384];
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), kTuple);
  if (ec == asio::error::eof) co_return std::size_t{0};
  if (ec) {
    if (timedOut_) co_return make_error_code(boost::system::errc::timed_out);
    co_return ec;
  }
  buffer_.append(chunk, n);
  co_return n;
}

std::shared_ptr<UpstreamConn> UpstreamConn::create(asio::any_io_executor executor) {
  auto conn = std::make_shared<UpstreamConn>(executor);
  asio::co_spawn(executor, upstreamWatchdog(conn), asio::detached);
  return conn;
}

std::shared_ptr<UpstreamConn> takeIdle(const engine::Upstream& upstream) {
  auto& pool = idlePool();
  auto it = pool.find(poolKey(upstream));
  if (it == pool.end()) return nullptr;
  while (!it->second.empty()) {
    auto conn = std::move(it->second.front());
    it->second.pop_front();
    if (conn->isOpen() && !conn->timedOut()) {
      conn->markReused();
      return conn;
    }
  }
  return nullptr;
}

void putIdle(const engine::Upstream& upstream, std::shared_ptr<UpstreamConn> conn) {
  auto& list = idlePool()[poolKey(upstream)];
  conn->buffer().clear();
  list.push_front(std::move(conn));
  while (list.size() > kMaxIdlePerUpstream) list.pop_back();
}

}  // namespace wk::http::io
