#pragma once
// The daemon's own config ([server] listen and the [tftp] table of issue 6).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "wk/config.hpp"
#include "wk/net.hpp"

namespace wk::tftp::engine {

struct Settings {
  std::vector<Endpoint> listen{*Endpoint::parse("127.0.0.1:6969"), *Endpoint::parse("[::1]:6969")};
  std::filesystem::path root = "/srv/tftp";
  bool allowWrite = false;   // WRQ may overwrite existing files
  bool allowCreate = false;  // WRQ may create new files
  std::uint32_t maxBlksize = 65464;
  std::chrono::milliseconds timeout{1000};
  unsigned retries = 5;
  unsigned maxSessions = 1000;

  // Reads [server] listen and [tftp]; errors are recorded in the document.
  static Settings load(config::Table root);
};

}  // namespace wk::tftp::engine
