#pragma once
// The resolver's one seam onto the network: "send this query to this server, give me the
// answer or a timeout". The real one (io/upstream_asio) uses a fresh socket with a random
// source port and ID per query and only accepts a reply from the address asked, with the
// same ID and question. Tests plug in a fake hierarchy.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>

#include "codec/message.hpp"

namespace wk::dns::resolver {

struct UpstreamQuery {
  boost::asio::ip::address server;
  std::uint16_t port = 53;
  codec::Message query;  // the ID is chosen by the upstream
  bool tcp = false;
  std::chrono::milliseconds timeout{1500};
};

struct UpstreamReply {
  enum class Status { kOk, kTimeout, kError };
  Status status = Status::kTimeout;
  codec::Message message;
};

class Upstream {
 public:
  virtual ~Upstream() = default;
  virtual boost::asio::awaitable<UpstreamReply> query(UpstreamQuery q) = 0;
};

}  // namespace wk::dns::resolver
