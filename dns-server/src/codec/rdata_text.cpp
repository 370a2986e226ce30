// Presentation format of RDATA: printing (dig-style) and parsing (zone files).

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "codec/encoding.hpp"
#include "codec/rdata.hpp"
#include "codec/svcb.hpp"
#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

using F = Field;

void appendQuoted(std::string& out, std::span<const std::uint8_t> s) {
  out.push_back('"');
  for (std::uint8_t c : s) {
    if (c == '"' || c == '\\') {
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
  out.push_back('"');
}

std::string timeToText(std::uint32_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::uint32_t> timeFromText(std::string_view s) {
  bool digits =
      !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return std::nullopt;
  if (s.size() != 14) {
    if (s.size() > 10) return std::nullopt;
    std::uint64_t v = std::stoull(std::string(s));
    if (v > 0xffffffffULL) return std::nullopt;
    return static_cast<std::uint32_t>(v);
  }
  auto num = [&](std::size_t pos, std::size_t len) {
    return std::stoi(std::string(s.substr(pos, len)));
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(8, 2);
  tm.tm_min = num(10, 2);
  tm.tm_sec = num(12, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(timegm(&tm)));
}

std::optional<std::uint64_t> parseNumber(std::string_view s, std::uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

void put16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

std::string bitmapToText(std::span<const std::uint8_t> b) {
  std::string out;
  std::size_t pos = 0;
  while (pos + 2 <= b.size()) {
    unsigned window = b[pos];
    std::size_t len = b[pos + 1];
    for (std::size_t i = 0; i < len && pos + 2 + i < b.size(); ++i)
      for (unsigned bit = 0; bit < 8; ++bit)
        if (b[pos + 2 + i] & (0x80 >> bit)) {
          out.push_back(' ');
          out += typeToText(static_cast<std::uint16_t>(window * 256 + i * 8 + bit));
        }
    pos += 2 + len;
  }
  return out;
}

}  // namespace

std::optional<std::uint32_t> parseTtl(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t total = 0, cur = 0;
  bool haveDigits = false, haveUnit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + static_cast<std::uint64_t>(c - '0');
      if (cur > 0xffffffffULL) return std::nullopt;
      haveDigits = true;
      continue;
    }
    if (!haveDigits) return std::nullopt;
    std::uint64_t mult;
    switch (c | 0x20) {
      case 's':
        mult = 1;
        break;
      case 'm':
        mult = 60;
        break;
      case 'h':
        mult = 3600;
        break;
      case 'd':
        mult = 86400;
        break;
      case 'w':
        mult = 604800;
        break;
      default:
        return std::nullopt;
    }
    total += cur * mult;
    cur = 0;
    haveDigits = false;
    haveUnit = true;
  }
  if (haveDigits) {
    if (haveUnit) return std::nullopt;  // "1h30" is ambiguous: NSD refuses it too
    total += cur;
  }
  if (total > 0xffffffffULL) return std::nullopt;
  return static_cast<std::uint32_t>(total);
}

bool unescapeString(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 1 >= s.size()) return false;
    char d = s[i + 1];
    if (d >= '0' && d <= '9') {
      if (i + 3 >= s.size()) return false;
      int v = 0;
      for (int k = 1; k <= 3; ++k) {
        char e = s[i + k];
        if (e < '0' || e > '9') return false;
        v = v * 10 + (e - '0');
      }
      if (v > 255) return false;
      out.push_back(static_cast<char>(v));
      i += 3;
    } else {
      out.push_back(d);
      i += 1;
    }
  }
  return true;
}

