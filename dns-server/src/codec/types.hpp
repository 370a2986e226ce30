#pragma once
// Numeric constants of the DNS protocol.

#include <cstdint>

namespace wk::dns::codec {

namespace type {
constexpr std::uint16_t kA = 1, kNS = 2, kCNAME = 5, kSOA = 6, kPTR = 12, kHINFO = 13, kMX = 15,
                        kTXT = 16, kAAAA = 28, kSRV = 33, kNAPTR = 35, kOPT = 41, kDS = 43,
                        kSSHFP = 44, kRRSIG = 46, kNSEC = 47, kDNSKEY = 48, kNSEC3 = 50,
                        kNSEC3PARAM = 51, kTLSA = 52, kSVCB = 64, kHTTPS = 65, kIXFR = 251,
                        kAXFR = 252, kMAILB = 253, kMAILA = 254, kANY = 255, kCAA = 257;
}  // namespace type

namespace rclass {
constexpr std::uint16_t kIN = 1, kCH = 3, kNONE = 254, kANY = 255;
}

namespace rcode {
constexpr std::uint8_t kNoError = 0, kFormErr = 1, kServFail = 2, kNXDomain = 3, kNotImp = 4,
                       kRefused = 5, kNotAuth = 9;
constexpr std::uint16_t kBadVers = 16, kBadCookie = 23;
}  // namespace rcode

namespace opcode {
constexpr std::uint8_t kQuery = 0, kNotify = 4, kUpdate = 5;
}

namespace edns {
constexpr std::uint16_t kNsid = 3, kCookie = 10, kTcpKeepalive = 11, kPadding = 12;
}

// True for the meta and question-only types that cannot appear as zone data.
constexpr bool isMetaType(std::uint16_t t) {
  return t == type::kOPT || (t >= 128 && t <= 255);
}

}  // namespace wk::dns::codec
