#include "engine/static_site.hpp"

#include <gtest/gtest.h>

#include <map>

#include "codec/request.hpp"
#include "engine/cached_store.hpp"
#include "engine/mime.hpp"
#include "memory_store.hpp"

using namespace wk::http;
using namespace wk::http::engine;
using wk::http::testing::MemoryStore;

namespace {

constexpr std::string_view kDate = "Tue, 14 Nov 2023 22:13:20 GMT";

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::make_shared<MemoryStore>();
    store->add("index.html", "<h1>home</h1>");
    store->add("hello.txt", "0123456789abcdefghij");  // 20 bytes
    store->add("docs/a.css", "body{}");
    store->add("docs/b <&>.txt", "x");
    store->add("empty/sub/x.bin", "x");
    store->add("app.js", "console.log('identity')");
    store->add("app.js.gz", "GZIPPED");
    store->add("app.js.br", "BROTLI");
    store->add("only.css", "plain");
    store->add("only.css.gz", "gz");
  }

  Response get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {},
               std::string method = "GET") {
    codec::RequestParser parser;
    std::string text = method + " " + target + " HTTP/1.1\r\nHost: test\r\n";
    for (auto& [k, v] : headers) text += k + ": " + v + "\r\n";
    text += "\r\n";
    parser.feed(text);
    EXPECT_EQ(parser.state(), codec::RequestParser::State::complete) << text;
    StaticSite site(config, store);
    return site.handle(parser.request(), kDate);
  }

  std::string header(const Response& r, std::string_view name) {
    return std::string(r.head.headers.get(name).value_or("<none>"));
  }

  StaticConfig config;
  std::shared_ptr<MemoryStore> store;
};

}  // namespace

TEST_F(StaticSiteTest, ServesAFileWithValidators) {
  auto r = get("/hello.txt");
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.bodyText(), "0123456789abcdefghij");
  EXPECT_EQ(header(r, "Content-Length"), "20");
  EXPECT_EQ(header(r, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header(r, "Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(header(r, "ETag"), "\"6553f100-14\"");
  EXPECT_EQ(header(r, "Accept-Ranges"), "bytes");
  EXPECT_EQ(header(r, "Date"), kDate);
  EXPECT_EQ(header(r, "Vary"), "<none>");
}

TEST_F(StaticSiteTest, HeadHasTheHeadersButNoBody) {
  auto r = get("/hello.txt", {}, "HEAD");
  EXPECT_EQ(r.status(), 200);
  EXPECT_TRUE(r.headOnly);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(header(r, "Content-Length"), "20");
}

TEST_F(StaticSiteTest, NotFoundAndForbidden) {
  EXPECT_EQ(get("/nope").status(), 404);
  EXPECT_EQ(get("/hello.txt/").status(), 404);
  store->forbidden.push_back("secret");
  EXPECT_EQ(get("/secret").status(), 403);
}

TEST_F(StaticSiteTest, DirectoriesRedirectThenServeIndex) {
  auto r = get("/docs?x=1");
  EXPECT_EQ(r.status(), 301);
  EXPECT_EQ(header(r, "Location"), "/docs/?x=1");
  EXPECT_EQ(get("/").bodyText(), "<h1>home</h1>");
  EXPECT_EQ(get("/docs/").status(), 403);  // no index, autoindex off
}

TEST_F(StaticSiteTest, AutoindexEscapesNames) {
  config.autoindex = true;
  auto r = get("/docs/");
  ASSERT_EQ(r.status(), 200);
  auto html = r.bodyText();
  EXPECT_NE(html.find("<a href=\"a.css\">a.css</a>"), std::string::npos) << html;
  EXPECT_NE(html.find("<a href=\"b%20%3C&amp;%3E.txt\">b &lt;&amp;&gt;.txt</a>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"../\">"), std::string::npos);
  EXPECT_NE(get("/empty/").bodyText().find("<a href=\"sub/\">sub/</a>"), std::string::npos);
}

TEST_F(StaticSiteTest, PathsAreDecodedAndNormalised) {
  EXPECT_EQ(get("/docs/../hello.txt").status(), 200);
  EXPECT_EQ(get("/%68ello.txt").status(), 200);
  EXPECT_EQ(get("/./docs/./a.css").status(), 200);
  EXPECT_EQ(get("/docs/b%20%3C%26%3E.txt").status(), 200);
  EXPECT_EQ(get("/../hello.txt").status(), 400);
  EXPECT_EQ(get("/%2e%2e/hello.txt").status(), 400);
  EXPECT_EQ(get("/docs/%2e%2e/%2e%2e/etc/passwd").status(), 400);
  EXPECT_EQ(get("/hello.txt%00.html").status(), 400);
  EXPECT_EQ(get("/%zz").status(), 400);
  EXPECT_EQ(get("/%4").status(), 400);
  EXPECT_EQ(get("http://example.com/hello.txt").status(), 200);
  EXPECT_EQ(get("hello.txt").status(), 400);
}

TEST_F(StaticSiteTest, TargetPathParsing) {
  auto t = parseTargetPath("/a/b/?q");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rel, "a/b");
  EXPECT_TRUE(t->trailingSlash);
  EXPECT_EQ(t->query, "q");
  EXPECT_EQ(parseTargetPath("http://h")->rel, "");
  EXPECT_FALSE(parseTargetPath("/a#frag"));
}

