#include "codec/response_parser.hpp"

namespace wk::http::codec {

void ResponseParser::reset(std::string_view requestMethod) {
  state_ = State::head;
  error_ = ParseError::none;
  response_ = ResponseMessage{};
  headRequest_ = requestMethod == "HEAD";
  connectRequest_ = requestMethod == "CONNECT";
  head_.reset();
  body_.reset();
}

bool ResponseParser::fail(ParseError e) {
  state_ = State::error;
  error_ = e;
  return false;
}

std::size_t ResponseParser::feed(std::string_view data) {
  std::size_t used = 0;
  if (state_ == State::head) {
    std::size_t size = 0;
    ParseError error = ParseError::none;
    switch (head_.scan(data, limits_.maxRequestLine, limits_.maxHeaderBytes, size, error)) {
      case HeadScanner::Status::more:
        return 0;
      case HeadScanner::Status::error:
        // Upstream heads are not "URIs": report every over-long head the same way.
        fail(error == ParseError::uri_too_long ? ParseError::headers_too_large : error);
        return 0;
      case HeadScanner::Status::complete:
        break;
    }
    if (!parseHead(data.substr(0, size))) return 0;
    used = size;
  }
  if (state_ == State::body) {
    used += body_.feed(data.substr(used), storeBody_ ? &response_.body : nullptr);
    if (body_.error() != ParseError::none) {
      fail(body_.error());
    } else if (body_.done()) {
      state_ = State::complete;
    }
  }
  return used;
}

void ResponseParser::finish() {
  if (state_ == State::body) {
    body_.finish();
    if (body_.error() != ParseError::none) {
      fail(body_.error());
    } else if (body_.done()) {
      state_ = State::complete;
    }
  } else if (state_ == State::head) {
    fail(ParseError::bad_request_line);  // closed before a complete head
  }
}

bool ResponseParser::parseHead(std::string_view head) {
  auto lineEnd = head.find("\r\n");
  auto line = head.substr(0, lineEnd);
  // HTTP/1.1 SP 3DIGIT SP reason (the SP before an empty reason is often missing).
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[5] != '1' || line[6] != '.' ||
      line[7] < '0' || line[7] > '9' || line[8] != ' ') {
    return fail(ParseError::bad_version);
  }
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[static_cast<std::size_t>(i)] < '0' || line[static_cast<std::size_t>(i)] > '9') {
      return fail(ParseError::bad_request_line);
    }
    status = status * 10 + (line[static_cast<std::size_t>(i)] - '0');
  }
  if (status < 100) return fail(ParseError::bad_request_line);
  auto reason = line.substr(12);
  if (!reason.empty()) {
    if (reason[0] != ' ') return fail(ParseError::bad_request_line);
    reason.remove_prefix(1);
    for (char c : reason) {
      if (!isFieldValueChar(static_cast<unsigned char>(c))) {
        return fail(ParseError::bad_request_line);
      }
    }
  }
  auto& r = response_;
  r.status = status;
  r.versionMinor = line[7] == '0' ? 0 : 1;
  r.reason = reason;

  std::size_t pos = lineEnd + 2;
  while (true) {
    auto end = head.find("\r\n", pos);
    auto field = head.substr(pos, end - pos);
    pos = end + 2;
    if (field.empty()) break;
    if (field[0] == ' ' || field[0] == '\t') return fail(ParseError::bad_header);
    std::string_view name, value;
    if (!splitFieldLine(field, name, value)) return fail(ParseError::bad_header);
    if (r.headers.size() >= limits_.maxHeaderCount) return fail(ParseError::headers_too_large);
    r.headers.add(name, value);
  }

  auto connection = r.headers.combined("Connection");
  bool close = connection && listHasToken(*connection, "close");
  bool keepAliveToken = connection && listHasToken(*connection, "keep-alive");
  r.keepAlive = !close && (r.versionMinor == 1 || keepAliveToken);

  // RFC 9112 6.3, in order.
  const bool noBody = headRequest_ || (status >= 100 && status < 200) || status == 204 ||
                      status == 304 || (connectRequest_ && status >= 200 && status < 300);
  const auto te = r.headers.combined("Transfer-Encoding");
  const auto clCount = r.headers.count("Content-Length");
  if (!noBody) {
    if (te && clCount > 0) return fail(ParseError::conflicting_framing);
    if (clCount > 1) return fail(ParseError::bad_content_length);
  }
  if (clCount == 1) {
    auto v = *r.headers.get("Content-Length");
    if (v.empty() || v.size() > 19) return fail(ParseError::bad_content_length);
    std::uint64_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return fail(ParseError::bad_content_length);
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    r.contentLength = n;
  }
  if (noBody) {
    body_.start(BodyReader::Mode::none, 0, limits_);
  } else if (te) {
    auto codings = splitList(*te);
    if (codings.empty()) return fail(ParseError::bad_header);
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
      if (iequals(codings[i], "chunked")) return fail(ParseError::conflicting_framing);
    }
    if (iequals(codings.back(), "chunked")) {
      r.chunked = true;
      body_.start(BodyReader::Mode::chunked, 0, limits_);
    } else {
      // Not chunked last: the body runs to the close (RFC 9112 6.3 item 4).
      r.untilClose = true;
      r.keepAlive = false;
      body_.start(BodyReader::Mode::untilClose, 0, limits_);
    }
  } else if (r.contentLength) {
    if (*r.contentLength > limits_.maxBody) return fail(ParseError::body_too_large);
    body_.start(BodyReader::Mode::length, *r.contentLength, limits_);
  } else {
    r.untilClose = true;
    r.keepAlive = false;
    body_.start(BodyReader::Mode::untilClose, 0, limits_);
  }
  state_ = body_.done() ? State::complete : State::body;
  return true;
}

}  // namespace wk::http::codec
