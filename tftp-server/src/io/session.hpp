#pragma once
// One transfer on its own UDP socket: a receive coroutine feeds the peer's datagrams to the
// engine, a timer coroutine feeds it timeouts, and what the engine sends goes out in one
// sendmmsg per event.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/file_store.hpp"
#include "engine/settings.hpp"
#include "engine/transfer.hpp"
#include "wk/runtime.hpp"

namespace wk::tftp::io {

namespace asio = boost::asio;
using asio::ip::udp;

class Session;

struct EndpointHash {
  std::size_t operator()(const udp::endpoint& ep) const noexcept;
};

// The config in force, swapped whole on reload; sessions keep the one they started with.
struct Snapshot {
  engine::Settings settings;
  std::shared_ptr<engine::FileStore> store;
};

// State shared by the service and its sessions. Sessions may outlive the service object
// (they die with the io_contexts), so they hold this by shared_ptr.
struct Shared {
  Runtime& runtime;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot;
  std::atomic<unsigned> active{0};
  // Per thread, only touched on that thread: the live session of each peer TID, so that a
  // client repeating its request does not start a second transfer.
  std::vector<std::unordered_map<udp::endpoint, std::weak_ptr<Session>, EndpointHash>> peers;

  explicit Shared(Runtime& rt) : runtime(rt) {}
};

class Session final : public engine::Transport, public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& context, std::shared_ptr<Shared> shared, unsigned thread,
          const udp::endpoint& local, const udp::endpoint& peer,
          std::unique_ptr<engine::Transfer> transfer, std::vector<std::uint8_t> request,
          std::string description);
  ~Session() override;

  // Sends the first packet and spawns the coroutines.
  void start();
  bool sameRequest(std::span<const std::uint8_t> request) const;
  bool done() const { return done_; }
  // Graceful stop: a session that only waits out its dally ends now.
  void onServerStopping();
  std::uint16_t localPort() const { return localPort_; }

  void send(std::span<const std::uint8_t> packet) override;

 private:
  friend asio::awaitable<void> receiveLoop(std::shared_ptr<Session> self);
  friend asio::awaitable<void> timerLoop(std::shared_ptr<Session> self);

  void flush();
  void afterEvent();
  void finish();

  std::shared_ptr<Shared> shared_;
  unsigned thread_;
  udp::socket socket_;
  asio::steady_timer timer_;
  udp::endpoint peer_;
  std::unique_ptr<engine::Transfer> transfer_;
  std::vector<std::uint8_t> request_;
  std::string description_;
  Runtime::InFlight inflight_;
  std::vector<std::uint8_t> rx_;
  std::vector<std::span<const std::uint8_t>> pending_;
  std::uint16_t localPort_ = 0;
  bool done_ = false;
  bool counted_ = true;
  engine::TimePoint started_;
};

asio::awaitable<void> receiveLoop(std::shared_ptr<Session> self);
asio::awaitable<void> timerLoop(std::shared_ptr<Session> self);

}  // namespace wk::tftp::io