TEST_F(StaticSiteTest, IfNoneMatchAndIfModifiedSince) {
  auto etag = header(get("/hello.txt"), "ETag");
  auto r = get("/hello.txt", {{"If-None-Match", "\"zzz\", " + etag}});
  EXPECT_EQ(r.status(), 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(header(r, "ETag"), etag);
  EXPECT_EQ(header(r, "Content-Length"), "<none>");
  EXPECT_EQ(get("/hello.txt", {{"If-None-Match", "W/" + etag}}).status(), 304);  // weak compare
  EXPECT_EQ(get("/hello.txt", {{"If-None-Match", "*"}}).status(), 304);
  EXPECT_EQ(get("/hello.txt", {{"If-None-Match", "\"other\""}}).status(), 200);
  EXPECT_EQ(get("/hello.txt", {{"If-Modified-Since", std::string(kDate)}}).status(), 304);
  EXPECT_EQ(get("/hello.txt", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}}).status(),
            200);
  EXPECT_EQ(get("/hello.txt", {{"If-Modified-Since", "garbage"}}).status(), 200);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(
      get("/hello.txt", {{"If-None-Match", "\"other\""}, {"If-Modified-Since", std::string(kDate)}})
          .status(),
      200);
}

TEST_F(StaticSiteTest, IfMatchAndIfUnmodifiedSince) {
  auto etag = header(get("/hello.txt"), "ETag");
  EXPECT_EQ(get("/hello.txt", {{"If-Match", etag}}).status(), 200);
  EXPECT_EQ(get("/hello.txt", {{"If-Match", "*"}}).status(), 200);
  EXPECT_EQ(get("/hello.txt", {{"If-Match", "\"nope\""}}).status(), 412);
  EXPECT_EQ(get("/hello.txt", {{"If-Match", "W/" + etag}}).status(), 412);  // strong compare
  EXPECT_EQ(get("/hello.txt", {{"If-Unmodified-Since", "Mon, 13 Nov 2023 00:00:00 GMT"}}).status(),
            412);
  EXPECT_EQ(get("/hello.txt", {{"If-Unmodified-Since", std::string(kDate)}}).status(), 200);
}

TEST_F(StaticSiteTest, SingleRange) {
  auto r = get("/hello.txt", {{"Range", "bytes=2-5"}});
  EXPECT_EQ(r.status(), 206);
  EXPECT_EQ(header(r, "Content-Range"), "bytes 2-5/20");
  EXPECT_EQ(header(r, "Content-Length"), "4");
  EXPECT_EQ(r.bodyText(), "2345");
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=-3"}}).bodyText(), "hij");
  // Overlapping ranges merge into one part.
  r = get("/hello.txt", {{"Range", "bytes=0-4,3-9"}});
  EXPECT_EQ(header(r, "Content-Range"), "bytes 0-9/20");
  EXPECT_EQ(r.bodyText(), "0123456789");
}

TEST_F(StaticSiteTest, MultipleRangesAreMultipart) {
  auto r = get("/hello.txt", {{"Range", "bytes=15-,0-1"}});
  ASSERT_EQ(r.status(), 206);
  auto type = header(r, "Content-Type");
  ASSERT_EQ(type.rfind("multipart/byteranges; boundary=", 0), 0u) << type;
  auto b = type.substr(type.find('=') + 1);
  std::string expected = "--" + b +
                         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes "
                         "0-1/20\r\n\r\n01\r\n--" +
                         b +
                         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes "
                         "15-19/20\r\n\r\nfghij\r\n--" +
                         b + "--\r\n";
  EXPECT_EQ(r.bodyText(), expected);
  EXPECT_EQ(header(r, "Content-Length"), std::to_string(expected.size()));
  EXPECT_EQ(header(r, "Content-Range"), "<none>");
}

TEST_F(StaticSiteTest, UnsatisfiableAndIgnoredRanges) {
  auto r = get("/hello.txt", {{"Range", "bytes=20-30"}});
  EXPECT_EQ(r.status(), 416);
  EXPECT_EQ(header(r, "Content-Range"), "bytes */20");
  EXPECT_EQ(get("/hello.txt", {{"Range", "lines=1-2"}}).status(), 200);
  config.maxRanges = 2;
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=0-0,2-2,4-4"}}).status(), 200);
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=0-0"}}, "HEAD").status(), 200);
}

