#include "io/session.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

#include "codec/packet.hpp"
#include "wk/net.hpp"

namespace wk::tftp::io {

namespace {

constexpr std::size_t kReadSessionBuffer = 2048;  // ACKs and ERRORs only
constexpr int kMaxDrain = 64;                     // datagrams per wake-up, for fairness

const char* outcomeText(engine::Outcome o) {
  switch (o) {
    case engine::Outcome::completed:
      return "completed";
    case engine::Outcome::timedOut:
      return "timed out";
    case engine::Outcome::peerError:
      return "aborted by the client";
    case engine::Outcome::failed:
      return "failed";
    default:
      return "running";
  }
}

}  // namespace

std::size_t EndpointHash::operator()(const udp::endpoint& ep) const noexcept {
  std::size_t h = ep.port();
  const auto* bytes = reinterpret_cast<const unsigned char*>(ep.data());
  for (std::size_t i = 0; i < ep.size(); ++i) h = h * 131 + bytes[i];
  return h;
}

Session::Session(asio::io_context& context, std::shared_ptr<Shared> shared, unsigned thread,
                 const udp::endpoint& local, const udp::endpoint& peer,
                 std::unique_ptr<engine::Transfer> transfer, std::vector<std::uint8_t> request,
                 std::string description)
    : shared_(std::move(shared)),
      thread_(thread),
      socket_(context),
      timer_(context),
      peer_(peer),
      transfer_(std::move(transfer)),
      request_(std::move(request)),
      description_(std::move(description)),
      inflight_(shared_->runtime.track()) {
  socket_.open(local.protocol());
  socket_.bind(udp::endpoint(local.address(), 0));  // a fresh TID on the address asked
  socket_.non_blocking(true);
  // Room for a whole window in each direction (best effort: the kernel caps it).
  const auto& n = transfer_->negotiated();
  const int buffer = static_cast<int>(
      std::max<std::size_t>(2 * std::size_t{n.windowsize} * (n.blksize + 64), 256 << 10));
  boost::system::error_code ignored;
  socket_.set_option(asio::socket_base::receive_buffer_size(buffer), ignored);
  socket_.set_option(asio::socket_base::send_buffer_size(buffer), ignored);
  localPort_ = socket_.local_endpoint().port();
  transfer_->attach(*this);
  // A write session must see a DATA one byte too long to refuse it.
  bool write = dynamic_cast<engine::WriteTransfer*>(transfer_.get()) != nullptr;
  rx_.resize(write ? codec::kHeaderSize + transfer_->negotiated().blksize + 1 : kReadSessionBuffer);
}

Session::~Session() {
  if (counted_) shared_->active.fetch_sub(1, std::memory_order_relaxed);
}

bool Session::sameRequest(std::span<const std::uint8_t> request) const {
  return std::equal(request.begin(), request.end(), request_.begin(), request_.end());
}

void Session::start() {
  started_ = engine::Clock::now();
  transfer_->start(started_);
  afterEvent();
  if (done_) return;
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), receiveLoop(self), asio::detached);
  asio::co_spawn(socket_.get_executor(), timerLoop(self), asio::detached);
}

void Session::onServerStopping() {
  if (done_ || !transfer_->lingering()) return;
  transfer_->onTimer(transfer_->deadline());
  afterEvent();
}

void Session::send(std::span<const std::uint8_t> packet) {
  pending_.push_back(packet);
}

// The engine's spans stay valid until its event call returns, so a whole window leaves in
// one sendmmsg. A full socket buffer drops the rest, as UDP may; the peer's ACK or our
// timer brings the window back.
void Session::flush() {
  std::size_t sent = 0;
  while (sent < pending_.size()) {
    std::size_t n = std::min<std::size_t>(pending_.size() - sent, 64);
    mmsghdr msgs[64];
    iovec iov[64];
    for (std::size_t i = 0; i < n; ++i) {
      auto& p = pending_[sent + i];
      iov[i] = {const_cast<std::uint8_t*>(p.data()), p.size()};
      std::memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_name = peer_.data();
      msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(peer_.size());
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(socket_.native_handle(), msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (r == 0) break;
    sent += static_cast<std::size_t>(r);
  }
  pending_.clear();
}

void Session::afterEvent() {
  flush();
  if (transfer_->finished()) finish();
}

void Session::finish() {
  if (done_) return;
  done_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);  // frees the TID at once (before the log line tests wait for)
  timer_.cancel();
  auto& peers = shared_->peers[thread_];
  if (auto it = peers.find(peer_); it != peers.end() && it->second.lock().get() == this)
    peers.erase(it);
  auto outcome = transfer_->outcome();
  auto bytes = transfer_->bytes();
  transfer_.reset();  // closes the file; an unfinished upload's temporary file goes here
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(engine::Clock::now() - started_);
  if (outcome == engine::Outcome::completed)
    spdlog::debug("{}: completed, {} bytes in {} ms", description_, bytes, ms.count());
  else
    spdlog::info("{}: {} after {} bytes, {} ms", description_, outcomeText(outcome), bytes,
                 ms.count());
  inflight_.release();
  if (counted_) {
    counted_ = false;
    shared_->active.fetch_sub(1, std::memory_order_relaxed);
  }
}

asio::awaitable<void> receiveLoop(std::shared_ptr<Session> self) {
  using asio::as_tuple;
  using asio::use_awaitable;
  std::vector<std::uint8_t> unknownTid;
  codec::appendError(unknownTid, codec::ErrorCode::unknownTransferId, "Unknown transfer ID");
  while (!self->done_) {
    auto [ec] = co_await self->socket_.async_wait(udp::socket::wait_read, as_tuple(use_awaitable));
    if (ec || self->done_) break;
    for (int i = 0; i < kMaxDrain && !self->done_; ++i) {
      udp::endpoint from;
      boost::system::error_code rec;
      std::size_t n = self->socket_.receive_from(asio::buffer(self->rx_), from, 0, rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) break;
      if (rec == asio::error::interrupted) continue;
      if (rec) break;
      if (from != self->peer_) {
        // RFC 1350: a packet from another TID gets error 5 and the transfer goes on.
        boost::system::error_code ignored;
        self->socket_.send_to(asio::buffer(unknownTid), from, 0, ignored);
        continue;
      }
      self->transfer_->onPacket({self->rx_.data(), n}, engine::Clock::now());
      self->afterEvent();
    }
  }
}

asio::awaitable<void> timerLoop(std::shared_ptr<Session> self) {
  using asio::as_tuple;
  using asio::use_awaitable;
  // The timer is armed for the engine's deadline and re-armed only when it fires, so a
  // busy transfer that keeps pushing its deadline back costs no timer operation per packet.
  while (!self->done_) {
    self->timer_.expires_at(self->transfer_->deadline());
    co_await self->timer_.async_wait(as_tuple(use_awaitable));  // woken early only by finish()
    if (self->done_) break;
    auto now = engine::Clock::now();
    if (now >= self->transfer_->deadline()) {
      if (self->shared_->runtime.stopping() && !self->transfer_->lingering())
        self->transfer_->giveUp();
      else
        self->transfer_->onTimer(now);
      self->afterEvent();
    }
  }
}

}  // namespace wk::tftp::io
