#include "io/secondary.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <random>

#include "codec/message.hpp"
#include "codec/types.hpp"

namespace wk::dns::io {

namespace {

constexpr std::size_t kMaxTransferRecords = 20'000'000;
constexpr auto kInitialRetry = std::chrono::seconds(5);

std::vector<std::uint8_t> makeQuery(const codec::Name& apex, std::uint16_t qtype,
                                    std::uint16_t& id) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  id = static_cast<std::uint16_t>(rng());
  codec::Message m;
  m.header.id = id;
  m.questions.push_back({apex, qtype, codec::rclass::kIN});
  std::vector<std::uint8_t> wire;
  codec::writeMessage(m, wire);
  return wire;
}

// A blocking socket with send/receive timeouts (the secondary thread may block on it).
int openSocket(const Endpoint& to, int type) {
  int fd = ::socket(to.address.is_v4() ? AF_INET : AF_INET6, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

bool readFull(int fd, std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::recv(fd, out, n, 0);
    if (r <= 0) return false;
    out += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// RFC 1982 serial arithmetic: a is newer than b.
bool serialNewer(std::uint32_t a, std::uint32_t b) {
  return a != b && static_cast<std::int32_t>(a - b) > 0;
}

std::uint32_t soaField(const engine::Zone& zone, int fromEnd) {
  const auto& d = zone.soa().data;
  std::size_t at = d.size() - static_cast<std::size_t>(fromEnd) * 4;
  return std::uint32_t{d[at]} << 24 | std::uint32_t{d[at + 1]} << 16 |
         std::uint32_t{d[at + 2]} << 8 | d[at + 3];
}

}  // namespace

std::optional<std::uint32_t> querySerial(const codec::Name& apex, const Endpoint& primary) {
  std::uint16_t id;
  auto wire = makeQuery(apex, codec::type::kSOA, id);
  int fd = openSocket(primary, SOCK_DGRAM);
  if (fd < 0) return std::nullopt;
  auto to = primary.udp();
  std::optional<std::uint32_t> serial;
  for (int attempt = 0; attempt < 3 && !serial; ++attempt) {
    ::sendto(fd, wire.data(), wire.size(), 0, to.data(), static_cast<socklen_t>(to.size()));
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) continue;
    std::uint8_t buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    auto m = codec::parseMessage({buf, static_cast<std::size_t>(n)});
    if (!m || m->header.id != id || !m->header.qr || m->rcode() != 0) continue;
    for (const auto& r : m->answers)
      if (r.type == codec::type::kSOA && r.name.equals(apex) && r.rdata.size() >= 20) {
        const auto& d = r.rdata;
        std::size_t at = d.size() - 20;
        serial = std::uint32_t{d[at]} << 24 | std::uint32_t{d[at + 1]} << 16 |
                 std::uint32_t{d[at + 2]} << 8 | d[at + 3];
      }
  }
  ::close(fd);
  return serial;
}

std::shared_ptr<const engine::Zone> transferZone(const codec::Name& apex, const Endpoint& primary,
                                                 std::string& error) {
  std::uint16_t id;
  auto query = makeQuery(apex, codec::type::kAXFR, id);
  int fd = openSocket(primary, SOCK_STREAM);
  if (fd < 0) return error = "socket failed", nullptr;
  auto to = primary.tcp();
  if (::connect(fd, to.data(), static_cast<socklen_t>(to.size())) != 0) {
    ::close(fd);
    return error = "cannot connect to " + primary.toString(), nullptr;
  }
  std::uint8_t len[2] = {static_cast<std::uint8_t>(query.size() >> 8),
                         static_cast<std::uint8_t>(query.size())};
  query.insert(query.begin(), len, len + 2);
  if (::send(fd, query.data(), query.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(query.size())) {
    ::close(fd);
    return error = "send failed", nullptr;
  }
  std::vector<codec::ZoneError> errors;
  std::string source = "AXFR from " + primary.toString();
  engine::ZoneBuilder builder(apex, errors, source);
  std::vector<std::uint8_t> buf(65535);
  std::size_t records = 0;
  int soas = 0;
  bool done = false;
  while (!done) {
    if (!readFull(fd, len, 2)) break;
    std::size_t n = std::size_t(len[0]) << 8 | len[1];
    if (!readFull(fd, buf.data(), n)) break;
    auto m = codec::parseMessage({buf.data(), n});
    if (!m) {
      error = "bad message: " + m.error().message();
      break;
    }
    if (m->header.id != id || !m->header.qr) {
      error = "unexpected message";
      break;
    }
    if (m->rcode() != 0) {
      error = "primary answered rcode " + std::to_string(m->rcode());
      break;
    }
    for (const auto& r : m->answers) {
      if (records == 0 && r.type != codec::type::kSOA) {
        error = "transfer does not start with the SOA";
        break;
      }
      if (r.type == codec::type::kSOA && ++soas == 2) {
        done = true;  // the closing SOA
        break;
      }
      if (++records > kMaxTransferRecords) {
        error = "transfer too large";
        break;
      }
      codec::ZoneRecord zr;
      zr.name = r.name;
      zr.type = r.type;
      zr.rclass = r.rclass;
      zr.ttl = r.ttl;
      zr.rdata = r.rdata;
      zr.file = &source;
      builder.add(zr);
    }
    if (!error.empty()) break;
  }
  ::close(fd);
  if (!done) {
    if (error.empty()) error = "connection closed before the closing SOA";
    return nullptr;
  }
  auto zone = builder.finish();
  if (!zone) error = errors.empty() ? "bad zone" : errors.front().toString();
  return zone;
}

SecondaryZones::SecondaryZones(std::vector<ZoneSpec> zones, Install install)
    : install_(std::move(install)) {
  auto now = std::chrono::steady_clock::now();
  for (auto& z : zones) entries_.push_back({std::move(z), nullptr, now, now});
}

SecondaryZones::~SecondaryZones() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

void SecondaryZones::start() {
  if (entries_.empty()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

bool SecondaryZones::notify(const codec::Name& apex, const boost::asio::ip::address& from) {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_) {
    if (!e.spec.apex.equals(apex)) continue;
    if (unmapped(from) != unmapped(e.spec.primary.address)) return false;
    e.nextCheck = std::chrono::steady_clock::now();
    wake_.notify_all();
    return true;
  }
  return false;
}

void SecondaryZones::check(Entry& e) {
  using namespace std::chrono;
  auto now = steady_clock::now();
  const std::string name = e.spec.apex.toText();
  auto retry =
      e.zone ? seconds(std::max<std::uint32_t>(soaField(*e.zone, 3), 1)) : seconds(kInitialRetry);
  auto serial = querySerial(e.spec.apex, e.spec.primary);
  if (serial && e.zone && !serialNewer(*serial, e.zone->serial())) {
    e.nextCheck = now + seconds(std::max<std::uint32_t>(soaField(*e.zone, 4), 1));  // refresh
    e.expires = now + seconds(soaField(*e.zone, 2));
    return;
  }
  std::string error;
  std::shared_ptr<const engine::Zone> zone;
  if (serial || !e.zone)
    zone = transferZone(e.spec.apex, e.spec.primary, error);
  else
    error = "no SOA answer from " + e.spec.primary.toString();
  if (zone) {
    spdlog::info("zone {} serial {} transferred from {}: {} records", name, zone->serial(),
                 e.spec.primary.toString(), zone->recordCount());
    e.zone = zone;
    e.nextCheck = now + seconds(std::max<std::uint32_t>(soaField(*zone, 4), 1));
    e.expires = now + seconds(soaField(*zone, 2));
    install_(e.spec.apex, zone);
    return;
  }
  spdlog::warn("zone {}: refresh from {} failed: {}", name, e.spec.primary.toString(), error);
  e.nextCheck = now + retry;
  if (e.zone && now >= e.expires) {
    spdlog::error("zone {} expired: no longer served", name);
    e.zone = nullptr;
    install_(e.spec.apex, nullptr);
  }
}

void SecondaryZones::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::hours(24);
    for (auto& e : entries_) {
      if (e.nextCheck <= now) {
        // Network I/O without the lock, so NOTIFYs are not held up meanwhile.
        Entry copy = e;
        lock.unlock();
        check(copy);
        lock.lock();
        // A NOTIFY during the check asks for another one.
        bool notified = e.nextCheck > now;
        e.zone = copy.zone;
        e.expires = copy.expires;
        e.nextCheck = notified ? std::min(e.nextCheck, copy.nextCheck) : copy.nextCheck;
        if (stop.stop_requested()) return;
      }
      next = std::min(next, e.nextCheck);
    }
    wake_.wait_until(lock, stop, next, [&] {
      auto t = std::chrono::steady_clock::now();
      for (const auto& e : entries_)
        if (e.nextCheck <= t) return true;
      return false;
    });
  }
}

}  // namespace wk::dns::io
