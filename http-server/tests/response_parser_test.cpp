#include "codec/response_parser.hpp"

#include <gtest/gtest.h>

using namespace wk::http::codec;
using State = ResponseParser::State;

namespace {

ResponseParser parse(std::string_view text, std::string_view method = "GET", bool eof = false) {
  ResponseParser p;
  p.reset(method);
  std::string buffer;
  // Byte by byte, as an upstream socket might deliver it.
  for (char c : text) {
    buffer.push_back(c);
    buffer.erase(0, p.feed(buffer));
    if (p.state() == State::complete || p.state() == State::error) break;
  }
  if (eof) p.finish();
  return p;
}

}  // namespace

TEST(ResponseParser, ContentLength) {
  auto p = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello");
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.response().status, 200);
  EXPECT_EQ(p.response().reason, "OK");
  EXPECT_EQ(p.response().body, "hello");
  EXPECT_TRUE(p.response().keepAlive);
  EXPECT_EQ(p.response().headers.get("etag"), "\"x\"");
}

TEST(ResponseParser, Chunked) {
  auto p = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.response().body, "abc");
  EXPECT_TRUE(p.response().chunked);
}

TEST(ResponseParser, UntilCloseNeedsFinish) {
  auto p = parse("HTTP/1.1 200 OK\r\n\r\nstream", "GET", false);
  EXPECT_EQ(p.state(), State::body);
  p.finish();
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.response().body, "stream");
  EXPECT_FALSE(p.response().keepAlive);
  // A length-delimited body cut short is an error, not a complete response.
  auto q = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "GET", true);
  EXPECT_EQ(q.state(), State::error);
}

TEST(ResponseParser, NoBodyCases) {
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", "HEAD").state(),
            State::complete);
  EXPECT_EQ(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n").state(),
            State::complete);
  EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\n\r\n").state(), State::complete);
  EXPECT_EQ(parse("HTTP/1.1 100 Continue\r\n\r\n").state(), State::complete);
  EXPECT_EQ(parse("HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT").state(),
            State::complete);
}

TEST(ResponseParser, KeepAlive) {
  EXPECT_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                   .response()
                   .keepAlive);
  EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").response().keepAlive);
  EXPECT_TRUE(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                  .response()
                  .keepAlive);
}

TEST(ResponseParser, EmptyReasonWithOrWithoutSpace) {
  EXPECT_EQ(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").state(), State::complete);
  EXPECT_EQ(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").state(), State::complete);
}

TEST(ResponseParser, RefusesAmbiguousFraming) {
  auto err = [](std::string_view text) {
    auto p = parse(text);
    EXPECT_EQ(p.state(), State::error) << text;
    return p.error();
  };
  EXPECT_EQ(err("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ParseError::conflicting_framing);
  EXPECT_EQ(err("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
            ParseError::bad_content_length);
  EXPECT_EQ(err("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n"), ParseError::bad_content_length);
  EXPECT_EQ(err("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), ParseError::bare_lf);
  EXPECT_EQ(err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n"),
            ParseError::bad_chunk);
  EXPECT_EQ(err("HTTP/2 200 OK\r\n\r\n"), ParseError::bad_version);
  EXPECT_EQ(err("HTTP/1.1 20x OK\r\n\r\n"), ParseError::bad_request_line);
  EXPECT_EQ(err("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n"), ParseError::bad_header);
}

TEST(ResponseParser, TransferEncodingNotChunkedLastReadsToClose) {
  auto p = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz", "GET", true);
  ASSERT_EQ(p.state(), State::complete);
  EXPECT_EQ(p.response().body, "zzz");
  EXPECT_FALSE(p.response().keepAlive);
}

TEST(ResponseParser, BodyLimit) {
  Limits limits;
  limits.maxBody = 4;
  ResponseParser p(limits);
  p.reset("GET");
  p.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(p.error(), ParseError::body_too_large);
  ResponseParser q(limits);
  q.reset("GET");
  q.feed("HTTP/1.1 200 OK\r\n\r\n12345");
  EXPECT_EQ(q.error(), ParseError::body_too_large);
}
