#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>

#include "engine/file_store.hpp"

namespace wk::tftp::engine {
namespace {

using codec::ErrorCode;

class FdFile : public ReadableFile {
 public:
  FdFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  ~FdFile() override { ::close(fd_); }
  std::uint64_t size() const override { return size_; }
  std::ptrdiff_t read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      auto n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -1;
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return static_cast<std::ptrdiff_t>(done);
  }

 private:
  int fd_;
  std::uint64_t size_;
};

// Upload into "<dir>/.<name>.tftp-<random>" created with O_EXCL next to the target, so
// the final renameat() is atomic and never crosses a file system.
class TempUpload : public Upload {
 public:
  TempUpload(int dirFd, std::string name, std::string temp, int fd)
      : dirFd_(dirFd), name_(std::move(name)), temp_(std::move(temp)), fd_(fd) {}
  ~TempUpload() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlinkat(dirFd_, temp_.c_str(), 0);
    ::close(dirFd_);
  }
  bool write(std::span<const std::uint8_t> bytes) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool commit() override {
    // What the client was acknowledged must be on disk (DESIGN.md): fsync before rename.
    if (::fsync(fd_) != 0) return false;
    ::close(fd_);
    fd_ = -1;
    if (::renameat(dirFd_, temp_.c_str(), dirFd_, name_.c_str()) != 0) return false;
    committed_ = true;
    ::fsync(dirFd_);
    return true;
  }

 private:
  int dirFd_;
  std::string name_;
  std::string temp_;
  int fd_;
  bool committed_ = false;
};

std::string randomSuffix() {
  static std::atomic<std::uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng() ^ counter.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

Refusal refusalFor(const wk::ErrorCode& ec) {
  if (ec == JailError::not_found) return {ErrorCode::fileNotFound, "File not found"};
  if (ec == JailError::outside_root || ec == JailError::invalid_path ||
      ec == JailError::permission_denied || ec == JailError::not_a_file)
    return {ErrorCode::accessViolation, "Access violation"};
  return {ErrorCode::notDefined, "Cannot open file"};
}

JailStore::JailStore(const std::filesystem::path& root, bool allowWrite, bool allowCreate)
    : jail_(root), allowWrite_(allowWrite), allowCreate_(allowCreate) {}

Opened<ReadableFile> JailStore::openRead(std::string_view path) {
  auto fd = jail_.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (!fd) return refusalFor(fd.error());
  struct stat st {};
  if (::fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(*fd);
    return Refusal{ErrorCode::accessViolation, "Access violation"};
  }
  return std::make_unique<FdFile>(*fd, static_cast<std::uint64_t>(st.st_size));
}

Opened<Upload> JailStore::openWrite(std::string_view path) {
  if (!allowWrite_ && !allowCreate_)
    return Refusal{ErrorCode::accessViolation, "Writes are disabled"};
  auto clean = PathJail::normalize(path);
  if (!clean) return refusalFor(clean.error());
  std::string rel = *clean;
  auto slash = rel.rfind('/');
  std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash);
  std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
  if (name.empty() || name == "." || name == "..")
    return Refusal{ErrorCode::accessViolation, "Access violation"};
  // The directory is opened beneath the root (symlinks checked); everything after is
  // relative to that descriptor, so a directory swapped in later cannot redirect us.
  Result<int> dirFd =
      dir.empty() ? Result<int>(::open(jail_.root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC))
                  : jail_.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!dirFd) return refusalFor(dirFd.error());
  if (*dirFd < 0) return Refusal{ErrorCode::accessViolation, "Access violation"};
  struct stat st {};
  if (::fstatat(*dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode)) {
      ::close(*dirFd);
      return Refusal{ErrorCode::accessViolation, "Access violation"};
    }
    if (!allowWrite_) {
      ::close(*dirFd);
      return Refusal{ErrorCode::fileExists, "File already exists"};
    }
  } else if (errno == ENOENT) {
    if (!allowCreate_) {
      ::close(*dirFd);
      return Refusal{ErrorCode::accessViolation, "Creating files is not allowed"};
    }
  } else {
    ::close(*dirFd);
    return Refusal{ErrorCode::accessViolation, "Access violation"};
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string temp = "." + name + ".tftp-" + randomSuffix();
    int fd =
        ::openat(*dirFd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd >= 0) return std::make_unique<TempUpload>(*dirFd, name, temp, fd);
    if (errno != EEXIST) break;
  }
  ::close(*dirFd);
  return Refusal{ErrorCode::accessViolation, "Cannot create file"};
}

}  // namespace wk::tftp::engine
