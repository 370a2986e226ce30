#include "commit_worker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>

namespace wk::dhcp::io {

CommitWorker::CommitWorker(engine::LeaseStore& store, boost::asio::io_context& context, Done done)
    : store_(store), context_(context), done_(std::move(done)), thread_([this] { run(); }) {}

CommitWorker::~CommitWorker() {
  finish();
}

std::uint64_t CommitWorker::submit(engine::LeaseStore::Batch batch) {
  std::uint64_t seq;
  {
    std::lock_guard lock(mutex_);
    seq = ++next_;
    queue_.emplace_back(seq, std::move(batch));
  }
  wake_.notify_one();
  return seq;
}

void CommitWorker::finish() {
  post_ = false;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void CommitWorker::run() {
  for (;;) {
    std::deque<std::pair<std::uint64_t, engine::LeaseStore::Batch>> work;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      work.swap(queue_);
    }
    // Everything that queued up while the last fsync ran becomes one transaction.
    engine::LeaseStore::Batch merged;
    for (auto& [seq, batch] : work)
      merged.insert(merged.end(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
    const std::uint64_t upTo = work.back().first;
    bool ok = true;
    const auto started = std::chrono::steady_clock::now();
    try {
      store_.writeBatch(merged);
      auto took = std::chrono::steady_clock::now() - started;
      if (took > std::chrono::seconds(1))  // clients retransmit after a second or so
        spdlog::warn("lease database: commit of {} change(s) took {} ms (slow disk?)",
                     merged.size(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
      durable_.store(upTo, std::memory_order_release);
    } catch (const std::exception& e) {
      ok = false;
      spdlog::error("lease database write failed ({} change(s)): {}", merged.size(), e.what());
    }
    if (post_) boost::asio::post(context_, [this, upTo, ok] { done_(upTo, ok); });
  }
}

}  // namespace wk::dhcp::io
