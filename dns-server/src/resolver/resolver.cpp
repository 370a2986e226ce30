#include "resolver/resolver.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "codec/types.hpp"

namespace wk::dns::resolver {

namespace asio = boost::asio;
using codec::Message;
using codec::Name;
using codec::Question;
using codec::Record;
namespace type = codec::type;
namespace rcode = codec::rcode;
constexpr std::uint16_t kDNAME = 39;  // RFC 6672 (not in codec/types.hpp)

namespace {

std::optional<Name> rdataName(const Record& r) {
  // NS, CNAME, DNAME: the RDATA is one uncompressed name.
  return Name::fromWire(r.rdata);
}

std::string questionKey(const Question& q) {
  auto lower = q.name.lowered();
  auto w = lower.wire();
  std::string key(w.begin(), w.end());
  key.push_back(static_cast<char>(q.qtype >> 8));
  key.push_back(static_cast<char>(q.qtype & 0xff));
  key.push_back(static_cast<char>(q.qclass >> 8));
  key.push_back(static_cast<char>(q.qclass & 0xff));
  return key;
}

const Record* findSoa(const Message& m, const Name& zone) {
  for (const auto& r : m.authority) {
    if (r.type == type::kSOA && r.name.isSubdomainOf(zone)) return &r;
  }
  return nullptr;
}

// DNAME substitution (RFC 6672 2.2): name below owner -> same labels below target.
std::optional<Name> substituteDname(const Name& name, const Name& owner, const Name& target) {
  if (!name.isSubdomainOf(owner) || name.equals(owner)) return std::nullopt;
  const unsigned keep = name.labelCount() - owner.labelCount();
  auto wire = name.wire();
  std::size_t prefix = 0;
  for (unsigned i = 0; i < keep; ++i) prefix += 1 + wire[prefix];
  Name out = target;
  // Prepend the kept labels from the last one to the first.
  std::vector<std::span<const std::uint8_t>> labels;
  for (std::size_t off = 0; off < prefix; off += 1 + wire[off]) {
    labels.push_back(wire.subspan(off + 1, wire[off]));
  }
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!out.prepend(*it)) return std::nullopt;
  }
  return out;
}

}  // namespace

std::vector<RRset> groupRRsets(const std::vector<Record>& records) {
  std::vector<RRset> out;
  for (const auto& r : records) {
    if (r.type == type::kOPT) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const RRset& s) {
      return s.type == r.type && s.rclass == r.rclass && s.name.equals(r.name);
    });
    if (it == out.end()) {
      out.push_back(RRset{r.name, r.type, r.rclass, r.ttl, {r.rdata}});
    } else {
      it->ttl = std::min(it->ttl, r.ttl);
      it->rdatas.push_back(r.rdata);
    }
  }
  return out;
}

Resolver::Resolver(ResolverConfig config, Cache& cache, Upstream& upstream, NowMs now)
    : config_(std::move(config)), cache_(cache), upstream_(upstream), now_(std::move(now)) {}

std::optional<Answer> Resolver::answerFromCache(const Question& q) const {
  Answer out;
  Name name = q.name;
  const Seconds now = now_() / 1000;
  for (unsigned chain = 0; chain <= config_.maxCnameChain; ++chain) {
    if (auto hit = cache_.lookup(name, q.qtype, q.qclass, now, false, Rank::kAnswer)) {
      if (hit->kind == CacheHit::Kind::kRRset) {
        hit->rrset.appendTo(out.answers);
        out.rcode = rcode::kNoError;
      } else {
        out.rcode = hit->kind == CacheHit::Kind::kNxDomain ? rcode::kNXDomain : rcode::kNoError;
        out.authority.push_back(*hit->soa);
      }
      return out;
    }
    if (q.qtype == type::kCNAME) return std::nullopt;
    auto cname = cache_.lookup(name, type::kCNAME, q.qclass, now, false, Rank::kAnswer);
    if (!cname || cname->kind != CacheHit::Kind::kRRset || cname->rrset.rdatas.empty()) {
      return std::nullopt;
    }
    cname->rrset.appendTo(out.answers);
    auto target = Name::fromWire(cname->rrset.rdatas.front());
    if (!target) return std::nullopt;
    name = *target;
  }
  return std::nullopt;
}

