#include "engine/responder.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::engine {

namespace type = codec::type;
namespace rcode = codec::rcode;

namespace {
constexpr std::size_t kMaxChain = 8;  // CNAMEs followed inside a zone
}

Responder::Responder(ResponderConfig config) : config_(std::move(config)), compressor_(buf_) {
  buf_.reserve(65536);
  if (config_.maxUdpPayload < 512) config_.maxUdpPayload = 512;
  if (config_.nsid.size() > 256) config_.nsid.resize(256);
}

bool Responder::parseQuery(std::span<const std::uint8_t> query, const Client& client) {
  // Returns false when the query is malformed (FORMERR, decided by the caller).
  ByteReader r(query);
  r.skip(codec::kHeaderSize);
  if (header_.qdcount != 1) return false;
  if (!codec::readQuestion(r, question_)) return false;
  hasQuestion_ = true;
  // Only IXFR carries a record outside the additional section: the client's SOA (RFC 1995).
  bool ixfr = question_.qtype == type::kIXFR && header_.nscount == 1;
  if (header_.ancount != 0 || (header_.nscount != 0 && !ixfr)) return false;
  if (ixfr) {
    Name owner;
    if (!codec::readName(r, owner)) return false;
    r.skip(8);
    r.bytes(r.u16());
    if (!r.ok()) return false;
  }
  for (unsigned i = 0; i < header_.arcount; ++i) {
    Name owner;
    if (!codec::readName(r, owner)) return false;
    std::uint16_t rrtype = r.u16();
    std::uint16_t rrclass = r.u16();
    std::uint32_t ttl = r.u32();
    auto rdata = r.bytes(r.u16());
    if (!r.ok()) return false;
    if (rrtype != type::kOPT) continue;  // TSIG and friends: not supported, ignored
    if (hasEdns_ || !owner.isRoot()) return false;
    hasEdns_ = true;
    dnssecOk_ = ttl & 0x8000;
    ednsBadVersion_ = ((ttl >> 16) & 0xff) != 0;
    if (!client.tcp) {
      std::size_t size = std::max<std::size_t>(rrclass, 512);
      limit_ = std::min(size, config_.maxUdpPayload);
    }
    ByteReader o(rdata);
    while (!o.atEnd()) {
      std::uint16_t code = o.u16();
      auto data = o.bytes(o.u16());
      if (!o.ok()) return false;
      if (code == codec::edns::kNsid) {
        wantNsid_ = true;
      } else if (code == codec::edns::kCookie && config_.cookies) {
        if (data.size() != 8 && (data.size() < 16 || data.size() > 40)) return false;
        cookieLen_ = static_cast<std::uint8_t>(data.size());
        std::memcpy(cookie_.data(), data.data(), data.size());
      }
    }
  }
  return r.atEnd();
}

std::span<const std::uint8_t> Responder::respond(std::span<const std::uint8_t> query,
                                                 const ZoneSet& zones, const Client& client) {
  outcome_ = Outcome::kDropped;
  buf_.clear();
  compressor_.reset();
  counts_ = {};
  truncated_ = additionalFull_ = false;
  hasQuestion_ = hasEdns_ = dnssecOk_ = ednsBadVersion_ = wantNsid_ = false;
  aa_ = false;
  cookieLen_ = 0;
  additionalCount_ = 0;
  pendingCount_ = 0;
  additionalZone_ = nullptr;
  answeredApexNs_ = false;
  if (query.size() < codec::kHeaderSize) return {};
  ByteReader hr(query);
  header_ = codec::readHeader(hr);
  if (header_.qr) return {};  // never answer a response (reflection loops)
  limit_ = client.tcp ? 65535 : 512;
  clientAddress_ = client.address;
  now_ = client.now;

  bool wellFormed;
  if (header_.opcode != codec::opcode::kQuery) {
    ByteReader r(query);
    r.skip(codec::kHeaderSize);
    hasQuestion_ = header_.qdcount == 1 && codec::readQuestion(r, question_);
    wellFormed = true;
  } else {
    wellFormed = parseQuery(query, client);
  }

  ByteWriter w(buf_, 65535);
  writer_ = &w;
  w.u16(header_.id);
  w.u16(0);  // flags, set by finish()
  w.u16(hasQuestion_ ? 1 : 0);
  w.zeros(6);
  if (hasQuestion_) {
    compressor_.write(w, question_.name);
    w.u16(question_.qtype);
    w.u16(question_.qclass);
  }
  sectionStart_ = buf_.size();
  // Keep room for the OPT record we will append.
  optSize_ = 0;
  if (hasEdns_) {
    optSize_ = 11;
    if (wantNsid_ && !config_.nsid.empty()) optSize_ += 4 + config_.nsid.size();
    if (cookieLen_ != 0) optSize_ += 4 + 24;
  }
  w.setLimit(limit_ > optSize_ ? limit_ - optSize_ : 0);

  if (!wellFormed) {
    outcome_ = Outcome::kFormErr;
    finish(rcode::kFormErr);
  } else if (header_.opcode != codec::opcode::kQuery) {
    outcome_ = Outcome::kNotImp;
    finish(rcode::kNotImp);
  } else if (ednsBadVersion_) {
    outcome_ = Outcome::kBadVers;
    finish(rcode::kBadVers);
  } else {
    lowered_ = question_.name.lowered();
    answerQuestion(zones, client);
  }
  writer_ = nullptr;
  return buf_;
}

