#include "io/notify.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "codec/message.hpp"
#include "codec/types.hpp"

namespace wk::dns::io {

namespace asio = boost::asio;

void sendNotifies(const codec::Name& apex, std::uint32_t serial,
                  const std::vector<Endpoint>& targets) {
  std::random_device rd;
  for (const auto& target : targets) {
    codec::Message m;
    m.header.id = static_cast<std::uint16_t>(rd());
    m.header.opcode = codec::opcode::kNotify;
    m.header.aa = true;
    m.questions.push_back({apex, codec::type::kSOA, codec::rclass::kIN});
    std::vector<std::uint8_t> wire;
    codec::writeMessage(m, wire);
    // Plain blocking POSIX calls with poll() timeouts: this runs on its own thread.
    auto to = target.udp();
    int fd = ::socket(to.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    bool acked = false;
    for (int attempt = 0; attempt < 3 && !acked; ++attempt) {
      ::sendto(fd, wire.data(), wire.size(), 0, to.data(), static_cast<socklen_t>(to.size()));
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      while (!acked) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        std::uint8_t reply[512];
        asio::ip::udp::endpoint from;
        socklen_t fromLen = static_cast<socklen_t>(from.capacity());
        ssize_t n = ::recvfrom(fd, reply, sizeof reply, 0, from.data(), &fromLen);
        if (n < 0) break;
        from.resize(fromLen);
        acked = static_cast<std::size_t>(n) >= codec::kHeaderSize && from == to &&
                reply[0] == wire[0] && reply[1] == wire[1] && (reply[2] & 0x80);
      }
    }
    ::close(fd);
    if (acked)
      spdlog::info("notify {} serial {} to {}: acknowledged", apex.toText(), serial,
                   target.toString());
    else
      spdlog::warn("notify {} serial {} to {}: no answer", apex.toText(), serial,
                   target.toString());
  }
}

}  // namespace wk::dns::io
