#pragma once
// The resolver's cache: RRsets and negative answers (RFC 2308) keyed by owner name, type
// and class, with TTLs that count down, max_ttl / max_negative_ttl caps, a size bound with
// LRU eviction, and serve-stale (RFC 8767).
//
// Sharded by key hash with one mutex per shard, so the UDP threads answer hits in parallel
// while the resolver thread inserts. Time is passed in (seconds) so tests control it.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/message.hpp"
#include "codec/name.hpp"

namespace wk::dns::resolver {

using Seconds = std::int64_t;

struct RRset {
  codec::Name name;
  std::uint16_t type = 0;
  std::uint16_t rclass = 1;
  std::uint32_t ttl = 0;
  std::vector<std::vector<std::uint8_t>> rdatas;

  void appendTo(std::vector<codec::Record>& out) const;
};

// How much we believe a piece of data (RFC 2181 5.4.1, simplified): an authoritative
// answer beats authority-section data, which beats glue/additional data. Lower-ranked data
// never replaces live higher-ranked data.
enum class Rank : std::uint8_t { kAdditional = 0, kAuthority = 1, kAnswer = 2 };

struct CacheConfig {
  std::size_t maxBytes = 128u << 20;
  std::uint32_t maxTtl = 86400;
  std::uint32_t maxNegativeTtl = 3 * 3600;
  bool serveStale = true;
  std::uint32_t staleWindow = 86400;  // how long past expiry data may still be served
  std::uint32_t staleTtl = 30;        // RFC 8767 4: the TTL of a stale answer
  std::size_t maxRecordsPerRRset = 256;
  unsigned shards = 16;
};

struct CacheHit {
  enum class Kind { kRRset, kNxDomain, kNoData };
  Kind kind = Kind::kRRset;
  RRset rrset;                       // kRRset: TTL = remaining
  std::optional<codec::Record> soa;  // negative: the SOA, TTL = remaining
  bool stale = false;
};

class Cache {
 public:
  explicit Cache(CacheConfig config);
  ~Cache();

  const CacheConfig& config() const { return config_; }

  // Stores an RRset (TTL capped at max_ttl; TTL 0 is not stored). False if refused
  // (too many records, or a live entry of a higher rank).
  bool insert(const RRset& rrset, Rank rank, Seconds now);
  // Negative answers. NXDOMAIN covers every type at `name`; NODATA one type. The TTL is
  // min(SOA TTL, SOA MINIMUM) (RFC 2308 5) capped at max_negative_ttl.
  void insertNxDomain(const codec::Name& name, std::uint16_t rclass, const codec::Record& soa,
                      Seconds now);
  void insertNoData(const codec::Name& name, std::uint16_t type, std::uint16_t rclass,
                    const codec::Record& soa, Seconds now);

  // A live entry for (name, type): the RRset, or a negative answer. With `allowStale`
  // (and serve_stale on), an expired entry within the stale window is returned with
  // TTL staleTtl and stale = true.
  // `minRank`: what a client may be answered with is kAnswer (never glue or a parent's
  // NS set); the resolver's own delegation walk takes anything.
  std::optional<CacheHit> lookup(const codec::Name& name, std::uint16_t type, std::uint16_t rclass,
                                 Seconds now, bool allowStale = false,
                                 Rank minRank = Rank::kAdditional);

  void clear();
  std::size_t bytes() const;
  std::size_t entries() const;

  static std::uint32_t negativeTtl(const codec::Record& soa);

 private:
  struct Entry;
  struct Shard;
  struct Key {
    std::string name;  // lower-cased wire
    std::uint16_t type;
    std::uint16_t rclass;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };

  Key makeKey(const codec::Name& name, std::uint16_t type, std::uint16_t rclass) const;
  Shard& shardFor(const Key& key);
  void store(Key key, std::shared_ptr<const Entry> entry, Seconds now);
  std::optional<CacheHit> find(const Key& key, Seconds now, bool allowStale, Rank minRank);

  CacheConfig config_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// The type used in keys for "the name does not exist" (a meta type never queried).
constexpr std::uint16_t kNxDomainKeyType = 0;

}  // namespace wk::dns::resolver
