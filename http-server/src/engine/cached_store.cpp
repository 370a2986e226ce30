#include "engine/cached_store.hpp"

#include <atomic>
#include <string>
#include <unordered_map>

namespace wk::http::engine {

namespace {

using Clock = std::chrono::steady_clock;

struct Entry {
  OpenResult result;
  Clock::time_point expires;
};

struct ThreadCache {
  std::uint64_t owner = 0;  // the store these entries belong to
  std::unordered_map<std::string, Entry> entries;
};

class CachedFileStore final : public FileStore {
 public:
  CachedFileStore(std::shared_ptr<FileStore> inner, FileCacheOptions options)
      : inner_(std::move(inner)), options_(std::move(options)), id_(nextId()) {}

  OpenResult open(std::string_view relPath) const override {
    if (options_.valid.count() <= 0) return inner_->open(relPath);
    thread_local ThreadCache cache;
    if (cache.owner != id_) {  // a reload made a new store: drop the old one's entries
      cache.entries.clear();
      cache.owner = id_;
    }
    const auto now = options_.now();
    key_.assign(relPath);
    if (auto it = cache.entries.find(key_); it != cache.entries.end()) {
      if (it->second.expires > now) return it->second.result;
      cache.entries.erase(it);
    }
    auto result = inner_->open(relPath);
    // Errors other than "missing" and "directory" (permissions, I/O) are not cached.
    if (result.status == FsStatus::ok || result.status == FsStatus::not_found ||
        result.status == FsStatus::is_directory) {
      if (cache.entries.size() >= options_.maxEntries) evict(cache, now);
      cache.entries.emplace(key_, Entry{result, now + options_.valid});
    }
    return result;
  }

  std::optional<std::vector<DirEntry>> list(std::string_view relPath) const override {
    return inner_->list(relPath);
  }

 private:
  static std::uint64_t nextId() {
    static std::atomic<std::uint64_t> counter{1};
    return counter.fetch_add(1);
  }

  void evict(ThreadCache& cache, Clock::time_point now) const {
    std::erase_if(cache.entries, [&](const auto& kv) { return kv.second.expires <= now; });
    if (cache.entries.size() >= options_.maxEntries) cache.entries.clear();
  }

  std::shared_ptr<FileStore> inner_;
  FileCacheOptions options_;
  std::uint64_t id_;
  static thread_local std::string key_;
};

thread_local std::string CachedFileStore::key_;

}  // namespace

std::shared_ptr<FileStore> makeCachedFileStore(std::shared_ptr<FileStore> inner,
                                               FileCacheOptions options) {
  return std::make_shared<CachedFileStore>(std::move(inner), std::move(options));
}

}  // namespace wk::http::engine
