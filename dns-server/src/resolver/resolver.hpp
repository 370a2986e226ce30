#pragma once
// The iterative resolver as logic over an injected Upstream and clock (no sockets here):
// priming from root hints, referrals down the tree with glue accepted only within the
// delegating zone's bailiwick, glueless NS names resolved on the side, CNAME and DNAME
// chains across zones, qname minimisation (RFC 9156), negative answers (RFC 2308), TC ->
// TCP, EDNS fallback, server choice by smoothed RTT, lame servers held off for a while,
// per-question budgets (NXNSAttack), in-flight coalescing, serve-stale (RFC 8767) and a
// forwarding mode.
//
// Threading: answerFromCache() may be called from any thread (the cache is sharded and
// locked); everything else runs on one executor (the resolver's io_context).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "codec/types.hpp"
#include "resolver/cache.hpp"
#include "resolver/upstream.hpp"

namespace wk::dns::resolver {

struct ServerAddress {
  boost::asio::ip::address address;
  std::uint16_t port = 53;
};

// Root hints: NS names of the root and their addresses.
struct RootHints {
  std::vector<codec::Name> nsNames;
  std::vector<std::pair<codec::Name, boost::asio::ip::address>> addresses;
};
RootHints builtinRootHints();
// A named.root-style file: NS records for "." and A/AAAA for their targets. Errors go to
// `error`; nullopt on failure.
std::optional<RootHints> parseRootHints(std::string_view text, std::string& error);

struct ResolverConfig {
  RootHints hints;
  std::vector<ServerAddress> forwarders;  // non-empty: forward instead of iterating
  std::uint16_t hintPort = 53;            // port for hint and delegated servers (tests)
  bool qnameMinimisation = true;
  unsigned maxQueriesPerQuestion = 48;  // upstream queries one client question may cause
  unsigned maxDepth = 5;                // nested glueless NS resolutions
  unsigned maxCnameChain = 12;
  unsigned maxGluelessPerReferral = 3;  // NXNSAttack: NS names resolved per delegation
  unsigned maxMinimisedSteps = 10;      // RFC 9156 MAX_MINIMISE_COUNT
  std::chrono::milliseconds timeout{800};
  std::chrono::seconds lameHoldoff{600};
  std::size_t maxRecordsPerResponse = 512;
  // RFC 9520: a question whose resolution failed is answered SERVFAIL from memory for a
  // while instead of sending the same doomed queries again.
  std::chrono::seconds failureHoldoff{5};
};

struct Answer {
  std::uint8_t rcode = codec::rcode::kServFail;
  std::vector<codec::Record> answers;
  std::vector<codec::Record> authority;
  bool stale = false;
};

struct ResolverStats {
  std::uint64_t upstreamQueries = 0;
  std::uint64_t resolutions = 0;
  std::uint64_t coalesced = 0;
  std::uint64_t staleAnswers = 0;
  std::uint64_t cachedFailures = 0;
};

class Resolver {
 public:
  using NowMs = std::function<std::int64_t()>;
  using Callback = std::function<void(const Answer&)>;

  Resolver(ResolverConfig config, Cache& cache, Upstream& upstream, NowMs now);

  // The whole answer from the cache (CNAME chains followed), or nullopt. Thread-safe.
  std::optional<Answer> answerFromCache(const codec::Question& q) const;

  // Resolves on `executor`; identical questions in flight share one resolution.
  void resolve(const codec::Question& q, boost::asio::any_io_executor executor, Callback callback);
  // The same as an awaitable (no coalescing): what resolve() runs.
  boost::asio::awaitable<Answer> resolveQuestion(codec::Question q);

  const ResolverStats& stats() const { return stats_; }
  const ResolverConfig& config() const { return config_; }

 private:
  struct Budget {
    unsigned queries = 0;
  };
  struct ServerState {
    double srttMs = -1;  // < 0: never measured
    bool noEdns = false;
    std::int64_t heldOffUntil = 0;  // ms: after repeated timeouts
    unsigned timeouts = 0;
  };
  struct IterResult {
    bool ok = false;
    codec::Name zone;  // the bailiwick the answer came from
    codec::Message message;
  };

  std::optional<Answer> staleAnswer(const codec::Question& q);
  boost::asio::awaitable<Answer> resolveChain(codec::Question q, std::shared_ptr<Budget> budget,
                                              unsigned depth);
  boost::asio::awaitable<IterResult> iterate(codec::Name name, std::uint16_t qtype,
                                             std::uint16_t qclass, std::shared_ptr<Budget> budget,
                                             unsigned depth);
  boost::asio::awaitable<IterResult> forward(codec::Name name, std::uint16_t qtype,
                                             std::uint16_t qclass, std::shared_ptr<Budget> budget);
  // Sends to the best servers of a zone until one gives a usable reply.
  boost::asio::awaitable<std::optional<codec::Message>> queryServers(
      codec::Name zone, std::vector<ServerAddress> servers, codec::Question q, bool rd,
      std::shared_ptr<Budget> budget);
  boost::asio::awaitable<std::vector<ServerAddress>> serversFor(codec::Name zone,
                                                                std::vector<codec::Name> nsNames,
                                                                std::shared_ptr<Budget> budget,
                                                                unsigned depth);
  boost::asio::awaitable<void> prime(std::shared_ptr<Budget> budget);

  // Closest enclosing zone with a cached NS set (the root from hints at worst).
  std::pair<codec::Name, std::vector<codec::Name>> closestZone(const codec::Name& name,
                                                               std::uint16_t qclass);
  std::vector<ServerAddress> cachedAddresses(const codec::Name& host, std::uint16_t qclass);
  void cacheResponse(const codec::Message& m, const codec::Name& zone, const codec::Name& name,
                     std::uint16_t qtype, bool authoritative);
  Seconds nowSeconds() const { return now_() / 1000; }
  std::string lameKey(const ServerAddress& s, const codec::Name& zone) const;

  ResolverConfig config_;
  Cache& cache_;
  Upstream& upstream_;
  NowMs now_;
  std::map<std::string, ServerState> servers_;     // by address text
  std::map<std::string, std::int64_t> lameUntil_;  // by address + zone
  std::map<std::string, std::vector<Callback>> inflight_;
  std::map<std::string, std::int64_t> failedUntil_;  // by question key, ms
  bool primed_ = false;
  std::int64_t primedAt_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  ResolverStats stats_;
};

// Groups a section's records into RRsets (by owner, type, class), TTL = the minimum.
std::vector<RRset> groupRRsets(const std::vector<codec::Record>& records);

}  // namespace wk::dns::resolver
