#pragma once
// dns-server's recursive service (issue 4): the [resolver] config keys, and the glue
// between the UDP/TCP front end and the resolver engine. Cache hits are answered on the
// receiving thread straight from the sharded cache; misses go to one resolver thread (its
// own io_context, where identical questions are coalesced) and the answer is sent back
// from the receiving socket's thread.
//
//   [resolver] enabled, allow (CIDRs), root_hints (named.root file, "" = IANA built in),
//              forwarders (["ip:port"]), cache_size, max_ttl, max_negative_ttl,
//              serve_stale, qname_minimisation
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <memory>
#include <span>
#include <thread>

#include "codec/message.hpp"
#include "io/resolver_config.hpp"
#include "resolver/resolver.hpp"
#include "wk/config.hpp"
#include "wk/net.hpp"
#include "wk/runtime.hpp"

namespace wk::dns::io {

class AsioUpstream;

class Recursion {
 public:
  Recursion(Runtime& runtime, RecursionConfig config);
  ~Recursion();

  bool allowed(const boost::asio::ip::address& client) const;

  // Handles a client query the authoritative side refused (a name outside our zones).
  // Returns the reply length written to `reply` when the cache answers at once; 0 when
  // the answer will be sent later through `socket` (or when nothing is sent).
  std::size_t handleUdp(std::span<const std::uint8_t> query,
                        const std::shared_ptr<boost::asio::ip::udp::socket>& socket,
                        const boost::asio::ip::udp::endpoint& from, std::span<std::uint8_t> reply);

  // The same for TCP: `done(wire)` is invoked on the resolver thread with the full answer.
  void resolveWire(std::span<const std::uint8_t> query, std::size_t sizeLimit,
                   std::function<void(std::vector<std::uint8_t>)> done);

  const resolver::Resolver& engine() const { return *resolver_; }
  resolver::Cache& cache() { return *cache_; }

 private:
  Runtime& runtime_;
  RecursionConfig config_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<resolver::Cache> cache_;
  std::unique_ptr<AsioUpstream> upstream_;
  std::unique_ptr<resolver::Resolver> resolver_;
  std::thread thread_;
};

// resolveWire as an awaitable completing on the caller's executor (the TCP session's).
boost::asio::awaitable<std::vector<std::uint8_t>> resolveOverTcp(Recursion* recursion,
                                                                 std::vector<std::uint8_t> query);

// Sets RA in a built reply (for clients that may recurse).
inline void setRecursionAvailable(std::span<std::uint8_t> reply) {
  if (reply.size() >= 4) reply[3] |= 0x80;
}

}  // namespace wk::dns::io
