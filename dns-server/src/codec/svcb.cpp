#include "codec/svcb.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <optional>

#include "codec/encoding.hpp"

namespace wk::dns::codec {
namespace {

constexpr std::string_view kKeys[] = {"mandatory", "alpn",     "no-default-alpn",
                                      "port",      "ipv4hint", "ech",
                                      "ipv6hint",  "dohpath",  "ohttp"};

std::string keyName(unsigned key) {
  if (key < std::size(kKeys)) return std::string(kKeys[key]);
  return "key" + std::to_string(key);
}

std::optional<unsigned> keyFromName(std::string_view s) {
  for (unsigned i = 0; i < std::size(kKeys); ++i)
    if (kKeys[i] == s) return i;
  if (s.size() > 3 && s.substr(0, 3) == "key") {
    unsigned v = 0;
    for (char c : s.substr(3)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
      if (v > 65535) return std::nullopt;
    }
    return v;
  }
  return std::nullopt;
}

void appendEscaped(std::string& out, std::span<const std::uint8_t> b, bool escapeComma) {
  for (std::uint8_t c : b) {
    if (c == '"' || c == '\\' || (escapeComma && c == ',')) {
      if (escapeComma && c == ',') out += "\\\\";
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

// Splits a value on commas not escaped with a backslash, unescaping the items.
bool splitList(std::string_view raw, std::vector<std::string>& items) {
  std::string cur;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == ',') {
      cur.push_back(',');
      ++i;
    } else if (raw[i] == ',') {
      items.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(raw[i]);
    }
  }
  items.push_back(cur);
  return true;
}

}  // namespace

std::string svcParamsToText(std::span<const std::uint8_t> params) {
  std::string out;
  ByteReader r(params);
  while (!r.atEnd() && r.ok()) {
    unsigned key = r.u16();
    auto value = r.bytes(r.u16());
    if (!r.ok()) break;
    out.push_back(' ');
    out += keyName(key);
    ByteReader v(value);
    switch (key) {
      case 0:  // mandatory
        out.push_back('=');
        for (bool first = true; !v.atEnd(); first = false) {
          if (!first) out.push_back(',');
          out += keyName(v.u16());
        }
        break;
      case 1: {  // alpn
        out += "=\"";
        for (bool first = true; !v.atEnd() && v.ok(); first = false) {
          if (!first) out.push_back(',');
          appendEscaped(out, v.bytes(v.u8()), true);
        }
        out.push_back('"');
        break;
      }
      case 2:  // no-default-alpn
        break;
      case 3:
        out += "=" + std::to_string(v.u16());
        break;
      case 4:
      case 6: {
        out.push_back('=');
        std::size_t len = key == 4 ? 4 : 16;
        for (bool first = true; v.remaining() >= len; first = false) {
          if (!first) out.push_back(',');
          char buf[INET6_ADDRSTRLEN];
          inet_ntop(key == 4 ? AF_INET : AF_INET6, v.bytes(len).data(), buf, sizeof buf);
          out += buf;
        }
        break;
      }
      case 5:
        out += "=" + toBase64(value);
        break;
      default:
        if (!value.empty()) {
          out += "=\"";
          appendEscaped(out, value, false);
          out.push_back('"');
        }
    }
  }
  return out;
}

bool svcParamsFromText(std::span<const Token> tokens, std::vector<std::uint8_t>& out,
                       std::string& error) {
  std::map<unsigned, std::vector<std::uint8_t>> params;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string_view tok = tokens[i].text;
    std::size_t eq = tok.find('=');
    std::string_view keyText = tok.substr(0, eq);
    std::string raw;
    bool hasValue = eq != std::string_view::npos;
    if (hasValue) {
      raw = std::string(tok.substr(eq + 1));
      // key= "value" (the value in the next, quoted, token)
      if (raw.empty() && i + 1 < tokens.size() && tokens[i + 1].quoted) raw = tokens[++i].text;
    }
    auto key = keyFromName(keyText);
    if (!key) return error = "unknown SvcParam key '" + std::string(keyText) + "'", false;
    if (params.count(*key)) return error = "duplicate SvcParam " + std::string(keyText), false;
    std::vector<std::uint8_t> value;
    std::vector<std::string> items;
    auto put16 = [&](unsigned v) {
      value.push_back(static_cast<std::uint8_t>(v >> 8));
      value.push_back(static_cast<std::uint8_t>(v));
    };
    switch (*key) {
      case 0:
        splitList(raw, items);
        for (const auto& item : items) {
          auto k = keyFromName(item);
          if (!k) return error = "bad mandatory key '" + item + "'", false;
          put16(*k);
        }
        break;
      case 1:
        if (!hasValue) return error = "alpn needs a value", false;
        splitList(raw, items);
        for (const auto& item : items) {
          std::string s;
          if (!unescapeString(item, s) || s.empty() || s.size() > 255)
            return error = "bad alpn value", false;
          value.push_back(static_cast<std::uint8_t>(s.size()));
          value.insert(value.end(), s.begin(), s.end());
        }
        break;
      case 2:
        if (hasValue && !raw.empty()) return error = "no-default-alpn takes no value", false;
        break;
      case 3: {
        unsigned v = 0;
        if (raw.empty() || raw.size() > 5) return error = "bad port", false;
        for (char c : raw) {
          if (c < '0' || c > '9') return error = "bad port", false;
          v = v * 10 + static_cast<unsigned>(c - '0');
        }
        if (v > 65535) return error = "bad port", false;
        put16(v);
        break;
      }
      case 4:
      case 6: {
        splitList(raw, items);
        for (const auto& item : items) {
          std::uint8_t buf[16];
          if (inet_pton(*key == 4 ? AF_INET : AF_INET6, item.c_str(), buf) != 1)
            return error = "bad address hint '" + item + "'", false;
          value.insert(value.end(), buf, buf + (*key == 4 ? 4 : 16));
        }
        break;
      }
      case 5:
        if (!fromBase64(raw, value)) return error = "bad ech base64", false;
        break;
      default: {
        std::string s;
        if (!unescapeString(raw, s)) return error = "bad SvcParam value", false;
        value.assign(s.begin(), s.end());
      }
    }
    if (value.size() > 65535) return error = "SvcParam value too long", false;
    params.emplace(*key, std::move(value));
  }
  for (const auto& [key, value] : params) {
    out.push_back(static_cast<std::uint8_t>(key >> 8));
    out.push_back(static_cast<std::uint8_t>(key));
    out.push_back(static_cast<std::uint8_t>(value.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
  }
  return true;
}

}  // namespace wk::dns::codec
