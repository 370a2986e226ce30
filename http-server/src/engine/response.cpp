#include "engine/response.hpp"

#include "codec/conditional.hpp"

namespace wk::http::engine {

File::File(FileInfo info) : info_(info), lastModified_(codec::formatHttpDate(info.mtime)) {}

std::uint64_t Response::bodyLength() const {
  std::uint64_t n = 0;
  for (const auto& s : body) n += s.text.size() + s.length;
  return n;
}

std::string Response::bodyText() const {
  std::string out;
  for (const auto& s : body) {
    out += s.text;
    if (s.length == 0 || !file) continue;
    std::string chunk(static_cast<std::size_t>(s.length), '\0');
    std::uint64_t got = 0;
    while (got < s.length) {
      auto n = file->read(s.offset + got, std::span<char>(chunk.data() + got, chunk.size() - got));
      if (n <= 0) break;
      got += static_cast<std::uint64_t>(n);
    }
    chunk.resize(static_cast<std::size_t>(got));
    out += chunk;
  }
  return out;
}

}  // namespace wk::http::engine
