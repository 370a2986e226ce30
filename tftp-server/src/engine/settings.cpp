#include "engine/settings.hpp"

#include <system_error>

namespace wk::tftp::engine {

Settings Settings::load(config::Table root) {
  Settings s;
  auto server = root.table("server");
  s.listen = server.endpoints("listen", s.listen);
  if (s.listen.empty()) server.error("listen", "at least one endpoint is needed");

  auto tftp = root.table("tftp");
  s.root = tftp.path("root", s.root);
  std::error_code ec;
  if (!std::filesystem::is_directory(s.root, ec))
    tftp.error("root", "not a directory: " + s.root.string());
  s.allowWrite = tftp.boolean("allow_write", s.allowWrite);
  s.allowCreate = tftp.boolean("allow_create", s.allowCreate);
  s.maxBlksize = static_cast<std::uint32_t>(tftp.integer("max_blksize", s.maxBlksize, 8, 65464));
  s.timeout = tftp.duration("timeout", s.timeout);
  // RFC 2349 timeouts are whole seconds up to 255; shorter defaults help fast networks.
  if (s.timeout < std::chrono::milliseconds(10) || s.timeout > std::chrono::seconds(255))
    tftp.error("timeout", "must be between 10ms and 255s");
  s.retries = static_cast<unsigned>(tftp.integer("retries", s.retries, 1, 100));
  s.maxSessions = static_cast<unsigned>(tftp.integer("max_sessions", s.maxSessions, 1, 1'000'000));
  return s;
}

}  // namespace wk::tftp::engine
