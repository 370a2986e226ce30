#include "io/relay_io.hpp"
#include "wk/daemon.hpp"

namespace {

// Without --config: relays loopback clients on an unprivileged port to a dhcp-server
// running on its own default config.
constexpr const char* kDefaultConfig = R"(
[relay]
interfaces = ["lo"]
servers = ["127.0.0.1:6767"]
agent_info = true
listen_port = 6768
)";

}  // namespace

int main(int argc, char** argv) {
  wk::DaemonSpec spec;
  spec.name = "dhcp-relay";
  spec.summary = "DHCPv4 relay agent (RFC 1542, RFC 3046 option 82)";
  spec.defaultConfig = kDefaultConfig;
  spec.check = [](wk::config::Table root) { wk::dhcp::io::RelayConfig::load(root); };
  spec.create = [](wk::Runtime& runtime, wk::config::Table root) {
    return std::make_unique<wk::dhcp::io::RelayService>(runtime, root);
  };
  return wk::runDaemon(spec, argc, argv);
}
