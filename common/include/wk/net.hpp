#pragma once
// Addresses for config and ACLs: endpoints ("127.0.0.1:53", "[::1]:53"), CIDR prefixes
// and lists of them, and a token bucket for rate limits. Pure values, no sockets.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wk {

struct Endpoint {
  boost::asio::ip::address address;
  std::uint16_t port = 0;

  // "1.2.3.4:53" or "[::1]:53". Returns nullopt (never throws) on anything else.
  static std::optional<Endpoint> parse(std::string_view text);
  std::string toString() const;

  boost::asio::ip::udp::endpoint udp() const { return {address, port}; }
  boost::asio::ip::tcp::endpoint tcp() const { return {address, port}; }
  bool operator==(const Endpoint&) const = default;
};

// "host:port" text for any asio endpoint, IPv6 in brackets (as the listening log line uses).
std::string formatEndpoint(const boost::asio::ip::address& address, std::uint16_t port);
template <class AsioEndpoint>
std::string formatEndpoint(const AsioEndpoint& ep) {
  return formatEndpoint(ep.address(), ep.port());
}

// An IPv4 or IPv6 prefix. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4 prefixes,
// so an ACL written in IPv4 still applies to clients of a dual-stack socket.
class Cidr {
 public:
  // "10.0.0.0/8", "::1/128", or a bare address (a host prefix).
  static std::optional<Cidr> parse(std::string_view text);

  bool contains(const boost::asio::ip::address& address) const;
  std::string toString() const;
  bool isV4() const { return v4_; }
  unsigned prefixLength() const { return length_; }

 private:
  std::array<std::uint8_t, 16> bytes_{};
  unsigned length_ = 0;
  bool v4_ = true;
};

class CidrList {
 public:
  CidrList() = default;
  explicit CidrList(std::vector<Cidr> items) : items_(std::move(items)) {}

  bool contains(const boost::asio::ip::address& address) const;
  bool empty() const { return items_.empty(); }
  const std::vector<Cidr>& items() const { return items_; }

 private:
  std::vector<Cidr> items_;
};

// The address with IPv4-mapped IPv6 unwrapped to plain IPv4.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

// A classic token bucket. Time is passed in (seconds as double) so tests control the
// clock and callers reuse one clock reading for many buckets.
class TokenBucket {
 public:
  TokenBucket(double ratePerSecond, double burst)
      : rate_(ratePerSecond), burst_(burst), tokens_(burst) {}

  // Takes one token if available. A rate of 0 means unlimited.
  bool take(double now) {
    if (rate_ <= 0) return true;
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  double tokens(double now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(double now) {
    if (now > last_) {
      tokens_ = std::min(burst_, tokens_ + (now - last_) * rate_);
      last_ = now;
    }
  }

  double rate_;
  double burst_;
  double tokens_;
  double last_ = 0;
};

}  // namespace wk
