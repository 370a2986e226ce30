#pragma once
// Linux socket plumbing DHCP needs and common's UdpServer does not give: one socket per
// link (SO_BINDTODEVICE, broadcast), the receiving interface and destination of each
// datagram (IP_PKTINFO), and batched non-blocking receive. Addresses in host order.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wk::dhcp::io {

struct LinkInfo {
  std::string name;
  unsigned index = 0;
  std::uint32_t address = 0;  // the first IPv4 address on the interface (0 if none)
};

// Looks the interface up; nullopt if it does not exist.
std::optional<LinkInfo> findLink(const std::string& name);
// Every IPv4 address of this host (for "is this server id ours").
std::vector<std::uint32_t> localAddresses();

// A UDP socket bound to address:port; with `device`, bound to that interface too.
// Broadcast and IP_PKTINFO enabled, non-blocking. Throws std::system_error.
int openSocket(std::uint32_t address, std::uint16_t port, const std::string& device = "");
std::uint16_t localPort(int fd);

struct Datagram {
  std::size_t size = 0;
  std::uint32_t source = 0;
  std::uint16_t sourcePort = 0;
  unsigned ifindex = 0;
  std::uint32_t destination = 0;   // the header destination (may be broadcast)
  std::uint32_t localAddress = 0;  // our address on the receiving interface
};

// One non-blocking receive; nullopt when nothing is waiting (or on error).
std::optional<Datagram> receive(int fd, std::span<std::uint8_t> buffer);
// Sends a datagram; false on error (logged by the caller if it cares).
bool send(int fd, std::span<const std::uint8_t> data, std::uint32_t to, std::uint16_t port);

}  // namespace wk::dhcp::io
