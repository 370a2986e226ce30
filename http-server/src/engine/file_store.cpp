#include "engine/file_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "wk/path_jail.hpp"

namespace wk::http::engine {

namespace {

class PosixFile final : public File {
 public:
  PosixFile(int fd, FileInfo info) : File(info), fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }
  int fd() const override { return fd_; }
  long read(std::uint64_t offset, std::span<char> out) const override {
    while (true) {
      auto n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      return static_cast<long>(n);
    }
  }

 private:
  int fd_;
};

FsStatus fromJail(const ErrorCode& ec) {
  if (ec == JailError::not_found) return FsStatus::not_found;
  if (ec == JailError::outside_root) return FsStatus::not_found;  // reveal nothing
  if (ec == JailError::permission_denied) return FsStatus::forbidden;
  if (ec == JailError::not_a_file) return FsStatus::is_directory;
  if (ec == JailError::invalid_path) return FsStatus::invalid;
  return FsStatus::forbidden;
}

class JailFileStore final : public FileStore {
 public:
  explicit JailFileStore(const std::string& root) : jail_(root) {}

  OpenResult open(std::string_view relPath) const override {
    if (relPath.empty()) return {FsStatus::is_directory, nullptr};
    auto fd = jail_.open(relPath, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (!fd) {
      auto status = fromJail(fd.error());
      if (status == FsStatus::is_directory && !isDirectory(relPath)) status = FsStatus::forbidden;
      return {status, nullptr};
    }
    struct stat st {};
    if (::fstat(*fd, &st) != 0) {
      ::close(*fd);
      return {FsStatus::forbidden, nullptr};
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(*fd);
      return {FsStatus::is_directory, nullptr};
    }
    if (!S_ISREG(st.st_mode)) {  // FIFOs and devices would block or never end
      ::close(*fd);
      return {FsStatus::forbidden, nullptr};
    }
    FileInfo info{static_cast<std::uint64_t>(st.st_size), st.st_mtime,
                  static_cast<std::uint64_t>(st.st_ino)};
    return {FsStatus::ok, std::make_shared<PosixFile>(*fd, info)};
  }

  std::optional<std::vector<DirEntry>> list(std::string_view relPath) const override {
    auto dir = jail_.resolve(relPath);
    if (!dir) return std::nullopt;
    int fd = ::open(dir->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return std::nullopt;
    }
    std::vector<DirEntry> out;
    while (auto* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;
      out.push_back(DirEntry{std::string(name), S_ISDIR(st.st_mode),
                             static_cast<std::uint64_t>(st.st_size), st.st_mtime});
      if (out.size() >= 100'000) break;  // bound the listing a client can make us build
    }
    ::closedir(d);
    return out;
  }

 private:
  bool isDirectory(std::string_view relPath) const {
    auto p = jail_.resolve(relPath);
    struct stat st {};
    return p && ::stat(p->c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  PathJail jail_;
};

}  // namespace

std::shared_ptr<FileStore> makeJailFileStore(const std::string& root) {
  return std::make_shared<JailFileStore>(root);
}

}  // namespace wk::http::engine
