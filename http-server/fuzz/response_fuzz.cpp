// The upstream response parser on arbitrary bytes: fed whole and in two pieces (the first
// byte chooses the split), then EOF; both feeds must frame the message the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec/response_parser.hpp"

using namespace wk::http::codec;

namespace {

struct Outcome {
  ResponseParser::State state;
  std::size_t used;
  std::string body;
};

Outcome run(std::string_view data, std::size_t split, std::string_view method) {
  Limits limits;
  limits.maxBody = 4096;
  limits.maxHeaderBytes = 2048;
  ResponseParser p(limits);
  p.reset(method);
  std::string buffer;
  std::size_t used = 0;
  for (auto piece : {data.substr(0, split), data.substr(split)}) {
    buffer.append(piece);
    auto n = p.feed(buffer);
    if (n > buffer.size()) std::abort();
    buffer.erase(0, n);
    used += n;
    if (p.state() == ResponseParser::State::complete || p.state() == ResponseParser::State::error) {
      break;
    }
  }
  p.finish();
  return {p.state(), used, p.response().body};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view method = size && (data[0] & 1) ? "HEAD" : "GET";
  auto whole = run(input, input.size(), method);
  auto pieces = run(input, size ? data[0] % (size + 1) : 0, method);
  if (whole.state != pieces.state) std::abort();
  if (whole.state == ResponseParser::State::complete &&
      (whole.used != pieces.used || whole.body != pieces.body)) {
    std::abort();
  }
  return 0;
}
