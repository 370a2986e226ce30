#include "engine/rrl.hpp"

#include <gtest/gtest.h>

namespace wk::dns::engine {
namespace {

using boost::asio::ip::make_address;

TEST(RateLimiter, OffByDefault) {
  RateLimiter off(0, 2);
  EXPECT_FALSE(off.enabled());
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(off.check(make_address("192.0.2.1"), 1.0), RateLimiter::Action::kSend);
}

TEST(RateLimiter, LimitsPerNetworkWithSlip) {
  RateLimiter rrl(10, 2);
  int sent = 0, slipped = 0, dropped = 0;
  for (int i = 0; i < 100; ++i) {
    // Different hosts of one /24 share a bucket.
    auto a = rrl.check(make_address("192.0.2." + std::to_string(i % 200)), 100.0);
    sent += a == RateLimiter::Action::kSend;
    slipped += a == RateLimiter::Action::kSlip;
    dropped += a == RateLimiter::Action::kDrop;
  }
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(slipped, 45);
  EXPECT_EQ(dropped, 45);
  // Another /24 is unaffected; the first one refills with time.
  EXPECT_EQ(rrl.check(make_address("198.51.100.1"), 100.0), RateLimiter::Action::kSend);
  EXPECT_NE(rrl.check(make_address("192.0.2.1"), 100.05), RateLimiter::Action::kSend);
  EXPECT_EQ(rrl.check(make_address("192.0.2.1"), 100.5), RateLimiter::Action::kSend);
}

TEST(RateLimiter, Ipv6By56AndSlipZeroDropsAll) {
  RateLimiter rrl(1, 0);
  EXPECT_EQ(rrl.check(make_address("2001:db8:0:100::1"), 5.0), RateLimiter::Action::kSend);
  EXPECT_EQ(rrl.check(make_address("2001:db8:0:1ff::2"), 5.0),
            RateLimiter::Action::kDrop);  // same /56
  EXPECT_EQ(rrl.check(make_address("2001:db8:0:200::1"), 5.0),
            RateLimiter::Action::kSend);  // next /56
  EXPECT_EQ(rrl.check(make_address("::ffff:192.0.2.1"), 5.0), RateLimiter::Action::kSend);
  EXPECT_EQ(rrl.check(make_address("192.0.2.7"), 5.0), RateLimiter::Action::kDrop);  // mapped = v4
}

}  // namespace
}  // namespace wk::dns::engine
