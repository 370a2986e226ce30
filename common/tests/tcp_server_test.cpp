#include "wk/tcp_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "wk/tls.hpp"

namespace wk {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct Settings {
  std::size_t maxLine = 64;
  std::shared_ptr<asio::ssl::context> starttls;
};

// A line protocol: "x" -> "got x", "len" of over-long lines -> "too long",
// "tls" -> "ok" then STARTTLS, "bytes N" -> reads N raw bytes and echoes their count.
asio::awaitable<void> lineSession(Settings* settings, Connection& conn) {
  for (;;) {
    auto line = co_await conn.readLine(settings->maxLine);
    if (!line) {
      if (line.error() == boost::system::errc::message_size) {
        co_await conn.write("too long\r\n");
        if (!co_await conn.skipLine()) co_return;
        continue;
      }
      co_return;
    }
    if (line->text == "tls") {
      co_await conn.write("ok\r\n");
      if (!co_await conn.startTls(*settings->starttls)) co_return;
      continue;
    }
    if (line->text.starts_with("bytes ")) {
      std::vector<std::uint8_t> buf(std::stoul(line->text.substr(6)));
      if (!co_await conn.readExactly(buf)) co_return;
      co_await conn.write("read " + std::to_string(buf.size()) + "\r\n");
      continue;
    }
    std::string ending = line->crlf ? "" : " (bare LF)";
    co_await conn.write("got " + line->text + ending + (conn.isTls() ? " over tls" : "") + "\r\n");
  }
}

struct TcpFixture {
  Settings settings;
  Runtime rt;
  TcpServer server;
  std::thread thread;

  explicit TcpFixture(TcpOptions options, unsigned threads = 2)
      : rt(threads), server(rt, std::move(options), [this](Connection& c) {
          return lineSession(&settings, c);
        }) {
    settings.starttls = tls::makeServerContext({});
    server.start();
    thread = std::thread([this] { rt.run(); });
  }
  ~TcpFixture() {
    rt.requestStop();
    thread.join();
  }
  tcp::endpoint endpoint() const { return server.localEndpoints().at(0); }
};

struct Client {
  asio::io_context io;
  tcp::socket socket{io};
  asio::streambuf buf;