void Responder::answerQuestion(const ZoneSet& zones, const Client& client) {
  std::uint16_t qtype = question_.qtype;
  if (question_.qclass != codec::rclass::kIN && question_.qclass != codec::rclass::kANY) {
    outcome_ = Outcome::kRefused;
    return finish(rcode::kRefused);
  }
  if (qtype == type::kOPT) {
    outcome_ = Outcome::kFormErr;
    return finish(rcode::kFormErr);
  }
  if (qtype == type::kMAILA || qtype == type::kMAILB) {
    outcome_ = Outcome::kNotImp;
    return finish(rcode::kNotImp);
  }
  const Zone* zone = zones.findEnclosing(lowered_);
  if (zone == nullptr) {
    outcome_ = Outcome::kRefused;
    return finish(rcode::kRefused);
  }
  if (qtype == type::kIXFR && !client.tcp && lowered_.equals(zone->apex())) {
    // IXFR over UDP (RFC 1995 2): our SOA alone tells the client its version or to use TCP.
    aa_ = true;
    outcome_ = Outcome::kAnswer;
    writeRRset(zone->apexOwner(), zone->soa(), 0, zone->soa().ttl);
    return finish(rcode::kNoError);
  }
  if (qtype == type::kAXFR || qtype == type::kIXFR) {
    // Transfers run over TCP outside the responder (it checks the ACL); AXFR over UDP is
    // refused as FORMERR.
    outcome_ = client.tcp ? Outcome::kTransfer : Outcome::kRefused;
    return finish(client.tcp ? rcode::kRefused : rcode::kFormErr);
  }
  answerInZone(*zone, client);
}

bool Responder::writeRRset(const Name& owner, const RRset& rrset, int section, std::uint32_t ttl,
                           bool optional) {
  if (section == 2) optional = true;
  if (truncated_ || (optional && additionalFull_)) return false;
  ByteWriter& w = *writer_;
  std::size_t before = buf_.size();
  bool ok = true;
  rrset.forEach([&](std::span<const std::uint8_t> rdata) {
    if (!ok) return;
    compressor_.write(w, owner);
    w.u16(rrset.type);
    w.u16(codec::rclass::kIN);
    w.u32(ttl);
    codec::writeRdata(rrset.type, rdata, w, &compressor_);
    if (w.overflow()) ok = false;
  });
  if (ok) {
    counts_[section] = static_cast<std::uint16_t>(counts_[section] + rrset.count);
    return true;
  }
  if (optional) {
    w.truncate(before);  // optional data: drop the RRset (and what follows), no TC
    additionalFull_ = true;
  } else {
    w.truncate(sectionStart_);  // the answer does not fit: TC, client retries over TCP
    counts_ = {};
    truncated_ = true;
  }
  return false;
}

bool Responder::writeRRsetWithSigs(const Name& owner, const Node& node, const RRset& rrset,
                                   int section, std::uint32_t ttl, bool optional) {
  if (!writeRRset(owner, rrset, section, ttl, optional)) return false;
  if (dnssecOk_) {
    if (const RRset* sigs = node.findSignatures(rrset.type))
      return writeRRset(owner, *sigs, section, std::min(ttl, sigs->ttl), optional);
  }
  return true;
}

void Responder::addAdditional(const Zone& zone, const RRset& rrset) {
  if (rrset.type != type::kNS && rrset.type != type::kMX && rrset.type != type::kSRV) return;
  additionalZone_ = &zone;
  if (pendingCount_ < pendingAdditional_.size()) pendingAdditional_[pendingCount_++] = &rrset;
}

