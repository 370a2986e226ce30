#pragma once
// The runtime every daemon runs on: N worker threads, each with its own io_context (so a
// connection or datagram socket lives on one thread and needs no locks), plus signal
// handling on the main thread: SIGTERM/SIGINT = graceful stop, SIGHUP = reload.
//
// Graceful stop: the runtime sets stopping(), calls every stop hook (servers close their
// acceptors and receive loops, idle sessions close), then waits until the in-flight count
// drops to zero or shutdownTimeout passes, then stops the io_contexts and returns.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace wk {

class Runtime {
 public:
  // threads == 0: one per core.
  explicit Runtime(unsigned threads,
                   std::chrono::milliseconds shutdownTimeout = std::chrono::seconds(10));
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  unsigned threadCount() const { return static_cast<unsigned>(contexts_.size()); }
  boost::asio::io_context& context(unsigned index) { return *contexts_.at(index); }

  // Hooks run on the main thread. Stop hooks must only post work to the worker contexts.
  void onStop(std::function<void()> hook) { stopHooks_.push_back(std::move(hook)); }
  void onReload(std::function<void()> hook) { reloadHooks_.push_back(std::move(hook)); }

  // Runs the worker threads and handles signals until a stop completes. Returns 0.
  int run();
  // Begins a graceful stop (what SIGTERM does); safe from any thread.
  void requestStop();
  // Runs the reload hooks (what SIGHUP does); safe from any thread.
  void requestReload();
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  // Counts work that a graceful stop waits for (a request being answered, a transfer).
  class InFlight {
   public:
    InFlight() = default;
    explicit InFlight(Runtime* rt) : rt_(rt) {
      if (rt_) rt_->inflight_.fetch_add(1, std::memory_order_relaxed);
    }
    InFlight(InFlight&& o) noexcept : rt_(std::exchange(o.rt_, nullptr)) {}
    InFlight& operator=(InFlight&& o) noexcept {
      release();
      rt_ = std::exchange(o.rt_, nullptr);
      return *this;
    }
    ~InFlight() { release(); }
    void release() {
      if (rt_) rt_->inflight_.fetch_sub(1, std::memory_order_release);
      rt_ = nullptr;
    }

   private:
    Runtime* rt_ = nullptr;
  };
  InFlight track() { return InFlight(this); }
  std::size_t inFlight() const { return inflight_.load(std::memory_order_acquire); }

 private:
  void beginStop();

  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  boost::asio::io_context control_;
  // Created with the runtime, before any socket is bound, so a signal that arrives while
  // the daemon starts is queued instead of killing it.
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drainTimer_{control_};
  std::vector<std::function<void()>> stopHooks_;
  std::vector<std::function<void()>> reloadHooks_;
  std::chrono::milliseconds shutdownTimeout_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> inflight_{0};
};

}  // namespace wk
