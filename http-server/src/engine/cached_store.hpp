#pragma once
// An open-file cache in front of a FileStore (what nginx's open_file_cache does): open
// results, the descriptor included, and misses are reused for `valid`, so a hot file
// costs no open/fstat/close and a missing precompressed sibling no failed open. A file
// replaced on disk is seen at most `valid` later. The cache is per thread (no locks).

#include <chrono>
#include <functional>
#include <memory>

#include "engine/file_store.hpp"

namespace wk::http::engine {

struct FileCacheOptions {
  std::chrono::milliseconds valid{1000};
  std::size_t maxEntries = 1000;  // per thread; bounds the descriptors held open
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

std::shared_ptr<FileStore> makeCachedFileStore(std::shared_ptr<FileStore> inner,
                                               FileCacheOptions options);

}  // namespace wk::http::engine
