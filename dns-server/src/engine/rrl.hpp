#pragma once
// Response rate limiting (the [rrl] table): a token bucket per client network (/24 for
// IPv4, /56 for IPv6). Over the limit, every `slip`-th response goes out truncated (TC=1,
// no records, so a real client retries over TCP) and the rest are dropped; slip 0 drops
// all. Reflection attacks spoof UDP sources, so only UDP is limited.
//
// One limiter per thread: a fixed table, no allocation and no lock per packet. A client's
// datagrams may be spread over threads, so each thread enforces the configured rate
// divided by the thread count.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <vector>

#include "wk/net.hpp"

namespace wk::dns::engine {

class RateLimiter {
 public:
  enum class Action : std::uint8_t { kSend, kSlip, kDrop };

  // ratePerSecond 0 = off. entries: table size (rounded up to a power of two).
  RateLimiter(double ratePerSecond, unsigned slip, std::size_t entries = 4096);

  bool enabled() const { return rate_ > 0; }
  Action check(const boost::asio::ip::address& client, double now);

 private:
  struct Entry {
    std::uint64_t key = 0;
    bool used = false;
    TokenBucket bucket{0, 0};
    unsigned over = 0;  // responses over the limit so far (for slip)
  };
  double rate_;
  unsigned slip_;
  std::vector<Entry> table_;
  std::size_t mask_;
};

}  // namespace wk::dns::engine