std::string rdataToText(std::uint16_t t, std::span<const std::uint8_t> rdata) {
  const TypeInfo* info = typeInfo(t);
  auto generic = [&] {
    std::string out = "\\# " + std::to_string(rdata.size());
    if (!rdata.empty()) out += " " + toHex(rdata);
    return out;
  };
  if (info == nullptr || !validRdata(t, rdata)) return generic();
  std::string out;
  ByteReader r(rdata);
  for (Field f : info->fields) {
    if (!out.empty()) out.push_back(' ');
    switch (f) {
      case F::kName:
      case F::kCompressedName: {
        Name n;
        readName(r, n);
        out += n.toText();
        break;
      }
      case F::kU8:
        out += std::to_string(r.u8());
        break;
      case F::kU16:
        out += std::to_string(r.u16());
        break;
      case F::kU32:
      case F::kTtl:
        out += std::to_string(r.u32());
        break;
      case F::kType:
        out += typeToText(r.u16());
        break;
      case F::kTime:
        out += timeToText(r.u32());
        break;
      case F::kIPv4:
      case F::kIPv6: {
        char buf[INET6_ADDRSTRLEN];
        auto b = r.bytes(f == F::kIPv4 ? 4 : 16);
        inet_ntop(f == F::kIPv4 ? AF_INET : AF_INET6, b.data(), buf, sizeof buf);
        out += buf;
        break;
      }
      case F::kCharString:
        appendQuoted(out, r.bytes(r.u8()));
        break;
      case F::kCharStrings: {
        bool first = true;
        while (!r.atEnd()) {
          if (!first) out.push_back(' ');
          first = false;
          appendQuoted(out, r.bytes(r.u8()));
        }
        break;
      }
      case F::kBase64:
        out += toBase64(r.rest());
        break;
      case F::kHex: {
        auto b = r.rest();
        out += b.empty() ? "-" : toHex(b);
        break;
      }
      case F::kSalt: {
        auto b = r.bytes(r.u8());
        out += b.empty() ? "-" : toHex(b);
        break;
      }
      case F::kHash32:
        out += toBase32Hex(r.bytes(r.u8()));
        break;
      case F::kTag:
        out += r.text(r.u8());
        break;
      case F::kStringRest:
        appendQuoted(out, r.rest());
        break;
      case F::kTypeBitmap: {
        std::string b = bitmapToText(r.rest());
        if (!b.empty())
          out += b.substr(1);
        else if (!out.empty())
          out.pop_back();
        break;
      }
      case F::kSvcParams: {
        if (!out.empty()) out.pop_back();  // the params carry their own leading spaces
        out += svcParamsToText(r.rest());
        break;
      }
    }
  }
  return out;
}

