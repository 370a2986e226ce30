#include "codec/rdata.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

using F = Field;
constexpr Field kA[] = {F::kIPv4};
constexpr Field kAAAA[] = {F::kIPv6};
constexpr Field kOneCName[] = {F::kCompressedName};
constexpr Field kSOA[] = {
    F::kCompressedName, F::kCompressedName, F::kU32, F::kTtl, F::kTtl, F::kTtl, F::kTtl};
constexpr Field kMX[] = {F::kU16, F::kCompressedName};
constexpr Field kTXT[] = {F::kCharStrings};
constexpr Field kHINFO[] = {F::kCharString, F::kCharString};
constexpr Field kSRV[] = {F::kU16, F::kU16, F::kU16, F::kName};
constexpr Field kNAPTR[] = {F::kU16,        F::kU16,        F::kCharString,
                            F::kCharString, F::kCharString, F::kName};
constexpr Field kDS[] = {F::kU16, F::kU8, F::kU8, F::kHex};
constexpr Field kSSHFP[] = {F::kU8, F::kU8, F::kHex};
constexpr Field kRRSIG[] = {F::kType, F::kU8,  F::kU8,   F::kU32,   F::kTime,
                            F::kTime, F::kU16, F::kName, F::kBase64};
constexpr Field kNSEC[] = {F::kName, F::kTypeBitmap};
constexpr Field kDNSKEY[] = {F::kU16, F::kU8, F::kU8, F::kBase64};
constexpr Field kNSEC3[] = {F::kU8, F::kU8, F::kU16, F::kSalt, F::kHash32, F::kTypeBitmap};
constexpr Field kNSEC3PARAM[] = {F::kU8, F::kU8, F::kU16, F::kSalt};
constexpr Field kTLSA[] = {F::kU8, F::kU8, F::kU8, F::kHex};
constexpr Field kSVCB[] = {F::kU16, F::kName, F::kSvcParams};
constexpr Field kCAA[] = {F::kU8, F::kTag, F::kStringRest};

constexpr TypeInfo kTypes[] = {
    {type::kA, "A", kA},
    {type::kNS, "NS", kOneCName},
    {type::kCNAME, "CNAME", kOneCName},
    {type::kSOA, "SOA", kSOA},
    {type::kPTR, "PTR", kOneCName},
    {type::kHINFO, "HINFO", kHINFO},
    {type::kMX, "MX", kMX},
    {type::kTXT, "TXT", kTXT},
    {type::kAAAA, "AAAA", kAAAA},
    {type::kSRV, "SRV", kSRV},
    {type::kNAPTR, "NAPTR", kNAPTR},
    {type::kDS, "DS", kDS},
    {type::kSSHFP, "SSHFP", kSSHFP},
    {type::kRRSIG, "RRSIG", kRRSIG},
    {type::kNSEC, "NSEC", kNSEC},
    {type::kDNSKEY, "DNSKEY", kDNSKEY},
    {type::kNSEC3, "NSEC3", kNSEC3},
    {type::kNSEC3PARAM, "NSEC3PARAM", kNSEC3PARAM},
    {type::kTLSA, "TLSA", kTLSA},
    {type::kSVCB, "SVCB", kSVCB},
    {type::kHTTPS, "HTTPS", kSVCB},
    {type::kCAA, "CAA", kCAA},
};

// Names of types we do not describe but that print by mnemonic (meta types, questions).
struct Mnemonic {
  std::uint16_t code;
  std::string_view name;
};
constexpr Mnemonic kMnemonics[] = {{type::kOPT, "OPT"},     {type::kIXFR, "IXFR"},
                                   {type::kAXFR, "AXFR"},   {type::kMAILB, "MAILB"},
                                   {type::kMAILA, "MAILA"}, {type::kANY, "ANY"}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool validBitmap(std::span<const std::uint8_t> b) {
  std::size_t pos = 0;
  int lastWindow = -1;
  while (pos < b.size()) {
    if (pos + 2 > b.size()) return false;
    int window = b[pos];
    std::size_t len = b[pos + 1];
    if (window <= lastWindow || len == 0 || len > 32 || pos + 2 + len > b.size()) return false;
    lastWindow = window;
    pos += 2 + len;
  }
  return true;
}

bool validSvcParams(std::span<const std::uint8_t> b) {
  std::size_t pos = 0;
  int lastKey = -1;
  while (pos < b.size()) {
    if (pos + 4 > b.size()) return false;
    int key = b[pos] << 8 | b[pos + 1];
    std::size_t len = std::size_t(b[pos + 2]) << 8 | b[pos + 3];
    if (key <= lastKey || pos + 4 + len > b.size()) return false;
    lastKey = key;
    pos += 4 + len;
  }
  return true;
}

// Moves over one field of canonical RDATA (or of a message when `message` is set, in which
// case names are decompressed into `out`). `end` is where the RDATA stops.
bool walkField(Field f, ByteReader& r, std::size_t end, std::vector<std::uint8_t>* out) {
  std::size_t start = r.position();
  if (start > end) return false;
  std::size_t left = end - start;
  auto copy = [&](std::size_t n) {
    if (n > left) return false;
    auto b = r.bytes(n);
    if (!r.ok()) return false;
    if (out) out->insert(out->end(), b.begin(), b.end());
    return true;
  };
  switch (f) {
    case F::kName:
    case F::kCompressedName: {
      Name n;
      if (!readName(r, n) || r.position() > end) return false;
      if (out) out->insert(out->end(), n.wire().begin(), n.wire().end());
      return true;
    }
    case F::kU8:
      return copy(1);
    case F::kU16:
    case F::kType:
      return copy(2);
    case F::kU32:
    case F::kTtl:
    case F::kTime:
    case F::kIPv4:
      return copy(4);
    case F::kIPv6:
      return copy(16);
    case F::kCharString:
    case F::kSalt:
    case F::kHash32:
    case F::kTag: {
      if (left < 1) return false;
      std::size_t len = r.whole()[start];
      if (f == F::kHash32 && len == 0) return false;
      if (f == F::kTag && len == 0) return false;
      return copy(1 + len);
    }
    case F::kCharStrings: {
      if (left == 0) return false;
      while (r.position() < end) {
        std::size_t len = r.whole()[r.position()];
        if (r.position() + 1 + len > end) return false;
        if (!copy(1 + len)) return false;
        left = end - r.position();
      }
      return true;
    }
    case F::kBase64:
    case F::kHex:
    case F::kStringRest:
      return copy(left);
    case F::kTypeBitmap:
      if (!validBitmap(r.whole().subspan(start, left))) return false;
      return copy(left);
    case F::kSvcParams:
      if (!validSvcParams(r.whole().subspan(start, left))) return false;
      return copy(left);
  }
  return false;
}

}  // namespace

