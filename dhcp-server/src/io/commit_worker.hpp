#pragma once
// The lease database writer thread. The engine's thread hands over each batch of changed
// leases and keeps serving while the previous batch is being fsynced; whatever queued up
// meanwhile is written as one transaction (group commit). Completion is posted back to
// the engine's io_context, which then releases the ACKs of those batches.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/lease_store.hpp"

namespace wk::dhcp::io {

class CommitWorker {
 public:
  // done(upTo, ok): every batch with sequence number <= upTo is durable (ok) or failed.
  using Done = std::function<void(std::uint64_t upTo, bool ok)>;
  CommitWorker(engine::LeaseStore& store, boost::asio::io_context& context, Done done);
  ~CommitWorker();
  CommitWorker(const CommitWorker&) = delete;
  CommitWorker& operator=(const CommitWorker&) = delete;

  // Queues a batch (possibly empty: it still orders the ACKs held behind it).
  std::uint64_t submit(engine::LeaseStore::Batch batch);
  // Writes what is queued and stops the thread. Completions are not posted any more;
  // durable() and failed() tell the caller what happened.
  void finish();
  std::uint64_t durable() const { return durable_.load(std::memory_order_acquire); }

 private:
  void run();

  engine::LeaseStore& store_;
  boost::asio::io_context& context_;
  Done done_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::uint64_t, engine::LeaseStore::Batch>> queue_;
  std::uint64_t next_ = 0;
  bool stop_ = false;
  std::atomic<bool> post_{true};
  std::atomic<std::uint64_t> durable_{0};
  std::thread thread_;
};

}  // namespace wk::dhcp::io
