#pragma once
// Secondary zones: kept in sync from a primary by AXFR over TCP. A thread of its own checks
// each zone's SOA serial at the SOA refresh interval (retry interval after a failure, every
// few seconds until the first transfer), transfers when the primary's serial is newer, and
// drops a zone that could not be refreshed for the SOA expire time. A NOTIFY from the
// primary (RFC 1996) triggers a check at once.

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/zone.hpp"
#include "wk/net.hpp"

namespace wk::dns::io {

// Transfers a whole zone (AXFR) from `primary`; nullptr and `error` set on failure.
std::shared_ptr<const engine::Zone> transferZone(const codec::Name& apex, const Endpoint& primary,
                                                 std::string& error);
// The primary's SOA serial for `apex`, queried over UDP.
std::optional<std::uint32_t> querySerial(const codec::Name& apex, const Endpoint& primary);

class SecondaryZones {
 public:
  struct ZoneSpec {
    codec::Name apex;
    Endpoint primary;
  };
  // Called from the secondary thread with a new zone version (nullptr: expired).
  using Install = std::function<void(const codec::Name& apex, std::shared_ptr<const engine::Zone>)>;

  SecondaryZones(std::vector<ZoneSpec> zones, Install install);
  ~SecondaryZones();

  void start();
  // A NOTIFY for `apex` from `from`: true (and a check is scheduled) when the zone is one of
  // ours and the sender is its primary.
  bool notify(const codec::Name& apex, const boost::asio::ip::address& from);

 private:
  struct Entry {
    ZoneSpec spec;
    std::shared_ptr<const engine::Zone> zone;
    std::chrono::steady_clock::time_point nextCheck;
    std::chrono::steady_clock::time_point expires;
  };
  void run(std::stop_token stop);
  void check(Entry& e);

  std::vector<Entry> entries_;
  Install install_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace wk::dns::io
