#include "codec/request.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace wk::http::codec {

int statusFor(ParseError error) {
  switch (error) {
    case ParseError::none:
      return 200;
    case ParseError::version_not_supported:
      return 505;
    case ParseError::uri_too_long:
      return 414;
    case ParseError::headers_too_large:
      return 431;
    case ParseError::unknown_coding:
      return 501;
    case ParseError::body_too_large:
      return 413;
    case ParseError::bad_expectation:
      return 417;
    default:
      return 400;
  }
}

std::string_view describe(ParseError error) {
  switch (error) {
    case ParseError::none:
      return "ok";
    case ParseError::bad_request_line:
      return "malformed request line";
    case ParseError::bad_version:
      return "malformed HTTP version";
    case ParseError::version_not_supported:
      return "HTTP version not supported";
    case ParseError::uri_too_long:
      return "request target too long";
    case ParseError::bad_header:
      return "malformed header field";
    case ParseError::bare_lf:
      return "line ending without CR";
    case ParseError::headers_too_large:
      return "header section too large";
    case ParseError::missing_host:
      return "missing or repeated Host";
    case ParseError::bad_content_length:
      return "invalid Content-Length";
    case ParseError::conflicting_framing:
      return "conflicting message framing";
    case ParseError::unknown_coding:
      return "unsupported transfer coding";
    case ParseError::bad_chunk:
      return "malformed chunked body";
    case ParseError::body_too_large:
      return "request body too large";
    case ParseError::bad_expectation:
      return "unsupported expectation";
  }
  return "error";
}

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool validHost(std::string_view host) {
  // uri-host [ ":" port ]: unreserved / pct-encoded / sub-delims, IP literals in brackets.
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::strchr("-._~%!$&'()*+,;=:[]", c) == nullptr || c == '\0') return false;
  }
  return true;
}

}  // namespace

void RequestParser::reset() {
  state_ = State::head;
  error_ = ParseError::none;
  request_.method.clear();
  request_.target.clear();
  request_.versionMinor = 1;
  request_.headers.clear();
  request_.contentLength.reset();
  request_.chunked = false;
  request_.keepAlive = true;
  request_.expectContinue = false;
  request_.body.clear();
  head_.reset();
  body_.reset();
}

bool RequestParser::fail(ParseError e) {
  state_ = State::error;
  error_ = e;
  return false;
}

std::size_t RequestParser::feed(std::string_view data) {
  std::size_t used = 0;
  while (true) {
    std::size_t n = 0;
    if (state_ == State::head) {
      n = feedHead(data.substr(used));
      if (pauseAfterHead_ && state_ == State::body) return used + n;
    } else if (state_ == State::body) {
      n = feedBody(data.substr(used));
    } else {
      return used;
    }
    used += n;
    if (n == 0 && state_ != State::complete) return used;
    if (state_ == State::complete || state_ == State::error) return used;
  }
}

std::size_t RequestParser::feedHead(std::string_view data) {
  // RFC 9112 2.2: ignore empty lines before the request line (some clients send CRLF after
  // a POST body).
  if (!head_.started() && !data.empty() && (data[0] == '\r' || data[0] == '\n')) {
    if (data[0] == '\n') return fail(ParseError::bare_lf), 0;
    if (data.size() < 2) return 0;
    if (data[1] != '\n') return fail(ParseError::bad_request_line), 0;
    return 2;
  }
  std::size_t size = 0;
  ParseError error = ParseError::none;
  switch (head_.scan(data, limits_.maxRequestLine, limits_.maxHeaderBytes, size, error)) {
    case HeadScanner::Status::more:
      return 0;
    case HeadScanner::Status::error:
      return fail(error), 0;
    case HeadScanner::Status::complete:
      break;
  }
  if (!parseHead(data.substr(0, size))) return 0;
  return size;
}

