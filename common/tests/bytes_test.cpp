#include "wk/bytes.hpp"

#include <gtest/gtest.h>

namespace wk {
namespace {

TEST(ByteReader, ReadsBigEndianFields) {
  std::vector<std::uint8_t> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 'h', 'i'};
  ByteReader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u32(), 0x04050607u);
  EXPECT_EQ(r.text(2), "hi");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.atEnd());
}

TEST(ByteReader, OverrunFailsStickyAndReturnsZero) {
  std::vector<std::uint8_t> data{0xAA, 0xBB, 0xCC};
  ByteReader r(data);
  EXPECT_EQ(r.u16(), 0xAABB);
  EXPECT_EQ(r.u32(), 0u);  // only one byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0);  // sticky: even a fitting read fails now
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.bytes(1).empty());
}

TEST(ByteReader, SeekWithinBoundsOnly) {
  std::vector<std::uint8_t> data{1, 2, 3};
  ByteReader r(data);
  EXPECT_TRUE(r.seek(2));
  EXPECT_EQ(r.u8(), 3);
  EXPECT_TRUE(r.seek(3));  // the end is a valid position
  EXPECT_FALSE(r.seek(4));
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, HugeLengthDoesNotWrap) {
  std::vector<std::uint8_t> data{1, 2};
  ByteReader r(data);
  r.u8();
  EXPECT_TRUE(r.bytes(SIZE_MAX).empty());
  EXPECT_FALSE(r.ok());
}

TEST(ByteWriter, WritesAndPatches) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  w.u16(0);
  w.u8(7);
  w.u32(0x01020304);
  w.text("ab");
  w.patchU16(0, 0xBEEF);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0xBE, 0xEF, 7, 1, 2, 3, 4, 'a', 'b'}));
  EXPECT_FALSE(w.overflow());
}

TEST(ByteWriter, LimitSetsOverflowAndTruncateRecovers) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out, 4);
  w.u16(1);
  auto mark = w.size();
  w.u32(2);  // does not fit: dropped whole
  EXPECT_TRUE(w.overflow());
  EXPECT_EQ(out.size(), 2u);
  w.u8(3);  // still overflowed: nothing more is written
  EXPECT_EQ(out.size(), 2u);
  w.truncate(mark);
  EXPECT_FALSE(w.overflow());
  w.u16(9);
  EXPECT_EQ(out.size(), 4u);
}

}  // namespace
}  // namespace wk