  explicit Client(const tcp::endpoint& ep) {
    socket.connect(ep);
    timeval tv{3, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::string& text) { asio::write(socket, asio::buffer(text)); }
  std::string line() {
    boost::system::error_code ec;
    asio::read_until(socket, buf, "\r\n", ec);
    if (ec) return "<" + ec.message() + ">";
    std::istream in(&buf);
    std::string l;
    std::getline(in, l);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    return l;
  }
};

TcpOptions options(std::string ep = "127.0.0.1:0") {
  return TcpOptions{.endpoints = {*Endpoint::parse(ep)}};
}

TEST(TcpServer, LinesPipelinedCrlfAndBareLf) {
  TcpFixture f(options());
  Client c(f.endpoint());
  c.send("one\r\ntwo\nthree\r\n");
  EXPECT_EQ(c.line(), "got one");
  EXPECT_EQ(c.line(), "got two (bare LF)");
  EXPECT_EQ(c.line(), "got three");
}

TEST(TcpServer, LineLimitAndRecovery) {
  TcpFixture f(options());
  Client c(f.endpoint());
  c.send(std::string(64, 'a') + "\r\n");  // exactly the limit is fine
  EXPECT_EQ(c.line(), "got " + std::string(64, 'a'));
  c.send(std::string(100000, 'b') + "\r\nafter\r\n");
  EXPECT_EQ(c.line(), "too long");
  EXPECT_EQ(c.line(), "got after");
}

TEST(TcpServer, ExactReadsMixWithLines) {
  TcpFixture f(options());
  Client c(f.endpoint());
  c.send("bytes 5\r\nabcdeline\r\n");
  EXPECT_EQ(c.line(), "read 5");
  EXPECT_EQ(c.line(), "got line");
}

TEST(TcpServer, IdleTimeoutClosesConnection) {
  auto o = options();
  o.idleTimeout = 300ms;
  TcpFixture f(o);
  Client c(f.endpoint());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.line(), "<End of file>");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(TcpServer, MaxSessionTimeCapsBusyConnections) {
  auto o = options();
  o.idleTimeout = 10s;
  o.maxSessionTime = 400ms;
  TcpFixture f(o);
  Client c(f.endpoint());
  auto start = std::chrono::steady_clock::now();
  std::string last;
  for (int i = 0; i < 50 && last.find('<') == std::string::npos; ++i) {
    c.send("ping\r\n");  // an active client: the idle timeout never fires
    last = c.line();
    std::this_thread::sleep_for(50ms);
  }
  // Closed by the server: EOF, or a reset when our last ping was still unread.
  EXPECT_TRUE(last == "<End of file>" || last == "<Connection reset by peer>") << last;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(TcpServer, MaxConnectionsRefusesExtraWithBusyMessage) {
  auto o = options();
  o.maxConnections = 2;
  o.busyMessage = "busy\r\n";
  TcpFixture f(o, 1);
  Client a(f.endpoint()), b(f.endpoint());
  a.send("a\r\n");
  b.send("b\r\n");
  EXPECT_EQ(a.line(), "got a");
  EXPECT_EQ(b.line(), "got b");
  Client c(f.endpoint());
  EXPECT_EQ(c.line(), "busy");
  EXPECT_EQ(c.line(), "<End of file>");
  EXPECT_EQ(f.server.connections(), 2u);
}

TEST(TcpServer, StartTlsDiscardsPipelinedPlaintext) {
  TcpFixture f(options());
  Client c(f.endpoint());
  c.send("tls\r\ninjected\r\n");
  EXPECT_EQ(c.line(), "ok");
  std::this_thread::sleep_for(100ms);  // let "injected" arrive before the handshake
  auto ctx = tls::makeClientContext(false);
  asio::ssl::stream<tcp::socket&> tlsStream(c.socket, *ctx);
  tlsStream.handshake(asio::ssl::stream_base::client);
  asio::write(tlsStream, asio::buffer(std::string("hello\r\n")));
  asio::streambuf buf;
  asio::read_until(tlsStream, buf, "\r\n");
  std::string reply((std::istreambuf_iterator<char>(&buf)), {});
  EXPECT_EQ(reply, "got hello over tls\r\n");  // not "got injected"
}

TEST(TcpServer, ImplicitTlsWithAlpn) {
  auto o = options();
  o.proto = "tls";
  o.tls = tls::makeServerContext({.alpn = {"h2x", "wk/1"}});
  TcpFixture f(o);
  asio::io_context io;
  auto ctx = tls::makeClientContext(false);
  const unsigned char protos[] = "\x04wk/1";
  SSL_CTX_set_alpn_protos(ctx->native_handle(), protos, sizeof protos - 1);
  asio::ssl::stream<tcp::socket> s(io, *ctx);
  s.next_layer().connect(f.endpoint());
  s.handshake(asio::ssl::stream_base::client);
  const unsigned char* selected = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(s.native_handle(), &selected, &len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(selected), len), "wk/1");
  asio::write(s, asio::buffer(std::string("x\r\n")));
  asio::streambuf buf;
  asio::read_until(s, buf, "\r\n");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(&buf)), {}), "got x over tls\r\n");
}

TEST(TcpServer, GracefulStopClosesIdleConnections) {
  auto f = std::make_unique<TcpFixture>(options());
  Client c(f->endpoint());
  c.send("hi\r\n");
  EXPECT_EQ(c.line(), "got hi");
  auto start = std::chrono::steady_clock::now();
  f.reset();  // requestStop + join: must not wait for the idle client
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(c.line(), "<End of file>");
}

}  // namespace
}  // namespace wk
