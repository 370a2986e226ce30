#include "wk/runtime.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

namespace wk {

namespace asio = boost::asio;

Runtime::Runtime(unsigned threads, std::chrono::milliseconds shutdownTimeout)
    : signals_(control_, SIGINT, SIGTERM, SIGHUP), shutdownTimeout_(shutdownTimeout) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    // concurrency hint 1: each context is run by exactly one thread, so Asio can skip
    // its internal locking.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
  }
}

Runtime::~Runtime() {
  // Destroy the worker contexts (and the coroutine frames still queued on them) while
  // the in-flight counter those frames may release still exists.
  contexts_.clear();
}

void Runtime::requestStop() {
  asio::post(control_, [this] { beginStop(); });
}

void Runtime::requestReload() {
  asio::post(control_, [this] {
    if (stopping()) return;
    for (auto& hook : reloadHooks_) {
      try {
        hook();
      } catch (const std::exception& e) {
        spdlog::error("reload failed: {}", e.what());
      }
    }
  });
}

namespace {

// Polls until in-flight work drains or the deadline passes, then stops the control loop.
void awaitDrain(asio::steady_timer& timer, const Runtime& runtime,
                std::chrono::steady_clock::time_point deadline, asio::io_context& control) {
  if (runtime.inFlight() == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (runtime.inFlight() != 0) {
      spdlog::warn("shutdown deadline passed with {} operation(s) still in flight",
                   runtime.inFlight());
    }
    control.stop();
    return;
  }
  timer.expires_after(std::chrono::milliseconds(10));
  timer.async_wait([&timer, &runtime, deadline, &control](const boost::system::error_code& ec) {
    if (!ec) awaitDrain(timer, runtime, deadline, control);
  });
}

}  // namespace

void Runtime::beginStop() {
  if (stopping_.exchange(true)) return;
  spdlog::info("stopping: {} operation(s) in flight", inFlight());
  for (auto& hook : stopHooks_) {
    try {
      hook();
    } catch (const std::exception& e) {
      spdlog::error("stop hook failed: {}", e.what());
    }
  }
  // Then wait for in-flight work; the drain ends control_ and so run().
  awaitDrain(drainTimer_, *this, std::chrono::steady_clock::now() + shutdownTimeout_, control_);
}

int Runtime::run() {
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<Guard> guards;
  std::vector<std::thread> threads;
  for (auto& context : contexts_) {
    guards.emplace_back(context->get_executor());
  }
  std::atomic<unsigned> finished{0};
  for (auto& context : contexts_) {
    threads.emplace_back([ctx = context.get(), &finished] {
      for (;;) {
        try {
          ctx->run();
          break;
        } catch (const std::exception& e) {
          // A handler that throws must not take the daemon down (DESIGN.md, "Errors").
          spdlog::error("unhandled exception in worker: {}", e.what());
        }
      }
      finished.fetch_add(1);
    });
  }

  std::function<void(const boost::system::error_code&, int)> onSignal =
      [&](const boost::system::error_code& ec, int number) {
        if (ec) return;
        if (number == SIGHUP) {
          spdlog::info("SIGHUP: reloading");
          requestReload();
        } else {
          spdlog::info("{}: graceful stop", number == SIGINT ? "SIGINT" : "SIGTERM");
          requestStop();
        }
        signals_.async_wait(onSignal);
      };
  signals_.async_wait(onSignal);

  control_.run();
  signals_.cancel();

  // Let the workers run dry: the completions of cancelled accepts, receives and timers
  // end their coroutines, so no frame outlives its server. Work that never ends (a
  // daemon's periodic timer) is cut off after a short grace.
  guards.clear();
  auto graceEnd = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (finished.load() < threads.size() && std::chrono::steady_clock::now() < graceEnd) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& context : contexts_) context->stop();
  for (auto& t : threads) t.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace wk