void Responder::addAuthorityNs(const Zone& zone) {
  // NSD lists the apex NS in the authority section of positive answers (optional data),
  // except for the large DNSSEC sets (DS, DNSKEY), ANY, and class ANY questions.
  const std::uint16_t qtype = question_.qtype;
  if (answeredApexNs_ || truncated_ || qtype == type::kDS || qtype == type::kDNSKEY ||
      qtype == type::kANY || question_.qclass == codec::rclass::kANY)
    return;
  const Node& apex = zone.apexNode();
  const RRset* ns = apex.find(type::kNS);
  if (ns == nullptr) return;
  if (writeRRsetWithSigs(zone.apexOwner(), apex, *ns, 1, ns->ttl, true)) addAdditional(zone, *ns);
}

// Addresses of NS/MX/SRV targets inside the zone: all A RRsets, then all AAAA (as NSD).
void Responder::writeAdditional() {
  if (additionalZone_ == nullptr || truncated_) return;
  const Zone& zone = *additionalZone_;
  for (std::uint16_t t : {type::kA, type::kAAAA}) {
    additionalCount_ = 0;
    for (std::size_t i = 0; i < pendingCount_; ++i) {
      const RRset& rrset = *pendingAdditional_[i];
      rrset.forEach([&](std::span<const std::uint8_t> rdata) {
        if (additionalFull_) return;
        auto target = codec::additionalTarget(rrset.type, rdata);
        if (!target || !target->isSubdomainOf(zone.apex())) return;
        const Node* node = zone.find(target->lowered());
        if (node == nullptr) return;
        for (std::size_t k = 0; k < additionalCount_; ++k)
          if (additionalDone_[k] == node) return;
        if (additionalCount_ < additionalDone_.size()) additionalDone_[additionalCount_++] = node;
        if (const RRset* addr = node->find(t))
          writeRRsetWithSigs(*target, *node, *addr, 2, addr->ttl);
      });
    }
  }
}

void Responder::writeNegative(const Zone& zone) {
  const Node& apex = zone.apexNode();
  writeRRsetWithSigs(zone.apexOwner(), apex, zone.soa(), 1, zone.negativeTtl());
}

void Responder::answerInZone(const Zone& zone, const Client& /*client*/) {
  const std::uint16_t qtype = question_.qtype;
  const unsigned apexLabels = zone.apex().labelCount();
  Name qname = question_.name;
  Name low = lowered_;
  std::array<const Node*, kMaxChain + 1> visited{};
  aa_ = true;
  for (std::size_t step = 0;; ++step) {
    // Label offsets of the current name, to probe its suffixes without copying.
    std::array<std::uint8_t, 128> offsets{};
    unsigned labels = 0;
    auto wire = low.wire();
    for (std::size_t p = 0; wire[p] != 0; p += 1 + wire[p])
      offsets[labels++] = static_cast<std::uint8_t>(p);
    auto suffix = [&](unsigned count) {  // the name's last `count` labels
      std::size_t at = count == labels ? 0 : offsets[labels - count];
      return std::string_view(reinterpret_cast<const char*>(wire.data()) + at, wire.size() - at);
    };
    const Node* encloser = &zone.apexNode();
    std::string_view encloserKey = suffix(apexLabels);
    const Node* exact = labels == apexLabels ? encloser : nullptr;
    for (unsigned l = apexLabels + 1; l <= labels; ++l) {
      std::string_view key = suffix(l);
      const Node* node = zone.find(key);
      if (node == nullptr) break;
      if (node->delegation && !(l == labels && qtype == type::kDS)) {
        if (step == 0) {  // a referral: not authoritative
          aa_ = false;
          outcome_ = Outcome::kReferral;
          const RRset& ns = *node->find(type::kNS);
          Name cut = node->name();
          writeRRset(cut, ns, 1, ns.ttl);
          if (dnssecOk_)
            if (const RRset* ds = node->find(type::kDS))
              writeRRsetWithSigs(cut, *node, *ds, 1, ds->ttl);
          addAdditional(zone, ns);
        } else {
          outcome_ = Outcome::kAnswer;  // a CNAME into a delegation: the client follows it
        }
        return finish(rcode::kNoError);
      }
      encloser = node;
      encloserKey = key;
      if (l == labels) exact = node;
    }
    const Node* match = exact;
    if (match == nullptr) {
      // RFC 4592: the wildcard is the closest encloser's "*" child.
      char key[codec::kMaxNameLength + 2];
      key[0] = 1;
      key[1] = '*';
      std::memcpy(key + 2, encloserKey.data(), encloserKey.size());
      match = zone.find(std::string_view(key, encloserKey.size() + 2));
      if (match == nullptr) {
        outcome_ = step == 0 ? Outcome::kNxDomain : Outcome::kAnswer;
        writeNegative(zone);
        return finish(rcode::kNXDomain);
      }
    }
    for (std::size_t i = 0; i < step; ++i)
      if (visited[i] == match) {  // a CNAME loop: answer with what we have
        outcome_ = Outcome::kAnswer;
        return finish(rcode::kNoError);
      }
    visited[step] = match;
    const RRset* cname = match->find(type::kCNAME);
    if (cname != nullptr && qtype != type::kCNAME && qtype != type::kANY) {
      if (!writeRRsetWithSigs(qname, *match, *cname, 0, cname->ttl)) return finish(rcode::kNoError);
      std::optional<Name> target;
      cname->forEach([&](std::span<const std::uint8_t> rdata) { target = Name::fromWire(rdata); });
      if (!target || !target->isSubdomainOf(zone.apex()) || step + 1 > kMaxChain) {
        outcome_ = Outcome::kAnswer;  // the target is another zone's: no authority data
        return finish(rcode::kNoError);
      }
      qname = *target;
      low = target->lowered();
      continue;
    }
    if (qtype == type::kANY) {
      // RFC 8482 minimal ANY: one RRset, over UDP and TCP alike (as NSD).
      bool any = false;
      for (const auto& rrset : match->rrsets) {
        if (rrset.type == type::kRRSIG) continue;
        writeRRsetWithSigs(qname, *match, rrset, 0, rrset.ttl);
        any = true;
        break;
      }
      if (any) {
        outcome_ = Outcome::kAnswer;
        return finish(rcode::kNoError);
      }
    } else if (const RRset* rrset = match->find(qtype)) {
      outcome_ = Outcome::kAnswer;
      if (writeRRsetWithSigs(qname, *match, *rrset, 0, rrset->ttl)) {
        addAdditional(zone, *rrset);
        if (rrset->type == type::kNS && match == &zone.apexNode()) answeredApexNs_ = true;
        addAuthorityNs(zone);
      }
      return finish(rcode::kNoError);
    }
    outcome_ = step == 0 ? Outcome::kNoData : Outcome::kAnswer;
    writeNegative(zone);
    return finish(rcode::kNoError);
  }
}

