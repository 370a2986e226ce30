// The iteration half of Resolver: from the closest known zone cut down to an answer.
#include <algorithm>

#include "codec/types.hpp"
#include "resolver/resolver.hpp"

namespace wk::dns::resolver {

namespace asio = boost::asio;
using codec::Message;
using codec::Name;
using codec::Question;
using codec::Record;
namespace type = codec::type;
namespace rcode = codec::rcode;

namespace {

std::string addressKey(const ServerAddress& s) {
  return s.address.to_string() + "#" + std::to_string(s.port);
}

Message makeQuery(const Question& q, bool rd, bool edns) {
  Message m;
  m.header.rd = rd;
  m.header.qdcount = 1;
  m.questions.push_back(q);
  if (edns) {
    m.edns = codec::Edns{};
    m.edns->udpSize = 1232;
  }
  return m;
}

bool sameQuestion(const Message& reply, const Question& q) {
  return reply.header.qr && reply.questions.size() == 1 && reply.questions[0].name.equals(q.name) &&
         reply.questions[0].qtype == q.qtype && reply.questions[0].qclass == q.qclass;
}

// A referral: no answer, NS records in authority for a zone strictly below `zone` that
// contains `qname`. Returns its owner.
std::optional<Name> referralTarget(const Message& m, const Name& zone, const Name& qname) {
  if (!m.answers.empty() || (m.header.rcode != rcode::kNoError)) return std::nullopt;
  for (const auto& r : m.authority) {
    if (r.type == type::kNS && qname.isSubdomainOf(r.name) && r.name.isSubdomainOf(zone) &&
        !r.name.equals(zone)) {
      return r.name;
    }
  }
  return std::nullopt;
}

bool isLameReferral(const Message& m, const Name& zone) {
  if (!m.answers.empty() || m.header.aa || m.header.rcode != rcode::kNoError) return false;
  bool upward = false, soa = false;
  for (const auto& r : m.authority) {
    if (r.type == type::kSOA) soa = true;
    if (r.type == type::kNS && (zone.isSubdomainOf(r.name))) upward = true;
  }
  return upward && !soa;
}

}  // namespace

std::string Resolver::lameKey(const ServerAddress& s, const Name& zone) const {
  return addressKey(s) + "|" + zone.lowered().toText();
}

std::vector<ServerAddress> Resolver::cachedAddresses(const Name& host, std::uint16_t qclass) {
  std::vector<ServerAddress> out;
  for (std::uint16_t t : {type::kA, type::kAAAA}) {
    auto hit = cache_.lookup(host, t, qclass, nowSeconds());
    if (!hit || hit->kind != CacheHit::Kind::kRRset) continue;
    for (const auto& rd : hit->rrset.rdatas) {
      if (t == type::kA && rd.size() == 4) {
        boost::asio::ip::address_v4::bytes_type b;
        std::copy(rd.begin(), rd.end(), b.begin());
        out.push_back({boost::asio::ip::address_v4(b), config_.hintPort});
      } else if (t == type::kAAAA && rd.size() == 16) {
        boost::asio::ip::address_v6::bytes_type b;
        std::copy(rd.begin(), rd.end(), b.begin());
        out.push_back({boost::asio::ip::address_v6(b), config_.hintPort});
      }
    }
  }
  return out;
}

std::pair<Name, std::vector<Name>> Resolver::closestZone(const Name& name, std::uint16_t qclass) {
  Name zone = name;
  while (true) {
    auto hit = cache_.lookup(zone, type::kNS, qclass, nowSeconds());
    if (hit && hit->kind == CacheHit::Kind::kRRset) {
      std::vector<Name> ns;
      for (const auto& rd : hit->rrset.rdatas) {
        if (auto n = Name::fromWire(rd)) ns.push_back(*n);
      }
      if (!ns.empty()) return {zone, ns};
    }
    if (zone.isRoot()) break;
    zone = zone.parent();
  }
  return {Name(), config_.hints.nsNames};
}

void Resolver::cacheResponse(const Message& m, const Name& zone, const Name& name,
                             std::uint16_t qtype, bool authoritative) {
  const Seconds now = nowSeconds();
  // Answer section: only data within the bailiwick of the zone that answered.
  for (const auto& set : groupRRsets(m.answers)) {
    if (!set.name.isSubdomainOf(zone)) continue;
    cache_.insert(set, authoritative ? Rank::kAnswer : Rank::kAuthority, now);
  }
  // Negative answers for the end of the chain within this response.
  Name end = name;
  for (unsigned i = 0; i < config_.maxCnameChain; ++i) {
    auto it = std::find_if(m.answers.begin(), m.answers.end(), [&](const Record& r) {
      return r.type == type::kCNAME && r.name.equals(end) && r.name.isSubdomainOf(zone);
    });
    if (it == m.answers.end()) break;
    auto target = Name::fromWire(it->rdata);
    if (!target || !target->isSubdomainOf(zone)) return;
    end = *target;
  }
  const bool hasAnswer = std::any_of(m.answers.begin(), m.answers.end(), [&](const Record& r) {
    return r.name.equals(end) && r.type == qtype;
  });
  if (hasAnswer) return;
  const Record* soa = nullptr;
  for (const auto& r : m.authority) {
    if (r.type == type::kSOA && r.name.isSubdomainOf(zone) && end.isSubdomainOf(r.name)) soa = &r;
  }
  if (!soa) return;
  if ((m.header.rcode) == rcode::kNXDomain) {
    cache_.insertNxDomain(end, 1, *soa, now);
  } else if (m.header.rcode == rcode::kNoError) {
    cache_.insertNoData(end, qtype, 1, *soa, now);
  }
}

asio::awaitable<void> Resolver::prime(std::shared_ptr<Budget> budget) {
  // RFC 8109: ask a hint server for the root NS set and cache it with its addresses.
  std::vector<ServerAddress> servers;
  for (const auto& [host, addr] : config_.hints.addresses) {
    servers.push_back({addr, config_.hintPort});
  }
  Question q{Name(), type::kNS, 1};
  auto reply = co_await queryServers(Name(), servers, q, false, budget);
  primedAt_ = now_();
  primed_ = true;
  if (!reply) co_return;
  const Seconds now = nowSeconds();
  for (const auto& set : groupRRsets(reply->answers)) {
    if (set.name.isRoot() && set.type == type::kNS) cache_.insert(set, Rank::kAnswer, now);
  }
  for (const auto& set : groupRRsets(reply->additional)) {
    if (set.type == type::kA || set.type == type::kAAAA) {
      cache_.insert(set, Rank::kAdditional, now);
    }
  }
}

asio::awaitable<std::vector<ServerAddress>> Resolver::serversFor(Name zone,
                                                                 std::vector<Name> nsNames,
                                                                 std::shared_ptr<Budget> budget,
                                                                 unsigned depth) {
  std::vector<ServerAddress> out;
  std::vector<Name> missing;
  for (const auto& ns : nsNames) {
    auto addrs = cachedAddresses(ns, 1);
    if (zone.isRoot()) {
      for (const auto& [host, addr] : config_.hints.addresses) {
        if (host.equals(ns)) addrs.push_back({addr, config_.hintPort});
      }
    }
    if (addrs.empty()) missing.push_back(ns);
    out.insert(out.end(), addrs.begin(), addrs.end());
  }
  if (!out.empty() || depth >= config_.maxDepth) co_return out;
  // Glueless delegation: resolve a few NS names on the side (NXNSAttack bound), skipping
  // names inside the zone itself (those need glue we did not get).
  std::shuffle(missing.begin(), missing.end(), rng_);
  unsigned tried = 0;
  for (const auto& ns : missing) {
    if (tried >= config_.maxGluelessPerReferral) break;
    if (ns.isSubdomainOf(zone) && !zone.isRoot()) continue;
    ++tried;
    for (std::uint16_t t : {type::kA, type::kAAAA}) {
      co_await resolveChain(Question{ns, t, 1}, budget, depth + 1);
      auto addrs = cachedAddresses(ns, 1);
      if (!addrs.empty()) co_return addrs;
    }
  }
  co_return out;
}

asio::awaitable<std::optional<Message>> Resolver::queryServers(Name zone,
                                                               std::vector<ServerAddress> servers,
                                                               Question q, bool rd,
                                                               std::shared_ptr<Budget> budget) {
  // Per-server memory is bounded: past this many servers it starts afresh.
  if (servers_.size() > 50'000) servers_.clear();
  if (lameUntil_.size() > 50'000) lameUntil_.clear();
  std::vector<bool> tried(servers.size(), false);
  for (unsigned attempt = 0; attempt < std::min<std::size_t>(servers.size(), 6); ++attempt) {
    const std::int64_t now = now_();
    // Smoothed RTT choice: the lowest estimate wins; unmeasured servers get a random
    // estimate so that all of them are explored (as Unbound does).
    int best = -1;
    double bestScore = 0;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      if (tried[i]) continue;
      auto lame = lameUntil_.find(lameKey(servers[i], zone));
      const bool isLame = lame != lameUntil_.end() && lame->second > now;
      const auto& st = servers_[addressKey(servers[i])];
      double score =
          st.srttMs >= 0 ? st.srttMs : 50 + std::uniform_real_distribution<>(0, 50)(rng_);
      if (st.heldOffUntil > now) score += 100000;
      if (isLame) score += 1000000;
      if (best < 0 || score < bestScore) {
        best = static_cast<int>(i);
        bestScore = score;
      }
    }
    if (best < 0 || bestScore >= 1000000) break;
    tried[best] = true;
    const ServerAddress server = servers[best];
    auto& stateRef = servers_[addressKey(server)];
    bool tcp = false;
    bool edns = !stateRef.noEdns;
    for (int round = 0; round < 3; ++round) {
      if (budget->queries >= config_.maxQueriesPerQuestion) co_return std::nullopt;
      ++budget->queries;
      ++stats_.upstreamQueries;
      UpstreamQuery uq{server.address, server.port, makeQuery(q, rd, edns), tcp, config_.timeout};
      const std::int64_t sent = now_();
      UpstreamReply reply = co_await upstream_.query(std::move(uq));
      auto& state = servers_[addressKey(server)];
      const double rtt = static_cast<double>(now_() - sent);
      if (reply.status != UpstreamReply::Status::kOk) {
        // Back off exponentially (capped) so a dead server drops to the end of the list.
        state.srttMs =
            std::min(std::max(state.srttMs, 100.0) * 2 + config_.timeout.count(), 120000.0);
        if (++state.timeouts >= 3) state.heldOffUntil = now_() + 60'000;
        break;
      }
      state.timeouts = 0;
      state.srttMs = state.srttMs < 0 ? rtt : 0.7 * state.srttMs + 0.3 * rtt;
      const Message& m = reply.message;
      if (!sameQuestion(m, q)) break;
      const auto rc = m.rcode();
      if (edns && (rc == rcode::kFormErr || rc == rcode::kNotImp || rc == rcode::kBadVers)) {
        // EDNS fallback (RFC 6891 7): retry plain and remember this server needs it.
        state.noEdns = true;
        edns = false;
        continue;
      }
      if (m.header.tc && !tcp) {
        tcp = true;
        continue;
      }
      if (rc == rcode::kServFail || rc == rcode::kRefused || rc == rcode::kNotAuth ||
          rc == rcode::kFormErr || rc == rcode::kNotImp || (!rd && isLameReferral(m, zone))) {
        lameUntil_[lameKey(server, zone)] = now_() + config_.lameHoldoff.count() * 1000;
        break;
      }
      if (m.answers.size() + m.authority.size() + m.additional.size() >
          config_.maxRecordsPerResponse) {
        break;
      }
      co_return m;
    }
  }
  co_return std::nullopt;
}

asio::awaitable<Resolver::IterResult> Resolver::iterate(Name name, std::uint16_t qtype,
                                                        std::uint16_t qclass,
                                                        std::shared_ptr<Budget> budget,
                                                        unsigned depth) {
  IterResult result;
  if (!primed_ || now_() - primedAt_ > 86'400'000) co_await prime(budget);
  auto [zone, nsNames] = closestZone(name, qclass);
  unsigned extraLabels = 1;
  unsigned minimisedSteps = 0;
  for (unsigned hop = 0; hop < 40; ++hop) {
    auto servers = co_await serversFor(zone, nsNames, budget, depth);
    if (servers.empty()) co_return result;
    // RFC 9156: reveal one more label than the zone cut at a time, asking for A.
    Name qname = name;
    std::uint16_t sentType = qtype;
    if (config_.qnameMinimisation && minimisedSteps < config_.maxMinimisedSteps) {
      const unsigned want = zone.labelCount() + extraLabels;
      if (want < name.labelCount()) {
        qname = name.stripLabels(name.labelCount() - want);
        sentType = type::kA;
      }
    }
    Question q{qname, sentType, qclass};
    auto reply = co_await queryServers(zone, servers, q, false, budget);
    if (!reply) co_return result;
    const Message& m = *reply;
    if (auto child = referralTarget(m, zone, qname)) {
      // Follow the delegation. The NS set is cached as authority data; glue only when the
      // host is inside the delegating zone (its bailiwick), never for anything else.
      const Seconds now = nowSeconds();
      std::vector<Name> childNs;
      for (const auto& set : groupRRsets(m.authority)) {
        if (set.type != type::kNS || !set.name.equals(*child)) continue;
        cache_.insert(set, Rank::kAuthority, now);
        for (const auto& rd : set.rdatas) {
          if (auto n = Name::fromWire(rd)) childNs.push_back(*n);
        }
      }
      for (const auto& set : groupRRsets(m.additional)) {
        if (set.type != type::kA && set.type != type::kAAAA) continue;
        if (!set.name.isSubdomainOf(zone)) continue;
        const bool isNs = std::any_of(childNs.begin(), childNs.end(),
                                      [&](const Name& n) { return n.equals(set.name); });
        if (isNs) cache_.insert(set, Rank::kAdditional, now);
      }
      if (childNs.empty()) co_return result;
      zone = *child;
      nsNames = std::move(childNs);
      extraLabels = 1;
      continue;
    }
    if (!qname.equals(name)) {
      if (m.header.rcode == rcode::kNXDomain) {
        // RFC 8020: nothing exists below an NXDOMAIN name.
        cacheResponse(m, zone, qname, sentType, m.header.aa);
        result.ok = true;
        result.zone = zone;
        result.message = m;
        result.message.answers.clear();
        co_return result;
      }
      // No cut at this label (an answer, NODATA or a CNAME): reveal one more.
      ++extraLabels;
      ++minimisedSteps;
      continue;
    }
    cacheResponse(m, zone, name, qtype, m.header.aa);
    result.ok = true;
    result.zone = zone;
    result.message = m;
    co_return result;
  }
  co_return result;
}

asio::awaitable<Resolver::IterResult> Resolver::forward(Name name, std::uint16_t qtype,
                                                        std::uint16_t qclass,
                                                        std::shared_ptr<Budget> budget) {
  IterResult result;
  Question q{name, qtype, qclass};
  auto reply = co_await queryServers(Name(), config_.forwarders, q, true, budget);
  if (!reply) co_return result;
  // A forwarder is trusted for the whole tree: its bailiwick is the root.
  cacheResponse(*reply, Name(), name, qtype, true);
  result.ok = true;
  result.zone = Name();
  result.message = std::move(*reply);
  co_return result;
}

}  // namespace wk::dns::resolver
