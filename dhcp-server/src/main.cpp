#include "io/server_io.hpp"
#include "wk/daemon.hpp"

namespace {

// Without --config: relayed traffic on an unprivileged loopback port (a relay or
// perfdhcp with giaddr 127.0.0.1 gets leases from 127.0.100.0/24), leases in memory.
constexpr const char* kDefaultConfig = R"(
[server]
interfaces = []
listen = ["127.0.0.1:6767"]
lease_db = ""

[[subnet]]
cidr = "127.0.0.0/8"
pools = ["127.0.100.10-127.0.100.250"]
routers = ["127.0.0.1"]
dns_servers = ["127.0.0.1"]
domain_name = "localdomain"
lease_time = "1h"
)";

}  // namespace

int main(int argc, char** argv) {
  wk::DaemonSpec spec;
  spec.name = "dhcp-server";
  spec.summary = "DHCPv4 server (RFC 2131/2132): leases in SQLite, relays, reservations";
  spec.defaultConfig = kDefaultConfig;
  spec.check = [](wk::config::Table root) { wk::dhcp::engine::loadConfig(root); };
  spec.create = [](wk::Runtime& runtime, wk::config::Table root) {
    return std::make_unique<wk::dhcp::io::DhcpService>(runtime, root);
  };
  spec.commands.push_back({"--leases", "list the leases in lease_db and exit",
                           [](wk::config::Table root) { return wk::dhcp::io::listLeases(root); }});
  return wk::runDaemon(spec, argc, argv);
}
