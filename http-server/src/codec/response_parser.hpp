#pragma once
// An incremental HTTP/1.1 response parser for the proxy's upstream side (RFC 9112), as
// strict as the request parser: a response two parsers could frame differently (both
// Content-Length and Transfer-Encoding, a repeated or malformed Content-Length, a bad
// chunk) is an error, answered to the client as 502, never forwarded.
//
// Body framing follows RFC 9112 6.3: none for HEAD, 1xx, 204 and 304; chunked; a length;
// else everything until the upstream closes (call finish() on EOF).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/body.hpp"
#include "codec/headers.hpp"
#include "codec/message.hpp"

namespace wk::http::codec {

struct ResponseMessage {
  int status = 0;
  int versionMinor = 1;
  std::string reason;
  Headers headers;
  std::optional<std::uint64_t> contentLength;
  bool chunked = false;
  bool untilClose = false;  // body delimited by the connection closing
  bool keepAlive = true;    // the upstream connection can carry another request
  std::string body;
};

class ResponseParser {
 public:
  enum class State { head, body, complete, error };

  explicit ResponseParser(Limits limits = {}) : limits_(limits) {}

  // requestMethod decides whether a body follows (HEAD: never; CONNECT 2xx: a tunnel).
  void reset(std::string_view requestMethod = "GET");
  std::size_t feed(std::string_view data);
  // The upstream closed the connection.
  void finish();

  State state() const { return state_; }
  ParseError error() const { return error_; }
  ResponseMessage& response() { return response_; }
  void storeBody(bool store) { storeBody_ = store; }

 private:
  bool parseHead(std::string_view head);
  bool fail(ParseError e);

  Limits limits_;
  State state_ = State::head;
  ParseError error_ = ParseError::none;
  ResponseMessage response_;
  bool headRequest_ = false;
  bool connectRequest_ = false;
  bool storeBody_ = true;
  HeadScanner head_;
  BodyReader body_;
};

}  // namespace wk::http::codec
