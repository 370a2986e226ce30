#pragma once
// dhcp-relay: one socket per client-side link (SO_BINDTODEVICE: several wildcard
// listeners on port 67 would split the traffic between them) and one upstream socket
// that sends to the servers and receives their replies.

#include <boost/asio/ip/udp.hpp>
#include <memory>
#include <vector>

#include "engine/relay.hpp"
#include "wk/daemon.hpp"

namespace wk::dhcp::io {

struct RelayConfig {
  std::vector<std::string> interfaces;
  std::vector<std::pair<std::uint32_t, std::uint16_t>> servers;  // address, port
  bool agentInfo = true;
  std::uint16_t port = 67;  // where we listen, on the links and upstream

  static RelayConfig load(config::Table root);
};

class RelayService : public wk::Service {
 public:
  RelayService(Runtime& runtime, config::Table root);
  void start() override;
  void reload(config::Table root) override;

  void drainLink(std::size_t index);
  void drainUpstream();
  bool stopped() const { return stopped_; }
  boost::asio::ip::udp::socket& linkSocket(std::size_t i) { return *links_[i]; }
  boost::asio::ip::udp::socket& upstreamSocket() { return *upstream_; }
  std::size_t linkCount() const { return links_.size(); }

 private:
  Runtime& runtime_;
  RelayConfig config_;
  std::vector<engine::RelayLink> info_;
  std::vector<std::unique_ptr<boost::asio::ip::udp::socket>> links_;
  std::unique_ptr<boost::asio::ip::udp::socket> upstream_;
  std::vector<std::uint8_t> buffer_, wire_;
  std::uint64_t forwarded_ = 0, returned_ = 0, dropped_ = 0;
  bool stopped_ = false;
};

}  // namespace wk::dhcp::io
