#include "io/recursion.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <fstream>
#include <sstream>

#include "codec/types.hpp"
#include "io/upstream_asio.hpp"
#include "wk/udp_server.hpp"

namespace wk::dns::io {

namespace asio = boost::asio;
using codec::Message;

namespace {

// Questions being resolved at once, all clients together: past this, new misses get
// SERVFAIL instead of growing memory without bound.
constexpr std::size_t kMaxPending = 20000;

std::atomic<std::size_t> gPending{0};

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::uint32_t seconds(std::chrono::milliseconds ms) {
  return static_cast<std::uint32_t>(std::min<std::int64_t>(ms.count() / 1000, UINT32_MAX));
}

std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<std::uint8_t> buildReply(const Message& query, const resolver::Answer& a,
                                     std::size_t limit) {
  Message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.opcode = query.header.opcode;
  r.header.rd = query.header.rd;
  r.header.ra = true;
  r.header.cd = query.header.cd;
  r.header.rcode = a.rcode & 0xf;
  r.questions = query.questions;
  r.answers = a.answers;
  r.authority = a.authority;
  if (query.edns) {
    r.edns = codec::Edns{};
    r.edns->udpSize = 1232;
  }
  std::vector<std::uint8_t> out;
  codec::writeMessage(r, out, limit, true);
  return out;
}

// Questions the resolver does not take, answered at once with no upstream traffic: ANY
// gets NOTIMP (as large public resolvers do, RFC 8482 spirit); zone transfers, other meta
// types, non-IN classes and opcodes other than QUERY get REFUSED.
bool unsupported(const Message& q) {
  const auto& question = q.questions[0];
  return q.header.opcode != codec::opcode::kQuery || question.qclass != codec::rclass::kIN ||
         codec::isMetaType(question.qtype);
}

resolver::Answer refused(const Message& q) {
  resolver::Answer a;
  a.rcode =
      q.questions[0].qtype == codec::type::kANY ? codec::rcode::kNotImp : codec::rcode::kRefused;
  return a;
}

std::size_t udpLimit(const Message& query) {
  if (!query.edns) return 512;
  return std::clamp<std::size_t>(query.edns->udpSize, 512, 1232);
}

}  // namespace

RecursionConfig RecursionConfig::load(config::Table t) {
  RecursionConfig c;
  c.enabled = t.boolean("enabled", c.enabled);
  std::vector<Cidr> loopback = {*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")};
  c.allow = t.cidrs("allow", CidrList(loopback));
  std::string hints = t.string("root_hints", "");
  if (!hints.empty()) {
    c.rootHints = hints;
    auto text = readFile(c.rootHints);
    std::string error;
    if (!text) {
      t.error("root_hints", "cannot read '" + hints + "'");
    } else if (!resolver::parseRootHints(*text, error)) {
      t.error("root_hints", error);
    }
  }
  c.forwarders = t.endpoints("forwarders", c.forwarders);
  c.cacheSize = t.size("cache_size", c.cacheSize);
  if (c.cacheSize < (64u << 10)) t.error("cache_size", "'cache_size' must be at least 64KiB");
  c.maxTtl = t.duration("max_ttl", c.maxTtl);
  c.maxNegativeTtl = t.duration("max_negative_ttl", c.maxNegativeTtl);
  c.serveStale = t.boolean("serve_stale", c.serveStale);
  c.qnameMinimisation = t.boolean("qname_minimisation", c.qnameMinimisation);
  return c;
}

Recursion::Recursion(Runtime& runtime, RecursionConfig config)
    : runtime_(runtime), config_(std::move(config)) {
  resolver::CacheConfig cc;
  cc.maxBytes = config_.cacheSize;
  cc.maxTtl = seconds(config_.maxTtl);
  cc.maxNegativeTtl = seconds(config_.maxNegativeTtl);
  cc.serveStale = config_.serveStale;
  cache_ = std::make_unique<resolver::Cache>(cc);

  resolver::ResolverConfig rc;
  if (config_.rootHints.empty()) {
    rc.hints = resolver::builtinRootHints();
  } else {
    std::string error;
    auto text = readFile(config_.rootHints);
    auto parsed = text ? resolver::parseRootHints(*text, error) : std::nullopt;
    if (!parsed) throw std::runtime_error("root_hints: " + (error.empty() ? "unreadable" : error));
    rc.hints = std::move(*parsed);
  }
  for (const auto& f : config_.forwarders) rc.forwarders.push_back({f.address, f.port});
  rc.qnameMinimisation = config_.qnameMinimisation;
  rc.hintPort = config_.upstreamPort;

  upstream_ = std::make_unique<AsioUpstream>(io_.get_executor());
  resolver_ = std::make_unique<resolver::Resolver>(rc, *cache_, *upstream_, steadyMs);
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
  spdlog::info("resolver: {} ({} root hint addresses), cache {} bytes",
               config_.forwarders.empty() ? "iterating" : "forwarding", rc.hints.addresses.size(),
               cc.maxBytes);
}

Recursion::~Recursion() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

bool Recursion::allowed(const asio::ip::address& client) const {
  return config_.enabled && config_.allow.contains(unmapped(client));
}

std::size_t Recursion::handleUdp(std::span<const std::uint8_t> query,
                                 const std::shared_ptr<asio::ip::udp::socket>& socket,
                                 const asio::ip::udp::endpoint& from,
                                 std::span<std::uint8_t> reply) {
  auto parsed = codec::parseMessage(query, 4);
  if (!parsed || parsed->questions.size() != 1) return 0;
  const Message& q = *parsed;
  if (unsupported(q)) {
    auto wire = buildReply(q, refused(q), udpLimit(q));
    if (wire.size() > reply.size()) return 0;
    std::memcpy(reply.data(), wire.data(), wire.size());
    return wire.size();
  }
  if (auto hit = resolver_->answerFromCache(q.questions[0])) {
    auto wire = buildReply(q, *hit, udpLimit(q));
    if (wire.size() > reply.size()) return 0;
    std::memcpy(reply.data(), wire.data(), wire.size());
    return wire.size();
  }
  if (gPending.fetch_add(1) >= kMaxPending) {
    gPending.fetch_sub(1);
    resolver::Answer fail;
    auto wire = buildReply(q, fail, udpLimit(q));
    if (wire.size() > reply.size()) return 0;
    std::memcpy(reply.data(), wire.data(), wire.size());
    return wire.size();
  }
  auto inflight = std::make_shared<Runtime::InFlight>(runtime_.track());
  auto message = std::make_shared<Message>(std::move(*parsed));
  auto sock = socket;
  asio::post(io_, [this, message, sock, from, inflight] {
    resolver_->resolve(message->questions[0], io_.get_executor(),
                       [message, sock, from, inflight](const resolver::Answer& a) {
                         auto wire = std::make_shared<std::vector<std::uint8_t>>(
                             buildReply(*message, a, udpLimit(*message)));
                         // Sent from the socket's own thread, as UdpServer requires.
                         asio::post(sock->get_executor(), [sock, from, wire, inflight] {
                           sendTo(*sock, *wire, from);
                           gPending.fetch_sub(1);
                         });
                       });
  });
  return 0;
}

void Recursion::resolveWire(std::span<const std::uint8_t> query, std::size_t sizeLimit,
                            std::function<void(std::vector<std::uint8_t>)> done) {
  auto parsed = codec::parseMessage(query, 4);
  if (!parsed || parsed->questions.size() != 1) {
    done({});
    return;
  }
  auto message = std::make_shared<Message>(std::move(*parsed));
  if (unsupported(*message)) {
    done(buildReply(*message, refused(*message), sizeLimit));
    return;
  }
  if (auto hit = resolver_->answerFromCache(message->questions[0])) {
    done(buildReply(*message, *hit, sizeLimit));
    return;
  }
  auto cb = std::make_shared<std::function<void(std::vector<std::uint8_t>)>>(std::move(done));
  asio::post(io_, [this, message, sizeLimit, cb] {
    resolver_->resolve(message->questions[0], io_.get_executor(),
                       [message, sizeLimit, cb](const resolver::Answer& a) {
                         (*cb)(buildReply(*message, a, sizeLimit));
                       });
  });
}

asio::awaitable<std::vector<std::uint8_t>> resolveOverTcp(Recursion* recursion,
                                                          std::vector<std::uint8_t> query) {
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::vector<std::uint8_t>)>(
      [recursion, executor](auto handler, std::vector<std::uint8_t> q) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        recursion->resolveWire(q, 65535, [h, executor](std::vector<std::uint8_t> wire) {
          asio::post(executor, [h, wire = std::move(wire)]() mutable { (*h)(std::move(wire)); });
        });
      },
      asio::use_awaitable, std::move(query));
}

}  // namespace wk::dns::io
