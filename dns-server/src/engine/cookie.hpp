#pragma once
// DNS server cookies (RFC 7873, interoperable form of RFC 9018): version 1, a timestamp
// and SipHash-2-4 over client cookie | version | reserved | timestamp | client address.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <span>

namespace wk::dns::engine {

std::uint64_t sipHash24(const std::array<std::uint8_t, 16>& key,
                        std::span<const std::uint8_t> data);

// Writes the 16-byte server cookie for a client cookie at time `now` (seconds).
void makeServerCookie(const std::array<std::uint8_t, 16>& secret,
                      std::span<const std::uint8_t, 8> clientCookie,
                      const boost::asio::ip::address& client, std::uint32_t now,
                      std::span<std::uint8_t, 16> out);

// A received server cookie is valid if it is ours, for this client, and not older than an
// hour nor more than five minutes in the future (RFC 9018 4.3).
bool validServerCookie(const std::array<std::uint8_t, 16>& secret,
                       std::span<const std::uint8_t, 8> clientCookie,
                       std::span<const std::uint8_t> serverCookie,
                       const boost::asio::ip::address& client, std::uint32_t now);

}  // namespace wk::dns::engine
