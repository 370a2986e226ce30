#include "codec/netascii.hpp"

namespace wk::tftp::codec {

NetasciiEncoder::Step NetasciiEncoder::encode(std::span<const std::uint8_t> in,
                                              std::span<std::uint8_t> out) {
  Step s;
  if (pending_ >= 0 && s.produced < out.size()) {
    out[s.produced++] = static_cast<std::uint8_t>(pending_);
    pending_ = -1;
  }
  while (s.consumed < in.size() && s.produced < out.size() && pending_ < 0) {
    std::uint8_t b = in[s.consumed++];
    if (b == '\n' || b == '\r') {
      out[s.produced++] = '\r';
      std::uint8_t second = b == '\n' ? '\n' : '\0';
      if (s.produced < out.size())
        out[s.produced++] = second;
      else
        pending_ = second;
    } else {
      out[s.produced++] = b;
    }
  }
  return s;
}

void NetasciiDecoder::decode(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  for (std::uint8_t b : in) {
    if (cr_) {
      cr_ = false;
      if (b == '\n') {
        out.push_back('\n');
        continue;
      }
      if (b == '\0') {
        out.push_back('\r');
        continue;
      }
      out.push_back('\r');
    }
    if (b == '\r')
      cr_ = true;
    else
      out.push_back(b);
  }
}

void NetasciiDecoder::finish(std::vector<std::uint8_t>& out) {
  if (cr_) out.push_back('\r');
  cr_ = false;
}

}  // namespace wk::tftp::codec
