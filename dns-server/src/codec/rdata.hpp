#pragma once
// One description per record type (PowerDNS style): an ordered list of fields. From it
// come the wire parse (with name decompression), the wire write (with compression where
// RFC 3597 allows it), the presentation text, and the text parse used by the zone loader.
// Types without a description are handled as RFC 3597 opaque data ("\# len hex").
//
// RDATA is kept in canonical form: uncompressed names, case preserved.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/name.hpp"
#include "wk/bytes.hpp"

namespace wk::dns::codec {

enum class Field : std::uint8_t {
  kName,            // uncompressed on write
  kCompressedName,  // RFC 1035 types: compressed on write
  kU8,
  kU16,
  kU32,
  kTtl,  // u32 whose text may carry units (SOA timers)
  kIPv4,
  kIPv6,
  kCharString,   // <len><bytes>, quoted text
  kCharStrings,  // one or more char-strings to the end
  kBase64,       // to the end
  kHex,          // to the end
  kSalt,         // <len><bytes>, hex text, "-" for empty
  kHash32,       // <len><bytes>, base32hex text
  kTypeBitmap,   // RFC 4034 4.1.2 windows, to the end
  kType,         // u16 shown as a mnemonic
  kTime,         // u32 shown as YYYYMMDDHHmmSS
  kTag,          // <len><bytes>, an unquoted word (CAA tag)
  kStringRest,   // bytes to the end, quoted text (CAA value)
  kSvcParams,    // RFC 9460 key=value list, to the end
};

struct TypeInfo {
  std::uint16_t code;
  std::string_view name;
  std::span<const Field> fields;
};

const TypeInfo* typeInfo(std::uint16_t type);
std::string typeToText(std::uint16_t type);                        // "A", "TYPE65280"
std::optional<std::uint16_t> typeFromText(std::string_view text);  // case-insensitive
std::string classToText(std::uint16_t rclass);

// Reads rdlength bytes of RDATA at the reader's position (a whole message, so compression
// pointers resolve) into canonical form. Fails the reader on malformed data.
bool readRdata(std::uint16_t type, ByteReader& message, std::uint16_t rdlength,
               std::vector<std::uint8_t>& out);
// Checks that canonical RDATA matches the type's description.
bool validRdata(std::uint16_t type, std::span<const std::uint8_t> rdata);
// Writes canonical RDATA with its length prefix; compresses RFC 1035 names if given a
// compressor.
void writeRdata(std::uint16_t type, std::span<const std::uint8_t> rdata, ByteWriter& out,
                Compressor* compressor);
// True if the type's RDATA holds names that are compressed on write.
bool hasCompressedNames(std::uint16_t type);
// The names inside RDATA that need additional-section processing (NS, MX, SRV targets).
std::optional<Name> additionalTarget(std::uint16_t type, std::span<const std::uint8_t> rdata);

std::string rdataToText(std::uint16_t type, std::span<const std::uint8_t> rdata);

// A presentation token: raw text (escapes not yet interpreted) and whether it was quoted.
struct Token {
  std::string text;
  bool quoted = false;
};

// Parses RDATA text (the tokens after the type) into canonical form. On failure returns
// false and sets `error`.
bool rdataFromText(std::uint16_t type, std::span<const Token> tokens, const Name& origin,
                   std::vector<std::uint8_t>& out, std::string& error);

// Helpers shared with the zone loader.
std::optional<std::uint32_t> parseTtl(std::string_view text);  // "3600", "1h30m", "1W"
bool unescapeString(std::string_view text, std::string& out);  // \X and \DDD

}  // namespace wk::dns::codec
