#pragma once
// Message body framing shared by the request and response parsers (RFC 9112 6, 7):
// a known length, the chunked coding (size lines, extensions, trailers, each bounded),
// or - responses only - everything until the connection closes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/headers.hpp"
#include "codec/message.hpp"

namespace wk::http::codec {

class BodyReader {
 public:
  enum class Mode { none, length, chunked, untilClose };

  void reset();
  void start(Mode mode, std::uint64_t length, const Limits& limits);

  // Uses body bytes from the front of data, appending them to sink (if not null).
  std::size_t feed(std::string_view data, std::string* sink);
  // The peer closed: completes an untilClose body, anything else unfinished is an error.
  void finish();

  Mode mode() const { return mode_; }
  bool done() const { return done_; }
  ParseError error() const { return error_; }
  std::uint64_t received() const { return received_; }

 private:
  std::size_t feedChunked(std::string_view data, std::string* sink);
  std::size_t fail(ParseError e, std::size_t used) {
    error_ = e;
    return used;
  }

  enum class Chunk { size, data, dataCrlf, trailer };

  Mode mode_ = Mode::none;
  Limits limits_;
  bool done_ = true;
  ParseError error_ = ParseError::none;
  std::uint64_t remaining_ = 0;
  std::uint64_t received_ = 0;
  Chunk chunk_ = Chunk::size;
  std::size_t trailerBytes_ = 0;
  std::string line_;  // a partial chunk-size or trailer line
};

// Shared by both parsers: "name: value" with a token name and field-value characters.
bool splitFieldLine(std::string_view line, std::string_view& name, std::string_view& value);

// Finds the end of a message head in data (start line, fields, empty line), refusing a
// bare LF and heads over the limits before they complete. Remembers how far it scanned.
class HeadScanner {
 public:
  enum class Status { more, complete, error };
  void reset() {
    scanned_ = 0;
    firstLf_ = std::string_view::npos;
  }
  // On complete, size is the head's length (terminator included).
  Status scan(std::string_view data, std::size_t maxStartLine, std::size_t maxHead,
              std::size_t& size, ParseError& error);
  bool started() const { return scanned_ != 0; }

 private:
  std::size_t scanned_ = 0;
  std::size_t firstLf_ = std::string_view::npos;
};

}  // namespace wk::http::codec
