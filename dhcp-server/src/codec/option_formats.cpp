// Value formats of structured options: 82 sub-options, 121 routes, 119 search list.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "packet.hpp"
#include "wk/bytes.hpp"

namespace wk::dhcp::codec {

std::optional<std::vector<SubOption>> parseSubOptions(std::span<const std::uint8_t> value) {
  std::vector<SubOption> subs;
  ByteReader r(value);
  while (!r.atEnd()) {
    std::uint8_t code = r.u8();
    std::uint8_t len = r.u8();
    auto v = r.bytes(len);
    if (!r.ok()) return std::nullopt;
    subs.push_back({code, Bytes(v.begin(), v.end())});
  }
  return subs;
}

Bytes encodeSubOptions(std::span<const SubOption> subs) {
  Bytes out;
  for (const auto& s : subs) {
    std::size_t len = std::min<std::size_t>(s.value.size(), 255);
    out.push_back(s.code);
    out.push_back(static_cast<std::uint8_t>(len));
    out.insert(out.end(), s.value.begin(), s.value.begin() + static_cast<std::ptrdiff_t>(len));
  }
  return out;
}

Bytes encodeRoutes(std::span<const Route> routes) {
  Bytes out;
  for (const auto& r : routes) {
    std::uint8_t prefix = std::min<std::uint8_t>(r.prefix, 32);
    out.push_back(prefix);
    for (int i = 0; i < (prefix + 7) / 8; ++i)
      out.push_back(static_cast<std::uint8_t>(r.destination >> (24 - 8 * i)));
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(r.router >> s));
  }
  return out;
}

std::optional<std::vector<Route>> parseRoutes(std::span<const std::uint8_t> value) {
  std::vector<Route> routes;
  ByteReader r(value);
  while (!r.atEnd()) {
    Route route;
    route.prefix = r.u8();
    if (route.prefix > 32) return std::nullopt;
    int significant = (route.prefix + 7) / 8;
    for (int i = 0; i < significant; ++i)
      route.destination |= std::uint32_t{r.u8()} << (24 - 8 * i);
    route.router = r.u32();
    if (!r.ok()) return std::nullopt;
    routes.push_back(route);
  }
  return routes;
}

std::optional<Bytes> encodeDomainSearch(std::span<const std::string> names) {
  Bytes out;
  std::map<std::string, std::size_t> suffixes;  // lower-cased suffix -> offset
  for (const auto& raw : names) {
    std::string name = raw;
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.size() > 253) return std::nullopt;
    std::vector<std::string_view> labels;
    std::string_view rest = name;
    while (!rest.empty()) {
      auto dot = rest.find('.');
      auto label = rest.substr(0, dot);
      if (label.empty() || label.size() > 63) return std::nullopt;
      labels.push_back(label);
      rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    }
    bool pointed = false;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      std::string suffix;
      for (std::size_t j = i; j < labels.size(); ++j) {
        suffix += labels[j];
        suffix += '.';
      }
      std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (auto it = suffixes.find(suffix); it != suffixes.end()) {
        out.push_back(static_cast<std::uint8_t>(0xC0 | it->second >> 8));
        out.push_back(static_cast<std::uint8_t>(it->second));
        pointed = true;
        break;
      }
      if (out.size() < 0x3FFF) suffixes.emplace(suffix, out.size());
      out.push_back(static_cast<std::uint8_t>(labels[i].size()));
      out.insert(out.end(), labels[i].begin(), labels[i].end());
    }
    if (!pointed) out.push_back(0);
  }
  return out;
}

std::optional<std::vector<std::string>> parseDomainSearch(std::span<const std::uint8_t> value) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::string name;
    std::size_t at = pos;
    std::size_t resume = 0;  // where the next name starts, once known
    bool jumped = false;
    for (int hops = 0;; ++hops) {
      if (at >= value.size() || hops > 128) return std::nullopt;
      std::uint8_t len = value[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= value.size()) return std::nullopt;
        std::size_t target = (std::size_t{len} & 0x3F) << 8 | value[at + 1];
        // Only backward pointers: a forward or self pointer could loop.
        if (target >= at) return std::nullopt;
        if (!jumped) resume = at + 2;
        jumped = true;
        at = target;
        continue;
      }
      if (len & 0xC0) return std::nullopt;
      if (len == 0) {
        if (!jumped) resume = at + 1;
        break;
      }
      if (at + 1 + len > value.size()) return std::nullopt;
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<const char*>(value.data() + at + 1), len);
      if (name.size() > 253) return std::nullopt;
      at += 1 + len;
    }
    names.push_back(std::move(name));
    pos = resume;
  }
  return names;
}

std::optional<Ip4> parseIp(std::string_view text) {
  Ip4 ip = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned octet = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), octet);
    if (ec != std::errc{} || octet > 255 || p == text.data() || p - text.data() > 3)
      return std::nullopt;
    ip = ip << 8 | octet;
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
    if (i < 3) {
      if (text.empty() || text[0] != '.') return std::nullopt;
      text.remove_prefix(1);
    }
  }
  if (!text.empty()) return std::nullopt;
  return ip;
}

std::string formatIp(Ip4 ip) {
  return std::to_string(ip >> 24) + '.' + std::to_string(ip >> 16 & 255) + '.' +
         std::to_string(ip >> 8 & 255) + '.' + std::to_string(ip & 255);
}

std::string formatHex(std::span<const std::uint8_t> bytes, char sep) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i && sep) out += sep;
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace wk::dhcp::codec
