// A request parsed from arbitrary bytes and answered by the static site over an in-memory
// tree: target decoding, dot segments, conditionals, ranges and Accept-Encoding all see
// hostile input. Checks that responses stay well-formed: Content-Length matches the body,
// ranges stay inside the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../tests/memory_store.hpp"
#include "codec/request.hpp"
#include "engine/static_site.hpp"

using namespace wk::http;

namespace {

std::shared_ptr<testing::MemoryStore> makeStore() {
  auto store = std::make_shared<testing::MemoryStore>();
  store->add("index.html", "<h1>home</h1>");
  store->add("hello.txt", "0123456789abcdefghij");
  store->add("docs/a b.css", "body{}");
  store->add("app.js", std::string(300, 'j'));
  store->add("app.js.gz", "GZ");
  store->add("app.js.br", "BR");
  store->add("empty.txt", "");
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto store = makeStore();
  static engine::StaticSite site({.index = {"index.html"}, .autoindex = true, .maxRanges = 8},
                                 store);
  codec::RequestParser parser;
  parser.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parser.state() != codec::RequestParser::State::complete) return 0;
  auto r = site.handle(parser.request(), "Thu, 01 Jan 1970 00:00:00 GMT");
  if (r.status() < 100 || r.status() > 599) std::abort();
  auto length = r.head.headers.get("Content-Length");
  if (!r.headOnly && length && std::to_string(r.bodyLength()) != *length) std::abort();
  if (r.file) {
    for (const auto& seg : r.body) {
      if (seg.length && seg.offset + seg.length > r.file->info().size) std::abort();
    }
  }
  return 0;
}