void Resolver::resolve(const Question& q, asio::any_io_executor executor, Callback callback) {
  auto key = questionKey(q);
  auto [it, fresh] = inflight_.try_emplace(key);
  it->second.push_back(std::move(callback));
  if (!fresh) {
    ++stats_.coalesced;
    return;
  }
  asio::co_spawn(executor, resolveQuestion(q), [this, key](std::exception_ptr e, Answer a) {
    if (e) a = Answer{};  // SERVFAIL
    auto node = inflight_.extract(key);
    if (node.empty()) return;
    for (auto& cb : node.mapped()) cb(a);
  });
}

asio::awaitable<Answer> Resolver::resolveQuestion(Question q) {
  ++stats_.resolutions;
  const std::string key = questionKey(q);
  if (auto failed = failedUntil_.find(key); failed != failedUntil_.end()) {
    if (failed->second > now_()) {
      ++stats_.cachedFailures;
      Answer servfail;
      if (auto stale = staleAnswer(q)) co_return *stale;
      co_return servfail;
    }
    failedUntil_.erase(failed);
  }
  auto budget = std::make_shared<Budget>();
  Answer a = co_await resolveChain(q, budget, 0);
  if (a.rcode == rcode::kServFail) {
    if (failedUntil_.size() > 100'000) failedUntil_.clear();
    failedUntil_[key] = now_() + config_.failureHoldoff.count() * 1000;
  }
  if (a.rcode == rcode::kServFail) {
    if (auto stale = staleAnswer(q)) co_return *stale;
  }
  co_return a;
}

std::optional<Answer> Resolver::staleAnswer(const Question& q) {
  if (!cache_.config().serveStale) return std::nullopt;
  // RFC 8767: every upstream failed; an expired answer beats none.
  Answer stale;
  Name name = q.name;
  const Seconds now = nowSeconds();
  for (unsigned chain = 0; chain <= config_.maxCnameChain; ++chain) {
    if (auto hit = cache_.lookup(name, q.qtype, q.qclass, now, true, Rank::kAnswer)) {
      if (hit->kind == CacheHit::Kind::kRRset) {
        hit->rrset.appendTo(stale.answers);
      } else {
        stale.authority.push_back(*hit->soa);
      }
      stale.rcode = hit->kind == CacheHit::Kind::kNxDomain ? rcode::kNXDomain : rcode::kNoError;
      stale.stale = true;
      ++stats_.staleAnswers;
      return stale;
    }
    if (q.qtype == type::kCNAME) break;
    auto cname = cache_.lookup(name, type::kCNAME, q.qclass, now, true, Rank::kAnswer);
    if (!cname || cname->kind != CacheHit::Kind::kRRset || cname->rrset.rdatas.empty()) break;
    auto target = Name::fromWire(cname->rrset.rdatas.front());
    if (!target) break;
    cname->rrset.appendTo(stale.answers);
    name = *target;
  }
  return std::nullopt;
}

asio::awaitable<Answer> Resolver::resolveChain(Question q, std::shared_ptr<Budget> budget,
                                               unsigned depth) {
  Answer out;
  Name name = q.name;
  for (unsigned chain = 0; chain <= config_.maxCnameChain;) {
    // The cache first, following cached CNAMEs.
    if (auto hit = cache_.lookup(name, q.qtype, q.qclass, nowSeconds(), false, Rank::kAnswer)) {
      if (hit->kind == CacheHit::Kind::kRRset) {
        hit->rrset.appendTo(out.answers);
      } else {
        out.authority.push_back(*hit->soa);
      }
      out.rcode = hit->kind == CacheHit::Kind::kNxDomain ? rcode::kNXDomain : rcode::kNoError;
      co_return out;
    }
    if (q.qtype != type::kCNAME) {
      auto cname = cache_.lookup(name, type::kCNAME, q.qclass, nowSeconds(), false, Rank::kAnswer);
      if (cname && cname->kind == CacheHit::Kind::kRRset && !cname->rrset.rdatas.empty()) {
        auto target = Name::fromWire(cname->rrset.rdatas.front());
        if (!target) break;
        cname->rrset.appendTo(out.answers);
        name = *target;
        ++chain;
        continue;
      }
    }

    // (Not a ?: with two co_awaits: GCC 12 miscompiles that.)
    IterResult r;
    if (config_.forwarders.empty()) {
      r = co_await iterate(name, q.qtype, q.qclass, budget, depth);
    } else {
      r = co_await forward(name, q.qtype, q.qclass, budget);
    }
    if (!r.ok) {
      out.rcode = rcode::kServFail;
      co_return out;
    }
    const Message& m = r.message;
    // Walk the answer section from `name`, only trusting records within the bailiwick
    // of the zone that answered.
    const Name start = name;
    bool done = false;
    for (unsigned steps = 0; steps <= config_.maxCnameChain && !done; ++steps) {
      bool moved = false;
      std::vector<Record> direct;
      for (const auto& rec : m.answers) {
        if (rec.name.equals(name) && rec.type == q.qtype && rec.rclass == q.qclass &&
            rec.name.isSubdomainOf(r.zone)) {
          direct.push_back(rec);
        }
      }
      if (!direct.empty()) {
        for (auto& rec : direct) rec.ttl = std::min(rec.ttl, cache_.config().maxTtl);
        out.answers.insert(out.answers.end(), direct.begin(), direct.end());
        done = true;
        break;
      }
      for (const auto& rec : m.answers) {
        if (!rec.name.isSubdomainOf(r.zone) || rec.rclass != q.qclass) continue;
        if (rec.type == type::kCNAME && rec.name.equals(name) && q.qtype != type::kCNAME) {
          auto target = rdataName(rec);
          if (!target) continue;
          out.answers.push_back(rec);
          name = *target;
          moved = true;
          break;
        }
        if (rec.type == kDNAME && q.qtype != kDNAME) {
          auto target = rdataName(rec);
          if (!target) continue;
          auto next = substituteDname(name, rec.name, *target);
          if (!next) continue;
          out.answers.push_back(rec);
          Record synth;
          synth.name = name;
          synth.type = type::kCNAME;
          synth.rclass = rec.rclass;
          synth.ttl = rec.ttl;
          auto w = next->wire();
          synth.rdata.assign(w.begin(), w.end());
          out.answers.push_back(std::move(synth));
          name = *next;
          moved = true;
          break;
        }
      }
      if (!moved) break;
      if (++chain > config_.maxCnameChain) break;
    }
    if (done) {
      out.rcode = rcode::kNoError;
      co_return out;
    }
    if (!name.equals(start)) continue;  // the chain left this zone: resolve the target
    // A negative answer for `name`.
    const std::uint8_t rc = static_cast<std::uint8_t>(m.rcode() & 0xf);
    out.rcode = rc == rcode::kNXDomain ? rcode::kNXDomain : rcode::kNoError;
    if (const Record* soa = findSoa(m, r.zone)) {
      Record s = *soa;
      s.ttl = std::min({Cache::negativeTtl(*soa), cache_.config().maxNegativeTtl});
      out.authority.push_back(std::move(s));
    }
    if (rc != rcode::kNXDomain && rc != rcode::kNoError) out.rcode = rcode::kServFail;
    co_return out;
  }
  // CNAME chain too long (or a loop).
  out.rcode = rcode::kServFail;
  co_return out;
}

}  // namespace wk::dns::resolver
