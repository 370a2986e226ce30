#include "links.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace wk::dhcp::io {

std::optional<LinkInfo> findLink(const std::string& name) {
  unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) return std::nullopt;
  LinkInfo info{name, index, 0};
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || name != a->ifa_name) continue;
      info.address = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
      break;
    }
    ::freeifaddrs(list);
  }
  return info;
}

std::vector<std::uint32_t> localAddresses() {
  std::vector<std::uint32_t> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a; a = a->ifa_next)
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET)
      out.push_back(ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr));
  ::freeifaddrs(list);
  return out;
}

int openSocket(std::uint32_t address, std::uint16_t port, const std::string& device) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  auto fail = [fd](const char* what) {
    int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), what);
  };
  int one = 1;
  // Several of our sockets share port 67 (one per link plus the plain listener).
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) fail("SO_REUSEADDR");
  if (::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) fail("SO_BROADCAST");
  if (::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0) fail("IP_PKTINFO");
  int buf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);  // best effort
  if (!device.empty() && ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                                      static_cast<socklen_t>(device.size())) < 0)
    fail(("SO_BINDTODEVICE " + device).c_str());
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) fail("bind");
  return fd;
}

std::uint16_t localPort(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) < 0) return 0;
  return ntohs(sa.sin_port);
}

std::optional<Datagram> receive(int fd, std::span<std::uint8_t> buffer) {
  sockaddr_in from{};
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return std::nullopt;
  Datagram d;
  d.size = static_cast<std::size_t>(n);
  if (msg.msg_flags & MSG_TRUNC) d.size = 0;  // larger than any DHCP message we accept
  d.source = ntohl(from.sin_addr.s_addr);
  d.sourcePort = ntohs(from.sin_port);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      d.ifindex = static_cast<unsigned>(info.ipi_ifindex);
      d.destination = ntohl(info.ipi_addr.s_addr);
      d.localAddress = ntohl(info.ipi_spec_dst.s_addr);
    }
  }
  return d;
}

bool send(int fd, std::span<const std::uint8_t> data, std::uint32_t to, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(to);
  sa.sin_port = htons(port);
  return ::sendto(fd, data.data(), data.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sa),
                  sizeof sa) == static_cast<ssize_t>(data.size());
}

}  // namespace wk::dhcp::io
