// wk-echo: a throw-away daemon that exercises common/'s runtime end to end, so the
// runtime is proven by a real process before any real protocol depends on it.
//
//   UDP: replies "<prefix><datagram>".
//   TCP: line protocol. "SLOW <ms>" answers "done" after ms milliseconds (an in-flight
//   request for graceful-stop tests); "STARTTLS" answers "ready" and upgrades; "QUIT"
//   closes; any other line is echoed as "<prefix><line>". Lines over 1000 bytes get
//   "error: line too long".
//   SIGHUP re-reads [echo] prefix.

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstring>

#include "wk/daemon.hpp"
#include "wk/tcp_server.hpp"
#include "wk/tls.hpp"
#include "wk/udp_server.hpp"

namespace {

namespace asio = boost::asio;

constexpr const char* kDefaultConfig = R"(# wk-echo built-in config
[server]
listen = ["127.0.0.1:7007", "[::1]:7007"]
[echo]
prefix = "echo: "
)";

struct EchoConfig {
  std::vector<wk::Endpoint> listen;
  std::vector<wk::Endpoint> tlsListen;
  std::string prefix = "echo: ";

  static EchoConfig load(wk::config::Table root) {
    EchoConfig c;
    c.listen = root.table("server").endpoints("listen", c.listen);
    auto echo = root.table("echo");
    c.prefix = echo.string("prefix", c.prefix);
    c.tlsListen = echo.endpoints("tls_listen", c.tlsListen);
    if (c.prefix.size() > 100) echo.error("prefix", "'prefix' must be at most 100 bytes");
    return c;
  }
};

class EchoService;
asio::awaitable<void> echoSession(EchoService* service, wk::Connection& conn);

class EchoService final : public wk::Service {
 public:
  EchoService(wk::Runtime& runtime, EchoConfig config)
      : runtime_(runtime),
        config_(std::move(config)),
        prefix_(std::make_shared<const std::string>(config_.prefix)) {}

  void start() override {
    tls_ = wk::tls::makeServerContext({});
    udp_ = std::make_unique<wk::UdpServer>(
        runtime_, wk::UdpOptions{.endpoints = config_.listen}, [this](unsigned) {
          return [this](const wk::UdpPacket& p, std::span<std::uint8_t> out) {
            return answerDatagram(p, out);
          };
        });
    udp_->start();
    auto handler = [this](wk::Connection& c) { return echoSession(this, c); };
    tcp_ = std::make_unique<wk::TcpServer>(
        runtime_,
        wk::TcpOptions{.endpoints = config_.listen, .idleTimeout = std::chrono::seconds(30)},
        handler);
    tcp_->start();
    if (!config_.tlsListen.empty()) {
      tlsServer_ = std::make_unique<wk::TcpServer>(
          runtime_, wk::TcpOptions{.endpoints = config_.tlsListen, .proto = "tls", .tls = tls_},
          handler);
      tlsServer_->start();
    }
  }

  void reload(wk::config::Table root) override {
    prefix_.store(std::make_shared<const std::string>(EchoConfig::load(root).prefix));
  }

  std::shared_ptr<const std::string> prefix() const { return prefix_.load(); }
  wk::Runtime& runtime() { return runtime_; }
  asio::ssl::context& tls() { return *tls_; }

 private:
  std::size_t answerDatagram(const wk::UdpPacket& packet, std::span<std::uint8_t> out) {
    auto prefix = prefix_.load();
    std::size_t n = std::min(out.size(), prefix->size() + packet.data.size());
    std::memcpy(out.data(), prefix->data(), prefix->size());
    std::memcpy(out.data() + prefix->size(), packet.data.data(), n - prefix->size());
    return n;
  }

  wk::Runtime& runtime_;
  EchoConfig config_;
  std::atomic<std::shared_ptr<const std::string>> prefix_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::unique_ptr<wk::UdpServer> udp_;
  std::unique_ptr<wk::TcpServer> tcp_;
  std::unique_ptr<wk::TcpServer> tlsServer_;
};

asio::awaitable<void> echoSession(EchoService* service, wk::Connection& conn) {
  for (;;) {
    conn.expiresAfter(std::chrono::seconds(30));
    auto line = co_await conn.readLine(1000);
    if (!line) {
      if (line.error() == boost::system::errc::message_size) {
        co_await conn.write("error: line too long\r\n");
        if (!co_await conn.skipLine()) co_return;
        continue;
      }
      co_return;  // EOF, timeout, or a graceful stop of an idle connection
    }
    const std::string& text = line->text;
    if (text == "QUIT") co_return;
    if (text == "STARTTLS") {
      if (!co_await conn.write("ready\r\n")) co_return;
      if (!co_await conn.startTls(service->tls())) co_return;
      continue;
    }
    if (text.starts_with("SLOW ")) {
      unsigned ms = 0;
      std::from_chars(text.data() + 5, text.data() + text.size(), ms);
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(ms));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!co_await conn.write("done\r\n")) co_return;
    } else if (text == "WHO") {
      co_await conn.write(std::string(conn.isTls() ? "tls" : "plain") + "\r\n");
    } else {
      if (!co_await conn.write(*service->prefix() + text + "\r\n")) co_return;
    }
    if (conn.stopping()) co_return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  wk::DaemonSpec spec{
      .name = "wk-echo",
      .summary = "echo daemon that tests common/'s runtime",
      .defaultConfig = kDefaultConfig,
      .check = [](wk::config::Table root) { EchoConfig::load(root); },
      .create = [](wk::Runtime& rt, wk::config::Table root) -> std::unique_ptr<wk::Service> {
        return std::make_unique<EchoService>(rt, EchoConfig::load(root));
      },
  };
  return wk::runDaemon(spec, argc, argv);
}
