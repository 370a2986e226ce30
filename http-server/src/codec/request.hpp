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

#include "codec/body.hpp"
#include "codec/headers.hpp"
#include "codec/message.hpp"

namespace wk::http::codec {

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
  // When set, feed() returns as soon as the head is parsed (state body), so the caller can
  // choose storeBody() for this request before any body byte is consumed.
  void pauseAfterHead(bool pause) { pauseAfterHead_ = pause; }
  // Ready for the next request on the connection.
  void reset();

 private:
  std::size_t feedHead(std::string_view data);
  std::size_t feedBody(std::string_view data);
  bool parseHead(std::string_view head);
  bool parseRequestLine(std::string_view line);
  bool checkFraming();
  bool fail(ParseError e);

  Limits limits_;
  State state_ = State::head;
  ParseError error_ = ParseError::none;
  Request request_;
  bool storeBody_ = true;
  bool pauseAfterHead_ = false;
  HeadScanner head_;
  BodyReader body_;
};

}  // namespace wk::http::codec
