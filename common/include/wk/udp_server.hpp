#pragma once
// Datagram in -> handler -> datagram out, on one SO_REUSEPORT socket per endpoint per
// thread. The receive loop drains the socket with recvmmsg and answers with sendmmsg, so
// the per-packet cost is the handler's own work.
//
// The handler is synchronous: it writes its reply into `reply` and returns the length
// (0 = no reply). A handler that answers later (a resolver) keeps packet.socket and
// calls sendTo() from that socket's thread; it should hold a Runtime::InFlight meanwhile.

#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "wk/net.hpp"
#include "wk/runtime.hpp"

namespace wk {

struct UdpPacket {
  std::span<const std::uint8_t> data;
  boost::asio::ip::udp::endpoint from;
  unsigned thread = 0;
  const std::shared_ptr<boost::asio::ip::udp::socket>& socket;
};

using UdpHandler = std::function<std::size_t(const UdpPacket&, std::span<std::uint8_t> reply)>;
// Called once per worker thread, so each thread's handler owns its own buffers and state.
using UdpHandlerFactory = std::function<UdpHandler(unsigned thread)>;

struct UdpOptions {
  std::vector<Endpoint> endpoints;
  std::size_t receiveBuffer = 4 << 20;  // SO_RCVBUF, bytes
  std::size_t batch = 32;               // datagrams per recvmmsg
};

class UdpServer {
 public:
  UdpServer(Runtime& runtime, UdpOptions options, UdpHandlerFactory factory);
  ~UdpServer();

  // Binds every endpoint on every thread and logs "listening udp ADDR:PORT" per endpoint.
  // Port 0 is resolved once so that all threads share the same real port.
  void start();
  // Stops receiving (what a graceful stop calls; registered with the runtime by start()).
  void stop();
  std::vector<boost::asio::ip::udp::endpoint> localEndpoints() const;

 private:
  struct Worker;
  Runtime& runtime_;
  UdpOptions options_;
  UdpHandlerFactory factory_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::vector<boost::asio::ip::udp::endpoint> bound_;
};

// Sends one datagram now (non-blocking); a full socket buffer drops it, as UDP may.
void sendTo(boost::asio::ip::udp::socket& socket, std::span<const std::uint8_t> data,
            const boost::asio::ip::udp::endpoint& to);

}  // namespace wk
