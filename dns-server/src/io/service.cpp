#include "io/service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "codec/types.hpp"
#include "engine/rrl.hpp"
#include "io/notify.hpp"
#include "io/recursion.hpp"
#include "io/transfer.hpp"

namespace wk::dns::io {

namespace asio = boost::asio;

namespace {

std::uint32_t nowSeconds() {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Per-thread state: the thread's Responder and its cached snapshot.
struct ThreadState {
  ThreadState(engine::ResponderConfig config, double rrlRate, unsigned slip)
      : responder(std::move(config)), rrl(rrlRate, slip) {}
  engine::Responder responder;
  engine::RateLimiter rrl;
  std::shared_ptr<const Snapshot> snapshot;
  std::uint64_t generation = ~std::uint64_t{0};

  const Snapshot& refresh(const DnsService& service) {
    std::uint64_t g = service.generation();
    if (g != generation) {  // rare: only after a reload
      snapshot = service.snapshot();
      generation = g;
    }
    return *snapshot;
  }
};

asio::awaitable<void> tcpSession(DnsService* service,
                                 std::shared_ptr<std::vector<std::unique_ptr<ThreadState>>> states,
                                 Recursion* recursion, Connection& conn) {
  ThreadState& state = *(*states)[conn.thread()];
  std::vector<std::uint8_t> query(65535);
  std::vector<std::uint8_t> reply;
  const auto idle = service->config().tcpIdleTimeout;
  engine::Client client;
  client.address = unmapped(conn.remote().address());
  client.tcp = true;
  for (;;) {
    conn.expiresAfter(idle);
    std::uint8_t prefix[2];
    if (!co_await conn.readExactly(prefix)) co_return;  // EOF, idle timeout, or stopping
    std::size_t length = std::size_t(prefix[0]) << 8 | prefix[1];
    if (length == 0) co_return;
    if (!co_await conn.readExactly({query.data(), length})) co_return;
    if (DnsService::isNotify({query.data(), length})) {
      reply.resize(2 + length);
      std::size_t n =
          service->answerNotify({query.data(), length}, client.address, {reply.data() + 2, length});
      if (n == 0) continue;
      reply[0] = static_cast<std::uint8_t>(n >> 8);
      reply[1] = static_cast<std::uint8_t>(n);
      if (!co_await conn.write(std::span<const std::uint8_t>(reply.data(), n + 2))) co_return;
      continue;
    }
    const Snapshot& snap = state.refresh(*service);
    client.now = nowSeconds();
    auto out = state.responder.respond({query.data(), length}, snap.zones, client);
    if (out.empty()) continue;  // QR=1 or a runt: nothing to say
    if (recursion && recursion->allowed(client.address)) {
      if (state.responder.lastOutcome() == engine::Outcome::kRefused) {
        // Not one of our zones: recursive service (issue 4).
        auto answer = co_await resolveOverTcp(recursion, {query.begin(), query.begin() + length});
        if (answer.empty()) continue;
        reply.assign({static_cast<std::uint8_t>(answer.size() >> 8),
                      static_cast<std::uint8_t>(answer.size())});
        reply.insert(reply.end(), answer.begin(), answer.end());
        if (!co_await conn.write(std::span<const std::uint8_t>(reply))) co_return;
        continue;
      }
    }
    if (state.responder.lastOutcome() == engine::Outcome::kTransfer) {
      // Keep the snapshot alive while streaming; the responder's buffer is reused by other
      // sessions on this thread, so the transfer builds its own messages.
      auto held = state.snapshot;
      const auto& question = state.responder.lastQuestion();
      std::vector<std::vector<std::uint8_t>> messages;
      std::uint16_t id = static_cast<std::uint16_t>(query[0] << 8 | query[1]);
      if (!buildTransfer(*held, question, id, client.address, messages)) {
        reply.assign(out.begin(), out.end());  // REFUSED
        messages.clear();
        messages.push_back(reply);
      }
      for (const auto& m : messages) {
        std::uint8_t len[2] = {static_cast<std::uint8_t>(m.size() >> 8),
                               static_cast<std::uint8_t>(m.size())};
        if (!co_await conn.write(std::span<const std::uint8_t>(len, 2))) co_return;
        if (!co_await conn.write(std::span<const std::uint8_t>(m))) co_return;
      }
      continue;
    }
    reply.resize(2 + out.size());
    reply[0] = static_cast<std::uint8_t>(out.size() >> 8);
    reply[1] = static_cast<std::uint8_t>(out.size());
    std::memcpy(reply.data() + 2, out.data(), out.size());
    if (recursion && recursion->allowed(client.address))
      setRecursionAvailable({reply.data() + 2, out.size()});
    if (!co_await conn.write(std::span<const std::uint8_t>(reply))) co_return;
  }
}

}  // namespace

DnsService::DnsService(Runtime& runtime, DnsConfig config)
    : runtime_(runtime), config_(std::move(config)) {
  std::random_device rd;
  for (auto& b : cookieSecret_) b = static_cast<std::uint8_t>(rd());
}

DnsService::~DnsService() {
  // The secondary thread calls back into this object: stop it before any member goes.
  secondaries_.reset();
}

engine::ResponderConfig DnsService::responderConfig() const {
  engine::ResponderConfig rc;
  rc.maxUdpPayload = static_cast<std::size_t>(config_.maxUdpPayload);
  rc.nsid = config_.nsid;
  rc.cookieSecret = cookieSecret_;
  return rc;
}

std::shared_ptr<const Snapshot> DnsService::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::shared_ptr<const Snapshot> DnsService::loadZones(const DnsConfig& config, bool startup) {
  auto snap = std::make_shared<Snapshot>();
  std::map<std::string, Loaded> next;
  for (const auto& zc : config.zones) {
    if (zc.primary) continue;  // secondary zones come from SecondaryZones
    std::string key = zc.apex.lowered().toText();
    Loaded entry;
    std::error_code ec;
    if (!zc.file.empty()) {
      entry.mtime = std::filesystem::last_write_time(zc.file, ec);
      entry.size = ec ? 0 : std::filesystem::file_size(zc.file, ec);
    } else {
      entry.text = zc.text;
    }
    auto old = loaded_.find(key);
    bool unchanged = old != loaded_.end() && old->second.zone && !ec &&
                     old->second.mtime == entry.mtime && old->second.size == entry.size &&
                     old->second.text == entry.text;
    if (unchanged) {
      entry.zone = old->second.zone;
    } else {
      auto started = std::chrono::steady_clock::now();
      std::vector<codec::ZoneError> errors;
      if (!zc.file.empty()) {
        entry.zone = engine::Zone::load(zc.apex, zc.file, errors);
      } else {
        codec::ZoneParseOptions options;
        options.origin = zc.apex;
        options.allowInclude = false;
        std::string source = "zone " + zc.apex.toText();
        engine::ZoneBuilder builder(zc.apex, errors, source);
        if (codec::parseZoneText(
                zc.text, source, options, [&](const codec::ZoneRecord& r) { builder.add(r); },
                errors))
          entry.zone = builder.finish();
      }
      for (const auto& e : errors) spdlog::error("{}", e.toString());
      if (entry.zone && !zc.notify.empty() &&
          (old == loaded_.end() || !old->second.zone ||
           old->second.zone->serial() != entry.zone->serial()))
        changed_.push_back({zc.apex, entry.zone->serial(), zc.notify});
      if (entry.zone) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        spdlog::info("zone {} serial {} loaded: {} records in {} ms", zc.apex.toText(),
                     entry.zone->serial(), entry.zone->recordCount(), ms.count());
      } else if (old != loaded_.end() && old->second.zone) {
        spdlog::error("zone {} not reloaded: keeping serial {}", zc.apex.toText(),
                      old->second.zone->serial());
        entry = old->second;
      } else {
        spdlog::error("zone {} could not be loaded and is not served", zc.apex.toText());
        if (startup) throw std::runtime_error("zone " + zc.apex.toText() + " failed to load");
      }
    }
    if (entry.zone) {
      snap->zones.add(entry.zone);
      snap->allowTransfer.push_back(zc.allowTransfer);
    }
    next[key] = std::move(entry);
  }
  loaded_ = std::move(next);
  return snap;
}

int checkZones(const DnsConfig& config) {
  int status = 0;
  for (const auto& zc : config.zones) {
    if (zc.primary) {
      std::printf("zone %s: secondary of %s (not checked)\n", zc.apex.toText().c_str(),
                  zc.primary->toString().c_str());
      continue;
    }
    auto started = std::chrono::steady_clock::now();
    std::vector<codec::ZoneError> errors;
    std::shared_ptr<const engine::Zone> zone;
    if (!zc.file.empty()) {
      zone = engine::Zone::load(zc.apex, zc.file, errors);
    } else {
      codec::ZoneParseOptions options;
      options.origin = zc.apex;
      options.allowInclude = false;
      std::string source = "zone " + zc.apex.toText();
      engine::ZoneBuilder builder(zc.apex, errors, source);
      if (codec::parseZoneText(
              zc.text, source, options, [&](const codec::ZoneRecord& r) { builder.add(r); },
              errors))
        zone = builder.finish();
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
    if (zone) {
      std::printf("zone %s serial %u: %zu records, %zu names, loaded in %lld ms\n",
                  zc.apex.toText().c_str(), zone->serial(), zone->recordCount(), zone->nodeCount(),
                  static_cast<long long>(ms));
    } else {
      std::printf("zone %s: not loaded\n", zc.apex.toText().c_str());
      status = 1;
    }
  }
  return status;
}

void DnsService::notifyChanged() {
  if (changed_.empty()) return;
  // Earlier rounds finish within seconds; wait for them rather than pile up threads.
  for (auto& t : notifiers_) t.join();
  notifiers_.clear();
  notifiers_.emplace_back([changed = std::move(changed_)] {
    for (const auto& c : changed) sendNotifies(c.apex, c.serial, c.targets);
  });
  changed_.clear();
}

void DnsService::publish() {
  // Called with updateMutex_ held: the file zones (from the current snapshot's list) plus
  // the secondary zones.
  auto snap = std::make_shared<Snapshot>();
  std::shared_ptr<const Snapshot> current = snapshot();
  for (const auto& zc : config_.zones) {
    std::string key = zc.apex.lowered().toText();
    std::shared_ptr<const engine::Zone> zone;
    if (zc.primary) {
      auto it = secondaryZones_.find(key);
      if (it != secondaryZones_.end()) zone = it->second;
    } else {
      auto it = loaded_.find(key);
      if (it != loaded_.end()) zone = it->second.zone;
    }
    if (zone) {
      snap->zones.add(zone);
      snap->allowTransfer.push_back(zc.allowTransfer);
    }
  }
  std::shared_ptr<const Snapshot> oldest;
  {
    std::lock_guard lock(mutex_);
    oldest = std::move(retired_);
    retired_ = std::exchange(snapshot_, std::move(snap));
  }
  generation_.fetch_add(1, std::memory_order_release);
}

void DnsService::installSecondary(const codec::Name& apex,
                                  std::shared_ptr<const engine::Zone> zone) {
  std::lock_guard update(updateMutex_);
  std::string key = apex.lowered().toText();
  if (zone) {
    secondaryZones_[key] = std::move(zone);
    for (const auto& zc : config_.zones)
      if (zc.primary && zc.apex.equals(apex) && !zc.notify.empty())
        changed_.push_back({zc.apex, secondaryZones_[key]->serial(), zc.notify});
  } else {
    secondaryZones_.erase(key);
  }
  publish();
  notifyChanged();
}

std::size_t DnsService::answerNotify(std::span<const std::uint8_t> query,
                                     const boost::asio::ip::address& from,
                                     std::span<std::uint8_t> reply) {
  // NOTIFY (RFC 1996 3.7): acknowledge with the query's header and question, QR and AA set.
  ByteReader r(query);
  codec::Header h = codec::readHeader(r);
  codec::Question q;
  if (h.qdcount != 1 || !codec::readQuestion(r, q) || reply.size() < r.position()) return 0;
  bool ours = secondaries_ && secondaries_->notify(q.name, from);
  if (ours) spdlog::info("notify for {} from {}", q.name.toText(), from.to_string());
  std::size_t n = r.position();
  std::memcpy(reply.data(), query.data(), n);
  reply[2] = static_cast<std::uint8_t>(0x80 | (codec::opcode::kNotify << 3) | (ours ? 0x04 : 0) |
                                       (reply[2] & 0x01));
  reply[3] = ours ? codec::rcode::kNoError : codec::rcode::kRefused;
  std::fill(reply.begin() + 6, reply.begin() + 12, 0);
  return n;
}

void DnsService::start() {
  {
    std::lock_guard update(updateMutex_);
    loadZones(config_, true);
    publish();
  }
  std::vector<SecondaryZones::ZoneSpec> specs;
  for (const auto& zc : config_.zones)
    if (zc.primary) specs.push_back({zc.apex, *zc.primary});
  secondaries_ = std::make_unique<SecondaryZones>(
      std::move(specs), [this](const codec::Name& apex, std::shared_ptr<const engine::Zone> zone) {
        installSecondary(apex, std::move(zone));
      });

  if (config_.resolver.enabled)
    recursion_ = std::make_unique<Recursion>(runtime_, config_.resolver);
  auto states = std::make_shared<std::vector<std::unique_ptr<ThreadState>>>();
  for (unsigned i = 0; i < runtime_.threadCount(); ++i)
    states->push_back(std::make_unique<ThreadState>(
        responderConfig(),
        static_cast<double>(config_.rrl.responsesPerSecond) / runtime_.threadCount(),
        static_cast<unsigned>(config_.rrl.slip)));

  udp_ = std::make_unique<UdpServer>(
      runtime_, UdpOptions{.endpoints = config_.listen},
      [this, states](unsigned thread) -> UdpHandler {
        ThreadState* state = (*states)[thread].get();
        return [this, state](const UdpPacket& packet,
                             std::span<std::uint8_t> reply) -> std::size_t {
          if (isNotify(packet.data)) return answerNotify(packet.data, packet.from.address(), reply);
          const Snapshot& snap = state->refresh(*this);
          engine::Client client;
          client.address = packet.from.address();
          client.now = nowSeconds();
          auto out = state->responder.respond(packet.data, snap.zones, client);
          const bool recursive = recursion_ && !out.empty() && recursion_->allowed(client.address);
          if (recursive && state->responder.lastOutcome() == engine::Outcome::kRefused) {
            // Not one of our zones: recursive service for an allowed client (issue 4).
            return recursion_->handleUdp(packet.data, packet.socket, packet.from, reply);
          }
          if (!out.empty() && state->rrl.enabled()) {
            double now =
                std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
                    .count();
            switch (state->rrl.check(client.address, now)) {
              case engine::RateLimiter::Action::kSend:
                break;
              case engine::RateLimiter::Action::kSlip:
                out = state->responder.slipLast();
                break;
              case engine::RateLimiter::Action::kDrop:
                return 0;
            }
          }
          // No response (QR=1, runt): nothing to copy (memcpy from an empty span is UB).
          if (out.empty() || out.size() > reply.size()) return 0;
          std::memcpy(reply.data(), out.data(), out.size());
          if (recursive) setRecursionAvailable(reply.first(out.size()));
          return out.size();
        };
      });
  udp_->start();
  tcp_ = std::make_unique<TcpServer>(
      runtime_, TcpOptions{.endpoints = config_.listen, .idleTimeout = config_.tcpIdleTimeout},
      [this, states](Connection& conn) {
        return tcpSession(this, states, recursion_.get(), conn);
      });
  tcp_->start();
  secondaries_->start();
  std::lock_guard update(updateMutex_);
  notifyChanged();
}

void DnsService::reload(config::Table root) {
  DnsConfig next = DnsConfig::load(root);
  std::lock_guard update(updateMutex_);
  loadZones(next, false);
  // Listen addresses, server options, RRL and the set of secondary zones apply at restart;
  // file zones and their policies apply now.
  for (auto& zc : next.zones)
    if (zc.primary) {
      bool known = false;
      for (const auto& old : config_.zones) known |= old.primary && old.apex.equals(zc.apex);
      if (!known) spdlog::warn("new secondary zone {} takes effect at restart", zc.apex.toText());
    }
  config_.zones = std::move(next.zones);
  publish();
  notifyChanged();
}

}  // namespace wk::dns::io
