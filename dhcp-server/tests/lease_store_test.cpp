#include <gtest/gtest.h>

#include "store_fixture.hpp"
#include "wk/sqlite.hpp"

namespace wk::dhcp::testing {
namespace {

using engine::Lease;
using engine::LeaseState;

Lease lease(Ip4 ip, std::string client, std::int64_t expires,
            LeaseState state = LeaseState::kActive) {
  Lease l;
  l.ip = ip;
  l.client.assign(client.begin(), client.end());
  l.hwaddr = {1, 2, 0, 0, 0, 0, static_cast<std::uint8_t>(ip)};
  l.hostname = "h" + std::to_string(ip & 255);
  l.expires = expires;
  l.state = state;
  return l;
}

class LeaseStoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::unique_ptr<engine::LeaseStore> store = makeStore(GetParam(), dir);
};

TEST_P(LeaseStoreConformance, PutAndFindByAddressAndClient) {
  store->put(lease(0x0a000005, "Ha", 100));
  ASSERT_NE(store->byIp(0x0a000005), nullptr);
  EXPECT_EQ(store->byIp(0x0a000005)->hostname, "h5");
  ASSERT_NE(store->byClient({'H', 'a'}), nullptr);
  EXPECT_EQ(store->byClient({'H', 'a'})->ip, 0x0a000005u);
  EXPECT_EQ(store->byIp(0x0a000006), nullptr);
  EXPECT_EQ(store->byClient({'H', 'b'}), nullptr);
  EXPECT_EQ(store->size(), 1u);
}

TEST_P(LeaseStoreConformance, AClientHoldsOneLease) {
  store->put(lease(0x0a000005, "Ha", 100));
  store->put(lease(0x0a000006, "Ha", 200));
  EXPECT_EQ(store->byIp(0x0a000005), nullptr);
  EXPECT_EQ(store->byClient({'H', 'a'})->ip, 0x0a000006u);
  EXPECT_EQ(store->size(), 1u);
}

TEST_P(LeaseStoreConformance, ReplacingAnAddressUnlinksItsOldClient) {
  store->put(lease(0x0a000005, "Ha", 100));
  store->put(lease(0x0a000005, "Hb", 300));
  EXPECT_EQ(store->byClient({'H', 'a'}), nullptr);
  EXPECT_EQ(store->byClient({'H', 'b'})->ip, 0x0a000005u);
}

TEST_P(LeaseStoreConformance, DeclinedLeasesHaveNoClient) {
  store->put(lease(0x0a000005, "", 500, LeaseState::kDeclined));
  store->put(lease(0x0a000006, "", 500, LeaseState::kDeclined));
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->byClient({}), nullptr);
}

TEST_P(LeaseStoreConformance, OldestReusableFirstWithinRange) {
  store->put(lease(0x0a000005, "Ha", 300));
  store->put(lease(0x0a000006, "Hb", 100));
  store->put(lease(0x0a000007, "Hc", 200));
  store->put(lease(0x0a000008, "Hd", 9000));                         // still active
  store->put(lease(0x0a000009, "He", 9000, LeaseState::kReleased));  // released early
  store->put(lease(0x0a00000a, "", 5000, LeaseState::kDeclined));    // on probation
  auto none = [](Ip4) { return false; };
  EXPECT_EQ(store->oldestReusable(0x0a000000, 0x0a0000ff, 1000, none), 0x0a000006u);
  EXPECT_EQ(store->oldestReusable(0x0a000007, 0x0a0000ff, 1000, none), 0x0a000007u);
  EXPECT_EQ(store->oldestReusable(0x0a000008, 0x0a0000ff, 1000, none), 0x0a000009u);
  EXPECT_EQ(store->oldestReusable(0x0a00000a, 0x0a0000ff, 1000, none), std::nullopt);
  EXPECT_EQ(store->oldestReusable(0x0a00000a, 0x0a0000ff, 6000, none), 0x0a00000au);
  auto skip6 = [](Ip4 ip) { return ip == 0x0a000006; };
  EXPECT_EQ(store->oldestReusable(0x0a000000, 0x0a0000ff, 1000, skip6), 0x0a000007u);
}

TEST_P(LeaseStoreConformance, EraseAndForEach) {
  for (Ip4 ip = 1; ip <= 5; ++ip) store->put(lease(0x0a000000 + ip, "H" + std::to_string(ip), 10));
  store->erase(0x0a000003);
  store->erase(0x0a000099);  // absent: no-op
  std::size_t n = 0;
  store->forEach([&](const Lease& l) {
    EXPECT_NE(l.ip, 0x0a000003u);
    ++n;
  });
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(store->byClient({'H', '3'}), nullptr);
  store->commit();
  EXPECT_EQ(store->pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LeaseStoreConformance, kBackends);

// --- SQLite only: durability -------------------------------------------------------------

TEST(SqliteLeaseStore, CommittedLeasesSurviveReopen) {
  TempDir dir;
  auto file = dir.path() / "leases.db";
  {
    engine::SqliteLeaseStore s(file);
    s.put(lease(0x0a000005, "Ha", 100));
    s.put(lease(0x0a000006, "Hb", 200));
    s.put(lease(0x0a000007, "", 300, LeaseState::kDeclined));
    EXPECT_EQ(s.pending(), 3u);
    s.commit();
    EXPECT_EQ(s.pending(), 0u);
    s.erase(0x0a000006);
    s.commit();
  }
  engine::SqliteLeaseStore s(file);
  EXPECT_EQ(s.size(), 2u);
  ASSERT_NE(s.byClient({'H', 'a'}), nullptr);
  EXPECT_EQ(*s.byClient({'H', 'a'}), lease(0x0a000005, "Ha", 100));
  EXPECT_EQ(s.byIp(0x0a000006), nullptr);
  EXPECT_EQ(s.byIp(0x0a000007)->state, LeaseState::kDeclined);
}

TEST(SqliteLeaseStore, BadRowsAreSkippedNotFatal) {
  TempDir dir;
  auto file = dir.path() / "leases.db";
  {
    engine::SqliteLeaseStore s(file);
    s.put(lease(0x0a000005, "Ha", 100));
    s.commit();
  }
  {
    sqlite::Database db(file);
    db.exec("INSERT INTO leases VALUES (-4, x'4861', NULL, NULL, 5, 0)");         // bad ip
    db.exec("INSERT INTO leases VALUES (167772166, x'4862', NULL, NULL, 5, 9)");  // bad state
    db.exec("INSERT INTO leases VALUES (167772167, x'4861', NULL, NULL, 5, 0)");  // dup client
    db.exec("INSERT INTO leases VALUES (167772168, x'4863', NULL, 'ok', 5, 0)");
  }
  engine::SqliteLeaseStore s(file);
  EXPECT_EQ(s.skippedRows(), 3u);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.byIp(0x0a000008)->hostname, "ok");
}

}  // namespace
}  // namespace wk::dhcp::testing
