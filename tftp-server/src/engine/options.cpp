#include "engine/options.hpp"

#include <algorithm>

namespace wk::tftp::engine {

std::optional<std::uint64_t> parseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

Negotiated negotiate(const codec::Request& request, const NegotiationLimits& limits,
                     std::optional<std::uint64_t> fileSize) {
  using codec::equalsNoCase;
  Negotiated n;
  n.timeout = limits.timeout;
  bool seenBlksize = false, seenTimeout = false, seenTsize = false, seenWindow = false;
  for (const auto& o : request.options) {
    auto value = parseDecimal(o.value);
    std::string name(o.name);
    if (equalsNoCase(o.name, "blksize") && !seenBlksize) {
      seenBlksize = true;
      if (!value || *value < codec::kMinBlksize) continue;
      auto size = std::min<std::uint64_t>({*value, limits.maxBlksize, codec::kMaxBlksize});
      n.blksize = static_cast<std::uint16_t>(size);
      n.accepted.emplace_back(std::move(name), std::to_string(size));
    } else if (equalsNoCase(o.name, "timeout") && !seenTimeout) {
      seenTimeout = true;
      if (!value || *value < 1 || *value > 255) continue;
      n.timeout = std::chrono::seconds(*value);
      n.accepted.emplace_back(std::move(name), std::to_string(*value));
    } else if (equalsNoCase(o.name, "tsize") && !seenTsize) {
      seenTsize = true;
      if (request.op == codec::Opcode::rrq) {
        // RFC 2349 has the client send 0 here; the value carries no meaning on a read, so
        // any value is accepted (atftp's "--option 'tsize enable'" sends "enable").
        if (!fileSize) continue;  // unknown in advance: decline rather than guess
        n.accepted.emplace_back(std::move(name), std::to_string(*fileSize));
      } else {
        if (!value) continue;
        n.tsize = *value;
        n.accepted.emplace_back(std::move(name), std::to_string(*value));
      }
    } else if (equalsNoCase(o.name, "windowsize") && !seenWindow) {
      seenWindow = true;
      if (!value || *value < 1 || *value > 65535) continue;
      n.windowsize = static_cast<std::uint16_t>(*value);  // capped below, once blksize is known
      n.accepted.emplace_back(std::move(name), "");
    }
  }
  // Cap the window by bytes now that the block size is settled.
  std::size_t byBytes = std::max<std::size_t>(1, kMaxWindowBytes / n.blksize);
  n.windowsize =
      static_cast<std::uint16_t>(std::min<std::size_t>({n.windowsize, byBytes, kMaxWindowsize}));
  for (auto& [name, value] : n.accepted)
    if (codec::equalsNoCase(name, "windowsize")) value = std::to_string(n.windowsize);
  return n;
}

}  // namespace wk::tftp::engine
