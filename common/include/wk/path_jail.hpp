#pragma once
// Maps client-supplied paths onto a root directory so that nothing outside it can be
// reached: ".." above the root, NUL bytes, and symlinks that lead out are refused; a
// leading "/" names the root (PXE clients ask for "/pxelinux.0"). Callers decode their
// protocol's escapes (percent-encoding) before asking; the jail never decodes.
//
// open() resolves with openat2(RESOLVE_BENEATH) where the kernel has it, so a symlink
// swapped in between check and use still cannot escape.

#include <filesystem>
#include <string>
#include <string_view>

#include "wk/result.hpp"

namespace wk {

enum class JailError {
  ok = 0,
  invalid_path = 1,  // NUL byte, or otherwise unusable
  outside_root = 2,  // ".." above the root, or a symlink leading out
  not_found = 3,
  not_a_file = 4,  // a directory where a file is needed, or vice versa
  permission_denied = 5,
  io_error = 6,
};
const boost::system::error_category& jailCategory();
ErrorCode make_error_code(JailError e);

class PathJail {
 public:
  // root must exist and be a directory (else std::filesystem::filesystem_error); it is
  // canonicalised and opened (O_PATH) once here.
  explicit PathJail(const std::filesystem::path& root);
  ~PathJail();
  PathJail(const PathJail& other);  // dups the root descriptor
  PathJail& operator=(const PathJail& other);
  PathJail(PathJail&& other) noexcept;
  PathJail& operator=(PathJail&& other) noexcept;

  const std::filesystem::path& root() const { return root_; }

  // Lexical step only: the client path as a clean relative path ("a/b/c"), or
  // outside_root / invalid_path. "" and "/" give "" (the root itself). Empty and "."
  // components are dropped, ".." pops one (outside_root above the root), backslash and
  // "%2e" are ordinary bytes. NUL, a path over 4096 bytes or a name over 255 bytes give
  // invalid_path.
  static Result<std::string> normalize(std::string_view clientPath);

  // The real absolute path for an existing file or directory, every symlink resolved and
  // checked to stay under the root: each hop of each symlink is checked, so a link that
  // leaves the root is refused (outside_root) even if it would come back. Missing ->
  // not_found; a symlink loop -> invalid_path.
  Result<std::filesystem::path> resolve(std::string_view clientPath) const;

  // For creating a file: the parent must exist inside the root (symlinks resolved); the
  // final component must not be a symlink that leads out.
  Result<std::filesystem::path> resolveForCreate(std::string_view clientPath) const;

  // Opens a file below the root with open(2) flags (O_RDONLY, O_WRONLY|O_CREAT...); returns
  // the file descriptor (O_CLOEXEC; the caller closes it). Only regular files are opened
  // (a directory, FIFO or device gives not_a_file) unless flags has O_DIRECTORY, which
  // asks for a directory instead. openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) does
  // the resolution in the kernel; an absolute symlink that points inside the root is
  // honoured (as in resolve()) by a checked walk and a RESOLVE_NO_SYMLINKS open.
  Result<int> open(std::string_view clientPath, int flags, int mode = 0644) const;

 private:
  Result<std::filesystem::path> walk(std::string_view clientPath, bool allowMissingLast) const;

  std::filesystem::path root_;
  int rootFd_ = -1;
};

}  // namespace wk

template <>
struct boost::system::is_error_code_enum<wk::JailError> : std::true_type {};
