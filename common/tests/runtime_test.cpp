#include "wk/runtime.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>

namespace wk {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(Runtime, ThreadsZeroMeansOnePerCore) {
  Runtime rt(0);
  EXPECT_GE(rt.threadCount(), 1u);
  Runtime three(3);
  EXPECT_EQ(three.threadCount(), 3u);
}

TEST(Runtime, EachContextRunsOnItsOwnThread) {
  Runtime rt(2);
  std::promise<std::thread::id> a, b;
  asio::post(rt.context(0), [&] { a.set_value(std::this_thread::get_id()); });
  asio::post(rt.context(1), [&] { b.set_value(std::this_thread::get_id()); });
  std::thread stopper([&] {
    auto ida = a.get_future().get();
    auto idb = b.get_future().get();
    EXPECT_NE(ida, idb);
    EXPECT_NE(ida, std::this_thread::get_id());
    rt.requestStop();
  });
  EXPECT_EQ(rt.run(), 0);
  stopper.join();
}

TEST(Runtime, StopRunsHooksAndWaitsForInFlightWork) {
  Runtime rt(1, 5s);
  bool hookRan = false;
  std::atomic<bool> workDone{false};
  rt.onStop([&] { hookRan = true; });
  // A piece of work that takes 200 ms and holds an InFlight while it does.
  auto timer = std::make_shared<asio::steady_timer>(rt.context(0));
  asio::post(rt.context(0), [&, timer] {
    auto token = std::make_shared<Runtime::InFlight>(rt.track());
    timer->expires_after(200ms);
    timer->async_wait([&, token](const boost::system::error_code&) { workDone = true; });
    rt.requestStop();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rt.run(), 0);
  EXPECT_TRUE(hookRan);
  EXPECT_TRUE(workDone);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
  EXPECT_TRUE(rt.stopping());
}

TEST(Runtime, StopDeadlineBoundsStuckWork) {
  Runtime rt(1, 300ms);
  auto stuck = std::make_shared<Runtime::InFlight>(rt.track());  // never released in time
  rt.requestStop();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rt.run(), 0);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  stuck.reset();
}

TEST(Runtime, ReloadHooksRunAndAFailingHookIsContained) {
  Runtime rt(1);
  int reloads = 0;
  rt.onReload([&] { throw std::runtime_error("bad zone"); });
  rt.onReload([&] {
    ++reloads;
    rt.requestStop();
  });
  rt.requestReload();
  EXPECT_EQ(rt.run(), 0);
  EXPECT_EQ(reloads, 1);
}

TEST(Runtime, InFlightCountsMoves) {
  Runtime rt(1);
  {
    auto a = rt.track();
    auto b = std::move(a);
    EXPECT_EQ(rt.inFlight(), 1u);
    Runtime::InFlight c;
    c = std::move(b);
    EXPECT_EQ(rt.inFlight(), 1u);
  }
  EXPECT_EQ(rt.inFlight(), 0u);
}

}  // namespace
}  // namespace wk
