#pragma once
// The resolver's real upstream: one fresh UDP socket per query, bound to a source port and
// sending an ID both drawn from the kernel CSPRNG (getrandom); a reply counts only if it
// comes from the address and port asked, with the same ID and question (anything else is
// ignored and we keep listening until the deadline). TCP (RFC 7766 framing) for TC retries.
#include <boost/asio/any_io_executor.hpp>

#include "resolver/upstream.hpp"

namespace wk::dns::io {

// Bytes from getrandom(2) (a local helper: common/ has no CSPRNG).
void secureRandom(void* out, std::size_t length);

class AsioUpstream final : public resolver::Upstream {
 public:
  explicit AsioUpstream(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  boost::asio::awaitable<resolver::UpstreamReply> query(resolver::UpstreamQuery q) override;

 private:
  boost::asio::awaitable<resolver::UpstreamReply> queryUdp(resolver::UpstreamQuery q,
                                                           std::uint16_t id);
  boost::asio::awaitable<resolver::UpstreamReply> queryTcp(resolver::UpstreamQuery q,
                                                           std::uint16_t id);
  boost::asio::any_io_executor executor_;
};

}  // namespace wk::dns::io