bool RequestParser::parseHead(std::string_view head) {
  auto lineEnd = head.find("\r\n");
  if (!parseRequestLine(head.substr(0, lineEnd))) return false;
  std::size_t pos = lineEnd + 2;
  while (true) {
    auto end = head.find("\r\n", pos);
    auto line = head.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) break;
    // obs-fold, or whitespace before the first field (RFC 9112 2.2, 5.2): refused.
    if (line[0] == ' ' || line[0] == '\t') return fail(ParseError::bad_header);
    std::string_view name, value;
    if (!splitFieldLine(line, name, value)) return fail(ParseError::bad_header);
    if (request_.headers.size() >= limits_.maxHeaderCount) {
      return fail(ParseError::headers_too_large);
    }
    request_.headers.add(name, value);
  }
  if (!checkFraming()) return false;
  if (request_.chunked) {
    body_.start(BodyReader::Mode::chunked, 0, limits_);
  } else {
    body_.start(BodyReader::Mode::length, request_.contentLength.value_or(0), limits_);
  }
  state_ = body_.done() ? State::complete : State::body;
  return true;
}

bool RequestParser::parseRequestLine(std::string_view line) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(ParseError::bad_request_line);
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(ParseError::bad_request_line);
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (!isToken(method)) return fail(ParseError::bad_request_line);
  if (target.empty()) return fail(ParseError::bad_request_line);
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return fail(ParseError::bad_request_line);
  }
  if (target.size() > limits_.maxRequestLine) return fail(ParseError::uri_too_long);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !isDigit(version[5]) ||
      version[6] != '.' || !isDigit(version[7])) {
    return fail(ParseError::bad_version);
  }
  if (version[5] != '1') return fail(ParseError::version_not_supported);
  request_.method = method;
  request_.target = target;
  // HTTP/1.2 and later minors are HTTP/1.1-compatible (RFC 9110 2.5).
  request_.versionMinor = version[7] == '0' ? 0 : 1;
  return true;
}

bool RequestParser::checkFraming() {
  auto& h = request_.headers;
  const bool http10 = request_.versionMinor == 0;

  auto hosts = h.count("Host");
  if (hosts > 1 || (!http10 && hosts == 0)) return fail(ParseError::missing_host);
  if (hosts == 1 && !validHost(*h.get("Host"))) return fail(ParseError::missing_host);

  const auto clCount = h.count("Content-Length");
  const auto te = h.combined("Transfer-Encoding");
  if (te) {
    // Both framings, or chunked from an HTTP/1.0 peer: two parsers could disagree on where
    // this message ends (RFC 9112 6.1, 6.3), so refuse.
    if (clCount > 0 || http10) return fail(ParseError::conflicting_framing);
    auto codings = splitList(*te);
    if (codings.empty()) return fail(ParseError::bad_header);
    bool chunkedLast = iequals(codings.back(), "chunked");
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
      // chunked twice, or not last: the body length is undeterminable.
      if (iequals(codings[i], "chunked")) return fail(ParseError::conflicting_framing);
    }
    if (!chunkedLast) return fail(ParseError::conflicting_framing);
    if (codings.size() > 1) return fail(ParseError::unknown_coding);
    request_.chunked = true;
  }
  if (clCount > 1) return fail(ParseError::bad_content_length);
  if (clCount == 1) {
    auto v = *h.get("Content-Length");
    if (v.empty() || v.size() > 19) return fail(ParseError::bad_content_length);
    std::uint64_t n = 0;
    for (char c : v) {
      if (!isDigit(c)) return fail(ParseError::bad_content_length);
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > limits_.maxBody) return fail(ParseError::body_too_large);
    request_.contentLength = n;
  }

  auto connection = h.combined("Connection");
  bool close = connection && listHasToken(*connection, "close");
  bool keepAlive = connection && listHasToken(*connection, "keep-alive");
  request_.keepAlive = !close && (!http10 || keepAlive);

  if (auto expect = h.get("Expect")) {
    if (!iequals(*expect, "100-continue")) return fail(ParseError::bad_expectation);
    request_.expectContinue = !http10;
  }
  return true;
}

std::size_t RequestParser::feedBody(std::string_view data) {
  auto n = body_.feed(data, storeBody_ ? &request_.body : nullptr);
  if (body_.error() != ParseError::none) {
    fail(body_.error());
  } else if (body_.done()) {
    state_ = State::complete;
  }
  return n;
}

}  // namespace wk::http::codec
