// http-server: static files over HTTP/1.1 and HTTPS (issue 7).
#include "io/service.hpp"
#include "wk/daemon.hpp"

namespace {

constexpr const char* kDefaultConfig = R"(# http-server built-in config: the current directory
# on loopback, like `python3 -m http.server`, over HTTP and HTTPS (self-signed).
[server]
listen = ["127.0.0.1:8080"]
[tls]
listen = ["127.0.0.1:8443"]
[static]
root = "."
autoindex = true
)";

}  // namespace

int main(int argc, char** argv) {
  using wk::http::io::HttpConfig;
  wk::DaemonSpec spec{
      .name = "http-server",
      .summary = "HTTP/1.1 and HTTPS static file server",
      .defaultConfig = kDefaultConfig,
      .check = [](wk::config::Table root) { HttpConfig::load(root); },
      .create = [](wk::Runtime& rt, wk::config::Table root) -> std::unique_ptr<wk::Service> {
        return std::make_unique<wk::http::io::HttpService>(rt, HttpConfig::load(root));
      },
  };
  return wk::runDaemon(spec, argc, argv);
}
