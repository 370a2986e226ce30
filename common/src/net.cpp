#include "wk/net.hpp"

#include <charconv>

namespace wk {

namespace asio = boost::asio;

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6 needs []
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  boost::system::error_code aec;
  auto address = asio::ip::make_address(std::string(host), aec);
  if (aec) return std::nullopt;
  if (text.starts_with('[') && !address.is_v6()) return std::nullopt;
  return Endpoint{address, static_cast<std::uint16_t>(value)};
}

std::string formatEndpoint(const asio::ip::address& address, std::uint16_t port) {
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

std::string Endpoint::toString() const {
  return formatEndpoint(address, port);
}

asio::ip::address unmapped(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  std::string host(text.substr(0, slash));
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  Cidr c;
  c.v4_ = address.is_v4();
  unsigned maxLength = c.v4_ ? 32 : 128;
  c.length_ = maxLength;
  if (slash != std::string_view::npos) {
    auto len = text.substr(slash + 1);
    unsigned value = 0;
    auto [ptr, perr] = std::from_chars(len.data(), len.data() + len.size(), value);
    if (len.empty() || perr != std::errc{} || ptr != len.data() + len.size() || value > maxLength) {
      return std::nullopt;
    }
    c.length_ = value;
  }
  if (c.v4_) {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), c.bytes_.begin());
  } else {
    auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), c.bytes_.begin());
  }
  // Zero the host bits so "10.1.2.3/8" means 10.0.0.0/8, as in every ACL syntax.
  for (unsigned bit = c.length_; bit < maxLength; ++bit) {
    c.bytes_[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return c;
}

bool Cidr::contains(const asio::ip::address& raw) const {
  auto address = unmapped(raw);
  if (address.is_v4() != v4_) return false;
  std::array<std::uint8_t, 16> other{};
  if (v4_) {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), other.begin());
  } else {
    auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), other.begin());
  }
  unsigned full = length_ / 8;
  if (!std::equal(bytes_.begin(), bytes_.begin() + full, other.begin())) return false;
  unsigned rest = length_ % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF00u >> rest);
  return (bytes_[full] & mask) == (other[full] & mask);
}

std::string Cidr::toString() const {
  std::string host;
  if (v4_) {
    asio::ip::address_v4::bytes_type b;
    std::copy(bytes_.begin(), bytes_.begin() + 4, b.begin());
    host = asio::ip::address_v4(b).to_string();
  } else {
    host = asio::ip::address_v6(bytes_).to_string();
  }
  return host + "/" + std::to_string(length_);
}

bool CidrList::contains(const asio::ip::address& address) const {
  for (const auto& c : items_) {
    if (c.contains(address)) return true;
  }
  return false;
}

}  // namespace wk
