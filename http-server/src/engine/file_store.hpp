#pragma once
// The filesystem seam of the static site: opening files and listing directories by a
// clean relative path. The server uses JailFileStore (wk::PathJail underneath); unit tests
// use an in-memory store.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/response.hpp"

namespace wk::http::engine {

enum class FsStatus { ok, not_found, is_directory, forbidden, invalid };

struct OpenResult {
  FsStatus status = FsStatus::not_found;
  std::shared_ptr<const File> file;
};

struct DirEntry {
  std::string name;
  bool directory = false;
  std::uint64_t size = 0;
  std::time_t mtime = 0;
};

class FileStore {
 public:
  virtual ~FileStore() = default;
  // relPath: "" is the root, otherwise "a/b/c" (no dot segments, no leading slash).
  virtual OpenResult open(std::string_view relPath) const = 0;
  // nullopt when relPath is not a readable directory.
  virtual std::optional<std::vector<DirEntry>> list(std::string_view relPath) const = 0;
};

// Files under a root, through wk::PathJail (no escape by "..", NUL or symlinks).
std::shared_ptr<FileStore> makeJailFileStore(const std::string& root);

}  // namespace wk::http::engine
