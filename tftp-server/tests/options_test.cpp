#include "engine/options.hpp"

#include <gtest/gtest.h>

namespace wk::tftp::engine {
namespace {

codec::Request rrq(std::vector<codec::Option> options) {
  codec::Request r;
  r.op = codec::Opcode::rrq;
  r.filename = "f";
  r.mode = codec::Mode::octet;
  r.options = std::move(options);
  return r;
}

std::string accepted(const Negotiated& n, std::string_view name) {
  for (const auto& [k, v] : n.accepted)
    if (codec::equalsNoCase(k, name)) return v;
  return "<absent>";
}

TEST(TftpOptions, NoOptionsMeansNoOack) {
  auto n = negotiate(rrq({}), {}, 100);
  EXPECT_TRUE(n.accepted.empty());
  EXPECT_EQ(n.blksize, 512);
  EXPECT_EQ(n.windowsize, 1);
}

TEST(TftpOptions, AcceptsAllFourInClientOrderAndSpelling) {
  auto n =
      negotiate(rrq({{"TSIZE", "0"}, {"blksize", "1468"}, {"timeout", "3"}, {"windowsize", "16"}}),
                {}, 123456);
  ASSERT_EQ(n.accepted.size(), 4u);
  EXPECT_EQ(n.accepted[0].first, "TSIZE");
  EXPECT_EQ(n.accepted[0].second, "123456");
  EXPECT_EQ(n.blksize, 1468);
  EXPECT_EQ(accepted(n, "blksize"), "1468");
  EXPECT_EQ(n.timeout, std::chrono::seconds(3));
  EXPECT_EQ(n.windowsize, 16);
  EXPECT_EQ(accepted(n, "windowsize"), "16");
}

TEST(TftpOptions, BlksizeCappedAndBoundsChecked) {
  NegotiationLimits limits;
  limits.maxBlksize = 1024;
  auto n = negotiate(rrq({{"blksize", "65464"}}), limits, 1);
  EXPECT_EQ(n.blksize, 1024);
  EXPECT_EQ(accepted(n, "blksize"), "1024");
  n = negotiate(rrq({{"blksize", "99999"}}), {}, 1);
  EXPECT_EQ(n.blksize, 65464);
  n = negotiate(rrq({{"blksize", "7"}}), {}, 1);  // below RFC 2348's minimum: declined
  EXPECT_EQ(n.blksize, 512);
  EXPECT_TRUE(n.accepted.empty());
  n = negotiate(rrq({{"blksize", "12x"}}), {}, 1);
  EXPECT_TRUE(n.accepted.empty());
}

TEST(TftpOptions, TimeoutRangeAndUnknownOptionsIgnored) {
  EXPECT_TRUE(negotiate(rrq({{"timeout", "0"}}), {}, 1).accepted.empty());
  EXPECT_TRUE(negotiate(rrq({{"timeout", "256"}}), {}, 1).accepted.empty());
  EXPECT_TRUE(negotiate(rrq({{"multicast", ""}, {"rollover", "0"}}), {}, 1).accepted.empty());
}

TEST(TftpOptions, TsizeDeclinedWhenSizeUnknownAndEchoedOnWrite) {
  EXPECT_TRUE(negotiate(rrq({{"tsize", "0"}}), {}, std::nullopt).accepted.empty());
  EXPECT_EQ(accepted(negotiate(rrq({{"tsize", "enable"}}), {}, 77), "tsize"), "77");
  auto w = rrq({{"tsize", "4096"}});
  w.op = codec::Opcode::wrq;
  auto n = negotiate(w, {}, std::nullopt);
  EXPECT_EQ(accepted(n, "tsize"), "4096");
  EXPECT_EQ(n.tsize, 4096u);
  w.options = {{"tsize", "lots"}};
  EXPECT_TRUE(negotiate(w, {}, std::nullopt).accepted.empty());
}

TEST(TftpOptions, WindowBoundedByBytesAndCount) {
  auto n = negotiate(rrq({{"blksize", "65464"}, {"windowsize", "64"}}), {}, 1);
  EXPECT_EQ(n.windowsize, kMaxWindowBytes / 65464);
  EXPECT_EQ(accepted(n, "windowsize"), std::to_string(kMaxWindowBytes / 65464));
  n = negotiate(rrq({{"windowsize", "65535"}}), {}, 1);
  EXPECT_EQ(n.windowsize, kMaxWindowsize);
  EXPECT_TRUE(negotiate(rrq({{"windowsize", "0"}}), {}, 1).accepted.empty());
}

TEST(TftpOptions, FirstOfDuplicatesWins) {
  auto n = negotiate(rrq({{"blksize", "1000"}, {"blksize", "2000"}}), {}, 1);
  EXPECT_EQ(n.blksize, 1000);
  EXPECT_EQ(n.accepted.size(), 1u);
}

TEST(TftpOptions, ParseDecimal) {
  EXPECT_EQ(parseDecimal("0"), 0u);
  EXPECT_EQ(parseDecimal("18446744073"), 18446744073u);
  EXPECT_FALSE(parseDecimal(""));
  EXPECT_FALSE(parseDecimal("-1"));
  EXPECT_FALSE(parseDecimal("99999999999999999999"));
}

}  // namespace
}  // namespace wk::tftp::engine
