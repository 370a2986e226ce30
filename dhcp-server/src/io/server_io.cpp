#include "server_io.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>

#include "links.hpp"
#include "wk/net.hpp"

namespace wk::dhcp::io {
namespace asio = boost::asio;
using codec::formatIp;

namespace {

constexpr std::size_t kBatch = 256;  // datagrams handled per wakeup at most

asio::awaitable<void> receiveLoop(DhcpService* service, std::size_t index) {
  auto& sock = *service->socket(index).socket;
  while (!service->stopped()) {
    auto [ec] = co_await sock.async_wait(asio::ip::udp::socket::wait_read,
                                         asio::as_tuple(asio::use_awaitable));
    if (ec || service->stopped()) break;
    service->drain(index);
  }
}

}  // namespace

DhcpService::DhcpService(Runtime& runtime, config::Table root)
    : runtime_(runtime), config_(engine::loadConfig(root)), buffer_(4096) {
  store_ = engine::openLeaseStore(config_->leaseDb);
  spdlog::info("lease database {}: {} lease(s)",
               config_->leaseDb.empty() ? "(memory)" : config_->leaseDb.string(), store_->size());
  engine_ = std::make_unique<engine::Server>(config_, *store_);
}

DhcpService::~DhcpService() {
  writer_.reset();  // joins the writer before the store goes
  try {
    store_->commit();
  } catch (const std::exception& e) {
    spdlog::error("lease database: {}", e.what());
  }
}

void DhcpService::start() {
  auto& ctx = runtime_.context(0);
  std::vector<std::uint32_t> own;
  for (const auto& name : config_->interfaces) {
    auto link = findLink(name);
    if (!link) throw std::runtime_error("interface " + name + " does not exist");
    if (!link->address) throw std::runtime_error("interface " + name + " has no IPv4 address");
    int fd = openSocket(0, 67, name);
    Socket s;
    s.socket = std::make_unique<asio::ip::udp::socket>(ctx);
    s.socket->assign(asio::ip::udp::v4(), fd);
    s.ifindex = link->index;
    s.linkAddress = link->address;
    s.link = true;
    sockets_.push_back(std::move(s));
    servedIfindex_.push_back(link->index);
    own.push_back(link->address);
    spdlog::info("listening udp {}:67 on {}", formatIp(link->address), name);
  }
  for (const auto& ep : config_->listen) {
    auto v4 = ep.address.to_v4().to_uint();
    int fd = openSocket(v4, ep.port);
    Socket s;
    s.socket = std::make_unique<asio::ip::udp::socket>(ctx);
    s.socket->assign(asio::ip::udp::v4(), fd);
    sockets_.push_back(std::move(s));
    logListening("udp", formatEndpoint(ep.address, localPort(fd)));
    if (v4) own.push_back(v4);
  }
  for (auto a : localAddresses()) own.push_back(a);
  engine_->setOwnAddresses(own);
  if (!config_->leaseDb.empty())
    writer_ = std::make_unique<CommitWorker>(
        *store_, ctx, [this](std::uint64_t upTo, bool ok) { releaseAcks(upTo, ok); });
  for (std::size_t i = 0; i < sockets_.size(); ++i)
    asio::co_spawn(ctx, receiveLoop(this, i), asio::detached);
  runtime_.onStop([this] { asio::post(runtime_.context(0), [this] { stop(); }); });
}

void DhcpService::stop() {
  stopped_ = true;
  if (writer_) {
    // Write what is queued, then answer the clients whose leases made it to disk.
    if (!held_.empty() || store_->pending()) {
      waiting_.emplace_back(writer_->submit(store_->takeBatch()), std::move(held_));
      held_.clear();
    }
    writer_->finish();
    releaseAcks(writer_->durable(), true);
    releaseAcks(UINT64_MAX, false);
  }
  for (auto& s : sockets_) {
    boost::system::error_code ec;
    s.socket->close(ec);
  }
  const auto& st = engine_->stats();
  spdlog::info("stopped: {} received, {} offers, {} acks, {} naks, {} declines, {} releases",
               st.received, st.offers, st.acks, st.naks, st.declines, st.releases);
}

void DhcpService::reload(config::Table root) {
  auto fresh = engine::loadConfig(root);
  if (fresh->interfaces != config_->interfaces || fresh->listen != config_->listen ||
      fresh->leaseDb != config_->leaseDb)
    spdlog::warn("reload: interfaces, listen and lease_db changes take effect on restart");
  asio::post(runtime_.context(0), [this, fresh] {
    config_ = fresh;
    engine_->reconfigure(fresh);
    spdlog::info("reload: {} subnet(s)", fresh->subnets.size());
  });
}

void DhcpService::drain(std::size_t index) {
  Socket& s = sockets_[index];
  int fd = s.socket->native_handle();
  const std::int64_t now = std::time(nullptr);
  for (std::size_t n = 0; n < kBatch; ++n) {
    auto d = receive(fd, buffer_);
    if (!d) break;
    // A wildcard listener also hears broadcasts on served links; their link socket
    // answers those, so the listener ignores them (one reply, not two).
    if (!s.link &&
        std::find(servedIfindex_.begin(), servedIfindex_.end(), d->ifindex) != servedIfindex_.end())
      continue;
    if (d->size == 0) continue;
    auto packet = codec::parse(std::span<const std::uint8_t>(buffer_.data(), d->size));
    if (!packet) {
      spdlog::debug("dropped malformed datagram from {}:{}: {}", formatIp(d->source), d->sourcePort,
                    packet.error().message());
      continue;
    }
    engine::Incoming in;
    in.packet = std::move(*packet);
    in.linkAddress = s.linkAddress;
    in.localAddress = d->destination == 0xFFFFFFFF ? d->localAddress : d->destination;
    in.sourceAddress = d->source;
    in.sourcePort = d->sourcePort;
    std::optional<engine::Outgoing> out;
    try {
      out = engine_->handle(in, now);
    } catch (const std::exception& e) {
      spdlog::error("handling a message from {}: {}", formatIp(d->source), e.what());
      continue;
    }
    if (!out) continue;
    if (!codec::serialize(out->packet, wire_, out->maxSize)) continue;
    // A relay answers on the port it sent from (perfdhcp and some relays are not on 67).
    std::uint16_t port = out->port;
    if (out->packet.giaddr && out->destination == out->packet.giaddr &&
        d->source == out->destination)
      port = d->sourcePort;
    if (out->durable)
      held_.push_back({index, wire_, out->destination, port});
    else if (!send(fd, wire_, out->destination, port))
      spdlog::debug("send to {}:{} failed", formatIp(out->destination), port);
  }
  if (held_.empty() && store_->pending() == 0) return;
  if (!writer_) {  // leases in memory: nothing to wait for
    releaseAcks(0, true);
    return;
  }
  // The writer thread commits this batch (together with any others that queue up while
  // it is busy) and posts back; the ACKs wait for that, the next batch does not.
  waiting_.emplace_back(writer_->submit(store_->takeBatch()), std::move(held_));
  held_.clear();
}

void DhcpService::releaseAcks(std::uint64_t upTo, bool ok) {
  auto sendAll = [this, ok](std::vector<Held>& acks) {
    if (!ok && !acks.empty())
      spdlog::error("lease database: {} ACK(s) withheld, their leases are not durable",
                    acks.size());
    if (!ok) return;
    for (const auto& h : acks)
      if (sockets_[h.socket].socket->is_open())
        send(sockets_[h.socket].socket->native_handle(), h.data, h.to, h.port);
  };
  if (!writer_) {
    sendAll(held_);
    held_.clear();
    return;
  }
  while (!waiting_.empty() && waiting_.front().first <= upTo) {
    sendAll(waiting_.front().second);
    waiting_.pop_front();
  }
}

int listLeases(config::Table root) {
  auto cfg = engine::loadConfig(root);
  if (cfg->leaseDb.empty()) {
    std::printf("lease_db is not set: leases live in the server's memory only\n");
    return 0;
  }
  engine::SqliteLeaseStore store(cfg->leaseDb);
  std::vector<engine::Lease> leases;
  store.forEach([&](const engine::Lease& l) { leases.push_back(l); });
  std::sort(leases.begin(), leases.end(), [](const auto& a, const auto& b) { return a.ip < b.ip; });
  const std::int64_t now = std::time(nullptr);
  std::printf("%-15s  %-8s  %-20s  %-20s  %s\n", "address", "state", "expires (UTC)", "hwaddr",
              "hostname");
  for (const auto& l : leases) {
    const char* state = l.state == engine::LeaseState::kDeclined   ? "declined"
                        : l.state == engine::LeaseState::kReleased ? "released"
                        : l.expires <= now                         ? "expired"
                                                                   : "active";
    std::time_t t = static_cast<std::time_t>(l.expires);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    std::string hw =
        l.hwaddr.size() > 1 ? codec::formatHex(std::span(l.hwaddr).subspan(1)) : std::string("-");
    std::printf("%-15s  %-8s  %-20s  %-20s  %s\n", formatIp(l.ip).c_str(), state, when, hw.c_str(),
                l.hostname.empty() ? "-" : l.hostname.c_str());
  }
  return 0;
}

}  // namespace wk::dhcp::io
