#include "engine/cookie.hpp"

#include <cstring>

namespace wk::dns::engine {
namespace {

inline std::uint64_t rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::size_t addressBytes(const boost::asio::ip::address& a, std::uint8_t* out) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::memcpy(out, b.data(), 4);
    return 4;
  }
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    auto b = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes();
    std::memcpy(out, b.data(), 4);
    return 4;
  }
  auto b = v6.to_bytes();
  std::memcpy(out, b.data(), 16);
  return 16;
}

}  // namespace

std::uint64_t sipHash24(const std::array<std::uint8_t, 16>& key,
                        std::span<const std::uint8_t> data) {
  std::uint64_t k0 = load64(key.data()), k1 = load64(key.data() + 8);
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1,
                v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  };
  std::size_t full = data.size() / 8 * 8;
  for (std::size_t i = 0; i < full; i += 8) {
    std::uint64_t m = load64(data.data() + i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  std::uint64_t last = std::uint64_t(data.size() & 0xff) << 56;
  for (std::size_t i = full; i < data.size(); ++i)
    last |= std::uint64_t(data[i]) << (8 * (i - full));
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

void makeServerCookie(const std::array<std::uint8_t, 16>& secret,
                      std::span<const std::uint8_t, 8> clientCookie,
                      const boost::asio::ip::address& client, std::uint32_t now,
                      std::span<std::uint8_t, 16> out) {
  std::uint8_t input[8 + 8 + 16];
  std::memcpy(input, clientCookie.data(), 8);
  input[8] = 1;  // version
  input[9] = input[10] = input[11] = 0;
  input[12] = static_cast<std::uint8_t>(now >> 24);
  input[13] = static_cast<std::uint8_t>(now >> 16);
  input[14] = static_cast<std::uint8_t>(now >> 8);
  input[15] = static_cast<std::uint8_t>(now);
  std::size_t n = 16 + addressBytes(client, input + 16);
  std::uint64_t h = sipHash24(secret, {input, n});
  std::memcpy(out.data(), input + 8, 8);
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<std::uint8_t>(h >> (8 * i));
}

bool validServerCookie(const std::array<std::uint8_t, 16>& secret,
                       std::span<const std::uint8_t, 8> clientCookie,
                       std::span<const std::uint8_t> serverCookie,
                       const boost::asio::ip::address& client, std::uint32_t now) {
  if (serverCookie.size() != 16 || serverCookie[0] != 1) return false;
  std::uint32_t ts = std::uint32_t{serverCookie[4]} << 24 | std::uint32_t{serverCookie[5]} << 16 |
                     std::uint32_t{serverCookie[6]} << 8 | serverCookie[7];
  std::int32_t age = static_cast<std::int32_t>(now - ts);  // serial arithmetic
  if (age > 3600 || age < -300) return false;
  std::uint8_t expect[16];
  makeServerCookie(secret, clientCookie, client, ts, expect);
  return std::memcmp(expect, serverCookie.data(), 16) == 0;
}

}  // namespace wk::dns::engine
