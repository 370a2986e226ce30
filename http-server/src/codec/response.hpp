#pragma once
// Response serialisation: status line, header section, chunked framing.

#include <string>
#include <string_view>

#include "codec/headers.hpp"

namespace wk::http::codec {

std::string_view reasonPhrase(int status);

struct ResponseHead {
  int status = 200;
  Headers headers;
};

// Appends "HTTP/1.1 <status> <reason>", the fields and the empty line to out. CR, LF and
// NUL in names or values (which would let a value inject a header) are replaced by spaces.
void serializeHead(const ResponseHead& head, std::string& out);

// Chunked transfer coding for bodies of unknown length.
void appendChunk(std::string_view data, std::string& out);
void appendLastChunk(std::string& out);

}  // namespace wk::http::codec
