#include <gtest/gtest.h>

#include "codec/request.hpp"
#include "engine/proxy.hpp"

using namespace wk::http;
using namespace wk::http::engine;

TEST(Upstream, Parses) {
  auto u = parseUpstream("http://127.0.0.1:9000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->authority(), "127.0.0.1:9000");
  u = parseUpstream("http://[::1]:8081/base/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->basePath, "/base");
  EXPECT_EQ(u->authority(), "[::1]:8081");
  EXPECT_EQ(parseUpstream("http://backend")->port, 80);
  EXPECT_FALSE(parseUpstream("ftp://x"));
  EXPECT_FALSE(parseUpstream("http://"));
  EXPECT_FALSE(parseUpstream("http://user@host"));
  EXPECT_FALSE(parseUpstream("http://host:99999"));
  EXPECT_FALSE(parseUpstream("http://host:9x"));
  EXPECT_FALSE(parseUpstream("127.0.0.1:9000"));
}

TEST(Routes, LongestSegmentAwarePrefix) {
  std::vector<ReverseRoute> routes{{"/app/", *parseUpstream("http://a")},
                                   {"/app/api/", *parseUpstream("http://b")},
                                   {"/exact", *parseUpstream("http://c")}};
  EXPECT_EQ(matchRoute(routes, "/app/x")->upstream.host, "a");
  EXPECT_EQ(matchRoute(routes, "/app")->upstream.host, "a");
  EXPECT_EQ(matchRoute(routes, "/app/api/v1")->upstream.host, "b");
  EXPECT_EQ(matchRoute(routes, "/exact")->upstream.host, "c");
  EXPECT_EQ(matchRoute(routes, "/exact/more")->upstream.host, "c");
  EXPECT_EQ(matchRoute(routes, "/exact?q")->upstream.host, "c");
  EXPECT_EQ(matchRoute(routes, "/apple"), nullptr);
  EXPECT_EQ(matchRoute(routes, "/exactly"), nullptr);
  EXPECT_EQ(matchRoute(routes, "/"), nullptr);
}

TEST(ProxyRules, UpstreamRequestDropsHopByHopAndAddsForwarding) {
  codec::RequestParser p;
  p.feed(
      "POST /app/x?y=1 HTTP/1.1\r\nHost: site.test\r\nConnection: keep-alive, X-Secret\r\n"
      "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: h2c\r\n"
      "Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 198.51.100.7\r\n"
      "Transfer-Encoding: chunked\r\nAccept: */*\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  ASSERT_EQ(p.state(), codec::RequestParser::State::complete);
  auto up = *parseUpstream("http://127.0.0.1:9000/base");
  auto text = buildUpstreamRequest(p.request(), "/app/x?y=1", up, {.clientAddress = "127.0.0.1"});
  EXPECT_EQ(text.rfind("POST /base/app/x?y=1 HTTP/1.1\r\n", 0), 0u) << text;
  for (const char* gone : {"X-Secret", "Keep-Alive", "TE:", "Upgrade", "Proxy-Authorization",
                           "Transfer-Encoding", "Connection"}) {
    EXPECT_EQ(text.find(gone), std::string::npos) << gone << "\n" << text;
  }
  EXPECT_NE(text.find("Host: site.test\r\n"), std::string::npos);
  EXPECT_NE(text.find("X-Forwarded-For: 198.51.100.7, 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(text.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(text.find("Via: 1.1 wellknown\r\n"), std::string::npos);
  EXPECT_NE(text.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_NE(text.find("Accept: */*\r\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("\r\n\r\n"));
}

TEST(ProxyRules, ResponseRewrite) {
  codec::Headers h;
  h.add("Connection", "close, X-Hop");
  h.add("X-Hop", "1");
  h.add("Transfer-Encoding", "chunked");
  h.add("Via", "1.0 origin");
  h.add("ETag", "\"e\"");
  rewriteResponseHeaders(h);
  EXPECT_FALSE(h.has("Connection"));
  EXPECT_FALSE(h.has("X-Hop"));
  EXPECT_FALSE(h.has("Transfer-Encoding"));
  EXPECT_EQ(h.get("Via"), "1.0 origin, 1.1 wellknown");
  EXPECT_EQ(h.get("ETag"), "\"e\"");
}

TEST(ProxyRules, ForwardProxyReplacesHostWithTheTargetAuthority) {
  codec::RequestParser p;
  p.feed(
      "GET http://origin.test:8080/x HTTP/1.1\r\nHost: wrong.test\r\nExpect: 100-continue\r\n"
      "Proxy-Connection: keep-alive\r\n\r\n");
  ASSERT_EQ(p.state(), codec::RequestParser::State::complete);
  auto up = *parseUpstream("http://origin.test:8080");
  auto text = buildUpstreamRequest(p.request(), "/x", up,
                                   {.clientAddress = "127.0.0.1", .forwardProxy = true});
  EXPECT_EQ(text.rfind("GET /x HTTP/1.1\r\n", 0), 0u) << text;
  EXPECT_NE(text.find("Host: origin.test:8080\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("wrong.test"), std::string::npos) << text;
  EXPECT_EQ(text.find("Expect"), std::string::npos) << text;
  EXPECT_EQ(text.find("Proxy-Connection"), std::string::npos) << text;
}
