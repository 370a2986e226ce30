// The request parser on arbitrary bytes, fed whole and then in two pieces (the first byte
// chooses the split), checking both feeds agree; plus the field parsers on the same input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/conditional.hpp"
#include "codec/range.hpp"
#include "codec/request.hpp"

using namespace wk::http::codec;

namespace {

struct Outcome {
  RequestParser::State state;
  ParseError error;
  std::size_t used;
  std::string body;
};

Outcome run(std::string_view data, std::size_t split) {
  Limits limits;
  limits.maxBody = 4096;
  limits.maxHeaderBytes = 2048;
  limits.maxRequestLine = 512;
  RequestParser p(limits);
  // Like a connection: the buffer grows, consumed bytes leave the front.
  std::string buffer;
  std::size_t used = 0;
  for (auto piece : {data.substr(0, split), data.substr(split)}) {
    buffer.append(piece);
    auto n = p.feed(buffer);
    if (n > buffer.size()) std::abort();
    buffer.erase(0, n);
    used += n;
    if (p.state() == RequestParser::State::complete || p.state() == RequestParser::State::error) {
      break;
    }
  }
  return {p.state(), p.error(), used, p.request().body};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto whole = run(input, input.size());
  std::size_t split = size ? data[0] % (size + 1) : 0;
  auto pieces = run(input, split);
  // Framing must not depend on how bytes arrive.
  if (whole.state == RequestParser::State::complete) {
    if (pieces.state != whole.state || pieces.used != whole.used || pieces.body != whole.body) {
      std::abort();
    }
  }
  if (whole.state == RequestParser::State::error &&
      pieces.state == RequestParser::State::complete) {
    std::abort();
  }
  auto r = evaluateRange(input, 1000, 16);
  for (const auto& range : r.ranges) {
    if (range.first > range.last || range.last >= 1000) std::abort();
  }
  (void)parseHttpDate(input);
  (void)parseEntityTagList(input);
  return 0;
}
