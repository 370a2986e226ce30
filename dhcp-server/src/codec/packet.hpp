#pragma once
// BOOTP/DHCP messages (RFC 2131, 2132): parse and serialise, including option overload
// (52), long options split over several instances (RFC 3396), relay agent information
// (82, RFC 3046), classless static routes (121, RFC 3442) and the domain search list
// (119, RFC 3397). No I/O; nothing here throws on bad input.
//
// IPv4 addresses are std::uint32_t in host byte order throughout dhcp-server.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wk/result.hpp"

namespace wk::dhcp::codec {

using Ip4 = std::uint32_t;
using Bytes = std::vector<std::uint8_t>;

enum class Error {
  kTruncated = 1,  // shorter than the fixed BOOTP header
  kBadCookie,      // no DHCP magic cookie (plain BOOTP is not served)
  kBadOption,      // an option runs past its field
  kBadOverload,    // option 52 with a bad value or repeated inside sname/file
  kNoMessageType,  // option 53 missing or out of range
};
const boost::system::error_category& errorCategory();
inline ErrorCode make_error_code(Error e) {
  return {static_cast<int>(e), errorCategory()};
}

enum class MessageType : std::uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};
std::string_view toString(MessageType t);

namespace opt {
inline constexpr std::uint8_t kPad = 0, kSubnetMask = 1, kRouters = 3, kDnsServers = 6,
                              kHostname = 12, kDomainName = 15, kBroadcast = 28, kNtp = 42,
                              kRequestedIp = 50, kLeaseTime = 51, kOverload = 52, kMessageType = 53,
                              kServerId = 54, kParamList = 55, kMessage = 56, kMaxSize = 57,
                              kT1 = 58, kT2 = 59, kClientId = 61, kRelayAgent = 82,
                              kDomainSearch = 119, kClasslessRoutes = 121, kEnd = 255;
}

inline constexpr std::uint8_t kBootRequest = 1;
inline constexpr std::uint8_t kBootReply = 2;
inline constexpr std::uint16_t kBroadcastFlag = 0x8000;
inline constexpr std::size_t kFixedSize = 236;               // BOOTP header without the cookie
inline constexpr std::size_t kMinMessage = 300;              // BOOTP minimum, padded to it
inline constexpr std::size_t kDefaultMaxMessage = 576 - 28;  // RFC 2131: 576-byte datagram

// Options in the order they appeared; repeated instances of one code are concatenated
// (RFC 3396), so each code appears at most once here.
class Options {
 public:
  struct Item {
    std::uint8_t code;
    Bytes value;
  };
  const Bytes* find(std::uint8_t code) const;
  bool has(std::uint8_t code) const { return find(code) != nullptr; }
  void set(std::uint8_t code, Bytes value);  // replaces, or appends at the end
  void append(std::uint8_t code, std::span<const std::uint8_t> value);  // concatenates
  void remove(std::uint8_t code);
  const std::vector<Item>& items() const { return items_; }
  void clear() { items_.clear(); }

  // Typed accessors; nullopt when absent or of the wrong length.
  std::optional<std::uint8_t> u8(std::uint8_t code) const;
  std::optional<std::uint16_t> u16(std::uint8_t code) const;
  std::optional<std::uint32_t> u32(std::uint8_t code) const;
  std::optional<Ip4> ip(std::uint8_t code) const { return u32(code); }
  void setU8(std::uint8_t code, std::uint8_t v) { set(code, {v}); }
  void setU16(std::uint8_t code, std::uint16_t v);
  void setU32(std::uint8_t code, std::uint32_t v);
  void setIp(std::uint8_t code, Ip4 v) { setU32(code, v); }
  void setIps(std::uint8_t code, std::span<const Ip4> v);
  void setText(std::uint8_t code, std::string_view v);

 private:
  std::vector<Item> items_;
};

struct Packet {
  std::uint8_t op = kBootRequest;
  std::uint8_t htype = 1;
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  Ip4 ciaddr = 0;
  Ip4 yiaddr = 0;
  Ip4 siaddr = 0;
  Ip4 giaddr = 0;
  std::array<std::uint8_t, 16> chaddr{};
  std::array<std::uint8_t, 64> sname{};
  std::array<std::uint8_t, 128> file{};
  Options options;

  std::optional<MessageType> messageType() const;
  bool broadcast() const { return (flags & kBroadcastFlag) != 0; }
  // The hardware address (first min(hlen, 16) bytes of chaddr).
  std::span<const std::uint8_t> hardwareAddress() const;
};

// Parses a message. Requires the magic cookie and a valid option 53 (the server and relay
// only handle DHCP, not plain BOOTP).
Result<Packet> parse(std::span<const std::uint8_t> data);

// Serialises into `out` (cleared first). The message never exceeds maxSize (at least
// kDefaultMaxMessage is assumed); options that do not fit the options field go into
// `file` and then `sname` with option 52 set; what still does not fit is dropped, lowest
// priority (latest) first. Returns false if even the mandatory options did not fit.
bool serialize(const Packet& packet, std::vector<std::uint8_t>& out,
               std::size_t maxSize = kDefaultMaxMessage);

// --- option value formats -------------------------------------------------------------

// Option 82 sub-options (RFC 3046): 1 = circuit id, 2 = remote id.
struct SubOption {
  std::uint8_t code;
  Bytes value;
};
std::optional<std::vector<SubOption>> parseSubOptions(std::span<const std::uint8_t> value);
Bytes encodeSubOptions(std::span<const SubOption> subs);

// Option 121 (RFC 3442).
struct Route {
  Ip4 destination = 0;
  std::uint8_t prefix = 0;
  Ip4 router = 0;
  bool operator==(const Route&) const = default;
};
Bytes encodeRoutes(std::span<const Route> routes);
std::optional<std::vector<Route>> parseRoutes(std::span<const std::uint8_t> value);

// Option 119 (RFC 3397): DNS names, with compression pointers within the option.
// encode returns nullopt for a name that is not a valid DNS name.
std::optional<Bytes> encodeDomainSearch(std::span<const std::string> names);
std::optional<std::vector<std::string>> parseDomainSearch(std::span<const std::uint8_t> value);

// "a.b.c.d" <-> Ip4.
std::optional<Ip4> parseIp(std::string_view text);
std::string formatIp(Ip4 ip);
std::string formatHex(std::span<const std::uint8_t> bytes, char sep = ':');

}  // namespace wk::dhcp::codec

template <>
struct boost::system::is_error_code_enum<wk::dhcp::codec::Error> : std::true_type {};
