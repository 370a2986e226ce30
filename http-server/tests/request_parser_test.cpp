#include <gtest/gtest.h>

#include <string>

#include "codec/request.hpp"

using namespace wk::http::codec;
using State = RequestParser::State;

namespace {

// Feeds everything at once; returns the parser for inspection.
RequestParser parseAll(std::string_view text, Limits limits = {}) {
  RequestParser p(limits);
  std::string buffer(text);
  auto n = p.feed(buffer);
  EXPECT_LE(n, buffer.size());
  return p;
}

// Feeds one byte at a time the way a connection would (buffer grows, front consumed).
RequestParser parseBytewise(std::string_view text, std::size_t* used = nullptr) {
  RequestParser p;
  std::string buffer;
  std::size_t total = 0;
  for (char c : text) {
    buffer.push_back(c);
    auto n = p.feed(buffer);
    buffer.erase(0, n);
    total += n;
    if (p.state() == State::complete || p.state() == State::error) break;
  }
  if (used) *used = total;
  return p;
}

ParseError errorOf(std::string_view text, Limits limits = {}) {
  auto p = parseAll(text, limits);
  EXPECT_EQ(p.state(), State::error) << text;
  return p.error();
}

}  // namespace

TEST(RequestParser, SimpleGet) {
  auto p = parseAll("GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().target, "/index.html?q=1");
  EXPECT_EQ(p.request().versionMinor, 1);
  EXPECT_EQ(p.request().headers.get("host"), "example.com");
  EXPECT_TRUE(p.request().keepAlive);
  EXPECT_FALSE(p.request().hasBody());
}

TEST(RequestParser, ConsumesExactlyOneRequestWhenPipelined) {
  std::string two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  RequestParser p;
  auto n = p.feed(two);
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().target, "/a");
  p.reset();
  auto m = p.feed(std::string_view(two).substr(n));
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().target, "/b");
  EXPECT_EQ(n + m, two.size());
}

TEST(RequestParser, BytewiseFeedingGivesTheSameResult) {
  std::string text =
      "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;name=val\r\nWiki\r\n5\r\npedia\r\n0\r\nExpires: x\r\n\r\nNEXT";
  std::size_t used = 0;
  auto p = parseBytewise(text, &used);
  ASSERT_EQ(p.state(), State::complete) << describe(p.error());
  EXPECT_EQ(p.request().body, "Wikipedia");
  EXPECT_EQ(used, text.size() - 4);
}

TEST(RequestParser, ContentLengthBody) {
  auto p = parseAll("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().body, "hello");
}

TEST(RequestParser, WaitsForTheBody) {
  RequestParser p;
  std::string buf = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel";
  auto n = p.feed(buf);
  EXPECT_EQ(n, buf.size());
  EXPECT_EQ(p.state(), State::body);
  EXPECT_EQ(p.feed("lo"), 2u);
  EXPECT_EQ(p.state(), State::complete);
}

TEST(RequestParser, DiscardsBodyWhenAsked) {
  RequestParser p;
  p.storeBody(false);
  p.feed("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(p.state(), State::complete);
  EXPECT_TRUE(p.request().body.empty());
}

TEST(RequestParser, IgnoresLeadingEmptyLines) {
  auto p = parseAll("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(p.state(), State::complete);
}

TEST(RequestParser, IncompleteHeadConsumesNothing) {
  RequestParser p;
  EXPECT_EQ(p.feed("GET / HTTP/1.1\r\nHost: h\r\n"), 0u);
  EXPECT_EQ(p.state(), State::head);
}

TEST(RequestParser, KeepAliveRules) {
  EXPECT_FALSE(
      parseAll("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").request().keepAlive);
  EXPECT_FALSE(parseAll("GET / HTTP/1.0\r\n\r\n").request().keepAlive);
  EXPECT_TRUE(parseAll("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").request().keepAlive);
  EXPECT_FALSE(
      parseAll("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n").request().keepAlive);
}

TEST(RequestParser, HeaderValuesTrimmedAndCaseInsensitive) {
  auto p = parseAll("GET / HTTP/1.1\r\nhOsT: h\r\nX-A: \t spaced out \t\r\n\r\n");
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().headers.get("X-a"), "spaced out");
}

// --- strictness: every one of these is a smuggling vector somewhere ---

TEST(RequestParser, RefusesBareLf) {
  EXPECT_EQ(errorOf("GET / HTTP/1.1\nHost: h\r\n\r\n"), ParseError::bare_lf);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\n\r\n"), ParseError::bare_lf);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\n\n"), ParseError::bare_lf);
  EXPECT_EQ(errorOf("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bare_lf);
}

TEST(RequestParser, RefusesBareCrInAField) {
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"), ParseError::bad_header);
}

TEST(RequestParser, RefusesContentLengthWithTransferEncoding) {
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ParseError::conflicting_framing);
  EXPECT_EQ(statusFor(ParseError::conflicting_framing), 400);
}

TEST(RequestParser, RefusesDuplicateContentLength) {
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n"),
            ParseError::bad_content_length);
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 4\r\n\r\n"),
            ParseError::bad_content_length);
}

TEST(RequestParser, RefusesBadContentLength) {
  for (auto v : {"-1", "+4", "0x10", "4 4", "", "99999999999999999999", "1.0"}) {
    EXPECT_EQ(
        errorOf(std::string("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ") + v + "\r\n\r\n"),
        ParseError::bad_content_length)
        << v;
  }
}

