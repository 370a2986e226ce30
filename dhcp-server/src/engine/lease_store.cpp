#include "lease_store.hpp"

#include <spdlog/spdlog.h>

#include "wk/sqlite.hpp"

namespace wk::dhcp::engine {
namespace {
std::string key(const Bytes& b) {
  return {b.begin(), b.end()};
}
}  // namespace

const Lease* MemoryLeaseStore::byIp(Ip4 ip) const {
  auto it = byIp_.find(ip);
  return it == byIp_.end() ? nullptr : &it->second;
}

const Lease* MemoryLeaseStore::byClient(const Bytes& client) const {
  if (client.empty()) return nullptr;
  auto it = byClient_.find(key(client));
  return it == byClient_.end() ? nullptr : byIp(it->second);
}

void MemoryLeaseStore::put(const Lease& lease) {
  if (!lease.client.empty()) {
    auto it = byClient_.find(key(lease.client));
    if (it != byClient_.end() && it->second != lease.ip) erase(it->second);
  }
  auto it = byIp_.find(lease.ip);
  if (it != byIp_.end()) {
    byExpiry_.erase({orderKey(it->second), lease.ip});
    if (!it->second.client.empty()) byClient_.erase(key(it->second.client));
    it->second = lease;
  } else {
    byIp_.emplace(lease.ip, lease);
  }
  byExpiry_.insert({orderKey(lease), lease.ip});
  if (!lease.client.empty()) byClient_[key(lease.client)] = lease.ip;
  onPut(lease);
}

void MemoryLeaseStore::erase(Ip4 ip) {
  auto it = byIp_.find(ip);
  if (it == byIp_.end()) return;
  byExpiry_.erase({orderKey(it->second), ip});
  if (!it->second.client.empty()) byClient_.erase(key(it->second.client));
  byIp_.erase(it);
  onErase(ip);
}

std::optional<Ip4> MemoryLeaseStore::oldestReusable(Ip4 first, Ip4 last, std::int64_t now,
                                                    const std::function<bool(Ip4)>& skip) const {
  // byExpiry_ is ordered by expiry; released leases carry their release time. Everything
  // past `now` has not expired, except released leases, which are looked at too.
  for (const auto& [expires, ip] : byExpiry_) {
    if (ip < first || ip > last) continue;
    const Lease& l = byIp_.at(ip);
    if (expires > now && l.state != LeaseState::kReleased) continue;
    if (!l.reusable(now) || (skip && skip(ip))) continue;
    return ip;
  }
  return std::nullopt;
}

void MemoryLeaseStore::forEach(const std::function<void(const Lease&)>& fn) const {
  for (const auto& [ip, lease] : byIp_) fn(lease);
}

// --- SQLite -----------------------------------------------------------------------------

struct SqliteLeaseStore::Db {
  explicit Db(const std::filesystem::path& file) : db(file) {
    db.migrate({
        "CREATE TABLE leases (ip INTEGER PRIMARY KEY, client BLOB, hwaddr BLOB,"
        " hostname TEXT, expires INTEGER NOT NULL, state INTEGER NOT NULL)",
    });
    upsert = db.prepare(
        "INSERT OR REPLACE INTO leases (ip, client, hwaddr, hostname, expires, state)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    remove = db.prepare("DELETE FROM leases WHERE ip = ?");
  }
  sqlite::Database db;
  std::optional<sqlite::Statement> upsert;
  std::optional<sqlite::Statement> remove;
};

SqliteLeaseStore::SqliteLeaseStore(const std::filesystem::path& file)
    : db_(std::make_unique<Db>(file)) {
  auto q = db_->db.prepare("SELECT ip, client, hwaddr, hostname, expires, state FROM leases");
  std::vector<Ip4> bad;
  while (q.step()) {
    std::int64_t ip = q.integer(0), state = q.integer(5);
    Lease l;
    l.ip = static_cast<Ip4>(ip);
    if (!q.isNull(1)) l.client = q.blob(1);
    if (!q.isNull(2)) l.hwaddr = q.blob(2);
    if (!q.isNull(3)) l.hostname = q.text(3);
    l.expires = q.integer(4);
    bool clash = !l.client.empty() && byClient(l.client) != nullptr;
    if (ip <= 0 || ip > 0xFFFFFFFFll || state < 0 || state > 2 || l.client.size() > 256 ||
        l.hwaddr.size() > 17 || l.hostname.size() > 255 || clash) {
      spdlog::warn("lease database: skipping bad row ip={} ({})", ip,
                   clash ? "client already holds another lease" : "invalid values");
      ++skipped_;
      continue;
    }
    l.state = static_cast<LeaseState>(state);
    MemoryLeaseStore::put(l);
  }
  dirty_.clear();
}

SqliteLeaseStore::~SqliteLeaseStore() {
  try {
    commit();
  } catch (const std::exception& e) {
    spdlog::error("lease database: final commit failed: {}", e.what());
  }
}

void SqliteLeaseStore::onPut(const Lease& lease) {
  dirty_[lease.ip] = true;
}
void SqliteLeaseStore::onErase(Ip4 ip) {
  dirty_[ip] = false;
}

LeaseStore::Batch SqliteLeaseStore::takeBatch() {
  Batch batch;
  batch.reserve(dirty_.size());
  for (const auto& [ip, present] : dirty_) {
    const Lease* l = present ? byIp(ip) : nullptr;
    batch.push_back({ip, l ? std::optional<Lease>(*l) : std::nullopt});
  }
  dirty_.clear();
  return batch;
}

void SqliteLeaseStore::writeBatch(const Batch& batch) {
  if (batch.empty()) return;
  sqlite::Transaction tx(db_->db);
  for (const auto& change : batch) {
    if (const auto& l = change.lease) {
      auto& s = *db_->upsert;
      s.reset();
      s.bind(1, static_cast<std::int64_t>(l->ip));
      s.bind(2, std::span<const std::uint8_t>(l->client));
      s.bind(3, std::span<const std::uint8_t>(l->hwaddr));
      s.bind(4, std::string_view(l->hostname));
      s.bind(5, l->expires);
      s.bind(6, static_cast<std::int64_t>(l->state));
      s.run();
    } else {
      auto& s = *db_->remove;
      s.reset();
      s.bind(1, static_cast<std::int64_t>(change.ip));
      s.run();
    }
  }
  tx.commit();
}

std::unique_ptr<LeaseStore> openLeaseStore(const std::filesystem::path& file) {
  if (file.empty()) return std::make_unique<MemoryLeaseStore>();
  return std::make_unique<SqliteLeaseStore>(file);
}

}  // namespace wk::dhcp::engine
