#include "codec/name.hpp"

#include <gtest/gtest.h>

namespace wk::dns::codec {
namespace {

Name N(const char* text) {
  return *Name::fromText(text);
}

TEST(Name, TextRoundTripWithEscapes) {
  auto n = Name::fromText("a\\.b.Ex\\065mple.test.");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->labelCount(), 3u);
  EXPECT_EQ(n->toText(), "a\\.b.ExAmple.test.");
  EXPECT_EQ(N(".").toText(), ".");
  EXPECT_TRUE(N(".").isRoot());
}

TEST(Name, RelativeNamesTakeTheOrigin) {
  Name origin = N("example.test.");
  EXPECT_EQ(Name::fromText("www", &origin)->toText(), "www.example.test.");
  EXPECT_FALSE(Name::fromText("www"));  // relative without origin
}

TEST(Name, RejectsBadText) {
  EXPECT_FALSE(Name::fromText("a..b."));
  EXPECT_FALSE(Name::fromText(std::string(64, 'a') + "."));
  EXPECT_TRUE(Name::fromText(std::string(63, 'a') + "."));
  std::string longName;
  for (int i = 0; i < 4; ++i) longName += std::string(63, 'a') + ".";
  EXPECT_FALSE(Name::fromText(longName));  // 4*64+1 > 255
  EXPECT_FALSE(Name::fromText("a\\256."));
  EXPECT_FALSE(Name::fromText("a\\25"));
}

TEST(Name, CaseInsensitiveCompareAndSubdomain) {
  EXPECT_EQ(N("WWW.Example.TEST."), N("www.example.test."));
  EXPECT_TRUE(N("a.b.example.test.").isSubdomainOf(N("EXAMPLE.test.")));
  EXPECT_FALSE(N("example.test.").isSubdomainOf(N("a.example.test.")));
  EXPECT_FALSE(N("xexample.test.").isSubdomainOf(N("example.test.")));
  EXPECT_EQ(N("a.b.c.").parent().toText(), "b.c.");
  EXPECT_EQ(N("a.b.c.").stripLabels(2).toText(), "c.");
}

TEST(Name, CanonicalOrder) {
  // RFC 4034 6.1 example order.
  const char* order[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
                         "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                         "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
  for (std::size_t i = 0; i + 1 < std::size(order); ++i)
    EXPECT_LT(N(order[i]).canonicalCompare(N(order[i + 1])), 0) << order[i];
}

TEST(Name, ReadsCompressedNames) {
  std::vector<std::uint8_t> msg = {3, 'f', 'o', 'o', 0, 3, 'b', 'a', 'r', 0xc0, 0};
  ByteReader r(msg);
  Name a, b;
  ASSERT_TRUE(readName(r, a));
  ASSERT_TRUE(readName(r, b));
  EXPECT_EQ(b.toText(), "bar.foo.");
  EXPECT_TRUE(r.atEnd());
}

TEST(Name, RejectsPointerLoopsAndForwardPointers) {
  std::vector<std::uint8_t> self = {0xc0, 0};
  ByteReader r1(self);
  Name n;
  EXPECT_FALSE(readName(r1, n));
  std::vector<std::uint8_t> loop = {1, 'a', 0xc0, 2, 0xc0, 0};  // 2 -> 0 -> 2
  ByteReader r2(loop);
  r2.skip(4);
  EXPECT_FALSE(readName(r2, n));
  std::vector<std::uint8_t> forward = {0xc0, 2, 0};
  ByteReader r3(forward);
  EXPECT_FALSE(readName(r3, n));
  std::vector<std::uint8_t> truncated = {3, 'a', 'b'};
  ByteReader r4(truncated);
  EXPECT_FALSE(readName(r4, n));
}

TEST(Name, RejectsOverlongNamesBuiltFromPointers) {
  // 5 labels of 63 joined through pointers: 320 bytes > 255.
  std::vector<std::uint8_t> msg;
  std::size_t prev = SIZE_MAX;
  for (int i = 0; i < 5; ++i) {
    std::size_t at = msg.size();
    msg.push_back(63);
    msg.insert(msg.end(), 63, 'x');
    if (prev == SIZE_MAX) {
      msg.push_back(0);
    } else {
      msg.push_back(static_cast<std::uint8_t>(0xc0 | prev >> 8));
      msg.push_back(static_cast<std::uint8_t>(prev));
    }
    prev = at;
  }
  ByteReader r(msg);
  r.seek(prev);
  Name n;
  EXPECT_FALSE(readName(r, n));
}

TEST(Name, CompressorReusesSuffixes) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  Compressor c(out);
  c.write(w, N("www.example.test."));
  std::size_t first = out.size();
  c.write(w, N("mail.EXAMPLE.test."));
  EXPECT_EQ(out.size() - first, 1 + 4 + 2u);  // "mail" + pointer
  c.write(w, N("www.example.test."));
  EXPECT_EQ(out.size() - first, 7 + 2u);
  ByteReader r(out);
  Name a, b, d;
  ASSERT_TRUE(readName(r, a) && readName(r, b) && readName(r, d));
  EXPECT_EQ(b.toText(), "mail.example.test.");  // case of the first occurrence's suffix
  EXPECT_EQ(d.toText(), "www.example.test.");
}

}  // namespace
}  // namespace wk::dns::codec
