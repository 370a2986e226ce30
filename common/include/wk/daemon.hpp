#pragma once
// The CLI contract of DESIGN.md, shared by every daemon's main():
//
//   NAME [--config FILE] [--check-config] [--log-level LEVEL] [--version] [--help]
//
// Without --config the daemon runs on its embedded default config. --check-config loads
// and validates, printing FILE:LINE:COL: message for each error (exit 1) or "ok" (exit 0).
// SIGHUP re-reads the file: a bad file is logged and the running config keeps serving.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wk/config.hpp"
#include "wk/runtime.hpp"

namespace wk {

// What a daemon plugs into the runtime.
class Service {
 public:
  virtual ~Service() = default;
  // Binds sockets and starts serving; logs "listening <proto> <addr>:<port>" per socket.
  // Throws (std::exception) to abort start-up.
  virtual void start() = 0;
  // Applies a new, already validated config (and re-reads data such as zones). Throwing
  // keeps the old state; the runtime logs the error.
  virtual void reload(config::Table root) = 0;
};

struct DaemonCommand {
  std::string flag;  // "--leases"
  std::string help;
  // Runs instead of the server with the validated config; returns the exit code.
  std::function<int(config::Table root)> run;
};

struct DaemonSpec {
  std::string name;           // "dns-server"
  std::string summary;        // one line for --help
  std::string defaultConfig;  // embedded TOML used without --config
  // Reads the daemon's own keys, recording errors; used by --check-config and reload.
  std::function<void(config::Table root)> check;
  // Builds the service (no sockets yet). Runtime hooks may be registered here.
  std::function<std::unique_ptr<Service>(Runtime&, config::Table root)> create;
  std::vector<DaemonCommand> commands;
};

int runDaemon(const DaemonSpec& spec, int argc, char** argv);

// Logs the start-up line tests rely on: "listening udp 127.0.0.1:5353".
void logListening(std::string_view proto, const std::string& endpoint);

}  // namespace wk
