#include <gtest/gtest.h>

#include "codec/netascii.hpp"
#include "codec/packet.hpp"
#include "test_support.hpp"

namespace wk::tftp::codec {
namespace {

using test::bytesOf;

using namespace std::string_literals;
std::vector<std::uint8_t> raw(std::string_view s) {
  return bytesOf(s);
}

TEST(TftpCodec, ParsesReadRequestWithOptions) {
  auto bytes = raw("\0\1boot/pxelinux.0\0OcTeT\0blksize\0001468\0tsize\0000\0"s);
  auto p = parse(bytes);
  ASSERT_TRUE(p);
  auto& r = std::get<Request>(*p);
  EXPECT_EQ(r.op, Opcode::rrq);
  EXPECT_EQ(r.filename, "boot/pxelinux.0");
  EXPECT_EQ(r.mode, Mode::octet);
  ASSERT_EQ(r.options.size(), 2u);
  EXPECT_EQ(r.options[0].name, "blksize");
  EXPECT_EQ(r.options[0].value, "1468");
  EXPECT_EQ(r.options[1].name, "tsize");
  EXPECT_EQ(r.options[1].value, "0");
}

TEST(TftpCodec, ParsesWriteRequestModes) {
  std::vector<std::uint8_t> out;
  appendRequest(out, Opcode::wrq, "up.txt", "NETASCII");
  auto p = parse(out);
  ASSERT_TRUE(p);
  auto& r = std::get<Request>(*p);
  EXPECT_EQ(r.op, Opcode::wrq);
  EXPECT_EQ(r.mode, Mode::netascii);
  out.clear();
  appendRequest(out, Opcode::rrq, "x", "mail");
  EXPECT_EQ(std::get<Request>(*parse(out)).mode, Mode::mail);
  out.clear();
  appendRequest(out, Opcode::rrq, "x", "binary");
  EXPECT_EQ(std::get<Request>(*parse(out)).mode, Mode::unknown);
}

TEST(TftpCodec, RejectsTruncatedRequests) {
  EXPECT_FALSE(parse(raw("\0\1file"s)));
  EXPECT_FALSE(parse(raw("\0\1file\0octet"s)));
  EXPECT_FALSE(parse(raw("\0\1file\0octet\0blksize\0"s)));  // no value
  EXPECT_FALSE(
      parse(raw("\0\1file\0octet\0blksize\0"
                "512"s)));
  EXPECT_FALSE(parse(raw("\0"s)));
  EXPECT_FALSE(parse({}));
  EXPECT_FALSE(parse(raw("\0\7abc"s)));  // unknown opcode
  EXPECT_FALSE(parse(raw("\0\3\0"s)));   // DATA without block
  EXPECT_FALSE(parse(raw("\0\4\0"s)));   // ACK without block
}

TEST(TftpCodec, ToleratesNulPaddingAfterRequest) {
  auto p = parse(raw("\0\1f\0octet\0\0\0\0"s));
  ASSERT_TRUE(p);
  EXPECT_TRUE(std::get<Request>(*p).options.empty());
  EXPECT_FALSE(parse(raw("\0\1f\0octet\0\0x\0"s)));
}

TEST(TftpCodec, LimitsOptionCount) {
  std::vector<Option> many;
  for (std::size_t i = 0; i < kMaxOptions; ++i) many.push_back({"x", "1"});
  std::vector<std::uint8_t> out;
  appendRequest(out, Opcode::rrq, "f", "octet", many);
  EXPECT_TRUE(parse(out));
  many.push_back({"y", "2"});
  out.clear();
  appendRequest(out, Opcode::rrq, "f", "octet", many);
  EXPECT_FALSE(parse(out));
}

TEST(TftpCodec, DataAckErrorOackRoundTrip) {
  std::vector<std::uint8_t> out;
  appendData(out, 65535, bytesOf("hello"));
  auto d = std::get<Data>(*parse(out));
  EXPECT_EQ(d.block, 65535);
  EXPECT_EQ(std::string(d.payload.begin(), d.payload.end()), "hello");

  out.clear();
  appendData(out, 7, {});
  EXPECT_TRUE(std::get<Data>(*parse(out)).payload.empty());

  out.clear();
  appendAck(out, 513);
  EXPECT_EQ(std::get<Ack>(*parse(out)).block, 513);

  out.clear();
  appendError(out, ErrorCode::accessViolation, "nope");
  auto e = std::get<Error>(*parse(out));
  EXPECT_EQ(e.code, 2);
  EXPECT_EQ(e.message, "nope");
  // Some clients omit the final NUL of the message.
  auto looseBytes = raw("\0\5\0\10bad"s);
  auto loose = std::get<Error>(*parse(looseBytes));
  EXPECT_EQ(loose.code, 8);
  EXPECT_EQ(loose.message, "bad");

  out.clear();
  appendOack(out, {{"blksize", "1024"}, {"windowsize", "8"}});
  auto o = std::get<Oack>(*parse(out));
  ASSERT_EQ(o.options.size(), 2u);
  EXPECT_EQ(o.options[1].name, "windowsize");
  EXPECT_EQ(o.options[1].value, "8");
}

TEST(TftpCodec, DataHeaderInPlace) {
  std::uint8_t h[4];
  putDataHeader(h, 0x1234);
  EXPECT_EQ(h[0], 0);
  EXPECT_EQ(h[1], 3);
  EXPECT_EQ(h[2], 0x12);
  EXPECT_EQ(h[3], 0x34);
}

TEST(TftpCodec, CaseInsensitiveCompare) {
  EXPECT_TRUE(equalsNoCase("BlkSize", "blksize"));
  EXPECT_FALSE(equalsNoCase("blksize", "blksiz"));
  EXPECT_FALSE(equalsNoCase("a", "b"));
}

std::string encodeAll(std::string_view in, std::size_t chunk) {
  NetasciiEncoder enc;
  std::string result;
  auto bytes = bytesOf(in);
  std::size_t pos = 0;
  std::vector<std::uint8_t> out(chunk);
  while (pos < bytes.size() || enc.hasPending()) {
    auto s = enc.encode(std::span(bytes).subspan(pos), out);
    pos += s.consumed;
    result.append(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(s.produced));
  }
  return result;
}

TEST(TftpNetascii, EncodesLineEndsAndBareCr) {
  using namespace std::string_literals;
  EXPECT_EQ(encodeAll("a\nb\rc", 100), "a\r\nb\r\0c"s);
  // Output space of one byte at a time forces every expansion to split.
  EXPECT_EQ(encodeAll("\n\n\r", 1), "\r\n\r\n\r\0"s);
  EXPECT_EQ(encodeAll("abc", 2), "abc");
}

std::string decodeChunks(const std::vector<std::string>& chunks) {
  NetasciiDecoder dec;
  std::vector<std::uint8_t> out;
  for (const auto& c : chunks) dec.decode(bytesOf(c), out);
  dec.finish(out);
  return {out.begin(), out.end()};
}

TEST(TftpNetascii, DecodesAcrossChunkBoundaries) {
  using namespace std::string_literals;
  EXPECT_EQ(decodeChunks({"a\r\nb\r\0c"s}), "a\nb\rc");
  EXPECT_EQ(decodeChunks({"a\r", "\nb\r", "\0c"s}), "a\nb\rc");
  EXPECT_EQ(decodeChunks({"x\r"}), "x\r");    // lone CR at the very end kept
  EXPECT_EQ(decodeChunks({"x\ry"}), "x\ry");  // lenient with a CR before other bytes
  EXPECT_EQ(decodeChunks({"\r\r\n"}), "\r\n");
}

}  // namespace
}  // namespace wk::tftp::codec
