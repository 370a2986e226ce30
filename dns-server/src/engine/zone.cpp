#include "engine/zone.hpp"

#include <algorithm>

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::engine {

namespace type = codec::type;

ZoneBuilder::ZoneBuilder(const Name& apex, std::vector<codec::ZoneError>& errors,
                         std::string source)
    : zone_(std::make_shared<Zone>()),
      errors_(errors),
      errorsBefore_(errors.size()),
      source_(std::move(source)) {
  zone_->apex_ = apex;
  if (source_.empty()) source_ = "zone " + apex.toText();
}

ZoneBuilder::~ZoneBuilder() = default;

void ZoneBuilder::fail(const codec::ZoneRecord& r, std::string message) {
  if (errors_.size() - errorsBefore_ < codec::kMaxErrors)
    errors_.push_back({r.file ? *r.file : std::string("zone ") + zone_->apex_.toText(), r.line,
                       std::move(message)});
}

std::shared_ptr<const Zone> Zone::build(const Name& apex, std::vector<codec::ZoneRecord> records,
                                        std::vector<codec::ZoneError>& errors) {
  ZoneBuilder builder(apex, errors);
  for (const auto& r : records) builder.add(r);
  return builder.finish();
}

void ZoneBuilder::reserve(std::size_t names) {
  zone_->nodes_.reserve(names);
}

Node& ZoneBuilder::node(std::string_view key, std::string_view spelling) {
  auto& nodes = zone_->nodes_;
  auto found = nodes.find(key);
  if (found != nodes.end()) return found->second;
  auto it = nodes.emplace(std::string(key), Node{}).first;
  Node& created = it->second;
  created.key = it->first;
  if (spelling != key) created.owner.assign(spelling);
  // Ensure the parent exists (recursively up to the apex): empty non-terminals are nodes.
  if (key.size() > zone_->apex_.size()) {
    std::size_t skip = 1 + static_cast<std::uint8_t>(key[0]);
    node(key.substr(skip), spelling.substr(skip));
  }
  return created;
}

void ZoneBuilder::add(const codec::ZoneRecord& r) {
  Zone* zone = zone_.get();
  const Name& apex = zone->apex_;
  {
    if (!r.name.isSubdomainOf(apex)) {
      fail(r, "out-of-zone data: " + r.name.toText() + " is not in " + apex.toText());
      return;
    }
    if (r.type == type::kSOA && !r.name.equals(apex)) {
      fail(r, "SOA record not at the zone apex");
      return;
    }
    Name lowered = r.name.lowered();
    Node& node = this->node(
        wireKey(lowered),
        std::string_view(reinterpret_cast<const char*>(r.name.wire().data()), r.name.size()));
    std::uint16_t covered = 0;
    if (r.type == type::kRRSIG && r.rdata.size() >= 2)
      covered = static_cast<std::uint16_t>(r.rdata[0] << 8 | r.rdata[1]);
    auto rr = std::find_if(node.rrsets.begin(), node.rrsets.end(), [&](const RRset& s) {
      return s.type == r.type && s.covered == covered;
    });
    if (rr == node.rrsets.end()) {
      node.rrsets.push_back(RRset{r.type, covered, 0, r.ttl, {}});
      rr = node.rrsets.end() - 1;
    } else {
      // Identical records collapse into one (RFC 2181 5).
      bool duplicate = false;
      rr->forEach([&](std::span<const std::uint8_t> d) {
        if (!duplicate && d.size() == r.rdata.size() &&
            std::equal(d.begin(), d.end(), r.rdata.begin()))
          duplicate = true;
      });
      if (duplicate) return;
      if (r.type == type::kCNAME) {
        fail(r, "more than one CNAME at " + r.name.toText());
        return;
      }
      if (r.type == type::kSOA) {
        fail(r, "more than one SOA record");
        return;
      }
      if (rr->count == 65535) {
        fail(r, "RRset too large");
        return;
      }
    }
    rr->data.push_back(static_cast<std::uint8_t>(r.rdata.size() >> 8));
    rr->data.push_back(static_cast<std::uint8_t>(r.rdata.size()));
    rr->data.insert(rr->data.end(), r.rdata.begin(), r.rdata.end());
    ++rr->count;
    ++zone->records_;
  }
}

std::shared_ptr<const Zone> ZoneBuilder::finish() {
  Zone* zone = zone_.get();
  const Name& apex = zone->apex_;
  auto& errors = errors_;
  auto errorsBefore = errorsBefore_;
  if (errors.size() > errorsBefore) return nullptr;

  // Check node contents and mark zone cuts (ancestors were linked as names were added).
  std::size_t apexKeySize = apex.size();
  codec::ZoneRecord where;
  where.file = &source_;
  for (auto& [key, node] : zone->nodes_) {
    bool hasCname = node.find(type::kCNAME) != nullptr;
    if (hasCname) {
      for (const auto& r : node.rrsets)
        if (r.type != type::kCNAME && r.type != type::kRRSIG && r.type != type::kNSEC) {
          fail(where, "CNAME and other data at " + node.name().toText());
          break;
        }
    }
    if (key.size() != apexKeySize && node.find(type::kNS)) node.delegation = true;
  }
  auto apexIt = zone->nodes_.find(wireKey(apex.lowered()));
  if (apexIt == zone->nodes_.end() || !apexIt->second.find(type::kSOA)) {
    fail(where, "no SOA record at the zone apex " + apex.toText());
    return nullptr;
  }
  if (!apexIt->second.find(type::kNS)) fail(where, "no NS records at the zone apex");
  if (errors.size() > errorsBefore) return nullptr;
  zone->apexNode_ = &apexIt->second;
  zone->apexOwner_ = apexIt->second.name();
  zone->soa_ = apexIt->second.find(type::kSOA);
  // SOA RDATA: mname rname serial refresh retry expire minimum.
  std::span<const std::uint8_t> soa(zone->soa_->data.data() + 2, zone->soa_->data.size() - 2);
  std::uint32_t minimum = 0;
  if (soa.size() >= 20) {
    auto u32at = [&](std::size_t at) {
      return std::uint32_t{soa[at]} << 24 | std::uint32_t{soa[at + 1]} << 16 |
             std::uint32_t{soa[at + 2]} << 8 | soa[at + 3];
    };
    zone->serial_ = u32at(soa.size() - 20);
    minimum = u32at(soa.size() - 4);
  }
  zone->negativeTtl_ = std::min(zone->soa_->ttl, minimum);
  return std::move(zone_);
}

std::shared_ptr<const Zone> Zone::load(const Name& apex, const std::filesystem::path& file,
                                       std::vector<codec::ZoneError>& errors) {
  codec::ZoneParseOptions options;
  options.origin = apex;
  ZoneBuilder builder(apex, errors, file.string());
  // About one name per 20 bytes of master file for typical zones; a wrong guess only costs
  // a rehash or some slack.
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (!ec) builder.reserve(static_cast<std::size_t>(size / 20));
  bool ok = codec::parseZoneFile(
      file, options, [&](const codec::ZoneRecord& r) { builder.add(r); }, errors);
  if (!ok) return nullptr;
  return builder.finish();
}

void ZoneSet::add(std::shared_ptr<const Zone> zone) {
  Name key = zone->apex().lowered();
  maxLabels_ = std::max(maxLabels_, key.labelCount());
  minLabels_ = std::min(minLabels_, key.labelCount());
  zones_[std::string(wireKey(key))] = zone;
  list_.push_back(std::move(zone));
}

const Zone* ZoneSet::findExact(const Name& lowered) const {
  auto it = zones_.find(wireKey(lowered));
  return it == zones_.end() ? nullptr : it->second.get();
}

const Zone* ZoneSet::findEnclosing(const Name& lowered) const {
  if (zones_.empty()) return nullptr;
  std::string_view key = wireKey(lowered);
  unsigned labels = lowered.labelCount();
  // Skip labels that no apex can be that deep.
  while (labels > maxLabels_) {
    key.remove_prefix(1 + static_cast<std::uint8_t>(key[0]));
    --labels;
  }
  while (true) {
    auto it = zones_.find(key);
    if (it != zones_.end()) return it->second.get();
    if (labels <= minLabels_ || key.size() <= 1) return nullptr;
    key.remove_prefix(1 + static_cast<std::uint8_t>(key[0]));
    --labels;
  }
}

}  // namespace wk::dns::engine
