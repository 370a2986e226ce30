#include "relay_io.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "links.hpp"

namespace wk::dhcp::io {
namespace asio = boost::asio;
using codec::formatIp;

namespace {

constexpr std::size_t kBatch = 64;

asio::awaitable<void> linkLoop(RelayService* relay, std::size_t index) {
  while (!relay->stopped()) {
    auto [ec] = co_await relay->linkSocket(index).async_wait(asio::ip::udp::socket::wait_read,
                                                             asio::as_tuple(asio::use_awaitable));
    if (ec || relay->stopped()) break;
    relay->drainLink(index);
  }
}

asio::awaitable<void> upstreamLoop(RelayService* relay) {
  while (!relay->stopped()) {
    auto [ec] = co_await relay->upstreamSocket().async_wait(asio::ip::udp::socket::wait_read,
                                                            asio::as_tuple(asio::use_awaitable));
    if (ec || relay->stopped()) break;
    relay->drainUpstream();
  }
}

}  // namespace

RelayConfig RelayConfig::load(config::Table root) {
  RelayConfig c;
  auto t = root.table("relay");
  c.interfaces = t.strings("interfaces", {});
  if (c.interfaces.empty()) t.error("interfaces", "list at least one client-side interface");
  for (const auto& s : t.strings("servers", {})) {
    auto colon = s.find(':');
    auto ip = codec::parseIp(std::string_view(s).substr(0, colon));
    unsigned port = 67;
    if (colon != std::string::npos) {
      auto tail = std::string_view(s).substr(colon + 1);
      auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), port);
      if (ec != std::errc{} || p != tail.data() + tail.size() || port == 0 || port > 65535)
        ip.reset();
    }
    if (!ip)
      t.error("servers", "expected an IPv4 address (optionally :port): " + s);
    else
      c.servers.emplace_back(*ip, static_cast<std::uint16_t>(port));
  }
  if (c.servers.empty()) t.error("servers", "list at least one server");
  c.agentInfo = t.boolean("agent_info", c.agentInfo);
  c.port = static_cast<std::uint16_t>(t.integer("listen_port", c.port, 1, 65535));
  return c;
}

RelayService::RelayService(Runtime& runtime, config::Table root)
    : runtime_(runtime), config_(RelayConfig::load(root)), buffer_(4096) {}

void RelayService::start() {
  auto& ctx = runtime_.context(0);
  for (const auto& name : config_.interfaces) {
    auto link = findLink(name);
    if (!link || !link->address)
      throw std::runtime_error("interface " + name + " is missing or has no IPv4 address");
    info_.push_back({name, link->address});
    auto s = std::make_unique<asio::ip::udp::socket>(ctx);
    s->assign(asio::ip::udp::v4(), openSocket(0, config_.port, name));
    links_.push_back(std::move(s));
    spdlog::info("listening udp {}:{} on {}", formatIp(link->address), config_.port, name);
  }
  upstream_ = std::make_unique<asio::ip::udp::socket>(ctx);
  int fd = openSocket(0, config_.port);
  upstream_->assign(asio::ip::udp::v4(), fd);
  logListening("udp", "0.0.0.0:" + std::to_string(localPort(fd)));
  for (std::size_t i = 0; i < links_.size(); ++i)
    asio::co_spawn(ctx, linkLoop(this, i), asio::detached);
  asio::co_spawn(ctx, upstreamLoop(this), asio::detached);
  runtime_.onStop([this] {
    asio::post(runtime_.context(0), [this] {
      stopped_ = true;
      boost::system::error_code ec;
      for (auto& s : links_) s->close(ec);
      upstream_->close(ec);
      spdlog::info("stopped: {} forwarded, {} returned, {} dropped", forwarded_, returned_,
                   dropped_);
    });
  });
}

void RelayService::reload(config::Table root) {
  auto fresh = RelayConfig::load(root);
  asio::post(runtime_.context(0), [this, fresh] {
    if (fresh.interfaces != config_.interfaces || fresh.port != config_.port)
      spdlog::warn("reload: interface and port changes take effect on restart");
    config_.servers = fresh.servers;
    config_.agentInfo = fresh.agentInfo;
  });
}

void RelayService::drainLink(std::size_t index) {
  int fd = links_[index]->native_handle();
  for (std::size_t n = 0; n < kBatch; ++n) {
    auto d = receive(fd, buffer_);
    if (!d) break;
    auto p = codec::parse(std::span<const std::uint8_t>(buffer_.data(), d->size));
    if (!p || p->op != codec::kBootRequest) {
      ++dropped_;
      continue;
    }
    auto out = engine::relayRequest(std::move(*p), info_[index], config_.agentInfo);
    if (!out || !codec::serialize(*out, wire_, 1472)) {
      ++dropped_;
      continue;
    }
    for (const auto& [ip, port] : config_.servers)
      send(upstream_->native_handle(), wire_, ip, port);
    ++forwarded_;
  }
}

void RelayService::drainUpstream() {
  int fd = upstream_->native_handle();
  for (std::size_t n = 0; n < kBatch; ++n) {
    auto d = receive(fd, buffer_);
    if (!d) break;
    auto p = codec::parse(std::span<const std::uint8_t>(buffer_.data(), d->size));
    // Client broadcasts reach this wildcard socket too; the link sockets handle those.
    if (!p || p->op != codec::kBootReply) continue;
    auto r = engine::relayReply(std::move(*p), info_);
    if (!r || !codec::serialize(r->packet, wire_, 1472)) {
      ++dropped_;
      continue;
    }
    send(links_[r->link]->native_handle(), wire_, r->destination, 68);
    ++returned_;
  }
}

}  // namespace wk::dhcp::io
