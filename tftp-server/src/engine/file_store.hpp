#pragma once
// The engine's view of the file system: files to read by offset, uploads that become
// visible only when committed. JailStore is the real one (common's PathJail under the
// configured root); unit tests inject an in-memory store.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "codec/packet.hpp"
#include "wk/path_jail.hpp"

namespace wk::tftp::engine {

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  virtual std::uint64_t size() const = 0;
  // Reads up to out.size() bytes at offset; returns the count (0 at end), -1 on error.
  virtual std::ptrdiff_t read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
};

// Bytes are appended to a hidden temporary file; commit() renames it over the target.
// Destroying an uncommitted upload removes the temporary file, so an aborted transfer
// leaves nothing behind.
class Upload {
 public:
  virtual ~Upload() = default;
  virtual bool write(std::span<const std::uint8_t> bytes) = 0;
  virtual bool commit() = 0;
};

struct Refusal {
  codec::ErrorCode code = codec::ErrorCode::notDefined;
  std::string message;
};

template <class T>
using Opened = std::variant<std::unique_ptr<T>, Refusal>;

class FileStore {
 public:
  virtual ~FileStore() = default;
  virtual Opened<ReadableFile> openRead(std::string_view path) = 0;
  virtual Opened<Upload> openWrite(std::string_view path) = 0;
};

class JailStore : public FileStore {
 public:
  JailStore(const std::filesystem::path& root, bool allowWrite, bool allowCreate);

  Opened<ReadableFile> openRead(std::string_view path) override;
  Opened<Upload> openWrite(std::string_view path) override;

 private:
  PathJail jail_;
  bool allowWrite_;
  bool allowCreate_;
};

// The TFTP error for a jail refusal.
Refusal refusalFor(const ErrorCode& ec);

}  // namespace wk::tftp::engine
