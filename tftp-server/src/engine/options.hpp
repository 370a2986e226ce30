#pragma once
// Option negotiation: RFC 2347 (OACK), 2348 (blksize), 2349 (timeout, tsize), 7440
// (windowsize). Unknown options and out-of-range values are left out of the OACK, which
// is how RFC 2347 says a server declines them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec/packet.hpp"

namespace wk::tftp::engine {

// A window never holds more than this many bytes, whatever the client asks: it bounds
// what one session may make us buffer and what one burst puts on the wire.
inline constexpr std::size_t kMaxWindowBytes = 256 << 10;
inline constexpr std::uint16_t kMaxWindowsize = 64;

struct Negotiated {
  std::uint16_t blksize = 512;
  std::uint16_t windowsize = 1;
  std::chrono::milliseconds timeout{1000};
  std::optional<std::uint64_t> tsize;  // WRQ: the size the client announced
  // The OACK's options, in the client's order and spelling; empty = no OACK.
  std::vector<std::pair<std::string, std::string>> accepted;
};

struct NegotiationLimits {
  std::uint32_t maxBlksize = 65464;
  std::chrono::milliseconds timeout{1000};
};

// fileSize: for a read, the size to report as tsize (nullopt when it cannot be known in
// advance, as in netascii mode).
Negotiated negotiate(const codec::Request& request, const NegotiationLimits& limits,
                     std::optional<std::uint64_t> fileSize);

// A decimal option value; nullopt for anything but 1..20 digits that fit.
std::optional<std::uint64_t> parseDecimal(std::string_view text);

}  // namespace wk::tftp::engine
