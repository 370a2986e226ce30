#pragma once
// What the request and response parsers share: their errors (each with the status code a
// server answers it with) and their limits.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wk::http::codec {

enum class ParseError {
  none = 0,
  bad_request_line,       // 400
  bad_version,            // 400
  version_not_supported,  // 505
  uri_too_long,           // 414
  bad_header,             // 400: bad name, CTL in value, obs-fold, space before colon
  bare_lf,                // 400
  headers_too_large,      // 431
  missing_host,           // 400 (HTTP/1.1 without exactly one Host)
  bad_content_length,     // 400: not digits, repeated, overflow
  conflicting_framing,    // 400: Content-Length and Transfer-Encoding, or TE in HTTP/1.0
  unknown_coding,         // 501: a transfer coding other than chunked
  bad_chunk,              // 400: chunk size, extension, missing CRLF, trailer
  body_too_large,         // 413
  bad_expectation,        // 417
};

// The status code a server answers a parse error with.
int statusFor(ParseError error);
std::string_view describe(ParseError error);

struct Limits {
  std::size_t maxRequestLine = 8192;   // 414 beyond
  std::size_t maxHeaderBytes = 32768;  // the whole head, request line included; 431
  std::size_t maxHeaderCount = 100;    // 431
  std::uint64_t maxBody = 1 << 20;     // 413
  std::size_t maxChunkLine = 4096;     // chunk size + extensions
  std::size_t maxTrailerBytes = 8192;
};

}  // namespace wk::http::codec
