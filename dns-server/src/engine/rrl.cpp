#include "engine/rrl.hpp"

namespace wk::dns::engine {

RateLimiter::RateLimiter(double ratePerSecond, unsigned slip, std::size_t entries)
    : rate_(ratePerSecond), slip_(slip) {
  std::size_t size = 1;
  while (size < entries) size <<= 1;
  table_.resize(size);
  mask_ = size - 1;
}

RateLimiter::Action RateLimiter::check(const boost::asio::ip::address& client, double now) {
  if (rate_ <= 0) return Action::kSend;
  std::uint64_t key;
  auto a = unmapped(client);
  if (a.is_v4()) {
    key = (std::uint64_t{a.to_v4().to_uint()} & 0xffffff00u) | (1ULL << 63);
  } else {
    auto b = a.to_v6().to_bytes();
    key = 0;
    for (int i = 0; i < 7; ++i) key = key << 8 | b[static_cast<std::size_t>(i)];  // the /56
  }
  std::uint64_t h = key * 0x9e3779b97f4a7c15ULL;
  Entry& e = table_[static_cast<std::size_t>(h >> 40) & mask_];
  if (!e.used || e.key != key) {
    // A new network (or a collision evicting an old one): it starts with a full bucket.
    e.key = key;
    e.used = true;
    e.bucket = TokenBucket(rate_, rate_);
    e.over = 0;
  }
  if (e.bucket.take(now)) return Action::kSend;
  ++e.over;
  if (slip_ != 0 && e.over % slip_ == 0) return Action::kSlip;
  return Action::kDrop;
}

}  // namespace wk::dns::engine