std::span<const std::uint8_t> Responder::slipLast() {
  if (buf_.size() < codec::kHeaderSize) return buf_;
  buf_.resize(sectionStart_);
  buf_[2] |= 0x02;                                    // TC
  std::fill(buf_.begin() + 6, buf_.begin() + 12, 0);  // no records
  return buf_;
}

void Responder::finish(std::uint16_t code) {
  writeAdditional();
  ByteWriter& w = *writer_;
  w.setLimit(65535);
  std::uint16_t flags = 0x8000 | (header_.opcode & 0xf) << 11;
  if (aa_) flags |= 0x0400;
  if (truncated_) flags |= 0x0200;
  if (header_.rd) flags |= 0x0100;
  if (header_.cd) flags |= 0x0010;
  flags |= code & 0xf;
  std::uint16_t arcount = counts_[2];
  if (hasEdns_) {
    w.u8(0);
    w.u16(type::kOPT);
    w.u16(static_cast<std::uint16_t>(config_.maxUdpPayload));
    w.u8(static_cast<std::uint8_t>(code >> 4));
    w.u8(0);
    w.u16(dnssecOk_ ? 0x8000 : 0);
    std::size_t lengthAt = buf_.size();
    w.u16(0);
    if (wantNsid_ && !config_.nsid.empty()) {
      w.u16(codec::edns::kNsid);
      w.u16(static_cast<std::uint16_t>(config_.nsid.size()));
      w.text(config_.nsid);
    }
    if (cookieLen_ != 0) {
      std::uint8_t server[16];
      makeServerCookie(config_.cookieSecret, std::span<const std::uint8_t, 8>(cookie_.data(), 8),
                       clientAddress_, now_, server);
      w.u16(codec::edns::kCookie);
      w.u16(24);
      w.bytes({cookie_.data(), 8});
      w.bytes(server);
    }
    w.patchU16(lengthAt, static_cast<std::uint16_t>(buf_.size() - lengthAt - 2));
    ++arcount;
  }
  w.patchU16(2, flags);
  w.patchU16(6, counts_[0]);
  w.patchU16(8, counts_[1]);
  w.patchU16(10, arcount);
}

}  // namespace wk::dns::engine
