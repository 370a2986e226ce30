#pragma once
// Leases and where they live. The engine sees one interface (Kea's LeaseMgr shape); two
// backends implement it: MemoryLeaseStore, and SqliteLeaseStore, which keeps the same
// in-memory index and writes changes through to SQLite in batches. commit() is the
// durability barrier: a reply that promises a lease is released only after it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "../codec/packet.hpp"

namespace wk::dhcp::engine {

using codec::Bytes;
using codec::Ip4;

enum class LeaseState : std::uint8_t { kActive = 0, kReleased = 1, kDeclined = 2 };

struct Lease {
  Ip4 ip = 0;
  Bytes client;  // the lease key: 'C'+client id (option 61) or 'H'+htype+chaddr
  Bytes hwaddr;  // htype followed by the hardware address
  std::string hostname;
  std::int64_t expires = 0;  // unix seconds; for a declined address, end of probation
  LeaseState state = LeaseState::kActive;

  // Whether the address may go to a different client at `now`.
  bool reusable(std::int64_t now) const { return state == LeaseState::kReleased || expires <= now; }
  bool operator==(const Lease&) const = default;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // Pointers stay valid until the next put/erase.
  virtual const Lease* byIp(Ip4 ip) const = 0;
  virtual const Lease* byClient(const Bytes& client) const = 0;
  // Inserts or replaces the lease for lease.ip. A client holds at most one lease: another
  // lease of the same client is erased. Declined leases carry no client.
  virtual void put(const Lease& lease) = 0;
  virtual void erase(Ip4 ip) = 0;
  // The reusable lease in [first, last] that expired longest ago and that `skip` does not
  // reject, if any.
  virtual std::optional<Ip4> oldestReusable(Ip4 first, Ip4 last, std::int64_t now,
                                            const std::function<bool(Ip4)>& skip) const = 0;
  virtual void forEach(const std::function<void(const Lease&)>& fn) const = 0;
  virtual std::size_t size() const = 0;
  // Makes every earlier put/erase durable (one transaction, one fsync). Throws on failure.
  // Equivalent to writeBatch(takeBatch()).
  virtual void commit() { writeBatch(takeBatch()); }
  // Changes made since the last takeBatch (0 for a store without durability).
  virtual std::size_t pending() const = 0;

  // Group commit split in two, so the write can run on another thread: takeBatch (on the
  // engine's thread) copies out the changed rows; writeBatch (on one writer thread at a
  // time, in the order batches were taken) makes them durable. Throws on failure.
  struct Change {
    Ip4 ip;
    std::optional<Lease> lease;  // nullopt: erased
  };
  using Batch = std::vector<Change>;
  virtual Batch takeBatch() = 0;
  virtual void writeBatch(const Batch& batch) = 0;
};

class MemoryLeaseStore : public LeaseStore {
 public:
  const Lease* byIp(Ip4 ip) const override;
  const Lease* byClient(const Bytes& client) const override;
  void put(const Lease& lease) override;
  void erase(Ip4 ip) override;
  std::optional<Ip4> oldestReusable(Ip4 first, Ip4 last, std::int64_t now,
                                    const std::function<bool(Ip4)>& skip) const override;
  void forEach(const std::function<void(const Lease&)>& fn) const override;
  std::size_t size() const override { return byIp_.size(); }
  std::size_t pending() const override { return 0; }
  Batch takeBatch() override { return {}; }
  void writeBatch(const Batch&) override {}

 protected:
  // Hooks for a write-through backend; called after the in-memory change.
  virtual void onPut(const Lease&) {}
  virtual void onErase(Ip4) {}

 private:
  static std::int64_t orderKey(const Lease& l) {
    // Released leases are reusable at once, ordered by when they were released.
    return l.expires;
  }
  std::unordered_map<Ip4, Lease> byIp_;
  std::unordered_map<std::string, Ip4> byClient_;
  std::set<std::pair<std::int64_t, Ip4>> byExpiry_;
};

// SQLite (WAL, synchronous=FULL). Rows are loaded at open; a bad row is logged and skipped.
class SqliteLeaseStore : public MemoryLeaseStore {
 public:
  explicit SqliteLeaseStore(const std::filesystem::path& file);
  ~SqliteLeaseStore() override;
  std::size_t pending() const override { return dirty_.size(); }
  Batch takeBatch() override;
  void writeBatch(const Batch& batch) override;
  std::size_t skippedRows() const { return skipped_; }

 protected:
  void onPut(const Lease& lease) override;
  void onErase(Ip4 ip) override;

 private:
  struct Db;
  std::unique_ptr<Db> db_;
  std::unordered_map<Ip4, bool> dirty_;  // ip -> present (true) or erased (false)
  std::size_t skipped_ = 0;
};

std::unique_ptr<LeaseStore> openLeaseStore(const std::filesystem::path& file);

}  // namespace wk::dhcp::engine
