#pragma once
// dhcp-server's sockets: one per served interface (SO_BINDTODEVICE, for broadcasts on
// that link) and one per `listen` endpoint (relayed and unicast traffic). All of them
// live on one io_context thread (DHCP needs no more, as Kea shows), which reads a batch
// of datagrams, runs them through the engine, commits the lease store once, and only
// then releases the ACKs of that batch (group commit).

#include <boost/asio/ip/udp.hpp>
#include <deque>
#include <memory>
#include <vector>

#include "commit_worker.hpp"
#include "engine/server.hpp"
#include "wk/daemon.hpp"

namespace wk::dhcp::io {

class DhcpService : public wk::Service {
 public:
  DhcpService(Runtime& runtime, config::Table root);
  ~DhcpService() override;
  void start() override;
  void reload(config::Table root) override;

  struct Socket {
    std::unique_ptr<boost::asio::ip::udp::socket> socket;
    unsigned ifindex = 0;  // for link sockets
    std::uint32_t linkAddress = 0;
    bool link = false;
  };
  // Used by the receive coroutine.
  void drain(std::size_t index);
  bool stopped() const { return stopped_; }
  Socket& socket(std::size_t index) { return sockets_[index]; }

 private:
  void stop();

  Runtime& runtime_;
  std::shared_ptr<const engine::Config> config_;
  std::unique_ptr<engine::LeaseStore> store_;
  std::unique_ptr<engine::Server> engine_;
  std::vector<Socket> sockets_;
  std::vector<unsigned> servedIfindex_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> wire_;
  struct Held {
    std::size_t socket;
    std::vector<std::uint8_t> data;
    std::uint32_t to;
    std::uint16_t port;
  };
  void releaseAcks(std::uint64_t upTo, bool ok);

  std::vector<Held> held_;  // ACKs of the batch being handled
  std::deque<std::pair<std::uint64_t, std::vector<Held>>> waiting_;  // behind a commit
  std::unique_ptr<CommitWorker> writer_;                             // only with a lease database
  bool stopped_ = false;
};

// The --leases command: prints the lease database.
int listLeases(config::Table root);

}  // namespace wk::dhcp::io
