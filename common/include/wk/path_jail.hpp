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
  // root must exist; it is canonicalised once here.
  explicit PathJail(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // Lexical step only: the client path as a clean relative path ("a/b/c"), or
  // outside_root / invalid_path. "" and "/" give "" (the root itself).
  static Result<std::string> normalize(std::string_view clientPath);

  // The real absolute path for an existing file or directory, every symlink resolved and
  // checked to stay under the root.
  Result<std::filesystem::path> resolve(std::string_view clientPath) const;

  // For creating a file: the parent must exist inside the root (symlinks resolved); the
  // final component must not be a symlink that leads out.
  Result<std::filesystem::path> resolveForCreate(std::string_view clientPath) const;

  // Opens a file below the root with open(2) flags (O_RDONLY, O_WRONLY|O_CREAT...); returns
  // the file descriptor.
  Result<int> open(std::string_view clientPath, int flags, int mode = 0644) const;

 private:
  std::filesystem::path root_;
  int rootFd_ = -1;
};

}  // namespace wk

template <>
struct boost::system::is_error_code_enum<wk::JailError> : std::true_type {};
