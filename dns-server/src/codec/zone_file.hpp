#pragma once
// RFC 1035 master files (section 5) with the extensions people use: $ORIGIN, $TTL
// (RFC 2308), $INCLUDE, $GENERATE (BIND), TTL units, RFC 3597 generic RDATA.
//
// The parser streams records to a callback and collects errors as "FILE:LINE: message";
// it keeps going after an error so one run reports several, up to kMaxErrors.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/name.hpp"

namespace wk::dns::codec {

struct ZoneRecord {
  Name name;
  std::uint16_t type = 0;
  std::uint16_t rclass = 1;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;
  const std::string* file = nullptr;  // for error messages from later checks
  unsigned line = 0;
};

struct ZoneError {
  std::string file;
  unsigned line = 0;
  std::string message;
  std::string toString() const { return file + ":" + std::to_string(line) + ": " + message; }
};

struct ZoneParseOptions {
  Name origin;                      // the zone apex, initial $ORIGIN
  std::uint32_t defaultTtl = 3600;  // before any $TTL or explicit TTL (NSD's default)
  bool allowInclude = true;         // $INCLUDE (off for untrusted text, e.g. fuzzing)
  unsigned maxIncludeDepth = 8;
  std::size_t maxRecords = 50'000'000;
  std::size_t maxGenerate = 1'000'000;  // records one $GENERATE may create
};

using ZoneRecordSink = std::function<void(const ZoneRecord&)>;

constexpr std::size_t kMaxErrors = 20;

// Returns true when the whole input parsed without error.
bool parseZoneText(std::string_view text, const std::string& fileName,
                   const ZoneParseOptions& options, const ZoneRecordSink& sink,
                   std::vector<ZoneError>& errors);
bool parseZoneFile(const std::filesystem::path& file, const ZoneParseOptions& options,
                   const ZoneRecordSink& sink, std::vector<ZoneError>& errors);

}  // namespace wk::dns::codec
