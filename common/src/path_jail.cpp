#include "wk/path_jail.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <system_error>
#include <vector>

namespace wk {

namespace {

// Longer client paths or names cannot exist on Linux (PATH_MAX, NAME_MAX); refusing them
// early also bounds the work a client can ask for.
constexpr std::size_t kMaxPath = 4096;
constexpr std::size_t kMaxName = 255;
// As the kernel's MAXSYMLINKS: more hops than this is a loop.
constexpr int kMaxSymlinks = 40;

// Boost's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer), which -Wnon-virtual-dtor flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class JailCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "path_jail"; }
  std::string message(int ev) const override {
    switch (static_cast<JailError>(ev)) {
      case JailError::ok:
        return "ok";
      case JailError::invalid_path:
        return "invalid path";
      case JailError::outside_root:
        return "path leads outside the root";
      case JailError::not_found:
        return "no such file or directory";
      case JailError::not_a_file:
        return "not a regular file";
      case JailError::permission_denied:
        return "permission denied";
      case JailError::io_error:
        return "I/O error";
    }
    return "unknown path jail error";
  }
};
#pragma GCC diagnostic pop

ErrorCode fromErrno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return make_error_code(JailError::not_found);
    case EACCES:
    case EPERM:
    case EROFS:
      return make_error_code(JailError::permission_denied);
    case EXDEV:
      return make_error_code(JailError::outside_root);
    case EISDIR:
      return make_error_code(JailError::not_a_file);
    case ENAMETOOLONG:
    case ELOOP:
    case EINVAL:
      return make_error_code(JailError::invalid_path);
    default:
      return make_error_code(JailError::io_error);
  }
}

// Splits on '/', dropping empty and "." components.
void splitInto(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  if (front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

// Is `path` the root or below it? Both are canonical absolute strings.
bool underRoot(const std::string& path, const std::string& root) {
  if (path == root) return true;
  if (root == "/") return true;
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

long openat2Syscall(int dirfd, const char* path, open_how* how) {
#ifdef SYS_openat2
  return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
#else
  (void)dirfd;
  (void)path;
  (void)how;
  errno = ENOSYS;
  return -1;
#endif
}

// Opens with O_NONBLOCK so a FIFO planted in the tree cannot hang the caller, refuses
// anything that is not a regular file (or a directory when O_DIRECTORY was asked), then
// restores the caller's blocking mode.
Result<int> finishOpen(int fd, int flags) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fromErrno(err);
  }
  bool wantDir = (flags & O_DIRECTORY) != 0 && (flags & O_TMPFILE) != O_TMPFILE;
  if (wantDir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error_code(JailError::not_a_file);
  }
  if ((flags & O_NONBLOCK) == 0) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  return fd;
}

}  // namespace

const boost::system::error_category& jailCategory() {
  static const JailCategory category;
  return category;
}

ErrorCode make_error_code(JailError e) {
  return ErrorCode(static_cast<int>(e), jailCategory());
}

PathJail::PathJail(const std::filesystem::path& root) : root_(std::filesystem::canonical(root)) {
  if (!std::filesystem::is_directory(root_))
    throw std::filesystem::filesystem_error("path jail root is not a directory", root_,
                                            std::make_error_code(std::errc::not_a_directory));
  rootFd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootFd_ < 0)
    throw std::filesystem::filesystem_error("cannot open path jail root", root_,
                                            std::error_code(errno, std::generic_category()));
}

PathJail::~PathJail() {
  if (rootFd_ >= 0) ::close(rootFd_);
}

PathJail::PathJail(const PathJail& other)
    : root_(other.root_),
      rootFd_(other.rootFd_ >= 0 ? fcntl(other.rootFd_, F_DUPFD_CLOEXEC, 0) : -1) {
  if (other.rootFd_ >= 0 && rootFd_ < 0)
    throw std::system_error(errno, std::generic_category(), "dup path jail root");
}

PathJail& PathJail::operator=(const PathJail& other) {
  if (this != &other) {
    PathJail copy(other);
    *this = std::move(copy);
  }
  return *this;
}

PathJail::PathJail(PathJail&& other) noexcept
    : root_(std::move(other.root_)), rootFd_(std::exchange(other.rootFd_, -1)) {}

PathJail& PathJail::operator=(PathJail&& other) noexcept {
  if (this != &other) {
    if (rootFd_ >= 0) ::close(rootFd_);
    root_ = std::move(other.root_);
    rootFd_ = std::exchange(other.rootFd_, -1);
  }
  return *this;
}

