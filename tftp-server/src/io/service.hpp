#pragma once
// The tftp-server service: the listener on the configured endpoints (common's UdpServer,
// one SO_REUSEPORT socket per thread) admits requests; each transfer then runs on its own
// ephemeral socket (its TID) on the listener thread's io_context.

#include <atomic>
#include <memory>

#include "engine/settings.hpp"
#include "wk/daemon.hpp"
#include "wk/udp_server.hpp"

namespace wk::tftp::io {

struct Shared;

class TftpService final : public Service {
 public:
  TftpService(Runtime& runtime, engine::Settings settings);
  ~TftpService() override;

  void start() override;
  void reload(config::Table root) override;

 private:
  Runtime& runtime_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<UdpServer> udp_;
};

}  // namespace wk::tftp::io
