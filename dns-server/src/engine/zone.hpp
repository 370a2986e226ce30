#pragma once
// A zone compiled at load into an immutable tree: a hash map from the lower-cased wire
// name to a node holding its RRsets in wire form. Every ancestor between an owner and the
// apex exists as a node (empty non-terminals), which makes closest-encloser and wildcard
// lookups plain hash probes. Zones are shared read-only between threads.

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/name.hpp"
#include "codec/types.hpp"
#include "codec/zone_file.hpp"

namespace wk::dns::engine {

using codec::Name;

// One RRset. RDATA items are stored back to back as <u16 length><canonical rdata>.
struct RRset {
  std::uint16_t type = 0;
  std::uint16_t covered = 0;  // RRSIG: the type the signatures cover (RRSIGs split by it)
  std::uint16_t count = 0;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> data;

  template <class F>
  void forEach(F&& f) const {
    std::size_t pos = 0;
    while (pos + 2 <= data.size()) {
      std::size_t len = std::size_t(data[pos]) << 8 | data[pos + 1];
      f(std::span<const std::uint8_t>(data.data() + pos + 2, len));
      pos += 2 + len;
    }
  }
};

struct Node {
  std::string_view key;  // the lower-case wire name (the map's key, which never moves)
  std::string owner;     // wire form as written in the zone, only when it differs from key
  std::vector<RRset> rrsets;
  bool delegation = false;  // NS below the apex: a zone cut

  // The owner name with the zone file's spelling (case preserved).
  Name name() const {
    std::string_view w = owner.empty() ? key : std::string_view(owner);
    return *Name::fromWire({reinterpret_cast<const std::uint8_t*>(w.data()), w.size()});
  }

  const RRset* find(std::uint16_t type) const {
    for (const auto& r : rrsets)
      if (r.type == type && r.covered == 0) return &r;
    return nullptr;
  }
  const RRset* findSignatures(std::uint16_t covered) const {
    for (const auto& r : rrsets)
      if (r.type == codec::type::kRRSIG && r.covered == covered) return &r;
    return nullptr;
  }
  bool empty() const { return rrsets.empty(); }
};

struct WireKeyHash {
  using is_transparent = void;
  // Deliberately not noexcept: libstdc++ then caches hash codes in the nodes, so rehashing
  // and probing compare cached codes instead of re-hashing and comparing names.
  std::size_t operator()(std::string_view s) const {
    // Eight bytes at a time with a multiply-xorshift mix: names are short and hashed on
    // every lookup of the answer path.
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      h = (h ^ w) * 0xff51afd7ed558ccdULL;
      h ^= h >> 32;
    }
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, n - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};
struct WireKeyEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

inline std::string_view wireKey(const Name& lowered) {
  return {reinterpret_cast<const char*>(lowered.wire().data()), lowered.size()};
}

class Zone;

// Streams records into a new zone (no intermediate record list: a 1M-record zone is
// compiled as it is read).
class ZoneBuilder {
 public:
  // `source` names the zone in errors that belong to no single line (usually the file).
  ZoneBuilder(const Name& apex, std::vector<codec::ZoneError>& errors, std::string source = {});
  ~ZoneBuilder();
  void add(const codec::ZoneRecord& record);
  // Sizes the name table up front (e.g. from the zone file's size) to avoid rehashing.
  void reserve(std::size_t names);
  // Links empty non-terminals, checks the zone; nullptr if any error was recorded.
  std::shared_ptr<const Zone> finish();

 private:
  void fail(const codec::ZoneRecord& r, std::string message);
  // The node for a lower-case wire key, created (with its missing ancestors, as empty
  // non-terminals) if needed. `spelling` is the owner as written, same length as key.
  Node& node(std::string_view key, std::string_view spelling);
  std::shared_ptr<Zone> zone_;
  std::vector<codec::ZoneError>& errors_;
  std::size_t errorsBefore_;
  std::string source_;
};

class Zone {
 public:
  // Compiles records into a zone. Errors ("FILE:LINE: message") go to `errors`; any error
  // means no zone.
  static std::shared_ptr<const Zone> build(const Name& apex, std::vector<codec::ZoneRecord> records,
                                           std::vector<codec::ZoneError>& errors);
  // Parses the master file and builds.
  static std::shared_ptr<const Zone> load(const Name& apex, const std::filesystem::path& file,
                                          std::vector<codec::ZoneError>& errors);

  const Name& apex() const { return apex_; }
  // `lowered` must be lower case.
  const Node* find(const Name& lowered) const { return find(wireKey(lowered)); }
  // By lower-case wire key (a suffix of a lowered name's wire form works too).
  const Node* find(std::string_view key) const {
    auto it = nodes_.find(key);
    return it == nodes_.end() ? nullptr : &it->second;
  }
  const Node& apexNode() const { return *apexNode_; }
  const Name& apexOwner() const { return apexOwner_; }  // the apex as spelled in the zone
  const RRset& soa() const { return *soa_; }
  std::uint32_t serial() const { return serial_; }
  std::uint32_t negativeTtl() const { return negativeTtl_; }
  std::size_t nodeCount() const { return nodes_.size(); }
  std::size_t recordCount() const { return records_; }

  // Every record, apex SOA first (for AXFR and tests).
  template <class F>
  void forEachNode(F&& f) const {
    for (const auto& [key, node] : nodes_) f(node);
  }

 private:
  friend class ZoneBuilder;
  Name apex_;
  std::unordered_map<std::string, Node, WireKeyHash, WireKeyEqual> nodes_;
  const Node* apexNode_ = nullptr;
  Name apexOwner_;
  const RRset* soa_ = nullptr;
  std::uint32_t serial_ = 0;
  std::uint32_t negativeTtl_ = 0;
  std::size_t records_ = 0;
};

// The zones we serve, looked up by the deepest apex that encloses a name.
class ZoneSet {
 public:
  void add(std::shared_ptr<const Zone> zone);
  // `lowered` must be lower case.
  const Zone* findEnclosing(const Name& lowered) const;
  const Zone* findExact(const Name& lowered) const;
  std::size_t size() const { return zones_.size(); }
  const std::vector<std::shared_ptr<const Zone>>& all() const { return list_; }

 private:
  std::unordered_map<std::string, std::shared_ptr<const Zone>, WireKeyHash, WireKeyEqual> zones_;
  std::vector<std::shared_ptr<const Zone>> list_;
  unsigned maxLabels_ = 0;
  unsigned minLabels_ = 255;
};

}  // namespace wk::dns::engine
