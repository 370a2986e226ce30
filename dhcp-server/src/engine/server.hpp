#pragma once
// The RFC 2131 server state machine. No sockets and no clock: the io layer (or a unit
// test's TestClient) hands in each received message with `now` and gets back at most one
// reply with its destination. Replies marked `durable` promise a lease and must be held
// until LeaseStore::commit() has returned.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config.hpp"
#include "lease_store.hpp"

namespace wk::dhcp::engine {

using codec::MessageType;
using codec::Packet;

struct Incoming {
  Packet packet;
  // Address of the link the message arrived on (an `interfaces` socket), or 0 when it came
  // in on a `listen` socket (relayed or unicast traffic).
  Ip4 linkAddress = 0;
  // Our address the message was sent to, when known (unicast), else 0.
  Ip4 localAddress = 0;
  Ip4 sourceAddress = 0;
  std::uint16_t sourcePort = 68;
};

struct Outgoing {
  Packet packet;
  Ip4 destination = 0;  // 0xFFFFFFFF = limited broadcast on the receiving link
  std::uint16_t port = 68;
  std::size_t maxSize = codec::kDefaultMaxMessage;
  bool durable = false;  // hold until the lease store has committed
};

struct Stats {
  std::uint64_t received = 0, dropped = 0, offers = 0, acks = 0, naks = 0, declines = 0,
                releases = 0, informs = 0, exhausted = 0;
};

class Server {
 public:
  Server(std::shared_ptr<const Config> config, LeaseStore& store);

  // Handles one message; nullopt = no reply (silence is the answer, or input was bad).
  std::optional<Outgoing> handle(const Incoming& in, std::int64_t now);

  // New subnets and reservations; leases and pending offers are kept.
  void reconfigure(std::shared_ptr<const Config> config);
  // Addresses the server answers as (for option 54 checks), besides config.server_id.
  void setOwnAddresses(std::vector<Ip4> addresses) { own_ = std::move(addresses); }

  const Stats& stats() const { return stats_; }
  const Config& config() const { return *config_; }

 private:
  struct Offer {
    Bytes client;
    std::int64_t expires;
  };
  struct Context;

  std::optional<Outgoing> discover(Context& c);
  std::optional<Outgoing> request(Context& c);
  std::optional<Outgoing> decline(Context& c);
  std::optional<Outgoing> release(Context& c);
  std::optional<Outgoing> inform(Context& c);

  std::optional<Ip4> allocate(Context& c, std::optional<Ip4> requested);
  bool availableTo(Context& c, Ip4 ip) const;
  Outgoing reply(Context& c, MessageType type, Ip4 yiaddr, bool withLease);
  Outgoing nak(Context& c, const char* why);
  Lease commitLease(Context& c, Ip4 ip);
  void dropOffer(const Bytes& client);
  void sweepOffers(std::int64_t now);
  bool isOwn(Ip4 ip, const Context& c) const;

  std::shared_ptr<const Config> config_;
  LeaseStore& store_;
  std::vector<Ip4> own_;
  std::unordered_map<Ip4, Offer> offers_;
  std::unordered_map<std::string, Ip4> offerByClient_;
  // Per pool: the next never-tried address (iterative allocation, as Kea does).
  std::unordered_map<std::uint64_t, Ip4> cursor_;
  std::int64_t lastSweep_ = 0;
  std::int64_t lastExhaustedLog_ = 0;
  Stats stats_;
};

// The key a client's lease is filed under.
Bytes clientKey(const Packet& p);

}  // namespace wk::dhcp::engine
