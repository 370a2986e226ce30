#include "resolver/cache.hpp"

#include <algorithm>

#include "codec/types.hpp"

namespace wk::dns::resolver {

void RRset::appendTo(std::vector<codec::Record>& out) const {
  for (const auto& rdata : rdatas) {
    codec::Record r;
    r.name = name;
    r.type = type;
    r.rclass = rclass;
    r.ttl = ttl;
    r.rdata = rdata;
    out.push_back(std::move(r));
  }
}

struct Cache::Entry {
  CacheHit::Kind kind = CacheHit::Kind::kRRset;
  RRset rrset;
  std::optional<codec::Record> soa;
  Rank rank = Rank::kAdditional;
  Seconds expires = 0;
  std::size_t bytes = 0;
};

struct Cache::Shard {
  struct Slot {
    std::shared_ptr<const Entry> entry;
    std::list<Key>::iterator lru;
  };
  mutable std::mutex mutex;
  std::unordered_map<Key, Slot, KeyHash> map;
  std::list<Key> lru;  // front = most recently used
  std::size_t bytes = 0;
};

std::size_t Cache::KeyHash::operator()(const Key& k) const {
  return std::hash<std::string>()(k.name) ^ (std::size_t{k.type} * 0x9e3779b97f4a7c15ull) ^
         k.rclass;
}

Cache::Cache(CacheConfig config) : config_(config) {
  config_.shards = std::max(1u, config_.shards);
  for (unsigned i = 0; i < config_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

Cache::~Cache() = default;

Cache::Key Cache::makeKey(const codec::Name& name, std::uint16_t type, std::uint16_t rclass) const {
  auto lower = name.lowered();
  auto wire = lower.wire();
  return Key{std::string(wire.begin(), wire.end()), type, rclass};
}

Cache::Shard& Cache::shardFor(const Key& key) {
  return *shards_[KeyHash()(key) % shards_.size()];
}

std::uint32_t Cache::negativeTtl(const codec::Record& soa) {
  std::uint32_t minimum = 0;
  if (soa.rdata.size() >= 4) {
    auto p = soa.rdata.data() + soa.rdata.size() - 4;
    minimum = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
              (std::uint32_t{p[2]} << 8) | p[3];
  }
  return std::min(soa.ttl, minimum);
}

void Cache::store(Key key, std::shared_ptr<const Entry> entry, Seconds now) {
  auto& shard = shardFor(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.map.find(key);
  if (it != shard.map.end()) {
    const Entry& old = *it->second.entry;
    // Live data of a higher rank stays (RFC 2181 5.4.1): glue must not overwrite answers.
    if (old.expires > now && old.rank > entry->rank) return;
    shard.bytes -= old.bytes;
    shard.bytes += entry->bytes;
    it->second.entry = std::move(entry);
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
  } else {
    shard.lru.push_front(key);
    shard.bytes += entry->bytes;
    shard.map.emplace(std::move(key), Shard::Slot{std::move(entry), shard.lru.begin()});
  }
  const std::size_t limit = config_.maxBytes / shards_.size();
  while (shard.bytes > limit && shard.lru.size() > 1) {
    auto victim = shard.map.find(shard.lru.back());
    shard.bytes -= victim->second.entry->bytes;
    shard.map.erase(victim);
    shard.lru.pop_back();
  }
}

bool Cache::insert(const RRset& rrset, Rank rank, Seconds now) {
  if (rrset.rdatas.empty() || rrset.rdatas.size() > config_.maxRecordsPerRRset) return false;
  const std::uint32_t ttl = std::min(rrset.ttl, config_.maxTtl);
  if (ttl == 0) return false;
  auto entry = std::make_shared<Entry>();
  entry->kind = CacheHit::Kind::kRRset;
  entry->rrset = rrset;
  entry->rrset.ttl = ttl;
  // Duplicate RDATA (RFC 2181 5: an RRset is a set) is collapsed.
  auto& rd = entry->rrset.rdatas;
  std::sort(rd.begin(), rd.end());
  rd.erase(std::unique(rd.begin(), rd.end()), rd.end());
  entry->rank = rank;
  entry->expires = now + ttl;
  entry->bytes = 96 + rrset.name.size() * 2;
  for (const auto& r : rd) entry->bytes += r.size() + 32;
  auto key = makeKey(rrset.name, rrset.type, rrset.rclass);
  store(std::move(key), std::move(entry), now);
  return true;
}

void Cache::insertNxDomain(const codec::Name& name, std::uint16_t rclass, const codec::Record& soa,
                           Seconds now) {
  const std::uint32_t ttl = std::min(negativeTtl(soa), config_.maxNegativeTtl);
  if (ttl == 0) return;
  auto entry = std::make_shared<Entry>();
  entry->kind = CacheHit::Kind::kNxDomain;
  entry->rrset.name = name;
  entry->rrset.rclass = rclass;
  entry->soa = soa;
  entry->soa->ttl = ttl;
  entry->rank = Rank::kAnswer;
  entry->expires = now + ttl;
  entry->bytes = 128 + name.size() * 2 + soa.rdata.size() + soa.name.size();
  store(makeKey(name, kNxDomainKeyType, rclass), std::move(entry), now);
}

void Cache::insertNoData(const codec::Name& name, std::uint16_t type, std::uint16_t rclass,
                         const codec::Record& soa, Seconds now) {
  const std::uint32_t ttl = std::min(negativeTtl(soa), config_.maxNegativeTtl);
  if (ttl == 0) return;
  auto entry = std::make_shared<Entry>();
  entry->kind = CacheHit::Kind::kNoData;
  entry->rrset.name = name;
  entry->rrset.type = type;
  entry->rrset.rclass = rclass;
  entry->soa = soa;
  entry->soa->ttl = ttl;
  entry->rank = Rank::kAnswer;
  entry->expires = now + ttl;
  entry->bytes = 128 + name.size() * 2 + soa.rdata.size() + soa.name.size();
  store(makeKey(name, type, rclass), std::move(entry), now);
}

std::optional<CacheHit> Cache::find(const Key& key, Seconds now, bool allowStale, Rank minRank) {
  std::shared_ptr<const Entry> entry;
  {
    auto& shard = shardFor(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return std::nullopt;
    entry = it->second.entry;
    if (entry->rank < minRank) return std::nullopt;
    const bool live = entry->expires > now;
    const bool staleOk =
        allowStale && config_.serveStale && entry->expires + Seconds{config_.staleWindow} > now;
    if (!live && !staleOk) {
      if (!(config_.serveStale && entry->expires + Seconds{config_.staleWindow} > now)) {
        // Past any use: free it now rather than wait for LRU.
        shard.bytes -= entry->bytes;
        shard.lru.erase(it->second.lru);
        shard.map.erase(it);
      }
      return std::nullopt;
    }
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
  }
  CacheHit hit;
  hit.kind = entry->kind;
  hit.stale = entry->expires <= now;
  const auto remaining =
      hit.stale ? config_.staleTtl : static_cast<std::uint32_t>(entry->expires - now);
  if (entry->kind == CacheHit::Kind::kRRset) {
    hit.rrset = entry->rrset;
    hit.rrset.ttl = remaining;
  } else {
    hit.rrset.name = entry->rrset.name;
    hit.rrset.type = entry->rrset.type;
    hit.rrset.rclass = entry->rrset.rclass;
    hit.soa = entry->soa;
    hit.soa->ttl = remaining;
  }
  return hit;
}

std::optional<CacheHit> Cache::lookup(const codec::Name& name, std::uint16_t type,
                                      std::uint16_t rclass, Seconds now, bool allowStale,
                                      Rank minRank) {
  auto key = makeKey(name, type, rclass);
  if (auto hit = find(key, now, false, minRank)) return hit;
  key.type = kNxDomainKeyType;
  if (auto hit = find(key, now, false, minRank)) return hit;
  if (!allowStale) return std::nullopt;
  key.type = type;
  if (auto hit = find(key, now, true, minRank)) return hit;
  key.type = kNxDomainKeyType;
  return find(key, now, true, minRank);
}

void Cache::clear() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    shard->map.clear();
    shard->lru.clear();
    shard->bytes = 0;
  }
}

std::size_t Cache::bytes() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->bytes;
  }
  return total;
}

std::size_t Cache::entries() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->map.size();
  }
  return total;
}

}  // namespace wk::dns::resolver
