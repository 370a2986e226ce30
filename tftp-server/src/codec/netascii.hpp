#pragma once
// Netascii (RFC 764 as used by RFC 1350): on the wire a line ends in CR LF and a bare CR
// is sent as CR NUL. Both directions are streaming, because a CR LF pair may straddle
// two DATA blocks.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wk::tftp::codec {

// Local file bytes -> netascii.
class NetasciiEncoder {
 public:
  struct Step {
    std::size_t consumed = 0;  // input bytes used
    std::size_t produced = 0;  // output bytes written
  };
  // Encodes as much of `in` as fits into `out`. An expansion (LF -> CR LF) that does not
  // fit whole is split: its second byte is held and written first on the next call.
  Step encode(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  bool hasPending() const { return pending_ >= 0; }

 private:
  int pending_ = -1;
};

// Netascii -> local file bytes. CR LF -> LF, CR NUL -> CR; a CR followed by anything
// else is kept as it is (lenient, as tftp-hpa is).
class NetasciiDecoder {
 public:
  void decode(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  // End of the stream: a final lone CR is kept.
  void finish(std::vector<std::uint8_t>& out);

 private:
  bool cr_ = false;
};

}  // namespace wk::tftp::codec