TEST_F(StaticSiteTest, IfRange) {
  auto full = get("/hello.txt");
  auto etag = header(full, "ETag");
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=0-0"}, {"If-Range", etag}}).status(), 206);
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=0-0"}, {"If-Range", "\"old\""}}).status(), 200);
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=0-0"}, {"If-Range", "W/" + etag}}).status(), 200);
  EXPECT_EQ(get("/hello.txt", {{"Range", "bytes=0-0"}, {"If-Range", std::string(kDate)}}).status(),
            206);
  EXPECT_EQ(
      get("/hello.txt", {{"Range", "bytes=0-0"}, {"If-Range", "Mon, 13 Nov 2023 00:00:00 GMT"}})
          .status(),
      200);
}

TEST_F(StaticSiteTest, PrecompressedSiblings) {
  auto r = get("/app.js", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(r.bodyText(), "BROTLI");
  EXPECT_EQ(header(r, "Content-Encoding"), "br");
  EXPECT_EQ(header(r, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
  auto brTag = header(r, "ETag");

  r = get("/app.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(r.bodyText(), "GZIPPED");
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_NE(header(r, "ETag"), brTag);

  r = get("/app.js", {{"Accept-Encoding", "br;q=0.5, gzip;q=0.8"}});
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");

  r = get("/app.js", {{"Accept-Encoding", "gzip;q=0, br;q=0"}});
  EXPECT_EQ(r.bodyText(), "console.log('identity')");
  EXPECT_EQ(header(r, "Content-Encoding"), "<none>");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");

  r = get("/app.js");
  EXPECT_EQ(header(r, "Content-Encoding"), "<none>");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");

  r = get("/only.css", {{"Accept-Encoding", "*"}});
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(get("/hello.txt", {{"Accept-Encoding", "gzip"}}), "Vary"), "<none>");
}

TEST_F(StaticSiteTest, Methods) {
  auto r = get("*", {}, "OPTIONS");
  EXPECT_EQ(r.status(), 204);
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD, OPTIONS");
  r = get("/hello.txt", {{"Content-Length", "0"}}, "POST");
  EXPECT_EQ(r.status(), 405);
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(get("/hello.txt", {}, "BREW").status(), 501);
}

TEST(Mime, ByExtension) {
  EXPECT_EQ(mimeType("a/b/c.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(mimeType("x.png"), "image/png");
  EXPECT_EQ(mimeType("noext"), "application/octet-stream");
  EXPECT_EQ(mimeType(".hidden"), "application/octet-stream");
  EXPECT_EQ(mimeType("dir.d/file"), "application/octet-stream");
}

TEST(CachedFileStore, ReusesOpensAndMissesUntilTheyExpire) {
  auto inner = std::make_shared<MemoryStore>();
  inner->add("a.txt", "one");
  auto now = std::chrono::steady_clock::time_point{};
  auto cached = makeCachedFileStore(
      inner,
      {.valid = std::chrono::milliseconds(1000), .maxEntries = 2, .now = [&] { return now; }});
  EXPECT_EQ(cached->open("a.txt").status, FsStatus::ok);
  EXPECT_EQ(cached->open("a.txt").status, FsStatus::ok);
  EXPECT_EQ(cached->open("a.txt.gz").status, FsStatus::not_found);
  EXPECT_EQ(cached->open("a.txt.gz").status, FsStatus::not_found);
  EXPECT_EQ(inner->opens, 2);
  // A new file shows up once the cached miss expires.
  inner->add("a.txt.gz", "gz");
  EXPECT_EQ(cached->open("a.txt.gz").status, FsStatus::not_found);
  now += std::chrono::milliseconds(1001);
  EXPECT_EQ(cached->open("a.txt.gz").status, FsStatus::ok);
  EXPECT_EQ(inner->opens, 3);
  // Forbidden results are not cached.
  inner->forbidden.push_back("f");
  cached->open("f");
  cached->open("f");
  EXPECT_EQ(inner->opens, 5);
  // The entry bound holds (a third path evicts rather than grows).
  cached->open("x1");
  cached->open("x2");
  cached->open("x3");
  cached->open("a.txt");
  EXPECT_EQ(inner->opens, 9);
}

TEST_F(StaticSiteTest, FutureModificationTimeIsClampedToDate) {
  store->add("future.txt", "x", 2'000'000'000);  // 2033
  codec::RequestParser parser;
  parser.feed("GET /future.txt HTTP/1.1\r\nHost: t\r\n\r\n");
  StaticSite site(config, store);
  auto r = site.handle(parser.request(), kDate, 1'700'000'000);
  EXPECT_EQ(header(r, "Last-Modified"), kDate);
  r = site.handle(parser.request(), kDate, 2'100'000'000);
  EXPECT_EQ(header(r, "Last-Modified"), "Wed, 18 May 2033 03:33:20 GMT");
}
