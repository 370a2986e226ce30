#include <gtest/gtest.h>

#include "codec/conditional.hpp"
#include "codec/headers.hpp"
#include "codec/range.hpp"
#include "codec/response.hpp"

using namespace wk::http::codec;

TEST(Headers, ListsAndLookup) {
  Headers h;
  h.add("Accept-Encoding", "gzip");
  h.add("accept-encoding", "br");
  EXPECT_EQ(h.combined("ACCEPT-ENCODING"), "gzip, br");
  EXPECT_EQ(h.count("Accept-Encoding"), 2u);
  h.set("Accept-Encoding", "x");
  EXPECT_EQ(h.count("Accept-Encoding"), 1u);
  auto items = splitList(" a , \"b,c\",, d");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1], "\"b,c\"");
  EXPECT_TRUE(listHasToken("keep-alive, Close", "close"));
}

TEST(Response, SerializesAndNeutralisesInjection) {
  ResponseHead head;
  head.status = 404;
  head.headers.add("Content-Length", "0");
  head.headers.add("X-Evil", "a\r\nSet-Cookie: x");
  std::string out;
  serializeHead(head, out);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Evil: a  Set-Cookie: x\r\n\r\n");
}

TEST(Response, Chunks) {
  std::string out;
  appendChunk("hello world, 17 b", out);
  appendChunk("", out);
  appendLastChunk(out);
  EXPECT_EQ(out, "11\r\nhello world, 17 b\r\n0\r\n\r\n");
}

TEST(HttpDate, FormatsAndParsesAllThreeForms) {
  EXPECT_EQ(formatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 PST"));
  EXPECT_FALSE(parseHttpDate("yesterday"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
}

TEST(EntityTags, ParseAndCompare) {
  auto a = parseEntityTag("\"xyz\"");
  auto w = parseEntityTag("W/\"xyz\"");
  ASSERT_TRUE(a && w);
  EXPECT_TRUE(w->weak);
  EXPECT_TRUE(strongMatch(*a, *a));
  EXPECT_FALSE(strongMatch(*a, *w));
  EXPECT_TRUE(weakMatch(*a, *w));
  EXPECT_FALSE(parseEntityTag("xyz"));
  EXPECT_FALSE(parseEntityTag("\"a\"b\""));
  auto list = parseEntityTagList("\"a\", W/\"b,c\" ,\"d\"");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->tags.size(), 3u);
  EXPECT_EQ(list->tags[1].opaque, "b,c");
  EXPECT_TRUE(parseEntityTagList(" * ")->any);
  EXPECT_FALSE(parseEntityTagList("\"a\", junk"));
}

TEST(Range, SingleAndSuffix) {
  auto r = evaluateRange("bytes=0-99", 1000, 16);
  ASSERT_EQ(r.outcome, RangeOutcome::satisfiable);
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{0, 99}}));
  r = evaluateRange("bytes=-100", 1000, 16);
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{900, 999}}));
  r = evaluateRange("bytes=-5000", 1000, 16);
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{0, 999}}));
  r = evaluateRange("bytes=990-", 1000, 16);
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{990, 999}}));
  r = evaluateRange("bytes=990-5000", 1000, 16);
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{990, 999}}));
}

TEST(Range, MergesOverlappingAndAdjacent) {
  auto r = evaluateRange("bytes=500-600, 0-10, 5-20, 21-30, 550-700", 1000, 16);
  ASSERT_EQ(r.outcome, RangeOutcome::satisfiable);
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{0, 30}, {500, 700}}));
}

TEST(Range, Unsatisfiable) {
  EXPECT_EQ(evaluateRange("bytes=1000-", 1000, 16).outcome, RangeOutcome::unsatisfiable);
  EXPECT_EQ(evaluateRange("bytes=-0", 1000, 16).outcome, RangeOutcome::unsatisfiable);
  EXPECT_EQ(evaluateRange("bytes=0-5", 0, 16).outcome, RangeOutcome::unsatisfiable);
  // One satisfiable range among unsatisfiable ones is served.
  EXPECT_EQ(evaluateRange("bytes=2000-3000, 1-2", 1000, 16).outcome, RangeOutcome::satisfiable);
}

TEST(Range, IgnoredWhenInvalidUnknownOrTooMany) {
  EXPECT_EQ(evaluateRange("items=0-5", 1000, 16).outcome, RangeOutcome::ignore);
  EXPECT_EQ(evaluateRange("bytes=5-1", 1000, 16).outcome, RangeOutcome::ignore);
  EXPECT_EQ(evaluateRange("bytes=a-b", 1000, 16).outcome, RangeOutcome::ignore);
  EXPECT_EQ(evaluateRange("bytes=", 1000, 16).outcome, RangeOutcome::ignore);
  EXPECT_EQ(evaluateRange("bytes=1", 1000, 16).outcome, RangeOutcome::ignore);
  EXPECT_EQ(evaluateRange("bytes=0-0,1-1,2-2", 1000, 2).outcome, RangeOutcome::ignore);
}
