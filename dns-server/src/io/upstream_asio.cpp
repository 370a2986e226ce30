#include "io/upstream_asio.hpp"

#include <sys/random.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <memory>

namespace wk::dns::io {

namespace asio = boost::asio;
using resolver::UpstreamQuery;
using resolver::UpstreamReply;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool matches(const codec::Message& reply, std::uint16_t id, const codec::Message& query) {
  if (!reply.header.qr || reply.header.id != id) return false;
  if (reply.questions.size() != 1 || query.questions.size() != 1) return false;
  const auto& a = reply.questions[0];
  const auto& b = query.questions[0];
  return a.qtype == b.qtype && a.qclass == b.qclass && a.name.equals(b.name);
}

// Closes the socket when the deadline passes, so the pending read completes with an error.
template <class Socket>
void armDeadline(asio::steady_timer& timer, std::shared_ptr<Socket> socket,
                 std::chrono::milliseconds timeout) {
  timer.expires_after(timeout);
  timer.async_wait([socket](boost::system::error_code ec) {
    if (!ec) {
      boost::system::error_code ignored;
      socket->close(ignored);
    }
  });
}

}  // namespace

void secureRandom(void* out, std::size_t length) {
  auto* p = static_cast<std::uint8_t*>(out);
  while (length > 0) {
    ssize_t n = ::getrandom(p, length, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    p += n;
    length -= static_cast<std::size_t>(n);
  }
}

asio::awaitable<UpstreamReply> AsioUpstream::query(UpstreamQuery q) {
  std::uint16_t id = 0;
  secureRandom(&id, sizeof id);
  if (q.tcp) co_return co_await queryTcp(std::move(q), id);
  co_return co_await queryUdp(std::move(q), id);
}

asio::awaitable<UpstreamReply> AsioUpstream::queryUdp(UpstreamQuery q, std::uint16_t id) {
  UpstreamReply result;
  result.status = UpstreamReply::Status::kError;
  q.query.header.id = id;
  std::vector<std::uint8_t> wire;
  if (!codec::writeMessage(q.query, wire, 65535, false)) co_return result;

  const asio::ip::udp::endpoint server(q.server, q.port);
  auto socket = std::make_shared<asio::ip::udp::socket>(executor_);
  boost::system::error_code ec;
  socket->open(server.protocol(), ec);
  if (ec) co_return result;
  // A random source port from the CSPRNG (a few tries if taken), else the kernel's choice.
  bool bound = false;
  for (int attempt = 0; attempt < 8 && !bound; ++attempt) {
    std::uint16_t port = 0;
    secureRandom(&port, sizeof port);
    port = static_cast<std::uint16_t>(1024 + port % (65536 - 1024));
    socket->bind(asio::ip::udp::endpoint(server.protocol(), port), ec);
    bound = !ec;
  }
  if (!bound) {
    socket->bind(asio::ip::udp::endpoint(server.protocol(), 0), ec);
    if (ec) co_return result;
  }
  // connect() makes the kernel drop datagrams from any other address or port.
  socket->connect(server, ec);
  if (ec) co_return result;
  asio::steady_timer timer(executor_);
  armDeadline(timer, socket, q.timeout);
  auto [sendEc, sent] = co_await socket->async_send(asio::buffer(wire), kTuple);
  (void)sent;
  if (sendEc) {
    timer.cancel();
    result.status =
        socket->is_open() ? UpstreamReply::Status::kError : UpstreamReply::Status::kTimeout;
    co_return result;
  }
  std::vector<std::uint8_t> buf(65535);
  for (;;) {
    auto [recvEc, n] = co_await socket->async_receive(asio::buffer(buf), kTuple);
    if (recvEc) {
      result.status =
          socket->is_open() ? UpstreamReply::Status::kError : UpstreamReply::Status::kTimeout;
      break;
    }
    auto parsed = codec::parseMessage({buf.data(), n});
    if (!parsed || !matches(*parsed, id, q.query)) continue;  // spoofed or stray: keep waiting
    result.status = UpstreamReply::Status::kOk;
    result.message = std::move(*parsed);
    break;
  }
  timer.cancel();
  co_return result;
}

asio::awaitable<UpstreamReply> AsioUpstream::queryTcp(UpstreamQuery q, std::uint16_t id) {
  UpstreamReply result;
  result.status = UpstreamReply::Status::kError;
  q.query.header.id = id;
  std::vector<std::uint8_t> body;
  if (!codec::writeMessage(q.query, body, 65535, false)) co_return result;
  std::vector<std::uint8_t> wire(2 + body.size());
  wire[0] = static_cast<std::uint8_t>(body.size() >> 8);
  wire[1] = static_cast<std::uint8_t>(body.size());
  std::copy(body.begin(), body.end(), wire.begin() + 2);

  auto socket = std::make_shared<asio::ip::tcp::socket>(executor_);
  asio::steady_timer timer(executor_);
  armDeadline(timer, socket, q.timeout * 2);
  std::vector<std::uint8_t> buf(2);
  boost::system::error_code ec;
  std::tie(ec) = co_await socket->async_connect(asio::ip::tcp::endpoint(q.server, q.port), kTuple);
  std::size_t n = 0;
  if (!ec) std::tie(ec, n) = co_await asio::async_write(*socket, asio::buffer(wire), kTuple);
  if (!ec) std::tie(ec, n) = co_await asio::async_read(*socket, asio::buffer(buf), kTuple);
  if (!ec) {
    buf.resize(std::size_t{buf[0]} << 8 | buf[1]);
    std::tie(ec, n) = co_await asio::async_read(*socket, asio::buffer(buf), kTuple);
  }
  timer.cancel();
  if (ec) {
    result.status =
        socket->is_open() ? UpstreamReply::Status::kError : UpstreamReply::Status::kTimeout;
    co_return result;
  }
  auto parsed = codec::parseMessage(buf);
  if (parsed && matches(*parsed, id, q.query)) {
    result.status = UpstreamReply::Status::kOk;
    result.message = std::move(*parsed);
  }
  co_return result;
}

}  // namespace wk::dns::io
