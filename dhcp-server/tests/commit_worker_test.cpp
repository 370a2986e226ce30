#include "io/commit_worker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <thread>

#include "store_fixture.hpp"

namespace wk::dhcp::testing {
namespace {

engine::Lease lease(Ip4 ip, char client) {
  engine::Lease l;
  l.ip = ip;
  l.client = {'H', static_cast<std::uint8_t>(client)};
  l.expires = 1000;
  return l;
}

TEST(CommitWorker, BatchesBecomeDurableInOrderAndCompletionsArePosted) {
  TempDir dir;
  auto file = dir.path() / "leases.db";
  boost::asio::io_context ctx;
  std::vector<std::uint64_t> done;
  {
    engine::SqliteLeaseStore store(file);
    io::CommitWorker writer(store, ctx, [&](std::uint64_t upTo, bool ok) {
      EXPECT_TRUE(ok);
      done.push_back(upTo);
    });
    store.put(lease(0x0a000001, 'a'));
    auto first = writer.submit(store.takeBatch());
    store.put(lease(0x0a000002, 'b'));
    store.erase(0x0a000001);
    auto second = writer.submit(store.takeBatch());
    auto third = writer.submit({});  // empty: still ordered behind the others
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
    // Completions arrive from the writer thread; keep polling the context until the
    // last one has run (restart: a context that ran out of work stays stopped).
    for (int i = 0; i < 5000 && (done.empty() || done.back() < third); ++i) {
      ctx.restart();
      ctx.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_FALSE(done.empty());
    EXPECT_EQ(writer.durable(), third);
    EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
    writer.finish();
  }
  engine::SqliteLeaseStore reopened(file);
  EXPECT_EQ(reopened.byIp(0x0a000001), nullptr);
  ASSERT_NE(reopened.byIp(0x0a000002), nullptr);
  EXPECT_EQ(reopened.byIp(0x0a000002)->client, (codec::Bytes{'H', 'b'}));
}

TEST(CommitWorker, FinishWritesWhatIsQueued) {
  TempDir dir;
  auto file = dir.path() / "leases.db";
  boost::asio::io_context ctx;
  {
    engine::SqliteLeaseStore store(file);
    io::CommitWorker writer(store, ctx, [](std::uint64_t, bool) {});
    for (Ip4 i = 1; i <= 50; ++i) {
      store.put(lease(0x0a000000 + i, static_cast<char>(i)));
      writer.submit(store.takeBatch());
    }
    writer.finish();
    EXPECT_EQ(writer.durable(), 50u);
  }
  EXPECT_EQ(engine::SqliteLeaseStore(file).size(), 50u);
}

}  // namespace
}  // namespace wk::dhcp::testing
