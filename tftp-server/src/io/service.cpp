#include "io/service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "codec/packet.hpp"
#include "engine/transfer.hpp"
#include "io/session.hpp"
#include "wk/net.hpp"

namespace wk::tftp::io {

namespace {

std::shared_ptr<const Snapshot> makeSnapshot(engine::Settings settings) {
  auto snap = std::make_shared<Snapshot>();
  snap->store =
      std::make_shared<engine::JailStore>(settings.root, settings.allowWrite, settings.allowCreate);
  snap->settings = std::move(settings);
  return snap;
}

std::size_t writeError(std::span<std::uint8_t> reply, codec::ErrorCode code,
                       std::string_view message) {
  std::vector<std::uint8_t> out;
  codec::appendError(out, code, message);
  std::size_t n = std::min(out.size(), reply.size());
  std::copy_n(out.begin(), n, reply.begin());
  return n;
}

// Printable form of a client-supplied name for the log (control bytes escaped, capped).
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || u == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// Refusals are logged, but a flood of bad requests must not become a flood of log lines.
bool mayLog() {
  thread_local TokenBucket bucket(20, 50);
  auto now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch());
  return bucket.take(now.count());
}

// The listener's handler: parses a request, refuses it with an ERROR from the listening
// port, or starts a session on a new port. Anything but RRQ/WRQ is dropped in silence.
std::size_t handleRequest(const std::shared_ptr<Shared>& shared, const UdpPacket& packet,
                          std::span<std::uint8_t> reply) {
  auto op = codec::peekOpcode(packet.data);
  if (op != 1 && op != 2) return 0;
  auto parsed = codec::parse(packet.data);
  if (!parsed) return writeError(reply, codec::ErrorCode::illegalOperation, "Malformed request");
  const auto& request = std::get<codec::Request>(*parsed);

  auto& peers = shared->peers[packet.thread];
  if (auto it = peers.find(packet.from); it != peers.end()) {
    auto live = it->second.lock();
    // The client repeated its request before our first reply reached it.
    if (live && !live->done() && live->sameRequest(packet.data)) return 0;
  }

  auto snapshot = shared->snapshot.load();
  const auto& settings = snapshot->settings;
  if (shared->active.fetch_add(1, std::memory_order_relaxed) >= settings.maxSessions) {
    shared->active.fetch_sub(1, std::memory_order_relaxed);
    if (mayLog())
      spdlog::warn("refusing {} from {}: max_sessions ({}) reached", printable(request.filename),
                   formatEndpoint(packet.from), settings.maxSessions);
    return writeError(reply, codec::ErrorCode::notDefined, "Server busy, try again later");
  }

  engine::TransferLimits limits{settings.maxBlksize, settings.timeout, settings.retries};
  auto admission = engine::admit(request, *snapshot->store, limits);
  const char* verb = request.op == codec::Opcode::rrq ? "RRQ" : "WRQ";
  if (auto* refusal = std::get_if<engine::Refusal>(&admission)) {
    shared->active.fetch_sub(1, std::memory_order_relaxed);
    if (mayLog())
      spdlog::info("{} {} from {} refused: {}", verb, printable(request.filename),
                   formatEndpoint(packet.from), refusal->message);
    return writeError(reply, refusal->code, refusal->message);
  }
  std::string description = std::string(verb) + " " + printable(request.filename) + " " +
                            std::string(request.modeText) + " from " + formatEndpoint(packet.from);
  std::shared_ptr<Session> session;
  try {
    session = std::make_shared<Session>(
        shared->runtime.context(packet.thread), shared, packet.thread,
        packet.socket->local_endpoint(), packet.from,
        std::move(std::get<std::unique_ptr<engine::Transfer>>(admission)),
        std::vector<std::uint8_t>(packet.data.begin(), packet.data.end()), description);
  } catch (const std::exception& e) {
    shared->active.fetch_sub(1, std::memory_order_relaxed);
    spdlog::error("{}: cannot open a session socket: {}", description, e.what());
    return writeError(reply, codec::ErrorCode::notDefined, "Cannot start the transfer");
  }
  spdlog::debug("{}: started on port {}", description, session->localPort());
  peers[packet.from] = session;
  session->start();
  return 0;
}

// Runs on thread t when the server stops: uploads already stored need not dally.
void endLingering(const std::shared_ptr<Shared>& shared, unsigned t) {
  std::vector<std::shared_ptr<Session>> sessions;
  for (auto& [peer, weak] : shared->peers[t])
    if (auto s = weak.lock()) sessions.push_back(std::move(s));
  for (auto& s : sessions) s->onServerStopping();
}

}  // namespace

TftpService::TftpService(Runtime& runtime, engine::Settings settings)
    : runtime_(runtime), shared_(std::make_shared<Shared>(runtime)) {
  shared_->peers.resize(runtime.threadCount());
  shared_->snapshot.store(makeSnapshot(std::move(settings)));
}

TftpService::~TftpService() = default;

void TftpService::start() {
  auto snapshot = shared_->snapshot.load();
  UdpOptions options;
  options.endpoints = snapshot->settings.listen;
  auto shared = shared_;
  udp_ = std::make_unique<UdpServer>(runtime_, options, [shared](unsigned) -> UdpHandler {
    return [shared](const UdpPacket& packet, std::span<std::uint8_t> reply) {
      return handleRequest(shared, packet, reply);
    };
  });
  udp_->start();
  runtime_.onStop([shared] {
    for (unsigned t = 0; t < shared->runtime.threadCount(); ++t)
      asio::post(shared->runtime.context(t), [shared, t] { endLingering(shared, t); });
  });
  spdlog::info("serving {} (write {}, create {})", snapshot->settings.root.string(),
               snapshot->settings.allowWrite ? "on" : "off",
               snapshot->settings.allowCreate ? "on" : "off");
}

void TftpService::reload(config::Table root) {
  auto settings = engine::Settings::load(root);
  auto old = shared_->snapshot.load();
  if (settings.listen != old->settings.listen)
    spdlog::warn("reload: [server] listen changes need a restart; keeping the old sockets");
  auto snapshot = makeSnapshot(std::move(settings));  // throws (keeping the old) if bad
  shared_->snapshot.store(std::move(snapshot));
}

}  // namespace wk::tftp::io
