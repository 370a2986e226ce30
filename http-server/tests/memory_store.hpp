#pragma once
// An in-memory FileStore for unit tests and fuzzing: files by relative path, directories
// implied by the paths under them.

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/file_store.hpp"

namespace wk::http::testing {

using namespace wk::http::engine;

class MemoryFile final : public File {
 public:
  MemoryFile(std::string content, std::time_t mtime, std::uint64_t inode)
      : File(FileInfo{content.size(), mtime, inode}), content_(std::move(content)) {}
  long read(std::uint64_t offset, std::span<char> out) const override {
    if (offset >= content_.size()) return 0;
    auto n = std::min<std::size_t>(out.size(), content_.size() - offset);
    std::copy_n(content_.data() + offset, n, out.data());
    return static_cast<long>(n);
  }

 private:
  std::string content_;
};

class MemoryStore final : public FileStore {
 public:
  std::map<std::string, std::pair<std::string, std::time_t>> files;
  std::vector<std::string> forbidden;
  mutable int opens = 0;

  void add(const std::string& path, std::string content, std::time_t mtime = 1'700'000'000) {
    files[path] = {std::move(content), mtime};
  }

  OpenResult open(std::string_view rel) const override {
    ++opens;
    std::string key(rel);
    if (std::find(forbidden.begin(), forbidden.end(), key) != forbidden.end()) {
      return {FsStatus::forbidden, nullptr};
    }
    if (auto it = files.find(key); it != files.end()) {
      return {FsStatus::ok, std::make_shared<MemoryFile>(it->second.first, it->second.second,
                                                         std::hash<std::string>{}(key))};
    }
    if (isDir(key)) return {FsStatus::is_directory, nullptr};
    return {FsStatus::not_found, nullptr};
  }

  std::optional<std::vector<DirEntry>> list(std::string_view rel) const override {
    std::string prefix = rel.empty() ? "" : std::string(rel) + "/";
    if (!isDir(std::string(rel))) return std::nullopt;
    std::map<std::string, DirEntry> seen;
    for (const auto& [path, f] : files) {
      if (path.compare(0, prefix.size(), prefix) != 0) continue;
      auto rest = path.substr(prefix.size());
      auto slash = rest.find('/');
      DirEntry e{rest.substr(0, slash), slash != std::string::npos, f.first.size(), f.second};
      seen.emplace(e.name, e);
    }
    std::vector<DirEntry> out;
    for (auto& [name, e] : seen) out.push_back(e);
    return out;
  }

 private:
  bool isDir(const std::string& key) const {
    if (key.empty()) return true;
    for (const auto& [path, f] : files) {
      if (path.compare(0, key.size() + 1, key + "/") == 0) return true;
    }
    return false;
  }
};

}  // namespace wk::http::testing
