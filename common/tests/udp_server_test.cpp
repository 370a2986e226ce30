#include "wk/udp_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

namespace wk {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

// Runs a runtime with a UDP server in the background for the duration of a test.
struct UdpFixture {
  Runtime rt{2};
  UdpServer server;
  std::thread thread;

  explicit UdpFixture(UdpHandlerFactory factory, std::vector<Endpoint> eps)
      : server(rt, UdpOptions{.endpoints = std::move(eps)}, std::move(factory)) {
    server.start();
    thread = std::thread([this] { rt.run(); });
  }
  ~UdpFixture() {
    rt.requestStop();
    thread.join();
  }
};

std::string ask(const udp::endpoint& to, const std::string& payload) {
  asio::io_context io;
  udp::socket s(io, udp::endpoint(to.protocol(), 0));
  s.send_to(asio::buffer(payload), to);
  // Blocking receive with a timeout via SO_RCVTIMEO.
  timeval tv{2, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[65536];
  udp::endpoint from;
  boost::system::error_code ec;
  auto n = s.receive_from(asio::buffer(buf), from, 0, ec);
  if (ec) return "<" + ec.message() + ">";
  return std::string(buf, n);
}

UdpHandlerFactory upperCaser() {
  return [](unsigned thread) {
    return [thread](const UdpPacket& p, std::span<std::uint8_t> out) -> std::size_t {
      if (p.data.empty()) return 0;  // no reply
      std::string text(p.data.begin(), p.data.end());
      if (text == "who") text = "thread" + std::to_string(thread);
      for (auto& c : text) c = static_cast<char>(std::toupper(c));
      std::copy(text.begin(), text.end(), out.begin());
      return text.size();
    };
  };
}

TEST(UdpServer, AnswersOnIpv4AndIpv6WithPortZeroResolved) {
  UdpFixture f(upperCaser(), {*Endpoint::parse("127.0.0.1:0"), *Endpoint::parse("[::1]:0")});
  auto eps = f.server.localEndpoints();
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_NE(eps[0].port(), 0);
  EXPECT_EQ(ask(eps[0], "hello"), "HELLO");
  EXPECT_EQ(ask(eps[1], "six"), "SIX");
}

TEST(UdpServer, ManyClientsSpreadOverThreads) {
  UdpFixture f(upperCaser(), {*Endpoint::parse("127.0.0.1:0")});
  auto ep = f.server.localEndpoints()[0];
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) seen.insert(ask(ep, "who"));
  // SO_REUSEPORT hashes by source port; 64 sources reach both threads' sockets.
  EXPECT_EQ(seen, (std::set<std::string>{"THREAD0", "THREAD1"}));
}

TEST(UdpServer, LargeDatagramsAreNotCut) {
  UdpFixture f(upperCaser(), {*Endpoint::parse("127.0.0.1:0")});
  std::string big(60000, 'a');
  EXPECT_EQ(ask(f.server.localEndpoints()[0], big), std::string(60000, 'A'));
}

TEST(UdpServer, BindFailureThrowsWithEndpoint) {
  Runtime rt(1);
  asio::io_context io;
  udp::socket holder(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = holder.local_endpoint().port();
  UdpServer server(rt,
                   UdpOptions{.endpoints = {*Endpoint::parse("127.0.0.1:" + std::to_string(port))}},
                   upperCaser());
  try {
    server.start();
    FAIL() << "bound a busy port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot bind udp 127.0.0.1:" + std::to_string(port)),
              std::string::npos);
  }
}

}  // namespace
}  // namespace wk
