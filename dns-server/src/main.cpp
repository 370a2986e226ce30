// dns-server: authoritative DNS for the zones in its config (issue 3).
#include "io/config.hpp"
#include "io/service.hpp"
#include "wk/daemon.hpp"

int main(int argc, char** argv) {
  using namespace wk::dns::io;
  wk::DaemonSpec spec{
      .name = "dns-server",
      .summary = "authoritative DNS server: zones from master files over UDP and TCP",
      .defaultConfig = kDefaultConfig,
      .check = [](wk::config::Table root) { DnsConfig::load(root); },
      .create = [](wk::Runtime& runtime, wk::config::Table root) -> std::unique_ptr<wk::Service> {
        return std::make_unique<DnsService>(runtime, DnsConfig::load(root));
      },
      .commands = {{.flag = "--check-zones",
                    .help = "load every zone, print errors (FILE:LINE: message) and sizes, exit",
                    .run =
                        [](wk::config::Table root) { return checkZones(DnsConfig::load(root)); }}},
  };
  return wk::runDaemon(spec, argc, argv);
}
