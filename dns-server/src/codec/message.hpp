#pragma once
// DNS messages (RFC 1035 4.1) with EDNS(0) (RFC 6891): a general parser and writer for
// tools, tests, transfers and the resolver. The authoritative answer path uses the
// allocation-free pieces (readHeader, readQuestion, Compressor) directly.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/name.hpp"
#include "wk/bytes.hpp"
#include "wk/result.hpp"

namespace wk::dns::codec {

enum class ParseError {
  kOk = 0,
  kTruncated,
  kBadName,
  kBadRdata,
  kTrailingData,
  kTooManyRecords,
  kBadOpt,
};
const boost::system::error_category& parseErrorCategory();
inline ErrorCode make_error_code(ParseError e) {
  return {static_cast<int>(e), parseErrorCategory()};
}

constexpr std::size_t kHeaderSize = 12;

struct Header {
  std::uint16_t id = 0;
  bool qr = false;
  std::uint8_t opcode = 0;
  bool aa = false, tc = false, rd = false, ra = false, z = false, ad = false, cd = false;
  std::uint8_t rcode = 0;  // low 4 bits
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};

Header readHeader(ByteReader& r);
void writeHeader(ByteWriter& w, const Header& h);
// The 16-bit flags word of a header (QR..RCODE).
std::uint16_t headerFlags(const Header& h);

struct Question {
  Name name;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 1;
};

bool readQuestion(ByteReader& r, Question& q);

struct Record {
  Name name;
  std::uint16_t type = 0;
  std::uint16_t rclass = 1;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;  // canonical (uncompressed) form
};

struct EdnsOption {
  std::uint16_t code = 0;
  std::vector<std::uint8_t> data;
};

struct Edns {
  std::uint16_t udpSize = 1232;
  std::uint8_t extendedRcode = 0;  // upper 8 bits of the 12-bit rcode
  std::uint8_t version = 0;
  bool dnssecOk = false;
  std::vector<EdnsOption> options;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers, authority, additional;  // additional without the OPT
  std::optional<Edns> edns;

  std::uint16_t rcode() const {
    return static_cast<std::uint16_t>((edns ? edns->extendedRcode << 4 : 0) | header.rcode);
  }
};

// Parses a whole message. Limits: at most `maxRecords` records in all sections.
Result<Message> parseMessage(std::span<const std::uint8_t> data, std::size_t maxRecords = 65535);

// Serialises with name compression. Records that do not fit in `limit` are dropped and TC
// is set (unless `allowTruncation` is false, in which case nothing is dropped silently:
// the function returns false). Section counts come from the vectors.
bool writeMessage(const Message& m, std::vector<std::uint8_t>& out, std::size_t limit = 65535,
                  bool allowTruncation = true);

// dig-like text of a message, for logs and tests.
std::string messageToText(const Message& m);
std::string recordToText(const Record& r);

}  // namespace wk::dns::codec

template <>
struct boost::system::is_error_code_enum<wk::dns::codec::ParseError> : std::true_type {};
