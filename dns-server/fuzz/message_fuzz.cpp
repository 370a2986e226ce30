// Message parser fuzzer: parse, and when that succeeds, re-serialise and re-parse; the
// round trip must keep every record (catches writer/reader disagreements, not just crashes).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "codec/message.hpp"
#include "codec/rdata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wk::dns::codec;
  auto m = parseMessage({data, size});
  if (!m) return 0;
  std::string text = messageToText(*m);
  std::vector<std::uint8_t> out;
  if (!writeMessage(*m, out, 65535, false)) return 0;  // e.g. names too long to re-fit
  auto again = parseMessage(out);
  if (!again) std::abort();
  if (again->answers.size() != m->answers.size() ||
      again->authority.size() != m->authority.size() ||
      again->additional.size() != m->additional.size())
    std::abort();
  for (std::size_t i = 0; i < m->answers.size(); ++i)
    if (again->answers[i].rdata != m->answers[i].rdata) std::abort();
  return 0;
}
