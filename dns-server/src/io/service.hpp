#pragma once
// dns-server's io layer: UDP answers through wk::UdpServer (synchronous, per-thread
// Responder, no allocation or lock per packet), TCP through wk::TcpServer (RFC 7766
// length-prefixed, many queries per connection, AXFR), and SIGHUP zone reloads that swap
// an immutable ZoneSet atomically.

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/responder.hpp"
#include "engine/zone.hpp"
#include "io/config.hpp"
#include "io/secondary.hpp"
#include "wk/daemon.hpp"
#include "wk/tcp_server.hpp"
#include "wk/udp_server.hpp"

namespace wk::dns::io {

class Recursion;

// The zones and their per-zone policy: what a query thread needs, swapped as one.
struct Snapshot {
  engine::ZoneSet zones;
  std::vector<CidrList> allowTransfer;  // parallel to zones.all()
};

class DnsService final : public Service {
 public:
  DnsService(Runtime& runtime, DnsConfig config);
  ~DnsService() override;

  void start() override;
  void reload(config::Table root) override;

  // The current snapshot (a thread caches it and re-reads when generation() changes).
  std::shared_ptr<const Snapshot> snapshot() const;
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  const DnsConfig& config() const { return config_; }
  engine::ResponderConfig responderConfig() const;
  Runtime& runtime() { return runtime_; }

 private:
  struct Loaded {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::string text;
    std::shared_ptr<const engine::Zone> zone;
  };
  // Loads every configured zone, reusing unchanged ones; a zone that fails keeps its last
  // good version (or is left out if it never loaded). Errors are logged.
  std::shared_ptr<const Snapshot> loadZones(const DnsConfig& config, bool startup);

  Runtime& runtime_;
  DnsConfig config_;
  std::array<std::uint8_t, 16> cookieSecret_{};
  std::map<std::string, Loaded> loaded_;  // by lower-case apex text
  mutable std::mutex mutex_;              // guards snapshot_ (reload vs. thread refresh)
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::uint64_t> generation_{0};
  void notifyChanged();
  void installSecondary(const codec::Name& apex, std::shared_ptr<const engine::Zone> zone);
  // Builds and publishes a snapshot from the file zones and the current secondary zones.
  void publish();

 public:
  // NOTIFY (opcode 4) handling for UDP and TCP: writes the acknowledgement, returns its size.
  static bool isNotify(std::span<const std::uint8_t> query) {
    return query.size() >= 12 && (query[2] & 0x80) == 0 && ((query[2] >> 3) & 0x0f) == 4;
  }
  std::size_t answerNotify(std::span<const std::uint8_t> query,
                           const boost::asio::ip::address& from, std::span<std::uint8_t> reply);

 private:
  std::mutex updateMutex_;  // one update (reload or secondary install) at a time
  std::map<std::string, std::shared_ptr<const engine::Zone>> secondaryZones_;  // by apex text
  std::unique_ptr<SecondaryZones> secondaries_;

  // Zones whose serial changed in the last load, with their notify targets.
  struct Changed {
    codec::Name apex;
    std::uint32_t serial;
    std::vector<Endpoint> targets;
  };
  std::vector<Changed> changed_;
  std::vector<std::jthread> notifiers_;      // joined on destruction
  std::shared_ptr<const Snapshot> retired_;  // the previous snapshot, freed on the next reload
  std::unique_ptr<UdpServer> udp_;
  std::unique_ptr<TcpServer> tcp_;
  std::unique_ptr<Recursion> recursion_;  // [resolver] enabled (issue 4)
};

// `dns-server --check-zones`: loads every zone as the server would, prints each error as
// FILE:LINE: message and a summary line per zone; 0 when all load.
int checkZones(const DnsConfig& config);

}  // namespace wk::dns::io
