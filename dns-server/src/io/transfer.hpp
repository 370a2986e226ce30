#pragma once
// AXFR out (RFC 5936) over TCP, also the answer to IXFR (RFC 1995 4: a full transfer is a
// valid IXFR response when no differences are kept).

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <vector>

#include "codec/message.hpp"
#include "io/service.hpp"

namespace wk::dns::io {

// Builds the transfer messages; false when refused (not a zone apex, or the client is not
// in the zone's allow_transfer).
bool buildTransfer(const Snapshot& snapshot, const codec::Question& question, std::uint16_t id,
                   const boost::asio::ip::address& client,
                   std::vector<std::vector<std::uint8_t>>& messages);

}  // namespace wk::dns::io
