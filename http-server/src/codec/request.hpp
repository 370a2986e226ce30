#pragma once
// A strict, incremental HTTP/1.1 request parser (RFC 9112).
//
// Strict because lenient framing is how request smuggling happens: anything two parsers
// could read differently is refused, never guessed at. A bare LF, whitespace before a
// header colon, obs-fold, Content-Length together with Transfer-Encoding, a repeated or
// malformed Content-Length, an unknown transfer coding, a bad chunk size: each is an error
// with the status code the server answers with (then closes the connection).
//
// The parser does not own the connection's buffer. feed() is given all unconsumed bytes
// and returns how many it used: nothing until the whole head has arrived (it remembers how
// far it has scanned), then the head, then body bytes as they come.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/headers.hpp"

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

struct Request {
  std::string method;
  std::string target;
  int versionMinor = 1;  // HTTP/1.x
  Headers headers;
  std::optional<std::uint64_t> contentLength;
  bool chunked = false;
  bool keepAlive = true;
  bool expectContinue = false;
  std::string body;  // only when the parser stores bodies

  bool hasBody() const { return chunked || contentLength.value_or(0) > 0; }
};

class RequestParser {
 public:
  enum class State { head, body, complete, error };

  explicit RequestParser(Limits limits = {}) : limits_(limits) {}

  // Uses bytes from the front of data (all unconsumed bytes of the connection) and
  // returns how many. Call again with more data while state() is head or body.
  std::size_t feed(std::string_view data);

  State state() const { return state_; }
  ParseError error() const { return error_; }
  Request& request() { return request_; }
  const Request& request() const { return request_; }
  const Limits& limits() const { return limits_; }

  // When false, body bytes are consumed and dropped (a static server reading past a body
  // it will not use, to keep the connection's framing).
  void storeBody(bool store) { storeBody_ = store; }
  // Ready for the next request on the connection.
  void reset();

 private:
  std::size_t feedHead(std::string_view data);
  bool parseHead(std::string_view head);
  bool parseRequestLine(std::string_view line);
  bool checkFraming();
  std::size_t feedBody(std::string_view data);
  std::size_t feedChunked(std::string_view data);
  bool fail(ParseError e);
  void appendBody(std::string_view bytes);

  enum class Chunk { size, data, dataCrlf, trailer };

  Limits limits_;
  State state_ = State::head;
  ParseError error_ = ParseError::none;
  Request request_;
  bool storeBody_ = true;
  std::size_t scanned_ = 0;                       // head bytes already checked for a terminator
  std::size_t firstLf_ = std::string_view::npos;  // end of the request line, once seen
  std::uint64_t remaining_ = 0;
  std::uint64_t received_ = 0;
  Chunk chunk_ = Chunk::size;
  std::size_t trailerBytes_ = 0;
  std::string line_;  // a partial chunk line or trailer line
};

}  // namespace wk::http::codec
