// Config files are not network input, but the daemons read them at every SIGHUP and the
// typed getters parse sizes, durations, endpoints and prefixes: none may crash or hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wk/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto doc = wk::config::Document::fromString(text, "fuzz.toml");
    auto root = doc.root();
    wk::config::CommonConfig::load(root);
    auto t = root.table("t");
    t.size("size", 0);
    t.duration("ttl", {});
    t.endpoints("listen", {});
    t.cidrs("allow", {});
    t.strings("words", {});
    for (auto& z : root.tables("zone")) z.string("name", "");
    doc.finish();
  } catch (const wk::config::Errors&) {
  }
  wk::config::parseSize(text);
  wk::config::parseDuration(text);
  wk::Endpoint::parse(text);
  wk::Cidr::parse(text);
  return 0;
}