TEST(RequestParser, RefusesTransferEncodingVariants) {
  auto te = [](std::string v) {
    return errorOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + v + "\r\n\r\n");
  };
  EXPECT_EQ(te("gzip"), ParseError::conflicting_framing);  // chunked not last: 400
  EXPECT_EQ(te("chunked, chunked"), ParseError::conflicting_framing);
  EXPECT_EQ(te("gzip, chunked"), ParseError::unknown_coding);
  EXPECT_EQ(statusFor(ParseError::unknown_coding), 501);
  EXPECT_EQ(te("xchunked"), ParseError::conflicting_framing);
  EXPECT_EQ(errorOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ParseError::conflicting_framing);
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n"),
            ParseError::bad_header);
}

TEST(RequestParser, TransferEncodingIsCaseInsensitiveAndListCombined) {
  auto p = parseAll("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(p.state(), State::complete);
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"),
            ParseError::conflicting_framing);
}

TEST(RequestParser, RefusesBadChunks) {
  auto chunked = [](std::string body) {
    return errorOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
  };
  EXPECT_EQ(chunked("g\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked("-1\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked("0x5\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked(" 5\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked("5 \r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked("5\r\nhelloX\r\n"), ParseError::bad_chunk);  // data longer than size
  EXPECT_EQ(chunked("5\nhello\r\n"), ParseError::bare_lf);
  EXPECT_EQ(chunked("5\r\nhello\n0\r\n\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked("10000000000000000\r\n"), ParseError::bad_chunk);  // 2^64 overflow
  EXPECT_EQ(chunked("0\r\nBad Trailer\r\n\r\n"), ParseError::bad_chunk);
  EXPECT_EQ(chunked("5\r\nhello\r\n0\r\n\n"), ParseError::bare_lf);
}

TEST(RequestParser, ChunkExtensionsAccepted) {
  auto p = parseAll(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3 ;a=\"b\"\r\nabc\r\n0\r\n\r\n");
  ASSERT_EQ(p.state(), State::complete) << describe(p.error());
  EXPECT_EQ(p.request().body, "abc");
}

TEST(RequestParser, RefusesMalformedRequestLines) {
  EXPECT_EQ(errorOf("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_request_line);
  EXPECT_EQ(errorOf("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), ParseError::bad_version);
  EXPECT_EQ(errorOf("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_version);
  EXPECT_EQ(errorOf("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_request_line);
  EXPECT_EQ(errorOf("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_request_line);
  EXPECT_EQ(errorOf("GET / HTTP/1\r\nHost: h\r\n\r\n"), ParseError::bad_version);
  EXPECT_EQ(errorOf("GET / http/1.1\r\nHost: h\r\n\r\n"), ParseError::bad_version);
  EXPECT_EQ(errorOf("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), ParseError::version_not_supported);
  EXPECT_EQ(statusFor(ParseError::version_not_supported), 505);
  EXPECT_EQ(errorOf("GET /\r\n\r\n"), ParseError::bad_request_line);
}

TEST(RequestParser, RefusesBadHeaderLines) {
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n"),
            ParseError::bad_header);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), ParseError::bad_header);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n"), ParseError::bad_header);
  static constexpr char kNul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
  EXPECT_EQ(errorOf(std::string(kNul, sizeof kNul - 1)), ParseError::bad_header);
}

TEST(RequestParser, HostRules) {
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\n\r\n"), ParseError::missing_host);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), ParseError::missing_host);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), ParseError::missing_host);
  EXPECT_EQ(parseAll("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").state(), State::complete);
  EXPECT_EQ(parseAll("GET / HTTP/1.0\r\n\r\n").state(), State::complete);
}

TEST(RequestParser, Limits) {
  Limits limits;
  limits.maxRequestLine = 64;
  limits.maxHeaderBytes = 256;
  limits.maxHeaderCount = 3;
  limits.maxBody = 10;
  // A long target is refused before the line even ends.
  EXPECT_EQ(errorOf("GET /" + std::string(100, 'a'), limits), ParseError::uri_too_long);
  EXPECT_EQ(statusFor(ParseError::uri_too_long), 414);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'a'), limits),
            ParseError::headers_too_large);
  EXPECT_EQ(errorOf("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits),
            ParseError::headers_too_large);
  EXPECT_EQ(statusFor(ParseError::headers_too_large), 431);
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits),
            ParseError::body_too_large);
  EXPECT_EQ(errorOf("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "6\r\nabcdef\r\n6\r\nabcdef\r\n",
                    limits),
            ParseError::body_too_large);
  EXPECT_EQ(statusFor(ParseError::body_too_large), 413);
}

TEST(RequestParser, Expect) {
  auto p =
      parseAll("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
  EXPECT_EQ(p.state(), State::body);
  EXPECT_TRUE(p.request().expectContinue);
  EXPECT_EQ(errorOf("PUT / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n"),
            ParseError::bad_expectation);
}

TEST(RequestParser, ResetAllowsReuse) {
  RequestParser p;
  p.feed("GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nz");
  ASSERT_EQ(p.state(), State::complete);
  p.reset();
  p.feed("GET /y HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().target, "/y");
  EXPECT_FALSE(p.request().contentLength.has_value());
  EXPECT_EQ(p.request().headers.size(), 1u);
}

TEST(RequestParser, PauseAfterHeadLetsTheCallerChooseBodyStorage) {
  RequestParser p;
  p.pauseAfterHead(true);
  std::string buf = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  auto n = p.feed(buf);
  EXPECT_EQ(p.state(), State::body);
  EXPECT_EQ(n, buf.size() - 3);
  p.storeBody(true);
  EXPECT_EQ(p.feed(std::string_view(buf).substr(n)), 3u);
  EXPECT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.request().body, "abc");
}
