// Resolver fuzzer: every upstream reply comes from the input (an attacker who knows the
// question and ID: the question is made to match), for a few questions. The resolver must
// finish within its budget with a sane answer, never crash or loop, whatever the replies
// (bogus referrals, CNAME loops, out-of-bailiwick data, truncation, odd rcodes).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "codec/types.hpp"
#include "resolver/resolver.hpp"

namespace {

using namespace wk::dns;

class ReplayUpstream : public resolver::Upstream {
 public:
  ReplayUpstream(std::span<const std::uint8_t> data, std::int64_t& clock)
      : data_(data), clock_(clock) {}

  boost::asio::awaitable<resolver::UpstreamReply> query(resolver::UpstreamQuery q) override {
    resolver::UpstreamReply reply;
    ++count;
    clock_ += 5;
    if (data_.size() < 2) {
      clock_ += q.timeout.count();
      co_return reply;  // timeout
    }
    std::size_t len = (std::size_t{data_[0]} << 8 | data_[1]) % 1500;
    data_ = data_.subspan(2);
    len = std::min(len, data_.size());
    auto parsed = codec::parseMessage(data_.first(len), 64);
    data_ = data_.subspan(len);
    if (!parsed) {
      reply.status = resolver::UpstreamReply::Status::kError;
      co_return reply;
    }
    parsed->header.qr = true;
    parsed->questions = q.query.questions;
    reply.status = resolver::UpstreamReply::Status::kOk;
    reply.message = std::move(*parsed);
    co_return reply;
  }

  unsigned count = 0;

 private:
  std::span<const std::uint8_t> data_;
  std::int64_t& clock_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::int64_t clock = 1'000'000;
  ReplayUpstream upstream({data, size}, clock);
  resolver::CacheConfig cc;
  cc.maxBytes = 1 << 20;
  resolver::Cache cache(cc);
  resolver::ResolverConfig rc;
  rc.hints.nsNames = {*codec::Name::fromText("a.root.test.")};
  rc.hints.addresses = {
      {*codec::Name::fromText("a.root.test."), boost::asio::ip::make_address("127.0.53.1")}};
  resolver::Resolver r(rc, cache, upstream, [&clock] { return clock; });
  boost::asio::io_context io;
  const char* names[] = {"www.example.test.", "a.b.c.example.test.", "example.test."};
  for (const char* n : names) {
    codec::Question q{*codec::Name::fromText(n), codec::type::kA, 1};
    boost::asio::co_spawn(io, r.resolveQuestion(q), boost::asio::detached);
    io.run();
    io.restart();
    (void)r.answerFromCache(q);
  }
  // Budgets: one question may not cause more than its share of upstream queries.
  if (upstream.count > 3 * (rc.maxQueriesPerQuestion + 2)) std::abort();
  return 0;
}