bool rdataFromText(std::uint16_t t, std::span<const Token> tokens, const Name& origin,
                   std::vector<std::uint8_t>& out, std::string& error) {
  out.clear();
  // RFC 3597 generic form works for every type.
  if (!tokens.empty() && !tokens[0].quoted && tokens[0].text == "\\#") {
    if (tokens.size() < 2) return error = "\\# needs a length", false;
    auto len = parseNumber(tokens[1].text, 65535);
    if (!len) return error = "bad \\# length", false;
    std::string hex;
    for (std::size_t i = 2; i < tokens.size(); ++i) hex += tokens[i].text;
    if (!fromHex(hex, out)) return error = "bad hex in \\# data", false;
    if (out.size() != *len) return error = "\\# length does not match the data", false;
    if (!validRdata(t, out)) return error = "\\# data is not valid " + typeToText(t), false;
    return true;
  }
  const TypeInfo* info = typeInfo(t);
  if (info == nullptr) return error = "unknown type needs \\# generic data", false;
  std::size_t i = 0;
  auto need = [&](const char* what) {
    if (i >= tokens.size()) {
      error = std::string("missing ") + what;
      return false;
    }
    return true;
  };
  for (Field f : info->fields) {
    switch (f) {
      case F::kName:
      case F::kCompressedName: {
        if (!need("domain name")) return false;
        const auto& tok = tokens[i++];
        std::optional<Name> n = (tok.text == "@" && !tok.quoted)
                                    ? std::optional<Name>(origin)
                                    : Name::fromText(tok.text, &origin);
        if (!n) return error = "bad domain name '" + tok.text + "'", false;
        out.insert(out.end(), n->wire().begin(), n->wire().end());
        break;
      }
      case F::kU8:
      case F::kU16:
      case F::kU32: {
        if (!need("number")) return false;
        std::uint64_t max = f == F::kU8 ? 255 : f == F::kU16 ? 65535 : 0xffffffffULL;
        auto v = parseNumber(tokens[i].text, max);
        if (!v) return error = "bad number '" + tokens[i].text + "'", false;
        ++i;
        if (f == F::kU8)
          out.push_back(static_cast<std::uint8_t>(*v));
        else if (f == F::kU16)
          put16(out, static_cast<std::uint32_t>(*v));
        else
          put32(out, static_cast<std::uint32_t>(*v));
        break;
      }
      case F::kTtl: {
        if (!need("time value")) return false;
        auto v = parseTtl(tokens[i].text);
        if (!v) return error = "bad time value '" + tokens[i].text + "'", false;
        ++i;
        put32(out, *v);
        break;
      }
      case F::kTime: {
        if (!need("time")) return false;
        auto v = timeFromText(tokens[i].text);
        if (!v) return error = "bad time '" + tokens[i].text + "'", false;
        ++i;
        put32(out, *v);
        break;
      }
      case F::kType: {
        if (!need("type")) return false;
        auto v = typeFromText(tokens[i].text);
        if (!v) return error = "bad type '" + tokens[i].text + "'", false;
        ++i;
        put16(out, *v);
        break;
      }
      case F::kIPv4:
      case F::kIPv6: {
        if (!need("address")) return false;
        std::uint8_t buf[16];
        bool v4 = f == F::kIPv4;
        if (inet_pton(v4 ? AF_INET : AF_INET6, tokens[i].text.c_str(), buf) != 1)
          return error = std::string("bad ") + (v4 ? "IPv4" : "IPv6") + " address '" +
                         tokens[i].text + "'",
                 false;
        ++i;
        out.insert(out.end(), buf, buf + (v4 ? 4 : 16));
        break;
      }
      case F::kCharString:
      case F::kCharStrings:
      case F::kTag:
      case F::kStringRest: {
        if (!need("string")) return false;
        do {
          std::string s;
          if (!unescapeString(tokens[i].text, s)) return error = "bad escape in string", false;
          if (f == F::kTag) {
            if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c));
                }))
              return error = "bad CAA tag '" + s + "'", false;
          }
          if (f != F::kStringRest) {
            if (s.size() > 255) return error = "string longer than 255 bytes", false;
            out.push_back(static_cast<std::uint8_t>(s.size()));
          }
          out.insert(out.end(), s.begin(), s.end());
          ++i;
        } while (f == F::kCharStrings && i < tokens.size());
        break;
      }
      case F::kBase64:
      case F::kHex: {
        if (!need(f == F::kHex ? "hex data" : "base64 data")) return false;
        std::string joined;
        for (; i < tokens.size(); ++i) joined += tokens[i].text;
        std::vector<std::uint8_t> bytes;
        bool ok =
            f == F::kHex ? (joined == "-" || fromHex(joined, bytes)) : fromBase64(joined, bytes);
        if (!ok) return error = f == F::kHex ? "bad hex data" : "bad base64 data", false;
        out.insert(out.end(), bytes.begin(), bytes.end());
        break;
      }
      case F::kSalt:
      case F::kHash32: {
        if (!need(f == F::kSalt ? "salt" : "hash")) return false;
        std::vector<std::uint8_t> bytes;
        bool ok = f == F::kSalt ? (tokens[i].text == "-" || fromHex(tokens[i].text, bytes))
                                : fromBase32Hex(tokens[i].text, bytes);
        if (!ok || bytes.size() > 255 || (f == F::kHash32 && bytes.empty()))
          return error = "bad " + std::string(f == F::kSalt ? "salt" : "hash") + " '" +
                         tokens[i].text + "'",
                 false;
        ++i;
        out.push_back(static_cast<std::uint8_t>(bytes.size()));
        out.insert(out.end(), bytes.begin(), bytes.end());
        break;
      }
      case F::kTypeBitmap: {
        std::array<std::array<std::uint8_t, 32>, 256> windows{};
        std::array<std::uint8_t, 256> used{};
        for (; i < tokens.size(); ++i) {
          auto v = typeFromText(tokens[i].text);
          if (!v) return error = "bad type '" + tokens[i].text + "' in bitmap", false;
          unsigned w = *v >> 8, low = *v & 0xff;
          windows[w][low / 8] |= static_cast<std::uint8_t>(0x80 >> (low % 8));
          used[w] = static_cast<std::uint8_t>(std::max<unsigned>(used[w], low / 8 + 1));
        }
        for (unsigned w = 0; w < 256; ++w) {
          if (used[w] == 0) continue;
          out.push_back(static_cast<std::uint8_t>(w));
          out.push_back(used[w]);
          out.insert(out.end(), windows[w].begin(), windows[w].begin() + used[w]);
        }
        break;
      }
      case F::kSvcParams: {
        if (!svcParamsFromText(tokens.subspan(i), out, error)) return false;
        i = tokens.size();
        break;
      }
    }
  }
  if (i != tokens.size()) return error = "trailing data '" + tokens[i].text + "'", false;
  if (out.size() > 65535) return error = "RDATA longer than 65535 bytes", false;
  return true;
}

}  // namespace wk::dns::codec