const TypeInfo* typeInfo(std::uint16_t t) {
  for (const auto& info : kTypes)
    if (info.code == t) return &info;
  return nullptr;
}

std::string typeToText(std::uint16_t t) {
  if (const auto* info = typeInfo(t)) return std::string(info->name);
  for (const auto& m : kMnemonics)
    if (m.code == t) return std::string(m.name);
  return "TYPE" + std::to_string(t);
}

std::optional<std::uint16_t> typeFromText(std::string_view text) {
  for (const auto& info : kTypes)
    if (iequals(info.name, text)) return info.code;
  for (const auto& m : kMnemonics)
    if (iequals(m.name, text)) return m.code;
  if (text.size() > 4 && iequals(text.substr(0, 4), "TYPE")) {
    std::uint32_t v = 0;
    for (char c : text.substr(4)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint32_t>(c - '0');
      if (v > 65535) return std::nullopt;
    }
    return static_cast<std::uint16_t>(v);
  }
  return std::nullopt;
}

std::string classToText(std::uint16_t c) {
  switch (c) {
    case rclass::kIN:
      return "IN";
    case rclass::kCH:
      return "CH";
    case rclass::kNONE:
      return "NONE";
    case rclass::kANY:
      return "ANY";
    default:
      return "CLASS" + std::to_string(c);
  }
}

bool readRdata(std::uint16_t t, ByteReader& message, std::uint16_t rdlength,
               std::vector<std::uint8_t>& out) {
  out.clear();
  std::size_t end = message.position() + rdlength;
  if (rdlength > message.remaining()) {
    message.fail();
    return false;
  }
  const TypeInfo* info = typeInfo(t);
  if (info == nullptr) {
    auto b = message.bytes(rdlength);
    out.assign(b.begin(), b.end());
    return message.ok();
  }
  for (Field f : info->fields) {
    if (!walkField(f, message, end, &out)) {
      message.fail();
      return false;
    }
  }
  if (message.position() != end) {
    message.fail();
    return false;
  }
  return true;
}

bool validRdata(std::uint16_t t, std::span<const std::uint8_t> rdata) {
  const TypeInfo* info = typeInfo(t);
  if (info == nullptr) return rdata.size() <= 65535;
  ByteReader r(rdata);
  for (Field f : info->fields) {
    // Canonical RDATA holds no pointers: readName rejects them because the name is
    // first in its reader... but not in general, so check names explicitly.
    if (f == F::kName || f == F::kCompressedName) {
      auto rest = rdata.subspan(r.position());
      std::size_t pos = 0;
      while (pos < rest.size() && rest[pos] != 0) {
        if (rest[pos] > kMaxLabelLength) return false;
        pos += 1 + rest[pos];
      }
      if (pos >= rest.size() || pos + 1 > kMaxNameLength) return false;
      r.skip(pos + 1);
      continue;
    }
    if (!walkField(f, r, rdata.size(), nullptr)) return false;
  }
  return r.ok() && r.atEnd();
}

bool hasCompressedNames(std::uint16_t t) {
  return t == type::kNS || t == type::kCNAME || t == type::kSOA || t == type::kPTR ||
         t == type::kMX;
}

void writeRdata(std::uint16_t t, std::span<const std::uint8_t> rdata, ByteWriter& out,
                Compressor* compressor) {
  std::size_t lengthAt = out.size();
  out.u16(0);
  if (compressor == nullptr || !hasCompressedNames(t)) {
    out.bytes(rdata);
  } else {
    const TypeInfo* info = typeInfo(t);
    ByteReader r(rdata);
    for (Field f : info->fields) {
      std::size_t start = r.position();
      if (f == F::kCompressedName) {
        Name n;
        if (!readName(r, n)) break;
        compressor->write(out, n, true);
      } else {
        if (!walkField(f, r, rdata.size(), nullptr)) break;
        out.bytes(rdata.subspan(start, r.position() - start));
      }
    }
  }
  if (!out.overflow())
    out.patchU16(lengthAt, static_cast<std::uint16_t>(out.size() - lengthAt - 2));
}

std::optional<Name> additionalTarget(std::uint16_t t, std::span<const std::uint8_t> rdata) {
  std::size_t skip;
  switch (t) {
    case type::kNS:
      skip = 0;
      break;
    case type::kMX:
      skip = 2;
      break;
    case type::kSRV:
      skip = 6;
      break;
    default:
      return std::nullopt;
  }
  if (rdata.size() <= skip) return std::nullopt;
  ByteReader r(rdata.subspan(skip));
  Name n;
  if (!readName(r, n)) return std::nullopt;
  return n;
}

}  // namespace wk::dns::codec
