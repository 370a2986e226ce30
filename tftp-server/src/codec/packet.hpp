#pragma once
// TFTP wire format (RFC 1350, with the option extension of RFC 2347).
//
// parse() never throws and never reads past its input: anything malformed is nullopt.
// Parsed packets hold views into the datagram, so they live only as long as its buffer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace wk::tftp::codec {

enum class Opcode : std::uint16_t { rrq = 1, wrq = 2, data = 3, ack = 4, error = 5, oack = 6 };

enum class Mode { octet, netascii, mail, unknown };

// RFC 1350 error codes, plus 8 from RFC 2347.
enum class ErrorCode : std::uint16_t {
  notDefined = 0,
  fileNotFound = 1,
  accessViolation = 2,
  diskFull = 3,
  illegalOperation = 4,
  unknownTransferId = 5,
  fileExists = 6,
  noSuchUser = 7,
  badOptions = 8,
};

inline constexpr std::size_t kHeaderSize = 4;  // opcode + block number
inline constexpr std::size_t kDefaultBlksize = 512;
inline constexpr std::size_t kMinBlksize = 8;      // RFC 2348
inline constexpr std::size_t kMaxBlksize = 65464;  // RFC 2348
// A request carrying more options than this is hostile, not a real client.
inline constexpr std::size_t kMaxOptions = 32;

struct Option {
  std::string_view name;
  std::string_view value;
};

struct Request {
  Opcode op = Opcode::rrq;  // rrq or wrq
  std::string_view filename;
  std::string_view modeText;
  Mode mode = Mode::unknown;
  std::vector<Option> options;
};

struct Data {
  std::uint16_t block = 0;
  std::span<const std::uint8_t> payload;
};

struct Ack {
  std::uint16_t block = 0;
};

struct Error {
  std::uint16_t code = 0;
  std::string_view message;
};

struct Oack {
  std::vector<Option> options;
};

using Packet = std::variant<Request, Data, Ack, Error, Oack>;

std::optional<Packet> parse(std::span<const std::uint8_t> datagram);

// The opcode alone (0 when the datagram is shorter than two bytes); a cheap first look.
std::uint16_t peekOpcode(std::span<const std::uint8_t> datagram);

// Case-insensitive ASCII comparison, as RFC 1350 modes and RFC 2347 option names need.
bool equalsNoCase(std::string_view a, std::string_view b);

// Serialisation. The append* functions add one packet to the end of `out`.
void appendRequest(std::vector<std::uint8_t>& out, Opcode op, std::string_view filename,
                   std::string_view mode, const std::vector<Option>& options = {});
void appendAck(std::vector<std::uint8_t>& out, std::uint16_t block);
void appendError(std::vector<std::uint8_t>& out, ErrorCode code, std::string_view message);
void appendOack(std::vector<std::uint8_t>& out, const std::vector<Option>& options);
void appendData(std::vector<std::uint8_t>& out, std::uint16_t block,
                std::span<const std::uint8_t> payload);

// Writes a 4-byte DATA header in place (the payload is then read straight behind it).
inline void putDataHeader(std::uint8_t* p, std::uint16_t block) {
  p[0] = 0;
  p[1] = static_cast<std::uint8_t>(Opcode::data);
  p[2] = static_cast<std::uint8_t>(block >> 8);
  p[3] = static_cast<std::uint8_t>(block);
}

}  // namespace wk::tftp::codec
