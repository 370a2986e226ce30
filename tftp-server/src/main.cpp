// tftp-server: TFTP (RFC 1350, 2347, 2348, 2349, 7440) from a root directory.

#include <cstring>
#include <filesystem>
#include <system_error>

#include "engine/settings.hpp"
#include "io/service.hpp"
#include "wk/daemon.hpp"

namespace {

// The built-in config serves ./tftp-root (created if missing) on unprivileged loopback
// ports, read-only.
constexpr const char* kDefaultConfig = R"(# tftp-server built-in config
[server]
listen = ["127.0.0.1:6969", "[::1]:6969"]

[tftp]
root = "tftp-root"
allow_write = false
allow_create = false
max_blksize = 65464
timeout = "1s"
retries = 5
max_sessions = 1000
)";

// True when the built-in config will be served (so its root should exist): no --config,
// and not just asked for --help or --version.
bool servesBuiltInConfig(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--config") || !std::strcmp(argv[i], "-c") ||
        !std::strncmp(argv[i], "--config=", 9) || !std::strcmp(argv[i], "--help") ||
        !std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--version"))
      return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (servesBuiltInConfig(argc, argv)) {
    std::error_code ec;
    std::filesystem::create_directories("tftp-root", ec);
  }
  wk::DaemonSpec spec;
  spec.name = "tftp-server";
  spec.summary = "TFTP server (RFC 1350 with blksize, timeout, tsize and windowsize options)";
  spec.defaultConfig = kDefaultConfig;
  spec.check = [](wk::config::Table root) { wk::tftp::engine::Settings::load(root); };
  spec.create = [](wk::Runtime& runtime, wk::config::Table root) -> std::unique_ptr<wk::Service> {
    return std::make_unique<wk::tftp::io::TftpService>(runtime,
                                                       wk::tftp::engine::Settings::load(root));
  };
  return wk::runDaemon(spec, argc, argv);
}