Result<std::string> PathJail::normalize(std::string_view clientPath) {
  if (clientPath.find('\0') != std::string_view::npos)
    return make_error_code(JailError::invalid_path);
  if (clientPath.size() > kMaxPath) return make_error_code(JailError::invalid_path);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= clientPath.size()) {
    std::size_t end = clientPath.find('/', start);
    if (end == std::string_view::npos) end = clientPath.size();
    std::string_view part = clientPath.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return make_error_code(JailError::outside_root);
      parts.pop_back();
      continue;
    }
    if (part.size() > kMaxName) return make_error_code(JailError::invalid_path);
    parts.push_back(part);
  }
  std::string out;
  out.reserve(clientPath.size());
  for (std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

// Walks the normalised path one component at a time from the canonical root, expanding
// each symlink by hand so that every hop can be checked: a relative target continues from
// the link's directory ("..", taken physically, may not climb above the root), an
// absolute target must name a place under the root. If allowMissingLast, a missing final
// component is allowed (for creation) as long as its parent exists.
Result<std::filesystem::path> PathJail::walk(std::string_view clientPath,
                                             bool allowMissingLast) const {
  auto rel = normalize(clientPath);
  if (!rel) return rel.error();
  const std::string root = root_.string();
  std::string current = root;
  std::deque<std::string> queue;
  splitInto(*rel, queue, false);
  int hops = 0;
  while (!queue.empty()) {
    std::string part = std::move(queue.front());
    queue.pop_front();
    if (part == "..") {
      if (current == root) return make_error_code(JailError::outside_root);
      current.erase(current.rfind('/'));
      if (current.empty()) current = "/";
      continue;
    }
    if (part.size() > kMaxName) return make_error_code(JailError::invalid_path);
    std::string next = current == "/" ? "/" + part : current + "/" + part;
    if (next.size() > kMaxPath) return make_error_code(JailError::invalid_path);
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) {
      int err = errno;
      if (err == ENOENT && allowMissingLast && queue.empty()) return std::filesystem::path(next);
      return fromErrno(err);
    }
    if (S_ISLNK(st.st_mode)) {
      if (++hops > kMaxSymlinks) return make_error_code(JailError::invalid_path);
      std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 0) + 256, '\0');
      ssize_t n = ::readlink(next.c_str(), target.data(), target.size());
      if (n < 0) return fromErrno(errno);
      if (static_cast<std::size_t>(n) >= target.size())
        return make_error_code(JailError::invalid_path);
      target.resize(static_cast<std::size_t>(n));
      if (target.empty()) return make_error_code(JailError::not_found);
      if (target.front() == '/') {
        // An absolute target: its path up to the root must be the root itself, spelled
        // canonically; the rest is walked like any other.
        std::deque<std::string> abs;
        splitInto(target, abs, false);
        std::deque<std::string> rootParts;
        splitInto(root, rootParts, false);
        if (abs.size() < rootParts.size()) return make_error_code(JailError::outside_root);
        for (const auto& rp : rootParts) {
          if (abs.front() != rp) return make_error_code(JailError::outside_root);
          abs.pop_front();
        }
        current = root;
        queue.insert(queue.begin(), abs.begin(), abs.end());
      } else {
        splitInto(target, queue, true);
      }
      if (queue.size() > kMaxPath) return make_error_code(JailError::invalid_path);
      continue;
    }
    if (!queue.empty() && !S_ISDIR(st.st_mode)) return make_error_code(JailError::not_found);
    current = std::move(next);
  }
  if (!underRoot(current, root)) return make_error_code(JailError::outside_root);
  return std::filesystem::path(current);
}

Result<std::filesystem::path> PathJail::resolve(std::string_view clientPath) const {
  return walk(clientPath, false);
}

Result<std::filesystem::path> PathJail::resolveForCreate(std::string_view clientPath) const {
  auto rel = normalize(clientPath);
  if (!rel) return rel.error();
  if (rel->empty()) return make_error_code(JailError::not_a_file);  // the root itself
  auto path = walk(clientPath, true);
  if (!path) return path;
  struct stat st {};
  if (::lstat(path->c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return make_error_code(JailError::not_a_file);
  return path;
}

Result<int> PathJail::open(std::string_view clientPath, int flags, int mode) const {
  auto rel = normalize(clientPath);
  if (!rel) return rel.error();
  // O_TMPFILE includes the O_DIRECTORY bit, so it must be tested as a whole.
  const bool creating = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
  const int openFlags = flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  open_how how{};
  how.flags = static_cast<std::uint64_t>(openFlags);
  how.mode = creating ? static_cast<std::uint64_t>(mode) : 0;  // EINVAL otherwise
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const std::string relPath = rel->empty() ? "." : *rel;
  long fd = openat2Syscall(rootFd_, relPath.c_str(), &how);
  if (fd >= 0) return finishOpen(static_cast<int>(fd), flags);
  int err = errno;
  if (err != ENOSYS && err != EXDEV) return fromErrno(err);
  // EXDEV: RESOLVE_BENEATH refuses every absolute symlink, even one that names a place
  // inside the root, which resolve() accepts. ENOSYS: an old kernel. Either way, walk the
  // path by hand with every hop checked, then open the canonical result without following
  // any symlink, so a link swapped in since the walk is refused rather than followed.
  auto path = creating ? resolveForCreate(clientPath) : resolve(clientPath);
  if (!path) return path.error();
  std::string canonicalRel = path->string().substr(root_.string().size());
  while (!canonicalRel.empty() && canonicalRel.front() == '/') canonicalRel.erase(0, 1);
  if (canonicalRel.empty()) canonicalRel = ".";
  if (err == EXDEV) {
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    fd = openat2Syscall(rootFd_, canonicalRel.c_str(), &how);
    if (fd < 0) return fromErrno(errno == ELOOP ? EXDEV : errno);
    return finishOpen(static_cast<int>(fd), flags);
  }
  // No openat2: O_NOFOLLOW guards the final component; the walk guarded the rest.
  int plain = ::openat(rootFd_, canonicalRel.c_str(), openFlags | O_NOFOLLOW, mode);
  if (plain < 0) return fromErrno(errno == ELOOP ? EXDEV : errno);
  return finishOpen(plain, flags);
}

}  // namespace wk
